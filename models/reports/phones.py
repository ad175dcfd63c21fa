"""Read-only reports: devices, the day's custody events, phones still held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from peewee import JOIN, fn

from models.clock import SCHOOL_TZ, day_bounds, local_from_utc_naive, to_local, utcnow
from models.custody.dsl_hold import held_for_dsl
from models.custody.ledger import (
    CONFISCATED_EV,
    DSL_DECISION,
    EVENT_WORDS,
    HANDED_IN,
    MOVED,
    POLICE_EV,
    POLICE_RETURNED,
    RELEASED,
    RELEASED_TO_CONTACT,
    RETURNED,
    RETURNED_TO_STAFF,
    REVERSAL,
    SEARCHED,
    STATE_WORDS,
    PhoneState,
    describe_event,
    overflow_place_of,
)
from models.custody.trays import held_place, slot_name
from models.errors import KioskError, NotFound
from models.store.db import db
from models.store.tables import (
    Contact,
    CustodyEvent,
    DayMark,
    Device,
    DeviceState,
    Label,
    Pupil,
    SchoolClass,
    Staff,
    StaffDevice,
    Tray,
)


def _held(device_id: int, tray_name: str | None, slot_no: int | None) -> str:
    """Where a held phone is, for a column: "B-07", or the overflow place recorded when it was put there."""
    if tray_name is None or slot_no is None:
        return overflow_place_of(device_id)
    return held_place(tray_name, slot_no)


def class_named(name: str) -> SchoolClass:
    """The class called ``name`` (case and spacing ignored), or one line naming the classes there are."""
    wanted = " ".join((name or "").split()).casefold()
    classes = list(SchoolClass.select().order_by(SchoolClass.name))
    for c in classes:
        if " ".join(c.name.split()).casefold() == wanted:
            return c
    known = ", ".join(c.name for c in classes) or "none yet (import the roster)"
    raise NotFound(f"There is no class called {name.strip()[:40]!r}. The classes are: {known}.")


def devices(class_name: str | None = None) -> list[dict[str, Any]]:
    """Every active pupil device with its current label and state."""
    query = (
        Device.select(Device, Pupil, SchoolClass, DeviceState, Label, Tray)
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .switch(Device)
        .join(DeviceState, on=(DeviceState.device == Device.id))
        .join(Tray, join_type=JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .switch(Device)
        .join(Label, join_type=JOIN.LEFT_OUTER, on=((Label.device == Device.id) & Label.revoked_at.is_null()))
        .where(Device.active == True)  # noqa: E712
        .order_by(SchoolClass.name, Pupil.last_name, Pupil.first_name, Device.id)
    )
    if class_name is not None:
        query = query.where(SchoolClass.id == class_named(class_name).id)
    rows = []
    for d in query.iterator():  # rows with their joined state, label and tray
        st = d.devicestate
        label = getattr(d, "label", None)
        tray = getattr(st, "tray", None) if st.tray_id else None
        rows.append(
            {
                "code": label.code if label and label.id else "",
                "admission_no": d.pupil.admission_no,
                "pupil": d.pupil.full_name,
                "class": d.pupil.school_class.name,
                "description": d.description,
                "state": st.state,
                "slot": _held(st.device_id, tray.name if tray else None, st.slot_no)
                if st.state in ("in_tray", "confiscated")
                else "",
            }
        )
    return rows


def _fill_codes(out: list[dict[str, Any]], uncoded: list[tuple[int, int, Any]]) -> None:
    """The label each phone carried at the time, for events not made by a scan (a
    confiscation, search, police hand-over, move or undo): the label issued by then and not
    yet revoked, else the latest issued by then, else the phone's first label."""
    device_ids = sorted({device_id for _, device_id, _ in uncoded})
    labels: dict[int, list[tuple[Any, Any, str]]] = {}
    for device_id, code, issued, revoked in db.execute(
        Label.select(Label.device, Label.code, Label.issued_at, Label.revoked_at)
        .where(Label.device.in_(device_ids))
        .order_by(Label.issued_at, Label.id)
    ).fetchall():
        labels.setdefault(device_id, []).append((_when(issued), _when(revoked), code))
    for index, device_id, at in uncoded:
        when = _when(at)
        mine = labels.get(device_id, [])
        issued = [x for x in mine if x[0] <= when]
        live = [x for x in issued if x[1] is None or x[1] > when]
        pick = live[-1] if live else issued[-1] if issued else mine[0] if mine else None
        out[index]["code"] = pick[2] if pick else ""


