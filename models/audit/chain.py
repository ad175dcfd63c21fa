"""The hash-chained audit log.

Each entry stores the hash of the entry before it, so an edited, removed or reordered
entry breaks the chain from that point. Since schema 9 the hash is an HMAC-SHA256 with
a key derived from the PIN key file (:func:`chain_key`), which is kept outside the
database: someone with only the database file cannot add an entry, or re-chain the log
after removing one, so that verify accepts it. Entries written before a database was
upgraded to schema 9 keep their plain SHA-256, up to the ``audit.chain_keyed`` entry
the upgrade wrote. The newest seq and hash are also
kept in ``AuditHead`` and each custody event records its entry's seq, so a cut-off
tail is reported too.

Entries name records by id and carry no names or free text about people, so they can
outlive a purge or an erasure and the chain still verifies.

Since schema 5 an entry also carries, in ``rows``, the SHA-256 of each protected row
its transaction wrote (and of each changed row as it was before), and the ids of those
it deleted (:mod:`models.audit.integrity`); :func:`verify` recomputes every protected row
against them, and compares the chain with the anchors kept outside the database
(:mod:`models.audit.anchors`).

Appends must happen inside :func:`models.audit.tx.write_tx`: that transaction serialises
writers, so the chain never forks.

Retention (``models.records.duties``) may delete the oldest entries. The seq and hash of the
last entry it deleted are kept as the *anchor* (``AuditHead`` row 2), and the purge's
own entry records the same anchor in its details, so :func:`verify` starts the chain
from the anchor and still notices an entry removed, or an anchor moved, by anyone else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.audit import integrity
from models.store import keys
from models.store.stopping import stop_point
from models.store.tables import AuditEntry, AuditHead, CustodyEvent

GENESIS = "0" * 64
STOP_EVERY = 1000  # entries walked between looks at the check's stop flag
SYSTEM = "system"
HEAD_ID = 1
ANCHOR_ID = 2  # the last entry removed by a retention purge: the chain starts after it
GENESIS_ID = 3  # a school of a trust made by add_site: its log's own start, in place of GENESIS (seq 0)
PURGE_ACTION = "records.purge"  # its details carry "audit_anchor": [seq, hash] or null
KEYED_ACTION = keys.KEYED_ACTION  # schema 9 on an upgraded database: every entry from here is keyed


def _canonical(
    seq: int, at: str, actor: str, action: str, entity: str, entity_id: str, details: str, rows: str | None = None
) -> bytes:
    fields = [seq, at, actor, action, entity, entity_id, details]
    if rows is not None:  # entries written before content binding (schema 5) have none
        fields.append(rows)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    details: str,
    rows: str | None = None,
    *,
    key: bytes | None = None,
) -> str:
    """The entry's hash: HMAC-SHA256 with the chain key (:func:`chain_key`), or, for
    entries written before the chain was keyed (schema 9), plain SHA-256."""
    body = prev_hash.encode("ascii") + _canonical(seq, at, actor, action, entity, entity_id, details, rows)
    if key is not None:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def chain_key() -> bytes:
    """The key the chain is hashed with (:func:`models.store.keys.chain_key`)."""
    return keys.chain_key()


def keyed_from() -> int | None:
    """The entry from which every entry must carry the keyed hash: the first
    :data:`KEYED_ACTION` entry of an upgraded database; None for a database whose whole
    log is keyed (made at schema 9 or later)."""
    from peewee import fn

    return AuditEntry.select(fn.MIN(AuditEntry.seq)).where(AuditEntry.action == KEYED_ACTION).scalar()


def newest_is_keyed() -> bool:
    """Whether the log's newest entry carries the keyed hash (written by schema 9 or later)."""
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    if last is None:
        return False
    digest = entry_hash(
        last.prev_hash,
        last.seq,
        last.at,
        last.actor,
        last.action,
        last.entity,
        last.entity_id,
        last.details,
        last.rows,
        key=chain_key(),
    )
    return hmac.compare_digest(digest, last.hash)


