"""Phone exceptions agreed with the headteacher (mobile technology policy 5, 6 and 7).

An exception lets one pupil, member of staff, visitor or visiting organisation use a
phone in a stated way, place and period. Only the headteacher records or revokes one.

The rules:

* it has effect from ``starts_on`` to ``ends_on`` INCLUSIVE (the printed agreement says
  "Until <ends_on>"): none before its start, none after its end date;
* a revoked exception keeps its record and has no effect from the local day it was
  revoked;
* a PUPIL's exception has effect only once the signed copy is back (policy 6: the
  agreement is "provided in writing and agreed by the learner and their parents
  carers before use is permitted"); visitors' and staff exceptions need only the
  headteacher's record;
* a medical exception stores a category from :data:`MEDICAL_CATEGORIES`, never a
  diagnosis; there is no free-text medical field;
* kinds in :data:`NEEDS_RISK_ASSESSMENT` need a risk assessment reference;
* the same subject cannot hold two overlapping exceptions of the same kind.

Visitors are matched at sign-in by name (case- and space-insensitive: case folded,
runs of spaces collapsed) or, for an organisation-wide exception, by organisation.
"""

from __future__ import annotations

import datetime
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from peewee import JOIN, ModelSelect

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, utcnow
from models.errors import NotFound, RuleViolation, ValidationError
from models.staff.auth import require
from models.store.tables import AgreedException, Contact, Pupil, SchoolClass, Staff
from models.text import text_field

if TYPE_CHECKING:
    from printing.documents import Document

PUPIL, STAFF, VISITOR, ORGANISATION = "pupil", "staff", "visitor", "organisation"
SUBJECT_KINDS = (PUPIL, STAFF, VISITOR, ORGANISATION)

MEDICAL, YOUNG_CARER, MULTI_AGENCY, EMERGENCY, REMOTE_LEARNING, OTHER = (
    "medical_monitoring",
    "young_carer",
    "multi_agency",
    "emergency_use",
    "remote_learning",
    "other",
)
KINDS = {
    MEDICAL: "medical monitoring",
    YOUNG_CARER: "young carer",
    MULTI_AGENCY: "multi-agency working",
    EMERGENCY: "emergency use",
    REMOTE_LEARNING: "remote learning on a personal device (risk assessed)",
    OTHER: "other",
}
# Policy 5: personal devices for remote learning only "following a formal risk assessment".
NEEDS_RISK_ASSESSMENT = frozenset({REMOTE_LEARNING})
# Who each kind can be for (a young carer is a pupil).
KIND_SUBJECTS = {
    MEDICAL: frozenset(SUBJECT_KINDS),
    YOUNG_CARER: frozenset({PUPIL}),
    MULTI_AGENCY: frozenset(SUBJECT_KINDS),
    EMERGENCY: frozenset(SUBJECT_KINDS),
    REMOTE_LEARNING: frozenset({PUPIL, STAFF}),
    OTHER: frozenset(SUBJECT_KINDS),
}
# What the phone is needed FOR, never what the condition is.
MEDICAL_CATEGORIES = {
    "monitoring_device": "reads a medical sensor, pump or monitor",
    "emergency_alert": "raises or receives medical emergency alerts",
    "medication_reminder": "medication reminders",
    "communication_aid": "communication or accessibility aid",
    "other_medical": "other medical need (see the healthcare plan)",
}
PUPIL_NEEDS_SIGNED_COPY = True
MAX_CONDITIONS = 10

# Status words for lists
ACTIVE, NOT_STARTED, ENDED, REVOKED, AWAITING_SIGNATURE = (
    "active",
    "not started",
    "ended",
    "revoked",
    "awaiting signed copy",
)

_SPACES = re.compile(r"\s+")


def name_key(text: str | None) -> str:
    """Case- and space-insensitive form of a name or organisation, for matching."""
    return _SPACES.sub(" ", (text or "").strip()).casefold()


@overload
def _one_line(value: str | None, what: str, *, required: Literal[True] = ..., limit: int = ...) -> str: ...
@overload
def _one_line(value: str | None, what: str, *, required: bool, limit: int = ...) -> str | None: ...


def _one_line(value: str | None, what: str, *, required: bool = True, limit: int = 100) -> str | None:
    value = text_field(value, what, required=required, limit=limit)
    if value is not None and "\n" in value:
        raise ValidationError(f"The {what} must be on one line.")
    return value


