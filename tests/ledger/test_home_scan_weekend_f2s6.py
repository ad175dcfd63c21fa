"""A scan at Home on a Saturday or Sunday is outside the morning hand-in (findings after
issue 15): ``hand_in_from``/``hand_in_until`` are a school day's hours, and a weekend is no
school day, so the scan is a look-up that says why and records nothing. (The kiosk has no
holiday calendar: a school day is only known afterwards, from its hand-ins.)"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.custody.devices import hand_in_window_words, in_hand_in_window

LONDON = ZoneInfo("Europe/London")
FROM, UNTIL = dt.time(7, 30), dt.time(9, 30)


@pytest.mark.parametrize(
    "utc, open_",
    [
        (dt.datetime(2026, 11, 13, 8, 0), True),  # Friday 08:00
        (dt.datetime(2026, 11, 14, 8, 0), False),  # Saturday 08:00
        (dt.datetime(2026, 11, 15, 8, 0), False),  # Sunday 08:00
        (dt.datetime(2026, 11, 16, 8, 0), True),  # Monday 08:00
        (dt.datetime(2026, 6, 13, 6, 45), False),  # Saturday 07:45 BST
        (dt.datetime(2026, 11, 15, 23, 59), False),  # Sunday night: still Sunday locally
    ],
)
def test_the_window_is_closed_at_weekends(utc, open_):
    assert in_hand_in_window(utc, FROM, UNTIL, LONDON) is open_


def test_the_window_words_say_a_weekend_is_not_a_hand_in_day():
    assert hand_in_window_words(dt.datetime(2026, 11, 13, 8, 0), FROM, UNTIL, LONDON) == "07:30–09:30"
    assert (
        hand_in_window_words(dt.datetime(2026, 11, 14, 8, 0), FROM, UNTIL, LONDON)
        == "07:30–09:30 on weekdays (today is Saturday)"
    )
