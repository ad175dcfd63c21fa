"""Issue 14, item 8: "^p palette" is shown only where ctrl+p opens it, and the palette
offers nothing that fails (Textual's Screenshot wrote into the working directory)."""

from __future__ import annotations

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in


def palette_hint_shown(app) -> bool:
    return bool(app.screen.query_one("Footer").show_command_palette)


async def test_the_sign_in_screen_shows_no_palette_key(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        assert not palette_hint_shown(app)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        assert palette_hint_shown(app)  # staff, outside kiosk mode: ctrl+p opens it
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles and not any("screenshot" in t.lower() for t in titles)


async def test_kiosk_mode_shows_no_palette_key_even_to_staff(school):
    app = make_app(kiosk_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        assert not palette_hint_shown(app)
