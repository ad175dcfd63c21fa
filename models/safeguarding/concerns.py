"""Breaches and safeguarding concerns for the DSL, and the DSL's safeguarding feed.

Any member of staff may raise a concern about a pupil, a member of staff or a visitor
(mobile technology policy 7: staff "will inform the DSL of any breaches"). The DSL
(``view_concerns``: DSL and headteacher) sees every concern not yet seen counted on
the home screen, marks each seen, and follows it up with a note, which closes it
unless asked to keep it open.

The feed merges concerns with the custody ledger's confiscations, searches and police
hand-overs. Each entry carries what opens its full history: ``device_id`` (the
chain of custody, ``custody.history``) or ``concern_id`` (:func:`concern_history`).

A concern about a member of staff is an allegation (KCSIE Part 4): labelled so, and its
follow-up records the referral to the LADO (:func:`follow_up`). Nobody reads an allegation
about themself; one about the headteacher goes to the chair of governors, and to the DSL
when the DSL is not the headteacher (:func:`may_see_concern`), never to the headteacher:
not listed, not counted, not readable, not followed up.

Audit entries carry ids and codes only: never the text of a concern or a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, day_bounds, local_day, local_from_utc_naive, utcnow
from models.custody.ledger import CONFISCATED_EV, POLICE_EV, REVERSAL, SEARCHED, describe_event
from models.errors import NotFound, RuleViolation, ValidationError
from models.staff.auth import CHAIR, DETAIL_ROLES, DSL, HEADTEACHER, may, require
from models.store.tables import Concern, CustodyEvent, Device, Pupil, SchoolClass, Staff, Visit
from models.text import text_field

ABOUT_PUPIL, ABOUT_STAFF, ABOUT_VISITOR = "pupil", "staff", "visitor"
ABOUT_KINDS = (ABOUT_PUPIL, ABOUT_STAFF, ABOUT_VISITOR)
CATEGORIES = {
    "phone_breach": "breach of the phone policy",
    "online_safety": "online safety",
    "safeguarding": "safeguarding concern",
    "other": "other",
}
OPEN, CLOSED = "open", "closed"

# Feed kinds: concerns, and the custody ledger's safeguarding events.
CONCERN, CONFISCATION, SEARCH, POLICE = "concern", "confiscation", "search", "police"
FEED_KINDS = {
    CONCERN: "concern",
    CONFISCATION: "confiscation",
    SEARCH: "search",
    POLICE: "police hand-over",
}
_EVENT_FEED_KIND = {CONFISCATED_EV: CONFISCATION, SEARCHED: SEARCH, POLICE_EV: POLICE}
MAX_NOTES = 10000
_NOT_A_PUPILS = {
    "staff": "A member of staff's device"
}  # whose: for the DSL and the head (models.custody.school_devices)


# Limits of the free-text fields (characters); the forms use the same numbers.
WHAT_LIMIT = 2000  # what happened
NAME_LIMIT = 100  # the person's name, when not a pupil or member of staff
NOTE_LIMIT = 2000  # a follow-up note


def _get(concern_id: int) -> Concern:
    c = Concern.get_or_none(Concern.id == concern_id)
    if c is None:
        raise NotFound("There is no such concern.")
    return c


# ---------------------------------------------------------------- who sees a concern

ALLEGATION = "allegation"  # the label of a concern about a member of staff (KCSIE Part 4)


def is_allegation(c: Concern) -> bool:
    return c.about_kind == ABOUT_STAFF


def _head_ids() -> set[int]:
    """The staff who are headteachers (a concern about one of them is for the chair)."""
    return {s.id for s in Staff.select(Staff.id, Staff.roles) if HEADTEACHER in s.role_set}


def _sees(reader: Staff, c: Concern, heads: set[int]) -> bool:
    roles = reader.role_set
    if c.about_kind == ABOUT_STAFF and c.staff_id == reader.id:
        return False  # nobody reads an allegation about themself
    if c.about_kind == ABOUT_STAFF and c.staff_id in heads:
        # About the headteacher: the chair of governors, and the DSL when not a headteacher.
        return HEADTEACHER not in roles and bool(roles & {CHAIR, DSL})
    return may(reader, "view_concerns")


def may_see_concern(reader: Staff, c: Concern) -> bool:
    """Whether ``reader`` may list, count, read and follow up the concern ``c``."""
    return _sees(reader, c, _head_ids())


def goes_to(c: Concern) -> str:
    """Who will see the concern, for the person who raised it: "the DSL will see it."; an
    allegation about the headteacher: "the chair of governors will see it.", or, when no
    one at the kiosk may read it, what to do instead."""
    if not (c.about_kind == ABOUT_STAFF and c.staff_id in _head_ids()):
        return "the DSL will see it."
    readers = [s for s in Staff.select().where(Staff.active == True) if _sees(s, c, {c.staff_id})]  # noqa: E712
    if not readers:
        return "no chair of governors has an account here, so tell the chair directly."
    return f"{'the chair of governors' if any(CHAIR in s.role_set for s in readers) else 'the DSL'} will see it."


def require_concerns(actor: Staff | None) -> None:
    """Refuse unless ``actor`` sees some concerns: the DSL and the headteacher (``view_concerns``)
    or the chair of governors (``view_head_allegations``)."""
    if actor is not None and may(actor, "view_head_allegations"):
        return
    require(actor, "view_concerns")


def _visible(concern_id: int, actor: Staff) -> Concern:
    """The concern, if ``actor`` may see it; else as if there were none (so an allegation
    about the reader is not even confirmed to exist)."""
    require_concerns(actor)
    c = _get(concern_id)
    if not may_see_concern(actor, c):
        raise NotFound("There is no such concern.")
    return c


# ---------------------------------------------------------------- writing


def raise_concern(
    actor: Staff,
    *,
    about_kind: str,
    what: str,
    category: str = "phone_breach",
    pupil_id: int | None = None,
    staff_id: int | None = None,
    visit_id: int | None = None,
    name: str | None = None,
    device_id: int | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """Raise a concern for the DSL. Any member of staff.

    About a pupil (``pupil_id``), a member of staff (``staff_id``) or a visitor
    (``visit_id`` of their visit, and/or their ``name``). ``device_id`` links a phone
    whose chain of custody belongs with the concern.
    """
    now = now or utcnow()
    if about_kind not in ABOUT_KINDS:
        raise ValidationError("Say who the concern is about: a pupil, a member of staff or a visitor.")
    if category not in CATEGORIES:
        raise ValidationError("Choose the kind of concern: " + ", ".join(CATEGORIES.values()) + ".")
    what = text_field(what, "description of what happened", limit=WHAT_LIMIT)
    name = text_field(name, "person's name", required=False, limit=NAME_LIMIT)
    if name is not None and "\n" in name:
        raise ValidationError("The person's name must be on one line.")
    if about_kind != ABOUT_PUPIL and pupil_id is not None:
        raise ValidationError("Only a concern about a pupil names a pupil.")
    if about_kind != ABOUT_STAFF and staff_id is not None:
        raise ValidationError("Only a concern about a member of staff names one.")
    if about_kind != ABOUT_VISITOR and visit_id is not None:
        raise ValidationError("Only a concern about a visitor names a visit.")
    if about_kind == ABOUT_VISITOR:
        if visit_id is None and name is None:
            raise ValidationError("Give the visitor's name or pick their visit.")
        if visit_id is not None and (not isinstance(visit_id, int) or visit_id < 1):
            raise ValidationError("That is not a visit.")
    elif name is not None:
        raise ValidationError("A concern about a pupil or member of staff names them from the list, not as text.")
    with write_tx():
        require(actor, "raise_concern")
        pupil = staff = device = None
        if about_kind == ABOUT_PUPIL:
            pupil = Pupil.get_or_none(Pupil.id == pupil_id) if pupil_id else None
            if pupil is None:
                raise NotFound("Choose the pupil the concern is about.")
        elif about_kind == ABOUT_STAFF:
            staff = Staff.get_or_none(Staff.id == staff_id) if staff_id else None
            if staff is None:
                raise NotFound("Choose the member of staff the concern is about.")
        if device_id is not None:
            device = Device.get_or_none(Device.id == device_id)
            if device is None:
                raise NotFound("No such phone.")
            if pupil is not None and device.pupil_id not in (None, pupil.id):
                raise RuleViolation(f"That phone is not registered to {pupil.full_name}.")
        concern = Concern.create(
            about_kind=about_kind,
            pupil=pupil,
            staff=staff,
            visit_id=visit_id,
            name=name,
            device=device,
            category=category,
            what=what,
            raised_by=actor,
            raised_at=now,
            status=OPEN,
            updated_at=now,
        )
        details: dict[str, Any] = {"about": about_kind, "category": category}
        for key, value in (
            ("pupil_id", pupil_id),
            ("staff_id", staff_id),
            ("visit_id", visit_id),
            ("device_id", device_id),
        ):
            if value is not None:
                details[key] = value
        audit.append(actor, "concern.raise", "concern", concern.id, details, now)
        return concern


def mark_seen(concern_id: int, actor: Staff, *, now: dt.datetime | None = None) -> Concern:
    """The DSL has seen the concern. Seeing it again changes nothing."""
    now = now or utcnow()
    with write_tx():
        concern = _visible(concern_id, actor)
        if concern.seen_at is not None:
            return concern
        Concern.update(seen_at=now, seen_by=actor, updated_at=now).where(Concern.id == concern.id).execute()
        audit.append(actor, "concern.seen", "concern", concern.id, {"concern_id": concern.id}, now)
        return _get(concern.id)


# How a concern ended: the DSL chooses one to close it (a note alone leaves it open).
CLOSE_OUTCOMES = (
    "No further action",
    "Resolved in school",
    "Early help offered",
    "Referred to children's social care",
    "Reported to the police",
    "Referred to the LADO",
    "Other (see the note)",
)


LADO_REFERENCE_LIMIT = 100
_LADO_WORDS = "referred to the LADO on "


def follow_up(
    concern_id: int,
    actor: Staff,
    *,
    note: str,
    close: bool = False,
    outcome: str | None = None,
    lado_referred_on: dt.date | None = None,
    lado_reference: str | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """Record the DSL's follow-up with a note. The concern stays open unless ``close``,
    which needs an ``outcome`` from :data:`CLOSE_OUTCOMES` (kept in the signed note, not
    in the audit log, which names no detail of a concern).

    An allegation about a member of staff records its referral to the LADO here: the day
    it was referred (``lado_referred_on``) and the LADO's reference, both given.

    Notes accumulate (each line dated and signed); a closed concern takes no more.
    """
    now = now or utcnow()
    note = text_field(note, "follow-up note", limit=NOTE_LIMIT)
    if close and outcome not in CLOSE_OUTCOMES:
        raise ValidationError("Choose the outcome to close the concern: " + "; ".join(CLOSE_OUTCOMES) + ".")
    if not close and outcome is not None:
        raise ValidationError("An outcome is given only when closing the concern.")
    reference = text_field(lado_reference, "LADO's reference", required=False, limit=LADO_REFERENCE_LIMIT)
    if reference is not None and "\n" in reference:
        raise ValidationError("The LADO's reference must be on one line.")
    if (lado_referred_on is None) != (reference is None):
        raise ValidationError("Give both the day of the LADO referral and the LADO's reference, or neither.")
    if lado_referred_on is not None and lado_referred_on > local_day(now):
        raise ValidationError("The day of the LADO referral is in the future.")
    if lado_referred_on is not None:
        note = f"{note} ({_LADO_WORDS}{lado_referred_on.isoformat()}, reference {reference})"
    if close:
        assert outcome is not None
        note = f"{note} (closed: {outcome[0].lower()}{outcome[1:]})"
    with write_tx():
        concern = _visible(concern_id, actor)
        if concern.status == CLOSED:
            raise RuleViolation("This concern is already closed.")
        if lado_referred_on is not None and not is_allegation(concern):
            raise ValidationError("Only an allegation about a member of staff is referred to the LADO.")
        # Not yet required before closing as "Referred to the LADO": the follow-up form on
        # screen cannot record the referral's day and reference (the CLI and actions can).
        entry = f"{local_from_utc_naive(now)} {actor.display_name}: {note}"
        notes = f"{concern.follow_up_note}\n{entry}" if concern.follow_up_note else entry
        if len(notes) > MAX_NOTES:
            raise ValidationError("The follow-up notes are full: close this concern and raise a new one.")
        values: dict[str, Any] = dict(followed_up_at=now, followed_up_by=actor, follow_up_note=notes, updated_at=now)
        if concern.seen_at is None:
            values.update(seen_at=now, seen_by=actor)
        if close:
            values["status"] = CLOSED
        Concern.update(**values).where(Concern.id == concern.id).execute()
        details: dict[str, Any] = {"concern_id": concern.id, "closed": close}
        if lado_referred_on is not None:
            details["lado"] = True  # that it was referred; the reference stays in the note
        audit.append(actor, "concern.follow_up", "concern", concern.id, details, now)
        return _get(concern.id)


# ---------------------------------------------------------------- reading


def _count(where: Any, reader: Staff | None) -> int:
    if reader is None:  # the domain's own use: every concern
        return Concern.select().where(where).count()
    heads = _head_ids()
    return sum(1 for c in Concern.select().where(where) if _sees(reader, c, heads))


def unseen_count(reader: Staff | None = None) -> int:
    """Concerns not yet seen, of those ``reader`` may see (for their home screen)."""
    return _count(Concern.seen_at.is_null(), reader)


def open_count(reader: Staff | None = None) -> int:
    return _count(Concern.status == OPEN, reader)


def get(concern_id: int, reader: Staff | None = None) -> Concern:
    return _get(concern_id) if reader is None else _visible(concern_id, reader)


def subject_of(c: Concern) -> str:
    if c.about_kind == ABOUT_PUPIL:
        assert c.pupil is not None  # a concern about a pupil is raised only with the pupil's row
        return c.pupil.full_name
    if c.about_kind == ABOUT_STAFF:
        assert c.staff is not None  # likewise the member of staff's
        return c.staff.display_name
    if c.name:
        return c.name
    visit = Visit.get_or_none(Visit.id == c.visit_id) if c.visit_id is not None else None
    return visit.name if visit is not None else f"visitor (visit {c.visit_id})"  # the visit erased: its number


def kind_words(c: Concern) -> str:
    """ "online safety"; about a member of staff: "allegation (online safety)"."""
    words = CATEGORIES.get(c.category, c.category)
    return f"{ALLEGATION} ({words})" if is_allegation(c) else words


def concern_history(concern_id: int, reader: Staff | None = None) -> list[str]:
    """A concern's whole story, one plain line per step, oldest first (with ``reader``:
    only a concern they may see)."""
    c = get(concern_id, reader)
    lines = [
        f"{local_from_utc_naive(c.raised_at)}  {kind_words(c)} about "
        f"{subject_of(c)} ({c.about_kind}) raised by {c.raised_by.display_name}: {c.what}"
    ]
    if c.device_id:
        lines.append(f"linked phone: device {c.device_id} (its chain of custody is in the phone's history)")
    if c.seen_at:
        assert c.seen_by is not None  # seen_at and seen_by are written together
        lines.append(f"{local_from_utc_naive(c.seen_at)}  seen by {c.seen_by.display_name}")
    if c.follow_up_note:
        lines += [f"follow-up {line}" for line in c.follow_up_note.splitlines()]
    lines.append("closed" if c.status == CLOSED else "open")
    return lines


@dataclass(frozen=True)
class FeedEntry:
    """One line of the DSL's feed, with what the UI needs to open its full history."""

    at: dt.datetime  # naive UTC
    time: str  # local, "YYYY-MM-DD HH:MM"
    kind: str  # concern | confiscation | search | police
    kind_text: str
    subject: str
    about: str  # pupil | staff | visitor
    class_name: str
    summary: str  # one line, cut to fit a table
    by: str
    device_id: int | None = None  # opens custody.history(device_id)
    concern_id: int | None = None  # opens concern_history(concern_id)
    event_id: int | None = None
    category: str = ""
    status: str = ""  # concerns: open | closed
    seen: bool | None = None  # concerns: seen by the DSL?
    undone: bool = False  # custody events later reversed
    detail: str = ""  # the whole text on one line (up to DETAIL_LIMIT), for the highlighted entry

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


