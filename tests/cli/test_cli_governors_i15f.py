"""`kiosk report governors` (issue 15): who may make it, --names, the four files, the audit."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from kiosk.cli import _access
from models.staff import auth
from models.store.db import close_db
from tests.school import build

HEAD, OFFICE, DEPUTY, CHAIR = "725649", "482916", "614738", "918273"


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    auth.create_staff("chair", "Chair of Governors", [auth.CHAIR], CHAIR, now=dt.datetime(2026, 9, 1, 7, 0))
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def span() -> list[str]:
    today = dt.date.today()
    return ["--from", (today - dt.timedelta(days=20)).isoformat(), "--to", today.isoformat()]


def audit_entries(db: str) -> list[tuple[str, str, dict]]:
    from models.store.tables import AuditEntry, Staff
    from models.upkeep.opening import open_database

    open_database(db)
    try:
        usernames = {f"staff:{s.id}": s.username for s in Staff.select()}
        return [
            (usernames.get(a.actor, a.actor), a.entity_id, json.loads(a.details))
            for a in AuditEntry.select().where(AuditEntry.action == "report.governors").order_by(AuditEntry.seq)
        ]
    finally:
        close_db()


def test_the_head_makes_it_with_names(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    out_dir = tmp_path / "reports"
    code, out, err = run(
        "report", "governors", "--term", "autumn-2026", "--names", "--out", out_dir, "--db", school_db, "--as", "head"
    )
    assert code == 0, err
    assert out.startswith("Governors' report for Autumn term 2026 (") and "with names:" in out.splitlines()[0]
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [f"governors-autumn-2026.{x}" for x in ("csv", "html", "json", "pdf")]
    for p in out_dir.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p  # it may name pupils: private like the SAR files
        assert f"  {p}" in out
    assert json.loads((out_dir / "governors-autumn-2026.json").read_text())["names"] is True
    ((actor, entity_id, details),) = audit_entries(school_db)
    assert (entity_id, details["names"], details["from"], details["to"]) == (
        "autumn-2026",
        True,
        "2026-09-01",
        "2026-12-31",
    )
    assert actor == "head"
    # Made again: the files are replaced, not refused.
    code, out, err = run(
        "report", "governors", "--term", "autumn-2026", "--out", out_dir, "--db", school_db, "--as", "head"
    )
    assert code == 0, err
    assert json.loads((out_dir / "governors-autumn-2026.json").read_text())["names"] is False


def test_the_chair_makes_it_but_without_names(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", CHAIR)
    out_dir = tmp_path / "chair"
    code, out, err = run(
        "report", "governors", *span(), "--names", "--out", out_dir, "--db", school_db, "--as", "chair"
    )
    assert code == 1 and err.count("\n") == 1 and "without --names" in err
    assert not out_dir.exists() and audit_entries(school_db) == []
    code, out, err = run("report", "governors", *span(), "--out", out_dir, "--db", school_db, "--as", "chair")
    assert code == 0, err
    assert "without names:" in out.splitlines()[0]
    assert len(list(out_dir.iterdir())) == 4


def test_refusals_are_one_line(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, _, err = run(
        "report", "governors", "--term", "autumn-2026", "--out", tmp_path / "o", "--db", school_db, "--as", "office"
    )
    assert code == 1 and err.count("\n") == 1 and "may not make the governors' report" in err
    monkeypatch.setenv("KIOSK_PIN", DEPUTY)
    for args, said in [
        (["--term", "autum-2026"], "Give the term as autumn-2026"),
        (["--from", "2026-09-01"], "Give the term (--term autumn-2026), or both --from and --to."),
        (["--from", "2026-09-30", "--to", "2026-09-01"], "The start date is after the end date."),
        (["--term", "summer-2099"], "The term has not started yet"),
    ]:
        code, _, err = run("report", "governors", *args, "--out", tmp_path / "d", "--db", school_db, "--as", "deputy")
        assert code != 0 and err.count("\n") == 1 and said in err, (args, err)
    assert not (tmp_path / "o").exists() and not (tmp_path / "d").exists()


def test_an_out_that_is_a_file_is_one_line(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", DEPUTY)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run("report", "governors", *span(), "--out", blocker, "--db", school_db, "--as", "deputy")
    assert code == 1 and err.count("\n") == 1 and "Could not write the report in" in err, err
    assert blocker.read_text() == "x" and not list(tmp_path.glob("*governors*"))
    assert audit_entries(school_db) == []  # audited only once the files are written
