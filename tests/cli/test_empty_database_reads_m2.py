"""Issue 16: a command that reads (or acts for someone) never makes an empty database.

Given a database with nothing in it (a PostgreSQL database just made with createdb, or an
empty SQLite file), `kiosk audit verify`, `trust sites`, `staff list`, `report uncollected`
and the like say in one line that it is empty, and leave it empty: a later `kiosk restore`
into it is not refused as "not empty (35 tables)".
"""

from __future__ import annotations

import sqlite3

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.conftest import POSTGRES_URL, database_beside

READS = [
    ("audit", "verify"),
    ("trust", "sites"),
    ("staff", "list"),
    ("report", "uncollected"),
    ("purge", "--dry-run"),
    ("backup", "--as", "admin"),  # acting for someone, who cannot be in an empty database
]


def _new_postgres(suffix: str) -> str:
    """A database just made, as `createdb` makes it."""
    import psycopg2

    url = database_beside(POSTGRES_URL, suffix)
    base, _, own = url.rpartition("/")
    conn = psycopg2.connect(POSTGRES_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{own}"')
            cur.execute(f'CREATE DATABASE "{own}"')
    finally:
        conn.close()
    return url


def _pg_tables(url: str) -> int:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("args", READS, ids=lambda a: "-".join(a))
def test_a_read_on_an_empty_sqlite_file_makes_nothing(args, run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    path = tmp_path / "new.sqlite3"
    path.touch()
    code, out, err = run(*args, "--db", path)
    assert code != 0, out + err
    assert "This database" in err and "is empty: nothing to read" in err and err.count("\n") == 1, err
    side = [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")]
    assert not any(p.exists() for p in side)  # nothing beside it that would stop a restore
    conn = sqlite3.connect(path)  # still no tables: a restore can go into it
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")
def test_reads_on_a_new_postgres_database_make_nothing_and_restore_still_goes_in(run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    from models.store.db import close_db
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    _reset_postgres(POSTGRES_URL)  # a school, and its backup
    open_database(POSTGRES_URL)
    build()
    close_db()
    copy = tmp_path / "school.pgdump"
    code, _, err = run("backup", copy, "--as", "admin", "--db", POSTGRES_URL)
    assert code == 0, err

    url = _new_postgres("empty_m2")
    for args in READS:
        code, out, err = run(*args, "--db", url)
        assert code != 0, (args, out + err)
        assert "is empty: nothing to read" in err and err.count("\n") == 1, (args, err)
        assert _pg_tables(url) == 0, args
    code, out, err = run("restore", copy, "--db", url)  # not refused as "not empty (35 tables)"
    assert code == 0 and "Audit log OK" in out, out + err
    _reset_postgres(POSTGRES_URL)
