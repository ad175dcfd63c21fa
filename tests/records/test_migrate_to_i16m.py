"""`kiosk migrate-to postgresql://…`: a school's SQLite database moved to an empty
PostgreSQL database, every row of every table as it was (ids, times, audit hashes), the
chain verifying on both sides, new rows getting fresh ids; refused, with PostgreSQL left
as it was, for a target that is not empty, a source whose log does not verify, a copy
the kiosk wrote to meanwhile; a bad URL, another engine, no driver, an unreachable
server or a missing source in one plain line.

The PostgreSQL tests (KIOSK_TEST_POSTGRES) each make a database of their own on the
server, and drop it after.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import uuid
from pathlib import Path

import pytest

from models.audit.integrity import _norm
from models.store.db import close_db, init_db
from models.store.tables import ALL_MODELS
from models.upkeep.demo import DEMO_PINS, DEMO_SETTING
from tests.conftest import POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def _admin(conn_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(conn_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def target():
    """A new, empty PostgreSQL database of this test's own, dropped afterwards."""
    assert POSTGRES_URL is not None
    base, _, name = POSTGRES_URL.rpartition("/")
    own = f"{name}_mig_{uuid.uuid4().hex[:10]}"
    _admin(POSTGRES_URL, f'CREATE DATABASE "{own}"')
    url = f"{base}/{own}"
    yield url
    close_db()
    from models.audit.anchors import default_path

    default_path(url).unlink(missing_ok=True)
    _admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


@pytest.fixture
def demo_school(tmp_path, run) -> str:
    """The demo school (custody events, a concern, visitors, exceptions, policies) in SQLite."""
    src = str(tmp_path / "school.sqlite3")
    code, _, err = run("demo", "--db", src)
    assert code == 0, err
    _more_records(src)
    return src


def _more_records(url: str) -> None:
    """What the demo has none of: the school's own devices lent and a member of staff's
    held, a concern followed up and closed with its lessons, the DSL's seen mark, parents
    told, a call to the police, a day mark, a wrong PIN."""
    import datetime as dt

    from models.clock import utcnow
    from models.custody import school_devices
    from models.safeguarding import concerns, parents
    from models.school import attendance
    from models.store.tables import Concern, CustodyEvent, Pupil, Staff
    from models.upkeep.opening import open_database

    open_database(url)
    try:
        staff = {s.username: s for s in Staff.select()}
        head, now = staff["head"], utcnow()
        school_devices.add_device(
            staff["admin"], asset_tag="SCH-PH-01", kind="phone", description="trips", passcode_set=True
        )
        school_devices.lend(
            staff["office"],
            asset_tag="SCH-PH-01",
            staff_id=staff["deputy"].id,
            purpose="trip",
            due_on=now.date() + dt.timedelta(days=3),
        )
        school_devices.hold_staff_device(head, staff_id=staff["oak"].id, pending="lado", reason="Policy 11.3")
        concern = Concern.select().order_by(Concern.id).first()
        # after the concern, whatever the time of day the test runs (the demo's concern is
        # raised a few minutes ago just after midnight, so "five minutes ago" came before it)
        told = max(now - dt.timedelta(minutes=5), concern.raised_at)
        parents.record_informed(head, told_at=told, how="phone", concern_id=concern.id, parent_name="Mrs Carer")
        parents.record_police_contact(head, line="101", reference="CAD 1234", called_at=told, concern_id=concern.id)
        concerns.follow_up(concern.id, head, note="Spoke to the family", close=True, outcome="no_further_action")
        concerns.record_lessons(concern.id, head, "Remind staff of the reporting route")  # one who may see it (f2)
        feed = CustodyEvent.select().where(CustodyEvent.kind.in_(sorted(concerns.CUSTODY_FEED))).first()
        concerns.mark_event_seen(feed.id, head)
        pupil = Pupil.select().order_by(Pupil.id).first()
        attendance.mark_day(staff["office"], pupil.id, now.date(), "absent", reason="Ill")
        from models.errors import AuthError
        from models.staff import auth

        with pytest.raises(AuthError):
            auth.authenticate("office", "591372")  # a wrong PIN, counted
    finally:
        close_db()


