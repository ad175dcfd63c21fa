"""Content binding: the audit chain carries a hash of every protected row it creates or changes.

The audit chain alone proves the order of entries, not that the rows they refer to
are still the rows that were written. So every write transaction records, in its
audit entry's ``rows`` field (part of the entry's hash), the SHA-256 of the canonical
content of each protected row it created or changed, and the ids of the protected rows
it deleted. :func:`check_rows` recomputes every protected row and compares it with the
newest entry that covers it: an edited row, a row with no entry (an insertion outside
the kiosk) and a covered row that is gone without a recorded deletion are all named.

Which rows a transaction touched is captured by triggers that write only into a
per-connection temporary table (SQLite: temporary triggers, which exist only inside
the kiosk's own connections; PostgreSQL: triggers that write only when the session has
the kiosk's temporary table). An edit made with ``sqlite3`` or ``psql`` therefore
leaves no trace for the kiosk to bind, and is reported by verify.

Rows changed in a transaction after its last audit entry (or in one with no entry) are
bound by an ``audit.bind`` entry appended just before the commit (:func:`seal`).

When a retention purge removes old audit entries, the hashes those entries held for
rows that still exist (and the ids of rows they recorded as deleted) are carried into
the purge's own entry (:func:`carry_forward`), so the rows stay protected.

Projection tables (device state, the compliance cache) are not bound: they are checked
by replaying the ledger (``models.custody.ledger.verify_states``, ``models.reports.compliance.cache_problems``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import peewee

from models.store.db import db, is_sqlite
from models.store.stopping import stop_point

# The protected tables and the columns bound, frozen here: a column added to a table
# later is not silently made part of old rows' hashes. Staff: not the lockout counters.
PROTECTED: dict[str, tuple[str, ...]] = {
    "custody_event": (
        "device_id",
        "kind",
        "at",
        "actor_id",
        "label_code",
        "tray_id",
        "slot_no",
        "reason",
        "policy",
        "contact_id",
        "id_seen",
        "consent_by",
        "consent_contact_id",
        "witness",
        "grounds",
        "outcome",
        "parents_informed_at",
        "parents_informed_how",
        "officer",
        "force_reference",
        "reverses_id",
        "note",
        "audit_seq",
    ),
    "concern": (
        "about_kind",
        "pupil_id",
        "staff_id",
        "visit_id",
        "name",
        "device_id",
        "category",
        "what",
        "raised_by_id",
        "raised_at",
        "seen_at",
        "seen_by_id",
        "followed_up_at",
        "followed_up_by_id",
        "follow_up_note",
        "status",
        "updated_at",
    ),
    "agreed_exception": (
        "subject_kind",
        "pupil_id",
        "staff_id",
        "visitor_name",
        "organisation",
        "name_key",
        "org_key",
        "kind",
        "medical_category",
        "allowed",
        "location",
        "conditions",
        "sanction",
        "agreed_with_contact_id",
        "agreed_with",
        "agreed_on",
        "starts_on",
        "review_on",
        "ends_on",
        "risk_assessment_ref",
        "recorded_by_id",
        "recorded_at",
        "signed_copy_at",
        "signed_copy_by_id",
        "revoked_at",
        "revoked_by_id",
        "revoke_reason",
        "updated_at",
    ),
    "visit": (
        "visitor_id",
        "name",
        "organisation",
        "visitor_type",
        "badge_number",
        "slip_code",
        "purpose",
        "visiting",
        "car_reg",
        "id_seen",
        "dbs_assured",
        "dbs_confirmed_by",
        "supervised",
        "phone_choice",
        "exception_id",
        "device_id",
        "rules_version",
        "rules_sha256",
        "rules_accepted_at",
        "signed_in_at",
        "signed_in_by_id",
        "signed_out_at",
        "signed_out_by_id",
    ),
    "staff": ("username", "display_name", "roles", "pin_hash", "active", "created_at"),
    "contact": ("pupil_id", "name", "relationship", "priority", "can_collect", "active"),
    "label": ("code", "device_id", "issued_at", "revoked_at", "revoke_reason", "replaced_by_id"),
    "tray": ("name", "slots", "school_class_id", "position", "active"),
    # bound from schema version 7: a teacher's classes are their powers, a device's pupil
    # is whose history its events are, and a pupil row is who that child is
    "staff_class": ("staff_id", "school_class_id"),
    "device": ("kind", "pupil_id", "description", "registered_at", "active"),
    "pupil": (
        "admission_no",
        "first_name",
        "last_name",
        "year_group",
        "school_class_id",
        "dob",
        "active",
        "created_at",
        "updated_at",
    ),
    # bound from schema version 8: a class's name is how staff find a class's phones, and
    # a visitor row is who came (a returning visitor is found by it)
    "school_class": ("name", "year_group"),
    "visitor": ("name", "name_key", "organisation", "visitor_type", "car_reg", "last_visit_at", "created_at"),
    # from schema version 10 (new tables, bound from their first row): models.governance
    "staff_relationship": (
        "staff_id",
        "pupil_id",
        "family",
        "nature",
        "described",
        "dsl_advice",
        "discussed_on",
        "review_on",
        "recorded_by_id",
        "recorded_at",
        "ended_at",
        "ended_by_id",
        "end_reason",
        "updated_at",
    ),
    "relationship_review": ("relationship_id", "reviewed_by_id", "reviewed_at", "note", "next_review_on"),
    "school_policy": (
        "key",
        "name",
        "version",
        "approved_on",
        "next_review_on",
        "staff_acknowledge",
        "updated_by_id",
        "updated_at",
    ),
    "staff_device": ("device_id", "staff_id", "pending", "recorded_by_id", "recorded_at"),
    "school_device": ("asset_tag", "kind", "description", "passcode_set", "registered_by_id", "registered_at"),
    "school_device_entry": (
        "device_id",
        "kind",
        "at",
        "recorded_by_id",
        "staff_id",
        "purpose",
        "purpose_note",
        "due_on",
        "loan_id",
        "received_by_id",
        "note",
    ),
    "policy_acknowledgement": (
        "staff_id",
        "policy_id",
        "version",
        "acknowledged_on",
        "how",
        "recorded_by_id",
        "recorded_at",
    ),
    # from schema version 12 (a new table, bound from its first row): models.school.attendance
    "day_mark": ("pupil_id", "day", "mark", "source", "code", "reason", "recorded_by_id", "recorded_at"),
    # from schema version 14 (new tables, bound from their first row): a concern's actions, seen marks
    "concern_action": (
        "concern_id",
        "kind",
        "done_on",
        "reference",
        "outcome",
        "note",
        "recorded_by_id",
        "recorded_at",
    ),
    "custody_seen": ("event_id", "seen_by_id", "seen_at"),
    # from schema version 16 (a new table, bound from its first row): concerns seen per reader
    "concern_seen": ("concern_id", "seen_by_id", "seen_at"),
    # from schema version 15 (new tables, bound from their first row): models.safeguarding.parents
    "parents_informed": (
        "event_id",
        "concern_id",
        "contact_id",
        "parent_name",
        "told_by_name",
        "told_at",
        "how",
        "note",
        "corrects_id",
        "recorded_by_id",
        "recorded_at",
    ),
    "police_contact": (
        "device_id",
        "concern_id",
        "line",
        "reference",
        "called_at",
        "called_by_name",
        "note",
        "recorded_by_id",
        "recorded_at",
    ),
}
# Columns added to a protected table after rows of it were bound: hashed only when set (after
# the frozen columns, by name), so a row written before keeps its hash and a value set on a
# later row is bound like the rest. Schema 13 (issue 15): the confiscation's category and the
# fuller search record.
ADDED: dict[str, tuple[str, ...]] = {
    "custody_event": (
        "category",
        "item_sought",
        "location",
        "no_witness_reason",
        "others_present",
        "found_what",
        "follow_up",
    ),
}
LATER_TABLES = ("staff_class", "device", "pupil")  # bound by the version 7 upgrade (see extend_baseline)
SCHEMA_8_TABLES = ("school_class", "visitor")  # bound by the version 8 upgrade

WORDS = {
    "custody_event": "custody event",
    "concern": "concern",
    "agreed_exception": "agreed exception",
    "visit": "visit",
    "staff": "staff member",
    "contact": "contact",
    "label": "label",
    "tray": "tray",
    "staff_class": "teacher's class link",
    "device": "device",
    "pupil": "pupil",
    "school_class": "class",
    "visitor": "visitor",
    "staff_relationship": "staff relationship",
    "relationship_review": "relationship review",
    "school_policy": "school policy",
    "policy_acknowledgement": "policy acknowledgement",
    "staff_device": "staff member's held device",
    "school_device": "school device",
    "school_device_entry": "school device loan or return",
    "day_mark": "day mark",
    "concern_action": "concern action",
    "custody_seen": "custody seen mark",
    "concern_seen": "concern seen mark",
    "parents_informed": "parents informed entry",
    "police_contact": "police contact",
}

BIND_ACTION = "audit.bind"  # rows changed after a transaction's last entry
BASELINE_ACTION = "audit.content_bound"  # an upgraded database: every protected row as it was then
EXTEND_ACTION = "audit.content_bound_more"  # tables bound later (version 7): their rows as they were then
EXTEND_8_ACTION = "audit.content_bound_classes_visitors"  # version 8: classes and visitors as they were then
DIRTY = "kiosk_dirty"


# ---------------------------------------------------------------- canonical content


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def row_hash(table: str, row_id: int, values: Iterable[Any]) -> str:
    """SHA-256 of one row's protected columns, in :data:`PROTECTED` order, then those of
    its :data:`ADDED` columns that are set (by name)."""
    vals = list(values)
    n = len(PROTECTED[table])
    normed: list[Any] = [_norm(v) for v in vals[:n]]
    extra = [[name, _norm(v)] for name, v in zip(ADDED.get(table, ()), vals[n:], strict=False) if v is not None]
    if extra:
        normed.append({"+": extra})
    body = json.dumps([table, int(row_id), normed], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# (table) -> (the database object asked, its columns): the object itself is kept, so one made
# later at the same address is never mistaken for it
_added_have: dict[str, tuple[Any, tuple[str, ...]]] = {}


def added_columns(table: str) -> tuple[str, ...]:
    """The :data:`ADDED` columns this database's ``table`` has (an old one, mid-upgrade, lacks them)."""
    want = ADDED.get(table, ())
    if not want:
        return ()
    known = _added_have.get(table)
    if known is None or known[0] is not db.obj:
        have = {c.name for c in db.get_columns(table)}
        known = _added_have[table] = (db.obj, tuple(c for c in want if c in have))
    return known[1]


