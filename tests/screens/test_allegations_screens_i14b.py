"""An allegation about the headteacher, at the kiosk with real keys (issue 15, item 5):
the head signs in and neither sees it counted on Home nor listed in her feed; the chair
of governors signs in, sees it counted, opens it from the feed and reads it."""

from __future__ import annotations

from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import Concern, Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW

SIZE = (110, 40)
CHAIR_PIN = "947261"


def rows(app) -> list[str]:
    table = app.screen.query_one("#sg-feed")
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_the_head_cannot_see_an_allegation_about_herself_and_the_chair_can(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], CHAIR_PIN, now=NOW)
    allegation = concerns.raise_concern(
        school.office, about_kind="staff", staff_id=school.head.id, what="Photographed pupils on her own phone", now=NOW
    )
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=Pupil.get(Pupil.admission_no == "000002").id, what="Texting", now=NOW
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        assert "Concerns not yet seen by the DSL: 1 " in text(app, "#home-summary")  # the pupil's only
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SafeguardingScreen", 10, "the feed")
        await quiet(pilot)
        assert text(app, "#sg-counts").startswith("Concerns not yet seen: 1 · open: 1.")
        listed = "\n".join(rows(app))
        assert "Ben Jones" in listed and "Photographed" not in listed and "allegation" not in listed
        await pilot.press("escape", "l")
        await quiet(pilot)
        await sign_in(pilot, "chair", CHAIR_PIN)
        await quiet(pilot)
        assert "Concerns about the headteacher not yet opened: 1 " in text(app, "#home-summary")  # the allegation only
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SafeguardingScreen", 10, "the feed")
        await quiet(pilot)
        assert len(rows(app)) == 1
        assert rows(app)[0].startswith("2026-11-12 08:30 | allegation | Head |")
        assert "concern: allegation (breach of the phone policy) · Head · by Office" in text(app, "#sg-detail")
        await pilot.press("enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "EntryHistoryDialog"
        assert "raised by Office: Photographed pupils on her own phone" in app.screen.history_text
    assert Concern.get_by_id(allegation.id).seen_by.username == "chair"
