"""``kiosk staff``: staff accounts (add, list, set-pin, unlock, deactivate)."""

from __future__ import annotations

import os

import click

from kiosk.cli._access import acts, open_command, tty_pin
from kiosk.cli._common import FORMAT, Env, common, emit
from models.errors import KioskError


@click.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("unlock")
@click.argument("username")
@common
@acts("manage_staff")
def staff_unlock(env: Env, who, username: str) -> None:
    """Clear a lockout after repeated wrong PINs."""
    from models.auth import unlock

    env.open()
    unlock(username, actor=who)
    click.echo(f"{username} unlocked.")


@staff.command("set-pin")
@click.argument("username")
@common
@acts("manage_staff", own=lambda options: options["username"])
def staff_set_pin(env: Env, who, username: str) -> None:
    """Replace a member of staff's PIN (--as an admin, or --as yourself for your own).
    The new PIN comes from $KIOSK_NEW_PIN or is asked for."""
    from models.auth import set_pin
    from models.errors import NotFound
    from models.tables import Staff

    env.open()
    target = Staff.get_or_none(Staff.username == (username or "").strip().lower())
    if target is None:
        raise NotFound(f"There is no member of staff called {username!r}.")
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = tty_pin(f"New PIN for {target.username} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(
                f"No PIN for {target.username}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed."
            )
    set_pin(target.id, pin, who)
    click.echo(f"New PIN set for {target.username}.")


@staff.command("deactivate")
@click.argument("username")
@common
@acts("manage_staff")
def staff_deactivate(env: Env, who, username: str) -> None:
    """Switch off a leaver's account. It stays on record: the chain of custody names who acted."""
    from models.staffing import deactivate

    gone = deactivate(username, actor=who)
    click.echo(f"{gone.username} deactivated: they can no longer sign in.")


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help='Name shown on screen, e.g. "Mrs J Patel".')
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["office", "teacher", "leadership", "headteacher", "dsl", "admin"]),
    help="Repeat for several roles.",
)
@click.option("--class", "classes", multiple=True, help="A class the teacher teaches (repeatable).")
@common
@acts("manage_staff", open_when=lambda options: True)  # without --as: only the first admin (models.staffing)
def staff_add(
    env: Env, who, username: str, display_name: str, roles: tuple[str, ...], classes: tuple[str, ...]
) -> None:
    """Add a member of staff (--as an admin). Their PIN comes from $KIOSK_NEW_PIN or is asked for.

    A database with no active admin: the first admin is added without --as.
    """
    from models.auth import create_staff
    from models.staffing import check_first_admin, create_first_admin

    if who is None:  # refused before asking for a PIN unless this is the first admin
        env.open()
        check_first_admin(roles)
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = tty_pin(f"New PIN for {username} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(f"No PIN for {username}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed.")
    env.open()
    if who is None:
        added = create_first_admin(username, display_name, roles, pin, classes=classes)
    else:
        added = create_staff(username, display_name, roles, pin, classes=classes, actor=who)
    click.echo(f"Added {added.username} ({', '.join(sorted(added.role_set))}).")


@open_command("read-only report")
@staff.command("list")
@FORMAT
@common
def staff_list(env: Env, fmt: str) -> None:
    from models.auth import VISITOR, capped, roles_text
    from models.clock import utcnow
    from models.tables import Staff

    env.open(create=False)
    now = utcnow()

    def locked(staff_id: int) -> str:  # over today's cap of wrong PINs (kiosk staff unlock)
        if capped(staff_id, now):  # the staff sign-in and the command line
            return "yes"
        return "at the visitor screen" if capped(staff_id, now, surface=VISITOR) else ""  # its own cap

    rows = [
        {"username": s.username, "name": s.display_name, "roles": roles_text(s), "locked": locked(s.id)}
        for s in Staff.select().order_by(Staff.username)
    ]
    emit(rows, fmt)
