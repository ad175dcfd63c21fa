"""Issue 16 leftovers: `kiosk run --start trust`, and bad school names at `kiosk trust add-site`."""

from __future__ import annotations

import io
import sys

import pytest

from models.staff import auth
from models.store.db import close_db
from tests.conftest import NOW, POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def one_line(err: str) -> bool:
    return bool(err.strip()) and err.strip().count("\n") == 0


@pytest.fixture
def as_terminal(monkeypatch):
    monkeypatch.setattr("kiosk.cli.run._is_terminal", lambda stream: True)  # `kiosk run` as from a terminal
    started: list[object] = []
    monkeypatch.setattr("textual.app.App.run", lambda self, *a, **k: started.append(self))
    return started


def test_start_trust_is_a_choice_of_kiosk_run():
    from kiosk.cli.run import run as run_command

    start = next(p for p in run_command.params if p.name == "start")
    assert "trust" in start.type.choices


def test_start_trust_on_sqlite_is_one_plain_line(tmp_path, run, as_terminal, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    code, out, err = run("run", "--start", "trust", "--db", tmp_path / "k.sqlite3")
    assert code != 0 and one_line(err), err
    assert "PostgreSQL" in err and "trust" in err
    assert not as_terminal  # the app never started


@pytest.fixture
def site_1(tmp_path, monkeypatch):
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    school = build()
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], "620394", now=NOW)
    close_db()
    yield POSTGRES_URL, school
    close_db()
    _reset_postgres(POSTGRES_URL)


@needs_postgres
def test_start_trust_on_the_trust_s_postgresql_starts_the_app(site_1, run, as_terminal):
    url, _ = site_1
    code, out, err = run("run", "--start", "trust", "--db", url)
    assert code == 0, err
    assert len(as_terminal) == 1 and as_terminal[0].start_screen == "trust"


@needs_postgres
def test_start_trust_at_a_school_other_than_site_1_is_one_plain_line(site_1, run, as_terminal, monkeypatch):
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")  # site 1's admin
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    monkeypatch.setenv("KIOSK_SITE", "elm")
    code, _, err = run("run", "--start", "trust", "--db", url)
    assert code != 0 and one_line(err), err
    assert "site 1" in err
    assert not as_terminal


BAD_NAMES = {
    "empty": "",
    "spaces": "   ",
    "too long": "E" * 81,
    "bell": "Elm\x07Primary",
    "escape": "Elm \x1b[31mPrimary",
    "newline": "Elm\nPrimary",
    "tab": "Elm\tPrimary",
    "nul-ish": "Elm\x7fPrimary",
}


@needs_postgres
@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_a_bad_school_name_is_one_plain_line_and_writes_nothing(site_1, run, monkeypatch, name):
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    before = _last_seq(url)
    code, out, err = run("trust", "add-site", "elm", "--name", name, "--as", "admin", "--db", url)
    assert code != 0, out
    assert one_line(err), err
    assert "Traceback" not in err and "\x1b" not in err and "\x07" not in err
    code, out, _ = run("trust", "sites", "--format", "json", "--db", url)
    assert code == 0 and '"elm"' not in out  # no registry row
    from models.store.db import db
    from models.store.tables import AuditEntry
    from models.upkeep.opening import open_database

    open_database(url)
    try:
        assert db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'site_elm'").fetchone() is None
        assert db.execute_sql("SELECT to_regclass('trust.site')").fetchone()[0] is None  # no registry either
        new = [e.action for e in AuditEntry.select().where(AuditEntry.seq > before)]
        assert new == ["auth.login"]  # only the admin's sign-in at the command line
    finally:
        close_db()
    code, out, err = run("audit", "verify", "--db", url)
    assert code == 0, out + err


def _last_seq(url: str) -> int:
    from models.store.tables import AuditEntry
    from models.upkeep.opening import open_database

    open_database(url)
    try:
        return AuditEntry.select().order_by(AuditEntry.seq.desc()).get().seq
    finally:
        close_db()


@needs_postgres
def test_a_name_of_exactly_80_characters_is_taken(site_1, run, monkeypatch):
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, out, err = run("trust", "add-site", "elm", "--name", "E" * 80, "--as", "admin", "--db", url)
    assert code == 0, err
