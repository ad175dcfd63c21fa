"""Parents informed, and contacts with the police (issue 15; online safety policy 10 and 11,
mobile technology policy 6).

**Parents informed** is an event, added whenever it happens, about a confiscation or a
search (a custody event) or a concern: which parent or carer (a listed contact, or a name
typed when none fits), who told them (the member of staff recording it, or someone named),
when (any past day and time, not before the record it is about) and how. Append-only: a
correction is a new entry naming the one it corrects, with the reason. Whoever may read the
details of that record may add one (``models.staff.auth.may_read_details``, or
``concerns.may_see_concern``). Confiscations and searches of pupils' phones with no such
entry (and, for a search, no time recorded on the search itself) are listed for the DSL,
the headteacher and leadership (:func:`waiting`).

**A contact with the police** (policy 10: 101, or 999 when there is immediate danger or
risk of harm) about a phone and/or a concern, before or without a hand-over: the line, the
reference or incident number, when, who called, a note. Recorded by those who may hand a
phone to the police (``police``: leadership, the DSL, the headteacher).

Audit entries carry ids and codes only, never a name or a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_from_utc_naive, utcnow
from models.custody.ledger import (
    CONFISCATED_EV,
    EVENT_NOUNS,
    HANDED_IN,
    REVERSAL,
    SEARCHED,
    dsl_decides_refusal,
    require_dsl_for,
    state_of,
)
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.safeguarding import concerns
from models.staff.auth import ACTION_WORDS, DETAIL_ROLES, DETAILS_WITHHELD, may_read_details, require
from models.store.tables import (
    Concern,
    Contact,
    CustodyEvent,
    Device,
    DeviceState,
    ParentsInformed,
    PoliceContact,
    Pupil,
    SchoolClass,
    Staff,
)
from models.text import text_field

HOW = {
    "phone": "by phone",
    "in_person": "in person",
    "letter": "by letter",
    "email": "by email",
    "text": "by text message",
    "other": "another way (see the note)",
}
LINES = {"101": "101 (non-emergency)", "999": "999 (immediate danger or risk of harm)"}
INFORMABLE_KINDS = (CONFISCATED_EV, SEARCHED)
NAME_LIMIT = 100
NOTE_LIMIT = 500
REFERENCE_LIMIT = 60


def _minute(t: dt.datetime) -> dt.datetime:
    return t.replace(second=0, microsecond=0)


def _when_problem(at: dt.datetime, now: dt.datetime, since: dt.datetime, what: str, noun: str) -> None:
    """Refuse a time in the future, or before the record it is about (to the minute)."""
    if _minute(at) > _minute(now):
        raise ValidationError(f"The time {what} is in the future.")
    if _minute(at) < _minute(since):
        raise ValidationError(
            f"The time {what} is before the {noun} it is about ({local_from_utc_naive(since)}): "
            f"enter {local_from_utc_naive(since)} or later."
        )


def _reader_roles_ok(actor: Staff) -> None:
    if not actor.role_set & DETAIL_ROLES:
        raise PermissionDenied(
            "Only leadership, the DSL and the headteacher see what is waiting for parents to be told."
        )


# ---------------------------------------------------------------- what an entry is about


@dataclass(frozen=True)
class About:
    """The record an entry is about: a custody event or a concern, with its pupil."""

    event: CustodyEvent | None
    concern: Concern | None
    pupil: Pupil | None
    at: dt.datetime
    noun: str  # "confiscation", "search", "concern"


def _event_about(event_id: int, actor: Staff) -> About:
    event = CustodyEvent.get_or_none(CustodyEvent.id == event_id)
    if event is None or event.kind not in INFORMABLE_KINDS:
        raise NotFound("There is no such confiscation or search.")
    device = Device.get_by_id(event.device_id)
    if not device.pupil_id:
        raise RuleViolation("This is a visitor's phone: there are no parents to tell.")
    noun = EVENT_NOUNS[event.kind]
    if not may_read_details(actor, event.actor_id):
        raise PermissionDenied(
            f"Only someone who may read the details of this {noun} may record that parents were told."
        )
    if CustodyEvent.select().where((CustodyEvent.kind == REVERSAL) & (CustodyEvent.reverses == event.id)).exists():
        raise RuleViolation(f"That {noun} was undone: there is nothing to tell the parents about.")
    # A phone held for the DSL (suspected nude images): the DSL decides on the parents.
    require_dsl_for(actor, state_of(device.id).dsl_hold, "parents_informed")
    return About(event, None, device.pupil, event.at, noun)


def _concern_about(concern_id: int, actor: Staff) -> About:
    concern = concerns.get(concern_id, actor)  # as if there were none, for someone who may not see it
    pupil = concern.pupil if concern.pupil_id else None
    return About(None, concern, pupil, concern.raised_at, "concern")


def about(actor: Staff, *, event_id: int | None = None, concern_id: int | None = None) -> About:
    if (event_id is None) == (concern_id is None):
        raise ValidationError("Say what the parents were told about: a confiscation, a search or a concern.")
    return _event_about(event_id, actor) if event_id is not None else _concern_about(concern_id or 0, actor)


# ---------------------------------------------------------------- writing


def record_informed(
    actor: Staff,
    *,
    told_at: dt.datetime,
    how: str,
    event_id: int | None = None,
    concern_id: int | None = None,
    contact_id: int | None = None,
    parent_name: str | None = None,
    told_by_name: str | None = None,
    note: str | None = None,
    corrects_id: int | None = None,
    now: dt.datetime | None = None,
) -> ParentsInformed:
    """Record that a parent or carer was told (``told_at``: naive UTC, any past day)."""
    now = now or utcnow()
    if how not in HOW:
        raise ValidationError("Say how they were told: " + ", ".join(HOW) + ".")
    parent_name = text_field(parent_name, "parent's or carer's name", required=False, limit=NAME_LIMIT)
    told_by_name = text_field(told_by_name, "name of who told them", required=False, limit=NAME_LIMIT)
    note = text_field(note, "note", required=False, limit=NOTE_LIMIT)
    for value, what in ((parent_name, "parent's or carer's name"), (told_by_name, "name of who told them")):
        if value is not None and "\n" in value:
            raise ValidationError(f"The {what} must be on one line.")
    if (contact_id is None) == (parent_name is None):
        raise ValidationError("Pick the parent or carer from those listed, or type their name when none fits.")
    if corrects_id is not None and note is None:
        raise ValidationError("Give the reason for the correction in the note.")
    with write_tx():
        require(actor, "parents_informed")
        subject = about(actor, event_id=event_id, concern_id=concern_id)
        contact = None
        if contact_id is not None:
            contact = Contact.get_or_none(Contact.id == contact_id)
            if contact is None or subject.pupil is None or contact.pupil_id != subject.pupil.id or not contact.active:
                who = subject.pupil.full_name if subject.pupil is not None else "the pupil"
                raise RuleViolation(f"Pick a parent or carer listed for {who}, or type the name.")
        corrects = None
        if corrects_id is not None:
            corrects = ParentsInformed.get_or_none(ParentsInformed.id == corrects_id)
            if corrects is None or (corrects.event_id, corrects.concern_id) != (event_id, concern_id):
                raise NotFound(f"There is no entry {corrects_id} about this {subject.noun} to correct.")
        _when_problem(told_at, now, subject.at, "the parents were told", subject.noun)
        row = ParentsInformed.create(
            event=event_id,
            concern=concern_id,
            contact=contact,
            parent_name=parent_name,
            told_by_name=told_by_name,
            told_at=told_at,
            how=how,
            note=note,
            corrects=corrects,
            recorded_by=actor,
            recorded_at=now,
        )
        details: dict[str, Any] = {"entry_id": row.id, "how": how}
        ids: tuple[tuple[str, int | None], ...] = (
            ("event_id", event_id),
            ("concern_id", concern_id),
            ("contact_id", contact_id),
            ("corrects", corrects_id),
        )
        details.update({key: value for key, value in ids if value is not None})
        audit.append(actor, "parents.informed", "parents_informed", row.id, details, now)
        return row


def police_call_about(device_id: int) -> tuple[dt.datetime, str]:
    """What a call about a phone is about: the incident, from when the phone came into the
    school's hands for it, as (when, noun). The incident is the latest confiscation or search
    (not undone); it came into the school's hands at that confiscation, or, for a search, at
    the latest confiscation or hand-in (not undone) at or before it, else at the search
    itself. With neither: its registration. A call is not dated before it,
    but may be before a later search (the form checks it as well, so nothing typed is lost)."""
    undone = CustodyEvent.select(CustodyEvent.reverses).where(CustodyEvent.kind == REVERSAL)

    def latest(kinds: tuple[str, ...], until: dt.datetime | None = None) -> Any:
        where = (CustodyEvent.device == device_id) & CustodyEvent.kind.in_(kinds) & CustodyEvent.id.not_in(undone)
        if until is not None:
            where &= CustodyEvent.at <= until
        return (
            CustodyEvent.select(CustodyEvent.at, CustodyEvent.kind)
            .where(where)
            .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc())
            .first()
        )

    event = latest(INFORMABLE_KINDS)
    if event is None:
        return Device.get_by_id(device_id).registered_at, "phone's registration"
    if event.kind == SEARCHED:
        intake = latest((CONFISCATED_EV, HANDED_IN), until=event.at)
        if intake is not None:
            event = intake
    return event.at, EVENT_NOUNS[event.kind]


def record_police_contact(
    actor: Staff,
    *,
    line: str,
    reference: str,
    called_at: dt.datetime,
    device_id: int | None = None,
    concern_id: int | None = None,
    called_by_name: str | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> PoliceContact:
    """Record a call to the police about a phone and/or a concern (``called_at``: naive UTC)."""
    now = now or utcnow()
    if line not in LINES:
        raise ValidationError("Say which number was called: 101 or 999.")
    reference = text_field(reference, "police reference or incident number", limit=REFERENCE_LIMIT)
    if "\n" in reference:
        raise ValidationError("The police reference must be on one line.")
    called_by_name = text_field(called_by_name, "name of who called", required=False, limit=NAME_LIMIT)
    note = text_field(note, "note", required=False, limit=NOTE_LIMIT)
    if device_id is None and concern_id is None:
        raise ValidationError("Say what the call was about: a phone, a concern, or both.")
    with write_tx():
        require(actor, "police", doing=ACTION_WORDS["police_contact"])
        if device_id is not None:
            device = Device.get_or_none(Device.id == device_id)
            if device is None:
                raise NotFound("No such phone.")
            pupil = device.pupil if device.pupil_id else None
            require(
                actor,
                "police",
                school_class_id=pupil.school_class_id if pupil else None,
                doing=ACTION_WORDS["police_contact"],
            )
            require_dsl_for(actor, state_of(device.id).dsl_hold, "police_contact")  # held for the DSL
        if _minute(called_at) > _minute(now):
            raise ValidationError("The time of the call is in the future.")
        about: list[tuple[dt.datetime, str]] = []  # not before the record(s) it is about: the latest
        if concern_id is not None:  # (named first when both are at the same time)
            about.append((concerns.get(concern_id, actor).raised_at, "concern"))
        if device_id is not None:
            about.append(police_call_about(device_id))
        since, noun = max(about, key=lambda t: t[0])
        _when_problem(called_at, now, since, "of the call", noun)
        row = PoliceContact.create(
            device=device_id,
            concern=concern_id,
            line=line,
            reference=reference,
            called_at=called_at,
            called_by_name=called_by_name,
            note=note,
            recorded_by=actor,
            recorded_at=now,
        )
        details: dict[str, Any] = {"contact_id": row.id, "line": line}
        if device_id is not None:
            details["device_id"] = device_id
        if concern_id is not None:
            details["concern_id"] = concern_id
        audit.append(actor, "police.contact", "police_contact", row.id, details, now)
        return row


# ---------------------------------------------------------------- reading


def _recorder(row: Any) -> str:
    staff = Staff.get_or_none(Staff.id == row.recorded_by_id)
    return staff.display_name if staff is not None else "?"


def informed_line(row: ParentsInformed) -> str:
    """One entry in plain words (for a reader who may read the record it is about)."""
    if row.contact_id:
        c = Contact.get_by_id(row.contact_id)
        parent = f"{c.name} ({c.relationship})" if c.relationship else c.name
    else:
        parent = row.parent_name or "?"
    told_by = row.told_by_name or _recorder(row)
    text = (
        f"{local_from_utc_naive(row.told_at)}  parents informed: {parent} told {HOW.get(row.how, row.how)} by {told_by}"
    )
    if row.corrects_id:
        text += f" (corrects entry {row.corrects_id})"
    if row.note:
        text += f"; {row.note}"
    return f"{text}  (recorded by {_recorder(row)})" if row.told_by_name else text


def police_contact_line(row: PoliceContact, reader: Staff | Iterable[str]) -> str:
    """One call to the police in plain words; its reference, caller and note only for a
    reader who may read the details (``may_read_details``)."""
    when = local_from_utc_naive(row.called_at)
    if not may_read_details(reader, row.recorded_by_id):
        return f"{when}  police contacted ({DETAILS_WITHHELD})"
    caller = row.called_by_name or _recorder(row)
    text = f"{when}  police contacted on {row.line} by {caller}, reference {row.reference}"
    if row.note:
        text += f"; {row.note}"
    return f"{text}  (recorded by {_recorder(row)})" if row.called_by_name else text


def informed_for_events(event_ids: Iterable[int]) -> dict[int, list[ParentsInformed]]:
    out: dict[int, list[ParentsInformed]] = {}
    ids = sorted(set(event_ids))
    if not ids:
        return out
    for row in ParentsInformed.select().where(ParentsInformed.event.in_(ids)).order_by(ParentsInformed.id):
        out.setdefault(row.event_id, []).append(row)
    return out


def phone_lines(device_id: int, reader: Staff) -> list[str]:
    """The parents-informed entries (of the confiscations and searches ``reader`` may read the
    details of) and the police contacts about this phone, oldest first."""
    events = list(
        CustodyEvent.select(CustodyEvent.id, CustodyEvent.kind, CustodyEvent.actor)
        .where((CustodyEvent.device == device_id) & CustodyEvent.kind.in_(INFORMABLE_KINDS))
        .order_by(CustodyEvent.id)
    )
    readable = {e.id: e for e in events if may_read_details(reader, e.actor_id)}
    lines: list[tuple[dt.datetime, int, str]] = []
    for event_id, rows in informed_for_events(readable).items():
        noun = EVENT_NOUNS[readable[event_id].kind]
        for row in rows:
            lines.append((row.told_at, row.id, f"{informed_line(row)} [about the {noun} #{event_id}]"))
    for pc in PoliceContact.select().where(PoliceContact.device == device_id).order_by(PoliceContact.id):
        lines.append((pc.called_at, pc.id, police_contact_line(pc, reader)))
    return [text for _, _, text in sorted(lines, key=lambda t: (t[0], t[1]))]


PHONE_HEADING = "Parents informed and police contacts:"


def phone_section(device_id: int, reader: Staff) -> list[str]:
    """:func:`phone_lines` under :data:`PHONE_HEADING`, after a blank line (none: nothing):
    the same words in the phone's own view and in the safeguarding feed's custody view."""
    lines = phone_lines(device_id, reader)
    return ["", PHONE_HEADING, *lines] if lines else []


def concern_lines(concern_id: int, reader: Staff) -> list[str]:
    """The parents-informed entries and police contacts about a concern ``reader`` may see."""
    concerns.get(concern_id, reader)
    lines = [
        informed_line(r)
        for r in ParentsInformed.select().where(ParentsInformed.concern == concern_id).order_by(ParentsInformed.id)
    ]
    lines += [
        police_contact_line(r, reader)
        for r in PoliceContact.select().where(PoliceContact.concern == concern_id).order_by(PoliceContact.id)
    ]
    return lines


@dataclass(frozen=True)
class Waiting:
    """A confiscation or search of a pupil's phone whose parents are not yet recorded as told."""

    event_id: int
    device_id: int
    kind: str  # confiscation | search
    time: str  # local "YYYY-MM-DD HH:MM"
    pupil: str
    class_name: str
    by: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def waiting(reader: Staff) -> list[Waiting]:
    """Confiscations and searches of pupils' phones (not undone) with no parents-informed entry
    and, for a search, no time recorded on the search itself: newest first. For leadership, the
    DSL and the headteacher; each lists only what they may record (:func:`about`): a phone held
    for the DSL is the DSL's to tell the parents of, so it is not on leadership's list."""
    if reader is None:
        raise PermissionDenied("Sign in first.")
    _reader_roles_ok(reader)
    informed = ParentsInformed.select(ParentsInformed.event).where(ParentsInformed.event.is_null(False))
    undone = CustodyEvent.select(CustodyEvent.reverses).where(CustodyEvent.kind == REVERSAL)
    q = (
        CustodyEvent.select(CustodyEvent, Device, Pupil, SchoolClass, Staff)
        .join(Device, on=(CustodyEvent.device == Device.id))
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .switch(CustodyEvent)
        .join(Staff, JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
        .where(
            CustodyEvent.kind.in_(INFORMABLE_KINDS)
            & CustodyEvent.parents_informed_at.is_null()
            & CustodyEvent.id.not_in(informed)
            & CustodyEvent.id.not_in(undone)
        )
        .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc())
    )
    events = list(q)
    held = DeviceState.select(DeviceState.device, DeviceState.dsl_hold).where(
        DeviceState.device.in_(sorted({e.device_id for e in events}) or [0])
    )
    holds: dict[int, str] = {row.device_id: row.dsl_hold for row in held}
    out = []
    for e in events:
        if not may_read_details(reader, e.actor_id) or dsl_decides_refusal(
            reader, holds.get(e.device_id), "parents_informed"
        ):
            continue  # not theirs to record: _event_about would refuse it
        pupil: Any = e.device.pupil
        actor: Any = e.actor if e.actor_id else None
        out.append(
            Waiting(
                event_id=e.id,
                device_id=e.device_id,
                kind=EVENT_NOUNS[e.kind],
                time=local_from_utc_naive(e.at),
                pupil=pupil.full_name,
                class_name=pupil.school_class.name if pupil.school_class_id else "",
                by=actor.display_name if actor is not None else "system",
            )
        )
    return out
