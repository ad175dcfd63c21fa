"""A school's own login role (`kiosk trust grants`) after its place is made again, and the
trust's own role writing at a school: one plain line each, naming what to do (f4s6)."""

from __future__ import annotations

import pytest

from models.store.db import close_db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

ADMIN_PIN = "836150"
ELM_PIN = "271828"


def _sql(statements: str):
    import psycopg2

    conn = psycopg2.connect(POSTGRES_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statements)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def _drop_role(role: str) -> None:
    if _sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"):
        _sql(f'DROP OWNED BY "{role}" CASCADE; DROP ROLE "{role}"')


@pytest.fixture
def elm(tmp_path, monkeypatch, run):
    """A trust with Elm, whose terminals connect as Elm's own role (granted), with its first admin."""
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    base, _, database = POSTGRES_URL.rpartition("/")
    role = f"{database}_elm"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _drop_role(role)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", ADMIN_PIN)
    status, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", POSTGRES_URL)
    assert status == 0, err
    status, sql, err = run("trust", "grants", "--site", "elm", "--db", POSTGRES_URL)
    assert status == 0, err
    _sql(sql)
    as_elm = base.replace("//kiosk@", f"//{role}@", 1) + "/" + database
    assert as_elm != POSTGRES_URL
    monkeypatch.setenv("KIOSK_SITE", "elm")
    monkeypatch.setenv("KIOSK_NEW_PIN", ELM_PIN)
    status, _, err = run("staff", "add", "elmadmin", "--name", "Elm Admin", "--role", "admin", "--db", as_elm)
    assert status == 0, err
    yield as_elm, role
    close_db()
    _drop_role(role)
    _reset_postgres(POSTGRES_URL)


def test_a_school_made_again_tells_its_role_to_run_grants_again(elm, run, monkeypatch):
    as_elm, role = elm
    # Elm's schema lost outside the kiosk, and its place made again at site 1 (then its backup restored)
    _sql("DROP SCHEMA site_elm CASCADE")
    monkeypatch.delenv("KIOSK_SITE")
    monkeypatch.setenv("KIOSK_PIN", ADMIN_PIN)
    status, _, err = run(
        "trust", "add-site", "elm", "--name", "Elm Primary", "--empty", "--as", "admin", "--db", POSTGRES_URL
    )
    assert status == 0, err
    monkeypatch.setenv("KIOSK_SITE", "elm")
    status, out, err = run("audit", "verify", "--db", as_elm)
    assert status != 0 and err.count("\n") == 1, err
    assert "kiosk trust grants --site elm" in err, err
    assert "may not open site" not in err, err  # it is its own school, not another's


def test_a_role_at_another_school_is_still_told_so(elm, run, monkeypatch):
    as_elm, role = elm
    monkeypatch.setenv("KIOSK_PIN", ADMIN_PIN)
    monkeypatch.delenv("KIOSK_SITE")
    status, _, err = run("trust", "add-site", "ash", "--name", "Ash Primary", "--as", "admin", "--db", POSTGRES_URL)
    assert status == 0, err
    monkeypatch.setenv("KIOSK_SITE", "ash")
    status, out, err = run("audit", "verify", "--db", as_elm)
    assert status != 0 and err.count("\n") == 1, err
    assert f"The database role '{role}' may not open site 'ash'" in err, err


def test_a_role_that_may_only_read_a_school_writing_there_is_one_plain_line(elm, run, monkeypatch):
    """The trust's own role (the database's owner) reads a school that has a login role of its
    own, for the trust's reports, and may write nothing there. (The test's owner is a
    superuser, whom the server never refuses: a reading role of the same rights stands in.)"""
    as_elm, _ = elm
    reader = as_elm.rpartition("/")[2] + "_reader"
    _drop_role(reader)
    _sql(
        f'CREATE ROLE "{reader}" LOGIN; GRANT CONNECT, TEMPORARY ON DATABASE "{as_elm.rpartition("/")[2]}" TO "{reader}"; '
        f'GRANT USAGE ON SCHEMA site_elm, trust TO "{reader}"; '
        f'GRANT SELECT ON ALL TABLES IN SCHEMA site_elm, trust TO "{reader}"'
    )
    as_reader = as_elm.replace(as_elm.split("//", 1)[1].split("@", 1)[0], reader, 1)
    try:
        monkeypatch.setenv("KIOSK_SITE", "elm")
        monkeypatch.setenv("KIOSK_PIN", ELM_PIN)
        status, out, err = run("staff", "list", "--db", as_reader)
        assert status == 0, err  # reading: yes
        before = _sql("SELECT count(*) FROM site_elm.staff")
        monkeypatch.setenv("KIOSK_NEW_PIN", "314159")
        status, out, err = run(
            "staff", "add", "trustdsl", "--name", "Trust DSL", "--role", "office", "--as", "elmadmin", "--db", as_reader
        )
        assert status != 0 and err.count("\n") == 1, err
        assert "Unexpected error" not in err and "ProgrammingError" not in err, err
        assert f"The database role '{reader}' may only read site 'elm'" in err and "Nothing was changed" in err, err
        assert _sql("SELECT count(*) FROM site_elm.staff") == before
    finally:
        close_db()
        _drop_role(reader)
