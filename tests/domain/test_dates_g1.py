"""One reading of a typed UK date for every form and the command line (walk, g1): the
search and police forms took 06.12.2026 and 07-12-2026, the parents-told and police-call
forms said only "DD/MM/YYYY", the follow-up's LADO day wanted YYYY-MM-DD, and 31/02/2026
was called a wrong format rather than a day that does not exist."""

from __future__ import annotations

import datetime as dt

import pytest

from models.dates import day_problem, impossible_day, parse_day, read_day

DAY = dt.date(2026, 12, 6)


@pytest.mark.parametrize("typed", ["06/12/2026", "06.12.2026", "06-12-2026", "6/12/2026", " 06/12/2026 ", "2026-12-06"])
def test_a_day_is_read_with_any_of_the_separators(typed):
    assert parse_day(typed) == DAY
    assert day_problem(typed, "day told") == ""
    assert read_day(typed, "day told") == DAY


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("31/02/2026", "There is no 31 February 2026."),
        ("29.02.2026", "There is no 29 February 2026."),
        ("31-04-2026", "There is no 31 April 2026."),
        ("2026-02-30", "There is no 30 February 2026."),
        ("01/13/2026", "There is no month 13."),
    ],
)
def test_a_day_no_calendar_has_is_said_so_not_called_a_wrong_format(typed, said):
    assert parse_day(typed) is None
    assert impossible_day(typed) == said
    assert day_problem(typed, "day told") == said


def test_29_february_in_a_leap_year_is_a_day():
    assert parse_day("29/02/2028") == dt.date(2028, 2, 29)


@pytest.mark.parametrize("typed", ["", "tomorrow", "12/11/26", "12 11 2026", "2026/11/12", "12/11/2026 08:15"])
def test_anything_else_gets_the_one_format_line(typed):
    assert parse_day(typed) is None
    assert day_problem(typed, "day told", dt.date(2026, 11, 12)) == "Give the day told as DD/MM/YYYY, e.g. 12/11/2026."


def test_a_day_outside_the_kiosks_years_is_refused_in_the_forms_words():
    assert read_day("01/01/1999", "review date") == "Give the review date as a date from 01/01/2000 to 31/12/2099."


def test_every_form_reads_a_day_the_same_way():
    from kiosk.dialogs.parents_informed import day_problem as parents_day
    from kiosk.dialogs.police import day_and_time
    from kiosk.dialogs.search import when_searched

    now = dt.datetime(2026, 12, 7, 12, 0)
    assert parents_day("31/02/2026", "Day told") == "There is no 31 February 2026."
    assert parents_day("06.12.2026", "Day told") == ""
    assert parents_day("x", "Day called") == "Give the day called as DD/MM/YYYY, e.g. 12/11/2026."
    assert when_searched("31/02/2026", "10:00", now, None)[1:] == ("There is no 31 February 2026.", "search-day")
    assert when_searched("07-12-2026", "10:00", now, None)[0] is not None
    at, problem, box = day_and_time("31.02.2026", "10:00", ("Day handed over", "Time"), now, None, "future")
    assert (at, problem, box) == (None, "There is no 31 February 2026.", "day")
