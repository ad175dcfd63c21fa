"""The palette's "Quit" (a new-user walk): a teacher signed in pressed Ctrl+P, typed Quit and
Enter, and the app closed at once, while Ctrl+C and Ctrl+Q go through the app's own quit
(an admin PIN wherever the kiosk is public). The palette's Quit now goes the same way."""

from __future__ import annotations

from textual.command import CommandPalette

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, until


async def test_quit_from_the_palette_goes_through_the_apps_own_quit(school):
    app = make_app()
    asked: list[str] = []
    app.action_request_quit = lambda: asked.append("quit")  # what Ctrl+C / Ctrl+Q run
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"Quit")
        await until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0, what="the palette's matches")
        await quiet(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: bool(asked) or not app.is_running, what="the quit")
        assert app.is_running and asked == ["quit"]


async def test_the_palettes_quit_is_the_apps_own(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        quits = [c for c in app.get_system_commands(app.screen) if c.title == "Quit"]
        assert [c.callback for c in quits] == [app.action_request_quit]
