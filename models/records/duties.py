"""Records duties (UK GDPR): retention purge, subject access, erasure.

Each kind of record the kiosk keeps is a :class:`RecordKind` in :data:`KINDS`. A kind
knows its table(s), which retention period applies (``Settings.retention_days``), what
date decides a record's age, what counts as a legal hold, how to export its rows for a
subject access request (SAR) and how to erase them for one person. The three duties
walk the registry:

* :func:`purge` deletes what has expired and lists what it keeps because of a legal
  hold (and, apart, child protection records kept for want of a pupil's date of birth,
  and concerns about staff, which it never deletes), in short transactions (batches of :data:`BATCH_ROWS` rows, each ONE write
  transaction with its own audit entry saying whether the purge is complete), so the
  terminals go on scanning while it runs;
* :func:`subject_access` collects everything held about one person, and
  :func:`write_sar` writes it as a JSON file plus one CSV per kind (folder or zip);
* :func:`erase` deletes one person's data, refused (with the reason, in one line) while
  any of it is under a legal hold; a long custody history goes oldest episodes first in
  batches of its own, then the rest in ONE last transaction; every batch has its audit entry.

What a legal hold is has ONE definition, :func:`legal_holds`, which purge and erase
both call: a phone in a tray, confiscated or with the police; an open concern (and the
phone and visit it names); a visitor on site (a visit not signed out), or a visitor's
phone the school still holds. Purge keeps what is held and lists it; erase refuses.

A subject access export is audited (``records.sar``) only once its file is completely
written (:func:`write_sar`): a failed export is never recorded as a disclosure.

The custody ledger is append-only in normal use. Retention deletes whole *episodes*
of a phone's history: a run of events that starts and ends with the phone back with
its owner (state "out"), with no undo reaching across its edges. Replaying what is
left therefore gives the same current state as before (checked for every device
before anything is deleted), and ``DeviceState`` never points at a deleted event.
A phone handed to the police, or confiscated and still held, keeps its whole history.
An episode of a pupil's phone with a search or a police hand-over (and so the
confiscation it belongs to) is a child protection record: it goes only once both the
``confiscations`` period and the pupil's date of birth + 25 years (IRMS toolkit for
schools; ``child_protection_years``, never fewer) have passed, and never while the date
of birth is unknown.

Audit entries hold ids only, so they outlive the rows they name. When audit entries
themselves expire, the oldest run is deleted and its last seq and hash become the
chain's anchor (see :mod:`models.audit.chain`), recorded in the purge's own audit entry.

Adding a kind (visits, exceptions, concerns): subclass :class:`RecordKind` (in
:mod:`models.records.kinds`) and put it in the list :data:`KINDS` is built from. Dependants
must come after what they reference: erase walks the registry backwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import json
import os
import re
import secrets
import shutil
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import peewee
from peewee import fn

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import utcnow
from models.custody.ledger import (
    CONFISCATED,
    IN_TRAY,
    OUT,
    POLICE,
    REVERSAL,
    LedgerError,
    replay,
)
from models.errors import NotFound, PermissionDenied, RuleViolation, StorageError, ValidationError
from models.records import holds as hold_rules
from models.records import kinds as record_kinds
from models.records.base import (
    AUDIT_REFS,
    EVERYONE,
    KINDS,
    PUPIL,
    STAFF,
    VISITOR,
    PurgeContext,
    PurgePart,
    RecordKind,
    Subject,
    chunks,
    counted,
    iso,
    pupil_device_ids,
    pupil_dobs,
    rows_of,
)
from models.records.holds import (
    CHILD_PROTECTION_KINDS,
    HOLD_WORDS,
    NO_DOB,
    RETAINED_CODES,
    RETAINED_WORDS,
    SERIOUS_KINDS,
    Hold,
)
from models.staff import concern_access
from models.staff.auth import HEADTEACHER, require
from models.store.csvsafe import write_csv
from models.store.db import db
from models.store.db import tuples as _rows
from models.store.tables import (
    AuditEntry,
    Concern,
    Contact,
    CustodyEvent,
    Device,
    DeviceState,
    Label,
    Pupil,
    SchoolClass,
    Staff,
    StaffClass,
)
from models.text import line_field

ERASE_ACTION = "records.erase"
SAR_ACTION = "records.sar"


def pupil_subject(admission_no: str) -> Subject:
    adno = line_field(admission_no, "admission number", 20)
    pupil = Pupil.get_or_none(Pupil.admission_no == adno)
    if pupil is None:
        raise NotFound(f"No pupil has admission number {adno!r}: nothing is held under it.")
    return Subject(PUPIL, adno, pupil.id)


def visitor_subject(name: str) -> Subject:
    """A visitor, found by name (case and spacing ignored) by the kinds that hold visitors."""
    name = " ".join(line_field(name, "visitor's name").split())
    if not any(VISITOR in k.subjects and k.identifies for k in KINDS):
        raise NotFound("This kiosk keeps no visitor records yet: nothing is held about visitors.")
    subject = Subject(VISITOR, name).with_devices()
    if not any(ids for _table, ids in subject.row_ids or ()):
        raise NotFound(f"No visitor called {name!r} is on record: nothing is held under that name.")
    return Subject(VISITOR, name)


def staff_subject(username: str) -> Subject:
    username = line_field(username, "username", 40).lower()
    staff = Staff.get_or_none(Staff.username == username)
    if staff is None:
        raise NotFound(f"There is no member of staff called {username!r}.")
    return Subject(STAFF, username, staff.id)


# ---------------------------------------------------------------- pupils and what hangs off them


class PupilKind(RecordKind):
    """The pupil's own row, from the MIS roster. Kept while on roll; erased on request."""

    name, title = "pupil", "Pupil record"
    subjects = frozenset({PUPIL})
    columns = (
        "id",
        "admission_no",
        "first_name",
        "last_name",
        "year_group",
        "class",
        "dob",
        "active",
        "created_at",
        "updated_at",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        if subject.kind != PUPIL:
            return []
        rows = []
        for p in Pupil.select(Pupil, SchoolClass).join(SchoolClass).where(Pupil.id == subject.row_id):
            row = {c: iso(getattr(p, c)) for c in self.columns if c != "class"}
            row["class"] = p.school_class.name
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        if subject.kind != PUPIL:
            return 0
        return Pupil.delete().where(Pupil.id == subject.row_id).execute()


class ContactKind(RecordKind):
    """Parents and carers listed for a pupil (also third parties named in their SAR)."""

    name, title = "contacts", "Parents and carers"
    subjects = frozenset({PUPIL})
    columns = ("id", "name", "relationship", "priority", "can_collect", "active")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        if subject.kind != PUPIL:
            return []
        return rows_of(Contact.select().where(Contact.pupil == subject.row_id).order_by(Contact.id), self.columns)

    def erase(self, subject: Subject) -> int:
        if subject.kind != PUPIL:
            return 0
        return Contact.delete().where(Contact.pupil == subject.row_id).execute()


class DeviceKind(RecordKind):
    """Registered phones and where each is now (the ``DeviceState`` projection)."""

    name, title = "devices", "Registered phones"
    subjects = frozenset({PUPIL, VISITOR})
    identifies = False
    columns = ("id", "kind", "description", "registered_at", "active", "state", "tray_id", "slot_no", "since")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        rows = []
        ids = pupil_device_ids(subject)
        states = {s.device_id: s for s in DeviceState.select().where(DeviceState.device.in_(ids))} if ids else {}
        for d in Device.select().where(Device.id.in_(ids)).order_by(Device.id) if ids else []:
            s = states.get(d.id)
            rows.append(
                {
                    "id": d.id,
                    "kind": d.kind,
                    "description": d.description,
                    "registered_at": iso(d.registered_at),
                    "active": d.active,
                    "state": s.state if s else OUT,
                    "tray_id": s.tray_id if s else None,
                    "slot_no": s.slot_no if s else None,
                    "since": iso(s.since) if s else None,
                }
            )
        return rows

    def erase(self, subject: Subject) -> int:
        ids = pupil_device_ids(subject)
        if not ids:
            return 0
        DeviceState.delete().where(DeviceState.device.in_(ids)).execute()
        return Device.delete().where(Device.id.in_(ids)).execute()


class LabelKind(RecordKind):
    """Printed barcode labels (a code identifies a pupil's phone: pseudonymous data)."""

    name, title = "labels", "Phone labels"
    subjects = frozenset({PUPIL, VISITOR})
    identifies = False
    columns = ("id", "code", "device_id", "issued_at", "revoked_at", "revoke_reason", "replaced_by_id")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        ids = pupil_device_ids(subject)
        if not ids:
            return []
        return rows_of(Label.select().where(Label.device.in_(ids)).order_by(Label.id), self.columns)

    def erase(self, subject: Subject) -> int:
        ids = pupil_device_ids(subject)
        if not ids:
            return 0
        Label.update(replaced_by=None).where(Label.device.in_(ids)).execute()
        return Label.delete().where(Label.device.in_(ids)).execute()


# ---------------------------------------------------------------- the custody ledger


@dataclass
class _DevicePlan:
    delete_ids: list[int]
    counts: dict[str, int]
    new_last_event: int | None
    hold: Hold | None
    more: bool = False  # expired units left for a later batch (``limit`` reached)
    units: list[tuple[str, list[int]]] = field(default_factory=list)  # (retention key, event ids) of each unit deleted
    retained: Hold | None = None  # expired units kept by the retention rules (no date of birth)


# A pupil's phone: whose, and their date of birth (None: not known). A visitor's phone: absent.
_Owner = tuple[int | None, dt.date | None]


def _pupil_owners(devices: list[int]) -> dict[int, _Owner]:
    """The pupils' phones among ``devices``, with the pupil and their date of birth."""
    owners: dict[int, int | None] = {}
    for chunk in chunks(sorted(devices), 500):
        owners.update(
            (d, p)
            for d, p in _rows(
                Device.select(Device.id, Device.pupil).where(Device.id.in_(chunk) & (Device.kind == PUPIL))
            )
        )
    dobs = pupil_dobs(p for p in owners.values() if p is not None)
    return {d: (p, dobs.get(p) if p is not None else None) for d, p in owners.items()}


def _episodes(events: list[CustodyEvent]) -> tuple[list[tuple[int, int]], str]:
    """Split a device's events (id order) into closed units that start and end "out".

    Returns the units as (start, end) index pairs, inclusive, and the final state.
    Episodes joined by an undo that reaches across their edge form one unit; whatever
    is joined to the still-open tail is left out (the current state depends on it).
    """
    state = replay(events).custody.state  # raises LedgerError on a broken ledger
    bounds: list[tuple[int, int]] = []
    start = 0
    for r in _rest_points(events):
        bounds.append((start, r))
        start = r + 1
    tail = len(bounds)  # episode number of the open tail, events[start:] (maybe empty)
    episode_of = [tail] * len(events)
    for u, (s, t) in enumerate(bounds):
        for i in range(s, t + 1):
            episode_of[i] = u
    index_of = {e.id: i for i, e in enumerate(events)}
    joined = [False] * (tail + 1)  # joined[u]: episode u and u+1 are one unit
    for i, e in enumerate(events):
        if e.kind == REVERSAL and e.reverses_id in index_of:
            for u in range(episode_of[index_of[e.reverses_id]], episode_of[i]):
                joined[u] = True
    units: list[tuple[int, int]] = []
    u = 0
    while u < tail:
        first = u
        while u < tail and joined[u]:
            u += 1
        if u == tail:
            break  # joined to the open tail
        units.append((bounds[first][0], bounds[u][1]))
        u += 1
    return units, state


def _rest_points(events: list[CustodyEvent]) -> list[int]:
    """Indexes after which the state is "out", by one incremental replay."""
    from models.custody.ledger import Custody, step

    cur = Custody()
    stack: list[tuple[int, Custody]] = []
    rests = []
    for i, e in enumerate(events):
        if e.kind == REVERSAL:
            cur = stack.pop()[1]
        else:
            stack.append((e.id, cur))
            cur = step(cur, e.kind, e.tray_id, e.slot_no, category=e.category, outcome=e.outcome)
        if cur.state == OUT:
            rests.append(i)
    return rests


def _plan_device(
    device_id: int,
    events: list[CustodyEvent],
    ctx: PurgeContext,
    on_hold: Hold | None,
    limit: int | None = None,
    owner: _Owner | None = None,
) -> _DevicePlan:
    """What purge deletes of one phone's history. ``on_hold``: its strongest legal hold
    (:func:`legal_holds`). Police, confiscated or an open concern keep the whole history;
    a phone in the tray keeps its current hand-in (the open tail, never deleted).

    ``limit``: delete whole expired units, oldest first, until about this many events
    (at least one unit); ``more`` says expired units are left. Any subset of the closed
    units can go: each starts and ends with the phone back with its owner, so what is
    left replays the same.

    ``owner``: the pupil whose phone it is and their date of birth (None: a visitor's
    phone). A pupil's unit with a search or a police hand-over is a child protection
    record: it goes only once the pupil's date of birth + 25 years has passed as well
    (IRMS); with no date of birth it is kept, and ``retained`` says so."""
    cut = {"hand_ins": ctx.cutoff("hand_ins"), "confiscations": ctx.cutoff("confiscations")}
    earliest = min(e.at for e in events)
    try:
        units, state = _episodes(events)
    except (LedgerError, IndexError):
        broken = Hold(
            "custody",
            "device",
            device_id,
            "ledger",
            "its ledger does not replay (run kiosk audit verify): kept untouched",
        )
        return _DevicePlan([], {}, None, broken)
    if state in (POLICE, CONFISCATED) and (on_hold is None or on_hold.code not in (POLICE, CONFISCATED)):
        # The ledger says held but the projection does not (run kiosk audit verify): keep it all.
        on_hold = Hold("custody_events", "device", device_id, state, HOLD_WORDS[state])
    if on_hold is not None and on_hold.code != IN_TRAY:
        return _DevicePlan([], {}, None, on_hold if earliest < cut["hand_ins"] else None)
    delete: list[int] = []
    unit_ids: list[tuple[str, list[int]]] = []
    more = False
    counts = {"hand_ins": 0, "confiscations": 0}
    retained: Hold | None = None
    for s, t in units:
        unit = events[s : t + 1]
        key = "confiscations" if any(e.kind in SERIOUS_KINDS for e in unit) else "hand_ins"
        if max(e.at for e in unit) < cut[key]:
            if (
                owner is not None
                and any(e.kind in CHILD_PROTECTION_KINDS for e in unit)
                and not ctx.past_child_protection(owner[1])
            ):
                if owner[1] is None:
                    retained = Hold("custody_events", "device", device_id, NO_DOB, RETAINED_WORDS[NO_DOB])
                continue  # a child protection record: kept until the pupil's date of birth + 25 years
            if limit is not None and delete and len(delete) + len(unit) > limit:
                more = True
                break
            delete.extend(e.id for e in unit)
            counts[key] += len(unit)
            unit_ids.append((key, [e.id for e in unit]))
    hold: Hold | None = None
    if state == IN_TRAY:
        tail_start = units[-1][1] + 1 if units else 0
        if any(e.at < cut["hand_ins"] for e in events[tail_start:]):
            hold = on_hold or Hold("custody_events", "device", device_id, IN_TRAY, HOLD_WORDS[IN_TRAY])
    if not delete:
        return _DevicePlan([], counts, None, hold, retained=retained)
    gone = set(delete)
    kept = [e for e in events if e.id not in gone]
    try:
        same = replay(kept).custody == replay(events).custody
    except LedgerError:  # pragma: no cover - _episodes guarantees it; never risk it
        same = False
    if not same:  # pragma: no cover
        raise StorageError(
            f"Purge stopped: removing old events would change device {device_id}'s state. Nothing was deleted."
        )
    return _DevicePlan(delete, counts, kept[-1].id if kept else None, hold, more, unit_ids, retained)


class CustodyKind(RecordKind):
    """The ledger: routine hand-ins (``hand_ins``) and confiscations/searches (``confiscations``).

    Age: the last event of an episode (when the phone went back to its owner). An
    episode with a confiscation, search or police hand-over is kept for the
    confiscations period, otherwise for the hand-ins period.
    """

    name, title = "custody_events", "Chain of custody"
    retention = ("hand_ins", "confiscations")
    subjects = frozenset({PUPIL, VISITOR})
    identifies = False
    columns = (
        "id",
        "device_id",
        "kind",
        "at",
        "by",
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
        # schema 11 (issue 15): the confiscation's category, the fuller search record
        "category",
        "item_sought",
        "location",
        "no_witness_reason",
        "others_present",
        "found_what",
        "follow_up",
    )

    purge_counts = ("hand_ins", "confiscations")

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        """Every expired unit of every phone's history (a closed episode, see :func:`_episodes`),
        as ((device, retention key, event ids), cost), in ledger order: planned by a read
        outside any write transaction, so a batch deletes neighbouring rows (one school
        day's episodes lie together in the table) and only re-checks them in its own."""
        latest_cut = max(ctx.cutoff("hand_ins"), ctx.cutoff("confiscations"))
        devices = [
            d
            for (d,) in _rows(
                CustodyEvent.select(CustodyEvent.device)
                .where(CustodyEvent.at < latest_cut)
                .group_by(CustodyEvent.device)
                .order_by(CustodyEvent.device)
            )
        ]
        units: list[tuple[tuple[int, str, tuple[int, ...]], int]] = []
        # events after this one were written after planning began: their phones' holds are looked at again
        ctx.marks["custody_event"] = CustodyEvent.select(fn.MAX(CustodyEvent.id)).scalar() or 0
        for chunk in chunks(devices, 200):
            on_hold = {key[1]: h for key, h in hold_rules.strongest(hold_rules.legal_holds(devices=chunk)).items()}
            owners = _pupil_owners(chunk)
            by_device: dict[int, list[Any]] = {d: [] for d in chunk}
            for e in _light_events(chunk):
                by_device[e.device_id].append(e)
            for device_id, events in by_device.items():
                if not events:
                    continue
                plan = _plan_device(device_id, events, ctx, on_hold.get(device_id), owner=owners.get(device_id))
                if plan.hold:
                    ctx.holds.append(plan.hold)
                if plan.retained:
                    ctx.holds.append(plan.retained)
                for key, ids in plan.units:
                    units.append(((device_id, key, tuple(ids)), len(ids)))
        units.sort(key=lambda u: u[0][2][0])
        return units

    def _plan_units(
        self, ctx: PurgeContext, units: list[tuple[int, str, tuple[int, ...]]], limit: int | None
    ) -> PurgePart:
        """Inside a batch's transaction: delete the planned units that still may go. A
        phone held now (confiscated, with the police, an open concern) keeps them all; a
        unit changed since (an event gone, or an undo reaching into it) waits for the next purge."""
        part = PurgePart(deletes={"hand_ins": 0, "confiscations": 0})
        wanted = sorted(i for _d, _k, ids in units for i in ids)
        devices = sorted({d for d, _k, _ids in units})
        # Holds: the phones held when the units were planned have none; a phone becomes held
        # (confiscated, with the police, in the tray) only by a new event, or by an open concern.
        mark = ctx.marks.get("custody_event", 0)
        again: set[int] = set()
        for chunk in chunks(devices, 500):
            again.update(
                d
                for (d,) in _rows(
                    CustodyEvent.select(CustodyEvent.device)
                    .where((CustodyEvent.id > mark) & CustodyEvent.device.in_(chunk))
                    .distinct()
                )
            )
            again.update(
                d
                for (d,) in _rows(
                    Concern.select(Concern.device).where((Concern.status == "open") & Concern.device.in_(chunk))
                )
            )
        held = {
            key[1]: h
            for key, h in hold_rules.strongest(hold_rules.legal_holds(devices=sorted(again))).items()
            if h.code != IN_TRAY
        }
        present = set(_ids_present(wanted))
        undone_by: dict[int, int] = {}
        for chunk in chunks(wanted, 500):
            undone_by.update(
                (rev, i)
                for i, rev in _rows(
                    CustodyEvent.select(CustodyEvent.id, CustodyEvent.reverses).where(CustodyEvent.reverses.in_(chunk))
                )
            )
        # Child protection units (a pupil's search or police hand-over) are checked against the
        # pupil's date of birth as it is now: a roster import may have changed it since planning.
        protected: set[int] = set()
        serious = sorted(i for _d, key, ids in units if key == "confiscations" for i in ids)
        for chunk in chunks(serious, 500):
            protected.update(
                i
                for (i,) in _rows(
                    CustodyEvent.select(CustodyEvent.id).where(
                        CustodyEvent.id.in_(chunk) & CustodyEvent.kind.in_(sorted(CHILD_PROTECTION_KINDS))
                    )
                )
            )
        owners = _pupil_owners(sorted({d for d, _k, ids in units if protected.intersection(ids)}))
        delete: list[int] = []
        by_device: dict[int, set[int]] = {}
        for device_id, key, ids in units:
            if device_id in held:
                part.holds.append(held[device_id])
                continue
            mine = set(ids)
            if not mine <= present or any(undone_by.get(i, i) not in mine for i in ids if i in undone_by):
                continue
            owner = owners.get(device_id)
            if owner is not None and protected.intersection(ids) and not ctx.past_child_protection(owner[1]):
                if owner[1] is None:
                    part.holds.append(Hold("custody_events", "device", device_id, NO_DOB, RETAINED_WORDS[NO_DOB]))
                continue
            delete.extend(ids)
            by_device.setdefault(device_id, set()).update(ids)
            part.deletes[key] += len(ids)

        def apply() -> None:
            states = (
                {
                    s.device_id: s.last_event_id
                    for s in DeviceState.select(DeviceState.device, DeviceState.last_event).where(
                        DeviceState.device.in_(list(by_device))
                    )
                }
                if by_device
                else {}
            )
            for device_id, gone in by_device.items():
                if states.get(device_id) in gone:
                    newest = (
                        CustodyEvent.select(fn.MAX(CustodyEvent.id))
                        .where((CustodyEvent.device == device_id) & CustodyEvent.id.not_in(sorted(gone)))
                        .scalar()
                    )
                    DeviceState.update(last_event=newest).where(DeviceState.device == device_id).execute()
            _delete_events(delete)

        part.apply = apply
        return part

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        if units is not None:
            return self._plan_units(ctx, units, limit)
        latest_cut = max(ctx.cutoff("hand_ins"), ctx.cutoff("confiscations"))
        candidates = [
            r.device_id
            for r in CustodyEvent.select(CustodyEvent.device)
            .where(CustodyEvent.at < latest_cut)
            .group_by(CustodyEvent.device)
            .order_by(CustodyEvent.device)
        ]
        on_hold = {key[1]: h for key, h in hold_rules.strongest(hold_rules.legal_holds(devices=candidates)).items()}
        part = PurgePart(deletes={"hand_ins": 0, "confiscations": 0})
        plans: dict[int, _DevicePlan] = {}
        left = limit
        for chunk in chunks(candidates, 200):
            owners = _pupil_owners(chunk)
            by_device: dict[int, list[CustodyEvent]] = {d: [] for d in chunk}
            for e in _light_events(chunk):
                by_device[e.device_id].append(e)
            for device_id, events in by_device.items():
                if not events:
                    continue  # gone since the units were listed
                plan = _plan_device(
                    device_id,
                    events,
                    ctx,
                    on_hold.get(device_id),
                    None if left is None else max(left, 1),
                    owners.get(device_id),
                )
                plans[device_id] = plan
                if left is not None:
                    left -= len(plan.delete_ids)
                if plan.more:
                    part.again.append((device_id, len(events) - len(plan.delete_ids)))
                for key, n in plan.counts.items():
                    part.deletes[key] += n
                if plan.hold:
                    part.holds.append(plan.hold)
                if plan.retained:
                    part.holds.append(plan.retained)

        def apply() -> None:
            for device_id, plan in plans.items():
                if not plan.delete_ids:
                    continue
                DeviceState.update(last_event=plan.new_last_event).where(
                    (DeviceState.device == device_id) & DeviceState.last_event.in_(plan.delete_ids)
                ).execute()
                _delete_events(plan.delete_ids)

        part.apply = apply
        part.notes["devices"] = sorted(d for d, p in plans.items() if p.delete_ids)
        return part

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        ids = pupil_device_ids(subject)
        if not ids:
            return []
        staff = {s.id: s.display_name for s in Staff.select(Staff.id, Staff.display_name)}
        rows = []
        for e in CustodyEvent.select().where(CustodyEvent.device.in_(ids)).order_by(CustodyEvent.id).iterator():
            row = {c: iso(getattr(e, c)) for c in self.columns if c != "by"}
            row["by"] = staff.get(e.actor_id, "system") if e.actor_id else "system"
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = pupil_device_ids(subject)
        if not ids:
            return 0
        DeviceState.update(last_event=None).where(DeviceState.device.in_(ids)).execute()
        event_ids = [e.id for e in CustodyEvent.select(CustodyEvent.id).where(CustodyEvent.device.in_(ids))]
        return _delete_events(event_ids)


def _in_sql(column: str, ids: list[int]) -> tuple[str, list[int]]:
    """``column IN (…)`` with one parameter each: peewee's SQL building took a third of a batch."""
    from models.store.db import is_sqlite

    mark = "?" if is_sqlite() else "%s"
    return f'"{column}" IN ({", ".join([mark] * len(ids))})', list(ids)


def _ids_present(ids: list[int]) -> Iterable[int]:
    for chunk in chunks(sorted(ids), 500):
        cond, params = _in_sql("id", chunk)
        yield from (
            int(r[0]) for r in db.execute_sql(f'SELECT "id" FROM "custody_event" WHERE {cond}', params).fetchall()
        )


def _light_events(devices: list[int]) -> Iterable[Any]:
    """These phones' events, in ledger order, with only what planning a purge reads (id,
    device_id, kind, at, tray_id, slot_no, reverses_id, category, outcome): whole model rows were most of its time."""
    return (
        CustodyEvent.select(
            CustodyEvent.id,
            CustodyEvent.device.alias("device_id"),
            CustodyEvent.kind,
            CustodyEvent.at,
            CustodyEvent.tray.alias("tray_id"),
            CustodyEvent.slot_no,
            CustodyEvent.reverses.alias("reverses_id"),
            CustodyEvent.category,  # a confiscation's (a hold for the DSL) and a decision's code: the replay reads them
            CustodyEvent.outcome,
        )
        .where(CustodyEvent.device.in_(devices))
        .order_by(CustodyEvent.id)
        .namedtuples()
        .iterator()
    )


def _delete_events(ids: list[int]) -> int:
    """Delete ledger rows: reversals first (they reference the events they undo), after
    the DSL's seen marks on them (custody_seen)."""
    n = 0
    for chunk in chunks(sorted(ids), 500):
        cond, params = _in_sql("event_id", chunk)
        db.execute_sql(f'DELETE FROM "custody_seen" WHERE {cond}', params)
    for kinds in (f" AND \"kind\" = '{REVERSAL}'", ""):
        for chunk in chunks(sorted(ids), 500):
            cond, params = _in_sql("id", chunk)
            n += db.execute_sql(f'DELETE FROM "custody_event" WHERE {cond}{kinds}', params).rowcount
    return n


# ---------------------------------------------------------------- staff


class StaffKind(RecordKind):
    """Staff accounts. Exported on request; never erased here (the ledger names who acted)."""

    name, title = "staff", "Staff account"
    subjects = frozenset({STAFF})
    columns = (
        "id",
        "username",
        "display_name",
        "roles",
        "active",
        "created_at",
        "failed_attempts",
        "locked_until",
        "classes",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        if subject.kind != STAFF:
            return []
        s = Staff.get_by_id(subject.row_id)
        classes = [
            c.school_class.name
            for c in StaffClass.select(StaffClass, SchoolClass).join(SchoolClass).where(StaffClass.staff == s.id)
        ]
        row = {c: iso(getattr(s, c)) for c in self.columns if c != "classes"}  # never the PIN hash
        row["classes"] = ", ".join(sorted(classes))
        return [{c: row[c] for c in self.columns}]

    def holds_for(self, subject: Subject) -> list[Hold]:
        if subject.kind != STAFF:
            return []
        assert subject.row_id is not None  # a staff subject is found by its row (staff_subject)
        return [
            Hold(
                self.name,
                "staff",
                subject.row_id,
                "ledger_actor",
                "a staff account is not erased: the chain of custody must show who acted (deactivate it instead)",
                "{who} is not erased: the chain of custody must show who acted (deactivate the account instead)",
            )
        ]


# ---------------------------------------------------------------- audit


class AuditKind(RecordKind):
    """The audit log. Entries hold ids, not names: nothing to erase. Age: the entry's time."""

    name, title = "audit", "Audit log entries"
    retention = ("audit",)
    subjects = EVERYONE
    columns = ("seq", "at", "actor", "action", "entity", "entity_id", "details")

    purge_counts = ("audit",)
    CHUNK = 1000  # entries removed per batch (each removal replays only the entries it removes)

    def _last_expired(self, ctx: PurgeContext) -> AuditEntry | None:
        cut = ctx.cutoff("audit").isoformat(timespec="microseconds")
        first_kept = AuditEntry.select(fn.MIN(AuditEntry.seq)).where(AuditEntry.at >= cut).scalar()
        query = AuditEntry.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
        if first_kept is not None:
            query = query.where(AuditEntry.seq < first_kept)
        return query.first()

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        """The expired entries in runs of :attr:`CHUNK`, oldest first: each unit is the last seq of a run."""
        last = self._last_expired(ctx)
        if last is None:
            return []
        first = AuditEntry.select(fn.MIN(AuditEntry.seq)).scalar()
        ends = list(range(first + self.CHUNK - 1, last.seq, self.CHUNK)) + [last.seq]
        return [(end, self.CHUNK) for end in ends]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        last = self._last_expired(ctx)
        if last is None:
            return PurgePart(deletes={"audit": 0})
        if units is not None:  # only as far as the units given (the oldest runs first)
            upto = min(max(units), last.seq)
            last = (
                AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
                .where(AuditEntry.seq <= upto)
                .order_by(AuditEntry.seq.desc())
                .first()
            )
            if last is None:
                return PurgePart(deletes={"audit": 0})
        count = AuditEntry.select().where(AuditEntry.seq <= last.seq).count()

        def apply() -> None:
            audit.remove_through(last.seq, last.hash)

        return PurgePart(deletes={"audit": count}, apply=apply)

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        refs: dict[str, set[str]] = {}
        if subject.kind == STAFF:
            cond = (AuditEntry.actor == f"staff:{subject.row_id}") | (
                (AuditEntry.entity == "staff") & (AuditEntry.entity_id == str(subject.row_id))
            )
        elif subject.kind in (PUPIL, VISITOR):
            devices = pupil_device_ids(subject)
            refs["device"] = {str(i) for i in devices}
            for chunk in chunks(devices, 500):
                refs.setdefault("label", set()).update(
                    str(lb.id) for lb in Label.select(Label.id).where(Label.device.in_(chunk))
                )
                refs.setdefault("custody_event", set()).update(
                    str(e.id) for e in CustodyEvent.select(CustodyEvent.id).where(CustodyEvent.device.in_(chunk))
                )
            cond = AuditEntry.seq < 0  # nothing, until a reference is added
            if subject.kind == PUPIL:
                cond = (AuditEntry.entity == PUPIL) & (AuditEntry.entity_id == str(subject.row_id))
        else:
            return []
        for provider in AUDIT_REFS:
            for entity, ids in provider(subject).items():
                refs.setdefault(entity, set()).update(str(i) for i in ids)
        for entity, id_texts in refs.items():
            for text_chunk in chunks(sorted(id_texts), 500):
                cond |= (AuditEntry.entity == entity) & AuditEntry.entity_id.in_(text_chunk)
        if subject.withheld_concerns:  # a concern withheld from this export: its entries too (who acted on it)
            cond &= ~(
                (AuditEntry.entity == "concern") & AuditEntry.entity_id.in_([str(i) for i in subject.withheld_concerns])
            )
        rows = {e.seq: e for e in AuditEntry.select().where(cond)}
        if subject.kind == PUPIL:
            # Roster imports name pupils in their details' "pupil_ids".
            for e in AuditEntry.select().where(
                (AuditEntry.action == "roster.import") & AuditEntry.details.contains(str(subject.row_id))
            ):
                if subject.row_id in json.loads(e.details).get("pupil_ids", []):
                    rows[e.seq] = e
        return rows_of((rows[s] for s in sorted(rows)), self.columns)


# THE kinds, in order: dependants after what they reference (erase walks this backwards),
# and the audit log last.
KINDS[:] = [
    PupilKind(),
    ContactKind(),
    DeviceKind(),
    LabelKind(),
    CustodyKind(),
    StaffKind(),
    *record_kinds.KINDS,
    AuditKind(),
]


# ---------------------------------------------------------------- purge


@dataclass
class PurgeResult:
    dry_run: bool
    deleted: dict[str, int]  # retention key -> rows deleted (or that would be)
    holds: list[Hold]
    cutoffs: dict[str, dt.datetime]
    audit_seq: int | None = None  # the purge's own audit entry (of a batched purge: the last batch's)
    batches: int = 0  # short transactions it took, each with its own audit entry
    audit_seqs: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "Would delete" if self.dry_run else "Deleted"
        out = [f"{verb}: " + counted(self.deleted) + "."]
        legal = [h for h in self.holds if h.code not in RETAINED_CODES]
        retained = [h for h in self.holds if h.code in RETAINED_CODES]
        if legal:
            out.append(f"Kept because of a legal hold ({len(legal)}):")
            out.extend(f"  {h.entity} {h.entity_id}: {h.reason}" for h in legal)
        else:
            out.append("Nothing kept because of a legal hold.")
        no_dob = [h for h in retained if h.code == NO_DOB]
        if no_dob:
            out.append(f"Kept for want of a date of birth ({len(no_dob)}):")
            out.extend(f"  {h.entity} {h.entity_id}: {h.reason}" for h in no_dob)
        others = [h for h in retained if h.code != NO_DOB]
        if others:
            out.append(f"Kept by the retention rules, for review by hand ({len(others)}):")
            out.extend(f"  {h.entity} {h.entity_id}: {h.reason}" for h in others)
        return out


# Short transactions: a batch deletes about this many rows (a row count, not a time
# budget, so a batch is the same on every run). Measured on the 1M-event benchmark
# database (python -m benchmarks.bench_purge, 1,539 batches): from the write lock to the
# commit a median of 21 ms, p95 41 ms, longest 87 ms, on 2 shared cores.
BATCH_ROWS = 500
# Between batches the write lock is left free this long. SQLite's busy handler retries a
# waiting writer 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 ms apart (100 ms only after it has
# waited 228 ms), so a gap of 60 ms lets in every terminal that waited through one batch;
# PostgreSQL queues waiters on the lock in order, so it needs only a moment.
PAUSE_SQLITE_S = 0.06
PAUSE_POSTGRES_S = 0.005


def _pause() -> float:
    from models.store.db import is_sqlite

    return PAUSE_SQLITE_S if is_sqlite() else PAUSE_POSTGRES_S


def unfinished(action: str) -> dict[str, Any] | None:
    """The details of the newest ``action`` entry if it says its run did not complete."""
    entry = (
        AuditEntry.select(AuditEntry.details).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc()).first()
    )
    if entry is None:
        return None
    try:
        details = json.loads(entry.details)
    except ValueError:
        return None
    return details if details.get("complete") is False else None


def purge(
    retention_days: Mapping[str, int],
    *,
    actor: Staff | str | None = "cli",
    dry_run: bool = False,
    now: dt.datetime | None = None,
    batch_rows: int | None = None,
    pause: float | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> PurgeResult:
    """Delete every record past its retention period, in short transactions (batches).

    Each batch is ONE write transaction of about ``batch_rows`` rows with its own audit
    entry (``records.purge``: what it deleted, the holds it kept, ``"batch"`` and
    ``"complete"``), so other terminals write between batches. Every batch plans its
    own part again inside its transaction: a legal hold that appeared meanwhile is kept,
    and the ledger and its projection agree after every batch. If the purge stops part
    way (a power cut), what is left is true and verifies; the newest purge entry says
    ``"complete": false``, and running the purge again finishes the job.

    ``after_batch(k)`` is called after batch k commits (not after the last): for tests.
    """
    now = now or utcnow()
    missing = sorted({key for k in KINDS for key in k.retention} - set(retention_days))
    if missing:
        raise ValidationError(f"No retention period is set for {', '.join(missing)}.")
    ctx = PurgeContext(now, retention_days)
    if actor is not None and not isinstance(actor, str):
        require(actor, "purge_records")
    cutoffs = {key: ctx.cutoff(key) for k in KINDS for key in k.retention}

    if dry_run:
        deleted: dict[str, int] = {}
        holds: list[Hold] = []
        with db.atomic():  # one consistent read; nothing written
            for k in KINDS:
                part = k.plan_purge(ctx)
                for key, n in part.deletes.items():
                    deleted[key] = deleted.get(key, 0) + n
                holds.extend(part.holds)
        return PurgeResult(True, deleted, holds, cutoffs)

    batch_rows = max(1, batch_rows or BATCH_ROWS)
    pause = _pause() if pause is None else pause
    # What to work through, read without taking the write lock (terminals go on writing).
    queue: list[tuple[RecordKind, deque[tuple[Any, int]] | None]] = []
    totals: dict[str, int] = {}
    for k in KINDS:
        for key in k.purge_counts:
            totals[key] = 0
        if k.retention:
            units = k.purge_units(ctx)
            queue.append((k, deque(units) if units is not None else None))
    earlier = unfinished(audit.PURGE_ACTION)
    with _checkpoints_between_batches():
        return _purge_batches(ctx, queue, totals, cutoffs, earlier, actor, now, batch_rows, pause, after_batch)


@contextlib.contextmanager
def _checkpoints_between_batches() -> Iterator[None]:
    """SQLite: no checkpoint inside a batch's commit (it copied the log back into the
    database while holding up the next terminal: up to 60 ms a commit on the 1M-event
    database); a passive one, which never blocks a writer, between batches instead."""
    from models.store.db import is_sqlite

    if not is_sqlite():
        yield
        return
    before = db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute_sql("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with contextlib.suppress(peewee.DatabaseError, peewee.InterfaceError):  # never hide why the purge stopped
            db.execute_sql(f"PRAGMA wal_autocheckpoint = {int(before)}")
            db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _purge_batches(
    ctx: PurgeContext,
    queue: list[tuple[RecordKind, deque[tuple[Any, int]] | None]],
    totals: dict[str, int],
    cutoffs: dict[str, dt.datetime],
    earlier: dict[str, Any] | None,
    actor: Staff | str | None,
    now: dt.datetime,
    batch_rows: int,
    pause: float,
    after_batch: Callable[[int], None] | None,
) -> PurgeResult:
    from models.store.db import checkpoint

    run = secrets.token_hex(4)
    kept: dict[tuple[str, int, str], Hold] = {}
    result = PurgeResult(False, totals, [], cutoffs)
    while True:
        result.batches += 1
        with write_tx():
            chain_first = audit.origin()  # before this batch removes entry 1: kept in its entry
            deleted = dict.fromkeys(totals, 0)
            holds = list(ctx.holds) if result.batches == 1 else []
            used = 0
            while queue and used < batch_rows:
                k, units = queue[0]
                if units is None:
                    part = k.plan_purge(ctx)
                    queue.pop(0)
                else:
                    take: list[Any] = []
                    before = used
                    while units and (not take or used + units[0][1] <= batch_rows):
                        unit, cost = units.popleft()
                        take.append(unit)
                        used += cost
                    if not take:
                        queue.pop(0)
                        continue
                    part = k.plan_purge(ctx, units=take, limit=max(1, batch_rows - before))
                    for item in reversed(part.again):
                        units.appendleft(item)
                    if not units:
                        queue.pop(0)
                if part.apply is not None and any(part.deletes.values()):
                    part.apply()
                for key, n in part.deletes.items():
                    deleted[key] = deleted.get(key, 0) + n
                    totals[key] = totals.get(key, 0) + n
                holds.extend(part.holds)
            while queue and queue[0][1] is not None and not queue[0][1]:
                queue.pop(0)  # nothing (more) to do for that kind: no batch of its own
            for h in holds:
                kept.setdefault((h.entity, h.entity_id, h.code), h)
            complete = not queue
            anchor_seq, anchor_hash = audit.anchor()
            details = {
                "run": run,
                "batch": result.batches,
                "complete": complete,
                "deleted": deleted,
                "cutoffs": {key: c.date().isoformat() for key, c in cutoffs.items()},
                "holds": [h.audit_ref() for h in holds[:500]],
                "hold_count": len(holds),
                "audit_anchor": [anchor_seq, anchor_hash] if anchor_seq else None,
            }
            if anchor_seq and chain_first:  # entries are gone: which log this is stays in it (a trust's registry)
                details[audit.ORIGIN_KEY] = chain_first
            if result.batches == 1 and earlier is not None:
                details["resumes"] = earlier.get("run")  # a purge that stopped part way
            if complete and result.batches > 1:
                details["run_deleted"] = dict(totals)
            entry = audit.append(actor, audit.PURGE_ACTION, "records", "purge", details, now)
        result.audit_seq = entry.seq
        result.audit_seqs.append(entry.seq)
        if complete:
            break
        if after_batch is not None:
            after_batch(result.batches)
        started = time.perf_counter()
        checkpoint()  # passive: copies what no reader needs, never waits for the lock
        if pause:
            time.sleep(max(0.0, pause - (time.perf_counter() - started)))
    result.holds = list(kept.values())
    return result


# ---------------------------------------------------------------- subject access


@dataclass(frozen=True)
class Withheld:
    """The concerns left out of a subject access export because whoever made it may not see
    them (``models.staff.concern_access``), by who must review them before anything is
    disclosed: "the DSL", or "the chair of governors" for an allegation about the headteacher.
    UK GDPR and the DPA 2018 (Schedule 2 and 3) allow an answer to withhold what would prejudice
    an investigation or name a third party; the reviewer decides what is disclosed."""

    by_reviewer: dict[str, tuple[int, ...]] = field(default_factory=dict)  # reviewer -> concern ids
    # Members of staff's own devices held for the LADO or the police that whoever made the export
    # may not read (models.custody.staff_device_access): reviewer -> device ids. Their register
    # row, their audit entries and police contacts about them are left out.
    staff_devices: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Searches, confiscations, police hand-overs and the DSL's decisions on a pupil's phone whose
    # details whoever made the export may not read (models.staff.auth.may_read_details):
    # reviewer -> custody event ids. The event stays (what happened, when, where the phone was);
    # its grounds, consent, outcome, what was found and the like are left out.
    details: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Said in every export this maker makes, whether or not anything is left out for it (so
    # that it says nothing of what there is): an export never counts or names an allegation
    # about the person who made it, nor one about a headteacher in a headteacher's.
    always: str = ""

    @property
    def concerns(self) -> int:
        return sum(len(ids) for ids in self.by_reviewer.values())

    @property
    def count(self) -> int:
        """Everything withheld: concerns, staff devices and records whose details were left out."""
        return self.concerns + sum(len(ids) for ids in (*self.staff_devices.values(), *self.details.values()))

    @staticmethod
    def _who(by: dict[str, tuple[int, ...]], mark: str = "#") -> str:
        return "; ".join(
            f"{reviewer}: {len(ids)} ({', '.join(f'{mark}{i}' for i in ids)})" for reviewer, ids in by.items()
        )

    def statement(self) -> str:
        """The plain statement put in the export (empty when nothing was withheld, and the
        maker is owed no standing note)."""
        parts = [self.always] if self.always else []
        if n := self.concerns:
            parts.append(
                f"WITHHELD: {n} concern{'s' if n != 1 else ''} about this person "
                f"{'are' if n != 1 else 'is'} not in this export, with {'their' if n != 1 else 'its'} follow-ups, "
                "parents told, police contacts and audit entries, because the person who made it may not see "
                f"{'them' if n != 1 else 'it'} (disclosure could prejudice an investigation, and names third parties). "
                f"Before anything is disclosed, review {'them' if n != 1 else 'it'}: {self._who(self.by_reviewer)}. "
                "The reviewer decides what may be disclosed and adds it."
            )
        if n := sum(len(ids) for ids in self.staff_devices.values()):
            parts.append(
                f"WITHHELD: {n} member{'s' if n != 1 else ''} of staff's own device{'s' if n != 1 else ''} held for "
                f"the LADO or the police {'are' if n != 1 else 'is'} not in this export (the register, the custody "
                "audit entries and police contacts about it), because the person who made it may not read "
                f"{'them' if n != 1 else 'it'} (online safety policy 11.3; KCSIE Part 4). Before anything is "
                f"disclosed, review {'them' if n != 1 else 'it'}: {self._who(self.staff_devices, 'device #')}. "
                "The reviewer decides what may be disclosed and adds it."
            )
        if n := sum(len(ids) for ids in self.details.values()):
            parts.append(
                f"WITHHELD: the details of {n} search{'es' if n != 1 else ''}, confiscation{'s' if n != 1 else ''} "
                "or police hand-over"
                f"{'s' if n != 1 else ''} (grounds, reason, consent, outcome, what was found, follow-up, parents "
                "told, police references) are not in this export; the events themselves are. The person who made "
                "it may not read them (mobile technology policy 9: details are for leadership and the DSL). "
                f"Before anything is disclosed, review {'them' if n != 1 else 'it'}: "
                f"{self._who(self.details, 'event #')}. The reviewer decides what may be disclosed and adds it."
            )
        return " ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "review": [{"reviewer": r, "concern_ids": list(ids)} for r, ids in self.by_reviewer.items()],
            "staff_devices": [{"reviewer": r, "device_ids": list(ids)} for r, ids in self.staff_devices.items()],
            "details": [{"reviewer": r, "event_ids": list(ids)} for r, ids in self.details.items()],
            "statement": self.statement(),
        }


@dataclass
class SarExport:
    subject: Subject
    generated_at: dt.datetime
    sections: dict[str, list[dict[str, Any]]]  # kind name -> rows
    columns: dict[str, tuple[str, ...]]
    titles: dict[str, str]
    actor: object = "cli"  # who asked: named in the audit entry once the file is written
    withheld: Withheld = field(default_factory=Withheld)  # concerns whoever asked may not see

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.sections.values())

    def as_json(self) -> dict[str, Any]:
        note = (
            "Everything the reception kiosk holds about this person. Times are UTC. "
            "Check third parties (other people named) before disclosing."
        )
        if self.withheld.count:
            note = (
                "Everything the reception kiosk holds about this person except what is withheld below. "
                "Times are UTC. Check third parties (other people named) before disclosing. "
                + self.withheld.statement()
            )
        return {
            "subject": {"kind": self.subject.kind, "key": self.subject.key},
            "generated_at": self.generated_at.isoformat(),
            "note": note,
            "withheld": self.withheld.as_json(),
            "records": {name: {"title": self.titles[name], "rows": rows} for name, rows in self.sections.items()},
        }


def _refuse_own_records(subject: Subject, actor: Staff | str | None) -> None:
    """Nobody erases their own records, and a headteacher no headteacher's, whatever they
    hold (a refusal only when they held an allegation would say that they do)."""
    if not isinstance(actor, Staff) or subject.kind != STAFF:
        return
    if subject.row_id == actor.id:
        raise PermissionDenied(
            "Nobody erases their own records: another records officer (the administrator), "
            "with the chair of governors, must handle this request."
        )
    target = Staff.get_or_none(Staff.id == subject.row_id)
    if target is not None and HEADTEACHER in target.role_set and HEADTEACHER in actor.role_set:
        raise PermissionDenied(
            "A headteacher does not erase a headteacher's records: the administrator, with the chair "
            "of governors, must handle this request."
        )


def _refuse_own_allegation(subject: Subject, actor: Staff | str | None) -> None:
    """Nobody reads or erases an allegation about themself (KCSIE Part 4), and a headteacher
    none about a headteacher (models.safeguarding.concerns routes those to the chair of
    governors): a records request that would include one is refused for that person."""
    if actor is None or isinstance(actor, str):
        return
    ids = subject.ids("concern")
    if not ids:
        return
    about = {
        staff_id
        for (staff_id,) in _rows(
            Concern.select(Concern.staff).where(Concern.id.in_(list(ids)) & Concern.staff.is_null(False))
        )
    }
    if not about:
        return
    heads = {
        s.id for s in Staff.select(Staff.id, Staff.roles).where(Staff.id.in_(list(about))) if HEADTEACHER in s.role_set
    }
    if actor.id in about or (HEADTEACHER in actor.role_set and heads):
        raise PermissionDenied(
            "These records include an allegation about you: another records officer "
            "(the administrator), with the chair of governors, must handle this request."
            if actor.id in about
            else "These records include an allegation about a headteacher: the administrator, "
            "with the chair of governors, must handle this request."
        )


def subject_access(subject: Subject, *, actor: Staff | str | None = "cli", now: dt.datetime | None = None) -> SarExport:
    """Everything held about one person, by kind, read in one consistent snapshot.

    Nothing is audited here: collecting is not disclosing. :func:`write_sar` audits the
    export once its file is completely written.
    """
    now = now or utcnow()
    if actor is not None and not isinstance(actor, str):
        require(actor, "manage_records")
    kinds = [k for k in KINDS if subject.kind in k.subjects]
    with db.atomic():  # one consistent read; nothing written
        subject = subject.with_devices()
        subject, withheld = _withhold_concerns(subject, actor)
        sections = {k.name: k.export(subject) for k in kinds}
        withheld = replace(
            withheld,
            staff_devices=_withhold_staff_devices(sections, actor),
            details=_withhold_details(sections, actor),
        )
    return SarExport(
        subject, now, sections, {k.name: k.columns for k in kinds}, {k.name: k.title for k in kinds}, actor, withheld
    )


def _withhold_concerns(subject: Subject, actor: Staff | str | None) -> tuple[Subject, Withheld]:
    """``subject`` without the concerns that ``actor`` may not see (the feed's rule,
    ``models.staff.concern_access``: an admin sees none, a headteacher none about a headteacher,
    nobody one about themself), and what was withheld, by who must review it. Those are the
    concerns about the subject, and (for a member of staff) those they raised or acted on, whose
    audit entries are theirs. The concern's text, its follow-ups, who raised it, its parents
    told and police contacts and its audit entries all stay out.

    An allegation about the maker (or, for a headteacher, about a headteacher) is left out
    without being counted or named: the export instead always says that such allegations are
    never in an export they make, whether or not there are any (a count would tell them).
    The domain's own use (no person: ``actor`` a string or None) withholds nothing."""
    if not isinstance(actor, Staff):
        return subject, Withheld()
    heads = concern_access.head_ids()
    always = _always_note(subject, actor)
    ids = set(subject.ids("concern"))
    if subject.kind == STAFF:  # what they raised or did on a concern: its entries are in their audit rows
        ids |= {
            int(e)
            for (e,) in _rows(
                AuditEntry.select(AuditEntry.entity_id).where(
                    (AuditEntry.actor == f"staff:{subject.row_id}") & (AuditEntry.entity == "concern")
                )
            )
            if str(e).isdigit()
        }
    if not ids:
        return subject, Withheld(always=always)
    hidden: dict[str, list[int]] = {}
    unsaid: list[int] = []  # about the maker (or a head, for a head): left out, never counted
    for chunk in chunks(sorted(ids), 500):
        for c in Concern.select(Concern.id, Concern.about_kind, Concern.staff).where(Concern.id.in_(chunk)):
            if concern_access.sees(actor, c, heads):
                continue
            about_maker = c.about_kind == concern_access.ABOUT_STAFF and c.staff_id == actor.id
            if about_maker or (HEADTEACHER in actor.role_set and concern_access.about_a_head(c, heads)):
                unsaid.append(c.id)
            else:
                hidden.setdefault(concern_access.reviewer(c, heads), []).append(c.id)
    if not hidden and not unsaid:
        return subject, Withheld(always=always)
    gone = {i for ids_ in hidden.values() for i in ids_} | set(unsaid)
    row_ids = tuple(
        (table, tuple(i for i in rows if i not in gone) if table == "concern" else rows)
        for table, rows in subject.row_ids or ()
    )
    kept = replace(subject, row_ids=row_ids, withheld_concerns=tuple(sorted(gone)))
    order = (concern_access.THE_DSL, concern_access.THE_CHAIR)
    return kept, Withheld({r: tuple(sorted(hidden[r])) for r in order if r in hidden}, always=always)


def _always_note(subject: Subject, actor: Staff) -> str:
    """What every export this maker makes of this subject says, whatever is held."""
    if HEADTEACHER in actor.role_set:
        return (
            "NOTE: allegations about a headteacher are never in an export a headteacher makes, whether or not "
            "there are any: before anything is disclosed, the chair of governors checks for them and adds what "
            "may be disclosed."
        )
    if subject.kind == STAFF and subject.row_id == actor.id:
        return (
            "NOTE: allegations about the person who made this export are never in it, whether or not there are "
            "any: before anything is disclosed, the DSL (the chair of governors, for a headteacher) checks for "
            "them and adds what may be disclosed."
        )
    return ""


def _is_person(actor: Staff | str | None) -> bool:
    return actor is not None and not isinstance(actor, str)


def _drop(rows: list[dict[str, Any]], gone: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [r for r in rows if not gone(r)]


def _withhold_staff_devices(
    sections: dict[str, list[dict[str, Any]]], actor: Staff | str | None
) -> dict[str, tuple[int, ...]]:
    """Take out of ``sections`` every member of staff's own device held for the LADO or the
    police that ``actor`` may not read (``staff_device_access.may_read``: never their own, a
    headteacher never a headteacher's, an admin none): its register row, the audit entries about
    it and its events, police contacts about it and parents told of its events. Returns what
    was withheld by who must review it: the chair of governors for the headteacher's device
    (or a DSL who is not the headteacher), else the DSL. The domain's own use withholds nothing."""
    if not _is_person(actor):
        return {}
    assert isinstance(actor, Staff)
    from models.custody import staff_device_access
    from models.store.tables import StaffDevice

    owners = {r.device_id: r.staff_id for r in StaffDevice.select(StaffDevice.device, StaffDevice.staff)}
    if not owners:
        return {}
    staff = {s.id: s for s in Staff.select().where(Staff.id.in_(sorted(set(owners.values()))))}
    hidden = {d: staff[o] for d, o in owners.items() if not staff_device_access.may_read(actor, staff[o])}
    if not hidden:
        return {}
    events = {
        e.id: e.device_id
        for e in CustodyEvent.select(CustodyEvent.id, CustodyEvent.device).where(
            CustodyEvent.device.in_(sorted(hidden))
        )
    }
    seen: set[int] = set()

    def about(device_id: Any) -> bool:
        if device_id in hidden:
            seen.add(device_id)
            return True
        return False

    def audit_about(r: dict[str, Any]) -> bool:
        entity, ident = r.get("entity"), str(r.get("entity_id"))
        if entity == "device" and ident.isdigit() and about(int(ident)):
            return True
        if entity == "custody_event" and ident.isdigit() and int(ident) in events:
            return about(events[int(ident)])
        try:
            details = json.loads(r.get("details") or "{}")
        except ValueError:
            return False
        return isinstance(details, dict) and about(details.get("device_id"))

    if "staff_devices" in sections:
        sections["staff_devices"] = _drop(sections["staff_devices"], lambda r: about(r.get("device_id")))
    if "police_contacts" in sections:
        sections["police_contacts"] = _drop(sections["police_contacts"], lambda r: about(r.get("device_id")))
    if "parents_informed" in sections:
        sections["parents_informed"] = _drop(
            sections["parents_informed"], lambda r: r.get("event_id") in events and about(events[r["event_id"]])
        )
    if "audit" in sections:
        sections["audit"] = _drop(sections["audit"], audit_about)
    by: dict[str, list[int]] = {}
    for device_id in sorted(seen):
        owner = hidden[device_id]
        who = concern_access.THE_CHAIR if HEADTEACHER in owner.role_set else concern_access.THE_DSL
        by.setdefault(who, []).append(device_id)
    order = (concern_access.THE_DSL, concern_access.THE_CHAIR)
    return {r: tuple(by[r]) for r in order if r in by}


# What a search, a confiscation, a police hand-over or return and the DSL's decision record beyond
# that they happened (the history's withheld line: ``models.custody.ledger.describe_event``).
_DETAIL_COLUMNS = (
    "reason",
    "policy",
    "consent_by",
    "consent_contact_id",
    "witness",
    "grounds",
    "outcome",
    "parents_informed_at",
    "parents_informed_how",
    "officer",
    "force_reference",
    "category",
    "item_sought",
    "location",
    "no_witness_reason",
    "others_present",
    "found_what",
    "follow_up",
)
# An audit entry of such an event keeps only these (the rest, its outcome, category or decision, are details).
_AUDIT_PLAIN = ("event_id", "device_id", "kind", "slot", "overflow", "searched_at", "returned_at")


def _withhold_details(
    sections: dict[str, list[dict[str, Any]]], actor: Staff | str | None
) -> dict[str, tuple[int, ...]]:
    """Blank in ``sections`` the details of every search, confiscation, police hand-over or return
    and DSL's decision on a phone that ``actor`` may not read (``may_read_details``: leadership,
    the DSL, the headteacher and whoever recorded it; not an admin), with the reason of an undo
    of one, those keys of their audit entries, the parents told of them and police contacts'
    references, callers and notes. The events stay: what happened, when, by whom, where the phone
    was. Returns the event ids so withheld, for the DSL to review. The domain's own use withholds
    nothing."""
    if not _is_person(actor) or not sections.get("custody_events"):
        return {}
    assert isinstance(actor, Staff)
    from models.custody.ledger import DETAIL_KINDS
    from models.staff.auth import DETAILS_WITHHELD, may_read_details
    from models.store.tables import PoliceContact

    ids = [r["id"] for r in sections["custody_events"]]
    events = {
        e.id: e
        for e in CustodyEvent.select(
            CustodyEvent.id, CustodyEvent.kind, CustodyEvent.actor, CustodyEvent.reverses
        ).where(CustodyEvent.id.in_(ids))
    }
    hidden: set[int] = set()
    for e in events.values():
        if e.kind in DETAIL_KINDS and not may_read_details(actor, e.actor_id):
            hidden.add(e.id)
    for e in events.values():  # an undo's reason often repeats what it undoes
        undone = events.get(e.reverses_id) if e.kind == REVERSAL else None
        if undone is not None and undone.id in hidden and not may_read_details(actor, e.actor_id):
            hidden.add(e.id)
    if not hidden:
        return {}
    for r in sections["custody_events"]:
        if r["id"] in hidden:
            for c in _DETAIL_COLUMNS:
                if c in r:
                    r[c] = None
            if r.get("note") and not str(r["note"]).startswith("overflow: "):
                r["note"] = DETAILS_WITHHELD
    if "parents_informed" in sections:
        sections["parents_informed"] = _drop(sections["parents_informed"], lambda r: r.get("event_id") in hidden)
    for r in sections.get("audit", []):
        if r.get("entity") == "custody_event" and str(r.get("entity_id")).isdigit() and int(r["entity_id"]) in hidden:
            try:
                details = json.loads(r.get("details") or "{}")
            except ValueError:
                details = {}
            plain = {k: v for k, v in details.items() if k in _AUDIT_PLAIN} if isinstance(details, dict) else {}
            r["details"] = json.dumps({**plain, "withheld": DETAILS_WITHHELD})
    if sections.get("police_contacts"):
        recorded = {
            p.id: p.recorded_by_id
            for p in PoliceContact.select(PoliceContact.id, PoliceContact.recorded_by).where(
                PoliceContact.id.in_([r["id"] for r in sections["police_contacts"]])
            )
        }
        for r in sections["police_contacts"]:
            if r.get("device_id") is not None and not may_read_details(actor, recorded.get(r["id"])):
                r.update(reference=None, called_by_name=None, note=None)
    return {concern_access.THE_DSL: tuple(sorted(hidden))}


_NOTHING = "Nothing was exported."


def _sar_files(export: SarExport) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "sar.json": json.dumps(export.as_json(), ensure_ascii=False, indent=2, default=str).encode("utf-8")
    }
    if export.withheld.count:  # said beside the CSVs too, for whoever opens only those
        files["WITHHELD.txt"] = (export.withheld.statement() + "\n").encode("utf-8")
    for name, rows in export.sections.items():
        buf = io.StringIO(newline="")
        columns = list(export.columns[name])
        write_csv(buf, columns, [[r.get(c) for c in columns] for r in rows])
        files[f"{name}.csv"] = ("\ufeff" + buf.getvalue()).encode("utf-8")  # utf-8-sig: Excel keeps accents
    return files


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` (never over an existing file) readable by its owner only, and fsync it."""
    from models.store.files import write_private

    write_private(path, data)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the filesystem can: not every one syncs a folder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES):
            raise
    finally:
        os.close(fd)


_NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS, errno.EXDEV)


def _place(tmp: Path, path: Path) -> None:
    """Move the finished file to its name, never over a file that appeared meanwhile."""
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if path.exists() or path.is_symlink():  # no hard links (a FAT USB stick): check, then rename
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST)) from None
        os.rename(tmp, path)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def write_sar(export: SarExport, path: str | Path) -> Path:
    """Write ``sar.json`` and one CSV per kind, to a new folder or (``.zip``) a new zip file,
    or (``.json``) the whole export as one new JSON file (``sar.json`` alone: the CSVs
    hold the same rows), and only then audit the export (``records.sar``).

    Any other suffix is refused unless the name is an existing empty folder: a user who
    typed ``m.csv`` or ``m.txt`` meant a file, and would not find one.

    The export is written to a temporary name in the target folder, fsynced and renamed
    into place; the audit entry follows. If the audit cannot be written the file is
    removed, so an export on disk is always an audited one and a failed export is never
    recorded as a disclosure. The target folder must exist; an existing zip or a folder
    that is not empty is refused. Files are created 0600, a folder 0700.
    """
    path = Path(path).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    suffix = path.suffix.lower()
    is_json = suffix == ".json"
    one_file = suffix in (".zip", ".json")  # a new file, never over an existing one
    if suffix not in ("", ".zip", ".json") and not (path.is_dir() and not path.is_symlink()):
        raise ValidationError(
            f"{path} is not a name the export can take: name a new folder, or a file ending .zip or .json. {_NOTHING}"
        )
    if not parent.is_dir():
        raise ValidationError(f"There is no folder {parent}: create it first, or choose another place. {_NOTHING}")
    if one_file and (path.exists() or path.is_symlink()):
        raise ValidationError(f"{path} already exists: choose a new file name. {_NOTHING}")
    if not one_file and (path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir())))):
        raise ValidationError(f"{path} already exists and is not an empty folder: choose a new one. {_NOTHING}")
    was_empty_folder = not one_file and path.is_dir()

    def undo() -> None:
        _remove(path)
        if was_empty_folder:  # put back the empty folder that was chosen
            with contextlib.suppress(OSError):
                os.mkdir(path)

    files = _sar_files(export)
    tmp = parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    placed = False
    try:
        if one_file:
            if is_json:
                data = files["sar.json"]
            else:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    for name, data in files.items():
                        zf.writestr(name, data)
                data = buf.getvalue()
            _write_private(tmp, data)
            _place(tmp, path)
            placed = True
            _remove(tmp)  # the temporary name of a hard link (already gone after a rename)
        else:
            os.mkdir(tmp, 0o700)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o700)  # whatever the umask
            for name, data in files.items():
                _write_private(tmp / name, data)
            _fsync_dir(tmp)
            os.rename(tmp, path)  # replaces only an empty folder
            placed = True
        _fsync_dir(parent)
    except OSError as exc:
        _remove(tmp)
        if placed:
            undo()
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise ValidationError(f"{path} already exists: choose a new one. {_NOTHING}") from None
        raise StorageError(f"Cannot write the export to {path}: {exc.strerror or exc}. {_NOTHING}") from None
    subject = export.subject
    try:
        with write_tx():
            audit.append(
                export.actor,
                SAR_ACTION,
                subject.kind,
                subject.row_id if subject.row_id is not None else "-",
                {"rows": {name: len(rows) for name, rows in export.sections.items()}},
                utcnow(),
            )
    except BaseException:
        undo()  # not audited: not disclosed
        raise
    return path


# ---------------------------------------------------------------- erasure


@dataclass
class EraseResult:
    subject: Subject
    deleted: dict[str, int]
    audit_seq: int

    def line(self) -> str:
        parts = counted({name: n for name, n in self.deleted.items() if n})
        return f"Erased {self.subject.label}: {parts or 'nothing was held'}."


def holds_for(subject: Subject) -> list[Hold]:
    """What blocks erasing this person: every legal hold on their phones, visits and
    concerns (:func:`legal_holds`, the definition purge uses too), then anything a kind
    refuses to erase (a staff account)."""
    if subject.device_ids is None or subject.row_ids is None:
        subject = subject.with_devices()
    holds = hold_rules.legal_holds(
        devices=subject.device_ids or (), visits=subject.ids("visit"), concerns=subject.ids("concern")
    )
    return holds + [h for k in KINDS if subject.kind in k.subjects for h in k.holds_for(subject)]


def _who(subject: Subject) -> str:
    return {PUPIL: "Pupil", VISITOR: "Visitor", STAFF: "Staff member"}.get(
        subject.kind, subject.kind.title()
    ) + f" {subject.key}"


def refusal(subject: Subject, holds: list[Hold]) -> str:
    """Erase's refusal in one line: the person named once, then each different reason
    (no record numbers: the office sees none), then "Nothing was erased."."""
    named = {h.concern_id for h in holds if h.entity == "concern"}  # said once, by the concern itself
    lines = list(dict.fromkeys(h.refusal() for h in holds if h.entity == "concern" or h.concern_id not in named))
    text = "; ".join(lines[:3]) + (f"; and {len(lines) - 3} more" if len(lines) > 3 else "")
    return f"{_who(subject)} cannot be erased yet: {text}. Nothing was erased."


def erase(
    subject: Subject,
    *,
    actor: Staff | str | None = "cli",
    now: dt.datetime | None = None,
    batch_rows: int | None = None,
    pause: float | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> EraseResult:
    """Delete one person's data, or refuse with the reason if any of it is under a legal hold.

    In short transactions: while the person's phones have more than ``batch_rows``
    custody events, a batch deletes the oldest whole episodes (each starts and ends with
    the phone back with its owner, so what is left replays the same and the projection
    stays true), with its own ``records.erase`` entry saying ``"complete": false``. The
    last batch deletes everything else and says ``"complete": true``. Every batch checks
    the legal holds again: a phone handed in meanwhile stops the erasure, and what was
    erased stays erased. Running it again finishes the job.
    """
    now = now or utcnow()
    if actor is not None and not isinstance(actor, str):
        require(actor, "manage_records")
        _refuse_own_records(subject, actor)
        _refuse_own_allegation(subject.with_devices(), actor)
    kinds = [k for k in KINDS if subject.kind in k.subjects]
    batch_rows = max(1, batch_rows or BATCH_ROWS)
    pause = _pause() if pause is None else pause
    batch = 0
    totals: dict[str, int] = {k.name: 0 for k in kinds}
    while True:
        batch += 1
        with write_tx():
            subject = subject.with_devices()
            holds = holds_for(subject)
            if holds:
                text = refusal(subject, holds)
                if batch > 1:
                    text = text.replace(
                        "Nothing was erased.",
                        "The erasure stopped part way: what it had erased stays "
                        "erased; run it again once the hold is released.",
                    )
                raise RuleViolation(text)
            step = _erase_step(subject, batch_rows)
            ident = subject.row_id if subject.row_id is not None else "-"
            if step is not None:
                totals["custody_events"] = totals.get("custody_events", 0) + step
                entry = audit.append(
                    actor,
                    ERASE_ACTION,
                    subject.kind,
                    ident,
                    {"deleted": {"custody_events": step}, "batch": batch, "complete": False},
                    now,
                )
            else:
                deleted: dict[str, int] = {}
                for k in reversed(kinds):  # dependants first
                    deleted[k.name] = k.erase(subject)
                deleted = {k.name: deleted[k.name] for k in kinds}
                details: dict[str, Any] = {"deleted": deleted}
                if batch > 1:
                    details.update(batch=batch, complete=True)
                entry = audit.append(actor, ERASE_ACTION, subject.kind, ident, details, now)
                for name, n in deleted.items():
                    totals[name] = totals.get(name, 0) + n
                return EraseResult(subject, {k.name: totals[k.name] for k in kinds}, entry.seq)
        if after_batch is not None:
            after_batch(batch)
        if pause:
            time.sleep(pause)


def _erase_step(subject: Subject, batch_rows: int) -> int | None:
    """If the person's phones have more than ``batch_rows`` events: delete the oldest whole
    episodes, about ``batch_rows`` events (at least one episode), and return how many; else None."""
    devices = list(subject.device_ids or ())
    if not devices:
        return None
    total = CustodyEvent.select().where(CustodyEvent.device.in_(devices)).count()
    if total <= batch_rows:
        return None
    by_device: dict[int, list[Any]] = {d: [] for d in devices}
    for e in _light_events(devices):
        by_device[e.device_id].append(e)
    delete: list[int] = []
    newest: dict[int, int | None] = {}
    for device_id, events in by_device.items():
        if not events or len(delete) >= batch_rows:
            continue
        try:
            units, _state = _episodes(events)
        except (LedgerError, IndexError):
            continue  # does not replay: left for the last batch, which deletes it whole
        taken = 0
        for s, t in units:
            if delete and len(delete) + (t - s + 1) > batch_rows:
                break
            delete.extend(e.id for e in events[s : t + 1])
            taken = t + 1
        if taken:
            newest[device_id] = events[-1].id if taken < len(events) else None
    if not delete:
        return None  # no whole episode to take: the last batch deletes it all at once
    for device_id, last in newest.items():
        DeviceState.update(last_event=last).where(
            (DeviceState.device == device_id) & DeviceState.last_event.in_(delete)
        ).execute()
    return _delete_events(delete)


# ---------------------------------------------------------------- never stored

# Columns allowed to hold bytes: only the print outbox's rendered job (what the kiosk
# itself printed: a slip, labels, a roll call), purged with the visit it prints.
BINARY_ALLOWED: set[tuple[str, str]] = {
    ("PrintJob", "data"),  # the ESC/POS bytes of a slip or label the kiosk itself made
    ("ComplianceDay", "pupils"),  # a bitmap of pupil ids who handed in on a closed day (derived)
}
_FORBIDDEN_NAME = re.compile(
    r"photo|image|picture|selfie|scan_of|passport|licen[cs]e_no|id_doc|document_image|screenshot|contents?$|attachment|blob",
    re.I,
)


def never_stored_problems(models: Iterable[type[peewee.Model]]) -> list[str]:
    """Columns that could hold a photograph of an ID document or anything from a device."""
    problems = []
    for model in models:
        for f in model._meta.sorted_fields:
            where = f"{model.__name__}.{f.name}"
            if isinstance(f, (peewee.BlobField, peewee.BareField)) and (model.__name__, f.name) not in BINARY_ALLOWED:
                problems.append(f"{where} can hold binary data")
            if _FORBIDDEN_NAME.search(f.name):
                problems.append(f"{where} is named like a photograph or device content")
    return problems


# The kinds that live beside their modules' tables (visits, exceptions, concerns)
# register themselves on import; importing them here means every purge, SAR and
# erasure sees them, whoever imported this module first.
