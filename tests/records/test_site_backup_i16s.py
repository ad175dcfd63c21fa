"""Issue 16: one school of a trust is backed up alone, and restored as that school.

`kiosk backup` at a site dumps that school's schema and nothing of the other schools'; at
site 1 of a trust, site 1's own tables and the trust's registry. The backup of a school
goes back into its own, empty place (`trust add-site --empty`) and its audit log verifies
there; restored anywhere else it is refused in one line, nothing changed.
"""

from __future__ import annotations

import subprocess

import pytest

from models.sites import with_site
from models.store.db import close_db
from models.upkeep.backup import pg_tool
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.conftest import NOW, POSTGRES_URL, _reset_postgres, second_postgres

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def _trust_with_two_schools(url: str) -> None:
    from models import trust
    from models.custody.ledger import hand_in
    from tests.school import build

    open_database(url)
    one = build()
    hand_in(one.codes["000001"], one.office, now=NOW)
    trust.add_site("elm", "Elm Primary", actor=one.admin, now=NOW)
    close_db()
    open_database(with_site(url, "elm"))
    elm = build()
    hand_in(elm.codes["000002"], elm.office, now=NOW)
    hand_in(elm.codes["000003"], elm.office, now=NOW)
    close_db()


def _schemas_in(archive) -> set[str]:
    listing = subprocess.run(
        [pg_tool("pg_restore"), "--list", str(archive)], capture_output=True, text=True, check=True
    )
    out = set()
    for line in listing.stdout.splitlines():
        parts = line.split()
        if not line.startswith(";") and len(parts) > 5 and parts[3] == "TABLE" and parts[4] != "DATA":
            out.add(parts[4])
    return out


@pytest.fixture
def trust_url(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _reset_postgres(POSTGRES_URL)
    _trust_with_two_schools(POSTGRES_URL)
    yield POSTGRES_URL
    close_db()
    _reset_postgres(POSTGRES_URL)


def test_a_school_of_the_trust_is_backed_up_alone_and_restored_as_itself(trust_url, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    elm_copy, one_copy = tmp_path / "elm.pgdump", tmp_path / "one.pgdump"
    code, _, err = run("backup", elm_copy, "--as", "admin", "--db", with_site(trust_url, "elm"))
    assert code == 0, err
    assert _schemas_in(elm_copy) == {"site_elm"}  # nothing of site 1's, nor the trust's
    code, _, err = run("backup", one_copy, "--as", "admin", "--db", trust_url)
    assert code == 0, err
    assert _schemas_in(one_copy) == {"public", "trust"}  # site 1 and the trust's registry, not Elm

    other = second_postgres("sites_i16s")
    monkeypatch.delenv("KIOSK_PIN")
    code, _, err = run("restore", elm_copy, "--db", other)  # Elm's backup at site 1 of a new database
    assert code == 1 and "site 'elm'" in err and err.count("\n") == 1, err

    from models import trust
    from models.store.tables import CustodyEvent
    from tests.school import build

    open_database(other)
    trust.add_site("elm", "Elm Primary", actor=build().admin, now=NOW, empty=True)
    close_db()
    code, out, err = run("restore", elm_copy, "--db", with_site(other, "elm"))
    assert code == 0, err
    assert "Audit log OK" in out, out
    open_database(with_site(other, "elm"))
    assert CustodyEvent.select().count() == 2
    close_db()
    code, _, err = run("restore", one_copy, "--db", with_site(other, "elm"))  # Elm holds records now
    assert code == 1 and err.count("\n") == 1, err
    _reset_postgres(other)


def _new_database(suffix: str) -> str:
    """A database just made, as `createdb` makes it (its own `public` schema, nothing else)."""
    import psycopg2

    base, _, name = POSTGRES_URL.rpartition("/")
    own = f"{name}_{suffix}"
    conn = psycopg2.connect(POSTGRES_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{own}"')
            cur.execute(f'CREATE DATABASE "{own}"')
    finally:
        conn.close()
    return f"{base}/{own}"


def test_site_1_of_a_trust_is_restored_into_a_new_empty_database(trust_url, run, monkeypatch, tmp_path):
    """The documented way back for site 1: createdb, then kiosk restore. Its backup names the
    `public` schema (it is dumped with --schema), which a new database has already. It brings
    back site 1 and the trust's registry; the other schools come from their own backups."""
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", "--as", "admin", "--db", trust_url)  # the nightly, dated one
    assert code == 0, err
    nightly = out.split("Backup written to ", 1)[1].split(".\n", 1)[0]
    one_copy = tmp_path / "site1.pgdump"
    code, _, err = run("backup", one_copy, "--as", "admin", "--db", trust_url)  # the newest
    assert code == 0, err
    monkeypatch.delenv("KIOSK_PIN")

    new = _new_database("fresh_i16s")
    code, out, err = run("restore", nightly, "--db", new)
    assert "Restored " in out and "already exists" not in err, err
    assert "log is cut short" in err, err  # older than the anchors written since: as for any backup

    new = _new_database("fresh_i16s")
    code, out, err = run("restore", one_copy, "--db", new)
    assert code == 0, err
    assert "Audit log OK" in out, out
    assert "Elm Primary (elm): kiosk trust add-site elm --empty, then KIOSK_SITE=elm kiosk restore FILE" in out, out
    code, out, err = run("trust", "sites", "--db", new)  # the trust's registry came back
    assert "Elm Primary" in out and "tables are gone" in err, out + err  # (exit 1: still to restore)
    open_database(new)
    from models.store.tables import CustodyEvent

    assert CustodyEvent.select().count() == 1  # site 1's own records; Elm's are in Elm's backup
    close_db()
    code, out, err = run("audit", "verify", "--db", new)  # Elm is named until it is restored
    assert code == 1 and "'Elm Primary' (elm) is in the trust's registry" in out + err, out + err
    # as the restore said: still to be restored (not accused of being dropped outside the kiosk)
    said = next(line for line in (out + err).splitlines() if "'Elm Primary' (elm)" in line)
    assert "its tables are not in this database" in said and "still to be restored from its own backup" in said, said
    assert said.index("still to be restored") < said.find("dropped outside the kiosk"), said  # only as the other case
    assert "kiosk trust add-site elm --empty" in said and "KIOSK_SITE=elm kiosk restore FILE" in said, said
