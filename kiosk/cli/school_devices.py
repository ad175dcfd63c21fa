"""``kiosk school-devices``: the school's own phones and tablets (mobile technology policy 4:
"a school mobile for use on trips and residential"), lent to staff and returned; and
``kiosk staff-devices``: a member of staff's own device held for the LADO or the police
(online safety policy 11.3), by the DSL or the headteacher."""

from __future__ import annotations

import click

from kiosk.actions import admin, devices_school
from kiosk.cli._access import acts
from kiosk.cli._common import FORMAT, Env, RecordCommand, RecordNumber, common, emit, parse_date

LIST_COLUMNS = ["asset_tag", "kind", "description", "passcode", "status", "borrower", "purpose", "due_on"]


@click.group("school-devices")
def school_devices_group() -> None:
    """The school's own phones and tablets: the register, loans to staff and returns."""


@school_devices_group.command("list")
@FORMAT
@common
@acts("view_school_devices")
def school_devices_list(env: Env, who, fmt: str) -> None:
    """Every school device with its status: overdue loans first."""
    env.open(create=False)
    emit([r.as_dict() for r in devices_school.school_devices_list(who, admin.now())], fmt, LIST_COLUMNS)


@school_devices_group.command("overdue")
@FORMAT
@common
@acts("view_school_devices")
def school_devices_overdue(env: Env, who, fmt: str) -> None:
    """The school devices on loan past their due-back day, longest overdue first."""
    env.open(create=False)
    emit([r.as_dict() for r in devices_school.overdue_list(who, admin.now())], fmt, LIST_COLUMNS)


@school_devices_group.command("add")
@click.argument("asset_tag")
@click.option("--kind", type=click.Choice(["phone", "tablet"]), required=True)
@click.option("--description", required=True, help="What it is, e.g. 'trips phone (Nokia, black case)'.")
@click.option(
    "--passcode-set/--no-passcode",
    "passcode_set",
    required=True,
    default=None,
    help="Whether a passcode is set on it (never the passcode itself).",
)
@common
@acts("manage_school_devices")
def school_devices_add(env: Env, who, asset_tag: str, kind: str, description: str, passcode_set: bool) -> None:
    """Put a school phone or tablet on the register (admin, headteacher)."""
    env.open()
    click.echo(
        devices_school.add_device(
            who, asset_tag=asset_tag, kind=kind, description=description, passcode_set=passcode_set, now=admin.now()
        )
    )


@school_devices_group.command("loan")
@click.argument("asset_tag")
@click.option("--to", "staff_username", required=True, help="The member of staff borrowing it: username.")
@click.option("--purpose", type=click.Choice(["trip", "residential", "other"]), required=True)
@click.option("--note", default="", help="The trip or what it is for (needed with --purpose other).")
@click.option("--due", "due_text", required=True, metavar="YYYY-MM-DD", help="The day it is due back.")
@common
@acts("lend_school_device")
def school_devices_loan(env: Env, who, asset_tag: str, staff_username: str, purpose: str, note: str, due_text: str):
    """Lend a school device to a member of staff."""
    due_on = parse_date(due_text, "--due")
    assert due_on is not None  # (required)
    env.open()
    click.echo(
        devices_school.lend(
            who,
            asset_tag=asset_tag,
            staff_username=staff_username,
            purpose=purpose,
            purpose_note=note,
            due_on=due_on,
            now=admin.now(),
        )
    )


@school_devices_group.command("return")
@click.argument("asset_tag")
@click.option("--condition", required=True, help="Its condition on return, e.g. 'fine, charged'.")
@click.option("--received-by", "received_by", default=None, help="Who received it (username); default: you.")
@common
@acts("lend_school_device")
def school_devices_return(env: Env, who, asset_tag: str, condition: str, received_by: str | None) -> None:
    """Record a lent device's return."""
    env.open()
    click.echo(
        devices_school.take_back(
            who, asset_tag=asset_tag, condition=condition, received_by_username=received_by, now=admin.now()
        )
    )


