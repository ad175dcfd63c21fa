"""Issue 14 items 3, 4, 5 and 12 at the public screens: the staff sign-in and visitor self-service.

Real key presses (and driver-speed bursts for typing faster than the app draws), a frozen
clock, bounded waits and no sleeps.
"""

from __future__ import annotations

from textual.command import CommandPalette

from models.demo import DEMO_PINS
from tests.pilot import make_app, settle, sign_in


async def test_a_visitors_terminal_is_kiosk_mode_even_once_staff_have_signed_in(school):
    """Item 4: `kiosk run --start visitor`, F10, the office signs in, ctrl+q: the shell."""
    app = make_app(start="visitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HomeScreen"
        for key in ("ctrl+q", "ctrl+c"):
            await pilot.press(key)
            await settle(pilot)
            assert app.is_running, key
        assert type(app.screen).__name__ == "AdminPinDialog"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
        assert app.is_running
