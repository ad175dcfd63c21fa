"""``kiosk labels``: phone labels for pupils' phones."""

from __future__ import annotations

import click

from kiosk.actions import admin
from kiosk.cli._access import acts
from kiosk.cli._common import Env, common
from kiosk.cli.printer import printer_spec, send_now


@click.group()
def labels() -> None:
    """Phone labels for pupils' phones."""


@labels.command("print")
@click.option("--class", "class_name", default=None, help="Every registered phone in this class.")
@click.option(
    "--pupil",
    "admission_no",
    default=None,
    metavar="ADMISSION_NO",
    help="One pupil's phone (after a revoke: its new code).",
)
@common
@acts("register_device", doing="print phone labels")
def labels_print(env: Env, who, class_name: str | None, admission_no: str | None) -> None:
    """Print phone labels (QR code and Code 128, name and class) for a class or a pupil."""
    if (class_name is None) == (admission_no is None):
        raise click.UsageError("Give --class NAME or --pupil ADMISSION_NO (one of them).")
    printer_spec(env)
    env.open()
    job_id, count = admin.print_labels(who, env.settings, class_name, admission_no)
    click.echo(f"{count} label{'s' if count != 1 else ''} (job {job_id}): {send_now(env, job_id)}.")