def any_keyed() -> bool:
    """Whether any entry of the log carries the keyed hash: then a kiosk of schema 9 or
    later wrote it, whatever came after (one plain entry appended by hand hides nothing).
    Reads the whole log: for an upgrade's check only."""
    key = chain_key()
    query = (
        AuditEntry.select(
            AuditEntry.prev_hash,
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.details,
            AuditEntry.rows,
            AuditEntry.hash,
        )
        .order_by(AuditEntry.seq.desc())
        .tuples()
    )
    for *fields, digest in query.iterator():
        if hmac.compare_digest(entry_hash(*fields, key=key), str(digest)):
            return True
    return False


def actor_name(actor: Any) -> str:
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor
    return f"staff:{actor.id}"


def _not_before(prev_seq: int, at: str) -> str:
    """``at``, or the entry before's own ``at`` when that is later: entries' times never go
    back along the chain. A caller reads its clock before it waits for the write lock (a
    screen's worker takes ``now`` on the screen, and two of them can commit in the other
    order), so the later seq could otherwise show the earlier time."""
    if not prev_seq:
        return at
    row = AuditEntry.select(AuditEntry.at).where(AuditEntry.seq == prev_seq).first()
    if row is None:
        return at
    try:
        before, mine = _utc(row.at), _utc(at)
    except ValueError:
        return at
    return row.at if before > mine else at


def _utc(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text.rstrip("Z"))
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def head() -> tuple[int, str]:
    """The newest entry's (seq, hash); (0, :func:`genesis`) for an empty log. Read inside the write tx."""
    row = AuditHead.get_or_none(AuditHead.id == HEAD_ID)
    return (row.seq, row.hash) if row else (0, genesis())


def genesis() -> str:
    """What entry 1 follows: :data:`GENESIS`, or for a school a trust made (``models.trust``),
    the random start it was given (:func:`set_genesis`), so that no two schools' logs are
    alike from their first entry, whatever they record."""
    row = AuditHead.get_or_none(AuditHead.id == GENESIS_ID)
    return row.hash if row else GENESIS


def new_genesis() -> str:
    """A start of its own for a new school's log (:func:`set_genesis`): random, never GENESIS."""
    import secrets

    return secrets.token_hex(32)


def set_genesis(digest: str) -> None:
    """Give the open site's new, empty log its own start (a school a trust makes)."""
    AuditHead.create(id=GENESIS_ID, seq=0, hash=digest)


def anchor() -> tuple[int, str]:
    """The (seq, hash) of the last entry a purge removed; (0, GENESIS) if none was."""
    row = AuditHead.get_or_none(AuditHead.id == ANCHOR_ID)
    return (row.seq, row.hash) if row else (0, GENESIS)


ORIGIN_KEY = "chain_first"  # a purge's details: the log's origin (:func:`origin`), once entry 1 is removed


def origin(schema: str | None = None) -> str | None:
    """Which log this is, whatever it holds now: the start a trust gave it (:func:`genesis`),
    else the hash of its first entry (every later entry is chained onto it, so no other log
    has it unless this one was copied); once a
    retention purge has removed entry 1, the origin that purge recorded in its own, keyed
    entry (:data:`ORIGIN_KEY`); for a log purged before origins were recorded, the hash of
    the last entry the purge removed (the anchor, which every later purge records as the
    origin). None: an empty log. ``schema``: another site's log (PostgreSQL), read by its
    schema's name (:func:`models.trust.chains`), not the open site's."""
    from models.store.db import db

    def table(name: str) -> str:
        return f'"{schema}"."{name}"' if schema else f'"{name}"'

    param = db.obj.param
    row = db.execute_sql(f"SELECT hash FROM {table('audit_head')} WHERE id = {param}", (GENESIS_ID,)).fetchone()
    if row is not None and row[0]:
        return str(row[0])  # a school the trust made: its own start, bound by entry 1 (verify)
    row = db.execute_sql(f"SELECT hash FROM {table('audit_entry')} WHERE seq = 1").fetchone()
    if row is not None:
        return str(row[0])
    cursor = db.execute_sql(
        f"SELECT details FROM {table('audit_entry')} WHERE action = {param} ORDER BY seq DESC", (PURGE_ACTION,)
    )
    for (details,) in cursor:
        try:
            first = json.loads(details).get(ORIGIN_KEY)
        except (ValueError, AttributeError):
            continue
        if isinstance(first, str) and first:
            return first
    row = db.execute_sql(f"SELECT hash FROM {table('audit_head')} WHERE id = {param}", (ANCHOR_ID,)).fetchone()
    if row is not None and row[0] and row[0] != GENESIS:
        return str(row[0])
    return None