def _when(value: Any) -> Any:
    """A stored time as a datetime (SQLite gives text, PostgreSQL a datetime)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def day(day: dt.date, tz=SCHOOL_TZ, *, reader: Staff | Iterable[str]) -> list[dict[str, Any]]:
    """Every custody event of a local school day, in order, as ``reader`` may read it (a
    search's, confiscation's or police hand-over's details only for those
    :func:`models.staff.auth.may_read_details` allows).

    One query of plain tuples (a full school day is thousands of hand-ins and
    releases); the few events with more to say (confiscations, searches, police,
    parents, undo) are described by :func:`models.custody.ledger.describe_event`.
    """
    start, end = day_bounds(day, tz)
    in_day = (CustodyEvent.at >= start) & (CustodyEvent.at < end)
    hidden = _staff_devices_hidden(reader, in_day)
    if hidden:  # (issue 15: the chair's hold of the head's device was listed to anyone, "by": "chair")
        in_day = in_day & CustodyEvent.device.not_in(hidden)
    query = (
        CustodyEvent.select(
            CustodyEvent.id,
            CustodyEvent.at,
            CustodyEvent.kind,
            CustodyEvent.label_code,
            CustodyEvent.tray,
            CustodyEvent.slot_no,
            CustodyEvent.actor,
            CustodyEvent.device,
        )
        .where(in_day)
        .order_by(CustodyEvent.at, CustodyEvent.id)
        .tuples()
    )
    # The pupil of each phone of the day and every username, once each rather than
    # joined into every row: a phone is handed in and released, so the names would be
    # fetched (and decoded) twice, and every value fetched costs more than the lookup.
    owners: dict[int, tuple[str, str, str]] = {
        device_id: (adno or "", f"{first} {last}" if adno else "", class_name or "")
        for device_id, adno, first, last, class_name in db.execute(
            Device.select(Device.id, Pupil.admission_no, Pupil.first_name, Pupil.last_name, SchoolClass.name)
            .join(Pupil, join_type=JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
            .join(SchoolClass, join_type=JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .where(Device.id.in_(CustodyEvent.select(CustodyEvent.device).where(in_day)))
        ).fetchall()
    }
    _name_visitor_phones(owners)
    usernames = dict(db.execute(Staff.select(Staff.id, Staff.username)).fetchall())
    trays = dict(db.execute(Tray.select(Tray.id, Tray.name)).fetchall())
    slots: dict[tuple[int | None, int | None], str] = {}
    times: dict[Any, str] = {}  # local "YYYY-MM-DD HH:MM" per UTC minute: one time-zone conversion a minute
    out: list[dict[str, Any]] = []
    rare: list[tuple[int, int]] = []  # (index in out, event id) of events described in full below
    uncoded: list[tuple[int, int, Any]] = []  # (index in out, device id, at) of events not made by a scan
    # Raw rows (no per-value conversion): a full day is thousands of rows and this is the hot loop.
    for event_id, at, kind, code, tray_id, slot_no, actor_id, device_id in db.execute(query).fetchall():
        minute = at[:16] if isinstance(at, str) else at.replace(second=0, microsecond=0)
        local = times.get(minute)
        if local is None:
            when = dt.datetime.fromisoformat(minute) if isinstance(minute, str) else minute
            local = times[minute] = local_from_utc_naive(when, tz)
        slot = slots.get((tray_id, slot_no))
        if slot is None:
            slot = slots[(tray_id, slot_no)] = slot_name(trays[tray_id], slot_no) if tray_id else ""
        if kind == HANDED_IN and tray_id:
            detail = f"handed in, slot {slot}"
        elif kind == RELEASED:
            detail = f"released to pupil from slot {slot}" if slot else "released to pupil"
        elif kind == RETURNED:
            detail = f"returned to the visitor from slot {slot}" if slot else "returned to the visitor"
        else:
            detail = ""
            rare.append((len(out), event_id))
        adno, pupil, class_name = owners[device_id]
        if not code:
            uncoded.append((len(out), device_id, at))
        out.append(
            {
                "event_id": event_id,
                "time": local,
                "event": EVENT_WORDS.get(kind, kind),
                "kind": kind,
                "code": code or "",
                "admission_no": adno,
                "pupil": pupil,
                "class": class_name,
                "slot": slot,
                "by": usernames.get(actor_id) if actor_id else "system",
                "detail": detail,
            }
        )
    if uncoded:
        _fill_codes(out, uncoded)
    if rare:
        full = {
            e.id: e
            for e in CustodyEvent.select(CustodyEvent, Staff)
            .join(Staff, join_type=JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
            .where(CustodyEvent.id.in_([i for _, i in rare]))
        }
        contact_ids = {c for e in full.values() for c in (e.contact_id, e.consent_contact_id) if c}
        contacts = {c.id: c for c in Contact.select().where(Contact.id.in_(contact_ids))} if contact_ids else {}
        for e in full.values():
            if e.contact_id:
                e.contact = contacts[e.contact_id]
            if e.consent_contact_id:
                e.consent_contact = contacts[e.consent_contact_id]
        for index, event_id in rare:
            out[index]["detail"] = (
                describe_event(full[event_id], trays, reader=reader).split("  ", 1)[1].rsplit("  (by", 1)[0]
            )
    return out


def _staff_devices_hidden(reader: Staff | Iterable[str], in_day) -> list[int]:
    """The members of staff's own devices with events in the day that ``reader`` may not
    read of at all (:func:`models.custody.staff_device_access.may_read`): every one for a
    report for nobody in particular, and never the reader's own. That such a device was
    held, and by whom, is for those who may read its details, not only the details."""
    from models.custody import staff_device_access  # noqa: PLC0415

    rows = db.execute(
        StaffDevice.select(StaffDevice.device, StaffDevice.staff).where(
            StaffDevice.device.in_(CustodyEvent.select(CustodyEvent.device).where(in_day))
        )
    ).fetchall()
    if not rows:
        return []
    if not isinstance(reader, Staff):
        return [device_id for device_id, _ in rows]
    owners = {s.id: s for s in Staff.select().where(Staff.id.in_([staff_id for _, staff_id in rows]))}
    return [device_id for device_id, staff_id in rows if not staff_device_access.may_read(reader, owners.get(staff_id))]


def _visitor_names(device_ids) -> dict[int, str]:
    """Visitor phones among ``device_ids``: device id -> "Name (visitor)"."""
    from models.visitors.visits import names_for_devices  # noqa: PLC0415

    return {d: f"{name} (visitor)" for d, name in names_for_devices(device_ids).items()}


def _name_visitor_phones(owners: dict[int, tuple[str, str, str]]) -> None:
    """A visitor's phone is shown with the visitor's name (class column: "visitor")."""
    names = _visitor_names([d for d, (adno, _, _) in owners.items() if not adno])
    for device_id, name in names.items():
        owners[device_id] = ("", name, "visitor")


def custody_started(device_ids: list[int]) -> dict[int, dt.datetime]:
    """Of ``device_ids``, each phone the school holds now (in the tray or confiscated), with
    the time (naive UTC) its present stay in custody began: the event that took it from its
    owner (a hand-in, or a confiscation from a pupil), whatever was recorded since (moves,
    searches, a confiscation in the tray, undone releases). Read from the custody ledger, as
    :func:`models.custody.ledger.replay` reads it; a phone whose ledger does not replay is
    left out (``kiosk audit verify`` reports it).
    """
    from models.custody.ledger import REVERSAL, Custody, LedgerError, step

    if not device_ids:
        return {}
    by_device: dict[int, list[Any]] = {}
    for e in (
        CustodyEvent.select(
            CustodyEvent.id,
            CustodyEvent.device,
            CustodyEvent.kind,
            CustodyEvent.at,
            CustodyEvent.tray,
            CustodyEvent.slot_no,
            CustodyEvent.reverses,
            CustodyEvent.category,
            CustodyEvent.outcome,
        )
        .where(CustodyEvent.device.in_(device_ids))
        .order_by(CustodyEvent.id)
        .iterator()
    ):
        by_device.setdefault(e.device_id, []).append(e)
    held = (PhoneState.IN_TRAY, PhoneState.CONFISCATED)
    out: dict[int, dt.datetime] = {}
    for device_id, events in by_device.items():
        cur, began = Custody(), None  # the state, and when its stay in custody began
        stack: list[tuple[int, Custody, dt.datetime | None]] = []
        try:
            for e in events:
                if e.kind == REVERSAL:
                    if not stack or stack[-1][0] != e.reverses_id:
                        raise LedgerError(f"event {e.id} reverses an event that is not the latest action")
                    _, cur, began = stack.pop()
                    continue
                nxt = step(cur, e.kind, e.tray_id, e.slot_no, category=e.category, outcome=e.outcome)
                stack.append((e.id, cur, began))
                if nxt.state in held and cur.state not in held:
                    began = e.at
                elif nxt.state not in held:
                    began = None
                cur = nxt
        except (LedgerError, KioskError):
            continue
        if cur.state in held and began is not None:
            out[device_id] = began
    return out


def kept_overnight(device_ids: list[int], day: dt.date, tz=SCHOOL_TZ) -> set[int]:
    """Of ``device_ids``, the phones held now that the school already held when ``day``
    began and has held ever since: kept overnight (or longer), never given back between.

    Cheap for the usual case: a phone with no event today was held all along; one handed in
    today (not undone) began its stay today. Only the few left (confiscated, moved or
    searched today, a release undone) are read from their ledger (:func:`custody_started`).
    """
    start, _ = day_bounds(day, tz)
    held_now = DeviceState.state.in_([PhoneState.IN_TRAY, PhoneState.CONFISCATED])
    if len(device_ids) <= 500:  # the usual handful: look up only theirs
        held_now &= DeviceState.device.in_(device_ids or [0])
    wanted = set(device_ids)
    held = {
        d: since
        for d, since in DeviceState.select(DeviceState.device, DeviceState.since).where(held_now).tuples().iterator()
        if d in wanted
    }
    kept = {d for d, since in held.items() if since < start}
    today = [d for d in held if d not in kept]
    if not today:
        return kept
    reversed_ids = CustodyEvent.select(CustodyEvent.reverses).where(
        (CustodyEvent.kind == "reversal") & (CustodyEvent.at >= start)
    )
    handed_in_today = {
        d
        for (d,) in CustodyEvent.select(CustodyEvent.device)
        .where(
            CustodyEvent.device.in_(today)
            & (CustodyEvent.kind == HANDED_IN)
            & (CustodyEvent.at >= start)
            & CustodyEvent.id.not_in(reversed_ids)
        )
        .tuples()
        .iterator()
    }
    rest = [d for d in today if d not in handed_in_today]
    return kept | {d for d, began in custody_started(rest).items() if began < start}


STAFF_DEVICE_OWNER = "Staff device (DSL)"  # a member of staff's device held (issue 15): never named here
# Event kinds after which the school holds the phone (in a slot, or confiscated), and those
# after which it does not (back with its owner, or with the police): a phone held when a
# day begins was kept overnight.
_HOLDS = frozenset({HANDED_IN, CONFISCATED_EV, MOVED, POLICE_RETURNED})  # back from the police: held again
_GIVES_BACK = frozenset({RELEASED, RELEASED_TO_CONTACT, RETURNED, POLICE_EV})
# Events that leave the phone where it was: a search (with consent, of a phone held or with
# its owner) and the DSL's decision. They tell nothing of whether it was held.
_NEUTRAL = frozenset({SEARCHED, DSL_DECISION})
# The first event after a moment that shows the phone was held at that moment (each needs
# it held: models.custody.ledger.step). A hand-in shows it was not; a confiscation may be
# of either (off a pupil, or in the tray): that phone's earlier event decides.
_NEEDS_HELD = frozenset({RELEASED, RELEASED_TO_CONTACT, RETURNED, MOVED, POLICE_EV})


def first_kinds(events: list[tuple[int, str]]) -> dict[int, str]:
    """Each phone's first kind of event (not one of :data:`_NEUTRAL`) among ``events``,
    (device id, kind) pairs in order of time then id."""
    neutral = _NEUTRAL
    return {device_id: kind for device_id, kind in reversed(events) if kind not in neutral}


def held_at(start: dt.datetime, first: dict[int, str] | None = None) -> dict[int, int]:
    """Pupils' phones the school held (in a slot or confiscated) at ``start`` (naive UTC):
    device id -> pupil id. Counted as handed in on the day ``start`` begins
    (models.reports.compliance): kept overnight, or confiscated and not yet collected.

    Events undone are left out, as if never recorded (as the reports count hand-ins). Read
    from the events since ``start`` and the phones' state now (``DeviceState``): a phone
    with no event since is as it is now; one with events since was held if its first
    event since needed it held. For the start of today that is the day's events only.

    ``first``, when the caller has read the events since ``start`` already: each phone with
    one, with the kind of its first (by time, then id) that is not a reversal, not undone and
    not in :data:`_NEUTRAL` (:func:`first_kinds`; :func:`models.reports.compliance._scan`
    reads the events of a day that is the last with any).
    """
    undone = CustodyEvent.alias("ce_undone")
    effective = (CustodyEvent.kind != REVERSAL) & ~fn.EXISTS(
        undone.select(undone.id).where(undone.reverses == CustodyEvent.id)
    )
    if first is None:
        first = first_kinds(
            db.execute(
                CustodyEvent.select(CustodyEvent.device, CustodyEvent.kind)
                .where((CustodyEvent.at >= start) & effective & CustodyEvent.kind.not_in(list(_NEUTRAL)))
                .order_by(CustodyEvent.at, CustodyEvent.id)
                .tuples()
            ).fetchall()
        )
    held: dict[int, int] = {}
    for device_id, pupil_id in db.execute(
        DeviceState.select(DeviceState.device, Device.pupil)
        .join(Device, on=(DeviceState.device == Device.id))
        .where(DeviceState.state.in_([PhoneState.IN_TRAY, PhoneState.CONFISCATED]) & Device.pupil.is_null(False))
        .tuples()
    ).fetchall():
        if device_id not in first:
            held[device_id] = pupil_id
    was_held = [d for d, kind in first.items() if kind in _NEEDS_HELD]
    for device_id in (d for d, kind in first.items() if kind == CONFISCATED_EV):
        before = (
            CustodyEvent.select(CustodyEvent.kind)
            .where(
                (CustodyEvent.device == device_id)
                & (CustodyEvent.at < start)
                & effective
                & CustodyEvent.kind.not_in(list(_NEUTRAL))
            )
            .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc())
            .first()
        )
        if before is not None and before.kind in _HOLDS:
            was_held.append(device_id)
    for chunk_start in range(0, len(was_held), 500):
        ids = was_held[chunk_start : chunk_start + 500]
        query = Device.select(Device.id, Device.pupil).where(Device.id.in_(ids) & Device.pupil.is_null(False))
        held.update(dict(query.tuples().iterator()))
    return held


# ---------------------------------------------------------------- pupils' day marks (recorded by models.school.attendance)

MARK_ABSENT = "absent"
MARK_NO_PHONE = "no_phone"
MARK_WITHDRAWN = "withdrawn"
DAY_MARKS = (MARK_ABSENT, MARK_NO_PHONE)


def marks_in_force(
    first: dt.date, last: dt.date, pupil_ids: Iterable[int] | None = None
) -> dict[dt.date, dict[int, str]]:
    """Per day in ``first``..``last``: each marked pupil's mark in force (``absent`` or ``no_phone``).

    The latest mark of a pupil for a day stands; a withdrawal leaves none."""
    from models.store import compiled

    query = DayMark.select(DayMark.pupil, DayMark.day, DayMark.mark).where(
        (DayMark.day >= first) & (DayMark.day <= last)
    )
    if pupil_ids is not None:
        rows = query.where(DayMark.pupil.in_(list(pupil_ids))).order_by(DayMark.id).tuples().iterator()
    else:  # every pupil (the reports): compiled once for the range
        rows = compiled.execute(("day marks", first, last), lambda: query.order_by(DayMark.id)).fetchall()
    latest: dict[tuple[dt.date, int], str] = {}
    for pupil_id, day, mark in rows:
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        latest[day, pupil_id] = mark
    out: dict[dt.date, dict[int, str]] = {}
    for (day, pupil_id), mark in latest.items():
        if mark in DAY_MARKS:
            out.setdefault(day, {})[pupil_id] = mark
    return out


def marks_on(day: dt.date, pupil_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each marked pupil's mark in force on ``day``."""
    return marks_in_force(day, day, pupil_ids).get(day, {})