def _content(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, as the kiosk reads it (ordered by every column)."""
    init_db(url, create=False)
    try:
        out = {}
        for model in ALL_MODELS:
            rows = model.select().order_by(*model._meta.sorted_fields).tuples()
            out[model._meta.table_name] = [tuple(_norm(v) for v in row) for row in rows]
        return out
    finally:
        close_db()


def _tables(url: str) -> list[str]:
    init_db(url, create=False)
    try:
        from models.store.db import db

        return sorted(db.get_tables())
    finally:
        close_db()


def _migrate(run, monkeypatch, target: str, source: str):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    return run("migrate-to", target, "--db", source, "--as", "admin")


@needs_postgres
def test_the_demo_school_moves_with_every_row_and_its_chain_verified_on_both_sides(
    demo_school, target, run, monkeypatch
):
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 0, err
    assert err == ""
    assert f"Audit log of {demo_school} OK" in out
    assert "Audit log on PostgreSQL OK" in out and "in one transaction" in out
    assert f'database = "{target}"' in out  # how to point the config at it
    assert "same PIN key" in out and ".anchors" in out

    before, after = _content(demo_school), _content(target)
    for table in before:
        if table in ("compliance_day", "compliance_mark", "relationship_review"):
            continue  # (none in this school: no cached day, no review yet)
        assert before[table], f"the demo school has no {table} rows"
    log = after.pop("audit_entry")
    source_log = before.pop("audit_entry")
    assert log[: len(source_log)] == source_log  # every entry, with its hashes, as it was
    added = [row[3] for row in log[len(source_log) :]]  # (seq, at, actor, action, …)
    assert added == ["records.migrated", "audit.anchor"], added
    after.pop("audit_head")  # the head moved on with those two entries
    before.pop("audit_head")
    flag = [row for row in before["kiosk_setting"] if DEMO_SETTING in row]
    assert flag and not [row for row in after["kiosk_setting"] if DEMO_SETTING in row]  # moved: not the demo (f4s6)
    before["kiosk_setting"] = [row for row in before["kiosk_setting"] if row not in flag]
    assert after == before  # every other table: the same rows, the same values
    assert f"{len(source_log)} entries, chain intact" in out

    code, out, err = run("audit", "verify", "--db", target)
    assert code == 0 and "Audit log OK" in out, err
    from kiosk.actions.accounts import sign_in_page
    from models.upkeep.opening import open_database

    open_database(target, create=False)
    try:
        assert sign_in_page().demo_pins == ""  # a school of its own now: no demo PINs on its sign-in
    finally:
        close_db()

    # A new scan on PostgreSQL gets a fresh id (the sequences were set past the copied ids).
    events = len(before["custody_event"])
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"K9342438\n")))
    code, out, err = run("scan", "--mode", "hand-in", "--as", "office", "--db", target)
    assert code == 0 and out.startswith("OK K9342438"), out + err
    init_db(target, create=False)
    try:
        from models.store.tables import CustodyEvent

        newest = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
        assert newest.id == max(row[0] for row in before["custody_event"]) + 1
        assert CustodyEvent.select().count() == events + 1
    finally:
        close_db()
    code, out, err = run("audit", "verify", "--db", target)
    assert code == 0 and "Audit log OK" in out, err


@needs_postgres
def test_a_database_upgraded_from_version_1_moves_and_verifies(tmp_path, target, run, monkeypatch):
    """An old school: its first entries plain SHA-256, its rows bound by the upgrades' baselines."""
    import datetime as dt

    from models.custody.ledger import hand_in
    from models.store import pinkey
    from models.store.db import db
    from models.store.tables import EXCEPTION_MODELS, VISITOR_MODELS, SchemaVersion
    from models.upkeep.opening import open_database
    from tests.oldschema import LATER_THAN_1, written_as
    from tests.school import NOW, build

    src = str(tmp_path / "old.sqlite3")
    open_database(src)
    pinkey.load(create=True)  # (the sandbox's key, as another test may have made it already)
    with written_as(1):
        school = build()
        hand_in(school.codes["000002"], school.office, now=NOW + dt.timedelta(minutes=1))
    db.drop_tables([*LATER_THAN_1, *EXCEPTION_MODELS, *VISITOR_MODELS])
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=1, description="created", applied_at=NOW)
    close_db()
    open_database(src)  # upgraded, every step recorded
    close_db()
    code, out, err = _migrate(run, monkeypatch, target, src)
    assert code == 0, err
    before, after = _content(src), _content(target)
    assert len(before["schema_version"]) > 1 and after["schema_version"] == before["schema_version"]
    assert after["audit_entry"][: len(before["audit_entry"])] == before["audit_entry"]
    code, out, err = run("audit", "verify", "--db", target)
    assert code == 0 and "Audit log OK" in out, err


@needs_postgres
def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(demo_school, target, run, monkeypatch):
    assert _migrate(run, monkeypatch, target, demo_school)[0] == 0
    there = _content(target)
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is not empty" in err and "Nothing was changed" in err, err
    assert _content(target) == there


