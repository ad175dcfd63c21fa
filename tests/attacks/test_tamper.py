"""Issue 12, "Tamper evidence": each edit an insider made with the database file and
``sqlite3`` (or ``psql``) is caught by ``kiosk audit verify``, naming what changed.

The insider works through their own connection, as they would: not the kiosk's (whose
capture triggers exist only inside the kiosk's own sessions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from models.audit import anchors, integrity
from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import RuleViolation
from models.safeguarding import concerns
from models.school.people import contacts_of
from models.store.db import close_db
from models.store.tables import AuditEntry, CustodyEvent, Pupil, Staff
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.oldschema import written_as
from tests.school import NOW, build

T = NOW


def later(minutes: int) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


class Insider:
    """Raw SQL on the database, through a connection of one's own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgres")

    def __call__(self, *statements: str) -> None:
        close_db()
        if self.pg:
            import psycopg2

            conn = psycopg2.connect(self.url)
            with conn, conn.cursor() as cur:
                for stmt in statements:
                    cur.execute(stmt)
            conn.close()
        else:
            conn = sqlite3.connect(self.url)
            conn.execute("PRAGMA foreign_keys=OFF")
            for stmt in statements:
                conn.execute(stmt)
            conn.commit()
            conn.close()

    def rows(self, sql: str) -> list[tuple]:
        close_db()
        if self.pg:
            import psycopg2

            conn = psycopg2.connect(self.url)
            with conn, conn.cursor() as cur:
                cur.execute(sql)
                out = cur.fetchall()
            conn.close()
        else:
            conn = sqlite3.connect(self.url)
            out = conn.execute(sql).fetchall()
            conn.close()
        return out


@pytest.fixture
def episode(database):
    """A confiscation, a search and a collection by a parent; an open concern; anchored."""
    school = build()
    dev = resolve(school.codes["000001"]).device.id
    mum, dad = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[:2]
    conf = custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MTP 6", now=later(1)
    )
    search = custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Mr Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        now=later(2),
    )
    collect = custody.release_to_contact(dev, school.office, contact_id=mum.id, id_seen=True, now=later(3))
    concern = concerns.raise_concern(
        school.office,
        about_kind="pupil",
        pupil_id=Pupil.get(Pupil.admission_no == "000002").id,
        what="Filming in the playground",
        now=later(4),
    )
    return {
        "school": school,
        "dev": dev,
        "mum": mum,
        "dad": dad,
        "conf": conf.id,
        "search": search.id,
        "collect": collect.id,
        "concern": concern.id,
        "url": database,
        "insider": Insider(database),
    }


@pytest.fixture
def verify(run, tmp_path):
    """``kiosk audit verify`` with this test's anchors file: (exit code, everything it printed)."""
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[audit]\nanchors = "{tmp_path / "anchors.txt"}"\n')

    def _verify(url: str) -> tuple[int, str]:
        code, out, err = run("audit", "verify", "--db", url, "--config", cfg)
        return code, out + err

    _verify.config = cfg
    _verify.anchors = tmp_path / "anchors.txt"
    return _verify


def _anchor(url: str, path: Path) -> None:
    open_database(url)
    anchors.write(path, actor="test", now=later(30))
    close_db()


def test_an_untouched_database_verifies(episode, verify):
    _anchor(episode["url"], verify.anchors)
    code, text = verify(episode["url"])
    assert code == 0, text
    assert "chain intact" in text and "protected rows match the log" in text and "1 anchors agree" in text


