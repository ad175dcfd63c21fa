"""Issue 14, item 3, in the kiosk's quit dialog: an admin's username, Enter and PIN typed
in one burst became the username "admin836150" (the PIN shown in plain text), and the
kiosk stayed open."""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, settle, sign_in, until


@pytest.mark.parametrize("between", ["enter", "tab"])
async def test_the_quit_dialog_typed_in_one_burst_lands_in_the_right_fields(school, between):
    app = make_app(kiosk_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "AdminPinDialog"
        burst(app, [*"admin", between, *DEMO_PINS["admin"], "enter"])
        await until(
            pilot, lambda: not app.is_running or app.screen.query_one("#admin-message").render().plain, what="an answer"
        )
        assert not app.is_running, app.screen.query_one("#admin-user").value
