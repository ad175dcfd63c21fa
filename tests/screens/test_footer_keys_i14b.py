"""Issue 14, items 6 and 8: the footer's keys on every screen.

Item 6: every key and its word is readable at 80 columns (the footer wraps onto a
second line rather than cut "f8 Retry p…" or drop F12). Item 8: every key the footer
shows does something when pressed (a screen, a dialog, or a message that says why
not): pressed on each screen, it changes what is on screen. Real keys, no sleeps.
"""

from __future__ import annotations

import pytest

import tests.svg_text as svg
from kiosk.textual_compat import notices
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


# ---------------------------------------------------------------- item 8: every key works or says why

# Every key each screen's footer shows (for the role in SCREENS), as the test school starts
# the day: nothing scanned, nobody chosen. test_the_list_is_every_key_shown keeps it whole.
SHOWN = {
    "login": ["escape", "f2"],
    "home": ["n", "l", "f12", "ctrl+p"],
    "home-admin": ["n", "a", "l", "f12", "ctrl+p"],
    "hand-in": ["escape", "f5", "f2", "f3", "f6", "f7", "f12", "ctrl+p"],
    "release": ["escape", "f2", "f5", "f4", "f12", "ctrl+p"],
    "checklist": ["escape", "f2", "f3", "f4", "f5", "f7", "f8", "f12", "ctrl+p"],
    "history": ["escape", "f2", "f4", "f6", "f7", "f8", "f12", "ctrl+p"],
    "uncollected": ["escape", "f5", "f9", "f12", "ctrl+p"],
    "visitors": ["escape", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f12", "ctrl+p"],
    "roll-call": ["escape", "f12", "ctrl+p"],
    "exceptions": ["escape", "n", "x", "v", "s", "p", "f", "f5", "f12", "ctrl+p"],
    "safeguarding": ["escape", "f", "l", "n", "c", "k", "d", "w", "f5", "f12", "ctrl+p"],
    "compliance": ["escape", "f5", "f12", "ctrl+p"],
    "self-service": ["escape", "f10", "f2", "f5"],
}
BEFORE = {"login": [*"off"]}  # something typed for Esc (Clear) to clear


def shown_keys(app) -> list[str]:
    return [key.key for key in footer_keys(app)]


@pytest.mark.parametrize("name", list(SCREENS))
async def test_the_list_is_every_key_shown(school, name):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_screen(pilot, name)
        assert sorted(shown_keys(app)) == sorted(SHOWN[name])


CASES = [(n, k) for n, keys in SHOWN.items() for k in keys]


@pytest.mark.parametrize(("name", "key"), CASES)
async def test_every_footer_key_does_something_or_says_why(school, name, key):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, name)
        for k in BEFORE.get(name, []):
            await pilot.press(k)
        await drawn(pilot)
        screen, before, said = app.screen, screen_lines(app), notices(app)
        await pilot.press(key)
        await drawn(pilot)
        if app.screen is screen and notices(app) == said:  # (tests run with the toasts off)
            assert screen_lines(app) != before, f"{key} on {name}: nothing happened, nothing said"


async def test_the_footer_lays_itself_out_again_when_the_terminal_is_resized(school):
    app = make_app()
    async with app.run_test(size=(140, 32)) as pilot:
        await open_screen(pilot, "visitors")
        wide = screen_lines(app)[-2:]
        await pilot.resize_terminal(80, 24)
        await drawn(pilot)
        shown = "\n".join(screen_lines(app)[-3:])
        for key in footer_keys(app):
            assert f"{key.key_display} {key.description}" in shown, shown
        await pilot.resize_terminal(140, 32)
        await drawn(pilot)
        assert screen_lines(app)[-2:] == wide
