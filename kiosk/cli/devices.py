"""``kiosk devices``: registered phones and their labels."""

from __future__ import annotations

import click

from kiosk.actions import admin, listings
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, common, emit


@click.group()
def devices() -> None:
    """Registered phones and their labels."""


@open_command("read-only report")
@devices.command("list")
@click.option("--class", "class_name", default=None, help="Only this class.")
@FORMAT
@common
def devices_list(env: Env, class_name: str | None, fmt: str) -> None:
    """List registered phones: code, pupil, class, state, slot."""
    env.open(create=False)
    emit(listings.devices(class_name), fmt, ["code", "admission_no", "pupil", "class", "state", "slot"])


@devices.command("register")
@click.argument("admission_no")
@click.option("--description", default="phone", show_default=True)
@common
@acts("register_device")
def devices_register(env: Env, who, admission_no: str, description: str) -> None:
    """Register a pupil's phone and issue its label code."""
    env.open()
    done = admin.register_device(who, admission_no, description)
    click.echo(
        f"Registered {done.code} to {done.pupil} ({done.class_name}). Print its label with: kiosk labels print --pupil {done.admission_no}"
    )


@devices.command("revoke")
@click.argument("code")
@click.option("--reason", default="lost", show_default=True)
@click.option("--no-reissue", is_flag=True, help="Do not issue a replacement label.")
@common
@acts("revoke_label")
def devices_revoke(env: Env, who, code: str, reason: str, no_reissue: bool) -> None:
    """Revoke a lost or damaged label and issue its replacement."""
    env.open()
    new = admin.revoke_label(who, code, reason, reissue=not no_reissue)
    click.echo(f"Revoked {code.strip().upper()}." + (f" Replacement label: {new}." if new else ""))
