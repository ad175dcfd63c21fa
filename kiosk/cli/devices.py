"""``kiosk devices``: registered phones and their labels."""

from __future__ import annotations

import click

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
    from models import reports

    env.open(create=False)
    emit(reports.devices(class_name), fmt, ["code", "admission_no", "pupil", "class", "state", "slot"])


@devices.command("register")
@click.argument("admission_no")
@click.option("--description", default="phone", show_default=True)
@common
@acts("register_device")
def devices_register(env: Env, who, admission_no: str, description: str) -> None:
    """Register a pupil's phone and issue its label code."""
    from models.devices import register_pupil_device

    env.open()
    label = register_pupil_device(admission_no, actor=who, description=description)
    pupil = label.device.pupil
    click.echo(
        f"Registered {label.code} to {pupil.full_name} ({pupil.school_class.name}). Print its label with: kiosk labels print --pupil {pupil.admission_no}"
    )


@devices.command("revoke")
@click.argument("code")
@click.option("--reason", default="lost", show_default=True)
@click.option("--no-reissue", is_flag=True, help="Do not issue a replacement label.")
@common
@acts("revoke_label")
def devices_revoke(env: Env, who, code: str, reason: str, no_reissue: bool) -> None:
    """Revoke a lost or damaged label and issue its replacement."""
    from models.devices import revoke_label

    env.open()
    new = revoke_label(code, actor=who, reason=reason, reissue=not no_reissue)
    click.echo(f"Revoked {code.strip().upper()}." + (f" Replacement label: {new.code}." if new else ""))