def origins(schemas: list[str]) -> dict[str, str | None]:
    """:func:`origin` of each of ``schemas`` (PostgreSQL: other sites' logs, by their
    schemas' names): the usual cases (a trust's own start, or entry 1) in one statement for
    them all, not two a schema (a report across a trust of 30 schools asks this of each);
    a log purged past entry 1, or empty, as :func:`origin` finds it."""
    from models.store.db import db

    if not schemas:
        return {}
    query = " UNION ALL ".join(
        f'SELECT %s, (SELECT hash FROM "{s}"."audit_head" WHERE id = %s), '
        f'(SELECT hash FROM "{s}"."audit_entry" WHERE seq = 1)'
        for s in schemas
    )
    params = [p for s in schemas for p in (s, GENESIS_ID)]
    out: dict[str, str | None] = {}
    for schema, start, first in db.execute_sql(query, params).fetchall():
        out[schema] = str(start) if start else str(first) if first is not None else origin(schema)
    return out


def set_anchor(seq: int, digest: str) -> None:
    """Record where the chain now starts. Only a retention purge calls this, in its write tx."""
    if AuditHead.update(seq=seq, hash=digest).where(AuditHead.id == ANCHOR_ID).execute() == 0:
        AuditHead.create(id=ANCHOR_ID, seq=seq, hash=digest)


def remove_through(seq: int, digest: str) -> None:
    """Retention: delete the entries up to ``seq`` (whose hash is ``digest``) and start the
    chain after it. The row hashes only those entries hold are carried into the next
    entry of this transaction (the purge's own), so the rows stay protected."""
    integrity.carry_forward(seq)
    AuditEntry.delete().where(AuditEntry.seq <= seq).execute()
    set_anchor(seq, digest)


# Entries the terminal anchors within seconds, not at its five-minute check: the records an
# insider would most want to cut from the end of the log before anyone anchored them
# (confiscations, searches, police, the DSL's decisions, concerns, parents told, undoing).
ANCHOR_SOON_PREFIXES = ("concern.", "parents.", "police.", "staff_device.", "relationship.", "exception.")
ANCHOR_SOON_ACTIONS = frozenset(
    f"custody.{k}"
    for k in (
        "confiscated",
        "searched",
        "handed_to_police",
        "returned_by_police",
        "dsl_decision",
        "held_staff_device",
        "returned_to_staff",
        "released_to_contact",
        "reversal",
    )
)
_anchor_soon = threading.Event()  # set once such an entry is committed (models.audit.tx)
_pending = threading.local()  # this thread's transaction holds such an entry


def committed(ok: bool) -> None:
    """Called by :func:`models.audit.tx.write_tx` as its transaction ends (``ok``: committed)."""
    if getattr(_pending, "soon", False):
        _pending.soon = False
        if ok:
            _anchor_soon.set()


def anchor_soon_wanted() -> bool:
    """Whether a record that should be anchored at once was committed since the last ask
    (the terminal polls this every few seconds; the command line anchors after every command)."""
    if _anchor_soon.is_set():
        _anchor_soon.clear()
        return True
    return False


def _wants_anchor_soon(action: str) -> bool:
    return action in ANCHOR_SOON_ACTIONS or action.startswith(ANCHOR_SOON_PREFIXES)