def forget_added_columns() -> None:
    """A schema upgrade added columns: read which the tables have again."""
    _added_have.clear()


def _select(table: str) -> str:
    cols = (*PROTECTED[table], *added_columns(table))
    return f'SELECT "id", {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"'


def current_hashes(table: str, ids: Iterable[int]) -> dict[int, str]:
    """The hashes of those rows of ``table`` that exist."""
    out: dict[int, str] = {}
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join(["%s" if not is_sqlite() else "?"] * len(chunk))
        for row in db.execute_sql(f'{_select(table)} WHERE "id" IN ({marks})', chunk).fetchall():
            out[int(row[0])] = row_hash(table, row[0], row[1:])
    return out


def all_hashes(table: str, batch: int = 5000) -> Iterator[tuple[int, str]]:
    """Every row of ``table`` in id order, with its hash (read in batches by id)."""
    last = None
    mark = "?" if is_sqlite() else "%s"
    while True:
        stop_point()  # the app is closing: the records' check stops between batches
        if last is None:
            rows = db.execute_sql(f'{_select(table)} ORDER BY "id" LIMIT {batch}').fetchall()
        else:
            rows = db.execute_sql(
                f'{_select(table)} WHERE "id" > {mark} ORDER BY "id" LIMIT {batch}', (last,)
            ).fetchall()
        for row in rows:
            yield int(row[0]), row_hash(table, row[0], row[1:])
        if len(rows) < batch:
            return
        last = rows[-1][0]


