"""`kiosk report day` lists pupils' phone events of a day: personal data, so it asks who is
reading (f1s6, finding 3). Office staff and above (``view_reports``) with their PIN; anyone
else, or nobody named, gets one plain line and nothing is listed. The details of a search or
confiscation are there only for those who may read them (``may_read_details``)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import clock
from models.upkeep.demo import DEMO_PINS


@pytest.fixture
def demo_db(tmp_path, run, monkeypatch):
    from models.upkeep import demo

    yesterday = clock.to_local(clock.utcnow()).date() - dt.timedelta(days=1)
    at = clock.local_to_utc(dt.datetime.combine(yesterday, dt.time(14, 0)), clock.SCHOOL_TZ)
    monkeypatch.setattr(demo, "utcnow", lambda: at)
    path = tmp_path / "demo.sqlite3"
    code, _, err = run("demo", "--db", path)
    assert code == 0, err
    return path, yesterday.isoformat()


def test_nobody_named_is_refused_in_one_line(demo_db, run):
    db, day = demo_db
    code, out, err = run("report", "day", "--date", day, "--db", db)
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0, err
    assert "Say who you are with --as USERNAME" in err and "see reports" in err


def test_a_teacher_is_refused_in_one_line(demo_db, run, monkeypatch):
    db, day = demo_db
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["oak"])
    code, out, err = run("report", "day", "--date", day, "--as", "oak", "--db", db)
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0, err
    assert "may not list a day's phone events" in err


def test_the_office_reads_the_day_without_the_details_the_head_with_them(demo_db, run, monkeypatch):
    db, day = demo_db
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, err = run("report", "day", "--date", day, "--format", "json", "--as", "office", "--db", db)
    assert code == 0, err
    office = json.loads(out)
    assert office and any(r["event"] == "confiscated" for r in office)
    assert all("details for leadership and the DSL" in r["detail"] for r in office if r["event"] == "confiscated")
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run("report", "day", "--date", day, "--format", "json", "--as", "head", "--db", db)
    assert code == 0, err
    head = json.loads(out)
    assert [r["time"] for r in head] == [r["time"] for r in office]
    assert not any("details for leadership and the DSL" in r["detail"] for r in head if r["event"] == "confiscated")
