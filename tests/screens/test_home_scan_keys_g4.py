"""Issue 15 follow-up (g4), item 1, with real keys: a scanner's burst at Home outside the
morning hand-in window is a look-up (where the phone is), never a silent hand-in; Y hands it
in on the hand-in screen. In the window it goes straight to hand-in, as before. The hour is
the app's injected (frozen) clock's, whatever the machine's time."""

from __future__ import annotations

import datetime as dt

import pytest

from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, drawn, make_app, scans_done, sign_in, text
from tests.school import NOW

SIZES = [(80, 24), (110, 32)]
AFTERNOON = NOW.replace(hour=14, minute=5)  # 14:05 local (GMT in November)


def handed_in() -> int:
    return CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count()


@pytest.mark.parametrize("size", SIZES)
async def test_a_scan_at_home_in_the_afternoon_is_a_look_up_and_y_hands_it_in(school, size):
    app = make_app()
    app.services.clock.at = AFTERNOON
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        ava = school.codes["000001"]
        burst(app, [*ava, "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        line = text(app, "#home-scan")
        assert line.startswith(f"{ava}: Ava Patel (Oak)'s phone is with its owner, not held by the school.")
        assert "Morning hand-in is 07:30–09:30, so nothing was recorded: press Y to hand it in now" in line
        assert handed_in() == 0
        assert app.screen.query_one("#home-scan").region.bottom <= size[1] - 1  # above the footer
        await pilot.press("y")
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await scans_done(pilot, 1)
        await drawn(pilot)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert handed_in() == 1


@pytest.mark.parametrize("size", SIZES)
async def test_scans_after_a_dropped_key_record_nothing_and_esc_withdraws_the_offer(school, size):
    """p (for the phone's history) lost, the code reached Home: in the afternoon nothing is recorded.
    A second scan replaces the offer; Esc withdraws it, and Y then does nothing."""
    app = make_app()
    app.services.clock.at = AFTERNOON
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*school.codes["000001"], "enter", *school.codes["000004"], "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert text(app, "#home-scan").startswith(f"{school.codes['000004']}: Dan Brown (Beech)'s phone")
        await pilot.press("escape")
        await drawn(pilot)
        assert text(app, "#home-scan") == ""
        await pilot.press("y")
        await drawn(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert handed_in() == 0


@pytest.mark.parametrize("size", SIZES)
async def test_in_the_configured_window_a_scan_at_home_hands_in_at_once(school, size):
    """The window is the config's, and the hour the app's clock's: 13:50 inside a 13:00–15:00 window."""
    from kiosk.app import create_app
    from models.clock import FrozenClock
    from tests import pilot as kit

    settings = kit.settings(hand_in_from=dt.time(13, 0), hand_in_until=dt.time(15, 0))
    app = create_app(
        settings, clock=FrozenClock(NOW.replace(hour=13, minute=50)), cursor_blink=False, print_worker=False
    )
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*school.codes["000004"], "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert handed_in() == 1


@pytest.mark.parametrize("size", SIZES)
async def test_a_scan_at_home_on_a_saturday_morning_is_a_look_up(school, size):
    """08:10 is in the window's hours, but Saturday is no school day: nothing is recorded."""
    app = make_app()
    app.services.clock.at = dt.datetime(2026, 11, 14, 8, 10)  # a Saturday (GMT)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        ava = school.codes["000001"]
        burst(app, [*ava, "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        line = text(app, "#home-scan")
        assert "Morning hand-in is 07:30–09:30 on weekdays (today is Saturday), so nothing was recorded" in line
        assert handed_in() == 0
        assert app.screen.query_one("#home-scan").region.bottom <= size[1] - 1  # above the footer