def ranges(ids: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7] -> [[1, 3], [7, 7]]: deleted ids stay small in an entry."""
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def expand(spans: Iterable[Iterable[int]]) -> Iterator[int]:
    for a, b in spans:
        yield from range(int(a), int(b) + 1)


# ---------------------------------------------------------------- capture (per connection)

# id -> the connection itself (sqlite3 connections take no weak reference; holding the
# object means an id reused by a later connection is never mistaken for it)
_prepared: dict[int, Any] = {}
_fragile: set[int] = set()
# Connections whose capture table and triggers were found complete outside a transaction
# (so no rollback can take them away): their later write transactions skip the check, a
# round trip at every scan. Triggers dropped outside the kiosk meanwhile are not put back
# until the next connection: the kiosk's own writes then go unbound, and verify names them.
_checked: dict[int, int] = {}  # id -> the number of triggers it was found with
_lock = threading.Lock()
_enabled = True


def _existing() -> list[str]:
    """The protected tables this database has (an old one, mid-upgrade, may lack some)."""
    have = set(db.get_tables())
    return [t for t in PROTECTED if t in have]


def _sqlite_triggers() -> list[str]:
    # vals: the row as it was before the first change in this window (a BEFORE UPDATE
    # trigger), so the entry can show the kiosk changed the row the log held
    stmts = [
        f"CREATE TEMP TABLE IF NOT EXISTS {DIRTY} (tbl TEXT NOT NULL, row_id INTEGER NOT NULL, vals TEXT)",
        f"CREATE INDEX IF NOT EXISTS temp.kiosk_cap_index ON {DIRTY} (tbl, row_id)",
    ]
    for table in _existing():
        cols = PROTECTED[table]
        col_list = ", ".join(f'"{c}"' for c in ("id", *cols))
        old_vals = ", ".join(f'OLD."{c}"' for c in cols)
        stmts += [
            f'CREATE TEMP TRIGGER IF NOT EXISTS kiosk_cap_{table}_i AFTER INSERT ON main."{table}" '
            f"BEGIN INSERT INTO {DIRTY} (tbl, row_id) VALUES ('{table}', NEW.id); END",
            f'CREATE TEMP TRIGGER IF NOT EXISTS kiosk_cap_{table}_p BEFORE UPDATE OF {col_list} ON main."{table}" '
            f"BEGIN INSERT INTO {DIRTY} SELECT '{table}', OLD.id, json_array({old_vals}) WHERE NOT EXISTS "
            f"(SELECT 1 FROM {DIRTY} WHERE tbl = '{table}' AND row_id = OLD.id); END",
            f'CREATE TEMP TRIGGER IF NOT EXISTS kiosk_cap_{table}_u AFTER UPDATE OF {col_list} ON main."{table}" '
            f"BEGIN INSERT INTO {DIRTY} (tbl, row_id) VALUES ('{table}', NEW.id); "
            f"INSERT INTO {DIRTY} (tbl, row_id) SELECT '{table}', OLD.id WHERE OLD.id <> NEW.id; END",
            f'CREATE TEMP TRIGGER IF NOT EXISTS kiosk_cap_{table}_d AFTER DELETE ON main."{table}" '
            f"BEGIN INSERT INTO {DIRTY} (tbl, row_id) VALUES ('{table}', OLD.id); END",
        ]
    return stmts


TRIGGERS_PER_TABLE = 4

_PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION kiosk_capture_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.{DIRTY}') IS NOT NULL THEN
    INSERT INTO pg_temp.{DIRTY} (tbl, row_id) SELECT TG_TABLE_NAME, id FROM changed;
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION kiosk_capture_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.{DIRTY}') IS NOT NULL THEN
    INSERT INTO pg_temp.{DIRTY} (tbl, row_id) VALUES (TG_TABLE_NAME, NEW.id);
    IF OLD.id <> NEW.id THEN INSERT INTO pg_temp.{DIRTY} (tbl, row_id) VALUES (TG_TABLE_NAME, OLD.id); END IF;
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION kiosk_capture_pre() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.{DIRTY}') IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM pg_temp.{DIRTY} WHERE tbl = TG_TABLE_NAME AND row_id = OLD.id) THEN
      INSERT INTO pg_temp.{DIRTY} VALUES (TG_TABLE_NAME, OLD.id, row_to_json(OLD)::text);
    END IF;
  END IF;
  RETURN NEW;
END $$""",
]


