"""Issue 16, the trust's attack: one school's records cannot become a second school.

`kiosk migrate-to` moved the same SQLite school into two places of a trust, and `kiosk
restore` put a backup into a school's place whatever log it held. Both now refuse records
whose audit log is another school's already (or, for a school the trust knows, not the
one it recorded), in one line, leaving the place empty.
"""

from __future__ import annotations

import pytest

from models.sites import with_site
from models.store.db import close_db, db
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.conftest import NOW, POSTGRES_URL, _reset_postgres, second_postgres
from tests.records.test_migrate_to_i16m import demo_school, target  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def _tables_in(url: str, schema: str) -> int:
    open_database(url)
    try:
        return db.execute_sql(
            "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            (schema,),
        ).fetchone()[0]
    finally:
        close_db()


def test_the_same_sqlite_school_is_not_moved_into_a_second_place(demo_school, target, run, monkeypatch):  # noqa: F811
    from tests.school import build

    open_database(target)
    build()  # site 1
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    for code, name in (("elm", "Elm Primary"), ("ash", "Ash Primary")):
        status, _, err = run("trust", "add-site", code, "--name", name, "--empty", "--as", "admin", "--db", target)
        assert status == 0, err
    status, _, err = run("migrate-to", with_site(target, "elm"), "--db", demo_school, "--as", "admin")
    assert status == 0, err
    status, out, err = run("migrate-to", with_site(target, "ash"), "--db", demo_school, "--as", "admin")
    assert status == 1 and err.count("\n") == 1, out + err
    assert "already in the trust as Elm Primary (elm)" in err and "Nothing was changed" in err, err
    assert _tables_in(target, "site_ash") == 0  # still waiting for its own records
    status, out, err = run("trust", "sites", "--db", target)
    assert "Ash Primary" in out and "waiting for its records" in out + err


def _trust(url: str, hand_ins: list[str]):
    from models import trust
    from models.custody.ledger import hand_in
    from tests.school import build

    open_database(url)
    one = build()
    trust.add_site("elm", "Elm Primary", actor=one.admin, now=NOW)
    close_db()
    open_database(with_site(url, "elm"))
    elm = build()
    for p in hand_ins:
        hand_in(elm.codes[p], elm.office, now=NOW)
    close_db()
    return one


def test_another_trust_s_backup_of_a_school_is_not_restored_into_this_one_s_place(tmp_path, run, monkeypatch):
    """Elm's place made again after its tables were lost takes Elm's own backup, not the
    backup of another trust's school with the same code."""
    from models import trust

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    ours, theirs = POSTGRES_URL, second_postgres("chains_g5")
    _reset_postgres(ours)
    one = _trust(ours, ["000002"])
    _trust(theirs, ["000003", "000004"])
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    own_copy, their_copy = tmp_path / "elm.pgdump", tmp_path / "their-elm.pgdump"
    assert run("backup", own_copy, "--as", "admin", "--db", with_site(ours, "elm"))[0] == 0
    assert run("backup", their_copy, "--as", "admin", "--db", with_site(theirs, "elm"))[0] == 0
    monkeypatch.delenv("KIOSK_PIN")

    open_database(ours)
    db.execute_sql('DROP SCHEMA "site_elm" CASCADE')  # Elm's tables lost
    trust.add_site("elm", "Elm Primary", actor=one.admin, now=NOW, empty=True)  # its place again
    close_db()
    status, out, err = run("restore", their_copy, "--db", with_site(ours, "elm"))
    assert status == 1 and err.count("\n") == 1, out + err
    assert "not Elm Primary's" in err, err
    assert _tables_in(ours, "site_elm") == 0  # empty again, for its own backup
    status, out, err = run("restore", own_copy, "--db", with_site(ours, "elm"))
    assert status == 0 and "Audit log OK" in out, out + err
    open_database(ours)
    assert all(s.ready for s in trust.all_sites())
    close_db()
    _reset_postgres(ours)
    _reset_postgres(theirs)
