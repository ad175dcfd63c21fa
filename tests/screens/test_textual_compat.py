"""Textual's private internals are used in one module only: kiosk/textual_compat.py.

An upgrade of Textual is checked by reading that module again; this test keeps the
rest of the code from reaching past Textual's public API again (issue 13 item 6).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.paths import REPO

ROOT = REPO
COMPAT = ROOT / "kiosk" / "textual_compat.py"

# Overriding or calling a private method of a Textual class, or importing a private module.
PRIVATE = re.compile(
    r"from textual(\.\w+)*\._\w+ import"  # a private module
    r"|import textual(\.\w+)*\._\w+"
    r"|def _on_\w+\("  # a private event handler (the public on_x runs in its place)
    r"|def _(handle_exception|update_dimensions|on_exit_app|fatal_error)\b"
    r"|\._(return_code|close_messages_no_wait|driver|message_queue|exception|layout_required"
    r"|scroll_required|repaint_required|recompose_required|dirty_widgets|callbacks"
    r"|require_update_dimensions|update_count|notifications)\b"
)


def test_only_the_compat_module_touches_textual_internals():
    offenders = []
    for folder in ("kiosk", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == COMPAT or path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PRIVATE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "Textual internals outside kiosk/textual_compat.py:\n" + "\n".join(offenders)


def test_the_compat_module_still_finds_what_it_needs_in_textual():
    """Each private name the module relies on exists in the installed Textual."""
    from textual.app import App
    from textual.screen import Screen
    from textual.widget import Widget
    from textual.widgets import DataTable

    from kiosk import textual_compat

    for owner, name in [
        (App, "_handle_exception"),
        (App, "_on_exit_app"),
        (App, "_close_messages_no_wait"),
        (Widget, "_on_key"),
        (DataTable, "_update_dimensions"),
    ]:
        assert callable(getattr(owner, name, None)), f"Textual no longer has {owner.__name__}.{name}"
    assert textual_compat.FooterKey.__name__ == "FooterKey"
    assert hasattr(Screen, "walk_children")


async def test_an_unexpected_error_is_logged_and_met_with_a_calm_message_not_a_traceback(school):
    """The app's error hook (through the compat module): logged, a calm notice, the
    screen reset for the same person, and the app still running."""
    from kiosk.logfile import log_path
    from kiosk.screens.home import HomeScreen
    from kiosk.textual_compat import notices
    from models.upkeep.demo import DEMO_PINS
    from tests.pilot import make_app, settle, sign_in

    app = make_app()
    app.raise_in_tests = False

    def broken() -> None:
        raise RuntimeError("a bug in a screen")

    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        home = app.screen
        assert isinstance(home, HomeScreen)
        reset = asyncio.Event()
        real_sign_in = app.sign_in

        def sign_in_again(who) -> None:  # the hook's reset: the same person, a fresh Home
            real_sign_in(who)
            reset.set()

        app.sign_in = sign_in_again
        home.call_later(broken)  # raised in the screen's own message loop, as a handler's bug would be
        # That loop has stopped for good (pilot.pause() would wait on it): wait for the reset instead.
        await asyncio.wait_for(reset.wait(), timeout=30)
        await settle(pilot)
        assert app.screen is not home
        assert app.is_running and app.return_code is None
        assert notices(app) == ["Something went wrong. Nothing was half-saved; the screen has been reset."]
        assert type(app.screen).__name__ == "HomeScreen" and app.signed_in.username == "oak"
    assert "a bug in a screen" in log_path().read_text(encoding="utf-8")