def _pg_triggers(table: str) -> list[str]:
    cols = ", ".join(f'"{c}"' for c in ("id", *PROTECTED[table]))
    return [
        f'CREATE TRIGGER kiosk_cap_{table}_i AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS changed '
        f"FOR EACH STATEMENT EXECUTE FUNCTION kiosk_capture_set()",
        f'CREATE TRIGGER kiosk_cap_{table}_d AFTER DELETE ON "{table}" REFERENCING OLD TABLE AS changed '
        f"FOR EACH STATEMENT EXECUTE FUNCTION kiosk_capture_set()",
        f'CREATE TRIGGER kiosk_cap_{table}_p BEFORE UPDATE OF {cols} ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION kiosk_capture_pre()",
        f'CREATE TRIGGER kiosk_cap_{table}_u AFTER UPDATE OF {cols} ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION kiosk_capture_row()",
    ]


# The triggers on this site's own tables (a trust's other sites have theirs: models.sites).
_HERE = "tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)"


def install_pg_triggers() -> None:
    """PostgreSQL: the (persistent) capture triggers; they write only for the kiosk's sessions."""
    for stmt in _PG_FUNCTIONS:
        db.execute_sql(stmt)
    existing = {
        r[0]
        for r in db.execute_sql(
            f"SELECT tgname FROM pg_trigger WHERE tgname LIKE 'kiosk_cap_%%' AND {_HERE}"
        ).fetchall()
    }
    for table in _existing():
        for stmt in _pg_triggers(table):
            name = stmt.split()[2]
            if name not in existing:
                db.execute_sql(stmt)


