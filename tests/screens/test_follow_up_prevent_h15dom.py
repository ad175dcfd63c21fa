"""The follow-up form of a radicalisation concern records its referral to Prevent (the day,
to whom, the reference) and offers the Prevent outcomes; other concerns' forms do not."""

from __future__ import annotations

from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW

SIZE = (80, 24)


def raised(school, category: str):
    pupil = Pupil.get(Pupil.admission_no == "000002").id
    return concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil, what="Videos", category=category, now=NOW
    )


async def open_follow_up(pilot) -> None:
    await pilot.press("s")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "SafeguardingScreen", 10, "the feed")
    await quiet(pilot)
    await pilot.press("f")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "FollowUpDialog", 10, "the form")
    await quiet(pilot)


def outcomes(app) -> list[str]:
    return [label for label, _ in app.screen.outcome_options()]


async def test_a_radicalisation_concern_is_referred_to_prevent_and_closed_as_a_channel_panel(school):
    c = raised(school, "radicalisation")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_follow_up(pilot)
        assert "Close it: Taken to a Channel panel" in outcomes(app)
        assert not app.screen.query("#follow-lado-day")  # not an allegation
        await pilot.press(*"Rang the Prevent team", "tab")
        await pilot.press("enter", *["down"] * 8, "enter")  # Close it: Taken to a Channel panel
        await pilot.pause()
        await pilot.press("tab", *["tab"] * 5)  # past the steps done
        assert pilot.app.focused.id == "follow-prevent-day"
        await pilot.press(*"2026-11-12", "tab", *"Kent Prevent team", "tab", *"PRV/26/2", "tab", "enter")
        await pilot.pause()
        summary = text(app, "#follow-summary")
        assert "Done: referred to Prevent on 2026-11-12 (to Kent Prevent team), reference PRV/26/2." in summary
        assert "The concern will be CLOSED: Taken to a Channel panel." in summary
        await pilot.press("enter")
        await quiet(pilot)
        assert text(app, "#sg-message") == (
            f"Follow-up of concern #{c.id} recorded; the concern is closed. Referred to Prevent."
        )
    assert [(a.kind, a.note, a.reference, a.outcome) for a in concerns.actions_of(c.id)] == [
        ("prevent", "Kent Prevent team", "PRV/26/2", None),
        ("closed", None, None, "channel"),
    ]


async def test_a_prevent_referral_without_to_whom_is_refused_on_the_form(school):
    raised(school, "radicalisation")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_follow_up(pilot)
        await pilot.press(*"Referred", "tab", "tab", *["tab"] * 5, *"2026-11-11", "tab", "tab", "tab", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "FollowUpDialog"
        assert text(app, "#follow-error").startswith("Give the day of the Prevent referral and to whom it went")


async def test_other_concerns_have_no_prevent_fields_or_outcomes(school):
    raised(school, "bullying")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_follow_up(pilot)
        assert not app.screen.query("#follow-prevent-day")
        assert not [o for o in outcomes(app) if "Prevent" in o or "Channel" in o]
