"""``kiosk exceptions``: phone exceptions agreed with the headteacher."""

from __future__ import annotations

from typing import Any

import click

from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, RecordCommand, RecordNumber, common, emit, parse_date
from models.errors import KioskError


@click.group("exceptions")
def exceptions_group() -> None:
    """Phone exceptions agreed with the headteacher."""


def _exception_rows(items, day) -> list[dict[str, Any]]:
    from models import exceptions

    return [exceptions.describe(e, day) for e in items]


EXC_COLUMNS = ["id", "for", "class", "kind_text", "starts_on", "review_on", "ends_on", "status", "signed_copy"]


@open_command("read-only report")
@exceptions_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ended and revoked exceptions.")
@click.option(
    "--due-within",
    type=click.IntRange(0, 365),
    default=None,
    metavar="DAYS",
    help="Only those due for review within DAYS days (overdue included).",
)
@FORMAT
@common
def exceptions_list(env: Env, show_all: bool, due_within: int | None, fmt: str) -> None:
    """List exceptions: who, kind, dates, status."""
    from models import exceptions
    from models.clock import local_day, utcnow

    today = local_day(utcnow(), env.settings.tz)
    env.open(create=False)
    items = (
        exceptions.due_for_review(today, due_within)
        if due_within is not None
        else exceptions.list_exceptions(today, include_past=show_all)
    )
    emit(_exception_rows(items, today), fmt, EXC_COLUMNS)


@exceptions_group.command("add")
@click.option("--pupil", "admission_no", default=None, help="For a pupil: admission number.")
@click.option("--staff", "staff_username", default=None, help="For a member of staff: username.")
@click.option("--visitor", "visitor_name", default=None, help="For a named visitor.")
@click.option("--organisation", default=None, help="The visitor's organisation; alone: for everyone from it.")
@click.option(
    "--kind",
    type=click.Choice(
        ["medical_monitoring", "young_carer", "multi_agency", "emergency_use", "remote_learning", "other"]
    ),
    required=True,
)
@click.option(
    "--medical-category",
    type=click.Choice(
        ["monitoring_device", "emergency_alert", "medication_reminder", "communication_aid", "other_medical"]
    ),
    default=None,
)
@click.option("--allowed", required=True, help="Exactly what is allowed.")
@click.option("--where", "where", required=True, help="Where it is allowed.")
@click.option("--condition", "conditions", multiple=True, help="A condition (repeatable).")
@click.option("--sanction", default=None, help="For pupils: the sanction for misuse.")
@click.option("--agreed-with", default=None, help="Who it was agreed with (for pupils, a listed parent/carer's name).")
@click.option("--agreed-on", "agreed_text", required=True, help="YYYY-MM-DD")
@click.option("--from", "from_text", required=True, help="YYYY-MM-DD: first day it has effect.")
@click.option("--review", "review_text", required=True, help="YYYY-MM-DD")
@click.option("--to", "to_text", required=True, help="YYYY-MM-DD: last day it has effect.")
@click.option("--risk-assessment", "risk_ref", default=None, help="Risk assessment reference.")
@common
@acts("record_exception")
def exceptions_add(
    env: Env,
    who,
    admission_no,
    staff_username,
    visitor_name,
    organisation,
    kind,
    medical_category,
    allowed,
    where,
    conditions,
    sanction,
    agreed_with,
    agreed_text,
    from_text,
    review_text,
    to_text,
    risk_ref,
) -> None:
    """Record an exception agreed with the headteacher."""
    from models import exceptions
    from models.errors import NotFound
    from models.people import contacts_of
    from models.tables import Pupil, Staff

    chosen = [x for x in (admission_no, staff_username, visitor_name) if x]
    if len(chosen) > 1:
        raise KioskError("Give one of --pupil, --staff or --visitor (with --organisation), or --organisation alone.")
    subject = "pupil" if admission_no else "staff" if staff_username else "visitor" if visitor_name else "organisation"
    dates = {
        k: parse_date(v, opt)
        for k, v, opt in (
            ("agreed_on", agreed_text, "--agreed-on"),
            ("starts_on", from_text, "--from"),
            ("review_on", review_text, "--review"),
            ("ends_on", to_text, "--to"),
        )
    }
    env.open()
    head = who
    extra: dict[str, Any] = {}
    if subject == "pupil":
        pupil = Pupil.get_or_none(Pupil.admission_no == admission_no.strip())
        if pupil is None:
            raise NotFound(f"There is no pupil with admission number {admission_no!r}.")
        extra["pupil_id"] = pupil.id
        wanted = exceptions.name_key(agreed_with)
        contact = next((c for c in contacts_of(pupil.id) if exceptions.name_key(c.name) == wanted), None)
        if contact is not None:
            extra["agreed_with_contact_id"] = contact.id
        else:
            extra["agreed_with"] = agreed_with
    else:
        extra["agreed_with"] = agreed_with
        if subject == "staff":
            who = Staff.get_or_none(Staff.username == staff_username.strip().lower())
            if who is None:
                raise NotFound(f"There is no member of staff called {staff_username!r}.")
            extra["staff_id"] = who.id
    exc = exceptions.record(
        head,
        subject_kind=subject,
        kind=kind,
        medical_category=medical_category,
        allowed=allowed,
        where=where,
        conditions=list(conditions),
        sanction=sanction,
        visitor_name=visitor_name,
        organisation=organisation,
        risk_assessment_ref=risk_ref,
        **dates,
        **extra,
    )
    click.echo(
        f"Exception {exc.id} recorded for {exceptions.subject_name(exc)} ({exceptions.kind_text(exc)}), "
        f"{exc.starts_on} to {exc.ends_on}."
        + (" It has effect once the signed copy is back." if subject == "pupil" else "")
    )


@exceptions_group.command("revoke", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--reason", required=True)
@common
@acts("record_exception")
def exceptions_revoke(env: Env, who, exception_id: int, reason: str) -> None:
    """Revoke an exception from now on. The record is kept."""
    from models import exceptions

    env.open()
    exc = exceptions.revoke(exception_id, who, reason=reason)
    click.echo(f"Exception {exc.id} for {exceptions.subject_name(exc)} revoked.")


@exceptions_group.command("review", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--next", "next_text", required=True, metavar="YYYY-MM-DD", help="The next review date.")
@common
@acts("record_exception")
def exceptions_review(env: Env, who, exception_id: int, next_text: str) -> None:
    """The headteacher reviewed an exception and kept it: set the next review date."""
    from models import exceptions

    next_review_on = parse_date(next_text)
    env.open()
    exc = exceptions.record_review(exception_id, who, next_review_on=next_review_on)
    click.echo(f"Exception {exc.id} for {exceptions.subject_name(exc)} reviewed: next review {exc.review_on}.")


@open_command("read-only: shows an agreement to print")
@exceptions_group.command("agreement", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@common
def exceptions_agreement(env: Env, exception_id: int) -> None:
    """Show the written agreement as text (print it from the kiosk)."""
    from models import exceptions
    from models.tables import AgreedException
    from printing.render import to_text

    env.open(create=False)
    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise KioskError("There is no such exception.")
    doc = exceptions.agreement_document(
        exc,
        school_name=env.settings.school_name,
        headteacher_name="" if env.settings.headteacher_name.startswith("the ") else env.settings.headteacher_name,
    )
    click.echo(to_text(doc), nl=False)
