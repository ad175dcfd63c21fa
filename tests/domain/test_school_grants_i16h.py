"""PostgreSQL's own walls between a trust's schools (issue 16): `kiosk trust grants --site
CODE` prints the SQL giving a school a login role of its own. Run by the superuser, that
role uses its own schema (the kiosk runs there as before) and reads the trust's registry,
and the server refuses it every other school's records, and site 1's."""

from __future__ import annotations

import pytest

from models.store.db import close_db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

ADMIN_PIN = "836150"


def _sql(statements: str, role: str | None = None):
    """Run SQL as the test's superuser, or (``role``) as that role: SET ROLE checks its rights."""
    import psycopg2

    conn = psycopg2.connect(POSTGRES_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            if role:
                cur.execute(f'SET ROLE "{role}"')
            cur.execute(statements)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def _drop_role(role: str) -> None:
    if _sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"):
        _sql(f'DROP OWNED BY "{role}" CASCADE; DROP ROLE "{role}"')


@pytest.fixture
def trust(tmp_path, monkeypatch, run):
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    database = POSTGRES_URL.rpartition("/")[2]
    roles = {code: f"{database}_{code}" for code in ("elm", "ash")}
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    for role in roles.values():
        _drop_role(role)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", ADMIN_PIN)
    for code, name in (("elm", "Elm Primary"), ("ash", "Ash Primary")):
        code_, _, err = run("trust", "add-site", code, "--name", name, "--as", "admin", "--db", POSTGRES_URL)
        assert code_ == 0, err
    yield roles
    close_db()
    for role in roles.values():
        _drop_role(role)
    _reset_postgres(POSTGRES_URL)


def _grant(run, code: str) -> str:
    status, out, err = run("trust", "grants", "--site", code, "--db", POSTGRES_URL)
    assert status == 0, err
    return out


def test_a_school_s_role_reads_its_own_school_and_never_another(trust, run):
    import psycopg2.errors

    for code in trust:
        _sql(_grant(run, code))
    elm, ash = trust["elm"], trust["ash"]
    assert _sql("SELECT count(*) FROM site_elm.staff", elm) == [(0,)]
    _sql("BEGIN; UPDATE site_elm.pupil SET first_name = first_name; ROLLBACK", elm)  # its own: writable
    assert [name for (name,) in _sql("SELECT name FROM trust.site ORDER BY id", elm)][1:] == [
        "Elm Primary",
        "Ash Primary",
    ]
    for refused in (
        "SELECT count(*) FROM site_ash.staff",  # another school
        "SELECT count(*) FROM site_ash.pupil",
        "SELECT count(*) FROM public.staff",  # site 1, the trust's own school
        "SELECT count(*) FROM public.audit_entry",
        "INSERT INTO trust.site (code, name, schema_name, added_at) VALUES ('x', 'X', 'site_x', now())",
        "UPDATE trust.site SET name = 'Mine'",
        "CREATE TABLE public.mine (i integer)",
        "CREATE SCHEMA site_mine",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _sql(refused, elm)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _sql("SELECT count(*) FROM site_elm.staff", ash)  # and the other way round


def test_the_kiosk_runs_at_its_school_as_that_role_and_not_at_another(trust, run, monkeypatch):
    _sql(_grant(run, "elm"))
    base, _, database = POSTGRES_URL.rpartition("/")
    as_elm = base.replace("//kiosk@", f"//{trust['elm']}@", 1) + "/" + database
    assert as_elm != POSTGRES_URL
    monkeypatch.setenv("KIOSK_SITE", "elm")
    monkeypatch.setenv("KIOSK_NEW_PIN", "271828")
    status, out, err = run("staff", "add", "elmadmin", "--name", "Elm Admin", "--role", "admin", "--db", as_elm)
    assert status == 0, err  # its first admin: the kiosk writes there, audit and all
    status, out, err = run("audit", "verify", "--db", as_elm)
    assert status == 0, out + err
    monkeypatch.setenv("KIOSK_SITE", "ash")
    status, out, err = run("report", "uncollected", "--db", as_elm)
    assert status != 0 and err.count("\n") == 1, err  # Ash's records: the server refuses
    assert f"The database role '{trust['elm']}' may not open site 'ash'" in err, err


def test_running_it_again_is_harmless(trust, run):
    sql = _grant(run, "elm")
    _sql(sql)
    _sql(sql)
    assert _sql("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'site_elm'") == [(trust["elm"],)]


@pytest.mark.parametrize(
    "args, said",
    [
        (["--site", "oak"], "no school with the code 'oak'"),
        (["--site", "Elm!"], "cannot be a site code"),
        (["--site", "elm", "--role", "Robert'); DROP TABLE staff;--"], "cannot be a PostgreSQL role"),
        (["--site", "elm", "--role", "r" * 64], "cannot be a PostgreSQL role"),
    ],
)
def test_a_bad_site_or_role_is_one_line(trust, run, args, said):
    status, out, err = run("trust", "grants", *args, "--db", POSTGRES_URL)
    assert status != 0 and err.count("\n") == 1 and said in err, err
    assert not out


def test_on_sqlite_it_is_one_line(tmp_path, run):
    from models.upkeep.opening import open_database
    from tests.school import build

    open_database(tmp_path / "k.sqlite3")
    build()
    close_db()
    status, out, err = run("trust", "grants", "--site", "elm", "--db", tmp_path / "k.sqlite3")
    assert status != 0 and err.count("\n") == 1 and "PostgreSQL" in err, err
