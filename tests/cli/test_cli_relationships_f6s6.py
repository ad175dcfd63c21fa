"""`kiosk relationships add` as the tester walked it (issue 15): the head recording her own
relationship is refused in one line naming who records it; a review a year and a day ahead
is refused, a year exactly accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.cli import _access
from models.governance.policies import one_year_after
from models.store.db import close_db
from tests.school import build

HEAD = "725649"


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    return database


def add(run, db, staff: str, review: dt.date):
    return run(
        "relationships", "add", "--staff", staff, "--family", "The Morgan family", "--nature", "neighbour",
        "--described", "lives next door", "--advice", "Keep to school channels.",
        "--discussed-on", dt.date.today().isoformat(), "--review", review.isoformat(), "--db", db, "--as", "head",
    )  # fmt: skip


def test_the_head_may_not_record_her_own(school_db, run):
    code, out, err = add(run, school_db, "head", dt.date.today() + dt.timedelta(days=60))
    assert code == 1 and out == ""
    assert err.startswith("Error: Nobody records their own relationship") and "chair of governors" in err
    assert err.count("\n") == 1


def test_a_year_and_a_day_is_refused(school_db, run):
    year = one_year_after(dt.date.today())
    code, out, err = add(run, school_db, "oak", year + dt.timedelta(days=1))
    assert code == 1 and "within a year" in err and year.isoformat() in err and err.count("\n") == 1
    code, out, err = add(run, school_db, "oak", year)
    assert code == 0, err
