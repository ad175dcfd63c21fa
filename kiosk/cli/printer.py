"""``kiosk print``: the receipt printer and its outbox of jobs."""

from __future__ import annotations

import click

from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, RecordCommand, RecordNumber, common, emit
from models.errors import KioskError


def printer_spec(env: Env):
    """The configured printer (``[printer]`` in the config); wrong settings are one plain line."""
    from printing import PrinterConfigError

    try:
        return env.settings.printer_spec
    except PrinterConfigError as exc:
        raise KioskError(f"Printer settings: {exc}") from None


def send_now(env: Env, job_id: int) -> str:
    """Try the outbox once for the configured printer; say what happened to ``job_id``."""
    from models import outbox
    from models.tables import PrintJob
    from printing import send

    spec = printer_spec(env)
    report = outbox.send_pending(send, spec, timeout=spec.timeout_s)
    status = PrintJob.get_by_id(job_id).status
    if status == outbox.SENT:
        return "printed"
    if report.error:
        return f"not printed ({report.error}); it waits in the outbox: kiosk print retry"
    return "waiting in the outbox: kiosk print retry"


@click.group("print")
def print_group() -> None:
    """The receipt printer and its outbox of jobs."""


@open_command("prints a sample slip; no records or personal data")
@print_group.command("test")
@common
def print_test(env: Env) -> None:
    """Print a sample visitor slip with the current device rules (straight to the printer)."""
    import printing
    from models.clock import to_local, utcnow
    from models.codes import SLIP_PREFIX, make_code
    from models.rules import rules_for

    spec = printer_spec(env)
    settings = env.settings
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
    click.echo(f"Sample slip ({len(data):,} bytes, device rules version {rules.version}) sent to {spec.describe()}.")


@open_command("read-only report")
@print_group.command("queue")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "in_doubt", "cancelled"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@FORMAT
@common
def print_queue(env: Env, status: str | None, limit: int, fmt: str) -> None:
    """List print jobs, newest first, and the printer's status."""
    from models import outbox
    from models.clock import local_from_utc_naive

    env.open(create=False)
    rows = [
        {
            "job": j.id,
            "kind": j.kind,
            "ref": j.ref,
            "status": outbox.STATUS_WORDS.get(j.status, j.status),
            "tries": j.attempts,
            "queued": local_from_utc_naive(j.created_at, env.settings.tz),
            "printed": local_from_utc_naive(j.sent_at, env.settings.tz),
            "error": j.last_error or "",
        }
        for j in outbox.jobs(status=status, limit=limit)
    ]
    emit(rows, fmt, ["job", "kind", "ref", "status", "tries", "queued", "printed", "error"])
    if fmt == "table":
        click.echo(outbox.printer_status(printer_spec(env)).line())


@print_group.command("retry")
@click.option(
    "--job",
    "job_id",
    type=RecordNumber("a print job", "kiosk print queue"),
    default=None,
    help="Only this job (default: every waiting job).",
)
@common
@acts("print")
def print_retry(env: Env, who, job_id: int | None) -> None:
    """Send waiting jobs now, without waiting for their back-off."""
    from models import outbox
    from printing import send

    env.open()
    spec = printer_spec(env)
    n = outbox.retry_now(job_id, actor=who)
    report = outbox.send_pending(send, spec, timeout=spec.timeout_s)
    click.echo(f"{len(report.sent)} of {n} waiting job{'s' if n != 1 else ''} printed.")
    if report.error:
        raise KioskError(f"Printer still offline: {report.error}")


@print_group.command("reprint", cls=RecordCommand)
@click.argument("job_id", type=RecordNumber("a print job", "kiosk print queue"))
@common
@acts("print")
def print_reprint(env: Env, who, job_id: int) -> None:
    """Print a job again as a new job (e.g. one in doubt that did not come out)."""
    from models import outbox

    env.open()
    job = outbox.reprint(job_id, actor=who, printer_url=printer_spec(env).to_url())
    click.echo(f"Job {job.id} (reprint of {job_id}): {send_now(env, job.id)}.")
