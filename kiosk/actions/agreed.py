"""Phone exceptions agreed with the headteacher: the list, recording one, and the actions
on it (revoke, review, signed copy back, print the agreement).

The domain (``models.policy.agreed``) checks every permission and rule again: a refusal
is its one plain line. The actions return what the screen shows (:class:`ExceptionRow`,
:class:`Recorded`). The lookups the form needs (pupils by name, a pupil's contacts,
the staff list) are here too; they read only and change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.store.tables import AgreedException
    from printing import PrinterSpec

REVIEW_WITHIN_DAYS = 14  # "due for review" = review date within this many days (or overdue)
DUE = "review due"


@dataclass(frozen=True)
class ExceptionRow:
    """One exception, as plain data for the list and the detail panel."""

    id: int
    subject: str
    subject_kind: str
    class_name: str
    kind_text: str
    status: str  # models.policy.agreed status words
    due: bool  # review date within REVIEW_WITHIN_DAYS (or passed), not ended or revoked
    starts_on: str
    review_on: str
    ends_on: str
    signed_copy: bool
    revoked: bool
    detail: tuple[str, ...]

    @property
    def status_text(self) -> str:
        return f"{self.status}, {DUE}" if self.due else self.status

    def matches(self, wanted: str) -> bool:
        return wanted == "all" or (self.due if wanted == DUE else self.status == wanted)


@dataclass(frozen=True)
class ExceptionForm:
    """What the headteacher typed: the keyword arguments of ``models.policy.agreed.record``."""

    subject_kind: str
    kind: str
    allowed: str
    where: str
    agreed_on: dt.date
    starts_on: dt.date
    review_on: dt.date
    ends_on: dt.date
    pupil_id: int | None = None
    staff_id: int | None = None
    visitor_name: str | None = None
    organisation: str | None = None
    conditions: tuple[str, ...] = ()
    sanction: str | None = None
    agreed_with_contact_id: int | None = None
    agreed_with: str | None = None
    risk_assessment_ref: str | None = None
    medical_category: str | None = None
    subject_label: str = field(default="", compare=False)  # for the summary only
    agreed_with_label: str = field(default="", compare=False)

    def record_kwargs(self) -> dict[str, Any]:
        kw = {
            k: getattr(self, k)
            for k in (
                "subject_kind",
                "kind",
                "allowed",
                "where",
                "agreed_on",
                "starts_on",
                "review_on",
                "ends_on",
                "pupil_id",
                "staff_id",
                "visitor_name",
                "organisation",
                "sanction",
                "agreed_with_contact_id",
                "agreed_with",
                "risk_assessment_ref",
                "medical_category",
            )
        }
        kw["conditions"] = list(self.conditions)
        return kw


@dataclass(frozen=True)
class Recorded:
    """An action on one exception went through: which one, and the line to show."""

    exception_id: int
    message: str
    row: ExceptionRow | None = field(default=None, compare=False)  # the exception as it is now


# ---------------------------------------------------------------- the list


def _row(exc: AgreedException, today: dt.date) -> ExceptionRow:
    from models.clock import local_from_utc_naive
    from models.policy import agreed as ex

    status = ex.status_on(exc, today)
    due = ex.review_due(exc, today, REVIEW_WITHIN_DAYS)
    conditions = ex.conditions_of(exc)
    pupil = exc.pupil if exc.pupil_id else None
    class_name = pupil.school_class.name if pupil is not None else ""
    lines = [
        f"For: {ex.subject_name(exc)} ({exc.subject_kind})" + (f", {class_name}" if pupil is not None else ""),
        f"Kind: {ex.kind_text(exc)}",
        f"Status: {status}" + (f" ({DUE})" if due else ""),
        f"Allowed: {exc.allowed}",
        f"Where: {exc.location}",
        "Conditions: " + ("; ".join(conditions) if conditions else "none"),
    ]
    if exc.sanction:
        lines.append(f"Sanction for misuse: {exc.sanction}")
    agreed = ex.agreed_with_name(exc)
    lines.append(f"Agreed {'with ' + agreed + ' ' if agreed else ''}on {exc.agreed_on.isoformat()}")
    lines.append(
        f"From {exc.starts_on.isoformat()} until {exc.ends_on.isoformat()}, review {exc.review_on.isoformat()}"
    )
    if exc.risk_assessment_ref:
        lines.append(f"Risk assessment: {exc.risk_assessment_ref}")
    lines.append(f"Recorded by {exc.recorded_by.display_name} at {local_from_utc_naive(exc.recorded_at)}")
    if exc.signed_copy_at:
        lines.append(f"Signed copy back: {local_from_utc_naive(exc.signed_copy_at)}")
    else:
        lines.append("Signed copy: not back yet" + (" (no effect for a pupil until it is)" if exc.pupil_id else ""))
    if exc.revoked_at:
        revoked_by = exc.revoked_by
        assert revoked_by is not None  # the domain records who revoked it with when
        lines.append(
            f"Revoked {local_from_utc_naive(exc.revoked_at)} by {revoked_by.display_name}: {exc.revoke_reason}"
        )
    return ExceptionRow(
        id=exc.id,
        subject=ex.subject_name(exc),
        subject_kind=exc.subject_kind,
        class_name=class_name,
        kind_text=ex.kind_text(exc),
        status=status,
        due=due,
        starts_on=exc.starts_on.isoformat(),
        review_on=exc.review_on.isoformat(),
        ends_on=exc.ends_on.isoformat(),
        signed_copy=exc.signed_copy_at is not None,
        revoked=exc.revoked_at is not None,
        detail=tuple(lines),
    )


def review_summary(row: ExceptionRow, today: dt.date) -> str:
    """The line the review dialog opens with: a review date in the past was due, today's
    is due today, a later one is simply the next review."""
    review_on = dt.date.fromisoformat(row.review_on)
    if review_on < today:
        when = f"review was due {row.review_on}"
    elif review_on == today:
        when = "review is due today"
    else:
        when = f"next review {row.review_on}"
    return f"{row.kind_text}, until {row.ends_on}; {when}."


def _today(now: dt.datetime) -> dt.date:
    from models.clock import local_day

    return local_day(now)


_ORDER = {"active": 0, "awaiting signed copy": 1, "not started": 2, "ended": 3, "revoked": 4}


def load_exceptions(who: SignedIn, now: dt.datetime) -> list[ExceptionRow]:
    """Every exception, current first (review due first among them), then ended and revoked."""
    from models.clock import local_day
    from models.policy import agreed as ex
    from models.staff.auth import require

    require(staff_row(who), "view_exceptions")
    today = local_day(now)
    rows = [_row(e, today) for e in ex.list_exceptions(today, include_past=True)]
    return sorted(rows, key=lambda r: (_ORDER.get(r.status, 9), not r.due, r.review_on if r.due else "", -r.id))


# ---------------------------------------------------------------- the headteacher's actions


def record_exception(who: SignedIn, form: ExceptionForm, now: dt.datetime) -> Recorded:
    """Record a new exception (``record_exception``)."""
    from models.policy import agreed as ex

    exc = ex.record(staff_row(who), now=now, **form.record_kwargs())
    tail = (
        " Print the agreement (P) for signature: it has effect once the signed copy is back."
        if exc.pupil_id
        else " Print the agreement (P) for signature."
    )
    return Recorded(exc.id, f"Exception #{exc.id} for {ex.subject_name(exc)} recorded.{tail}", _row(exc, _today(now)))


def revoke(who: SignedIn, exception_id: int, reason: str, now: dt.datetime) -> Recorded:
    """Revoke an exception with a reason; the record is kept."""
    from models.policy import agreed as ex

    exc = ex.revoke(exception_id, staff_row(who), reason=reason, now=now)
    return Recorded(
        exc.id, f"Exception #{exc.id} for {ex.subject_name(exc)} revoked. The record is kept.", _row(exc, _today(now))
    )


def record_review(who: SignedIn, exception_id: int, next_review_on: dt.date, now: dt.datetime) -> Recorded:
    """The headteacher reviewed the exception and keeps it, until ``next_review_on``."""
    from models.policy import agreed as ex

    exc = ex.record_review(exception_id, staff_row(who), next_review_on=next_review_on, now=now)
    return Recorded(
        exc.id,
        f"Review of exception #{exc.id} for {ex.subject_name(exc)} recorded: next review {exc.review_on.isoformat()}.",
        _row(exc, _today(now)),
    )


# ---------------------------------------------------------------- the paperwork (office or headteacher)


def signed_copy_back(who: SignedIn, exception_id: int, now: dt.datetime) -> Recorded:
    """The signed copy of the agreement came back."""
    from models.policy import agreed as ex

    exc = ex.mark_signed_copy(exception_id, staff_row(who), now=now)
    return Recorded(exc.id, f"Signed copy of exception #{exc.id} for {ex.subject_name(exc)} recorded as back.")


def print_agreement(
    who: SignedIn, exception_id: int, spec: PrinterSpec, school_name: str, headteacher_name: str, now: dt.datetime
) -> Recorded:
    """Queue the written agreement in the print outbox."""
    from models import outbox
    from models.audit.tx import write_tx
    from models.errors import NotFound
    from models.policy import agreed as ex
    from models.staff.auth import require
    from models.store.tables import AgreedException
    from printing import render_for

    staff = staff_row(who)
    require(staff, "file_exception_paperwork")
    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise NotFound("There is no such exception.")
    head = "" if headteacher_name.startswith("the ") else headteacher_name
    data = render_for(spec, ex.agreement_document(exc, school_name=school_name, headteacher_name=head))
    with write_tx():
        outbox.enqueue(
            data,
            kind="other",
            printer_url=spec.to_url(),
            ref=f"exception:{exc.id}",
            title=f"Exception agreement #{exc.id}",
            actor=staff,
            now=now,
        )
    return Recorded(
        exc.id, f"The agreement for exception #{exc.id} is printing: have it signed and bring the copy back."
    )


# ---------------------------------------------------------------- lookups for the forms (read only)


def find_pupils(text: str) -> list[tuple[int, str]]:
    """Pupils matching ``text``: (pupil id, "Name · Class · admission no")."""
    from models.school.people import find_pupils as find

    return [(p.id, f"{p.full_name} · {p.school_class.name} · {p.admission_no}") for p in find(text)]


def pupil_contacts(pupil_id: int) -> list[tuple[int, str]]:
    """A pupil's listed parents and carers: (contact id, "Name (relationship)")."""
    from models.school.people import contacts_of

    return [(c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name) for c in contacts_of(pupil_id)]


