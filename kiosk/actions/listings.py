"""Read-only listings for the command line: open to the kiosk's own OS account, so they
take no signed-in person (``kiosk report``, ``devices list``, ``exceptions list``,
``staff list``, ``print queue``). They read and change nothing.

(The screens' reports, which a member of staff opens, are in ``reports``; these are
kept apart from it.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn
from models.reports.compliance import ClassDay as ClassDay  # re-exported: the rows of a compliance report, for the CLI
from models.reports.compliance import DayTotal as DayTotal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from models.reports.compliance import ComplianceReport
    from models.reports.phones import UncollectedPhone
    from printing import PrinterSpec


def today(tz: ZoneInfo) -> dt.date:
    """The school's date now."""
    from models.clock import local_day, utcnow

    return local_day(utcnow(), tz)


def day_events(day: dt.date, tz: ZoneInfo, who: SignedIn | None = None) -> list[dict[str, Any]]:
    """Every custody event of one day, as ``who`` may read it (``view_reports``: office staff
    and above; the details of a confiscation, search or police hand-over only for those
    ``may_read_details`` allows). With nobody named, as anyone may read it: that a phone was
    confiscated, searched or handed to the police, not why."""
    from models.reports import phones as reports
    from models.staff.auth import require

    if who is None:
        return reports.day(day, tz, reader=())
    staff = staff_row(who)
    require(staff, "view_reports")
    return reports.day(day, tz, reader=staff)


def uncollected(tz: ZoneInfo) -> list[UncollectedPhone]:
    """Phones the school still holds."""
    from models.reports import phones as reports

    return reports.uncollected(tz=tz)


def devices(class_name: str | None) -> list[dict[str, Any]]:
    """Registered phones: code, pupil, class, state, slot."""
    from models.reports import phones as reports

    return reports.devices(class_name)


@dataclass(frozen=True)
class ComplianceView:
    report: ComplianceReport
    chart: tuple[str, ...]  # the last 30 school days, one line each


def compliance(from_day: dt.date | None, to_day: dt.date | None, tz: ZoneInfo) -> ComplianceView:
    """Hand-in rates per class per school day, the last 30 school days, phones not collected."""
    from models.reports import compliance as comp

    rep = comp.compliance(from_day, to_day, tz=tz)
    return ComplianceView(rep, tuple(comp.chart(rep.last_30)))


def exceptions(day: dt.date, due_within: int | None, show_all: bool) -> list[dict[str, Any]]:
    """Exceptions as rows (``models.policy.agreed.describe``): current ones, or all, or those
    due for review within ``due_within`` days (overdue included)."""
    from models.policy import agreed as ex

    items = (
        ex.due_for_review(day, due_within) if due_within is not None else ex.list_exceptions(day, include_past=show_all)
    )
    return [ex.describe(e, day) for e in items]


def agreement_text(exception_id: int, school_name: str, headteacher_name: str) -> str:
    """The written agreement of an exception, as text to print."""
    from models.errors import KioskError
    from models.policy import agreed as ex
    from models.store.tables import AgreedException
    from printing.render import to_text

    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise KioskError("There is no such exception.")
    head = "" if headteacher_name.startswith("the ") else headteacher_name
    return str(to_text(ex.agreement_document(exc, school_name=school_name, headteacher_name=head)))


def staff() -> list[dict[str, Any]]:
    """Every account: username, name, roles, and whether it refuses PINs today."""
    from models.clock import utcnow
    from models.staff.auth import VISITOR, capped, roles_text
    from models.store.tables import Staff

    now = utcnow()

    def locked(staff_id: int) -> str:  # over today's cap of wrong PINs (kiosk staff unlock)
        if capped(staff_id, now):  # the staff sign-in and the command line
            return "yes"
        return "at the visitor screen" if capped(staff_id, now, surface=VISITOR) else ""  # its own cap

    return [
        {"username": s.username, "name": s.display_name, "roles": roles_text(s), "locked": locked(s.id)}
        for s in Staff.select().order_by(Staff.username)
    ]


def print_jobs(status: str | None, limit: int, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Print jobs, newest first."""
    from models import outbox
    from models.clock import local_from_utc_naive

    return [
        {
            "job": j.id,
            "kind": j.kind,
            "ref": j.ref,
            "status": outbox.STATUS_WORDS.get(j.status, j.status),
            "tries": j.attempts,
            "queued": local_from_utc_naive(j.created_at, tz),
            "printed": local_from_utc_naive(j.sent_at, tz),
            "error": j.last_error or "",
        }
        for j in outbox.jobs(status=status, limit=limit)
    ]


def printer_status(spec: PrinterSpec) -> str:
    """The printer's state, in one line."""
    from models import outbox

    return str(outbox.printer_status(spec).line())