DETAIL_LIMIT = 600  # the highlighted entry under the feed: the whole of a search's record


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line of at most ``limit`` characters, ending in "…" when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def safeguarding_feed(
    from_day: dt.date,
    to_day: dt.date,
    class_name: str | None = None,
    kind: str | None = None,
    *,
    actor: Staff | None = None,
    tz: ZoneInfo = SCHOOL_TZ,
) -> list[FeedEntry]:
    """Concerns, confiscations, searches and police hand-overs between two local days
    (inclusive), newest first.

    ``class_name`` keeps only entries about pupils in that class; ``kind`` is one of
    :data:`FEED_KINDS` or a concern category (:data:`CATEGORIES`). With ``actor``, the
    DSL permission is checked first.
    """
    if actor is not None:
        require_concerns(actor)
    if to_day < from_day:
        raise ValidationError("The end date is before the start date.")
    if kind is not None and kind not in FEED_KINDS and kind not in CATEGORIES:
        raise ValidationError("Filter by one of: " + ", ".join([*FEED_KINDS, *CATEGORIES]) + ".")
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    entries: list[FeedEntry] = []
    reader: Staff | frozenset[str] = actor if actor is not None else DETAIL_ROLES  # no actor: the domain's own use

    if kind is None or kind == CONCERN or kind in CATEGORIES:
        q = (
            Concern.select(Concern, Pupil, SchoolClass)
            .join(Pupil, JOIN.LEFT_OUTER, on=(Concern.pupil == Pupil.id))
            .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .where((Concern.raised_at >= start) & (Concern.raised_at < end))
        )
        if kind in CATEGORIES:
            q = q.where(Concern.category == kind)
        if class_name:
            q = q.where(SchoolClass.name == class_name)
        staff_names = {s.id: s.display_name for s in Staff.select(Staff.id, Staff.display_name)}
        heads = _head_ids()
        for c in q:
            if actor is not None and not _sees(actor, c, heads):
                continue  # e.g. an allegation about the reader, or about the headteacher
            pupil = c.pupil if c.pupil_id else None
            entries.append(
                FeedEntry(
                    at=c.raised_at,
                    time=local_from_utc_naive(c.raised_at, tz),
                    kind=CONCERN,
                    kind_text=kind_words(c),
                    subject=subject_of(c),
                    about=c.about_kind,
                    class_name=pupil.school_class.name if pupil is not None else "",
                    summary=one_line(c.what),
                    detail=one_line(c.what, DETAIL_LIMIT),
                    by=staff_names.get(c.raised_by_id, ""),
                    device_id=c.device_id,
                    concern_id=c.id,
                    category=c.category,
                    status=c.status,
                    seen=c.seen_at is not None,
                )
            )

    wanted = [k for k, feed_kind in _EVENT_FEED_KIND.items() if kind is None or kind == feed_kind]
    if actor is not None and not may(actor, "view_concerns"):
        wanted = []  # the chair of governors: allegations about the headteacher, nothing custody-related
    if wanted:
        events_q = (
            CustodyEvent.select(CustodyEvent, Device, Pupil, SchoolClass, Staff)
            .join(Device, on=(CustodyEvent.device == Device.id))
            .join(Pupil, JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
            .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .switch(CustodyEvent)
            .join(Staff, JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
            .where(CustodyEvent.kind.in_(wanted) & (CustodyEvent.at >= start) & (CustodyEvent.at < end))
        )
        if class_name:
            events_q = events_q.where(SchoolClass.name == class_name)
        events = list(events_q)
        reversed_ids = {
            r.reverses_id
            for r in CustodyEvent.select(CustodyEvent.reverses).where(
                (CustodyEvent.kind == REVERSAL) & CustodyEvent.reverses.in_([e.id for e in events] or [0])
            )
        }
        for e in events:
            pupil = e.device.pupil if e.device.pupil_id else None
            feed_kind = _EVENT_FEED_KIND[e.kind]
            detail = describe_event(e, reader=reader).split("  ", 1)[1].rsplit("  (by", 1)[0]
            undone = e.id in reversed_ids
            actor = e.actor if e.actor_id else None
            entries.append(
                FeedEntry(
                    at=e.at,
                    time=local_from_utc_naive(e.at, tz),
                    kind=feed_kind,
                    kind_text=FEED_KINDS[feed_kind],
                    subject=pupil.full_name if pupil else _NOT_A_PUPILS.get(e.device.kind, "Visitor's phone"),
                    about=ABOUT_PUPIL if pupil else ABOUT_STAFF if e.device.kind == "staff" else ABOUT_VISITOR,
                    class_name=pupil.school_class.name if pupil else "",
                    summary=one_line(detail) + (" (undone)" if undone else ""),
                    detail=one_line(detail, DETAIL_LIMIT) + (" (undone)" if undone else ""),
                    by=actor.display_name if actor is not None else "system",
                    device_id=e.device_id,
                    event_id=e.id,
                    undone=undone,
                )
            )
    entries.sort(key=lambda x: (x.at, x.concern_id or 0, x.event_id or 0), reverse=True)
    return entries
