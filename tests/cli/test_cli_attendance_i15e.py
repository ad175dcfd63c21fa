"""`kiosk attendance import|mark` and the breaches in `kiosk report compliance` (issue 15)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.cli import _access
from models.store.db import close_db
from tests.school import build

OFFICE, OAK = "482916", "503827"  # the demo's PINs (tests.school uses them)


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def test_import_reports_each_bad_row_and_a_second_import_changes_nothing(school_db, run, monkeypatch, tmp_path):
    today = dt.date.today().strftime("%d/%m/%Y")
    path = tmp_path / "attendance.csv"
    path.write_text(
        "Adno,Legal Surname,Legal Forename,Reg,Date,AM,PM\n"
        f"000001,Patel,Ava,Oak,{today},/,\\\n"
        f"000002,Jones,Ben,Oak,{today},I,I\n"
        f"999999,Nobody,No,Oak,{today},I,I\n"
        "000003,Smith,Cara,Oak,32/13/2026,/,\\\n"
    )
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, out, err = run("attendance", "import", path, "--db", school_db, "--as", "office")
    assert code == 0, err
    assert out == "Attendance imported: 1 marked absent, 0 absence(s) withdrawn, 1 unchanged, 2 row(s) with errors.\n"
    assert err.splitlines() == [
        "line 4: no pupil with admission number '999999'",
        "line 5: date 32/13/2026 is not a real date",
    ]
    code, out, _ = run("attendance", "import", path, "--db", school_db, "--as", "office")
    assert code == 0 and "0 marked absent, 0 absence(s) withdrawn, 2 unchanged" in out
    monkeypatch.setenv("KIOSK_PIN", OAK)
    code, out, err = run("attendance", "import", path, "--db", school_db, "--as", "oak")
    assert code != 0 and "may not import the attendance register" in err


def school_day() -> str:
    """Today, or on a weekend the Friday before (a mark is for a school day: f6s6)."""
    today = dt.date.today()
    return (today - dt.timedelta(days=max(0, today.weekday() - 4))).isoformat()


def test_mark_and_withdraw_and_a_teacher_only_for_their_class(school_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", OAK)
    base = ["--db", school_db, "--as", "oak", "--date", school_day()]
    code, out, err = run("attendance", "mark", "000003", "--no-phone", *base)
    assert code == 0, err
    assert out == f"Cara Smith: marked no phone today on {school_day()}.\n"
    code, out, err = run("attendance", "mark", "000004", "--absent", *base)
    assert code != 0 and "only for their own class" in err
    code, out, err = run("attendance", "mark", "000003", "--withdraw", *base)
    assert code != 0 and "reason" in err
    code, out, err = run("attendance", "mark", "000003", "--withdraw", "--reason", "had it after all", *base)
    assert code == 0 and "withdrawn" in out


def test_report_compliance_shows_breaches_without_names(school_db, run, monkeypatch):
    from models.custody import ledger as custody
    from models.custody.devices import resolve
    from models.school.people import contacts_of
    from models.store.tables import Staff
    from models.upkeep.opening import open_database

    open_database(school_db)
    head = Staff.get(Staff.username == "head")
    office = Staff.get(Staff.username == "office")
    now = dt.datetime.utcnow().replace(microsecond=0) - dt.timedelta(minutes=30)
    device = resolve(_code("000001")).device
    for minutes in (0, 10):
        custody.confiscate(
            device.id,
            head,
            category="behaviour",
            reason="Used in class",
            policy="MTP 6",
            now=now + dt.timedelta(minutes=minutes),
        )
        mum = contacts_of(device.pupil_id)[0]
        custody.release_to_contact(
            device.id, office, contact_id=mum.id, id_seen=True, now=now + dt.timedelta(minutes=minutes + 5)
        )
    close_db()
    code, out, err = run("report", "compliance", "--db", school_db)
    assert code == 0, err
    assert "Breaches (confiscations)" in out and "Repeat breaches (2 or more in the period): 1 pupil" in out
    assert "Ava" not in out.split("Breaches (confiscations)")[1].split("Note:")[0]
    code, out, err = run("report", "compliance", "--db", school_db, "--format", "json")
    data = json.loads(out)
    assert data["breaches"]["total"] == 2 and data["breaches"]["repeat"][0]["name"] == ""
    assert {"absent", "no_phone"} <= set(data["today"][0])


def _code(adno: str) -> str:
    from models.store.tables import Device, Label, Pupil

    return (
        Label.select(Label.code)
        .join(Device)
        .join(Pupil)
        .where((Pupil.admission_no == adno) & Label.revoked_at.is_null())
        .get()
        .code
    )


def test_two_marks_at_once_are_refused_and_nothing_is_recorded(school_db, run, monkeypatch):
    """New-user walk (issue 15): `--absent --no-phone` silently recorded the last one given."""
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, out, err = run("attendance", "mark", "000002", "--absent", "--no-phone", "--db", school_db, "--as", "office")
    assert code == 2 and "only one of --absent, --no-phone or --withdraw" in err and out == ""
    from models.store.tables import DayMark
    from models.upkeep.opening import open_database

    open_database(school_db)
    assert DayMark.select().count() == 0


def test_a_weekend_or_a_day_two_years_ago_is_refused(school_db, run, monkeypatch):
    """A tester walking issue 15: `--absent --date 2025-01-06` (two years before) and
    `--no-phone --date 2026-12-06` (a Sunday) were accepted."""
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    today = dt.date.today()
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    long_ago = today - dt.timedelta(days=730)
    long_ago -= dt.timedelta(days=long_ago.weekday())  # a Monday, two years before
    base = ["--db", school_db, "--as", "office"]
    code, out, err = run("attendance", "mark", "000002", "--no-phone", "--date", sunday.isoformat(), *base)
    assert code == 1 and out == "" and "is a weekend" in err and err.count("\n") == 1
    code, out, err = run("attendance", "mark", "000002", "--absent", "--date", long_ago.isoformat(), *base)
    assert code == 1 and out == "" and "before this school year" in err and err.count("\n") == 1
    from models.store.tables import DayMark
    from models.upkeep.opening import open_database

    open_database(school_db)
    assert DayMark.select().count() == 0
