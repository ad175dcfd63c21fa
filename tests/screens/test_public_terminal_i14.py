"""Issue 14 items 3, 4, 5 and 12 at the public screens: the staff sign-in and visitor self-service.

Real key presses (and driver-speed bursts for typing faster than the app draws), a frozen
clock, bounded waits and no sleeps.
"""

from __future__ import annotations

from textual.command import CommandPalette

from models.upkeep.demo import DEMO_PINS
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


# ---------------------------------------------------------------- visitor self-service

SIZE = (80, 24)


async def self_service(pilot):
    from kiosk.screens.visitor_self import VisitorSelfServiceScreen
    from tests.pilot import quiet

    screen = VisitorSelfServiceScreen()
    await pilot.app.push_screen(screen)
    await quiet(pilot)
    return screen


def value(app, field: str) -> str:
    return app.screen.query_one(f"#self-{field}").value


async def test_a_name_and_organisation_typed_in_one_burst_land_in_their_fields(school):
    """Item 3: "Anna Smith", Enter, "ACME" typed fast became the name "Anna SmithACME"."""
    from tests.pilot import burst, quiet, until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await self_service(pilot)
        burst(app, ["enter", *"Anna Smith", "enter", *"ACME", "enter", *"Meeting", "enter", *"Mrs Head"])
        await until(pilot, lambda: value(app, "visiting") == "Mrs Head", what="the burst", seconds=20)
        await quiet(pilot)
        assert (value(app, "name"), value(app, "organisation"), value(app, "purpose")) == (
            "Anna Smith",
            "ACME",
            "Meeting",
        )


async def test_a_name_typed_before_choosing_the_kind_of_visitor_is_kept_and_the_kind_asked(school):
    from kiosk.screens.visitor_self import CHOOSE_TYPE
    from tests.pilot import quiet, text

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await self_service(pilot)
        assert app.focused.id == "self-type"
        await pilot.press(*"Anna Smith", "enter")
        await quiet(pilot)
        assert value(app, "name") == "Anna Smith"
        assert app.focused.id == "self-type" and text(app, "#self-error") == CHOOSE_TYPE
        await pilot.press("enter", *"ACME")
        await quiet(pilot)
        assert app.focused.id == "self-organisation" and value(app, "organisation") == "ACME"
        assert text(app, "#self-error") == ""


async def test_a_contractor_hears_please_see_the_office_before_typing_anything(school):
    """Item 12: the kind of visitor is asked first; the office's kinds are told at once."""
    from kiosk.screens.visitor_self import DETAILS, MESSAGE
    from tests.pilot import quiet, text

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await self_service(pilot)
        await pilot.press("down", "enter")  # Contractor
        await quiet(pilot)
        assert screen.step == MESSAGE
        assert "Please see the office" in text(app, "#self-message")
        await pilot.press("escape")  # a wrong choice: back to the kinds
        await quiet(pilot)
        assert screen.step == DETAILS and app.focused.id == "self-type"


async def test_a_misread_slip_code_at_your_name_is_a_scan_not_a_name(school):
    """Item 5: a code-shaped entry at "Your name" (here a slip code with a wrong check digit)."""
    from models.custody import codes
    from models.store.tables import Visit
    from tests.pilot import quiet, text

    good = codes.make_code(codes.SLIP_PREFIX, 123)
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await self_service(pilot)
        for typed in (misread, "31234567", "s12345"):
            await pilot.press("enter", *typed, "enter")
            await quiet(pilot)
            assert value(app, "name") == "", typed
            assert app.focused.id == "self-name", typed
            assert "not a visitor slip" in text(app, "#self-error"), typed
            await pilot.press("f5")
            await quiet(pilot)
        assert Visit.select().count() == 0


