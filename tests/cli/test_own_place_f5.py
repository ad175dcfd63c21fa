"""Issue 16, walk: a school's own terminal checks which school's records its place holds.

An insider swapped two schools' schemas. The trust's reports and site 1's `kiosk audit
verify` named it (the registry records each school's audit log: models.trust.chains), but
Elm's own terminal printed Ash's records, and a release scanned at Ash was written into
Elm's. Opening a school's site now compares the log in its place with the one the trust
recorded for it, and refuses in one line, writing nothing.
"""

from __future__ import annotations

import io
import sys

import peewee
import pytest

from models import sites, trust
from models.custody.ledger import hand_in
from models.errors import StorageError
from models.store.db import close_db, db, init_db
from models.upkeep.opening import open_database
from tests.conftest import NOW, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

OFFICE = "482916"
REFUSED = "holds another school's records"


def _drop_sites(url: str) -> None:
    init_db(url)
    for (name,) in db.execute_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%%' OR nspname = 'trust'"
    ).fetchall():
        db.execute_sql(f'DROP SCHEMA "{name}" CASCADE')
    close_db()


@pytest.fixture
def three(tmp_path, monkeypatch):
    """Site 1, Elm (Ava's phone in) and Ash (Ben's and Cara's in), each with its own log."""
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    url = POSTGRES_URL
    _drop_sites(url)
    _reset_postgres(url)
    open_database(url)
    one = build()
    trust.add_site("elm", "Elm Primary", actor=one.admin, now=NOW, first_name="Oak Primary")
    trust.add_site("ash", "Ash Primary", actor=one.admin, now=NOW)
    codes = {}
    for code, pupils in (("elm", ["000001"]), ("ash", ["000002", "000003"])):
        close_db()
        open_database(sites.with_site(url, code))
        school = build()
        codes[code] = school.codes
        for p in pupils:
            hand_in(school.codes[p], school.office, now=NOW)
    close_db()
    yield url, codes
    close_db()
    _drop_sites(url)


def _swap(url: str, a: str = "elm", b: str = "ash") -> None:
    init_db(url)
    db.execute_sql(f'ALTER SCHEMA "site_{a}" RENAME TO "site_swap_tmp"')
    db.execute_sql(f'ALTER SCHEMA "site_{b}" RENAME TO "site_{a}"')
    db.execute_sql(f'ALTER SCHEMA "site_swap_tmp" RENAME TO "site_{b}"')
    close_db()


def _entries(url: str, schema: str) -> int:
    init_db(url)
    (n,) = db.execute_sql(f'SELECT count(*) FROM "{schema}".audit_entry').fetchone()
    close_db()
    return int(n)


def test_a_school_opened_on_another_school_s_place_is_refused_in_one_line(three):
    url, _ = three
    for code in ("elm", "ash"):  # as they were: each opens
        open_database(sites.with_site(url, code))
        close_db()
    _swap(url)
    for code, name in (("elm", "Elm Primary"), ("ash", "Ash Primary")):
        with pytest.raises(StorageError) as caught:
            open_database(sites.with_site(url, code))
        message = str(caught.value)
        assert REFUSED in message and name in message and "\n" not in message, message
        assert "swapped or replaced outside the kiosk" in message and "kiosk audit verify" in message
        close_db()
    open_database(url)  # site 1 is its own: it opens, and its verify names the swap
    close_db()
    _swap(url)  # put back: each opens again
    open_database(sites.with_site(url, "elm"))
    close_db()


def test_elm_s_terminal_does_not_print_ash_s_records(three, run, monkeypatch):
    url, _ = three
    monkeypatch.setenv("KIOSK_SITE", "elm")
    code, out, _err = run("report", "uncollected", "--format", "json", "--db", url)
    assert code == 0 and "Ava" in out and "Ben" not in out, out  # Elm's own list
    _swap(url)
    code, out, err = run("report", "uncollected", "--format", "json", "--db", url)
    assert code != 0 and "Ben" not in out and "Cara" not in out, out
    assert REFUSED in err and "Elm Primary" in err and len(err.strip().splitlines()) == 1, err


def test_a_release_scanned_at_ash_is_not_written_into_elm_s_records(three, run, monkeypatch):
    url, codes = three
    _swap(url)  # Elm's records are now in site_ash, Ash's place
    before = _entries(url, "site_ash")
    monkeypatch.setenv("KIOSK_SITE", "ash")
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{codes['ash']['000001']}\n".encode())))
    code, out, err = run("scan", "--mode", "release", "--as", "office", "--db", url)
    assert code != 0 and "OK" not in out and REFUSED in err and "Ash Primary" in err, (out, err)
    assert _entries(url, "site_ash") == before  # nothing written into Elm's log