def _conditions(conditions: Sequence[str] | str | None) -> list[str]:
    if conditions is None:
        return []
    items = conditions.splitlines() if isinstance(conditions, str) else list(conditions)
    out = []
    for item in items:
        text = _one_line(item, "condition", required=False, limit=200)
        if text:
            out.append(text)
    if len(out) > MAX_CONDITIONS:
        raise ValidationError(f"Give at most {MAX_CONDITIONS} conditions ({len(out)} given).")
    return out


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(f"Give the {what} as a date.")
    return value


def _get(exception_id: int) -> AgreedException:
    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise NotFound("There is no such exception.")
    return exc


# ---------------------------------------------------------------- recording


def record(
    actor: Staff,
    *,
    subject_kind: str,
    kind: str,
    allowed: str,
    where: str,
    agreed_on: dt.date,
    starts_on: dt.date,
    review_on: dt.date,
    ends_on: dt.date,
    pupil_id: int | None = None,
    staff_id: int | None = None,
    visitor_name: str | None = None,
    organisation: str | None = None,
    conditions: Sequence[str] | str | None = (),
    sanction: str | None = None,
    agreed_with_contact_id: int | None = None,
    agreed_with: str | None = None,
    risk_assessment_ref: str | None = None,
    medical_category: str | None = None,
    now: dt.datetime | None = None,
) -> AgreedException:
    """Record an exception agreed with the headteacher. Headteacher only.

    For a pupil: ``pupil_id``, a ``sanction`` for misuse, and who it was agreed with
    (``agreed_with_contact_id``, one of the pupil's listed contacts, or ``agreed_with``,
    a name). For a visitor: ``visitor_name`` (and their ``organisation`` if any). For a
    whole organisation: ``organisation`` only. For staff: ``staff_id``.
    """
    now = now or utcnow()
    today = local_day(now)
    if subject_kind not in SUBJECT_KINDS:
        raise ValidationError("Say who the exception is for: a pupil, a member of staff, a visitor or an organisation.")
    if kind not in KINDS:
        raise ValidationError("Choose the kind: " + ", ".join(KINDS.values()) + ".")
    if subject_kind not in KIND_SUBJECTS[kind]:
        raise ValidationError(f"A {KINDS[kind]} exception cannot be for {_subject_words(subject_kind)}.")
    if kind == MEDICAL:
        if medical_category not in MEDICAL_CATEGORIES:
            raise ValidationError(
                "Choose the medical category from the list (never write a diagnosis): "
                + "; ".join(MEDICAL_CATEGORIES.values())
                + "."
            )
    elif medical_category is not None:
        raise ValidationError("A medical category belongs only to a medical monitoring exception.")
    allowed = text_field(allowed, "description of what is allowed")
    where = _one_line(where, "place where it is allowed", limit=200)
    conds = _conditions(conditions)
    sanction = text_field(sanction, "sanction for misuse", required=subject_kind == PUPIL)
    agreed_with = _one_line(agreed_with, "name of the person it was agreed with", required=False)
    ref = _one_line(risk_assessment_ref, "risk assessment reference", required=False, limit=60)
    if kind in NEEDS_RISK_ASSESSMENT and ref is None:
        raise ValidationError(f"A {KINDS[kind]} exception needs the risk assessment reference.")
    agreed_on = _date(agreed_on, "date it was agreed")
    starts_on = _date(starts_on, "start date")
    review_on = _date(review_on, "review date")
    ends_on = _date(ends_on, "end date")
    if agreed_on > today:
        raise ValidationError("The date it was agreed is in the future.")
    if agreed_on > starts_on:
        raise ValidationError("An exception must be agreed before it starts.")
    if ends_on < starts_on:
        raise ValidationError("The end date is before the start date.")
    if not starts_on <= review_on <= ends_on:
        raise ValidationError("The review date must fall between the start and end dates.")
    if ends_on < today:
        raise ValidationError("The end date has already passed.")

    visitor_name = _one_line(visitor_name, "visitor's name", required=subject_kind == VISITOR)
    organisation = _one_line(organisation, "organisation", required=subject_kind == ORGANISATION)
    visitor_name = _SPACES.sub(" ", visitor_name) if visitor_name else None
    organisation = _SPACES.sub(" ", organisation) if organisation else None
    if subject_kind != PUPIL and (pupil_id is not None or agreed_with_contact_id is not None):
        raise ValidationError("Only a pupil's exception names a pupil or one of their contacts.")
    if subject_kind != STAFF and staff_id is not None:
        raise ValidationError("Only a staff exception names a member of staff.")
    if subject_kind in (PUPIL, STAFF) and (visitor_name or organisation):
        raise ValidationError(f"An exception for {_subject_words(subject_kind)} names no visitor or organisation.")
    if subject_kind == ORGANISATION and visitor_name:
        raise ValidationError(
            "An organisation-wide exception names no single visitor: record it for the visitor instead."
        )

    with write_tx():
        require(actor, "record_exception")
        pupil = staff = contact = None
        if subject_kind == PUPIL:
            pupil = Pupil.get_or_none((Pupil.id == pupil_id) & (Pupil.active == True)) if pupil_id else None  # noqa: E712
            if pupil is None:
                raise NotFound("Choose the pupil the exception is for.")
            if agreed_with_contact_id is not None:
                contact = Contact.get_or_none(
                    (Contact.id == agreed_with_contact_id) & (Contact.pupil == pupil.id) & (Contact.active == True)  # noqa: E712
                )
                if contact is None:
                    raise RuleViolation(f"Pick the parent or carer from those listed for {pupil.full_name}.")
            elif agreed_with is None:
                raise ValidationError(f"Say which parent or carer of {pupil.full_name} agreed to it.")
        elif subject_kind == STAFF:
            staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True)) if staff_id else None  # noqa: E712
            if staff is None:
                raise NotFound("Choose the member of staff the exception is for.")
        nkey = name_key(visitor_name) if visitor_name else None
        okey = name_key(organisation) if organisation else None
        clash = _overlapping(subject_kind, kind, pupil, staff, nkey, okey, starts_on, ends_on)
        if clash is not None:
            raise RuleViolation(
                f"{subject_name(clash)} already has a {KINDS[kind]} exception from {clash.starts_on} to "
                f"{clash.ends_on}: revoke it first or choose dates that do not overlap."
            )
        exc = AgreedException.create(
            subject_kind=subject_kind,
            pupil=pupil,
            staff=staff,
            visitor_name=visitor_name,
            organisation=organisation,
            name_key=nkey,
            org_key=okey,
            kind=kind,
            medical_category=medical_category,
            allowed=allowed,
            location=where,
            conditions="\n".join(conds),
            sanction=sanction,
            agreed_with_contact=contact,
            agreed_with=None if contact else agreed_with,
            agreed_on=agreed_on,
            starts_on=starts_on,
            review_on=review_on,
            ends_on=ends_on,
            risk_assessment_ref=ref,
            recorded_by=actor,
            recorded_at=now,
            updated_at=now,
        )
        details: dict[str, Any] = {
            "subject_kind": subject_kind,
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "review_on": review_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        }
        if pupil is not None:
            details["pupil_id"] = pupil.id
        if staff is not None:
            details["staff_id"] = staff.id
        if contact is not None:
            details["contact_id"] = contact.id
        if medical_category:
            details["medical_category"] = medical_category
        audit.append(actor, "exception.record", "agreed_exception", exc.id, details, now)
        return exc