OVERNIGHT = "OVERNIGHT"  # the marker on a phone kept overnight: text, so it shows without colour


@dataclass(frozen=True, slots=True)
class UncollectedPhone:
    """A phone the school still holds (:func:`uncollected`)."""

    slot: str  # "B-07", or the overflow place when it has no slot
    overflow: bool  # held in the overflow place (no free slot)
    code: str  # its current label, "" if none
    admission_no: str  # "" for a visitor's phone
    pupil: str  # the pupil's name, or "Name (visitor)"
    class_name: str  # "" for a visitor's phone
    held_as: PhoneState  # IN_TRAY or CONFISCATED: decide on this
    since: dt.datetime  # local (the school's time zone)
    overnight: bool = False  # held since before today began, never given back between (kept overnight)
    day: dt.date | None = None  # a past day at whose end it was still held (:func:`not_collected_on`); None: now

    @property
    def state_text(self) -> str:
        """The state in words, to show ("in the tray", "confiscated")."""
        return STATE_WORDS[self.held_as]

    def to_dict(self) -> dict[str, Any]:
        """The row as ``kiosk report uncollected`` gives it (JSON, CSV)."""
        return {
            "slot": self.slot,
            "overflow": self.overflow,
            "code": self.code,
            "admission_no": self.admission_no,
            "pupil": self.pupil,
            "class": self.class_name,
            "state": self.state_text,
            "held_as": self.held_as.value,
            "since": self.since.strftime("%Y-%m-%d %H:%M"),
        }


