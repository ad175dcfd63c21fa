"""``kiosk print``: the receipt printer and its outbox of jobs."""

from __future__ import annotations

import click

from kiosk.actions import admin, listings
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
    return admin.send_outbox(printer_spec(env), job_id)


@click.group("print")
def print_group() -> None:
    """The receipt printer and its outbox of jobs."""


@open_command("prints a sample slip; no records or personal data")
@print_group.command("test")
@common
def print_test(env: Env) -> None:
    """Print a sample visitor slip with the current device rules (straight to the printer)."""
    spec = printer_spec(env)
    slip = admin.print_test_slip(env.settings, spec)
    click.echo(
        f"Sample slip ({slip.size:,} bytes, device rules version {slip.rules_version}) sent to {spec.describe()}."
    )


@open_command("read-only report")
@print_group.command("queue")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "in_doubt", "cancelled"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@FORMAT
@common
def print_queue(env: Env, status: str | None, limit: int, fmt: str) -> None:
    """List print jobs, newest first, and the printer's status."""
    env.open(create=False)
    rows = listings.print_jobs(status, limit, env.settings.tz)
    emit(rows, fmt, ["job", "kind", "ref", "status", "tries", "queued", "printed", "error"])
    if fmt == "table":
        click.echo(listings.printer_status(printer_spec(env)))


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
    env.open()
    done = admin.retry_printing(who, printer_spec(env), job_id)
    n = done.waiting
    click.echo(f"{done.printed} of {n} waiting job{'s' if n != 1 else ''} printed.")
    if done.error:
        raise KioskError(f"Printer still offline: {done.error}")


@print_group.command("reprint", cls=RecordCommand)
@click.argument("job_id", type=RecordNumber("a print job", "kiosk print queue"))
@common
@acts("print")
def print_reprint(env: Env, who, job_id: int) -> None:
    """Print a job again as a new job (e.g. one in doubt that did not come out)."""
    env.open()
    new_job = admin.reprint(who, printer_spec(env), job_id)
    click.echo(f"Job {new_job} (reprint of {job_id}): {send_now(env, new_job)}.")