def prepare() -> None:
    """Make this connection capture the protected rows it writes. Checked at every write
    transaction until a check outside a transaction finds the capture table and every
    trigger in place (a rolled-back transaction takes temporary objects it created with
    it), then no more on that connection (:data:`_checked`)."""
    if not _enabled:
        return
    database = db.obj
    if database is None:
        return
    conn = database.connection()
    want = TRIGGERS_PER_TABLE * len(PROTECTED)
    if _checked.get(id(conn)) == want and _prepared.get(id(conn)) is conn and id(conn) not in _fragile:
        return
    created = False
    if isinstance(database, peewee.SqliteDatabase):
        (have,) = database.execute_sql(
            "SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'kiosk_cap_%' OR name = ?", (DIRTY,)
        ).fetchone()
        complete = have >= want + 2
        if not complete:  # and the table and its index
            if not database.table_exists("custody_event"):
                return  # not migrated yet
            for stmt in _sqlite_triggers():
                database.execute_sql(stmt)
            created = True
    else:
        has_tmp, have = database.execute_sql(
            f"SELECT to_regclass('pg_temp.{DIRTY}') IS NOT NULL, "
            f"(SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'kiosk_cap_%%' AND {_HERE})"
        ).fetchone()
        complete = bool(has_tmp) and have >= want
        if not complete:
            if not database.table_exists("custody_event"):
                return
            if not has_tmp:
                database.execute_sql(
                    f"CREATE TEMP TABLE IF NOT EXISTS {DIRTY} (tbl TEXT NOT NULL, "
                    "row_id BIGINT NOT NULL, vals TEXT) ON COMMIT DELETE ROWS"
                )
                database.execute_sql(f"CREATE INDEX IF NOT EXISTS kiosk_cap_index ON pg_temp.{DIRTY} (tbl, row_id)")
                created = True
            if have < want:
                with _lock, database.atomic():
                    database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (0x4B494F534C,))
                    install_pg_triggers()
    if created or not _is_prepared(conn):
        # created now: if inside a transaction, a rollback may take the objects away again
        with _lock:
            for key in [k for k, c in _prepared.items() if _closed(c)]:
                del _prepared[key]
                _fragile.discard(key)
                _checked.pop(key, None)
            _prepared[id(conn)] = conn
            if database.in_transaction():
                _fragile.add(id(conn))
            else:
                _fragile.discard(id(conn))
    # Found complete (every table of this version has its triggers), before any write of ours:
    if complete and not database.in_transaction() and _prepared.get(id(conn)) is conn:
        with _lock:
            _checked[id(conn)] = want


def _closed(conn: Any) -> bool:
    if not isinstance(conn, sqlite3.Connection):  # psycopg2
        return bool(getattr(conn, "closed", 0))
    try:
        conn.total_changes  # noqa: B018 - a closed sqlite3 connection raises on any use
    except Exception:  # noqa: BLE001
        return True
    return False


def _is_prepared(conn: Any) -> bool:
    if _prepared.get(id(conn)) is not conn:
        return False
    if id(conn) in _fragile:  # made inside a transaction that may since have been rolled back
        database = db.obj
        if isinstance(database, peewee.SqliteDatabase):
            sql = "SELECT count(*) FROM temp.sqlite_master WHERE name = ?"
        else:
            sql = "SELECT count(*) FROM pg_class WHERE oid = to_regclass('pg_temp.' || %s)"
        if not database.execute_sql(sql, (DIRTY,)).fetchone()[0]:
            del _prepared[id(conn)]
            _fragile.discard(id(conn))
            _checked.pop(id(conn), None)
            return False
    return True


def _dirty_table() -> str:
    return f"temp.{DIRTY}" if is_sqlite() else f"pg_temp.{DIRTY}"


def _take_dirty() -> tuple[dict[str, set[int]], dict[str, dict[int, str]]]:
    """The protected rows this connection wrote since the last take, and the content
    (``vals``) of those it changed as they were before (and forget them)."""
    database = db.obj
    if not _is_prepared(database.connection()):
        return {}, {}
    rows = database.execute_sql(f"SELECT tbl, row_id, vals FROM {_dirty_table()}").fetchall()
    if not rows:
        return {}, {}
    database.execute_sql(f"DELETE FROM {_dirty_table()}")
    out: dict[str, set[int]] = {}
    before: dict[str, dict[int, str]] = {}
    for tbl, rid, vals in rows:
        out.setdefault(tbl, set()).add(int(rid))
        if vals is not None:
            before.setdefault(tbl, {}).setdefault(int(rid), vals)
    return out, before


_KINDS: dict[str, dict[str, str]] = {}


def _pg_kinds(table: str) -> dict[str, str]:
    """PostgreSQL's row_to_json writes times as ISO text: which columns to read back as times."""
    if not _KINDS:
        from models.store import tables

        for model in tables.ALL_MODELS:
            name = model._meta.table_name
            if name in PROTECTED:
                _KINDS[name] = {
                    f.column_name: "dt" if isinstance(f, peewee.DateTimeField) else "d"
                    for f in model._meta.sorted_fields
                    if isinstance(f, (peewee.DateTimeField, peewee.DateField))
                }
    return _KINDS.get(table, {})


