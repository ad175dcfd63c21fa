"""The safeguarding feed's "About" column is readable at 110x32 (a new-user walk: it was
capped at 20 cells, so a longer name or "A member of staff's device" was cut, though the
column had room to take from "What", whose entry shows whole under the list anyway), and
still sensible at 80x24: every column up to Status on the screen, About cut with "…"."""

from __future__ import annotations

from rich.cells import cell_len

from models.safeguarding import concerns
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, until
from tests.school import NOW
from tests.screens.test_safeguarding_screens import open_screen

LONG = "Dr Margaret Featherstone"  # 24 cells
OTHER = "A member of staff's device"  # 26 cells: a staff device confiscated (the feed's words)


def seed(school) -> None:
    for name in (LONG, OTHER):
        concerns.raise_concern(
            school.office,
            about_kind="visitor",
            name=name,
            category="visitor_device",
            what="Photographed pupils at the gate",
            now=NOW,
        )


def cells(app) -> tuple[list[str], dict]:
    table = app.screen.query_one("#sg-feed")
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)], table


async def test_about_is_whole_at_110x32(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    seed(school)
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen, pin=DEMO_PINS["head"])
        await until(pilot, lambda: app.screen.query_one("#sg-feed").row_count == 2, 10, "the feed")
        await quiet(pilot)
        about, table = cells(app)
        assert sorted(about) == sorted([LONG, OTHER])
        what = table.columns["what"]
        assert what.width >= 20  # What keeps room to be read
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scroll


async def test_about_is_sensible_at_80x24(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    seed(school)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen, pin=DEMO_PINS["head"])
        await until(pilot, lambda: app.screen.query_one("#sg-feed").row_count == 2, 10, "the feed")
        await quiet(pilot)
        about, table = cells(app)
        for text in about:
            assert cell_len(text) >= 20 and (text in (LONG, OTHER) or text.endswith("…")), text
        keys = list(table.columns)
        status_end = sum(table.columns[k].get_render_width(table) for k in keys[: keys.index("status") + 1])
        assert status_end <= table.scrollable_content_region.width  # When to Status on the screen
