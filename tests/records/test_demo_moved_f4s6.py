"""The demo's PINs are shown by the demo school only: the demo's records restored as a
school of their own (or moved to PostgreSQL: tests/records/test_migrate_to_i16m.py) are
not the demo any more, and their sign-in screen shows no PINs (f4s6, finding 3)."""

from __future__ import annotations

from models.store.db import close_db
from models.upkeep.demo import DEMO_PINS


def _pins_shown(url) -> str:
    from kiosk.actions.accounts import sign_in_page
    from models.upkeep.opening import open_database

    open_database(url, create=False)
    try:
        return sign_in_page().demo_pins
    finally:
        close_db()


def test_the_demo_restored_as_a_school_shows_no_demo_pins_and_restored_as_the_demo_does(tmp_path, run, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    src = tmp_path / "tried.sqlite3"
    status, _, err = run("demo", "--db", src)
    assert status == 0, err
    assert "office 482916" in _pins_shown(src)  # the demo itself
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    status, _, err = run("backup", tmp_path / "b.sqlite3", "--db", src, "--as", "admin")
    assert status == 0, err

    school = tmp_path / "school.sqlite3"
    status, out, err = run("restore", tmp_path / "b.sqlite3", "--db", school)
    assert status == 0, out + err
    assert "not the demo" in out, out  # said once, where it happens
    assert _pins_shown(school) == ""

    status, out, err = run("restore", tmp_path / "b.sqlite3", "--demo")  # the demo's own place: still the demo
    assert status == 0, out + err
    assert "office 482916" in _pins_shown(tmp_path / "data" / "demo.sqlite3")


def test_the_demo_moved_to_postgresql_shows_no_demo_pins(tmp_path, run, monkeypatch):
    import uuid

    import psycopg2
    import pytest

    from tests.conftest import POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip("KIOSK_TEST_POSTGRES is not set")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    src = tmp_path / "tried.sqlite3"
    status, _, err = run("demo", "--db", src)
    assert status == 0, err
    base, _, name = POSTGRES_URL.rpartition("/")
    own = f"{name}_demo_{uuid.uuid4().hex[:8]}"

    def admin(sql: str) -> None:
        conn = psycopg2.connect(POSTGRES_URL)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    admin(f'CREATE DATABASE "{own}"')
    try:
        monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
        status, out, err = run("migrate-to", f"{base}/{own}", "--db", src, "--as", "admin")
        assert status == 0, out + err
        assert _pins_shown(f"{base}/{own}") == ""
        assert "office 482916" in _pins_shown(src)  # the demo it came from is still the demo
    finally:
        close_db()
        admin(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
