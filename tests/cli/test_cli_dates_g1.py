"""The command line reads a typed date as the forms do (models.dates): DD/MM/YYYY with / . or
- between, or YYYY-MM-DD; a day no calendar has is said so (walk, g1)."""

from __future__ import annotations

import pytest

from models.staff import auth
from models.store.db import close_db
from models.upkeep.opening import open_database

OFFICE_PIN = "482916"


@pytest.fixture
def db(tmp_path):
    open_database(str(tmp_path / "k.sqlite3"))  # read-only commands never make a database
    auth.create_staff("office", "Office", [auth.OFFICE], OFFICE_PIN)  # report day is read by someone (f1s6)
    close_db()
    return tmp_path / "k.sqlite3"


@pytest.mark.parametrize("typed", ["06.11.2026", "06-11-2026", "06/11/2026", "2026-11-06"])
def test_report_day_takes_a_uk_date_with_any_separator(db, run, typed, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", OFFICE_PIN)
    code, out, err = run("report", "day", "--date", typed, "--as", "office", "--db", db)
    assert code == 0, err


def test_a_day_no_calendar_has_is_one_line_saying_so(db, run):
    code, out, err = run("report", "day", "--date", "31/02/2026", "--db", db)
    assert code == 2
    assert err == "Error: --date '31/02/2026': There is no 31 February 2026.\n"


def test_anything_else_says_the_formats(db, run):
    code, out, err = run("report", "day", "--date", "tomorrow", "--db", db)
    assert code == 2
    assert err == "Error: --date 'tomorrow' is not a date: write it as DD/MM/YYYY or YYYY-MM-DD.\n"
