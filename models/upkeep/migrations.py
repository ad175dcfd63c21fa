"""Schema versioning.

A new database gets every table from the current models and is stamped with the
newest version. An existing one gets each pending migration in order, each in its
own transaction together with its version record. A database newer than this code
is refused rather than misread.

To change the schema: change the model in ``tables.py``, then append a
``Migration`` here whose function uses Peewee's ``SchemaMigrator`` (``migrate(
migrator.add_column(...))``) to bring an older database to the same shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as migrate_columns

from models.audit import chain as audit
from models.audit import integrity
from models.clock import utcnow
from models.errors import StorageError
from models.store.db import db, is_sqlite
from models.store.tables import ALL_MODELS, VISITOR_MODELS, AuditEntry, SchemaVersion


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[SchemaMigrator], None]


def _initial(_migrator: SchemaMigrator) -> None:  # pragma: no cover - version 1 is created whole
    raise AssertionError("version 1 is created from the models")


def _visitors(_migrator: SchemaMigrator) -> None:
    """Version 2: visitors, their visits, and the print outbox."""
    db.create_tables(VISITOR_MODELS)


def _exceptions_and_concerns(_migrator: SchemaMigrator) -> None:
    from models.store.tables import EXCEPTION_MODELS

    db.create_tables(EXCEPTION_MODELS)


def _compliance_cache(_migrator: SchemaMigrator) -> None:
    from models.store.tables import COMPLIANCE_MODELS

    db.create_tables(COMPLIANCE_MODELS)


def _content_binding(migrator: SchemaMigrator) -> None:
    """Version 5: audit entries carry the hashes of the rows they write (models.audit.integrity).

    The rows that exist now are bound by ``audit.content_bound`` entries, so verify
    checks them from here on (and says so: an edit made before this cannot be seen).
    """
    import peewee

    from models.audit import integrity

    if "rows" not in {c.name for c in db.get_columns("audit_entry")}:
        migrate_columns(migrator.add_column("audit_entry", "rows", peewee.TextField(null=True)))
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()
    _baseline(utcnow())


def _auth_failures(_migrator: SchemaMigrator) -> None:
    """Version 6: wrong PINs per terminal and surface (back-off, daily cap), and settings such as the demo flag."""
    from models.store.tables import AUTH_MODELS

    db.create_tables(AUTH_MODELS)


def _bind_more_tables(_migrator: SchemaMigrator) -> None:
    """Version 7: teachers' classes, devices and pupils are bound too (models.audit.integrity.LATER_TABLES).

    Their rows as they are now are bound by ``audit.content_bound_more`` entries; verify
    says from which entry (a change made to them before that cannot be seen)."""
    import peewee

    from models.audit import integrity

    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()
    _baseline(utcnow(), integrity.LATER_TABLES, integrity.EXTEND_ACTION)


def _bind_classes_and_visitors(_migrator: SchemaMigrator) -> None:
    """Version 8: classes and visitors are bound too (models.audit.integrity.SCHEMA_8_TABLES),
    their rows as they are now, by ``audit.content_bound_classes_visitors`` entries."""
    import peewee

    from models.audit import integrity

    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()
    _baseline(utcnow(), integrity.SCHEMA_8_TABLES, integrity.EXTEND_8_ACTION)


def _key_the_chain(_migrator: SchemaMigrator) -> None:
    """Version 9: audit entries are hashed with a key kept outside the database
    (models.audit.chain.chain_key). The entries already written keep their plain SHA-256; the
    ``audit.chain_keyed`` entry, itself keyed, seals them: re-chaining any of them breaks
    it, and every entry after it must be keyed."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx

    with write_tx():
        if audit.head()[0]:  # an empty log is keyed from its first entry
            audit.append(None, audit.KEYED_ACTION, "audit", "chain", {"plain_through": audit.head()[0]}, utcnow())


