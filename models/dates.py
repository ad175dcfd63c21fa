"""A day as it is typed at a UK school's desk, read the same way by every form and the command line.

Day first, with ``/``, ``.`` or ``-`` between (``06/12/2026``, ``06.12.2026``, ``07-12-2026``), or
``YYYY-MM-DD`` (what the kiosk itself prints in lists and files). A day that cannot exist
(``31/02/2026``) is said so ("There is no 31 February 2026."), not taken for a slip of format.
"""

from __future__ import annotations

import datetime as dt
import re

from models.clock import FIRST_DAY, LAST_DAY

DAY_FORMAT = "DD/MM/YYYY"
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
MONTHS = ("January February March April May June July August September October November December").split()
# The range as the forms say it (the command line says models.clock.DAY_RANGE_TEXT).
UK_RANGE_TEXT = f"a date from {FIRST_DAY:%d/%m/%Y} to {LAST_DAY:%d/%m/%Y}"


def uk(day: dt.date) -> str:
    """``day`` as the forms show it and take it: DD/MM/YYYY."""
    return f"{day:%d/%m/%Y}"


def _parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, or None when the text is not shaped like a date."""
    text = text.strip()
    if match := _DAY_FIRST.match(text):
        return int(match[3]), int(match[2]), int(match[1])
    if match := _ISO.match(text):
        return int(match[1]), int(match[2]), int(match[3])
    return None


def no_such_day(year: int, month: int, day: int) -> str:
    """The line for a day shaped right that no calendar has."""
    if not 1 <= month <= 12:
        return f"There is no month {month}."
    return f"There is no {day} {MONTHS[month - 1]} {year}."


def parse_day(text: str) -> dt.date | None:
    """The day typed, or None when it is not one (see :func:`day_problem` for why)."""
    parts = _parts(text)
    if parts is None:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def impossible_day(text: str) -> str:
    """ "There is no 31 February 2026." for a day shaped right that no calendar has, else ""."""
    parts = _parts(text)
    if parts is None:
        return ""
    try:
        dt.date(*parts)
    except ValueError:
        return no_such_day(*parts)
    return ""


def day_problem(text: str, what: str, example: dt.date | None = None) -> str:
    """What is wrong with ``text`` as the ``what`` ("day told", "review date"), in one line, or ""
    when it is a day (in range or not: :func:`range_problem`)."""
    if _parts(text) is None:
        shown = f", e.g. {uk(example)}" if example is not None else ""
        return f"Give the {what} as {DAY_FORMAT}{shown}."
    return impossible_day(text)


def range_problem(day: dt.date, what: str) -> str:
    """One line when ``day`` is outside the dates the kiosk takes (models.clock), or ""."""
    return "" if FIRST_DAY <= day <= LAST_DAY else f"Give the {what} as {UK_RANGE_TEXT}."


def read_day(text: str, what: str, example: dt.date | None = None) -> dt.date | str:
    """The day typed, in the range the kiosk takes, or the one line that says what is wrong."""
    if problem := day_problem(text, what, example):
        return problem
    day = parse_day(text)
    assert day is not None
    return range_problem(day, what) or day