@needs_postgres
def test_a_database_made_again_at_the_same_address_needs_its_old_anchors_set_aside(
    demo_school, target, run, monkeypatch
):
    """Moved, then dropped and made again (a first try, undone): the anchors file of that
    address holds the first copy's anchors, which the second would never agree with."""
    from models.audit.anchors import default_path

    assert _migrate(run, monkeypatch, target, demo_school)[0] == 0
    name = target.rsplit("/", 1)[1]
    _admin(POSTGRES_URL, f'DROP DATABASE "{name}" WITH (FORCE)')
    _admin(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    old = default_path(target)
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and f"The anchors file {old} holds anchors already" in err, err
    assert _tables(target) == []
    old.rename(old.with_name(old.name + ".first-try"))
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 0, err
    code, out, err = run("audit", "verify", "--db", target)
    assert code == 0 and "Audit log OK" in out, err


@needs_postgres
def test_a_source_whose_log_does_not_verify_is_not_moved(demo_school, target, run, monkeypatch):
    conn = sqlite3.connect(demo_school)
    with conn:
        conn.execute("UPDATE visitor SET name = 'Someone Else' WHERE id = (SELECT MIN(id) FROM visitor)")
    conn.close()
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "does not verify, so it was not moved" in err, err
    assert _tables(target) == []


@needs_postgres
def test_a_failure_part_way_leaves_postgresql_empty(demo_school, target, run, monkeypatch):
    """The kiosk wrote to the SQLite file during the copy: refused, and the copy rolled back."""
    from models.upkeep import move

    copy_table = move._copy_table

    def and_a_terminal_writes(conn, model):
        if model._meta.table_name == "custody_event":
            other = sqlite3.connect(demo_school)
            with other:
                other.execute("UPDATE kiosk_setting SET value = value WHERE name = 'demo'")
                other.execute("INSERT INTO kiosk_setting (name, value) VALUES ('written_meanwhile', '1')")
            other.close()
        return copy_table(conn, model)

    monkeypatch.setattr(move, "_copy_table", and_a_terminal_writes)
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "while it was copied" in err and "Nothing was moved" in err, err
    assert _tables(target) == []


@needs_postgres
def test_a_copy_that_does_not_verify_on_postgresql_is_rolled_back(demo_school, target, run, monkeypatch):
    from kiosk.actions import records

    verify = records.verify
    calls = []

    def the_second_fails(anchors_path, paper, tz):
        done = verify(anchors_path, paper, tz)
        calls.append(anchors_path)
        if len(calls) == 2:  # the copy's, inside the transaction
            done.report.bad(1, "Entry 1 does not fit (a test).")
        return done

    monkeypatch.setattr(records, "verify", the_second_fails)
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "does not verify on PostgreSQL (Entry 1 does not fit" in err, err
    assert "the PostgreSQL database is empty again" in err
    assert _tables(target) == []


@needs_postgres
def test_a_database_error_part_way_is_one_line_and_postgresql_is_left_empty(demo_school, target, run, monkeypatch):
    import peewee

    from models.upkeep import move

    copy_table = move._copy_table

    def the_server_goes(conn, model):
        if model._meta.table_name == "custody_event":
            raise peewee.OperationalError("server closed the connection unexpectedly\n\tThis probably means …")
        return copy_table(conn, model)

    monkeypatch.setattr(move, "_copy_table", the_server_goes)
    code, out, err = _migrate(run, monkeypatch, target, demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "The move failed and was undone (server closed the connection" in err, err
    assert _tables(target) == []


def test_a_password_in_the_url_is_never_shown():
    from models.upkeep.move import shown

    assert shown("postgresql://kiosk:s3cret@db.example:5433/school") == "postgresql://kiosk:…@db.example:5433/school"
    assert shown("postgresql://kiosk@db.example/school") == "postgresql://kiosk@db.example/school"


@needs_postgres
def test_a_database_already_on_postgresql_is_not_moved_again(target, run, monkeypatch):
    from models.upkeep.opening import open_database

    other = target.rsplit("/", 1)[0] + "/" + target.rsplit("/", 1)[1] + "_elsewhere"
    code, _, err = run("migrate-to", other, "--db", target, "--as", "admin")
    assert code == 1 and err.count("\n") == 1, err  # no one in an empty database to sign in
    open_database(target)
    close_db()
    code, out, err = run("demo", "--db", target)
    assert code == 0, err
    code, out, err = _migrate(run, monkeypatch, other, target)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "on PostgreSQL already" in err, err


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://kiosk@host/school", "must start postgresql://, not mysql://"),
        ("sqlite:///elsewhere.sqlite3", "must start postgresql://, not sqlite://"),
        ("elsewhere.sqlite3", "is not a PostgreSQL URL"),
        ("postgresql://kiosk@host:port/school", "is not a valid PostgreSQL URL"),
        ("postgresql://kiosk@host/", "names no database"),
        ("postgresql:///school", "names no server"),
        ("", "No database to move to"),
    ],
)
def test_a_bad_url_is_one_line_before_anyone_signs_in(url, words, run, tmp_path):
    code, out, err = run("migrate-to", url, "--db", tmp_path / "none.sqlite3")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and words in err and "Nothing was changed" in err, err
    assert not (tmp_path / "none.sqlite3").exists()