def _subject_words(subject_kind: str) -> str:
    return {PUPIL: "a pupil", STAFF: "a member of staff", VISITOR: "a visitor", ORGANISATION: "an organisation"}[
        subject_kind
    ]


def _overlapping(
    subject_kind: str,
    kind: str,
    pupil: Pupil | None,
    staff: Staff | None,
    nkey: str | None,
    okey: str | None,
    starts_on: dt.date,
    ends_on: dt.date,
) -> AgreedException | None:
    query = AgreedException.select().where(
        (AgreedException.subject_kind == subject_kind)
        & (AgreedException.kind == kind)
        & AgreedException.revoked_at.is_null()
        & (AgreedException.starts_on <= ends_on)
        & (AgreedException.ends_on >= starts_on)
    )
    if subject_kind == PUPIL:
        assert pupil is not None  # record() found the pupil's row before asking
        query = query.where(AgreedException.pupil == pupil.id)
    elif subject_kind == STAFF:
        assert staff is not None  # likewise the member of staff's
        query = query.where(AgreedException.staff == staff.id)
    elif subject_kind == VISITOR:
        query = query.where(AgreedException.name_key == nkey)
    else:
        query = query.where(AgreedException.org_key == okey)
    return query.first()


def revoke(exception_id: int, actor: Staff, *, reason: str, now: dt.datetime | None = None) -> AgreedException:
    """Withdraw an exception from now on. The record is kept. Headteacher only."""
    now = now or utcnow()
    reason = text_field(reason, "reason for revoking the exception", limit=200)
    with write_tx():
        require(actor, "record_exception")
        exc = _get(exception_id)
        if exc.revoked_at is not None:
            raise RuleViolation(f"This exception was already revoked on {local_day(exc.revoked_at)}.")
        AgreedException.update(revoked_at=now, revoked_by=actor, revoke_reason=reason, updated_at=now).where(
            AgreedException.id == exc.id
        ).execute()
        audit.append(actor, "exception.revoke", "agreed_exception", exc.id, {"exception_id": exc.id}, now)
        return _get(exc.id)


