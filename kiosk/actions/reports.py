"""What Home, the compliance screen and the uncollected list show: read-only use cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.actions.agreed import REVIEW_WITHIN_DAYS
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.reports.compliance import Breaches, ClassDay, DayTotal
    from models.reports.phones import UncollectedPhone


def home_summary(who: SignedIn, now: dt.datetime, settings: Any, printer: Any) -> str:
    """Today's figures, and what needs this member of staff's attention.

    ``printer`` is the printer jobs go to (``Services.printer_spec``): its state is the one reported.
    """
    from models.clock import local_day
    from models.reports import phones as reports

    lines: list[str] = []
    # The morning's figures are for those with a part in the hand-in or its reports; the chair
    # of governors has none (models.staff.auth.PERMISSIONS): their Home has their own lines.
    if who.may("hand_in") or who.may("view_reports"):
        held = reports.held_counts(staff_row(who))  # staff devices only for those who may read of them
        progress = reports.class_progress(local_day(now))
        done = sum(p.handed_in for p in progress)
        expected = sum(p.expected for p in progress)
        excepted = sum(p.exceptions for p in progress)
        marked = sum(p.absent + p.no_phone for p in progress)
        lines.append(
            f"Today: {done} of {expected} registered phones handed in"
            + (
                f" ({excepted} {'pupil' if excepted == 1 else 'pupils'} with an agreed exception "
                f"{'keeps' if excepted == 1 else 'keep'} their phone)"
                if excepted
                else ""
            )
            + (f"; {marked} absent or with no phone today, not expected" if marked else "")
            + f". Held now: {held.held} ({held.confiscated} confiscated"
            + (
                f"; {held.staff_devices} staff {'device' if held.staff_devices == 1 else 'devices'} held for the DSL"
                if held.staff_devices
                else ""
            )
            + ")."
        )
    if who.may("visitors"):
        from models.visitors import visits as visitors

        on_site = visitors.on_site(settings, now)
        flagged = [r for r in on_site if r.flagged]  # visitors.flagged() would read the list again
        lines.append(
            f"Visitors on site: {len(on_site)}"
            + (
                f", {len(flagged)} still signed in after {settings.visitor_flag_time:%H:%M} or from an earlier day."
                if flagged
                else "."
            )
        )
    if who.roles & {"office", "admin"}:
        from models.staff import auth

        lines += auth.bursts(now)
        capped = auth.capped_accounts(now)
        if capped:
            lines.append(
                f"Refusing PINs after {auth.DAILY_CAP} wrong ones today: {', '.join(capped)} "
                "(an admin can unlock them" + (": press A)." if who.may("manage_staff") else ").")
            )
    if who.may("print"):
        from models import outbox

        status = outbox.printer_status(printer)
        if status.waiting or status.in_doubt or status.online is False:
            lines.append(status.line())
    from kiosk.actions import safeguarding

    lines += safeguarding.home_lines(who)  # concerns and custody entries not yet seen (DSL, head, chair)
    if who.may("record_exception") or who.may("view_concerns"):
        from models.policy import agreed

        due = agreed.due_for_review(local_day(now), REVIEW_WITHIN_DAYS)
        if due:
            lines.append(f"Exceptions due for review within {REVIEW_WITHIN_DAYS} days: {len(due)} (press E).")
    from kiosk.actions import governance

    lines += governance.home_lines(who, now, settings)  # policy reviews, acknowledgements, relationships
    if who.may("view_head_allegations") and not who.may("view_concerns"):  # the chair of governors
        from models.reports.governors import term_of

        lines.append(
            f"Governors' report for this term: kiosk report governors --term {term_of(local_day(now))} "
            "(at the command line)."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- compliance at a glance


@dataclass(frozen=True)
class Compliance:
    """What the compliance screen shows (``models.reports.compliance.compliance()``, as ``kiosk report compliance``)."""

    today: dt.date
    classes: list[ClassDay]  # today, per class
    last_30: list[DayTotal]  # the last 30 school days, all classes
    not_collected: list[UncollectedPhone]
    visitors: list[tuple[str, str, str]]  # name, organisation, signed in (local)
    breaches: Breaches | None = None  # over the report's days; names only for leadership, the DSL, the head
    names: bool = False  # whether the repeat breaches carry names


def load_compliance(who: SignedIn, settings: Any, now: dt.datetime) -> Compliance:
    from models.clock import local_from_utc_naive
    from models.reports import compliance
    from models.staff.auth import require
    from models.visitors import visits as visitors

    require(staff_row(who), "view_reports")
    report = compliance.compliance(now=now, tz=settings.tz)
    on_site = [
        (v.name, v.organisation, local_from_utc_naive(v.signed_in_at, settings.tz))
        for v in visitors.on_site(settings, now)
    ]
    from kiosk.actions.attendance import may_see_names

    names = may_see_names(who)
    breaches = report.breaches
    if breaches is not None and not names:
        breaches = breaches.without_names()
    return Compliance(report.to_day, report.today, report.last_30, report.not_collected, on_site, breaches, names)


# ---------------------------------------------------------------- phones not collected


def uncollected(who: SignedIn, now: dt.datetime) -> list[UncollectedPhone]:
    """Every phone the school still holds, by slot (``models.reports.phones.uncollected`` rows)."""
    from models.reports import phones as reports
    from models.staff.auth import require

    require(staff_row(who), "view_reports")
    return reports.uncollected(now)


def print_end_of_day_slip(who: SignedIn, printer: Any, school_name: str, now: dt.datetime) -> str:
    """Queue the end-of-day slip, with an audit anchor when the anchors file takes one."""
    from models.audit import anchors
    from models.reports import phones as reports

    job_id, anchor, problem = reports.end_of_day_slip(
        staff_row(who), printer=printer, school_name=school_name, anchors_path=anchors.configured(), now=now
    )
    kept = f"\nAudit anchor on the slip (keep it): {anchor.short()}" if anchor else ""  # one line: copied by hand
    if problem:
        kept = f"\nNo audit anchor on it: {problem}"
    return f"End-of-day slip queued for printing (job {job_id})." + kept


# ---------------------------------------------------------------- the governors' termly report


@dataclass(frozen=True)
class GovernorsWritten:
    """What ``kiosk report governors`` says: the term and the files written."""

    label: str  # "Autumn term 2026"
    school_days: int
    names: bool
    small_counts: bool
    paths: list[Path]
    audit_warning: str | None = None  # the audit check failed as it was made: said first


def governors_report(
    who: SignedIn,
    *,
    term: str | None,
    from_day: dt.date | None,
    to_day: dt.date | None,
    names: bool,
    out_dir: str,
    settings: Any,
    now: dt.datetime,
) -> GovernorsWritten:
    """The termly report for governors and inspectors, written to ``out_dir`` as HTML, PDF,
    CSV and JSON (``models.reports.governors``); audited once the files are written."""
    from models.reports import governors, governors_files

    actor = staff_row(who)
    governors.check_may_make(actor, names=names)
    span = governors.resolve_term(term, from_day, to_day)
    report = governors.governors_report(span, names=names, reader=actor, now=now, tz=settings.tz, audit_check=True)
    paths = list(governors_files.write_files(report, out_dir))
    governors.record_made(actor, report, [p.name for p in paths], now=now)
    warning = report.notes[0] if report.audit_failed else None
    return GovernorsWritten(span.label, len(report.school_days), names, report.small_counts, paths, warning)
