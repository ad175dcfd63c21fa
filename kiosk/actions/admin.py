"""Administration: staff accounts, phones and their labels, the roster, the print outbox.

What ``kiosk staff``, ``kiosk devices``, ``kiosk roster``, ``kiosk labels`` and
``kiosk print`` do, as plain functions (the screens' counterparts are in ``accounts``
and ``custody``). Each takes the person acting (``who``, :class:`kiosk.session.SignedIn`)
where someone acts; the domain checks the permission again, and a refusal is its one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.school.roster import RosterResult
    from printing import PrinterSpec


def now() -> dt.datetime:
    """The time a command acts at (UTC, naive: as the domain stores it)."""
    from models.clock import utcnow

    return utcnow()


# ---------------------------------------------------------------- staff accounts


def staff_username(username: str) -> str:
    """The username of the member of staff called ``username`` (any case); NotFound otherwise."""
    from models.errors import NotFound
    from models.store.tables import Staff

    target = Staff.get_or_none(Staff.username == (username or "").strip().lower())
    if target is None:
        raise NotFound(f"There is no member of staff called {username!r}.")
    return str(target.username)


def set_pin(who: SignedIn, username: str, pin: str) -> str:
    """Give ``username`` a new PIN (an admin, or the member of staff themself); their username."""
    from models.staff.auth import set_pin as set_new_pin
    from models.store.tables import Staff

    target = Staff.get(Staff.username == staff_username(username))
    set_new_pin(target.id, pin, staff_row(who))
    return str(target.username)


def deactivate(who: SignedIn, username: str) -> str:
    """Switch off a leaver's account (it stays on record); their username."""
    from models.staff.accounts import deactivate as switch_off

    return str(switch_off(username, actor=staff_row(who)).username)


def check_first_admin(roles: Iterable[str]) -> None:
    """Refuse unless this database may have its first admin added without anyone signing in."""
    from models.staff.accounts import check_first_admin as check

    check(roles)


@dataclass(frozen=True)
class Added:
    username: str
    roles: tuple[str, ...]  # sorted


def add_staff(
    who: SignedIn | None,
    username: str,
    display_name: str,
    roles: Iterable[str],
    pin: str,
    classes: Iterable[str] = (),
) -> Added:
    """Add a member of staff (``who`` an admin); ``who=None``: the database's first admin."""
    from models.staff.accounts import create_first_admin
    from models.staff.auth import create_staff

    if who is None:
        added = create_first_admin(username, display_name, roles, pin, classes=classes)
    else:
        added = create_staff(username, display_name, roles, pin, classes=classes, actor=staff_row(who))
    return Added(added.username, tuple(sorted(added.role_set)))


# ---------------------------------------------------------------- phones and labels


@dataclass(frozen=True)
class Registered:
    code: str
    pupil: str
    class_name: str
    admission_no: str


def register_device(who: SignedIn, admission_no: str, description: str) -> Registered:
    """Register a pupil's phone and issue its label code."""
    from models.custody.devices import register_pupil_device

    label = register_pupil_device(admission_no, actor=staff_row(who), description=description)
    pupil = label.device.pupil
    assert pupil is not None  # (a pupil's phone)
    return Registered(label.code, pupil.full_name, pupil.school_class.name, pupil.admission_no)


def revoke_label(who: SignedIn, code: str, reason: str, reissue: bool) -> str | None:
    """Revoke a lost or damaged label; the replacement's code, when one is issued."""
    from models.custody.devices import revoke_label as revoke

    new = revoke(code, actor=staff_row(who), reason=reason, reissue=reissue)
    return new.code if new else None


def print_labels(who: SignedIn, settings: Any, class_name: str | None, admission_no: str | None) -> tuple[int, int]:
    """Queue the labels of a class's or a pupil's phones: (job id, number of labels)."""
    from models.custody.labels import enqueue_labels

    return enqueue_labels(settings, class_name=class_name, admission_no=admission_no, actor=staff_row(who))


# ---------------------------------------------------------------- the roster


def read_roster(path: str) -> RosterResult:
    """A roster file read and checked (rows, rejected rows, warnings); nothing written."""
    from models.errors import KioskError
    from models.school.roster import RosterFileError, parse_roster

    try:
        return parse_roster(path)
    except RosterFileError as exc:
        raise KioskError(str(exc)) from None


@dataclass(frozen=True)
class RosterImported:
    line: str
    contact_lines: tuple[str, ...]  # every contact added, changed or switched off


def import_roster(who: SignedIn, roster: RosterResult, skip_invalid: bool) -> RosterImported:
    """Apply a roster read by :func:`read_roster` (40 pupils at a time, each step audited)."""
    from models.errors import KioskError
    from models.school.people import RosterRejected
    from models.school.people import import_roster as apply

    try:
        summary = apply(roster, skip_invalid=skip_invalid, actor=staff_row(who))
    except RosterRejected as exc:
        raise KioskError(str(exc)) from None
    return RosterImported(summary.line(), tuple(summary.contact_lines()))


# ---------------------------------------------------------------- the print outbox


def send_outbox(spec: PrinterSpec, job_id: int) -> str:
    """Try the outbox once for ``spec``; say what happened to ``job_id``."""
    from models import outbox
    from models.store.tables import PrintJob
    from printing import send

    report = outbox.send_pending(send, spec, timeout=spec.timeout_s)
    status = PrintJob.get_by_id(job_id).status
    if status == outbox.SENT:
        return "printed"
    if report.error:
        return f"not printed ({report.error}); it waits in the outbox: kiosk print retry"
    return "waiting in the outbox: kiosk print retry"


@dataclass(frozen=True)
class Retried:
    waiting: int
    printed: int
    error: str | None


def retry_printing(who: SignedIn, spec: PrinterSpec, job_id: int | None) -> Retried:
    """Send waiting jobs (or one) now, without waiting for their back-off."""
    from models import outbox
    from printing import send

    n = outbox.retry_now(job_id, actor=staff_row(who))
    report = outbox.send_pending(send, spec, timeout=spec.timeout_s)
    return Retried(n, len(report.sent), report.error or None)


def reprint(who: SignedIn, spec: PrinterSpec, job_id: int) -> int:
    """Queue a job again as a new job; the new job's number."""
    from models import outbox

    return int(outbox.reprint(job_id, actor=staff_row(who), printer_url=spec.to_url()).id)


@dataclass(frozen=True)
class SampleSlip:
    size: int  # bytes sent
    rules_version: str


def print_test_slip(settings: Any, spec: PrinterSpec) -> SampleSlip:
    """Print a sample visitor slip with the current device rules, straight to the printer."""
    import printing
    from models.clock import to_local, utcnow
    from models.custody.codes import SLIP_PREFIX, make_code
    from models.errors import KioskError
    from models.policy.rules import rules_for

    rules = rules_for(settings)
    doc = printing.visitor_slip(
        school_name=settings.school_name,
        visitor_name="Sample Visitor",
        organisation="Test print",
        time_in=to_local(utcnow(), settings.tz).replace(tzinfo=None),
        badge_number="000",
        supervised=True,
        device_rules=list(rules.short),
        dsl_name=settings.dsl_name,
        report_concern=settings.report_concern,
        signout_code=make_code(SLIP_PREFIX, 0),
        visiting="the office",
    )
    try:
        data = printing.print_document(spec, doc)
    except printing.PrintingError as exc:
        raise KioskError(str(exc)) from None
    return SampleSlip(len(data), str(rules.version))
