"""A new user's walk of the command line: --db, --config and --demo before the command as
well as after it; a count of one said in the singular ("1 school day"); a compliance
range in the past says which phones were not collected on its days."""

from __future__ import annotations

import datetime as dt

import pytest

from models.clock import SCHOOL_TZ, local_to_utc
from models.store.db import close_db


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


MON = dt.date(2026, 11, 9)


@pytest.fixture
def school_db(tmp_path, monkeypatch):
    """A small school on one day (Monday 9 November 2026): everyone hands in, Cara's phone is
    not collected. Returns its path."""
    from models.custody import ledger as custody
    from models.upkeep.opening import open_database
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    path = tmp_path / "school.sqlite3"
    open_database(str(path))
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    for n, code in enumerate(school.codes.values()):
        custody.hand_in(code, school.office, now=at(MON, 8, 20 + n))
    for adno, code in school.codes.items():
        if adno != "000003":
            custody.release(code, school.office, now=at(MON, 15, 15))
    close_db()
    return path


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_before_or_after_the_command(school_db, run, where):
    args = ["report", "uncollected", "--format", "json"]
    given = ["--db", str(school_db)]
    code, out, err = run(*(given + args if where == "before" else args + given))
    assert code == 0, err
    assert "Cara Smith" in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_before_or_after_the_command(school_db, run, tmp_path, where):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'database = "{school_db}"\n', encoding="utf-8")
    args = ["report", "uncollected", "--format", "json"]
    given = ["--config", str(config)]
    code, out, err = run(*(given + args if where == "before" else args + given))
    assert code == 0, err
    assert "Cara Smith" in out


def test_demo_before_the_command_is_the_demo(school_db, run):
    code, _, err = run("--demo", "report", "uncollected")
    assert code == 1 and err.count("\n") == 1 and "There is no demo school yet" in err, err


def test_the_same_option_twice_must_agree(school_db, run, tmp_path):
    code, out, err = run("--db", str(school_db), "report", "uncollected", "--db", str(school_db))
    assert code == 0, err  # the same: no harm
    code, out, err = run("--db", str(tmp_path / "other.sqlite3"), "report", "uncollected", "--db", str(school_db))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "--db is given twice" in err and "Traceback" not in err
    assert not (tmp_path / "other.sqlite3").exists()


def test_options_before_a_missing_command_are_one_line(school_db, run):
    code, out, err = run("--db", str(school_db))
    assert code == 2 and out == "" and err.count("\n") == 1, err


def test_one_school_day_is_singular(school_db, run):
    code, out, err = run("report", "compliance", "--from", "2026-11-09", "--to", "2026-11-09", "--db", school_db)
    assert code == 0, err
    head = out.splitlines()[0]
    assert head == "Compliance 2026-11-09 to 2026-11-09 (1 school day):", head
    assert "1 school days" not in out and "pupil(s)" not in out
    assert "Repeat breaches (2 or more in the period): 0 pupils" in out


def test_a_past_range_on_the_command_line_lists_the_phones_not_collected_on_its_days(school_db, run):
    code, out, err = run("report", "compliance", "--from", "2026-11-09", "--to", "2026-11-09", "--db", school_db)
    assert code == 0, err
    assert "Today (" not in out  # the range's last day is not today
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("Phones "))
    assert lines[i].startswith("Phones still held at the end of each school day"), lines[i]
    assert lines[i + 1].split()[0] == "DATE"
    assert lines[i + 2].startswith("2026-11-09") and "Cara Smith" in lines[i + 2]
    assert max(len(line) for line in lines if not line.startswith("2026-")) <= 80, out  # (the chart's bars aside)
    code, out, err = run(
        "report", "compliance", "--from", "2026-11-09", "--to", "2026-11-09", "--format", "csv", "--db", school_db
    )
    row = next(line for line in out.splitlines() if line.startswith("not_collected,"))
    assert row.startswith("not_collected,2026-11-09,") and "Cara Smith" in row
