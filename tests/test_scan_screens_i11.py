"""Issue 11, items 7, 13 and 15, on screen: real keys, 80×24 and 110×32, a frozen clock, no sleeps."""

from __future__ import annotations

import pytest

from kiosk.widgets.scan_log import ScanLog
from models import codes, custody
from models.tables import CustodyEvent, Label
from tests.pilot import drawn, make_app, scans_done, settle, sign_in, text

SLIP = codes.make_code("S", 121367)
VISITOR = codes.make_code("V", 345678)
SIZES = [(80, 24), (110, 32)]


def fits(app) -> None:
    """Nothing on the scan screen is pushed off the bottom: the scan field is the last line above the footer."""
    screen = app.screen
    height = app.size.height
    scan = screen.query_one("#scan")
    assert scan.region.bottom <= height - 1, (scan.region, height)
    assert screen.query_one("#outcome-message").region.height >= 1


async def scan(pilot, code: str) -> None:
    before = pilot.app.screen.count
    await pilot.press(*code, "enter")
    await scans_done(pilot, before + 1)
    await drawn(pilot)


# ---------------------------------------------------------------- item 7: slips and visitors' labels


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("start", ["hand-in", "release"])
async def test_a_slip_at_hand_in_or_release_says_what_it_is_and_f3_does_not_register_it(school, size, start):
    app = make_app(start=start)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", "1111")
        await scan(pilot, SLIP)
        assert text(app, "#outcome-word") == "NOT A PUPIL'S PHONE"
        assert text(app, "#outcome-message") == f"{SLIP} is a visitor's slip: sign visitors out on the Visitors screen."
        assert "F3" not in text(app, "#outcome-message")
        fits(app)
        if start == "hand-in":
            await pilot.press("f3")
            await drawn(pilot)
            assert type(app.screen).__name__ == "HandInScreen"  # no register dialog
        assert not Label.select().where(Label.code == SLIP).exists()
        assert CustodyEvent.select().count() == 0


@pytest.mark.parametrize("size", SIZES)
async def test_a_visitor_label_at_hand_in_points_to_the_visitors_screen(school, size):
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", "1111")
        await scan(pilot, VISITOR)
        assert text(app, "#outcome-word") == "NOT A PUPIL'S PHONE"
        assert text(app, "#outcome-message") == (
            f"{VISITOR} is a visitor's phone label: receive and return visitors' phones on the Visitors screen.")
        row = app.screen.query_one("#log", ScanLog).rows[-1]
        assert row.result.startswith("NOT A PUPIL'S PHONE: ")
        fits(app)
        await pilot.press("f3")
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        assert not Label.select().where(Label.code == VISITOR).exists()


@pytest.mark.parametrize("size", SIZES)
async def test_f3_after_an_unknown_pupil_label_then_a_slip_does_not_register_the_older_code(school, size):
    unknown = codes.make_code("K", 555555)
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", "1111")
        await scan(pilot, unknown)
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        await scan(pilot, SLIP)
        await pilot.press("f3")  # F3 acts on the result on screen only
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        assert not Label.select().where(Label.code == unknown).exists()
        assert custody.verify_states() == []