def _before_hash(table: str, rid: int, vals: str) -> str:
    data = json.loads(vals)
    if isinstance(data, list):  # SQLite: json_array of the protected columns, in order
        return row_hash(table, rid, data)
    kinds = _pg_kinds(table)
    values = []
    for col in PROTECTED[table]:
        v = data.get(col)
        if isinstance(v, str) and col in kinds:
            v = dt.datetime.fromisoformat(v) if kinds[col] == "dt" else dt.date.fromisoformat(v)
        values.append(v)
    return row_hash(table, rid, values)


_carry = threading.local()


def collect() -> str | None:
    """The ``rows`` text for the entry being appended now: what this transaction wrote
    since its last entry (hashes of rows that exist, ids of rows deleted), plus anything
    a purge carries forward. None when there is nothing."""
    dirty, before = _take_dirty()
    carried = getattr(_carry, "value", None)
    _carry.value = None
    if not dirty and not carried:
        return None
    doc: dict[str, Any] = {}
    bound: dict[str, dict[str, str]] = {}
    deleted: dict[str, list[list[int]]] = {}
    for table in sorted(dirty):
        if table not in PROTECTED:
            continue
        have = current_hashes(table, dirty[table])
        if have:
            bound[table] = {str(i): have[i] for i in sorted(have)}
        gone = dirty[table] - have.keys()
        if gone:
            deleted[table] = ranges(gone)
    if bound:
        doc["b"] = bound
    changed = {
        t: {str(i): _before_hash(t, i, v) for i, v in sorted(m.items())} for t, m in before.items() if t in PROTECTED
    }
    if changed:
        doc["p"] = changed
    if deleted:
        doc["d"] = deleted
    if carried:
        doc.update(carried)
    if not doc:
        return None
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def pending() -> bool:
    """Whether this connection has written protected rows not yet bound to an entry."""
    database = db.obj
    if database is None:
        return False
    prepared = _is_prepared(database.connection())
    if not prepared and getattr(_carry, "value", None) is None:
        return False
    if getattr(_carry, "value", None):
        return True
    return database.execute_sql(f"SELECT 1 FROM {_dirty_table()} LIMIT 1").fetchone() is not None


def forget_captured() -> None:
    """Drop what this connection captured without binding it: for a bulk writer (the
    benchmark generator) that puts the row hashes into its own entries."""
    _take_dirty()


def discard() -> None:
    """After a rollback: nothing of it is to be bound."""
    _carry.value = None


def carry_rows(doc: dict[str, Any] | None) -> None:
    """Set what the next audit entry of this thread binds (an upgrade's baseline does)."""
    _carry.value = doc


# ---------------------------------------------------------------- replay of the chain


