"""The history screen as a teacher (issue 15, item 4): she reads where a phone is and that it
was searched, not the search's grounds, consent or outcome, nor the confiscation's reason."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.school.people import contacts_of
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW

SIZE = (120, 50)


async def test_a_teacher_reads_that_a_phone_was_searched_not_why(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Filming SECRET",
        policy="MTP 6",
        now=NOW + dt.timedelta(hours=1),
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    custody.record_search(
        dev,
        school.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported SECRET video",
        found_what="an image of another pupil",
        outcome="content_deleted",
        now=NOW + dt.timedelta(hours=2),
    )
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        assert text(app, "#history-state").startswith("Now: Confiscated, slot B-01")
        lines = text(app, "#history-chain").splitlines()
        assert "confiscated (details for leadership and the DSL); held in slot B-01  (by Deputy)" in lines[1]
        assert "searched (details for leadership and the DSL)  (by Deputy)" in lines[2]
        shown = "\n".join(lines)
        assert "SECRET" not in shown and "Priya Patel" not in shown and "consent" not in shown
        await pilot.press("escape", "l")
        await quiet(pilot)
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])  # leadership reads the details
        await quiet(pilot)
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        lines = text(app, "#history-chain").splitlines()
        assert "Filming SECRET" in lines[1] and "grounds: Reported SECRET video" in lines[2]