def _governance(_migrator: SchemaMigrator) -> None:
    """Version 10: the records the policies ask for in writing (models.governance): staff's
    pre-existing relationships and their reviews, the school's policies and staff's
    acknowledgements of them. New tables, bound from their first row (integrity.PROTECTED)."""
    import peewee

    from models.audit import integrity
    from models.store.tables import GOVERNANCE_MODELS

    db.create_tables(GOVERNANCE_MODELS)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()


def _school_devices_i15d(_migrator: SchemaMigrator) -> None:
    """Version 11: a member of staff's phone held for the LADO or the police, and the register
    of the school's own phones and tablets with their loans (models.custody.school_devices).
    New tables, bound from their first row (integrity.PROTECTED)."""
    import peewee

    from models.audit import integrity
    from models.store.tables import SCHOOL_DEVICE_MODELS

    db.create_tables(SCHOOL_DEVICE_MODELS)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()


def _day_marks_absent_no_phone(_migrator: SchemaMigrator) -> None:
    """Version 12: pupils' day marks (absent, no phone today: models.school.attendance), a new
    table bound from its first row (integrity.PROTECTED). The compliance cache is emptied: a
    cached day now also counts the phones still held from the day before (kept overnight),
    so every day is counted again from the ledger."""
    import peewee

    from models.audit import integrity
    from models.store.tables import DAY_MARK_MODELS, ComplianceDay, ComplianceMark

    db.create_tables(DAY_MARK_MODELS)
    ComplianceDay.delete().execute()
    ComplianceMark.delete().execute()
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()


def _confiscation_categories_and_fuller_searches(migrator: SchemaMigrator) -> None:
    """Version 13 (issue 15): a confiscation's reason category, the fuller search record
    (DfE 2022: item sought, location, no-witness reason, others present, what was found,
    follow-up), and the projection's hold for the DSL. The new custody_event columns are
    bound when set (integrity.ADDED), so the rows already bound keep their hashes."""
    import peewee

    have = {c.name for c in db.get_columns("custody_event")}
    added = [
        ("category", peewee.CharField(null=True, max_length=30)),
        ("item_sought", peewee.CharField(null=True, max_length=200)),
        ("location", peewee.CharField(null=True, max_length=100)),
        ("no_witness_reason", peewee.CharField(null=True, max_length=200)),
        ("others_present", peewee.CharField(null=True, max_length=200)),
        ("found_what", peewee.TextField(null=True)),
        ("follow_up", peewee.TextField(null=True)),
    ]
    ops = [migrator.add_column("custody_event", name, f) for name, f in added if name not in have]
    if "dsl_hold" not in {c.name for c in db.get_columns("device_state")}:
        ops.append(migrator.add_column("device_state", "dsl_hold", peewee.CharField(max_length=10, default="")))
    if ops:
        migrate_columns(*ops)
    integrity.forget_added_columns()


def _concern_actions_and_custody_seen(_migrator: SchemaMigrator) -> None:
    """Version 14: a concern's structured actions, outcome and lessons learnt
    (models.safeguarding.concerns.ACTIONS), and the DSL's seen marks on confiscations,
    searches and police hand-overs. New tables, bound from their first row (integrity.PROTECTED)."""
    import peewee

    from models.audit import integrity
    from models.store.tables import CONCERN_ACTION_MODELS

    db.create_tables(CONCERN_ACTION_MODELS)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()
    _seen_before_upgrade_custody()


SEEN_BEFORE_UPGRADE = "safeguarding.seen_before_upgrade"  # the audit entry of the marks below