def held_count() -> int:
    """``len(uncollected())``: the phones the school holds, counted without reading them."""
    from models.store import compiled

    (count,) = compiled.execute(
        ("held count",),
        lambda: (
            DeviceState.select(fn.COUNT(DeviceState.device))
            .join(Device, on=(DeviceState.device == Device.id))
            .where(DeviceState.state.in_([PhoneState.IN_TRAY, PhoneState.CONFISCATED]))
        ),
    ).fetchone()
    return int(count)


@dataclass(frozen=True)
class HeldCounts:
    """What Home says of the phones the school holds now, for one reader (:func:`held_counts`)."""

    held: int  # every phone held now, less the staff devices the reader may not read of
    confiscated: int  # pupils' phones confiscated (never a staff device held for the LADO or police)
    staff_devices: int  # members of staff's devices held that the reader may read of


def held_counts(reader: Staff | Iterable[str]) -> HeldCounts:
    """Counts of the phones held now (in a slot or confiscated), as ``reader`` may know them:
    a member of staff's own device held for the LADO or the police is counted only for those
    who may read of its hold (:func:`models.custody.staff_device_access.may_read`), and never
    as a pupil's confiscated phone."""
    from models.custody import staff_device_access  # noqa: PLC0415

    rows = (
        DeviceState.select(DeviceState.device, DeviceState.state, Device.kind, Device.pupil)
        .join(Device, on=(DeviceState.device == Device.id))
        .where(DeviceState.state.in_([PhoneState.IN_TRAY, PhoneState.CONFISCATED]))
        .tuples()
    )
    held = confiscated = 0
    staff_ids: list[int] = []
    for device_id, state, kind, pupil_id in rows.iterator():
        if kind == staff_device_access.STAFF_KIND:
            staff_ids.append(device_id)
            continue
        held += 1
        if pupil_id is not None and state == PhoneState.CONFISCATED:
            confiscated += 1
    readable = 0
    if staff_ids:
        links: list[tuple[int, int]] = db.execute(
            StaffDevice.select(StaffDevice.device, StaffDevice.staff).where(StaffDevice.device.in_(staff_ids)).tuples()
        ).fetchall()
        owners = {s.id: s for s in Staff.select().where(Staff.id.in_([staff_id for _, staff_id in links]))}
        readable = sum(1 for _, staff_id in links if staff_device_access.may_read(reader, owners.get(staff_id)))
    return HeldCounts(held + readable, confiscated, readable)


