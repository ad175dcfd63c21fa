"""The teacher who raised a concern reads it back at the kiosk, with real keys (f1s6, finding 2):
Home offers "Concerns you raised" (S); the list shows hers only, with its status; Enter opens
it as she raised it, never the DSL's follow-up."""

from __future__ import annotations

import datetime as dt

from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW

SIZE = (80, 24)


def rows(app) -> list[str]:
    table = app.screen.query_one("#sg-feed")
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_the_teacher_opens_the_concern_she_raised_and_not_the_dsls_follow_up(school):
    pid = Pupil.get(Pupil.admission_no == "000002").id
    mine = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pid, what="OAK-WROTE texting at lunch", category="bullying", now=NOW
    )
    concerns.follow_up(mine.id, school.head, note="DSL-NOTE mum phoned", now=NOW + dt.timedelta(minutes=5))
    concerns.raise_concern(school.office, about_kind="pupil", pupil_id=pid, what="OFFICE-WROTE", now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        assert "S  Concerns you raised" in str(app.screen.query_one("#task-safeguarding").label)
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SafeguardingScreen", 10, "the list")
        await quiet(pilot)
        assert text(app, "#sg-counts").startswith("Your concerns, as you raised them.   Showing 1 ")
        assert len(rows(app)) == 1 and "open" in rows(app)[0] and "Ben Jones" in rows(app)[0]
        assert "OFFICE-WROTE" not in "\n".join(rows(app))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "EntryHistoryDialog", 10, "the concern")
        await quiet(pilot)
        history = app.screen.history_text
        assert "raised by Oak Teacher: OAK-WROTE texting at lunch" in history
        assert "DSL-NOTE" not in history and "open" in history.splitlines()
        assert "follow-up, referrals, outcome and lessons learnt are for the DSL" in history
        await pilot.press("escape")
        await quiet(pilot)
        await pilot.press("f")  # no follow-up for her
        await quiet(pilot)
        assert type(app.screen).__name__ == "SafeguardingScreen"
