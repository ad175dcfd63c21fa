"""Issue 16, walk: `kiosk trust grants --site elm --role public` was accepted, and the SQL
then failed at CREATE ROLE. Names PostgreSQL reserves (public, none, pg_*), its special
role words (current_user, session_user, current_role, user) and pg_hba.conf's keywords
(all, sameuser, samerole, samegroup, replication: the printed pg_hba line would let every
role in) are refused in one line, before any SQL is printed."""

from __future__ import annotations

import pytest

from models.errors import ValidationError
from models.trust.grants import check_role, school_role_sql
from tests.conftest import NOW, POSTGRES_URL

RESERVED = [
    "public",
    "none",
    "pg_elm",
    "pg_read_all_data",
    "current_user",
    "session_user",
    "current_role",
    "user",
    "all",
    "sameuser",
    "samerole",
    "samegroup",
    "replication",
]


@pytest.mark.parametrize("role", RESERVED)
def test_a_reserved_role_name_is_refused_in_one_line(role):
    with pytest.raises(ValidationError) as caught:
        school_role_sql("elm", role)
    said = str(caught.value)
    assert f"'{role}'" in said and "reserved" in said and "--role" in said and "\n" not in said, said


def test_an_ordinary_role_name_is_taken():
    assert check_role("kiosk_trust_elm") == "kiosk_trust_elm"
    assert check_role("public_elm") == "public_elm" and check_role("users") == "users"


@pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")
def test_kiosk_trust_grants_refuses_public_before_printing_sql(run, tmp_path, monkeypatch):
    from models import trust
    from models.store.db import close_db
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    school = build()
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    close_db()
    try:
        code, out, err = run("trust", "grants", "--site", "elm", "--role", "public", "--db", POSTGRES_URL)
        assert code != 0 and out == "" and len(err.strip().splitlines()) == 1 and "reserved" in err, (out, err)
    finally:
        from models.store.db import db, init_db

        init_db(POSTGRES_URL)
        db.execute_sql("DROP SCHEMA IF EXISTS site_elm CASCADE; DROP SCHEMA IF EXISTS trust CASCADE")
        close_db()
        _reset_postgres(POSTGRES_URL)
