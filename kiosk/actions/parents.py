"""Parents informed and contacts with the police (issue 15): the use cases the history
screen, the list of what is waiting and ``kiosk parents`` / ``kiosk police`` share.

The domain (``models.safeguarding.parents``) checks every permission and rule again; these
functions load the signed-in person's row, call it, and return plain data or the line to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.safeguarding.parents import Waiting


@dataclass(frozen=True)
class ParentsTold:
    """What the parents-informed form gives: the arguments of ``parents.record_informed``."""

    told_at: dt.datetime  # naive UTC
    how: str  # a key of models.safeguarding.parents.HOW
    contact_id: int | None = None
    parent_name: str | None = None
    told_by_name: str | None = None  # None: the member of staff recording it told them
    note: str | None = None
    corrects_id: int | None = None


@dataclass(frozen=True)
class PoliceCall:
    """What the police contact form gives."""

    line: str  # "101" | "999"
    reference: str
    called_at: dt.datetime  # naive UTC
    called_by_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class InformAbout:
    """A confiscation or search the parents may be told about: what the dialog needs."""

    event_id: int
    device_id: int
    pupil: str
    what: str  # "confiscation at 2026-11-12 08:30"
    at: dt.datetime  # naive UTC: the time may not be before it
    contacts: tuple[tuple[int, str], ...]  # the pupil's listed parents and carers


@dataclass(frozen=True)
class InformAboutConcern:
    """A concern the parents may be told about (the follow-up's "parents told", routed here)."""

    concern_id: int
    pupil: str  # whom it is about, for the form's title
    what: str  # "concern #3 raised 2026-11-12 08:30"
    at: dt.datetime  # naive UTC: the time may not be before it
    contacts: tuple[tuple[int, str], ...]  # the pupil's listed parents and carers (none: a name is typed)


def inform_about_concern(who: SignedIn, concern_id: int) -> InformAboutConcern:
    """Concern ``concern_id``, if ``who`` may see it (and so record that parents were told of it)."""
    from models.clock import local_from_utc_naive
    from models.safeguarding import concerns, parents
    from models.school.people import contacts_of

    subject = parents.about(staff_row(who), concern_id=concern_id)
    concern: Any = subject.concern
    pupil: Any = subject.pupil
    contacts = (
        tuple((c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name) for c in contacts_of(pupil.id))
        if pupil is not None
        else ()
    )
    return InformAboutConcern(
        concern_id=concern.id,
        pupil=pupil.full_name if pupil is not None else concerns.subject_of(concern),
        what=f"concern #{concern.id} raised {local_from_utc_naive(concern.raised_at)}",
        at=concern.raised_at,
        contacts=contacts,
    )


def informed_of_concern(who: SignedIn, concern_id: int, told: ParentsTold, now: dt.datetime) -> str:
    return record_informed(who, told, now, concern_id=concern_id)


def waiting(who: SignedIn) -> tuple[Waiting, ...]:
    """Confiscations and searches of pupils' phones whose parents are not yet recorded as told."""
    from models.safeguarding import parents

    return tuple(parents.waiting(staff_row(who)))


def inform_about(who: SignedIn, event_id: int) -> InformAbout:
    """The confiscation or search ``event_id``, if ``who`` may record that parents were told of it."""
    from models.clock import local_from_utc_naive
    from models.safeguarding import parents
    from models.school.people import contacts_of

    subject = parents.about(staff_row(who), event_id=event_id)
    event: Any = subject.event
    pupil: Any = subject.pupil
    contacts = tuple(
        (c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name) for c in contacts_of(pupil.id)
    )
    return InformAbout(
        event_id=event.id,
        device_id=event.device_id,
        pupil=pupil.full_name,
        what=f"{subject.noun} at {local_from_utc_naive(event.at)}",
        at=event.at,
        contacts=contacts,
    )


def record_informed(
    who: SignedIn, told: ParentsTold, now: dt.datetime, *, event_id: int | None = None, concern_id: int | None = None
) -> str:
    """Record that a parent or carer was told; the line to show."""
    from models.safeguarding import parents

    row = parents.record_informed(
        staff_row(who),
        event_id=event_id,
        concern_id=concern_id,
        contact_id=told.contact_id,
        parent_name=told.parent_name,
        told_by_name=told.told_by_name,
        told_at=told.told_at,
        how=told.how,
        note=told.note,
        corrects_id=told.corrects_id,
        now=now,
    )
    if event_id is not None:
        from models.custody.ledger import EVENT_NOUNS

        event: Any = row.event
        what = f"{EVENT_NOUNS.get(event.kind, 'record')} #{event_id}"  # "confiscation #12", "search #416"
    else:
        what = f"concern #{concern_id}"
    return f"Recorded: parents told of {what} {parents.HOW[row.how]} (entry {row.id})."


def record_police_contact(
    who: SignedIn,
    call: PoliceCall,
    now: dt.datetime,
    *,
    device_id: int | None = None,
    concern_id: int | None = None,
) -> str:
    """Record a call to the police about a phone and/or a concern; the line to show."""
    from models.safeguarding import parents

    row = parents.record_police_contact(
        staff_row(who),
        device_id=device_id,
        concern_id=concern_id,
        line=call.line,
        reference=call.reference,
        called_at=call.called_at,
        called_by_name=call.called_by_name,
        note=call.note,
        now=now,
    )
    return f"Recorded: the police contacted on {row.line}, reference {row.reference} (contact {row.id})."


def informed_of_event(who: SignedIn, event_id: int, told: ParentsTold, now: dt.datetime) -> str:
    """:func:`record_informed` about a confiscation or search (the history screen's F3)."""
    return record_informed(who, told, now, event_id=event_id)


def police_contact_about_phone(who: SignedIn, device_id: int, call: PoliceCall, now: dt.datetime) -> str:
    """:func:`record_police_contact` about a phone (the history screen's F10)."""
    return record_police_contact(who, call, now, device_id=device_id)


def device_of_code(code: str) -> int:
    """The phone a label code is on (the command line names phones by their label)."""
    from models.custody.devices import resolve

    return int(resolve(code).device.id)


def local_time(text: str, option: str = "--at") -> dt.datetime:
    """ "YYYY-MM-DD HH:MM" (or the day as the forms take it, DD/MM/YYYY with / . or - between:
    models.dates) in the school's time zone, as naive UTC; else one plain line."""
    from models.clock import local_to_utc
    from models.dates import impossible_day, parse_day
    from models.errors import ValidationError

    day_text, _, time_text = " ".join(text.split()).rpartition(" ")
    day = parse_day(day_text)
    try:
        time = dt.datetime.strptime(time_text, "%H:%M").time()
    except ValueError:
        time = None
    if day is None and (no_such := impossible_day(day_text)):
        raise ValidationError(f"{option} {text[:40]!r}: {no_such}")
    if day is None or time is None:
        raise ValidationError(
            f"{option} {text[:40]!r} is not a time: write it as 'DD/MM/YYYY HH:MM' or 'YYYY-MM-DD HH:MM'."
        )
    return local_to_utc(dt.datetime.combine(day, time))