def uncollected(now: dt.datetime | None = None, tz=SCHOOL_TZ, *, overnight: bool = True) -> list[UncollectedPhone]:
    """Phones the school still holds (in the tray or confiscated), by slot; each marked if
    kept overnight (:func:`kept_overnight`), unless ``overnight`` is False (counts only)."""
    now = now or utcnow()
    query = (
        DeviceState.select(DeviceState, Device, Pupil, SchoolClass, Tray)
        .join(Device, on=(DeviceState.device == Device.id))
        .join(Pupil, join_type=JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, join_type=JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .switch(DeviceState)
        .join(Tray, join_type=JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .where(DeviceState.state.in_([PhoneState.IN_TRAY, PhoneState.CONFISCATED]))
        .order_by(Tray.position, Tray.name, DeviceState.slot_no)
    )
    held: list[Any] = list(query.iterator())
    ids = [st.device_id for st in held]
    current = Label.revoked_at.is_null()
    if len(ids) <= 500:  # the usual end-of-day handful: look up only theirs
        current &= Label.device.in_(ids or [0])
    labels = {lab.device_id: lab.code for lab in Label.select(Label.device, Label.code).where(current)}
    out = []
    visitor_names = _visitor_names([st.device_id for st in held if not st.device.pupil_id])
    kept = kept_overnight(ids, to_local(now, tz).date(), tz) if overnight else set()
    for st in held:
        pupil = st.device.pupil if st.device.pupil_id else None
        out.append(
            UncollectedPhone(
                slot=_held(st.device_id, st.tray.name if st.tray_id else None, st.slot_no),  # no slot: overflow
                overflow=not st.tray_id,
                code=labels.get(st.device_id, ""),
                admission_no=pupil.admission_no if pupil else "",
                pupil=pupil.full_name
                if pupil
                else STAFF_DEVICE_OWNER
                if st.device.kind == "staff"  # whose it is: for the DSL and the head only
                else visitor_names.get(st.device_id, "Visitor"),
                class_name=pupil.school_class.name if pupil else "",
                held_as=PhoneState(st.state),
                since=to_local(st.since, tz),
                overnight=st.device_id in kept,
            )
        )
    return out


# Events after which the phone is back with its owner (not with the police): a replay can
# start from nothing after the last of them (:func:`not_collected_on`).
_BACK_WITH_OWNER = (RELEASED, RELEASED_TO_CONTACT, RETURNED, RETURNED_TO_STAFF)
_CHUNK = 500
_LOOK_BACK = dt.timedelta(days=14)  # where to look for a phone's last going back to its owner before a range


def not_collected_on(days: list[dt.date], tz=SCHOOL_TZ) -> list[UncollectedPhone]:
    """The phones the school still held at the end of each of ``days`` (local days, all
    over, ascending): one row per phone per day it was not collected, oldest day first, from
    the custody ledger (events undone left out, as every report counts them). The list the
    compliance report shows for a range wholly in the past, where :func:`uncollected` (the
    phones held now) would answer another question.

    Only the phones with an event since the first day ended are replayed, each from the last
    time it went back to its owner before then; every other phone is as it is now."""
    from models.custody.ledger import Custody, LedgerError, step

    if not days:
        return []
    ends = [day_bounds(d, tz)[1] for d in days]
    first_end, last_end = ends[0], ends[-1]
    held_states = (PhoneState.IN_TRAY, PhoneState.CONFISCATED)
    undone = CustodyEvent.alias("nc_undone")
    effective = (CustodyEvent.kind != REVERSAL) & ~fn.EXISTS(
        undone.select(undone.id).where(undone.reverses == CustodyEvent.id)
    )
    since_first: Any = CustodyEvent.select(CustodyEvent.device).where(CustodyEvent.at >= first_end).distinct().tuples()
    changed: set[int] = {row[0] for row in since_first}
    # (day index, device, state, tray id, slot, stay began (naive UTC) or None)
    found: list[tuple[int, int, str, int | None, int | None, dt.datetime | None]] = []
    still = [
        r
        for r in DeviceState.select(DeviceState.device, DeviceState.state, DeviceState.tray, DeviceState.slot_no)
        .where(DeviceState.state.in_(list(held_states)))
        .tuples()
        .iterator()
        if r[0] not in changed
    ]
    began_of = custody_started([r[0] for r in still])
    for device_id, state, tray_id, slot_no in still:  # no event since: held at every day's end as now
        found += [(i, device_id, state, tray_id, slot_no, began_of.get(device_id)) for i in range(len(days))]

    ids = sorted(changed)
    since: dict[int, dt.datetime] = {}
    for i in range(0, len(ids), _CHUNK):  # (a phone not given back in the fortnight before: its whole ledger)
        since.update(
            CustodyEvent.select(CustodyEvent.device, fn.MAX(CustodyEvent.at))
            .where(
                CustodyEvent.device.in_(ids[i : i + _CHUNK])
                & (CustodyEvent.at < first_end)
                & (CustodyEvent.at >= first_end - _LOOK_BACK)
                & CustodyEvent.kind.in_(list(_BACK_WITH_OWNER))
                & effective
            )
            .group_by(CustodyEvent.device)
            .tuples()
            .iterator()
        )
    since = {d: _when(at) for d, at in since.items()}
    events: dict[int, list[tuple]] = {}
    for group, floor in (
        ([d for d in ids if d in since], min(since.values(), default=None)),
        ([d for d in ids if d not in since], None),  # never back with its owner before: its whole ledger
    ):
        for i in range(0, len(group), _CHUNK):
            where = CustodyEvent.device.in_(group[i : i + _CHUNK]) & (CustodyEvent.at < last_end) & effective
            if floor is not None:
                where &= CustodyEvent.at >= floor
            for row in (
                CustodyEvent.select(
                    CustodyEvent.device,
                    CustodyEvent.at,
                    CustodyEvent.kind,
                    CustodyEvent.tray,
                    CustodyEvent.slot_no,
                    CustodyEvent.category,
                    CustodyEvent.outcome,
                )
                .where(where)
                .order_by(CustodyEvent.at, CustodyEvent.id)
                .tuples()
                .iterator()
            ):
                events.setdefault(row[0], []).append((_when(row[1]), *row[2:]))
    for device_id, rows in events.items():
        start = since.get(device_id)
        if start is not None:  # from just after its last going back to its owner before the range
            last_back = max((j for j, r in enumerate(rows) if r[0] == start and r[1] in _BACK_WITH_OWNER), default=-1)
            rows = rows[last_back + 1 :]
        cur, began, i = Custody(), None, 0
        try:
            for at, kind, tray_id, slot_no, category, outcome in rows:
                while i < len(ends) and at >= ends[i]:  # a day ended before this event: held then?
                    if cur.state in held_states:
                        found.append((i, device_id, cur.state, cur.tray_id, cur.slot_no, began))
                    i += 1
                nxt = step(cur, kind, tray_id, slot_no, category=category, outcome=outcome)
                if nxt.state in held_states and cur.state not in held_states:
                    began = at
                elif nxt.state not in held_states:
                    began = None
                cur = nxt
        except (LedgerError, KioskError):
            continue  # a ledger that does not replay: kiosk audit verify reports it
        if cur.state in held_states:  # the days that ended after its last event in the range
            found += [(j, device_id, cur.state, cur.tray_id, cur.slot_no, began) for j in range(i, len(ends))]
    return _phones_on(days, found, tz)


def _phones_on(
    days: list[dt.date], found: list[tuple[int, int, str, int | None, int | None, dt.datetime | None]], tz
) -> list[UncollectedPhone]:
    """The rows of :func:`not_collected_on`, named as :func:`uncollected` names them."""
    ids = sorted({f[1] for f in found})
    devices: dict[int, Any] = {}
    for i in range(0, len(ids), _CHUNK):
        for d in (
            Device.select(Device, Pupil, SchoolClass)
            .join(Pupil, JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
            .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .where(Device.id.in_(ids[i : i + _CHUNK]))
        ):
            devices[d.id] = d
    trays = dict(Tray.select(Tray.id, Tray.name).tuples().iterator())
    position = dict(Tray.select(Tray.id, Tray.position).tuples().iterator())
    current = (
        Label.revoked_at.is_null() & Label.device.in_(ids or [0]) if len(ids) <= _CHUNK else Label.revoked_at.is_null()
    )
    labels = {lab.device_id: lab.code for lab in Label.select(Label.device, Label.code).where(current)}
    visitor_names = _visitor_names([d for d in ids if d in devices and not devices[d].pupil_id])
    out = []
    for i, device_id, state, tray_id, slot_no, began in sorted(
        found, key=lambda f: (f[0], position.get(f[3], 1 << 30), trays.get(f[3], ""), f[4] or 0, f[1])
    ):
        device = devices.get(device_id)
        if device is None:
            continue
        pupil = device.pupil if device.pupil_id else None
        day_start, _ = day_bounds(days[i], tz)
        out.append(
            UncollectedPhone(
                slot=_held(device_id, trays.get(tray_id) if tray_id else None, slot_no),
                overflow=not tray_id,
                code=labels.get(device_id, ""),
                admission_no=pupil.admission_no if pupil else "",
                pupil=pupil.full_name
                if pupil
                else STAFF_DEVICE_OWNER
                if device.kind == "staff"
                else visitor_names.get(device_id, "Visitor"),
                class_name=pupil.school_class.name if pupil else "",
                held_as=PhoneState(state),
                since=to_local(began, tz) if began is not None else to_local(day_start, tz),
                overnight=began is not None and began < day_start,
                day=days[i],
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ClassProgress:
    """One class's hand-ins on a day (:func:`class_progress`)."""

    class_name: str
    handed_in: int  # phones handed in today (not undone) or held since before today, pupils left out as below
    expected: int  # pupils with a registered phone, less exceptions, absent and "no phone today"
    exceptions: int  # pupils with an agreed exception in effect
    absent: int = 0  # pupils with a phone marked absent today (and no hand-in)
    no_phone: int = 0  # pupils marked "no phone today" (and no hand-in)

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.class_name,
            "handed_in": self.handed_in,
            "expected": self.expected,
            "exceptions": self.exceptions,
            "absent": self.absent,
            "no_phone": self.no_phone,
        }


def class_progress(day: dt.date, tz=SCHOOL_TZ) -> list[ClassProgress]:
    """Per class: pupils with a registered phone, and how many phones were handed in today.

    A phone counts once however often it was scanned; a hand-in that was undone does
    not count; a phone the school held as the day began (kept overnight) counts as handed
    in. Pupils with an agreed exception in effect today who keep their phone are counted
    apart (``exceptions``), then pupils marked absent or "no phone today"
    (models.school.attendance); one who hands a phone in anyway counts like anyone else.
    """
    from models.policy.agreed import active_pupil_ids

    start, end = day_bounds(day, tz)
    excepted = active_pupil_ids(day)
    with_phone = (
        Device.select(SchoolClass.name, Device.pupil)
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .where((Device.active == True) & (Pupil.active == True))  # noqa: E712
        .distinct()
        .tuples()
    )
    reversed_ids = CustodyEvent.select(CustodyEvent.reverses).where(
        (CustodyEvent.kind == "reversal") & (CustodyEvent.at >= start)
    )
    handed = (
        CustodyEvent.select(SchoolClass.name, Device.pupil)
        .join(Device, on=(CustodyEvent.device == Device.id))
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .where(
            (CustodyEvent.kind == "handed_in")
            & (CustodyEvent.at >= start)
            & (CustodyEvent.at < end)
            & CustodyEvent.id.not_in(reversed_ids)
        )
        .distinct()
        .tuples()
    )
    class_of: dict[int, str] = {}
    for name, pupil_id in handed.iterator():
        class_of[pupil_id] = name
    kept = set(held_at(start).values()) - set(class_of)
    if kept:
        query = Pupil.select(Pupil.id, SchoolClass.name).join(SchoolClass).where(Pupil.id.in_(sorted(kept)))
        class_of.update(dict(query.tuples().iterator()))
    done: dict[str, int] = {}
    for name in class_of.values():
        done[name] = done.get(name, 0) + 1
    handed_ids = set(class_of)
    # A pupil under an exception who handed the phone in anyway is counted like anyone
    # else: the exceptions are the pupils who keep their phone.
    keeping = excepted - handed_ids
    marks = marks_on(day)
    expected_n: dict[str, int] = {}
    exceptions_n: dict[str, int] = {}
    absent_n: dict[str, int] = {}
    no_phone_n: dict[str, int] = {}
    for name, pupil_id in with_phone.iterator():
        mark = marks.get(pupil_id) if pupil_id not in handed_ids else None
        if pupil_id in keeping:
            target = exceptions_n
        elif mark is not None:
            target = absent_n if mark == MARK_ABSENT else no_phone_n
        else:
            target = expected_n
        target[name] = target.get(name, 0) + 1
        expected_n.setdefault(name, 0)
    return [
        ClassProgress(
            name,
            handed_in=done.get(name, 0),
            expected=n,
            exceptions=exceptions_n.get(name, 0),
            absent=absent_n.get(name, 0),
            no_phone=no_phone_n.get(name, 0),
        )
        for name, n in sorted(expected_n.items())
    ]


@dataclass(frozen=True, slots=True)
class ClassHeld:
    """One class's phones at the end of the day (:func:`class_held`), for the class chooser."""

    class_name: str
    held: int  # the class's phones the school holds now (in a slot or confiscated), whatever day they came
    of: int  # those, and the class's phones returned today: "3 still held of 12"


def class_held(day: dt.date, tz=SCHOOL_TZ) -> dict[str, ClassHeld]:
    """Per class (by name): phones still held, out of those held or returned today.

    Counted as the class checklist shows them: registered phones of pupils on roll, a
    phone in a slot or confiscated is held; one released today (not undone) and not
    held again is returned. A class with neither is not listed.
    """
    start, end = day_bounds(day, tz)
    held_states = [PhoneState.IN_TRAY, PhoneState.CONFISCATED]
    on_roll = (Device.active == True) & (Pupil.active == True)  # noqa: E712
    held: dict[str, int] = {}
    for (name,) in (
        DeviceState.select(SchoolClass.name)
        .join(Device, on=(DeviceState.device == Device.id))
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .where(DeviceState.state.in_(held_states) & on_roll)
        .tuples()
        .iterator()
    ):
        held[name] = held.get(name, 0) + 1
    reversed_ids = CustodyEvent.select(CustodyEvent.reverses).where(
        (CustodyEvent.kind == "reversal") & (CustodyEvent.at >= start)
    )
    returned: dict[str, int] = {}
    for name, _device in (
        CustodyEvent.select(SchoolClass.name, CustodyEvent.device)
        .join(Device, on=(CustodyEvent.device == Device.id))
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .switch(CustodyEvent)
        .join(DeviceState, on=(DeviceState.device == CustodyEvent.device))
        .where(
            CustodyEvent.kind.in_([RELEASED, RELEASED_TO_CONTACT])
            & (CustodyEvent.at >= start)
            & (CustodyEvent.at < end)
            & CustodyEvent.id.not_in(reversed_ids)
            & DeviceState.state.not_in(held_states)
            & on_roll
        )
        .distinct()
        .tuples()
        .iterator()
    ):
        returned[name] = returned.get(name, 0) + 1
    return {
        name: ClassHeld(name, held.get(name, 0), held.get(name, 0) + returned.get(name, 0))
        for name in sorted(set(held) | set(returned))
    }


class CheckStatus(StrEnum):
    """Where a pupil's phone is today, for the class checklist."""

    IN_SLOT = "in_slot"
    RELEASED = "released"
    CONFISCATED = "confiscated"
    NOT_HANDED_IN = "not_handed_in"
    POLICE = "police"
    NO_PHONE = "no_phone"
    EXCEPTION = "exception"  # not handed in, and need not be: an agreed exception is in effect
    ABSENT = "absent"  # not handed in: marked absent today (models.school.attendance)
    NO_PHONE_TODAY = "no_phone_today"  # not handed in: in school, marked "no phone today"


CHECK_IN_SLOT, CHECK_RELEASED, CHECK_CONFISCATED, CHECK_NOT_HANDED_IN, CHECK_POLICE, CHECK_NO_PHONE = (
    CheckStatus.IN_SLOT,
    CheckStatus.RELEASED,
    CheckStatus.CONFISCATED,
    CheckStatus.NOT_HANDED_IN,
    CheckStatus.POLICE,
    CheckStatus.NO_PHONE,
)
CHECK_EXCEPTION = CheckStatus.EXCEPTION
# The class checklist's order, for a teacher checking at the end of the day that every phone
# went back: first what still needs them (a phone still held: the ones to give back, then a
# phone not handed in today, then one with the police), then the phones returned, then pupils
# with nothing to return. By name within each group.
CHECKLIST_ORDER = (
    CheckStatus.IN_SLOT,
    CheckStatus.CONFISCATED,
    CheckStatus.NOT_HANDED_IN,
    CheckStatus.POLICE,
    CheckStatus.RELEASED,
    CheckStatus.EXCEPTION,
    CheckStatus.ABSENT,
    CheckStatus.NO_PHONE_TODAY,
    CheckStatus.NO_PHONE,
)


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """One pupil's phone (or the lack of one) on the class checklist (:func:`class_checklist`)."""

    admission_no: str
    pupil: str
    device_id: int | None  # None: no registered phone
    code: str  # the phone's current label, "" if none
    status: CheckStatus  # decide on this
    text: str  # the status in words, to show ("in slot B-07", "released to pupil at 15:10")
    slot: str  # where it is held ("B-07" or the overflow place), "" when not held
    exception_id: int | None = None  # the agreed exception in effect (status EXCEPTION)
    place: str = ""  # where it is held, in words ("slot B-07", or the overflow place), "" when not held
    overnight: bool = False  # held since before the day began (kept overnight): ``text`` starts "OVERNIGHT"


def checklist_order(rows: list[ChecklistRow]) -> list[ChecklistRow]:
    """``rows`` in :data:`CHECKLIST_ORDER` (a stable sort: the order within a group is kept)."""
    rank = {status: i for i, status in enumerate(CHECKLIST_ORDER)}
    return sorted(rows, key=lambda r: rank.get(r.status, len(rank)))


def class_checklist(class_name: str, day: dt.date, tz=SCHOOL_TZ) -> list[ChecklistRow]:
    """Every pupil in a class with their phone's state today, for the teacher's checklist,
    in :data:`CHECKLIST_ORDER` (what still needs the teacher first), by name within each.

    A pupil with an agreed exception in effect whose phone is not held shows
    ``exception`` (not "not handed in"), with the exception's kind and end date.
    """
    from models.policy.agreed import KINDS, active_for_pupil

    start, end = day_bounds(day, tz)
    pupils = list(
        Pupil.select(Pupil)
        .join(SchoolClass)
        .where((SchoolClass.name == class_name) & (Pupil.active == True))  # noqa: E712
        .order_by(Pupil.last_name, Pupil.first_name)
    )
    devices: dict[int, list[Any]] = {}
    for d in (
        Device.select(Device, DeviceState, Tray)
        .join(DeviceState, on=(DeviceState.device == Device.id))
        .join(Tray, join_type=JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .where(Device.pupil.in_([p.id for p in pupils]) & (Device.active == True))  # noqa: E712
    ):
        devices.setdefault(d.pupil_id, []).append(d)
    device_ids = [d.id for ds in devices.values() for d in ds]
    today_events: dict[int, list[CustodyEvent]] = {}
    for e in (
        CustodyEvent.select()
        .where(CustodyEvent.device.in_(device_ids) & (CustodyEvent.at >= start) & (CustodyEvent.at < end))
        .order_by(CustodyEvent.id)
    ):
        today_events.setdefault(e.device_id, []).append(e)
    labels = {
        lab.device_id: lab.code
        for lab in Label.select(Label.device, Label.code).where(
            Label.device.in_(device_ids) & Label.revoked_at.is_null()
        )
    }
    overnight = kept_overnight(device_ids, day, tz)
    marks = marks_on(day, [p.id for p in pupils])
    rows = []
    for p in pupils:
        if p.id not in devices:
            rows.append(ChecklistRow(p.admission_no, p.full_name, None, "", CHECK_NO_PHONE, "no registered phone", ""))
        for d in devices.get(p.id, []):
            st = d.devicestate
            held = st.state in (PhoneState.IN_TRAY, PhoneState.CONFISCATED)
            slot = _held(d.id, st.tray.name if st.tray_id else None, st.slot_no) if held else ""
            where = f"slot {slot}" if st.tray_id else slot  # no slot: the overflow place
            exception_id = None
            if st.state == PhoneState.IN_TRAY:
                status, text = CHECK_IN_SLOT, f"in {where}"
            elif st.state == PhoneState.CONFISCATED and held_for_dsl(st.dsl_hold):
                status, text = CHECK_CONFISCATED, f"confiscated: held for the DSL ({where})"  # never why
            elif st.state == PhoneState.CONFISCATED:
                status, text = CHECK_CONFISCATED, f"confiscated: parent collection ({where})"
            elif st.state == PhoneState.POLICE:
                status, text = CHECK_POLICE, "with the police"
            else:
                evs = today_events.get(d.id, [])
                released = [e for e in evs if e.kind in (RELEASED, RELEASED_TO_CONTACT)]
                if released:
                    when = local_from_utc_naive(released[-1].at, tz)[11:]
                    who = "pupil" if released[-1].kind == RELEASED else "parent/carer"
                    status, text = CHECK_RELEASED, f"released to {who} at {when}"
                elif (exc := active_for_pupil(p.id, day)) is not None:
                    status, exception_id = CHECK_EXCEPTION, exc.id
                    # The kind in a word (the full text is on the exceptions screen): 80 columns.
                    text = f"agreed exception ({KINDS.get(exc.kind, exc.kind)}) until {exc.ends_on.isoformat()}"
                elif (mark := marks.get(p.id)) is not None:
                    status, text = (
                        (CheckStatus.ABSENT, "absent today")
                        if mark == MARK_ABSENT
                        else (CheckStatus.NO_PHONE_TODAY, "no phone today")
                    )
                else:
                    status, text = CHECK_NOT_HANDED_IN, "not handed in today"
            if held and d.id in overnight:
                text = f"{OVERNIGHT} · {text}"
            rows.append(
                ChecklistRow(
                    p.admission_no,
                    p.full_name,
                    d.id,
                    labels.get(d.id, ""),
                    status,
                    text,
                    slot,
                    exception_id,
                    where if held else "",
                    held and d.id in overnight,
                )
            )
    return checklist_order(rows)


def end_of_day_slip(
    staff: Any, *, printer: Any, school_name: str, anchors_path: Any, now: dt.datetime | None = None, tz=SCHOOL_TZ
) -> tuple[int, Any, str | None]:
    """Print the phones not collected, with the audit log's head anchored at that moment.

    One transaction: the anchor line is appended to the anchors file and recorded in the
    log, and the slip (carrying the anchor in short form, the school's paper copy of it)
    is queued in the print outbox. Returns (print job id, the anchor or None when the log
    is empty or no anchors file is configured, why no anchor could be written or None).
    An anchor refused (the file ahead of the log, not a regular file) never stops the
    slip: the list of phones still held is printed without one, and the reason returned.
    """
    from models import outbox
    from models.audit import anchors  # noqa: PLC0415
    from models.audit.tx import write_tx  # noqa: PLC0415
    from models.staff.auth import require  # noqa: PLC0415
    from printing import (  # noqa: PLC0415
        HeldPhone,
        render_for,
        uncollected_phones,
        warm_up,  # noqa: PLC0415
    )

    now = now or utcnow()
    require(staff, "view_reports")
    require(staff, "print")
    spec = printer  # a printing.PrinterSpec: the one the app's print worker sends to
    warm_up()  # import python-escpos before taking the write lock
    local_now = to_local(now, tz)
    with write_tx():
        rows = uncollected(now, tz)
        problem = None
        try:
            anchor = anchors.write(anchors_path, actor=staff, now=now, why="end-of-day slip") if anchors_path else None
        except (KioskError, OSError) as exc:  # checked before anything is written: nothing to undo
            anchor, problem = None, str(exc)
        short = f"{anchor.short()} at {local_now:%H:%M}" if anchor else None
        doc = uncollected_phones(
            school_name=school_name,
            at=local_now.replace(tzinfo=None),
            phones=[HeldPhone(r.slot, r.pupil, r.class_name or "Visitor", r.state_text) for r in rows],
            anchor=short,
        )
        job = outbox.enqueue(
            render_for(spec, doc),
            kind="other",
            printer_url=spec.to_url(),
            ref=f"end-of-day:{local_now.date().isoformat()}",
            title=f"End-of-day slip: {len(rows)} not collected",
            actor=staff,
            now=now,
        )
    return job.id, anchor, problem
