"""Issue 15 (a new-user walk), on the screens: the concern form offers only the kinds that fit
whom the concern is about, and the follow-up form refuses a LADO referral day before the
concern was raised, keeping what was typed."""

from __future__ import annotations

from textual.widgets import RadioButton, RadioSet

from models.safeguarding import concerns
from models.store.tables import ConcernAction
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW


def kinds_offered(app) -> list[str]:
    buttons = app.screen.query_one("#concern-category", RadioSet).query(RadioButton)
    return [str(b.label) for b in buttons if b.display and not b.disabled]


async def test_the_concern_form_offers_only_the_kinds_that_fit_the_subject(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        await pilot.press("down", "enter")  # a pupil
        await quiet(pilot)
        offered = kinds_offered(app)
        assert "Visitor device use" not in offered and "Staff conduct or allegation" not in offered
        assert "Bullying or cyberbullying" in offered
        app.screen.query_one("#concern-about").focus()
        await pilot.press("down", "enter")  # a member of staff
        await quiet(pilot)
        offered = kinds_offered(app)
        assert "Visitor device use" not in offered and "Staff conduct or allegation" in offered
        app.screen.query_one("#concern-about").focus()
        await pilot.press("down", "enter")  # a visitor
        await quiet(pilot)
        offered = kinds_offered(app)
        assert "Visitor device use" in offered and "Staff conduct or allegation" not in offered
        # Down/Up walk only what is offered: the last kind offered to a visitor is "Other",
        # the one before it "Visitor device use".
        await pilot.press(*"Sam Visitor", "enter")
        await quiet(pilot)
        assert app.focused.id == "concern-category"
        await pilot.press("up", "up", "enter")
        await quiet(pilot)
        assert app.screen.category() == "visitor_device"
        # Back to a member of staff: the visitor's kind is unchosen and no longer offered.
        app.screen.query_one("#concern-about").focus()
        await pilot.press("up", "enter")
        await quiet(pilot)
        assert app.screen.category() is None


async def test_a_lado_referral_before_the_concern_is_refused_on_the_form(school):
    c = concerns.raise_concern(
        school.oak, about_kind="staff", staff_id=school.deputy.id, what="Photo of a pupil", category="other", now=NOW
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SafeguardingScreen", 10, "the feed")
        await quiet(pilot)
        await pilot.press("f")
        await until(pilot, lambda: type(app.screen).__name__ == "FollowUpDialog", 10, "the form")
        await quiet(pilot)
        app.screen.query_one("#follow-note").focus()
        await pilot.press(*"Phoned the LADO")
        app.screen.query_one("#follow-lado-day").focus()
        await pilot.press(*"2026-11-01", "tab", *"LADO/26/4", "enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "FollowUpDialog"  # kept, with what was typed
        assert (
            text(app, "#follow-error") == "The day of the LADO referral is before the concern was raised (2026-11-12)."
        )
        assert app.focused.id == "follow-lado-day"
        assert app.screen.query_one("#follow-lado-ref").value == "LADO/26/4"
    assert not ConcernAction.select().where(ConcernAction.concern == c.id).exists()
