"""Issue 16, walk: a trust's school that is not there to be read.

A school's empty place (`trust add-site CODE --empty`, waiting for `kiosk migrate-to` or a
restore) and a school whose tables were lost (its schema dropped) are still the trust's
schools: every trust report names them in plain words and reads the others as normal; a
lost one is a warning (exit 1) and a problem for `kiosk audit verify` at site 1. Opening
an empty place for anything but the move into it makes no tables there.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from models.staff import auth
from models.store.db import close_db, db
from tests.conftest import NOW, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

ADMIN, LEAD, DSL = "836150", "620394", "703815"
WAITING = "empty: waiting for its records"
MISSING = "missing: its tables are gone"
REPORTS = [
    ("compliance", "tlead", LEAD),
    ("uncollected", "tlead", LEAD),
    ("governors", "tlead", LEAD),
    ("feed", "tdsl", DSL),
]


@pytest.fixture
def trust_url(tmp_path, monkeypatch):
    """Site 1 (the test school, a hand-in) and Ash (its own tables, a hand-in); the trust's lead and DSL."""
    from models import sites, trust
    from models.custody.ledger import hand_in
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    school = build()
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], LEAD, now=NOW)
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], DSL, now=NOW)
    hand_in(school.codes["000001"], school.office, now=NOW)
    trust.add_site("ash", "Ash Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    close_db()
    open_database(sites.with_site(POSTGRES_URL, "ash"))
    ash = build()
    hand_in(ash.codes["000002"], ash.office, now=NOW)
    close_db()
    yield POSTGRES_URL
    close_db()
    _reset_postgres(POSTGRES_URL)


def _report(run, monkeypatch, url, name, user, pin, fmt="table"):
    monkeypatch.setenv("KIOSK_PIN", pin)
    extra = ["--term", "autumn-2026"] if name == "governors" else []
    if name == "feed":
        extra = ["--from", "2026-11-01", "--to", "2026-11-30"]
    return run("trust", name, *extra, "--format", fmt, "--as", user, "--db", url)


def _tables_in(schema: str) -> int:
    from models.store.db import init_db

    init_db(POSTGRES_URL)
    (n,) = db.execute_sql("SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)).fetchone()
    close_db()
    return int(n)


def _add_empty(run, monkeypatch, url, code="elm", name="Elm Primary"):
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    return run("trust", "add-site", code, "--name", name, "--empty", "--as", "admin", "--db", url)


def test_an_empty_place_is_listed_as_waiting_in_every_trust_report_and_the_others_are_read(trust_url, run, monkeypatch):
    code, _, err = _add_empty(run, monkeypatch, trust_url)
    assert code == 0, err

    code, out, err = run("trust", "sites", "--db", trust_url)
    assert code == 0, err
    assert "Elm Primary" in out and WAITING in out and "Ash Primary" in out
    code, out, _ = run("trust", "sites", "--format", "json", "--db", trust_url)
    assert {s["school"]: s.get("note", "") for s in json.loads(out)}["Elm Primary"].startswith(WAITING)

    for name, user, pin in REPORTS:
        code, out, err = _report(run, monkeypatch, trust_url, name, user, pin)
        assert code == 0, (name, err)  # a move under way is no fault: the others are read as normal
        assert "Elm Primary" in out and WAITING in out, (name, out)
        assert "Ash Primary" in out or name == "feed", (name, out)
        code, out, err = _report(run, monkeypatch, trust_url, name, user, pin, "json")
        assert code == 0, (name, err)
        rows = json.loads(out)
        elm = [r for r in rows if r.get("school") == "Elm Primary"]
        assert elm and all(r["note"].startswith(WAITING) for r in elm), (name, rows)
        code, out, err = _report(run, monkeypatch, trust_url, name, user, pin, "csv")
        assert code == 0, (name, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        assert "status" not in rows[0], (name, out)  # (a concern's own status is not this column)
        assert any(r["school"] == "Elm Primary" and r["note"].startswith(WAITING) for r in rows), (name, out)

    code, out, _ = _report(run, monkeypatch, trust_url, "compliance", "tlead", LEAD, "json")
    rows = {r["school"]: r for r in json.loads(out)}
    one, ash, total = (rows[n]["handed_in"] for n in ("Oak Primary", "Ash Primary", "The trust (all schools)"))
    assert one > 0 and ash > 0 and total == one + ash  # the schools read are read as normal
    assert "Elm Primary" in rows["The trust (all schools)"]["note"]  # the total says what it leaves out
    assert rows["Elm Primary"]["handed_in"] is None  # not read: no figure, not a zero
    assert _tables_in("site_elm") == 0  # and reading the trust made none there


def test_a_school_whose_tables_were_dropped_is_named_in_every_trust_view_and_by_verify(trust_url, run, monkeypatch):
    from models.store.db import init_db

    init_db(trust_url)
    db.execute_sql('DROP SCHEMA "site_ash" CASCADE')
    close_db()

    code, out, err = run("trust", "sites", "--db", trust_url)
    assert code == 1 and "Ash Primary" in out and MISSING in out, out + err
    assert "Ash Primary" in err and "site_ash" in err and err.count("\n") == 1, err
    for name, user, pin in REPORTS:
        for fmt in ("table", "csv", "json"):
            code, out, err = _report(run, monkeypatch, trust_url, name, user, pin, fmt)
            assert code == 1, (name, fmt, out, err)  # read, and said: not silently complete
            assert "Ash Primary" in out and MISSING in out, (name, fmt, out)
            assert "Ash Primary" in err and "not in" in err and "Unexpected" not in err, (name, fmt, err)
    code, out, _ = _report(run, monkeypatch, trust_url, "compliance", "tlead", LEAD, "json")
    rows = {r["school"]: r for r in json.loads(out)}
    total = rows["The trust (all schools)"]
    assert total["handed_in"] == rows["Oak Primary"]["handed_in"]
    assert "Ash Primary" in total["note"]  # the total says what it leaves out

    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, out, err = run("audit", "verify", "--db", trust_url)
    assert code == 1 and "Ash Primary" in out + err and "site_ash" in out + err, out + err


@pytest.mark.parametrize(
    "command",
    [
        ("trust", "sites"),
        ("report", "day", "--as", "admin"),  # read by someone (f1s6)
        ("audit", "verify"),
        ("staff", "list"),
        ("report", "uncollected"),
    ],
    ids=lambda c: " ".join(c),
)
def test_opening_an_empty_place_makes_no_tables_and_says_it_waits_for_its_records(trust_url, run, monkeypatch, command):
    assert _add_empty(run, monkeypatch, trust_url)[0] == 0
    monkeypatch.setenv("KIOSK_SITE", "elm")
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, out, err = run(*command, "--db", trust_url)
    assert code == 1 and out == "", out + err
    assert err.count("\n") == 1 and "'elm' is waiting for its records to be moved in" in err, err
    assert "kiosk migrate-to" in err and "Nothing was changed" in err, err
    assert _tables_in("site_elm") == 0
    monkeypatch.delenv("KIOSK_SITE")
    code, out, err = _add_empty(run, monkeypatch, trust_url)
    assert code == 1 and "'elm' in this trust, its place empty" in err, err  # still there, still empty


def test_a_lost_school_made_again_is_said_to_be_made_again(trust_url, run, monkeypatch):
    from models.store.db import init_db

    init_db(trust_url)
    db.execute_sql('DROP SCHEMA "site_ash" CASCADE')
    close_db()
    code, out, err = _add_empty(run, monkeypatch, trust_url, "ash", "Ash Primary")
    assert code == 0, err
    assert "made again" in out and "added as" not in out, out
    assert "site 2" in out and "KIOSK_SITE=ash kiosk restore" in out, out
    code, out, err = _add_empty(run, monkeypatch, trust_url, "oak", "Oak Lane")
    assert code == 0 and "Oak Lane added as site 3" in out, out + err


ALTERED = "not read: its schema holds things the kiosk did not make"


@pytest.mark.parametrize(
    "change",
    [
        # the walk: the school's own role (owner of its schema) swapped a table for a view that calls its code
        "ALTER TABLE site_ash.device_state RENAME TO device_state_real; CREATE FUNCTION site_ash.leak() RETURNS int "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'school code ran in a trust read'; END $$; "
        "CREATE VIEW site_ash.device_state AS SELECT d.* FROM site_ash.device_state_real d "
        "CROSS JOIN (SELECT site_ash.leak() AS x) l WHERE l.x > 0",
        # a function alone, which a query's unqualified call could resolve to
        "CREATE FUNCTION site_ash.lower(varchar) RETURNS text LANGUAGE sql AS $$ SELECT 'x'::text $$",
        # row security on a table: its policy runs an expression on every read
        "ALTER TABLE site_ash.custody_event ENABLE ROW LEVEL SECURITY",
    ],
)
def test_a_school_schema_holding_code_is_not_read_by_the_trust_and_is_named(trust_url, run, monkeypatch, change):
    """The second trust walk (D1): a trust read set the search path to a school's schema and ran
    what it found there under the trust's own role. A school's schema may hold the kiosk's
    tables, indexes, sequences and capture triggers only; anything else and it is not read."""
    from models.store.db import init_db

    init_db(trust_url)
    db.execute_sql(change)
    close_db()
    for name, user, pin in REPORTS:
        code, out, err = _report(run, monkeypatch, trust_url, name, user, pin, "json")
        assert "school code ran" not in out + err, (name, out, err)
        assert code == 1 and "Ash Primary" in out and ALTERED in out, (name, out, err)
        assert "Unexpected" not in err and sum("Ash Primary" in line for line in err.splitlines()) == 1, (name, err)
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, out, err = run("audit", "verify", "--db", trust_url)
    assert code != 0 and "site_ash" in out + err and "did not make" in out + err, out + err


def test_a_school_changed_after_the_list_was_made_is_refused_when_read(trust_url):
    """A view created between the list of schools and the read of one: the read itself checks
    (after locking the school's tables), so nothing of the school's own code runs in it."""
    from models import trust
    from models.errors import StorageError
    from models.store.db import init_db
    from models.store.tables import DeviceState

    init_db(trust_url)
    try:
        ash = next(s for s in trust.all_sites() if s.code == "ash")
        assert ash.ready
        db.execute_sql("CREATE VIEW site_ash.extra AS SELECT 1 AS one")
        with pytest.raises(StorageError, match="not as the kiosk made it"):
            with trust.reading(ash):
                DeviceState.select().count()
        db.execute_sql("DROP VIEW site_ash.extra")
        with trust.reading(ash):
            assert DeviceState.select().count() >= 1
    finally:
        close_db()