def staff_list() -> list[tuple[int, str]]:
    """The active staff, by name: (staff id, display name)."""
    from models.store.tables import Staff

    return [(s.id, s.display_name) for s in Staff.select().where(Staff.active == True).order_by(Staff.display_name)]  # noqa: E712


def form_for(
    subject_kind: str,
    *,
    admission_no: str | None = None,
    staff_username: str | None = None,
    agreed_with: str | None = None,
    **fields: Any,
) -> ExceptionForm:
    """The form for an exception whose subject is named as typed on the command line: a pupil
    by admission number (``agreed_with`` matched to a listed contact's name when it is one),
    a member of staff by username. ``fields``: the rest of :class:`ExceptionForm`."""
    from models.errors import NotFound
    from models.policy import agreed as ex
    from models.school.people import contacts_of
    from models.store.tables import Pupil, Staff

    found: dict[str, Any] = {"agreed_with": agreed_with}
    if subject_kind == "pupil":
        assert admission_no is not None
        pupil = Pupil.get_or_none(Pupil.admission_no == admission_no.strip())
        if pupil is None:
            raise NotFound(f"There is no pupil with admission number {admission_no!r}.")
        found["pupil_id"] = pupil.id
        wanted = ex.name_key(agreed_with)
        contact = next((c for c in contacts_of(pupil.id) if ex.name_key(c.name) == wanted), None)
        if contact is not None:
            found = {"pupil_id": pupil.id, "agreed_with_contact_id": contact.id}
    elif subject_kind == "staff":
        assert staff_username is not None
        member = Staff.get_or_none(Staff.username == staff_username.strip().lower())
        if member is None:
            raise NotFound(f"There is no member of staff called {staff_username!r}.")
        found["staff_id"] = member.id
    return ExceptionForm(subject_kind=subject_kind, **fields, **found)
