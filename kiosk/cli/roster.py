"""``kiosk roster``: pupils and contacts from the MIS."""

from __future__ import annotations

import click

from kiosk.actions import admin
from kiosk.cli._access import acts
from kiosk.cli._common import Env, common


@click.group()
def roster() -> None:
    """Pupils and contacts from the MIS."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows even if some rows are rejected.")
@common
@acts("import_roster")
def roster_import(env: Env, who, file: str, skip_invalid: bool) -> None:
    """Import a SIMS- or Arbor-style CSV export. Any rejected row stops it unless --skip-invalid.

    Applied 40 pupils at a time, each step audited; an import cut off part way is
    finished by importing the same file again."""
    result = admin.read_roster(file)
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)
    for e in result.errors:
        click.echo(e.message, err=True)
    env.open()
    summary = admin.import_roster(who, result, skip_invalid)
    env.sync_trays()
    click.echo(f"Roster imported ({result.source_format}): {summary.line}.")
    for line in summary.contact_lines:  # every contact added, changed or switched off
        click.echo(f"  {line}")