def test_no_postgresql_driver_is_one_line(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # import psycopg2 raises ImportError
    code, out, err = run("migrate-to", "postgresql://kiosk@host/school", "--db", tmp_path / "none.sqlite3")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "psycopg2" in err and "is not installed" in err, err


def test_a_missing_source_is_one_line_and_creates_nothing(run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    missing = tmp_path / "none.sqlite3"
    code, out, err = run("migrate-to", "postgresql://kiosk@127.0.0.1:1/school", "--db", missing, "--as", "admin")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "There is no database at" in err, err
    assert not missing.exists()


def test_an_unreachable_server_is_one_line_and_the_source_is_kept(demo_school, run, monkeypatch):
    size = Path(demo_school).stat().st_size
    code, out, err = _migrate(run, monkeypatch, "postgresql://kiosk:s3cret@127.0.0.1:1/school", demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Cannot reach the PostgreSQL database" in err, err
    assert "s3cret" not in err and "kiosk:…@127.0.0.1:1" in err
    assert "Nothing was changed" in err
    assert Path(demo_school).stat().st_size >= size  # not deleted (the sign-in is in its log)


def test_only_someone_who_may_manage_records_moves_the_database(demo_school, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, err = run("migrate-to", "postgresql://kiosk@127.0.0.1:1/school", "--db", demo_school, "--as", "office")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "may not move the school's database to PostgreSQL" in err, err


@needs_postgres
def test_a_school_on_sqlite_joins_a_trust_as_a_site_of_its_own(demo_school, target, run, monkeypatch):
    """Issue 16: a trust on PostgreSQL (site 1 there already) takes in a school that began on
    SQLite: site 1's admin makes the school's site empty (`trust add-site --empty`), and the
    school's records move into it with their audit log, verifying there; site 1 is untouched."""
    from models.audit import chain as audit
    from models.sites import with_site
    from models.store.tables import AuditEntry, CustodyEvent, Pupil
    from models.upkeep.opening import open_database
    from tests.school import build

    open_database(target)
    build()  # site 1: the trust's first school
    site_1 = (Pupil.select().count(), AuditEntry.select().count())
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run(
        "trust", "add-site", "elm", "--name", "Elm Primary", "--empty", "--as", "admin", "--db", target
    )
    assert code == 0, err
    assert "kiosk migrate-to" in out  # what to do next
    # walk, issue 16: any other command at the empty place filled it with tables, and the move was refused
    code, out, err = run("trust", "sites", "--db", with_site(target, "elm"))
    assert code == 1 and "waiting for its records to be moved in" in err, out + err
    code, out, err = run("migrate-to", with_site(target, "elm"), "--db", demo_school, "--as", "admin")
    assert code == 0, err
    src = sqlite3.connect(demo_school)
    pupils, events = (src.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("pupil", "custody_event"))
    src.close()
    open_database(with_site(target, "elm"))
    assert (Pupil.select().count(), CustodyEvent.select().count()) == (pupils, events)
    assert audit.verify().ok
    close_db()
    open_database(target)
    assert Pupil.select().count() == site_1[0]
    assert audit.verify().ok
    code, out, _ = run("trust", "sites", "--db", target)
    assert "Elm Primary" in out


@needs_postgres
def test_a_site_the_trust_has_not_made_is_one_line_that_says_nothing_changed_once(
    demo_school, target, run, monkeypatch
):
    # walk, issue 16: "Cannot reach … There is no site … Nothing was changed. Nothing was changed."
    code, out, err = _migrate(run, monkeypatch, target + "?site=nosuch", demo_school)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no site 'nosuch'" in err, err
    assert err.count("Nothing was changed") == 1 and "Cannot reach" not in err, err


@needs_postgres
def test_a_site_that_holds_a_school_already_is_refused_with_advice_for_a_trust(demo_school, target, run, monkeypatch):
    assert _migrate(run, monkeypatch, target, demo_school)[0] == 0
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--db", target, "--as", "admin")
    assert code == 0, err
    code, out, err = _migrate(run, monkeypatch, target + "?site=elm", demo_school)
    assert code == 1 and out == ""
    # the advice for a site is the trust's own step, not "createdb" (walk, issue 16)
    assert err.count("\n") == 1 and "add-site elm --empty" in err and "createdb" not in err, err