def _seen_before_upgrade_custody() -> None:
    """The confiscations, searches and police hand-overs already in an upgraded database are
    seen for everyone (a mark with no reader, CustodySeen.seen_by NULL): there was nothing
    to open them with before, and every past one NEW for every reader would bury today's.
    Appended and bound like any mark; the audit entry says how many."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.safeguarding.concerns import CUSTODY_FEED
    from models.store.tables import CustodyEvent, CustodySeen

    now = utcnow()
    with write_tx():
        ids = [e.id for e in CustodyEvent.select(CustodyEvent.id).where(CustodyEvent.kind.in_(list(CUSTODY_FEED)))]
        for event_id in ids:
            CustodySeen.create(event=event_id, seen_by=None, seen_at=now)
        if ids:
            audit.append(None, SEEN_BEFORE_UPGRADE, "audit", "custody_seen", {"events": len(ids)}, now)


def _concerns_seen_per_reader(_migrator: SchemaMigrator) -> None:
    """Version 16: a concern is seen per reader (ConcernSeen), not once for all. A concern
    opened before this upgrade was seen for everyone then, and stays so (a mark with no
    reader); one nobody had opened stays NEW for everyone. New table, bound from its first
    row (integrity.PROTECTED)."""
    import peewee

    from models.audit import chain as audit
    from models.audit import integrity
    from models.audit.tx import write_tx
    from models.store.tables import CONCERN_SEEN_MODELS, Concern, ConcernSeen

    db.create_tables(CONCERN_SEEN_MODELS)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()
    now = utcnow()
    with write_tx():
        opened = list(Concern.select(Concern.id, Concern.seen_at).where(Concern.seen_at.is_null(False)))
        for c in opened:
            ConcernSeen.create(concern=c.id, seen_by=None, seen_at=c.seen_at)
        if opened:
            audit.append(None, SEEN_BEFORE_UPGRADE, "audit", "concern_seen", {"concerns": len(opened)}, now)


def _report_indexes_hscale(_migrator: SchemaMigrator) -> None:
    """Version 18 (issue 16's scale benchmark; the ledger's index is also version 17's): indexes on the audit log's (action, at) and
    the ledger's (kind, at). The governors' report counts exception reviews by action and
    time, and read the whole log to do it (130 ms at a school of 333,000 custody events);
    compliance's breaches and the phones kept overnight pick a term's events by kind, and
    read every event of the term to do it. An index changes no row: nothing to bind or log."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "audit_entry_action_at" ON "audit_entry" ("action", "at")')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "custody_event_kind_at" ON "custody_event" ("kind", "at")')


def _parents_informed_and_police_contacts(_migrator: SchemaMigrator) -> None:
    """Version 15 (issue 15): parents informed as an event (of a confiscation, a search or a
    concern) and contacts with the police (101, 999), in models.safeguarding.parents. New
    tables, bound from their first row (integrity.PROTECTED). The return from the police is a
    custody event kind: no column changes."""
    import peewee

    from models.audit import integrity
    from models.store.tables import INFORMED_MODELS

    db.create_tables(INFORMED_MODELS)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        integrity.install_pg_triggers()


def _custody_kind_at_index_hperf(_migrator: SchemaMigrator) -> None:
    """An index on custody events by kind and time (no data changes): the compliance report's
    breaches (the term's confiscations) and the overnight check (today's reversals and
    hand-ins) read a few events of one kind among a term's hundreds of thousands. The
    same index as ``CustodyEvent.Meta.indexes`` gives a new database."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "custody_event_kind_at" ON "custody_event" ("kind", "at")')


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _initial),
    Migration(2, "visitors, visits and the print outbox", _visitors),
    Migration(3, "agreed exceptions and safeguarding concerns", _exceptions_and_concerns),
    Migration(4, "compliance summary cache", _compliance_cache),
    Migration(5, "audit entries bind the content of the rows they write", _content_binding),
    Migration(6, "wrong PINs per terminal and surface, and database settings", _auth_failures),
    Migration(7, "teachers' classes, devices and pupils are bound into the audit log", _bind_more_tables),
    Migration(8, "classes and visitors are bound into the audit log", _bind_classes_and_visitors),
    Migration(9, "the audit chain is hashed with a key kept outside the database", _key_the_chain),
    Migration(10, "staff relationships, school policies and acknowledgements", _governance),
    Migration(11, "staff devices held, the school's own devices and their loans", _school_devices_i15d),
    Migration(12, "pupils' day marks: absent, no phone today", _day_marks_absent_no_phone),
    Migration(
        13,
        "confiscation categories, the fuller search record, holds for the DSL",
        _confiscation_categories_and_fuller_searches,
    ),
    Migration(
        14,
        "a concern's actions and lessons learnt, the DSL's seen marks on custody events",
        _concern_actions_and_custody_seen,
    ),
    Migration(15, "parents informed and contacts with the police", _parents_informed_and_police_contacts),
    Migration(16, "concerns seen per reader; what came before seen marks is seen", _concerns_seen_per_reader),
    Migration(17, "custody events indexed by kind and time (the compliance report)", _custody_kind_at_index_hperf),
    Migration(18, "the audit log indexed by action and time, the ledger by kind and time", _report_indexes_hscale),
]


def _has_records() -> bool:
    """Whether a database with no version record holds an audit log (a kiosk wrote it)."""
    from models.store.tables import AuditEntry

    return db.table_exists(AuditEntry._meta.table_name) and AuditEntry.select().exists()


def _log_newer_than(version: int) -> str | None:
    """Why the audit log shows that a newer kiosk wrote it than ``version`` says, or None.

    Winding the recorded schema version back with sqlite3 would make the upgrades run
    again, and bind every protected row as it is now, edits included: refused."""
    import peewee

    from models.audit import chain as audit
    from models.audit import integrity
    from models.store.tables import AuditEntry

    if not db.table_exists(AuditEntry._meta.table_name):
        return None
    actions = {integrity.EXTEND_ACTION: 7, integrity.EXTEND_8_ACTION: 8, audit.KEYED_ACTION: 9}
    for action, made_by in actions.items():
        if version < made_by and AuditEntry.select().where(AuditEntry.action == action).exists():
            return f"its log has an entry ({action}) that only version {made_by} writes"
    if version < 5 and "rows" in {c.name for c in db.get_columns("audit_entry")}:
        if AuditEntry.select(AuditEntry.seq).where(AuditEntry.rows.is_null(False)).exists():
            return "its log binds row contents, which only version 5 and later do"
    if version < 9:
        try:
            if audit.any_keyed():
                return "its log is hashed with the key, which only version 9 and later do"
        except (StorageError, peewee.DatabaseError):
            return None  # no key file to tell: nothing was keyed with one that is here
    return None


LATEST = MIGRATIONS[-1].version


def _baseline(now: dt.datetime, tables: Iterable[str] | None = None, action: str = integrity.BASELINE_ACTION) -> None:
    """An upgraded database: bind every protected row (of ``tables``) as it is now, in
    entries of at most 5,000 rows, so verify can check them from here on."""
    # Only the tables this version has: one a later migration creates is bound from its first row.
    tables = [t for t in (integrity.PROTECTED if tables is None else tables) if db.table_exists(t)]
    if not AuditEntry.select().exists() and not any(
        db.execute_sql(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in integrity.PROTECTED if db.table_exists(t)
    ):
        return  # a new, empty database: bound from its first entry
    for table in tables:
        chunk: dict[str, str] = {}
        for rid, h in integrity.all_hashes(table):
            chunk[str(rid)] = h
            if len(chunk) >= 5000:
                integrity.carry_rows({"b": {table: chunk}})
                audit.append(None, action, "audit", table, {"table": table}, now)
                chunk = {}
        if chunk:
            integrity.carry_rows({"b": {table: chunk}})
            audit.append(None, action, "audit", table, {"table": table}, now)
    integrity.carry_rows(None)
    audit.append(None, action, "audit", "-", {"tables": sorted(tables)}, now)


def current_version() -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrate() -> int:
    """Bring the open database to :data:`LATEST`; return the version it is now at."""
    version = current_version()
    if version > LATEST:
        raise StorageError(
            f"This database is at schema version {version}, newer than this kiosk "
            f"understands ({LATEST}): update the kiosk software."
        )
    if version == 0 and _has_records():
        raise StorageError(
            "This database holds records but no schema version: its version record was removed outside the "
            "kiosk. Nothing was changed: restore the last good backup, and keep this file to show what was done."
        )
    if version == 0:
        with db.atomic():
            db.create_tables(ALL_MODELS)
            if not is_sqlite():
                from models.audit.integrity import install_pg_triggers

                install_pg_triggers()
            SchemaVersion.create(version=LATEST, description="created", applied_at=utcnow())
        return LATEST
    if version < LATEST and (why := _log_newer_than(version)) is not None:
        raise StorageError(
            f"This database says it is at schema version {version}, but {why}: its version record "
            "was changed outside the kiosk. Nothing was changed: restore the last good backup, and keep "
            "this file to show what was done."
        )
    migrator = SchemaMigrator.from_database(db.obj)
    for step in MIGRATIONS:
        if step.version <= version:
            continue
        with db.atomic():
            step.apply(migrator)
            SchemaVersion.create(version=step.version, description=step.description, applied_at=utcnow())
        version = step.version
    return version


def _made_by_step() -> dict[int, list[str]]:
    """The tables each migration made (the version that made them), beyond version 1's."""
    from models.store import tables as t

    made = {
        2: t.VISITOR_MODELS,
        3: t.EXCEPTION_MODELS,
        4: t.COMPLIANCE_MODELS,
        6: t.AUTH_MODELS,
        10: t.GOVERNANCE_MODELS,
        11: t.SCHOOL_DEVICE_MODELS,
        12: t.DAY_MARK_MODELS,
        14: t.CONCERN_ACTION_MODELS,
        15: t.INFORMED_MODELS,
        16: t.CONCERN_SEEN_MODELS,
    }
    return {v: [m._meta.table_name for m in models] for v, models in made.items()}


def tables_at(version: int) -> set[str]:
    """The names of the tables the kiosk has made in a database at schema ``version`` (a
    database made new at :data:`LATEST` has them all): a school's schema missing one of them
    was changed outside the kiosk (models.trust)."""
    later = _made_by_step()
    base = {m._meta.table_name for m in ALL_MODELS} - {n for names in later.values() for n in names}
    return base.union(*(set(names) for v, names in later.items() if v <= version))


def version_implied(names: Iterable[str]) -> int:
    """The newest version whose own tables are among ``names`` (1 when none is): what a
    school's tables say of its version, for a reader not allowed to read its version record."""
    present = set(names)
    found = [v for v, made in _made_by_step().items() if present & set(made)]
    return max(found, default=1)


def lost_columns() -> list[str]:
    """The kiosk's columns gone from its tables (``ALTER TABLE … DROP COLUMN`` outside the
    kiosk), one line each, for ``kiosk audit verify``: a column the audit hashes do not bind
    would otherwise pass unseen, and one they bind could not be read at all. A table that is
    gone altogether is not named here. After :func:`migrate`, every model's column is there."""
    from models.store.db import current_schema

    if is_sqlite():
        have: dict[str, set[str]] = {}
        for name in db.get_tables():
            have[name] = {row[1] for row in db.execute_sql(f'PRAGMA table_info("{name}")').fetchall()}
    else:
        have = {}
        for table, column in db.execute_sql(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
            (current_schema(),),
        ).fetchall():
            have.setdefault(table, set()).add(column)
    lost = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table not in have:
            continue
        for column in model._meta.columns:
            if column not in have[table]:
                lost.append(
                    f"Table {table} has lost its column {column} (dropped outside the kiosk): its records are not "
                    "whole. Restore the last backup (kiosk restore)."
                )
    return lost