def mark_signed_copy(
    exception_id: int, actor: Staff, *, received_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> AgreedException:
    """Note that the signed agreement came back (office or headteacher)."""
    now = now or utcnow()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError("The time the signed copy came back is in the future.")
    with write_tx():
        require(actor, "file_exception_paperwork")
        exc = _get(exception_id)
        if exc.signed_copy_at is not None:
            raise RuleViolation(f"The signed copy was already recorded on {local_day(exc.signed_copy_at)}.")
        if received_at < dt.datetime.combine(exc.agreed_on, dt.time()) - dt.timedelta(days=1):
            raise ValidationError("The signed copy cannot have come back before the exception was agreed.")
        AgreedException.update(signed_copy_at=received_at, signed_copy_by=actor, updated_at=now).where(
            AgreedException.id == exc.id
        ).execute()
        audit.append(actor, "exception.signed_copy", "agreed_exception", exc.id, {"exception_id": exc.id}, now)
        return _get(exc.id)


def check_next_review(next_review_on: dt.date, *, today: dt.date, ends_on: dt.date) -> None:
    """The next review must fall after today and no later than the end date (the
    review dialog checks this too, so the headteacher can correct it there)."""
    if not today < next_review_on <= ends_on:
        raise ValidationError(
            f"The next review must be after today and no later than the end date, {ends_on.isoformat()}."
        )


def record_review(
    exception_id: int, actor: Staff, *, next_review_on: dt.date, now: dt.datetime | None = None
) -> AgreedException:
    """The headteacher reviewed the exception and kept it: set the next review date."""
    now = now or utcnow()
    next_review_on = _date(next_review_on, "next review date")
    with write_tx():
        require(actor, "record_exception")
        exc = _get(exception_id)
        if exc.revoked_at is not None:
            raise RuleViolation("This exception was revoked: there is nothing to review.")
        check_next_review(next_review_on, today=local_day(now), ends_on=exc.ends_on)
        AgreedException.update(review_on=next_review_on, updated_at=now).where(AgreedException.id == exc.id).execute()
        audit.append(
            actor,
            "exception.review",
            "agreed_exception",
            exc.id,
            {"exception_id": exc.id, "review_on": next_review_on.isoformat()},
            now,
        )
        return _get(exc.id)


# ---------------------------------------------------------------- effect


def in_effect(exc: AgreedException, day: dt.date) -> bool:
    """Whether the exception has effect on a local day (see the module's rules)."""
    if not exc.starts_on <= day <= exc.ends_on:
        return False
    if exc.revoked_at is not None and local_day(exc.revoked_at) <= day:
        return False
    if exc.subject_kind == PUPIL and PUPIL_NEEDS_SIGNED_COPY:
        if exc.signed_copy_at is None or local_day(exc.signed_copy_at) > day:
            return False
    return True


def status_on(exc: AgreedException, day: dt.date) -> str:
    if exc.revoked_at is not None and local_day(exc.revoked_at) <= day:
        return REVOKED
    if day > exc.ends_on:
        return ENDED
    if day < exc.starts_on:
        return NOT_STARTED
    if not in_effect(exc, day):
        return AWAITING_SIGNATURE
    return ACTIVE


def _candidates(day: dt.date) -> ModelSelect[AgreedException]:
    return (
        AgreedException.select()
        .where((AgreedException.starts_on <= day) & (AgreedException.ends_on >= day))
        .order_by(AgreedException.ends_on.desc(), AgreedException.id.desc())
    )


def _first_in_effect(query: Iterable[AgreedException], day: dt.date) -> AgreedException | None:
    for exc in query:
        if in_effect(exc, day):
            return exc
    return None


def active_for_pupil(pupil_id: int, day: dt.date) -> AgreedException | None:
    """The pupil's exception in effect on ``day`` (the one ending last), or None."""
    return _first_in_effect(
        _candidates(day).where((AgreedException.subject_kind == PUPIL) & (AgreedException.pupil == pupil_id)), day
    )


def scan_note(pupil_id: int | None, day: dt.date) -> str | None:
    """One line for the hand-in scan when the pupil has an exception in effect, else None.

    For ``custody.hand_in``'s outcome (the lead adds it there): e.g.
    "Agreed exception: medical monitoring: … until 2026-12-18 (where: …)".
    """
    if pupil_id is None:
        return None
    exc = active_for_pupil(pupil_id, day)
    if exc is None:
        return None
    return f"Agreed exception: {kind_text(exc)} until {exc.ends_on.isoformat()} (where: {exc.location})"


def active_pupil_ids(day: dt.date) -> set[int]:
    """Pupils with an exception in effect on ``day``."""
    return {
        exc.pupil_id for exc in _candidates(day).where(AgreedException.subject_kind == PUPIL) if in_effect(exc, day)
    }


def active_for_staff(staff_id: int, day: dt.date) -> AgreedException | None:
    return _first_in_effect(
        _candidates(day).where((AgreedException.subject_kind == STAFF) & (AgreedException.staff == staff_id)), day
    )


def active_for_visitor(name: str, organisation: str, day: datetime.date) -> AgreedException | None:
    """The exception that covers a visitor signing in on ``day``, or None.

    A named visitor's own exception (matched on the name, case- and space-insensitively)
    comes first; otherwise an organisation-wide exception for their organisation.
    """
    nkey, okey = name_key(name), name_key(organisation)
    if nkey:
        found = _first_in_effect(
            _candidates(day).where((AgreedException.subject_kind == VISITOR) & (AgreedException.name_key == nkey)), day
        )
        if found is not None:
            return found
    if okey:
        return _first_in_effect(
            _candidates(day).where((AgreedException.subject_kind == ORGANISATION) & (AgreedException.org_key == okey)),
            day,
        )
    return None


def review_due(exc: AgreedException, today: dt.date, within_days: int) -> bool:
    """Whether an exception is due for review: not revoked or ended, and its review date
    passed, today, or within ``within_days``, except on the day it was recorded (it was
    agreed just now; a review date set for that very day still counts)."""
    if exc.revoked_at is not None or exc.ends_on < today:
        return False
    if exc.review_on <= today:
        return True
    return local_day(exc.recorded_at) < today and exc.review_on <= today + dt.timedelta(days=within_days)


def due_for_review(today: dt.date, within_days: int) -> list[AgreedException]:
    """The exceptions due for review (:func:`review_due`), overdue ones included. Soonest first."""
    if within_days < 0:
        raise ValidationError("Give a number of days of 0 or more.")
    horizon = today + dt.timedelta(days=within_days)
    return [
        exc
        for exc in AgreedException.select(AgreedException, Pupil, SchoolClass)
        .join(Pupil, JOIN.LEFT_OUTER, on=(AgreedException.pupil == Pupil.id))
        .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .where(
            AgreedException.revoked_at.is_null()
            & (AgreedException.ends_on >= today)
            & (AgreedException.review_on <= horizon)
        )
        .order_by(AgreedException.review_on, AgreedException.id)
        if review_due(exc, today, within_days)
    ]


def ending_within(today: dt.date, within_days: int) -> list[AgreedException]:
    """Unrevoked exceptions whose last day falls within the next N days (today included)."""
    horizon = today + dt.timedelta(days=within_days)
    return list(
        AgreedException.select()
        .where(
            AgreedException.revoked_at.is_null()
            & (AgreedException.ends_on >= today)
            & (AgreedException.ends_on <= horizon)
        )
        .order_by(AgreedException.ends_on, AgreedException.id)
    )


# ---------------------------------------------------------------- reading


def _pupil_of(exc: AgreedException) -> Pupil | None:
    return exc.pupil if exc.pupil_id else None


def _contact_of(exc: AgreedException) -> Contact | None:
    return exc.agreed_with_contact if exc.agreed_with_contact_id else None


def subject_name(exc: AgreedException) -> str:
    if exc.subject_kind == PUPIL:
        assert exc.pupil is not None  # a pupil's exception is recorded only with the pupil's row
        return exc.pupil.full_name
    if exc.subject_kind == STAFF:
        assert exc.staff is not None  # likewise the member of staff's
        return exc.staff.display_name
    if exc.subject_kind == VISITOR:
        assert exc.visitor_name is not None  # required for a visitor's exception
        return exc.visitor_name + (f" ({exc.organisation})" if exc.organisation else "")
    return f"{exc.organisation} (everyone from it)"


def kind_text(exc: AgreedException) -> str:
    text = KINDS.get(exc.kind, exc.kind)
    if exc.medical_category:
        text += f": {MEDICAL_CATEGORIES.get(exc.medical_category, exc.medical_category)}"
    return text


def agreed_with_name(exc: AgreedException) -> str:
    c = _contact_of(exc)
    if c is not None:
        return f"{c.name} ({c.relationship})" if c.relationship else c.name
    return exc.agreed_with or ""


def conditions_of(exc: AgreedException) -> list[str]:
    return [c for c in (exc.conditions or "").splitlines() if c]


def describe(exc: AgreedException, day: dt.date) -> dict[str, Any]:
    """A row for lists, the CLI and the home screens' review panel."""
    pupil = _pupil_of(exc)
    return {
        "id": exc.id,
        "for": subject_name(exc),
        "subject_kind": exc.subject_kind,
        "pupil_id": exc.pupil_id,
        "class": pupil.school_class.name if pupil is not None else "",
        "kind": exc.kind,
        "kind_text": kind_text(exc),
        "allowed": exc.allowed,
        "where": exc.location,
        "starts_on": exc.starts_on.isoformat(),
        "review_on": exc.review_on.isoformat(),
        "ends_on": exc.ends_on.isoformat(),
        "status": status_on(exc, day),
        "signed_copy": "yes" if exc.signed_copy_at else "no",
    }


def list_exceptions(day: dt.date, *, include_past: bool = False) -> list[AgreedException]:
    """Every exception not yet ended (or all, with ``include_past``), newest first."""
    query = AgreedException.select().order_by(AgreedException.starts_on.desc(), AgreedException.id.desc())
    if not include_past:
        query = query.where((AgreedException.ends_on >= day) & AgreedException.revoked_at.is_null())
    return list(query)


def agreement_document(
    exc: AgreedException, *, school_name: str = "Our School", headteacher_name: str = ""
) -> Document:
    """The printable written agreement, with signature lines (printing.documents)."""
    from printing.documents import exception_agreement

    head = headteacher_name or exc.recorded_by.display_name
    subject = subject_name(exc)
    if exc.subject_kind == PUPIL:
        pupil = exc.pupil
        assert pupil is not None  # a pupil's exception is recorded only with the pupil's row
        contact = _contact_of(exc)
        return exception_agreement(
            school_name=school_name,
            pupil_name=pupil.full_name,
            class_name=pupil.school_class.name,
            allowed=exc.allowed,
            where=exc.location,
            conditions=conditions_of(exc),
            sanction=exc.sanction or "",
            starts_on=exc.starts_on,
            ends_on=exc.ends_on,
            agreed_on=exc.agreed_on,
            headteacher_name=head,
            parent_name=contact.name if contact is not None else (exc.agreed_with or ""),
            review_on=exc.review_on,
            kind=kind_text(exc),
            reference=exc.risk_assessment_ref or "",
        )
    role = {STAFF: "Staff", VISITOR: "Visitor", ORGANISATION: "Organisation"}[exc.subject_kind]
    name: str | None
    if exc.subject_kind == STAFF:
        assert exc.staff is not None  # a staff exception is recorded only with the member of staff's row
        name = exc.staff.display_name
    else:
        name = exc.visitor_name or exc.organisation
        assert name is not None  # a visitor's exception names them; an organisation's names it
    org = exc.organisation if exc.subject_kind == VISITOR and exc.organisation else ""
    signer = exc.agreed_with or (name if exc.subject_kind != ORGANISATION else "")
    sanction = exc.sanction or (
        "Action under the staff code of conduct."
        if exc.subject_kind == STAFF
        else "The agreement is withdrawn and the DSL is told."
    )
    return exception_agreement(
        school_name=school_name,
        pupil_name=name if exc.subject_kind != ORGANISATION else subject,
        class_name=org,
        allowed=exc.allowed,
        where=exc.location,
        conditions=conditions_of(exc),
        sanction=sanction,
        starts_on=exc.starts_on,
        ends_on=exc.ends_on,
        agreed_on=exc.agreed_on,
        headteacher_name=head,
        review_on=exc.review_on,
        subject_role=role,
        kind=kind_text(exc),
        reference=exc.risk_assessment_ref or "",
        signers=((role if exc.subject_kind != ORGANISATION else "For the organisation", signer), ("Headteacher", head)),
    )
