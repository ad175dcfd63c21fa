"""A paste on the public visitor screen (a new user: 500 characters froze it for seconds
and landed in "Your name" while the kinds of visitor had the focus).

Pastes arrive as a terminal sends them (through the app, events.Paste). No timings: what
the fields hold, the one line shown, and that a key typed no longer redraws the footer.
"""

from __future__ import annotations

from textual import events

from kiosk.screens.visitor_self import VisitorSelfServiceScreen
from tests.pilot import make_app, quiet, text

SIZES = ((80, 24), (110, 32))


async def opened(pilot) -> VisitorSelfServiceScreen:
    screen = VisitorSelfServiceScreen()
    await pilot.app.push_screen(screen)
    await quiet(pilot)
    return screen


async def terminal_paste(pilot, pasted: str) -> None:
    pilot.app.post_message(events.Paste(pasted))  # as the driver sends a bracketed paste
    await quiet(pilot)


def boxes(app) -> dict[str, str]:
    return {f: app.screen.query_one(f"#self-{f}").value for f in ("name", "organisation", "purpose", "visiting", "car")}


async def test_an_over_long_paste_is_refused_in_one_line_and_nothing_is_kept(school):
    for size in SIZES:
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await opened(pilot)
            await pilot.press("enter", *"Jo", "enter")  # the kind, a name; on to the organisation
            await quiet(pilot)
            assert app.focused.id == "self-organisation"
            await terminal_paste(pilot, "x" * 500)
            assert boxes(app) == {"name": "Jo", "organisation": "", "purpose": "", "visiting": "", "car": ""}
            said = text(app, "#self-error")
            assert said == 'Not pasted: "Organisation" takes at most 100 characters.'
            assert app.screen.query_one("#self-error").size.height == 1  # one line, at 80x24 too
            assert app.focused.id == "self-organisation"
            await terminal_paste(pilot, "Acme Ltd")  # one that fits goes in, and only there
            assert boxes(app)["organisation"] == "Acme Ltd"
            assert boxes(app)["name"] == "Jo"
            assert text(app, "#self-error") == ""


async def test_a_paste_that_would_overfill_what_is_typed_is_refused(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("enter", "enter", "enter")  # the kind, (no name yet), on
        app.screen.set_focus(app.screen.query_one("#self-purpose"))
        await pilot.press(*"Meeting ")
        await terminal_paste(pilot, "y" * 195)  # 8 + 195 > 200
        assert boxes(app)["purpose"] == "Meeting "
        assert text(app, "#self-error") == 'Not pasted: "Purpose of visit" takes at most 200 characters.'


async def test_a_paste_at_the_kinds_of_visitor_lands_nowhere_and_says_why(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        assert app.focused.id == "self-type"
        await terminal_paste(pilot, "Jane Doe")
        assert boxes(app) == {"name": "", "organisation": "", "purpose": "", "visiting": "", "car": ""}
        assert app.focused.id == "self-type"
        assert text(app, "#self-error") == "Choose what kind of visitor you are first: Up/Down, then Enter."
        assert not screen.type_chosen
        await pilot.press(*"Jane")  # typing there still starts the name (a slip's code is typed)
        await quiet(pilot)
        assert boxes(app)["name"] == "Jane"


async def test_typing_does_not_redraw_the_footer_at_every_key(school):
    """The freeze: every character (a paste the terminal sent as keys) refreshed the screen's
    bindings, and the footer was built again and the screen laid out, several times a key."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        calls = []
        original = screen.refresh_bindings
        screen.refresh_bindings = lambda: (calls.append(1), original())[1]  # type: ignore[method-assign]
        await pilot.press(*"Jane Doe")
        await quiet(pilot)
        assert app.screen.query_one("#self-name").value == "Jane Doe"
        assert len(calls) <= 1  # the first character (Esc's meaning changes): not one a key
        calls.clear()
        await pilot.press(*["backspace"] * 8)
        await quiet(pilot)
        assert app.screen.query_one("#self-name").value == ""
        assert len(calls) <= 1