async def test_going_back_and_signing_out_by_mistake_keep_what_was_typed(school):
    """Item 12: Escape, F2 then Escape, and a declined rule keep the visitor's typing."""
    from kiosk.screens.visitor_self import CLEAR_HINT, DETAILS, MESSAGE, RULES, SIGN_OUT
    from tests.pilot import quiet, text

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await self_service(pilot)
        await pilot.press("enter", *"Anna Smith", "enter", *"ACME")
        await quiet(pilot)
        await pilot.press("f2")
        await quiet(pilot)
        assert screen.step == SIGN_OUT
        await pilot.press("escape")
        await quiet(pilot)
        assert screen.step == DETAILS and app.focused.id == "self-organisation"
        assert (value(app, "name"), value(app, "organisation")) == ("Anna Smith", "ACME")
        await pilot.press("escape", "escape")
        await quiet(pilot)
        assert app.focused.id == "self-type" and value(app, "name") == "Anna Smith"
        await pilot.press("escape")
        await quiet(pilot)
        assert text(app, "#self-error") == CLEAR_HINT and value(app, "name") == "Anna Smith"
        await pilot.press("enter", "enter", *"Meeting", "enter", *"Mrs Head", "enter", "enter")  # type: on to org
        await quiet(pilot)
        assert screen.step == RULES
        await pilot.press("n")
        await quiet(pilot)
        assert screen.step == MESSAGE
        await pilot.press("escape")
        await quiet(pilot)
        assert screen.step == RULES
        await pilot.press("escape")
        await quiet(pilot)
        assert screen.step == DETAILS and value(app, "visiting") == "Mrs Head"


async def test_the_returning_visitor_lookup_is_explained_on_screen(school):
    """Item 12: how a returning visitor fills in their details (their old slip) is on screen."""
    from tests.pilot import quiet, text

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await self_service(pilot)
        await quiet(pilot)
        welcome = text(app, "#self-welcome")
        assert "Been here before? Scan your old slip to fill in your details." in welcome


async def test_a_kind_of_visitor_chosen_in_one_burst_is_the_one_highlighted(school):
    """Item 3, in tmux: Down, Enter typed together chose the first kind: Down is the list's
    binding, run by the app once the key has bubbled up, after the list's own queue."""
    from kiosk.screens.visitor_self import MESSAGE
    from tests.pilot import burst, until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await self_service(pilot)
        burst(app, ["down", "enter", *"Bob"])
        await until(pilot, lambda: screen.step == MESSAGE or screen.type_chosen, what="the choice", seconds=20)
        assert screen.visitor_type == "contractor" and screen.step == MESSAGE


async def test_a_backspace_in_a_burst_is_taken_before_the_name_is_read(school):
    from models.custody import codes
    from tests.pilot import burst, quiet, text, until

    code = codes.make_code(codes.SLIP_PREFIX, 123)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await self_service(pilot)
        burst(app, ["enter", *code, "x", "backspace", "enter"])  # a code, once the stray x is rubbed out
        await until(pilot, lambda: "slip" in screen.said.casefold(), what="the scan", seconds=20)
        await quiet(pilot)
        assert value(app, "name") == "" and f"No visit has slip {code}" in text(app, "#self-error")


async def test_back_from_see_the_office_the_next_kind_leads_to_the_name(school):
    """In tmux: Down, Enter, "Bob" (typed on as the message came), Esc, Up, Enter: the name was
    skipped and "Anna Smith" went into the organisation."""
    from kiosk.screens.visitor_self import DETAILS, MESSAGE
    from tests.pilot import burst, quiet, until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await self_service(pilot)
        burst(app, ["down", "enter", *"Bob"])
        await until(pilot, lambda: screen.step == MESSAGE, what="the message", seconds=20)
        await quiet(pilot)
        await pilot.press("escape")
        await quiet(pilot)
        assert screen.step == DETAILS and app.focused.id == "self-type"
        await pilot.press("up", "enter")
        await quiet(pilot)
        assert app.focused.id == "self-name" and screen.visitor_type == "parent_carer"


async def test_clearing_a_field_in_a_burst_clears_that_field_not_the_next(school):
    """In tmux: Ctrl+U (clear the field), a name, Enter, "ACME": the organisation came out empty."""
    from tests.pilot import burst, quiet, until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await self_service(pilot)
        await pilot.press("enter", *"Bob")
        await quiet(pilot)
        burst(app, ["ctrl+u", *"Anna Smith", "enter", *"ACME", "ctrl+a", "ctrl+k", *"Acme Ltd"])
        await until(pilot, lambda: value(app, "organisation").endswith("Ltd"), what="the burst", seconds=20)
        await quiet(pilot)
        assert (value(app, "name"), value(app, "organisation")) == ("Anna Smith", "Acme Ltd")
