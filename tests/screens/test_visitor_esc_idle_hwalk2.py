"""The public visitor screen (a new-user walk, 80x24): Esc on the first step only said
"This is the first step…" though the footer offers "esc Back"; it now goes back to the staff
sign-in the screen was opened from (as F10 does: nothing a visitor could not reach already).
A staff member who typed their username and PIN into the form left "Organisation: <PIN>" for
the next visitor: a form left alone clears itself after the app's idle-lock time (at most
the screen's own 90 s). The clock is the app's last-input time, moved back: no sleeps."""

from __future__ import annotations

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, settle

SIZE = (80, 24)


def screen(app) -> str:
    return type(app.screen).__name__


async def test_esc_on_the_first_step_goes_back_to_the_staff_sign_in(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert screen(app) == "LoginScreen" and app.signed_in is None
        assert app.focused is not None and app.focused.id == "username"


async def test_a_pin_typed_into_the_form_is_cleared_after_the_idle_lock_time(school):
    app = make_app()
    app.services.settings.idle_lock_seconds = 30  # configured shorter than the screen's own 90 s
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        form = app.screen
        await pilot.press("enter", *"oak", "enter", *DEMO_PINS["oak"], "enter")  # a mistaken staff sign-in
        await settle(pilot)
        assert form.query_one("#self-organisation").value == DEMO_PINS["oak"]
        form._reset_if_abandoned()  # just typed: kept
        assert form.query_one("#self-organisation").value == DEMO_PINS["oak"]
        app.last_input -= 31  # ...then nobody touches it for the idle-lock time
        form._reset_if_abandoned()
        await settle(pilot)
        assert form.query_one("#self-organisation").value == "" and form.query_one("#self-name").value == ""