def append(
    actor: Any,
    action: str,
    entity: str,
    entity_id: Any,
    details: dict[str, Any] | None,
    now: dt.datetime,
    *,
    prev: tuple[int, str] | None = None,
) -> AuditEntry:
    """Append one entry; call inside the write transaction of the change it records.

    ``prev`` is the :func:`head` the caller already read in this transaction (a custody
    event records its entry's seq before the entry exists); otherwise it is read here.
    """
    prev_seq, prev_hash = prev if prev is not None else head()
    seq = prev_seq + 1
    at = _not_before(prev_seq, now.isoformat(timespec="microseconds"))
    who = actor_name(actor)
    body = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    ident = str(entity_id)
    rows = integrity.collect()
    digest = entry_hash(prev_hash, seq, at, who, action, entity, ident, body, rows, key=chain_key())
    entry = AuditEntry.create(
        seq=seq,
        at=at,
        actor=who,
        action=action,
        entity=entity,
        entity_id=ident,
        details=body,
        prev_hash=prev_hash,
        hash=digest,
        rows=rows,
    )
    if prev_seq:
        AuditHead.update(seq=seq, hash=digest).where(AuditHead.id == HEAD_ID).execute()
    else:
        AuditHead.create(id=HEAD_ID, seq=seq, hash=digest)
    if _wants_anchor_soon(action):
        _pending.soon = True  # wanted once it is committed (an anchor before then would not hold it)
    return entry


@dataclass
class VerifyReport:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    notes: list[str] = field(default_factory=list)  # what was and was not checked, not problems
    content_from: int | None = None  # the seq from which row content is bound (None: the whole log)
    rows_checked: int = 0
    anchors_checked: int = 0
    last_seq: int = 0  # the newest entry in the log (the purge anchor's seq for an empty one)

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad(self, seq: int | None, message: str) -> None:
        if self.first_bad_seq is None and seq is not None:
            self.first_bad_seq = seq
        self.problems.append(message)


def verify(
    batch: int = 5000, *, content: bool = True, then: Callable[[VerifyReport], None] | None = None
) -> VerifyReport:
    """Walk the chain from the start (or the purge anchor) and report the first entry that does not fit.

    With ``content``, also recompute every protected row against the newest entry that
    covers it (:mod:`models.audit.integrity`). ``then`` runs last, in the same consistent read:
    :func:`models.audit.anchors.verify` compares the chain with the anchors written outside it.
    """
    import peewee

    from models.store.db import damage_message, integrity_problems

    report = VerifyReport()
    damage = integrity_problems()
    if damage:
        report.bad(
            None,
            f"The database file is damaged: SQLite's integrity check failed ({damage[0]}"
            + (f", and {len(damage) - 1} more" if len(damage) > 1 else "")
            + ").",
        )
    try:
        with _snapshot():
            _verify(report, batch, content, then)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        stop_point()  # a statement interrupted because the check was asked to stop: no answer
        message = damage_message(exc)
        if message is None:
            raise
        report.bad(None, f"The check stopped: {message}")
    return report


def entry_problem(e: Any, prev_hash: str, key: bytes, plain_before: int) -> str | None:
    """What is wrong with entry ``e``, given the hash of the entry before it (None: it fits).

    The test :func:`verify` makes of each entry in its walk, and :func:`altered_rows` of one
    entry alone: it follows the entry before it, and its content still gives its hash, keyed
    (``key``), or plain SHA-256 only before ``plain_before`` (an upgraded database)."""
    if e.prev_hash != prev_hash:
        return f"Entry {e.seq} does not follow entry {e.seq - 1}: entries were removed or reordered."
    fields = (e.prev_hash, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.details, e.rows)
    if hmac.compare_digest(entry_hash(*fields, key=key), str(e.hash)):
        return None
    if not hmac.compare_digest(entry_hash(*fields), str(e.hash)):
        return f"Entry {e.seq} was edited: its content no longer matches its hash."
    if e.seq >= plain_before:
        return (
            f"Entry {e.seq} was written without the kiosk's key (a plain SHA-256): "
            "it was added, or the log re-chained, outside the kiosk."
        )
    return None


ENTRY_ALTERED = "its audit entry was edited outside the kiosk"
ROW_ALTERED = "edited outside the kiosk: it no longer matches its audit entry"
ENTRY_MISSING = "its audit entry is missing"
NOT_BOUND = "its audit entry does not record it: written outside the kiosk"
PREV_MISSING = "the audit entry before its own is missing: the log was cut"