@dataclass
class Coverage:
    """What the chain says each protected row should be, from a walk of the entries.

    Kept small (a verify of a million rows holds a million of these): the digest as bytes.
    """

    rows: dict[str, dict[int, bytes]] = field(default_factory=lambda: {t: {} for t in PROTECTED})
    # rows whose latest word in the chain is a deletion: table -> {id: seq of that entry}
    gone: dict[str, dict[int, int]] = field(default_factory=lambda: {t: {} for t in PROTECTED})
    # rows whose state so far comes from a purge's carried copy (older than any entry seen)
    from_carry: dict[str, set[int]] = field(default_factory=lambda: {t: set() for t in PROTECTED})
    first_bound_seq: int | None = None  # the first entry carrying row hashes
    baseline_seq: int | None = None  # an upgraded database: content bound from here
    extended_seq: int | None = None  # an upgraded database: the LATER_TABLES bound from here
    extended_8_seq: int | None = None  # an upgraded database: the SCHEMA_8_TABLES bound from here
    # rows the kiosk changed that were not as the log held them just before: (table, id, seq, how)
    changed_unseen: list[tuple[str, int, int, str]] = field(default_factory=list)
    changed_unseen_count: int = 0
    # before-images whose earlier state is not known where they stand (it was in entries a
    # purge removed): (table, id) -> [seq, before hash, the state known: digest, "gone" or None].
    # A later purge's carried state (as of a point before them) settles them.
    pending: dict[tuple[str, int], list] = field(default_factory=dict)

    def _set(self, table: str, rid: int, digest: bytes, seq: int) -> None:
        self.rows[table][rid] = digest
        self.gone[table].pop(rid, None)

    def _drop(self, table: str, rid: int, seq: int) -> None:
        self.rows[table].pop(rid, None)
        self.gone[table][rid] = seq

    def _judge(self, table: str, rid: int, seq: int, before: bytes, known: Any) -> None:
        """A row entry ``seq`` changed was ``before``; the log held ``known`` (a digest,
        "gone", or None for no entry)."""
        if known == before:
            return
        how = "back" if known == "gone" else "inserted" if known is None else "edited"
        self.changed_unseen_count += 1
        if len(self.changed_unseen) < 50:
            self.changed_unseen.append((table, rid, seq, how))

    def finish(self) -> None:
        """Settle the before-images left pending (see :attr:`pending`)."""
        for (table, rid), (seq, before, known) in sorted(self.pending.items(), key=lambda kv: kv[1][0]):
            self._judge(table, rid, seq, before, known)
        self.pending.clear()

    def apply(self, seq: int, action: str, rows_text: str | None) -> None:
        if action == BASELINE_ACTION and self.baseline_seq is None:
            self.baseline_seq = seq
        if action == EXTEND_ACTION and self.extended_seq is None:
            self.extended_seq = seq
        if action == EXTEND_8_ACTION and self.extended_8_seq is None:
            self.extended_8_seq = seq
        if not rows_text:
            return
        doc = json.loads(rows_text)
        if self.first_bound_seq is None:
            self.first_bound_seq = seq
        # A carried state is older than anything an entry already seen in this walk said
        # (it is the state as of the entries the purge removed), but newer than an
        # earlier purge's carried state.
        pending = self.pending
        for table, m in doc.get("c", {}).items():
            if table in PROTECTED:
                rows, gone, carried = self.rows[table], self.gone[table], self.from_carry[table]
                for rid, h in m.items():
                    rid = int(rid)
                    digest = bytes.fromhex(h)
                    if pending and (table, rid) in pending:
                        pending[(table, rid)][2] = digest
                    if rid in carried or (rid not in rows and rid not in gone):
                        self._set(table, rid, digest, seq)
                        carried.add(rid)
        for table, spans in doc.get("cd", {}).items():
            if table in PROTECTED:
                rows, gone, carried = self.rows[table], self.gone[table], self.from_carry[table]
                for rid in expand(spans):
                    if pending and (table, rid) in pending:
                        pending[(table, rid)][2] = "gone"
                    if rid in carried or (rid not in rows and rid not in gone):
                        self._drop(table, rid, seq)
                        carried.add(rid)
        # the rows this entry's transaction changed, as they were before: they must be
        # what the log held, or someone changed them outside the kiosk in between
        for table, m in doc.get("p", {}).items():
            if table in PROTECTED:
                rows, gone, carried = self.rows[table], self.gone[table], self.from_carry[table]
                for rid, h in m.items():
                    rid = int(rid)
                    digest = bytes.fromhex(h)
                    if rid in carried or (rid not in rows and rid not in gone):
                        # known only from a purge's copy, or not at all: settled at the end
                        known = rows.get(rid, "gone" if rid in gone else None)
                        pending.setdefault((table, rid), [seq, digest, known])
                        continue
                    self._judge(table, rid, seq, digest, rows.get(rid, "gone"))
        for table, m in doc.get("b", {}).items():
            if table in PROTECTED:
                carried = self.from_carry[table]
                for rid, h in m.items():
                    rid = int(rid)
                    self._set(table, rid, bytes.fromhex(h), seq)
                    carried.discard(rid)
        for table, spans in doc.get("d", {}).items():
            if table in PROTECTED:
                carried = self.from_carry[table]
                for rid in expand(spans):
                    self._drop(table, rid, seq)
                    carried.discard(rid)


def replay(upto: int | None = None) -> Coverage:
    """Coverage from the entries now in the log (up to ``upto``), without checking the chain."""
    from models.store.tables import AuditEntry

    cov = Coverage()
    q = AuditEntry.select(AuditEntry.seq, AuditEntry.action, AuditEntry.rows).order_by(AuditEntry.seq)
    if upto is not None:
        q = q.where(AuditEntry.seq <= upto)
    for seq, action, rows_text in q.tuples().iterator():
        cov.apply(seq, action, rows_text)
    return cov


def carry_forward(last_removed_seq: int) -> None:
    """A purge is about to remove entries up to ``last_removed_seq``: carry the row hashes
    and deletions only they hold into the purge's own entry (appended next in this tx)."""
    # The state as of the last entry removed, from the entries removed (and any copy an
    # earlier purge carried into them). Rows changed again later keep their newer state
    # in verify's walk; their carried state checks those later entries' before-images.
    cov = replay(upto=last_removed_seq)
    deleted_now = _deleted_in_this_transaction()  # the purge's own entry records those
    carried: dict[str, dict[str, str]] = {}
    carried_gone: dict[str, list[list[int]]] = {}
    for table in PROTECTED:
        skip = deleted_now.get(table, set())
        keep = {str(rid): h.hex() for rid, h in sorted(cov.rows[table].items()) if rid not in skip}
        if keep:
            carried[table] = keep
        if cov.gone[table]:
            carried_gone[table] = ranges(cov.gone[table])
    doc: dict[str, Any] = {}
    if carried:
        doc["c"] = carried
    if carried_gone:
        doc["cd"] = carried_gone
    _carry.value = doc or None


