"""Time: stored as naive UTC, shown in the school's local time.

The app factory injects a clock; tests freeze it. Domain operations take ``now``
explicitly and fall back to :func:`utcnow`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SCHOOL_TZ = ZoneInfo("Europe/London")


# The dates the kiosk takes from people (command line and screens): none of its records is
# older, a date past 2099 is a typing slip, and 9999-12-31 overflows the day after it.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
DAY_RANGE_TEXT = f"a date from {FIRST_DAY} to {LAST_DAY}"


def in_day_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Clock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return utcnow()


class FrozenClock(Clock):
    """A clock that stands still until moved: for tests, snapshots and benchmarks."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at.replace(tzinfo=None) if at.tzinfo is None else at.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += dt.timedelta(**kwargs)


def to_local(when: dt.datetime, tz: ZoneInfo = SCHOOL_TZ) -> dt.datetime:
    return when.replace(tzinfo=dt.timezone.utc).astimezone(tz)


def local_from_utc_naive(when: dt.datetime | None, tz: ZoneInfo = SCHOOL_TZ) -> str:
    return "" if when is None else to_local(when, tz).strftime("%Y-%m-%d %H:%M")


def local_day(when: dt.datetime, tz: ZoneInfo = SCHOOL_TZ) -> dt.date:
    return to_local(when, tz).date()


def day_bounds(day: dt.date, tz: ZoneInfo = SCHOOL_TZ) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a local school day, as naive UTC datetimes."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    return (
        start.astimezone(dt.timezone.utc).replace(tzinfo=None),
        end.astimezone(dt.timezone.utc).replace(tzinfo=None),
    )


def local_to_utc(local: dt.datetime, tz: ZoneInfo = SCHOOL_TZ) -> dt.datetime:
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
