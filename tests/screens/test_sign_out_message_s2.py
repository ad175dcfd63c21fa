"""After signing out (F12) the sign-in box says one plain thing (a new-user walk): it read
"Locked: sign in again to carry on" above "Signed out.", two messages for one act."""

from __future__ import annotations

from textual.widgets import Static

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, settle, sign_in, text


def box_text(app) -> list[str]:
    return [str(s.render()).strip() for s in app.screen.query_one("#login-box").query(Static) if s.display]


async def test_signed_out_shows_one_message(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen" and app.signed_in is None
        assert text(app, "#login-message") == "Signed out."
        assert text(app, "#login-title") == "Staff sign-in"  # as before anyone signed in
        assert not any("Locked" in line for line in box_text(app))


async def test_idle_lock_shows_one_message(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        app.lock("Locked after a period without use.")
        await settle(pilot)
        assert text(app, "#login-message") == "Locked after a period without use."
        assert text(app, "#login-title") == "Staff sign-in"
