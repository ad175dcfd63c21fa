"""Issue 15 follow-up (g4), item 1, in the domain: a scan at Home hands a phone in only during
the morning hand-in window (``hand_in_from``/``hand_in_until``, local time, from the app's
clock); outside it the scan is a look-up that offers the hand-in and records nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.config import ConfigError, Settings, load_settings
from models.custody import codes
from models.custody import ledger as custody
from models.custody.devices import HAND_IN_OFFER, in_hand_in_window, route_home_scan
from models.staff import auth
from models.store.tables import CustodyEvent
from tests.school import NOW, build

LONDON = ZoneInfo("Europe/London")
FROM, UNTIL = dt.time(7, 30), dt.time(9, 30)
OFFICE = frozenset({auth.OFFICE})


@pytest.fixture
def school(database):
    return build()


@pytest.mark.parametrize(
    "utc, open_",
    [
        (dt.datetime(2026, 11, 12, 7, 29), False),  # GMT: local = UTC
        (dt.datetime(2026, 11, 12, 7, 30), True),
        (dt.datetime(2026, 11, 12, 9, 29), True),
        (dt.datetime(2026, 11, 12, 9, 30), False),
        (dt.datetime(2026, 11, 12, 14, 0), False),
        (dt.datetime(2026, 6, 12, 6, 45), True),  # BST: 07:45 local
        (dt.datetime(2026, 6, 12, 8, 45), False),  # BST: 09:45 local
    ],
)
def test_the_window_is_the_schools_local_time(utc, open_):
    assert in_hand_in_window(utc, FROM, UNTIL, LONDON) is open_


def test_in_the_window_a_phone_with_its_owner_goes_to_hand_in(school):
    ava = school.codes["000001"]
    assert route_home_scan(ava, OFFICE, morning=True) == ("hand-in", ava, "")


def test_outside_the_window_it_is_a_look_up_that_offers_the_hand_in_and_records_nothing(school):
    ava = school.codes["000001"]
    route, code, line = route_home_scan(" " + ava.lower(), OFFICE, morning=False, window="07:30–09:30")
    assert (route, code) == (HAND_IN_OFFER, ava)
    assert line == (
        f"{ava}: Ava Patel (Oak)'s phone is with its owner, not held by the school. "
        "Morning hand-in is 07:30–09:30, so nothing was recorded: press Y to hand it in now, or Esc."
    )
    unknown = codes.make_code("K", 555555)
    route, code, line = route_home_scan(unknown, OFFICE, morning=False, window="07:30–09:30")
    assert route is None and code is None
    assert line.startswith(f"{unknown} is not registered to any phone. Morning hand-in is 07:30–09:30")
    assert CustodyEvent.select().count() == 0


def test_a_phone_the_school_holds_says_where_it_is_at_any_hour(school):
    ava = school.codes["000001"]
    custody.hand_in(ava, school.office, now=NOW)
    for morning in (True, False):
        assert route_home_scan(ava, OFFICE, morning=morning) == (
            None,
            None,
            "Ava Patel's phone is in slot B-01: press R for end-of-day release to give it back.",
        )
    assert CustodyEvent.select().count() == 1


def test_the_window_is_configured_and_checked(tmp_path):
    assert (Settings().hand_in_from, Settings().hand_in_until) == (FROM, UNTIL)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('hand_in_from = "08:00"\nhand_in_until = "09:05"\n')
    s = load_settings(cfg)
    assert (s.hand_in_from, s.hand_in_until) == (dt.time(8, 0), dt.time(9, 5))
    cfg.write_text('hand_in_until = "9am"\n')
    with pytest.raises(ConfigError, match=r'hand_in_until must be a time of day such as "09:15", not \'9am\'\.'):
        load_settings(cfg)
    cfg.write_text('hand_in_from = "10:00"\nhand_in_until = "09:00"\n')
    with pytest.raises(ConfigError, match=r"hand_in_from \(10:00\) must be before hand_in_until \(09:00\)\."):
        load_settings(cfg)
