"""``kiosk exceptions``: phone exceptions agreed with the headteacher."""

from __future__ import annotations

import click

from kiosk.actions import admin, agreed, listings
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, RecordCommand, RecordNumber, common, emit, parse_date
from models.errors import KioskError


@click.group("exceptions")
def exceptions_group() -> None:
    """Phone exceptions agreed with the headteacher."""


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
    today = listings.today(env.settings.tz)
    env.open(create=False)
    emit(listings.exceptions(today, due_within, show_all), fmt, EXC_COLUMNS)


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
    form = agreed.form_for(
        subject,
        admission_no=admission_no,
        staff_username=staff_username,
        agreed_with=agreed_with,
        kind=kind,
        medical_category=medical_category,
        allowed=allowed,
        where=where,
        conditions=tuple(conditions),
        sanction=sanction,
        visitor_name=visitor_name,
        organisation=organisation,
        risk_assessment_ref=risk_ref,
        **dates,
    )
    exc = _row(agreed.record_exception(who, form, admin.now()))  # as the headteacher's screen records it
    click.echo(
        f"Exception {exc.id} recorded for {exc.subject} ({exc.kind_text}), {exc.starts_on} to {exc.ends_on}."
        + (" It has effect once the signed copy is back." if subject == "pupil" else "")
    )


def _row(done: agreed.Recorded) -> agreed.ExceptionRow:
    """The exception an action went through on, as it is now (for this command's own words)."""
    assert done.row is not None  # (every action on one exception returns it)
    return done.row


@exceptions_group.command("revoke", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--reason", required=True)
@common
@acts("record_exception")
def exceptions_revoke(env: Env, who, exception_id: int, reason: str) -> None:
    """Revoke an exception from now on. The record is kept."""
    env.open()
    exc = _row(agreed.revoke(who, exception_id, reason, admin.now()))
    click.echo(f"Exception {exc.id} for {exc.subject} revoked.")


@exceptions_group.command("review", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--next", "next_text", required=True, metavar="YYYY-MM-DD", help="The next review date.")
@common
@acts("record_exception")
def exceptions_review(env: Env, who, exception_id: int, next_text: str) -> None:
    """The headteacher reviewed an exception and kept it: set the next review date."""
    next_review_on = parse_date(next_text)
    assert next_review_on is not None  # (--next is required)
    env.open()
    exc = _row(agreed.record_review(who, exception_id, next_review_on, admin.now()))
    click.echo(f"Exception {exc.id} for {exc.subject} reviewed: next review {exc.review_on}.")


@open_command("read-only: shows an agreement to print")
@exceptions_group.command("agreement", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@common
def exceptions_agreement(env: Env, exception_id: int) -> None:
    """Show the written agreement as text (print it from the kiosk)."""
    env.open(create=False)
    text = listings.agreement_text(exception_id, env.settings.school_name, env.settings.headteacher_name)
    click.echo(text, nl=False)
