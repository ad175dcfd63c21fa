"""``kiosk attendance``: pupils marked absent or "no phone today", and the MIS's daily
attendance CSV (models.school.attendance; the format is in the README)."""

from __future__ import annotations

import click

from kiosk.actions import admin, listings
from kiosk.actions import attendance as act
from kiosk.cli._access import acts
from kiosk.cli._common import Env, common, parse_date


@click.group("attendance")
def attendance_group() -> None:
    """Pupils absent or without a phone today: marks, and the MIS attendance import."""


@attendance_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@common
@acts("import_attendance")
def attendance_import(env: Env, who, file: str) -> None:
    """Import a daily attendance CSV (admission number, date, mark code or AM/PM codes).

    A pupil with no present code ("/", "\\", "L") that day is marked absent. Each bad row
    is one line on stderr; the good rows import. Importing the same file again changes nothing."""
    now = admin.now()
    parsed = act.read_attendance(file, listings.today(env.settings.tz))
    env.open()
    result = act.import_attendance(who, parsed, now)
    for line in result.errors:
        click.echo(line, err=True)
    click.echo(f"Attendance imported: {result.line}")


@attendance_group.command("mark")
@click.argument("admission_no")
@click.option("--absent", is_flag=True, help="Absent that day.")
@click.option("--no-phone", "no_phone", is_flag=True, help="In school, with no phone that day.")
@click.option("--withdraw", is_flag=True, help="Withdraw the mark in force (give --reason).")
@click.option("--reason", default=None, help="Why the mark is withdrawn.")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@common
@acts("mark_attendance")
def attendance_mark(
    env: Env,
    who,
    admission_no: str,
    absent: bool,
    no_phone: bool,
    withdraw: bool,
    reason: str | None,
    date_text: str | None,
) -> None:
    """Mark a pupil absent or "no phone today", or withdraw the mark (a correction is a new mark)."""
    given = [m for m, on in (("absent", absent), ("no_phone", no_phone), ("withdrawn", withdraw)) if on]
    if len(given) != 1:  # (two at once used to keep the last silently)
        raise click.UsageError(
            "Say which: --absent, --no-phone or --withdraw."
            if not given
            else "Give only one of --absent, --no-phone or --withdraw."
        )
    mark = given[0]
    day = parse_date(date_text, "--date")
    env.open()
    click.echo(act.mark_pupil(who, admission_no, mark, admin.now(), reason=reason, day=day))
