"""A tester walking issue 15: `attendance mark 001357 --absent --date 2025-01-06` (two years
ago) and `--no-phone --date 2026-12-06` (a Sunday) were accepted. A mark is for a weekday of
the current school year (from 1 September), at most MARK_DAYS_BACK days back: one line otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import ValidationError
from models.school import attendance
from models.store.tables import DayMark, Pupil
from tests.school import build

TUE = dt.date(2026, 12, 8)  # the tester's day


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture
def school(database):
    return build()


def pid() -> int:
    return Pupil.get(Pupil.admission_no == "000002").id


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2026, 12, 6), "Sunday"),
        (dt.date(2026, 12, 5), "Saturday"),
        (dt.date(2025, 1, 6), "before this school year"),
        (dt.date(2026, 8, 31), "before this school year"),
        (dt.date(2026, 11, 3), f"more than {attendance.MARK_DAYS_BACK} days"),  # a Tuesday, 35 days back
    ],
)
def test_a_weekend_or_too_old_a_day_is_refused_in_one_line(school, day, words):
    with pytest.raises(ValidationError, match=words) as refused:
        attendance.mark_day(school.office, pid(), day, attendance.ABSENT, now=at(TUE))
    assert "\n" not in str(refused.value)
    assert DayMark.select().count() == 0


def test_a_weekday_this_school_year_within_the_limit_is_accepted(school):
    attendance.mark_day(school.office, pid(), TUE, attendance.ABSENT, now=at(TUE))
    friday = dt.date(2026, 12, 4)
    attendance.mark_day(school.office, pid(), friday, attendance.NO_PHONE, now=at(TUE))
    oldest = TUE - dt.timedelta(days=attendance.MARK_DAYS_BACK)  # Sat 7 Nov: the Monday after it
    monday = oldest + dt.timedelta(days=(7 - oldest.weekday()) % 7)
    attendance.mark_day(school.office, pid(), monday, attendance.ABSENT, now=at(TUE))
    assert DayMark.select().count() == 3


def test_early_september_the_school_year_starts_on_the_first(school):
    with pytest.raises(ValidationError, match="before this school year"):
        attendance.mark_day(school.office, pid(), dt.date(2026, 8, 28), attendance.ABSENT, now=at(dt.date(2026, 9, 2)))
    attendance.mark_day(school.office, pid(), dt.date(2026, 9, 1), attendance.ABSENT, now=at(dt.date(2026, 9, 2)))