def _deleted_in_this_transaction() -> dict[str, set[int]]:
    """Rows this connection has deleted since its last entry (looked at, not taken)."""
    database = db.obj
    if not _is_prepared(database.connection()):
        return {}
    touched: dict[str, set[int]] = {}
    for tbl, rid in database.execute_sql(f"SELECT DISTINCT tbl, row_id FROM {_dirty_table()}").fetchall():
        if tbl in PROTECTED:
            touched.setdefault(tbl, set()).add(int(rid))
    out: dict[str, set[int]] = {}
    for table, ids in touched.items():
        out[table] = ids - current_hashes(table, ids).keys()
    return out


# ---------------------------------------------------------------- verify


def binding_seqs(wanted: dict[str, set[int]]) -> dict[tuple[str, int], int]:
    """The newest entry that binds each of these rows (for naming it in a message)."""
    from models.store.tables import AuditEntry

    out: dict[tuple[str, int], int] = {}
    tables = [t for t, ids in wanted.items() if ids]
    if not tables:
        return out
    q = (
        AuditEntry.select(AuditEntry.seq, AuditEntry.rows)
        .where(AuditEntry.rows.is_null(False))
        .order_by(AuditEntry.seq)
    )
    for n, (seq, text) in enumerate(q.tuples().iterator()):
        if not n % 1000:
            stop_point()
        if not any(f'"{t}"' in text for t in tables):
            continue
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        for part in ("c", "b"):
            for table, m in doc.get(part, {}).items():
                ids = wanted.get(table)
                if ids:
                    for rid in m:
                        if int(rid) in ids:
                            out[(table, int(rid))] = seq
    return out


def report_changed_unseen(cov: Coverage, report_bad) -> None:
    """Rows someone changed outside the kiosk before the kiosk itself changed them (which
    bound the changed row again): the entry's before-image gives them away."""
    cov.finish()
    for table, rid, seq, how in cov.changed_unseen:
        words = f"Table {table}: {WORDS[table]} {rid}"
        if how == "edited":
            report_bad(seq, f"{words} was edited outside the kiosk before audit entry {seq} changed it.")
        elif how == "inserted":
            report_bad(
                seq, f"{words} had no audit entry when audit entry {seq} changed it: inserted outside the kiosk."
            )
        else:
            report_bad(seq, f"{words} had been deleted, yet audit entry {seq} changed it: put back outside the kiosk.")
    if cov.changed_unseen_count > len(cov.changed_unseen):
        report_bad(
            None, f"… and {cov.changed_unseen_count - len(cov.changed_unseen)} more rows changed outside the kiosk."
        )


def check_rows(cov: Coverage, report_bad, limit: int = 50, *, broken: bool = False) -> int:
    """Compare every protected row with ``cov`` (which it uses up); report each
    difference, naming the table and the row. Returns the number of rows checked."""
    checked = 0
    found: list[tuple[str, int, str]] = []  # (table, id, what)
    count = 0
    for table in PROTECTED:
        expected = cov.rows[table]
        for rid, h in all_hashes(table):
            checked += 1
            want = expected.pop(rid, None)
            if want is None:
                what = "back" if rid in cov.gone[table] else "inserted"
            elif want != bytes.fromhex(h):
                what = "edited"
            else:
                continue
            count += 1
            if len(found) < limit:
                found.append((table, rid, what))
        for rid in sorted(expected):  # covered, and not in the table
            count += 1
            if len(found) < limit:
                found.append((table, rid, "missing"))
    seqs = binding_seqs({t: {rid for tt, rid, w in found if tt == t and w in ("edited", "missing")} for t in PROTECTED})
    for table, rid, what in found:
        words = f"Table {table}: {WORDS[table]} {rid}"
        entry = seqs.get((table, rid))
        by = f"audit entry {entry}" if entry else "the log"
        if what == "back":
            report_bad(
                None,
                f"{words} was deleted by audit entry {cov.gone[table][rid]} but is back: put back outside the kiosk.",
            )
        elif what == "inserted":
            report_bad(
                None,
                f"{words} has no audit entry: inserted outside the kiosk"
                + (", or its entry was removed." if broken else "."),
            )
        elif what == "edited":
            report_bad(None, f"{words} was edited outside the kiosk: it no longer matches {by}.")
        else:
            report_bad(
                None,
                f"{words} is missing: deleted outside the kiosk ({by} recorded it, "
                "and no purge or erasure removed it).",
            )
    if count > limit:
        report_bad(None, f"… and {count - limit} more row problems.")
    return checked