@school_devices_group.command("retire")
@click.argument("asset_tag")
@click.option("--reason", required=True)
@common
@acts("manage_school_devices")
def school_devices_retire(env: Env, who, asset_tag: str, reason: str) -> None:
    """Take a school device off the register for good (it and its loans are kept)."""
    env.open()
    click.echo(devices_school.retire(who, asset_tag=asset_tag, reason=reason, now=admin.now()))


# ---------------------------------------------------------------- a member of staff's device


@click.group("staff-devices")
def staff_devices_group() -> None:
    """A member of staff's own device held for the LADO or the police (the DSL or the headteacher)."""


DEVICE = RecordNumber("a held device", "kiosk staff-devices list")


@staff_devices_group.command("hold")
@click.option("--staff", "staff_username", required=True, help="Whose device it is: username.")
@click.option("--for", "pending", type=click.Choice(["lado", "police"]), required=True, help="Held for whom.")
@click.option("--reason", required=True, help="Why it is held (for the DSL and the headteacher only).")
@click.option("--description", default="phone", help="The device, e.g. 'black iPhone'.")
@common
@acts("hold_staff_device")
def staff_devices_hold(env: Env, who, staff_username: str, pending: str, reason: str, description: str) -> None:
    """Hold a member of staff's device pending the LADO or the police."""
    env.open()
    click.echo(
        devices_school.hold_staff_device(
            who, staff_username=staff_username, pending=pending, reason=reason, description=description, now=admin.now()
        )
    )


@staff_devices_group.command("return", cls=RecordCommand)
@click.argument("device_id", type=DEVICE)
@click.option("--decision", required=True, help="The decision to give it back (e.g. the LADO's advice).")
@common
@acts("hold_staff_device")
def staff_devices_return(env: Env, who, device_id: int, decision: str) -> None:
    """Give a held device back to the member of staff, on a recorded decision."""
    env.open()
    click.echo(devices_school.return_to_staff(who, device_id, decision=decision, now=admin.now()))


@staff_devices_group.command("police", cls=RecordCommand)
@click.argument("device_id", type=DEVICE)
@click.option("--officer", required=True, help="The officer's name.")
@click.option("--number", required=True, help="The officer's collar or warrant number.")
@click.option("--reference", required=True, help="The police reference (force reference or crime number).")
@click.option("--yes", is_flag=True, help="Confirm: the hand-over is final and cannot be undone.")
@common
@acts("hold_staff_device")
def staff_devices_police(env: Env, who, device_id: int, officer: str, number: str, reference: str, yes: bool) -> None:
    """Hand a held staff device to the police (final: nothing more can be recorded for it)."""
    if not yes:
        raise click.UsageError("The hand-over is final and cannot be undone: add --yes to record it.")
    env.open()
    click.echo(
        devices_school.staff_device_to_police(
            who, device_id, officer_name=officer, officer_number=number, force_reference=reference, now=admin.now()
        )
    )


@staff_devices_group.command("police-return", cls=RecordCommand)
@click.argument("device_id", type=DEVICE)
@click.option("--officer", required=True, help="The name of the officer who returned it.")
@click.option("--number", required=True, help="The officer's collar or warrant number.")
@click.option("--reference", required=True, help="The police reference (force reference or crime number).")
@click.option("--next", "next_steps", default=None, help="What happens next (optional).")
@common
@acts("hold_staff_device", doing="record a return from the police")
def staff_devices_police_return(
    env: Env, who, device_id: int, officer: str, number: str, reference: str, next_steps: str | None
) -> None:
    """Record a staff device's return from the police: the school holds it again until it is given back."""
    env.open()
    click.echo(
        devices_school.staff_device_from_police(
            who,
            device_id,
            officer=f"{officer.strip()}, number {number.strip()}",
            reference=reference,
            next_steps=next_steps,
            now=admin.now(),
        )
    )


@staff_devices_group.command("list")
@FORMAT
@common
@acts("hold_staff_device", doing="see the staff devices held")
def staff_devices_list(env: Env, who, fmt: str) -> None:
    """The staff devices held or given back, that you may read about."""
    env.open(create=False)
    emit(devices_school.staff_devices_list(who), fmt, ["device", "owner", "description", "held_for", "state", "since"])