def altered_rows(table: str, rows: dict[int, Any]) -> dict[int, str]:
    """Which of these rows of an append-only protected table (``rows``: id -> the seq of the
    audit entry that wrote it, as the row says) do not match the audit chain, and why.

    :func:`verify`'s own tests, made for these rows alone so that a screen can afford them
    (a phone's history: a few hundred rows, not the whole log): the row's entry follows the
    one before it and still gives its hash (:func:`entry_problem`), and the row is as that
    entry bound it (:func:`models.audit.integrity.row_hash`). Only for tables the kiosk
    never updates (the custody ledger): a row's entry is then the last word on it. A row
    whose entry a retention purge removed, or written before contents were bound (an old
    upgraded database), cannot be judged here and is not named; ``kiosk audit verify``
    still checks everything.
    """
    if not rows:
        return {}
    anchor_seq, anchor_hash = anchor()
    key = chain_key()
    plain_before = keyed_from() or 0
    out: dict[int, str] = {}
    wanted: set[int] = set()
    for rid, seq in rows.items():
        if not isinstance(seq, int) or isinstance(seq, bool):
            out[rid] = NOT_BOUND  # the row's entry number is not a number: edited outside the kiosk
        elif seq > anchor_seq:
            wanted.update((seq, seq - 1))
    found = sorted(wanted)
    entries: dict[int, Any] = {}
    for i in range(0, len(found), 500):
        for row in AuditEntry.select().where(AuditEntry.seq.in_(found[i : i + 500])):
            entries[row.seq] = row
    current = integrity.current_hashes(table, rows)
    for rid, seq in rows.items():
        if rid in out or seq <= anchor_seq:
            continue
        e = entries.get(seq)
        if e is None:
            out[rid] = ENTRY_MISSING
            continue
        before = entries.get(seq - 1)
        prev = anchor_hash if seq - 1 == anchor_seq else (before.hash if before is not None else None)
        if prev is None:
            out[rid] = PREV_MISSING
            continue
        if entry_problem(e, str(prev), key, plain_before) is not None:
            out[rid] = ENTRY_ALTERED
            continue
        if not e.rows:
            continue  # written before row contents were bound (an upgraded database)
        try:
            bound = json.loads(e.rows).get("b", {}).get(table, {}).get(str(rid))
        except (ValueError, AttributeError):
            out[rid] = ENTRY_ALTERED
            continue
        if bound is None:
            out[rid] = NOT_BOUND
        elif current.get(rid) != bound:
            out[rid] = ROW_ALTERED
    return out


def _snapshot():
    """One consistent read of the log and the rows, while terminals go on writing (a read
    transaction: SQLite's WAL gives it a snapshot without blocking writers)."""
    import contextlib

    import peewee

    from models.store.db import db

    database = db.obj
    if database.transaction_depth() > 0:
        return contextlib.nullcontext()
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic(lock_type="DEFERRED")
    return database.atomic(isolation_level="REPEATABLE READ")


