"""`kiosk report governors` after a record was edited with SQL outside the kiosk: its first
line says the audit check failed and the figures may include records changed outside it."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.cli import _access
from models.reports.governors import AUDIT_FAILED_NOTE
from models.store.db import close_db
from tests.school import build

HEAD = "725649"


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def _forge(db: str) -> None:
    from models.store.db import db as proxy
    from models.upkeep.opening import open_database

    open_database(db)
    try:
        proxy.obj.execute_sql("update staff set display_name = 'Forged' where username = 'office'")
    finally:
        close_db()


def _make(run, db, tmp_path):
    today = dt.date.today()
    return run(
        "report", "governors", "--from", (today - dt.timedelta(days=20)).isoformat(), "--to", today.isoformat(),
        "--out", tmp_path / "out", "--db", db, "--as", "head",
    )  # fmt: skip


def test_an_edited_record_puts_the_warning_first(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    _forge(school_db)
    code, out, err = _make(run, school_db, tmp_path)
    assert code == 0, err
    assert out.splitlines()[0] == AUDIT_FAILED_NOTE
    assert out.splitlines()[1].startswith("Governors' report for ")


def test_genuine_records_have_no_warning(school_db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    code, out, err = _make(run, school_db, tmp_path)
    assert code == 0, err
    assert out.startswith("Governors' report for ") and "WARNING" not in out