def test_search_witness_grounds_confiscator_and_time_changed(episode, verify):
    office = episode["school"].office.id
    episode["insider"](
        f"UPDATE custody_event SET witness = 'Mrs Nobody', grounds = 'Routine check' WHERE id = {episode['search']}",
        f"UPDATE custody_event SET actor_id = {office}, at = '2026-11-12 07:00:00' WHERE id = {episode['conf']}",
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table custody_event: custody event {episode['search']} was edited outside the kiosk" in text
    assert f"Table custody_event: custody event {episode['conf']} was edited outside the kiosk" in text
    assert "Unexpected error" not in text


def test_search_outcome_changed(episode, verify):
    episode["insider"](f"UPDATE custody_event SET outcome = 'pupil_asked_to_delete' WHERE id = {episode['search']}")
    code, text = verify(episode["url"])
    assert code != 0
    assert f"custody event {episode['search']} was edited outside the kiosk" in text


def test_collection_pointed_at_another_pupils_parent(episode, verify):
    open_database(episode["url"])
    carol = contacts_of(Pupil.get(Pupil.admission_no == "000002").id)[0].id
    close_db()
    episode["insider"](f"UPDATE custody_event SET contact_id = {carol} WHERE id = {episode['collect']}")
    code, text = verify(episode["url"])
    assert code != 0
    assert f"custody event {episode['collect']} was edited outside the kiosk" in text


def test_a_whole_episode_deleted(episode, verify):
    ids = (episode["conf"], episode["search"], episode["collect"])
    open_database(episode["url"])
    before = (
        CustodyEvent.select()
        .where(CustodyEvent.device == episode["dev"], CustodyEvent.id.not_in(ids))
        .order_by(CustodyEvent.id.desc())
        .first()
    )
    close_db()
    episode["insider"](
        f"UPDATE device_state SET last_event_id = {before.id if before else 'NULL'} WHERE device_id = {episode['dev']}",
        f"DELETE FROM custody_event WHERE id IN {ids}",
    )
    code, text = verify(episode["url"])
    assert code != 0
    for i in ids:
        assert f"Table custody_event: custody event {i} is missing: deleted outside the kiosk" in text


def test_newest_entries_cut_and_head_moved_back(episode, verify):
    _anchor(episode["url"], verify.anchors)
    (keep,) = episode["insider"].rows("SELECT max(seq) - 3 FROM audit_entry")[0]
    (digest,) = episode["insider"].rows(f"SELECT hash FROM audit_entry WHERE seq = {keep}")[0]
    episode["insider"](
        f"DELETE FROM audit_entry WHERE seq > {keep}",
        f"UPDATE audit_head SET seq = {keep}, hash = '{digest}' WHERE id = 1",
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert "The log is cut short: the anchor written at 2026-11-12T09:00:00Z records entry" in text
    assert f"but the log ends at entry {keep}" in text


def _chain_key(url: str) -> bytes:
    """The chain key, as an insider who also took the PIN key file would have it."""
    open_database(url)
    try:
        return audit.chain_key()
    finally:
        close_db()


def _rechain_without(url: str, insider: Insider, event_id: int, *, key: bytes | None = None) -> None:
    """The attack from the issue: remove one event and its entry from the middle, then
    renumber and recompute every hash after it with the same unkeyed SHA-256 (and, since
    rows are bound now, re-hash the rows the later entries name). With ``key``: an
    insider who has the PIN key file as well as the database."""
    (gone_seq,) = insider.rows(f"SELECT audit_seq FROM custody_event WHERE id = {event_id}")[0]
    insider(
        f"DELETE FROM custody_event WHERE id = {event_id}",
        f"DELETE FROM audit_entry WHERE seq = {gone_seq}",
        f"UPDATE custody_event SET audit_seq = audit_seq - 1 WHERE audit_seq > {gone_seq}",
    )
    cols = {t: ", ".join(f'"{c}"' for c in cs) for t, cs in integrity.PROTECTED.items()}
    entries = insider.rows(
        f'SELECT seq, at, actor, action, entity, entity_id, details, "rows" FROM audit_entry WHERE seq > {gone_seq} ORDER BY seq'
    )
    (prev,) = insider.rows(f"SELECT hash FROM audit_entry WHERE seq = {gone_seq - 1}")[0]
    statements = [f"DELETE FROM audit_entry WHERE seq > {gone_seq}"]
    seq = gone_seq - 1
    for _old, at, actor, action, entity, entity_id, details, rows in entries:
        seq += 1
        if rows is not None:
            doc = json.loads(rows)
            for table, m in doc.get("b", {}).items():
                for rid in list(m):
                    found = insider.rows(f'SELECT {cols[table]} FROM "{table}" WHERE id = {rid}')
                    if found:
                        m[rid] = integrity.row_hash(table, int(rid), found[0])
            rows = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        digest = audit.entry_hash(prev, seq, at, actor, action, entity, entity_id, details, rows, key=key)
        q = lambda v: "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"  # noqa: E731
        statements.append(
            'INSERT INTO audit_entry (seq, at, actor, action, entity, entity_id, details, prev_hash, hash, "rows") VALUES '
            f"({seq}, {q(at)}, {q(actor)}, {q(action)}, {q(entity)}, {q(entity_id)}, {q(details)}, {q(prev)}, {q(digest)}, {q(rows)})"
        )
        prev = digest
    statements.append(f"UPDATE audit_head SET seq = {seq}, hash = '{prev}' WHERE id = 1")
    insider(*statements)


def test_an_event_removed_from_the_middle_and_the_chain_recomputed_is_caught_by_the_chain_alone(episode, verify):
    """The issue's attack, with the unkeyed SHA-256 anyone can compute: the chain is keyed
    now, so verify names the first re-chained entry without needing any anchor."""
    open_database(episode["url"])
    gone = CustodyEvent.get_by_id(episode["search"]).audit_seq
    close_db()
    _rechain_without(episode["url"], episode["insider"], episode["search"])
    open_database(episode["url"])
    alone = audit.verify()
    close_db()
    assert alone.problems == [
        f"Entry {gone} was written without the kiosk's key (a plain SHA-256): it was added, "
        "or the log re-chained, outside the kiosk."
    ]


def test_an_entry_added_by_hand_with_a_plain_hash_is_caught(episode, verify):
    """A forged entry re-binding an edited search (helper-32's attack): without the key its
    hash cannot be made, so verify names it."""
    insider = episode["insider"]
    insider(f"UPDATE custody_event SET witness = 'Mr Nobody' WHERE id = {episode['search']}")
    cols = ", ".join(f'"{c}"' for c in integrity.PROTECTED["custody_event"])
    found = insider.rows(f"SELECT {cols} FROM custody_event WHERE id = {episode['search']}")[0]
    rows = json.dumps(
        {
            "b": {
                "custody_event": {str(episode["search"]): integrity.row_hash("custody_event", episode["search"], found)}
            }
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    ((seq, prev),) = insider.rows("SELECT seq, hash FROM audit_head WHERE id = 1")
    at, details = "2026-11-12T10:00:00.000000+00:00", "{}"
    digest = audit.entry_hash(prev, seq + 1, at, "system", "audit.bind", "audit", "x", details, rows)
    insider(
        'INSERT INTO audit_entry (seq, at, actor, action, entity, entity_id, details, prev_hash, hash, "rows") '
        f"VALUES ({seq + 1}, '{at}', 'system', 'audit.bind', 'audit', 'x', '{details}', '{prev}', '{digest}', '{rows}')",
        f"UPDATE audit_head SET seq = {seq + 1}, hash = '{digest}' WHERE id = 1",
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Entry {seq + 1} was written without the kiosk's key" in text


def test_an_event_removed_and_the_chain_recomputed_with_the_key_is_caught_by_the_anchor(episode, verify, tmp_path):
    _anchor(episode["url"], verify.anchors)
    key = _chain_key(episode["url"])
    _rechain_without(episode["url"], episode["insider"], episode["search"], key=key)
    # with the key file too, the chain alone cannot tell: this is why anchors exist
    open_database(episode["url"])
    alone = audit.verify()
    close_db()
    assert alone.ok, alone.problems
    code, text = verify(episode["url"])
    assert code != 0
    assert "does not match the anchor written at 2026-11-12T09:00:00Z" in text
    assert "the log was re-written (re-chained) after it" in text


def test_office_given_admin_dsl_and_head_roles(episode, verify):
    office = episode["school"].office.id
    episode["insider"](f"UPDATE staff SET roles = 'office,admin,dsl,headteacher' WHERE id = {office}")
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table staff: staff member {office} was edited outside the kiosk" in text


def test_office_pin_hash_copied_onto_the_head(episode, verify):
    head, office = episode["school"].head.id, episode["school"].office.id
    episode["insider"](
        f"UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE id = {office}) WHERE id = {head}"
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table staff: staff member {head} was edited outside the kiosk" in text


def test_a_new_headteacher_inserted(episode, verify):
    episode["insider"](
        "INSERT INTO staff (id, username, display_name, roles, pin_hash, failed_attempts, active, created_at) "
        "SELECT 99, 'newhead', 'New Head', 'headteacher,admin', pin_hash, 0, TRUE, created_at FROM staff WHERE username = 'office'"
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert "Table staff: staff member 99 has no audit entry: inserted outside the kiosk" in text


def test_an_open_concern_closed(episode, verify):
    episode["insider"](f"UPDATE concern SET status = 'closed' WHERE id = {episode['concern']}")
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table concern: concern {episode['concern']} was edited outside the kiosk" in text


def test_an_open_concern_deleted(episode, verify):
    episode["insider"](f"DELETE FROM concern WHERE id = {episode['concern']}")
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table concern: concern {episode['concern']} is missing: deleted outside the kiosk" in text


def test_a_contact_allowed_to_collect_and_a_label_and_tray_changed(episode, verify):
    dad = episode["dad"].id
    episode["insider"](
        f"UPDATE contact SET can_collect = FALSE WHERE id = {dad}",
        "UPDATE tray SET slots = 99 WHERE name = 'C'",
        "UPDATE label SET revoked_at = '2026-11-12 09:00:00' WHERE id = 1",
    )
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table contact: contact {dad} was edited" in text
    assert "Table tray: tray" in text and "Table label: label 1 was edited" in text


# ---------------------------------------------------------------- what stays honest


def test_purge_and_erase_deletions_are_not_called_tampering(episode, verify, run):
    from models.records import duties as records

    open_database(episode["url"])
    later_now = T + dt.timedelta(days=5000)  # past the searched pupil's date of birth + 25 years (IRMS)
    records.purge(
        {"visits": 1, "hand_ins": 1, "confiscations": 1, "exceptions": 1, "concerns": 1, "audit": 1},
        actor="test",
        now=later_now,
    )
    gone = CustodyEvent.select().where(CustodyEvent.id == episode["conf"]).count()
    close_db()
    assert gone == 0
    code, text = verify(episode["url"])
    assert code == 0, text


def test_rows_written_by_the_kiosk_after_a_purge_of_old_entries_still_verify(database):
    from models.records import duties as records

    school = build()
    custody.hand_in(school.codes["000001"], school.office, now=T)
    far = T + dt.timedelta(days=400)
    records.purge(
        {"visits": 365, "hand_ins": 60, "confiscations": 2190, "exceptions": 2190, "concerns": 2190, "audit": 30},
        actor="test",
        now=far,
    )
    assert AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq).first().seq > 1  # old entries are gone
    Staff.update(roles="office,admin").where(Staff.id == school.office.id).execute()  # outside any entry
    report = audit.verify()
    assert report.problems == [
        f"Table staff: staff member {school.office.id} was edited outside the kiosk: "
        "it no longer matches audit entry " + report.problems[0].rsplit(" ", 1)[1]
    ]


def test_a_database_from_before_content_binding_upgrades_and_says_from_where(tmp_path):
    """Schema 4: entries carry no row hashes. After the upgrade verify checks every row
    from the upgrade on, and says so; an edit made after it is caught."""
    from models.store.db import db
    from models.store.tables import SchemaVersion
    from models.upkeep import migrations

    url = str(tmp_path / "old.sqlite3")
    open_database(url)
    with written_as(4):  # write as the old code did: no capture, no chain key
        close_db()
        open_database(url)
        school = build()
        custody.hand_in(school.codes["000001"], school.office, now=T)
    assert not AuditEntry.select().where(AuditEntry.rows.is_null(False)).exists()
    db.execute_sql('ALTER TABLE audit_entry DROP COLUMN "rows"')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=4, description="created", applied_at=T)
    close_db()
    open_database(url)
    assert migrations.current_version() == migrations.LATEST
    report = audit.verify()
    assert report.ok, report.problems
    assert report.content_from is not None and report.rows_checked > 0
    assert f"bound into the log from entry {report.content_from}" in report.notes[0]
    Staff.update(roles="office,admin").where(Staff.id == school.office.id).execute()
    assert any("staff member" in p and "edited outside the kiosk" in p for p in audit.verify().problems)
    close_db()


# ---------------------------------------------------------------- anchors


def test_kiosk_audit_anchor_appends_to_the_configured_file(episode, verify, run):
    code, out, err = run("audit", "anchor", "--db", episode["url"], "--config", verify.config)
    assert code == 0, err
    assert "Anchored entry" in out and str(verify.anchors) in out
    lines = verify.anchors.read_text().splitlines()
    assert len(lines) == 1 and len(lines[0].split("\t")) == 3
    assert oct(verify.anchors.stat().st_mode & 0o777) == "0o600"
    code, text = verify(episode["url"])
    assert code == 0, text


def test_an_anchors_file_that_loses_lines_is_noticed(episode, verify):
    _anchor(episode["url"], verify.anchors)
    verify.anchors.write_text("")
    code, text = verify(episode["url"])
    assert code != 0
    assert "is missing 1 anchor(s) the log recorded writing" in text


def test_the_default_anchors_file_is_in_the_data_directory_and_one_per_database(tmp_path):
    from models.config import data_dir

    a = anchors.default_path(str(tmp_path / "a" / "kiosk.sqlite3"))
    b = anchors.default_path(str(tmp_path / "b" / "kiosk.sqlite3"))
    assert a.parent == data_dir() and a != b and a.name.startswith("kiosk-")


def test_the_daily_anchor_is_due_at_the_first_start_on_a_new_day_and_after_school(database, tmp_path):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/London")
    path = tmp_path / "daily.anchors"
    school = build()
    assert anchors.write_if_due(path, T, tz) is not None  # no anchor yet
    assert anchors.write_if_due(path, later(5), tz) is None  # nothing new since
    custody.hand_in(school.codes["000001"], school.office, now=later(6))
    assert anchors.write_if_due(path, later(7), tz) is None  # same day, before the end of the school day
    assert anchors.write_if_due(path, T.replace(hour=17, minute=5), tz) is not None  # after school
    custody.hand_in(school.codes["000002"], school.office, now=T.replace(hour=17, minute=10))
    assert anchors.write_if_due(path, T.replace(hour=17, minute=20), tz) is None  # already anchored after school
    assert anchors.write_if_due(path, T + dt.timedelta(days=1), tz) is not None  # first start next day
    assert len(anchors.read(path)) == 3
    assert anchors.verify(path).ok


def test_purge_writes_an_anchor(episode, verify, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run("purge", "--as", "head", "--db", episode["url"], "--config", verify.config)
    assert code == 0, err
    assert len(anchors.read(verify.anchors)) == 1
    code, text = verify(episode["url"])
    assert code == 0, text


# ---------------------------------------------------------------- integrity of the file


def _corrupt_table_page(path: str, table: str, offset: int = 8) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size + offset)
        fh.write(hashlib.sha256(b"x").digest() * 8)


def test_a_corrupt_pupil_page_fails_verify_and_stops_writing(sqlite_db, verify, run):
    school = build()
    close_db()
    _corrupt_table_page(sqlite_db, "pupil")
    code, text = verify(sqlite_db)
    assert code != 0
    assert "integrity check failed" in text
    assert "Unexpected error" not in text
    open_database(sqlite_db)
    from models.errors import StorageError
    from models.store.db import integrity_problems

    assert integrity_problems(quick=True)
    with pytest.raises(StorageError, match="nothing more will be written"):
        custody.hand_in(school.codes["000003"], Staff.get_by_id(school.office.id), now=later(9))
    close_db()


@pytest.mark.parametrize(
    "content", [b"this is not a database, just text\n" * 10, b"SQLite format 3\x00" + b"\xff" * 200, b""]
)
def test_a_non_database_or_truncated_file_gives_one_plain_line(tmp_path, run, content, monkeypatch):
    monkeypatch.setattr("kiosk.cli.run._is_terminal", lambda stream: True)  # `kiosk run` as from a terminal
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(content)
    code, out, err = run("audit", "verify", "--db", path)
    if content == b"":  # an empty file is a new, empty database: nothing to read, and nothing made in it (m2)
        assert code == 1 and len(err.strip().splitlines()) == 1 and "is empty" in err, err
        return
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    for args in (("audit", "verify"), ("run",), ("report", "day", "--as", "office")):  # the command line, the app
        code, out, err = run(*args, "--db", path)
        assert code != 0, args
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert "Unexpected error" not in err
        assert "not a kiosk database" in err or "damaged" in err


def test_a_truncated_database_gives_one_plain_line(sqlite_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    build()
    close_db()
    conn = sqlite3.connect(sqlite_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    data = Path(sqlite_db).read_bytes()
    Path(sqlite_db).write_bytes(data[: len(data) // 2])
    for args in (("audit", "verify"), ("report", "day", "--as", "office")):  # (f1s6: read by someone)
        code, out, err = run(*args, "--db", sqlite_db)
        assert code != 0, (args, out, err)
        assert "Unexpected error" not in err
        assert len(err.strip().splitlines()) >= 1


async def test_the_terminal_checks_the_file_at_start_and_stops_writing_to_a_damaged_one(sqlite_db):
    import time

    from models.errors import StorageError
    from models.store.db import damaged
    from tests.pilot import make_app, settle

    school = build()
    close_db()
    _corrupt_table_page(sqlite_db, "pupil")
    open_database(sqlite_db)
    app = make_app(print_worker=True)
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 30
        while damaged() is None and time.monotonic() < deadline:
            await settle(pilot)
        assert damaged() is not None and "nothing more will be written" in damaged()
        with pytest.raises(StorageError, match="nothing more will be written"):
            custody.hand_in(school.codes["000003"], Staff.get_by_id(school.office.id), now=later(9))


def test_an_edit_the_kiosk_later_changes_again_is_still_caught(episode, verify):
    """The insider closes the open concern's text; later the DSL marks it seen, which
    binds the row again. The entry's before-image shows the row was not the one the log held."""
    cid = episode["concern"]
    episode["insider"](f"UPDATE concern SET what = 'Nothing happened' WHERE id = {cid}")
    open_database(episode["url"])
    concerns.mark_seen(cid, Staff.get(Staff.username == "head"), now=later(40))
    close_db()
    code, text = verify(episode["url"])
    assert code != 0
    assert f"Table concern: concern {cid} was edited outside the kiosk before audit entry" in text


def test_a_row_inserted_outside_and_then_changed_by_the_kiosk_is_still_caught(episode, verify):
    episode["insider"](
        "INSERT INTO staff (id, username, display_name, roles, pin_hash, failed_attempts, active, created_at) "
        "SELECT 98, 'sneak', 'Sneak', 'office', pin_hash, 0, TRUE, created_at FROM staff WHERE username = 'office'"
    )
    open_database(episode["url"])
    from models.audit.tx import write_tx

    with write_tx():  # a change by the kiosk (here a bare one: its commit binds it)
        Staff.update(display_name="Sneaky").where(Staff.id == 98).execute()
    close_db()
    code, text = verify(episode["url"])
    assert code != 0
    assert "Table staff: staff member 98 had no audit entry when audit entry" in text


def test_ordinary_kiosk_changes_to_rows_do_not_look_like_tampering(episode, verify):
    open_database(episode["url"])
    head = Staff.get(Staff.username == "head")
    concerns.mark_seen(episode["concern"], head, now=later(41))
    concerns.follow_up(
        episode["concern"], head, note="Spoke to parents", close=True, outcome="Resolved in school", now=later(42)
    )
    close_db()
    code, text = verify(episode["url"])
    assert code == 0, text


def test_an_edit_to_a_row_whose_entries_were_purged_is_caught_when_the_kiosk_changes_it(database, verify):
    from models.custody.trays import TraySpec, sync_trays
    from models.records import duties as records

    build(now=T - dt.timedelta(days=400))
    records.purge(
        {"visits": 365, "hand_ins": 60, "confiscations": 2190, "exceptions": 2190, "concerns": 2190, "audit": 30},
        actor="test",
        now=T,
    )
    assert audit.verify().ok  # the trays' hashes were carried into the purge's entry
    Insider(database)("UPDATE tray SET position = 7 WHERE name = 'C'")
    open_database(database)
    sync_trays([TraySpec("B", 30, "Oak"), TraySpec("C", 12)], actor="config", now=later(1))
    close_db()
    code, text = verify(database)
    assert code != 0
    assert "was edited outside the kiosk before audit entry" in text


def test_an_erasure_deletes_rows_without_looking_like_tampering(database):
    from models.records import duties as records

    school = build()
    custody.hand_in(school.codes["000001"], school.office, now=T)
    custody.release(school.codes["000001"], school.office, now=later(60))
    result = records.erase(records.pupil_subject("000001"), actor="test", now=later(90))
    assert result  # the pupil, their contacts, phone, label and events are gone
    report = audit.verify()
    assert report.ok, report.problems
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert set(json.loads(entry.rows)["d"]) >= {"contact", "custody_event", "label"}


async def test_the_terminal_writes_the_daily_anchor_after_the_school_day(database, tmp_path):
    from models.clock import FrozenClock
    from tests.pilot import make_app, settle

    build()
    path = anchors.configure(tmp_path / "app.anchors")
    try:
        app = make_app()
        app.services.clock = FrozenClock(T.replace(hour=17, minute=30))
        async with app.run_test(size=(80, 24)) as pilot:
            app.anchor_if_due()
            await settle(pilot)
        (written,) = anchors.read(path)
        open_database(database)
        assert written.seq == audit.head()[0] - 1  # the anchor's own entry follows it
        assert anchors.verify(path).ok
    finally:
        anchors.configure(None)


async def test_during_the_day_the_terminal_anchors_new_records_every_few_minutes(database, tmp_path):
    """New-user walk (issue 14): a search and a concern recorded in the morning could be cut
    from the end of a copied database and `audit verify` said OK, because the terminal
    anchored only at start, on closing and after the school day. The periodic check (every
    five minutes) now anchors the log whenever it moved, so the unwitnessed tail is minutes."""
    from models.clock import FrozenClock
    from tests.pilot import make_app, settle

    school = build()
    path = anchors.configure(tmp_path / "app.anchors")
    try:
        app = make_app()
        app.services.clock = FrozenClock(T.replace(hour=10))
        async with app.run_test(size=(80, 24)) as pilot:
            app.anchor_if_due()  # the day's first check: the log as it was at the start
            await settle(pilot)
            before = anchors.read(path)
            assert not anchors.moved(path)
            dev = resolve(school.codes["000001"]).device.id
            custody.confiscate(
                dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=T.replace(hour=10)
            )
            app.anchor_if_due()  # what the five-minute timer runs
            await settle(pilot)
            after = anchors.read(path)  # before closing (closing anchors too)
            assert len(after) == len(before) + 1
            assert after[-1].seq == audit.head()[0] - 1 and not anchors.moved(path)
    finally:
        anchors.configure(None)


def test_the_anchors_setting(tmp_path):
    from models.config import load_settings
    from models.errors import ConfigError

    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[audit]\nanchors = "share/kiosk.anchors"\n')
    assert load_settings(cfg).audit_anchors == tmp_path / "share" / "kiosk.anchors"
    cfg.write_text('[audit]\nanchor = "x"\n')
    with pytest.raises(ConfigError, match="Unknown setting 'anchor' in \\[audit\\]"):
        load_settings(cfg)
    cfg.write_text('[audit]\nanchors = ""\n')
    with pytest.raises(ConfigError, match="audit.anchors must be a file path"):
        load_settings(cfg)


def test_an_unwritable_anchors_file_is_one_plain_line(episode, run, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[audit]\nanchors = "{tmp_path}"\n')  # a folder, not a file
    code, out, err = run("audit", "anchor", "--db", episode["url"], "--config", cfg)
    assert code != 0 and "Cannot write the audit anchor to" in err and len(err.strip().splitlines()) == 1


def test_writing_stops_once_the_quick_check_finds_the_file_damaged(sqlite_db):
    from models.errors import StorageError
    from models.store.db import damaged, integrity_problems

    school = build()
    close_db()
    _corrupt_table_page(sqlite_db, "visit", offset=0)  # a table scanning never reads
    open_database(sqlite_db)
    custody.hand_in(school.codes["000001"], Staff.get_by_id(school.office.id), now=later(1))  # before the check
    assert integrity_problems(quick=True)
    assert damaged() is not None
    with pytest.raises(StorageError, match="failed its integrity check"):
        custody.hand_in(school.codes["000002"], Staff.get_by_id(school.office.id), now=later(2))
    close_db()


def test_verify_reads_one_snapshot_while_a_terminal_writes(database):
    """A scan committed while verify runs is neither half-seen nor taken for tampering."""
    import threading

    from models.audit import integrity as content

    school = build()
    office = Staff.get_by_id(school.office.id)
    started, release = threading.Event(), threading.Event()
    real = content.check_rows

    def slow_check(*args, **kwargs):
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    def scan() -> None:
        started.wait(30)
        try:
            custody.hand_in(school.codes["000001"], office, now=later(1))
        finally:
            close_db()
            release.set()

    content.check_rows = slow_check
    try:
        writer = threading.Thread(target=scan)
        writer.start()
        report = audit.verify()
        writer.join(30)
    finally:
        content.check_rows = real
    assert report.ok, report.problems
    assert audit.verify().ok


def test_a_removed_anchors_file_is_noticed(episode, verify):
    _anchor(episode["url"], verify.anchors)
    verify.anchors.unlink()
    code, text = verify(episode["url"])
    assert code != 0
    assert "is not there, but the log recorded writing 1 anchor(s) to it" in text


def _verify_with_anchors(run, tmp_path, url: str, path: Path) -> tuple[int, str]:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text(f'[audit]\nanchors = "{path}"\n')
    code, out, err = run("audit", "verify", "--db", url, "--config", cfg)
    return code, out + err


def test_a_rechained_log_checked_where_its_anchors_are_not_configured_is_still_caught(episode, verify, run, tmp_path):
    # a backup restored in another folder (or [audit] anchors changed): the configured file is
    # new and empty, but the log's own audit.anchor entries name the file they wrote
    _anchor(episode["url"], verify.anchors)
    _rechain_without(episode["url"], episode["insider"], episode["search"], key=_chain_key(episode["url"]))
    code, text = _verify_with_anchors(run, tmp_path, episode["url"], tmp_path / "other" / "anchors.txt")
    assert code != 0, text
    assert "does not match the anchor written at 2026-11-12T09:00:00Z" in text
    assert str(verify.anchors) in text


def test_a_recorded_anchors_file_that_cannot_be_read_fails_verify_and_says_where(episode, verify, run, tmp_path):
    _anchor(episode["url"], verify.anchors)
    verify.anchors.rename(tmp_path / "moved.txt")
    code, text = _verify_with_anchors(run, tmp_path, episode["url"], tmp_path / "other" / "anchors.txt")
    assert code != 0, text
    assert str(verify.anchors) in text
    assert "the chain could not be checked against it" in text


def test_a_removed_anchors_file_is_reported_once(episode, verify):
    _anchor(episode["url"], verify.anchors)
    verify.anchors.unlink()
    code, text = verify(episode["url"])
    assert code != 0
    assert "No anchors file at" not in text
    assert "is not there, but the log recorded writing 1 anchor(s) to it" in text


def test_lines_in_the_anchors_file_that_are_not_anchors_are_counted_in_a_note(episode, verify):
    _anchor(episode["url"], verify.anchors)
    with open(verify.anchors, "a", encoding="utf-8") as fh:
        fh.write("# a comment is fine\nnot an anchor\n12\tshort\tx\n")
    code, text = verify(episode["url"])
    assert code == 0, text
    assert "2 line(s)" in text and "not anchors" in text


def test_an_anchors_path_that_is_not_a_regular_file_is_one_plain_line(episode, run, tmp_path):
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        code, text = _verify_with_anchors(run, tmp_path, episode["url"], path)
        assert "not a regular file" in text, text
        assert "Traceback" not in text
        cfg = tmp_path / "elsewhere.toml"
        code, out, err = run("audit", "anchor", "--db", episode["url"], "--config", cfg)
        assert code != 0
        assert "not a regular file" in out + err
        assert "Traceback" not in out + err


# ---------------------------------------------------------------- powers and whose phone


def test_a_teacher_given_another_class_is_caught(episode, verify):
    oak = episode["school"].oak.id
    other = episode["insider"].rows(
        "SELECT id FROM school_class WHERE id NOT IN (SELECT school_class_id FROM staff_class WHERE staff_id = "
        f"{oak}) ORDER BY id LIMIT 1"
    )[0][0]
    episode["insider"](f"INSERT INTO staff_class (id, staff_id, school_class_id) VALUES (999, {oak}, {other})")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert "Table staff_class: teacher's class link 999 has no audit entry: inserted outside the kiosk" in text


def test_a_teacher_class_link_moved_is_caught(episode, verify):
    (link,) = episode["insider"].rows(f"SELECT id FROM staff_class WHERE staff_id = {episode['school'].oak.id}")[0]
    episode["insider"](f"UPDATE staff_class SET school_class_id = school_class_id + 1 WHERE id = {link}")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert f"Table staff_class: teacher's class link {link} was edited outside the kiosk" in text


def test_a_phone_moved_to_another_pupil_is_caught(episode, verify):
    (other,) = episode["insider"].rows("SELECT id FROM pupil WHERE admission_no = '000002'")[0]
    episode["insider"](f"UPDATE device SET pupil_id = {other} WHERE id = {episode['dev']}")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert f"Table device: device {episode['dev']} was edited outside the kiosk" in text


def test_a_pupil_renamed_is_caught(episode, verify):
    episode["insider"]("UPDATE pupil SET first_name = 'Someone', last_name = 'Else' WHERE admission_no = '000001'")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert "Table pupil: pupil" in text and "was edited outside the kiosk" in text


def _upgraded_from(url: str, version: int, unbound: tuple[str, ...]) -> None:
    """A school written as schema ``version`` did (``unbound`` tables not in the log), then
    opened by this kiosk, which upgrades it; the database is left open."""
    from models.store.tables import SchemaVersion
    from models.upkeep import migrations

    open_database(url)
    with written_as(version):
        assert not set(unbound) & set(integrity.PROTECTED)
        close_db()
        open_database(url)
        school = build()
        custody.hand_in(school.codes["000001"], school.office, now=T)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=version, description="created", applied_at=T)
    close_db()
    open_database(url)
    assert migrations.current_version() == migrations.LATEST


def test_a_database_from_schema_6_binds_classes_devices_and_pupils_and_says_from_where(tmp_path):
    from models.store.tables import Device

    url = str(tmp_path / "six.sqlite3")
    _upgraded_from(url, 6, integrity.LATER_TABLES)
    report = audit.verify()
    assert report.ok, report.problems
    assert any("devices and pupils are bound into the log from entry" in n for n in report.notes)
    Device.update(pupil=Pupil.get(Pupil.admission_no == "000002")).where(
        Device.pupil == Pupil.get(Pupil.admission_no == "000001")
    ).execute()
    close_db()
    open_database(url)
    assert any("device" in p and "edited outside the kiosk" in p for p in audit.verify().problems)
    close_db()


# ---------------------------------------------------------------- anchors when the day's records stop


def test_a_command_that_wrote_records_anchors_them_and_a_refused_one_does_not(episode, verify, run, monkeypatch):
    _anchor(episode["url"], verify.anchors)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    add = [
        "exceptions",
        "add",
        "--as",
        "head",
        "--organisation",
        "NHS",
        "--kind",
        "multi_agency",
        "--allowed",
        "Calls",
        "--where",
        "Medical room",
        "--agreed-on",
        "2026-11-10",
        "--from",
        "2026-11-10",
        "--review",
        "2026-11-20",
        "--to",
        "2026-12-18",
        "--db",
        episode["url"],
        "--config",
        verify.config,
    ]
    code, out, err = run(*add)
    assert code == 0, out + err
    newest = anchors.last(verify.anchors)
    open_database(episode["url"])
    assert newest.seq == audit.head()[0] - 1  # the command's records are anchored (the anchor's entry follows)
    close_db()
    code, out, err = run(*add[:-4], "--where", "", "--db", episode["url"], "--config", verify.config)
    assert code != 0
    # Only the sign-in was written, and it is anchored (issue 14 walk: it could be cut from
    # the log's end unseen); the refused command wrote nothing.
    refused = anchors.last(verify.anchors)
    open_database(episode["url"])
    assert refused.seq == audit.head()[0] - 1 and refused.seq == newest.seq + 2  # anchor, sign-in
    close_db()
    assert verify(episode["url"])[0] == 0


async def test_closing_the_kiosk_anchors_the_records_since_the_last_anchor(database, tmp_path):
    from models.clock import FrozenClock
    from tests.pilot import make_app, settle

    build()
    path = anchors.configure(tmp_path / "app.anchors")
    try:
        app = make_app()
        app.services.clock = FrozenClock(T.replace(hour=10))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert not path.exists()
        (written,) = anchors.read(path)
        open_database(database)
        assert written.seq == audit.head()[0] - 1
        assert anchors.verify(path).ok
    finally:
        anchors.configure(None)


async def test_locking_after_the_school_day_anchors_and_before_it_does_not(database, tmp_path):
    from models.clock import FrozenClock
    from tests.pilot import make_app, settle

    school = build()
    path = anchors.configure(tmp_path / "app.anchors")
    try:
        app = make_app()
        clock = app.services.clock = FrozenClock(T.replace(hour=15))  # T is UTC in November: local = UTC
        async with app.run_test(size=(80, 24)) as pilot:
            app.signed_in = school.office
            app.lock("")
            await settle(pilot)
            await app.workers.wait_for_complete()
            assert not path.exists()
            clock.at = T.replace(hour=17, minute=10)
            app.signed_in = school.office
            app.lock("")
            await settle(pilot)
            await app.workers.wait_for_complete()
            (written,) = anchors.read(path)
            assert "locked" in AuditEntry.select().order_by(AuditEntry.seq.desc()).first().details
    finally:
        anchors.configure(None)


def test_a_backup_restored_in_another_folder_and_rechained_is_caught(episode, run, tmp_path, monkeypatch):
    if episode["insider"].pg:
        pytest.skip("kiosk backup copies SQLite files (PostgreSQL: pg_dump)")
    code, out, err = run("audit", "anchor", "--db", episode["url"])  # the default anchors file, beside the data
    assert code == 0, err
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    copy = tmp_path / "elsewhere" / "restored.sqlite3"
    copy.parent.mkdir()
    code, out, err = run("backup", "--as", "head", "--db", episode["url"], copy)
    assert code == 0, err
    _rechain_without(str(copy), Insider(str(copy)), episode["search"], key=_chain_key(str(copy)))
    code, out, err = run("audit", "verify", "--db", copy)
    assert code != 0, out + err
    assert "does not match the anchor written at" in err
    assert str(anchors.default_path(episode["url"])) in err


def test_a_fresh_backup_restored_in_place_verifies(episode, verify, run, monkeypatch):
    """The backup's own audit entry and its anchor are written before the copy, so the copy
    holds them: restored at once, it is the log as anchored, not a log 'cut short'."""
    if episode["insider"].pg:
        pytest.skip("kiosk backup copies SQLite files (PostgreSQL: pg_dump)")
    import shutil

    _anchor(episode["url"], verify.anchors)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    copy = Path(episode["url"]).with_name("backup.sqlite3")
    code, out, err = run("backup", "--as", "head", "--db", episode["url"], "--config", verify.config, copy)
    assert code == 0, err
    open_database(str(copy))
    newest = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert [e.action for e in AuditEntry.select().where(AuditEntry.seq >= newest.seq - 1).order_by(AuditEntry.seq)] == [
        "backup.write",
        anchors.ACTION,
    ]
    close_db()
    shutil.copyfile(copy, episode["url"])
    for extra in ("-wal", "-shm"):
        Path(episode["url"] + extra).unlink(missing_ok=True)
    code, text = verify(episode["url"])
    assert code == 0, text


def test_anchoring_a_log_that_ends_before_the_files_last_anchor_is_refused(episode, verify, run):
    """After the newest entries were cut, ``kiosk audit anchor`` must not write an older
    head after a newer one (which reads as if the log had always ended there)."""
    _anchor(episode["url"], verify.anchors)
    newest = anchors.last(verify.anchors)
    episode["insider"](
        f"DELETE FROM audit_entry WHERE seq > {newest.seq - 3}",
        f"UPDATE audit_head SET seq = {newest.seq - 3}, "
        f"hash = (SELECT hash FROM audit_entry WHERE seq = {newest.seq - 3})",
    )
    code, out, err = run("audit", "anchor", "--db", episode["url"], "--config", verify.config)
    assert code == 1
    assert err == (
        f"Error: The anchors file {verify.anchors} already anchors entry {newest.seq}, but this log ends at "
        f"entry {newest.seq - 3}: it was cut, or restored from a backup. Nothing was written: "
        "run kiosk audit verify.\n"
    )
    assert anchors.last(verify.anchors) == newest


# ---------------------------------------------------------------- classes and visitors (schema 8)


def test_a_class_renamed_is_caught(episode, verify):
    """Swapping two classes' names shows a teacher's checklist under another class's name."""
    episode["insider"]("UPDATE school_class SET name = 'Renamed' WHERE id = (SELECT MIN(id) FROM school_class)")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert "Table school_class: class" in text and "was edited outside the kiosk" in text


def test_a_visitor_edited_is_caught(episode, verify):
    from models.config import Settings
    from tests.domain.test_visitors import sign_in

    open_database(episode["url"])
    visitor = sign_in(Settings(school_name="Test Primary", printer={"url": "dummy://slips"}), now=later(5)).visitor
    close_db()
    episode["insider"](f"UPDATE visitor SET name = 'Someone Else', organisation = 'Police' WHERE id = {visitor.id}")
    code, text = verify(episode["url"])
    assert code != 0, text
    assert "Table visitor: visitor" in text and "was edited outside the kiosk" in text


def test_a_database_from_schema_7_binds_classes_and_visitors_and_says_from_where(tmp_path):
    from models.store.tables import SchoolClass

    url = str(tmp_path / "seven.sqlite3")
    _upgraded_from(url, 7, integrity.SCHEMA_8_TABLES)
    report = audit.verify()
    assert report.ok, report.problems
    assert any(n.startswith("Classes and visitors are bound into the log from entry") for n in report.notes), (
        report.notes
    )
    SchoolClass.update(name="Renamed").where(SchoolClass.id == SchoolClass.select().first().id).execute()
    close_db()
    open_database(url)
    assert any("class" in p and "edited outside the kiosk" in p for p in audit.verify().problems)
    close_db()


@pytest.mark.parametrize(
    "args", [["report", "day", "--as", "office"], ["report", "uncollected"], ["devices", "list"], ["staff", "list"]]
)
def test_a_report_from_a_damaged_file_says_so_and_exits_non_zero(sqlite_db, run, args, monkeypatch):
    """A damaged pupil page: the day report printed as if all were well, exit 0."""
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    build()
    close_db()
    _corrupt_table_page(sqlite_db, "pupil")
    code, out, err = run(*args, "--db", sqlite_db)
    assert code == 1, (out, err)
    if "--as" in args:  # signing in writes to the log: a damaged file refuses it, and nothing is listed (f1s6)
        assert out == "" and "The database file failed its integrity check" in err, err
    else:
        assert err.endswith(
            "Warning: The database file failed its integrity check, so what is shown may be wrong or "
            "incomplete: run kiosk audit verify, and restore the last backup.\n"
        ), err
    assert "Traceback" not in out + err


def test_a_backup_restored_after_the_school_moved_on_is_recorded_and_then_verifies(episode, verify, run, monkeypatch):
    """Restoring an older backup really does lose the entries after it: verify says the log
    is cut short. ``kiosk audit restored`` records the restore, sets the later anchors aside
    (kept, as evidence of what was lost), and verify passes with a note saying so."""
    if episode["insider"].pg:
        pytest.skip("kiosk backup copies SQLite files (PostgreSQL: pg_dump)")
    import shutil

    url = episode["url"]
    _anchor(url, verify.anchors)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    copy = Path(url).with_name("backup.sqlite3")
    assert run("backup", "--as", "head", "--db", url, "--config", verify.config, copy)[0] == 0
    open_database(url)  # the school carries on: more records, anchored
    custody.confiscate(
        episode["dev"], episode["school"].deputy, category="behaviour", reason="Again", policy="MTP 6", now=later(40)
    )
    anchors.write(verify.anchors, actor="test", now=later(41))
    later_anchor = anchors.last(verify.anchors)
    close_db()
    shutil.copyfile(copy, url)  # the restore, by hand (the kiosk stopped)
    for extra in ("-wal", "-shm"):
        Path(url + extra).unlink(missing_ok=True)
    code, text = verify(url)
    assert code != 0 and "The log is cut short" in text
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, err = run("audit", "restored", "--as", "office", "--db", url, "--config", verify.config)
    assert code == 1 and "may not record a restore" in err
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run("audit", "restored", "--as", "head", "--db", url, "--config", verify.config)
    assert code == 0, err
    aside = next(verify.anchors.parent.glob(verify.anchors.name + ".before-restore-*"))
    assert out.startswith("Restore recorded: the restored log ended at entry ") and str(aside) in out
    code, again, err = run("audit", "restored", "--as", "head", "--db", url, "--config", verify.config)
    assert code == 0 and again.startswith("Nothing to record: every anchor in "), (
        again + err
    )  # run twice: no false record
    assert later_anchor in anchors.read(aside)  # what was lost stays on record
    assert later_anchor not in anchors.read(verify.anchors)
    code, text = verify(url)
    assert code == 0, text
    assert f"anchor(s) of the history it replaced, up to entry {later_anchor.seq}, were set aside in {aside}." in text
    aside.unlink()  # helper-32: verify went on naming a file that was gone
    code, text = verify(url)
    assert f"were set aside in {aside}, which is no longer there: what the restore replaced cannot be shown." in text


def test_anchoring_a_log_cut_with_its_head_record_left_alone_is_refused(episode, verify, run):
    _anchor(episode["url"], verify.anchors)
    newest = anchors.last(verify.anchors)
    episode["insider"](f"DELETE FROM audit_entry WHERE seq > {newest.seq - 2}")
    code, out, err = run("audit", "anchor", "--db", episode["url"], "--config", verify.config)
    assert code == 1
    assert err == (
        f"Error: The log's head record names entry {newest.seq + 1}, but the log ends at entry "
        f"{newest.seq - 2}: entries were cut or changed. Nothing was written: run kiosk audit verify.\n"
    )
    assert anchors.last(verify.anchors) == newest


def test_recording_a_restore_with_the_anchors_file_missing_is_refused(episode, verify, run, monkeypatch):
    """A new, empty anchors file would lack the anchors the log recorded: verify failed for ever."""
    _anchor(episode["url"], verify.anchors)
    verify.anchors.rename(verify.anchors.with_name("elsewhere.txt"))
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run("audit", "restored", "--as", "head", "--db", episode["url"], "--config", verify.config)
    assert code == 1
    assert err == (
        f"Error: The anchors file {verify.anchors} is not there, but this log recorded writing 1 "
        "anchor(s) to it: put it (or its copy) back first, or, if it is lost for good, run this again "
        "with --anchors-lost. Nothing was changed.\n"
    )
    assert not verify.anchors.exists()
    verify.anchors.with_name("elsewhere.txt").rename(verify.anchors)  # put back
    code, out, err = run("audit", "restored", "--as", "head", "--db", episode["url"], "--config", verify.config)
    assert code == 0, err
    assert verify(episode["url"])[0] == 0


def test_kiosk_scan_on_a_damaged_file_is_one_line_and_exit_1(sqlite_db, run, monkeypatch):
    """It printed BLOCKED for each code and exited 0."""
    import io
    import sys

    school = build()
    close_db()
    _corrupt_table_page(sqlite_db, "visit", offset=0)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((school.codes["000001"] + "\n").encode())))
    code, out, err = run("scan", "--mode", "hand-in", "--as", "office", "--db", sqlite_db)
    assert code == 1 and out == "", out
    assert err.startswith("Error: The database file failed its integrity check") and err.count("\n") == 1, err


def test_an_anchors_file_lost_for_good_can_be_declared_lost_and_verify_says_so(episode, verify, run, monkeypatch):
    """A backup restored on a new PC with no copy of the anchors: verify failed for ever."""
    _anchor(episode["url"], verify.anchors)
    verify.anchors.unlink()
    assert verify(episode["url"])[0] != 0
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run(
        "audit", "restored", "--anchors-lost", "--as", "head", "--db", episode["url"], "--config", verify.config
    )
    assert code == 0, err
    assert out == (
        f"Recorded: the anchors file {verify.anchors} and the 1 anchor(s) written to it are lost. "
        "A new file is started; every verify will say so.\n"
    )
    code, text = verify(episode["url"])
    assert code == 0, text
    assert f"the anchors file {verify.anchors} was declared lost, with the 1 anchor(s)" in text


@pytest.mark.parametrize("version", [4, 6, 7, 8])
def test_a_schema_version_wound_back_is_refused_and_nothing_is_rebound(episode, verify, run, version):
    """helper-32: with the version record set back, opening the database re-ran the
    upgrades, which bound every protected row as it was, edits included; verify itself
    did it, then said OK."""
    insider = episode["insider"]
    insider(
        f"UPDATE custody_event SET witness = 'Mr Nobody' WHERE id = {episode['search']}",
        "DELETE FROM schema_version",
        f"INSERT INTO schema_version (version, description, applied_at) VALUES ({version}, 'created', '2026-11-12')",
    )
    ((before,),) = insider.rows("SELECT COUNT(*) FROM audit_entry")
    code, text = verify(episode["url"])
    assert code == 1
    assert text.startswith(f"Error: This database says it is at schema version {version}, but its log ")
    assert (
        text.endswith(
            "its version record was changed outside the kiosk. Nothing was changed: restore the last "
            "good backup, and keep this file to show what was done.\n"
        )
        and text.count("\n") == 1
    )
    assert insider.rows("SELECT COUNT(*) FROM audit_entry") == [(before,)]
    assert insider.rows("SELECT MAX(version) FROM schema_version") == [(version,)]


def _append_plain_entry(insider) -> None:
    """One entry with the plain SHA-256 anyone can compute, on the end of the log."""
    ((seq, prev),) = insider.rows("SELECT seq, hash FROM audit_head WHERE id = 1")
    at, details = "2026-11-12T10:00:00.000000+00:00", "{}"
    digest = audit.entry_hash(prev, seq + 1, at, "system", "audit.note", "audit", "x", details)
    insider(
        "INSERT INTO audit_entry (seq, at, actor, action, entity, entity_id, details, prev_hash, hash) "
        f"VALUES ({seq + 1}, '{at}', 'system', 'audit.note', 'audit', 'x', '{details}', '{prev}', '{digest}')",
        f"UPDATE audit_head SET seq = {seq + 1}, hash = '{digest}' WHERE id = 1",
    )


@pytest.mark.parametrize("version", [6, 8])
def test_a_wound_back_version_behind_one_plain_entry_is_still_refused(episode, verify, version):
    """helper-33: only the newest entry was checked for the key, so one plain entry appended
    first let the upgrades run again, bind the edited rows and seal them with a keyed entry."""
    insider = episode["insider"]
    insider("UPDATE pupil SET last_name = 'FORGED' WHERE id = 1")
    _append_plain_entry(insider)
    insider(
        "DELETE FROM schema_version",
        f"INSERT INTO schema_version (version, description, applied_at) VALUES ({version}, 'created', '2026-11-12')",
    )
    ((before,),) = insider.rows("SELECT COUNT(*) FROM audit_entry")
    code, text = verify(episode["url"])
    assert code == 1 and "its log is hashed with the key, which only version 9 and later do" in text, text
    assert insider.rows("SELECT COUNT(*) FROM audit_entry") == [(before,)]


@pytest.mark.parametrize("how", ["DELETE FROM schema_version", "DROP TABLE schema_version"])
def test_a_database_with_records_and_no_version_is_refused(episode, verify, how):
    """helper-33: with the version record gone, the database was taken for a new one and stamped."""
    insider = episode["insider"]
    insider(how)
    ((before,),) = insider.rows("SELECT COUNT(*) FROM audit_entry")
    code, text = verify(episode["url"])
    assert code == 1
    assert text == (
        "Error: This database holds records but no schema version: its version record was removed "
        "outside the kiosk. Nothing was changed: restore the last good backup, and keep this file to "
        "show what was done.\n"
    )
    assert insider.rows("SELECT COUNT(*) FROM audit_entry") == [(before,)]


def test_a_database_from_schema_8_is_keyed_from_its_upgrade_and_its_old_entries_are_sealed(tmp_path):
    """Entries from before the key keep their plain SHA-256; the keyed entry the upgrade
    writes seals them, so re-chaining them with SHA-256 is still caught."""
    url = str(tmp_path / "eight.sqlite3")
    _upgraded_from(url, 8, ())
    marker = AuditEntry.get(AuditEntry.action == audit.KEYED_ACTION)
    assert marker.seq == AuditEntry.select().count() and audit.newest_is_keyed()
    report = audit.verify()
    assert report.ok, report.problems
    first = AuditEntry.get(AuditEntry.seq == 1)
    assert first.hash == audit.entry_hash(
        first.prev_hash,
        first.seq,
        first.at,
        first.actor,
        first.action,
        first.entity,
        first.entity_id,
        first.details,
        first.rows,
    )  # plain, as schema 8 wrote it
    close_db()
    insider = Insider(url)
    entries = insider.rows(
        'SELECT seq, prev_hash, at, actor, action, entity, entity_id, details, "rows" FROM audit_entry '
        f"WHERE seq < {marker.seq} ORDER BY seq"
    )
    statements, prev = [], None
    for seq, prev_hash, at, actor, action, entity, entity_id, details, rows in entries:  # re-chain with one edit
        prev = prev_hash if prev is None else prev
        details = '{"edited":true}' if seq == 2 else details
        digest = audit.entry_hash(prev, seq, at, actor, action, entity, entity_id, details, rows)
        statements.append(
            f"UPDATE audit_entry SET details = '{details}', prev_hash = '{prev}', hash = '{digest}' WHERE seq = {seq}"
        )
        prev = digest
    insider(*statements)
    open_database(url)
    problems = audit.verify().problems
    close_db()
    assert f"Entry {marker.seq} does not follow entry {marker.seq - 1}: entries were removed or reordered." in problems


def test_the_chain_cannot_be_checked_or_written_without_the_key_file(episode, run):
    from models.store import pinkey

    open_database(episode["url"])
    where = pinkey.path()
    close_db()
    saved = where.read_bytes()
    where.unlink()
    pinkey.forget()
    try:
        code, out, err = run("audit", "verify", "--db", episode["url"])
        assert code == 1 and err == f"Error: {pinkey.missing_message(where)}\n", err
    finally:
        where.write_bytes(saved)
        where.chmod(0o600)
        pinkey.forget()


def test_an_anchors_file_ahead_of_the_log_stops_anchoring_with_a_warning_not_silently(
    episode, verify, run, monkeypatch
):
    """helper-32: one line for entry 999999 written into the file stopped every later anchor,
    and commands went on with exit 0 and no word."""
    _anchor(episode["url"], verify.anchors)
    with verify.anchors.open("a") as fh:
        fh.write("999999\t" + "a" * 64 + "\t2026-11-12T09:40:00Z\n")
    open_database(episode["url"])
    try:
        assert anchors.moved(verify.anchors) and anchors.due(verify.anchors, later(60 * 30), dt.UTC)
        with pytest.raises(RuleViolation, match="already anchors entry 999999"):
            anchors.write_if_moved(verify.anchors, why="command")
    finally:
        close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    monkeypatch.setenv("KIOSK_NEW_PIN", "739164")
    code, out, err = run("staff", "set-pin", "head", "--as", "head", "--db", episode["url"], "--config", verify.config)
    assert code == 0, err
    assert f"Warning: The anchors file {verify.anchors} already anchors entry 999999" in err


def test_a_command_says_an_anchor_warning_once(episode, verify, tmp_path):
    """helper-33: the warning came twice, once from Python's last-resort log handler."""
    import os
    import subprocess
    import sys

    if episode["insider"].pg:
        pytest.skip("one run is enough: the output, not the database, is under test")
    _anchor(episode["url"], verify.anchors)
    with verify.anchors.open("a") as fh:
        fh.write("999999\t" + "a" * 64 + "\t2026-11-12T09:40:00Z\n")
    env = dict(os.environ, KIOSK_PIN=DEMO_PINS["head"], KIOSK_NEW_PIN="739164")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "staff",
            "set-pin",
            "head",
            "--as",
            "head",
            "--db",
            episode["url"],
            "--config",
            str(verify.config),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("already anchors entry 999999") == 1, done.stderr