def _verify(report: VerifyReport, batch: int, content: bool, then: Callable[[VerifyReport], None] | None) -> None:
    cov = integrity.Coverage()
    anchor_seq, anchor_hash = anchor()
    start = genesis()
    if not anchor_seq:
        anchor_hash = start  # entry 1 follows the log's own start (a school a trust made), else GENESIS
    origins: set[str] = set()  # what the purges recorded as the log's origin
    expected_seq = anchor_seq + 1
    prev_hash = anchor_hash
    last_seq = report.last_seq = anchor_seq
    broken = False
    recorded_anchor: list | None = None  # what the newest purge entry says the anchor is
    key = chain_key()
    plain_before = keyed_from() or 0  # entries before this may carry a plain SHA-256 (written before schema 9)
    query = AuditEntry.select().order_by(AuditEntry.seq)
    for e in query.iterator():
        report.entries += 1
        if not report.entries % STOP_EVERY:
            stop_point()  # the app is closing: stop between batches (models.store.stopping)
        if content:
            try:
                cov.apply(e.seq, e.action, e.rows)
            except (ValueError, TypeError, AttributeError):
                report.bad(e.seq, f"Entry {e.seq} was edited: its list of rows cannot be read.")
        if e.action == PURGE_ACTION:
            try:
                recorded_anchor = json.loads(e.details).get("audit_anchor")
                if isinstance(first := json.loads(e.details).get(ORIGIN_KEY), str):
                    origins.add(first)
            except (ValueError, AttributeError):
                recorded_anchor = None
        if not broken:
            if e.seq != expected_seq:
                if e.seq > expected_seq:
                    missing = f"{expected_seq}" if e.seq == expected_seq + 1 else f"{expected_seq}–{e.seq - 1}"
                    report.bad(
                        expected_seq, f"Entry {missing} is missing: removed from the log (next present is {e.seq})."
                    )
                else:
                    report.bad(e.seq, f"Entry {e.seq} is out of order.")
                broken = True
            elif (problem := entry_problem(e, prev_hash, key, plain_before)) is not None:
                report.bad(e.seq, problem)
                broken = True
        prev_hash = e.hash
        expected_seq = e.seq + 1
        last_seq = report.last_seq = e.seq
    if start != GENESIS and origins - {start}:
        report.bad(
            None,
            "The log's start (its school's own, given when the trust made the school) is not the one its "
            "purges recorded: changed outside the kiosk.",
        )
    expected_anchor = [anchor_seq, anchor_hash] if anchor_seq else None
    if recorded_anchor != expected_anchor:
        report.bad(
            anchor_seq + 1 if anchor_seq else None,
            "The log's starting point does not match the one the last purge recorded: entries were removed outside a purge.",
        )
    head = AuditHead.get_or_none(AuditHead.id == HEAD_ID)
    if head is not None and not isinstance(head.seq, int):
        report.bad(
            None,
            f"The record of the log's head names entry {head.seq!r}, which is not an entry number: "
            "edited outside the kiosk.",
        )
        head = None
    elif head is not None:
        if head.seq > last_seq:
            report.bad(
                last_seq + 1, f"The log is cut short: entries {last_seq + 1}–{head.seq} are missing from the end."
            )
        elif head.seq < last_seq:
            report.bad(head.seq + 1, f"Entries after {head.seq} were added outside the kiosk.")
        elif not broken and head.hash != prev_hash:
            report.bad(last_seq, f"Entry {last_seq} does not match the recorded head of the log.")
    elif last_seq:
        report.bad(None, "The record of the log's head is missing.")
    newest_event = (
        CustodyEvent.select(CustodyEvent.id, CustodyEvent.audit_seq).order_by(CustodyEvent.audit_seq.desc()).first()
    )
    if newest_event is not None and not isinstance(newest_event.audit_seq, int):
        report.bad(
            None,
            f"Table custody_event: custody event {newest_event.id} refers to entry "
            f"{newest_event.audit_seq!r}, which is not an entry number: edited outside the kiosk.",
        )
    elif newest_event is not None and newest_event.audit_seq > last_seq and not (head and head.seq > last_seq):
        # No entry to name: the event was written with an entry number the log never
        # reached (inserted outside the kiosk), or the end of the log and its head were
        # cut back together (the anchors, when there are any, tell which).
        report.bad(
            None,
            f"Table custody_event: custody event {newest_event.id} refers to entry "
            f"{newest_event.audit_seq}, but the log ends at entry {last_seq}: the log was cut short, "
            "or the event was inserted outside the kiosk.",
        )
    if content:
        _check_content(report, cov)
    if then is not None:
        then(report)


def _check_content(report: VerifyReport, cov: integrity.Coverage) -> None:
    if cov.baseline_seq is not None:
        report.content_from = cov.baseline_seq
        report.notes.append(
            f"Row contents are bound into the log from entry {cov.baseline_seq} (this database was upgraded then): "
            "a change made before that cannot be seen."
        )
    if cov.extended_seq is not None and (cov.baseline_seq is None or cov.extended_seq > cov.baseline_seq):
        report.notes.append(
            f"Teachers' classes, devices and pupils are bound into the log from entry {cov.extended_seq} "
            "(this database was upgraded then): a change made to them before that cannot be seen."
        )
    if cov.extended_8_seq is not None and (cov.baseline_seq is None or cov.extended_8_seq > cov.baseline_seq):
        report.notes.append(
            f"Classes and visitors are bound into the log from entry {cov.extended_8_seq} "
            "(this database was upgraded then): a change made to them before that cannot be seen."
        )
    broken = bool(report.problems)
    integrity.report_changed_unseen(cov, report.bad)
    report.rows_checked = integrity.check_rows(cov, report.bad, broken=broken)
