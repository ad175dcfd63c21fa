"""Issue 14 items 3, 4, 5 and 12 at the public screens: the staff sign-in and visitor self-service.

Real key presses (and driver-speed bursts for typing faster than the app draws), a frozen
clock, bounded waits and no sleeps.
"""

from __future__ import annotations

from textual.command import CommandPalette

from models.demo import DEMO_PINS
from tests.pilot import make_app, settle, sign_in


async def handled(app, *pumps, seconds: float = 20.0) -> None:
    """Turn the event loop until the app and ``pumps`` have no message waiting (bounded).

    (``pilot.pause`` waits for every widget, so it cannot be used while one is held busy.)
    """
    import asyncio
    import time

    from kiosk.textual_compat import queues_empty

    deadline = time.monotonic() + seconds
    for _ in range(3):  # quiet, three turns in a row: a message handled may post another
        while not queues_empty([app, *pumps]):
            assert time.monotonic() < deadline, "the app did not take the keys"
            await asyncio.sleep(0)
        await asyncio.sleep(0)


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


async def test_a_pin_typed_while_the_username_box_is_busy_goes_to_the_pin_box(school):
    """Item 3: the sign-in screen checked the username before the username box had taken its
    own keys (at start-up, in tmux: "Type your username." with "office" in the box), sent the
    focus back there, and the PIN then appeared in plain text in the username box."""
    import asyncio

    from textual.widgets import Input

    from tests.pilot import burst, until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        username = app.screen.query_one("#username", Input)
        pin = app.screen.query_one("#pin", Input)
        gate = asyncio.Event()

        async def busy() -> None:  # the box is slow to take its keys (first draw, a loaded machine)
            await gate.wait()

        username.call_later(busy)
        burst(app, [*"office", "enter"])
        await handled(app, app.screen, pin)
        burst(app, [*DEMO_PINS["office"]])
        await handled(app, app.screen, pin)
        gate.set()
        await until(pilot, lambda: username.value.startswith("office"), what="the username's keys")
        await settle(pilot)
        assert username.value == "office"
        assert app.screen.focused is pin and pin.value == DEMO_PINS["office"]
        assert DEMO_PINS["office"] not in username.value
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_sign_in_burst_while_the_username_box_is_busy_signs_in(school):
    """Item 3: username, Enter, PIN, Enter in one burst, the username box slow: the PIN's Enter
    was checked against an empty username ("Type your username.") and the PIN was dropped."""
    import asyncio

    from textual.widgets import Input

    from tests.pilot import burst, until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        username = app.screen.query_one("#username", Input)
        gate = asyncio.Event()

        async def busy() -> None:
            await gate.wait()

        username.call_later(busy)
        burst(app, [*"office", "enter", *DEMO_PINS["office"], "enter"])
        await handled(app, app.screen, app.screen.query_one("#pin", Input))
        gate.set()
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="the sign-in", seconds=20)


async def test_a_sign_in_typed_before_the_terminal_was_ready_signs_in(school):
    """Item 3, in tmux: "office", Enter, the PIN typed as `kiosk run` started were read before
    the terminal was switched to raw mode, so each Enter arrived as a newline (ctrl+j): the
    username box kept "office482916", the PIN in plain text."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"office", "ctrl+j", *DEMO_PINS["office"])
        await settle(pilot)
        assert app.screen.query_one("#username", Input).value == "office"
        assert app.screen.query_one("#pin", Input).value == DEMO_PINS["office"]
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