def test_a_place_filled_with_another_school_s_log_before_it_was_recorded_is_refused(three):
    """A school whose log the trust has not recorded yet (made --empty, moved in since) holding
    a log the trust recorded for another school."""
    url, _ = three
    init_db(url)
    elm = trust.Site.get(trust.Site.code == "elm").id
    db.execute_sql("DELETE FROM trust.site_chain WHERE site_id = %s", (elm,))
    close_db()
    _swap(url)
    with pytest.raises(StorageError, match=REFUSED):
        open_database(sites.with_site(url, "elm"))
    close_db()


def test_the_check_at_open_is_two_queries_at_most(three, monkeypatch):
    """Every terminal, every CLI command and every browser session opens the site: the check
    costs a catalogue query and a read of the registry with the log's first entry."""
    url, _ = three
    seen: list[str] = []
    original = peewee.Database.execute_sql

    def counted(self, sql, *args, **kwargs):
        if "site_chain" in sql:
            seen.append(sql)
        return original(self, sql, *args, **kwargs)

    monkeypatch.setattr(peewee.Database, "execute_sql", counted)
    open_database(sites.with_site(url, "elm"))
    close_db()
    assert 1 <= len(seen) <= 2, seen


def test_a_school_s_role_that_may_not_read_the_record_still_opens(three, run):
    """A school's role from before its grants handed over trust.site_chain cannot read it:
    nothing to compare with, so its terminal opens as before (site 1's verify names a swap)."""
    import psycopg2

    url, _ = three
    base, _, database = url.rpartition("/")
    role = f"{database}_elm"
    as_elm = base.replace("//kiosk@", f"//{role}@", 1) + "/" + database
    if as_elm == url:
        pytest.skip("the test database URL names another user")
    status, sql, err = run("trust", "grants", "--site", "elm", "--db", url)
    assert status == 0, err

    def superuser(statements: str) -> None:
        conn = psycopg2.connect(url)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statements)
        finally:
            conn.close()

    superuser(sql)
    try:
        superuser(f'REVOKE SELECT ON trust.site_chain FROM "{role}"')
        open_database(sites.with_site(as_elm, "elm"))
        assert db.execute_sql("SELECT count(*) FROM staff").fetchone()[0] > 0
        close_db()
    finally:
        close_db()
        superuser(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"; DROP ROLE "{role}"')


def test_site_1_whose_first_entry_a_purge_removed_opens_and_is_still_checked(tmp_path, monkeypatch):
    """Retention removes a log's first entry; the purge keeps its origin, which the check at
    open reads in the same query (no read of the whole log)."""
    import datetime as dt

    from models.audit import chain as audit
    from models.records import duties as records
    from models.trust import chains
    from tests.conftest import _reset_postgres
    from tests.records.test_records import RETENTION
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    url = POSTGRES_URL
    _drop_sites(url)
    _reset_postgres(url)
    open_database(url)
    day = dt.timedelta(days=1)
    school = build(now=NOW - 3000 * day)
    hand_in(school.codes["000001"], school.office, now=NOW - 2900 * day)
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    chains.record(None, NOW)
    first = audit.origin()
    assert chains.recorded()[1] == first
    records.purge(RETENTION, now=NOW)
    assert db.execute_sql("SELECT count(*) FROM audit_entry WHERE seq = 1").fetchone()[0] == 0
    close_db()
    try:
        seen: list[str] = []
        original = peewee.Database.execute_sql

        def counted(self, sql, *args, **kwargs):
            seen.append(sql)
            return original(self, sql, *args, **kwargs)

        monkeypatch.setattr(peewee.Database, "execute_sql", counted)
        open_database(url)
        monkeypatch.setattr(peewee.Database, "execute_sql", original)
        assert sum("site_chain" in q for q in seen) == 2
        assert not any(q.rstrip().endswith("ORDER BY seq DESC") for q in seen), seen  # (audit.origin's scan)
        db.execute_sql("UPDATE trust.site_chain SET origin = 'another log' WHERE site_id = 1")
        close_db()
        with pytest.raises(StorageError, match="Oak Primary \\(site 1\\).*holds another school's records"):
            open_database(url)
    finally:
        close_db()
        _drop_sites(url)
