"""``kiosk staff``: staff accounts (add, list, set-pin, unlock, deactivate)."""

from __future__ import annotations

import os

import click

from kiosk.actions import accounts, admin, listings
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
    env.open()
    accounts.unlock(who, username, admin.now())  # as the screen's unlock (its own words there)
    click.echo(f"{username} unlocked.")


@staff.command("set-pin")
@click.argument("username")
@common
@acts("manage_staff", own=lambda options: options["username"])
def staff_set_pin(env: Env, who, username: str) -> None:
    """Replace a member of staff's PIN (--as an admin, or --as yourself for your own).
    The new PIN comes from $KIOSK_NEW_PIN or is asked for."""
    env.open()
    target = admin.staff_username(username)  # no such member: refused before a PIN is asked for
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = tty_pin(f"New PIN for {target} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(f"No PIN for {target}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed.")
    click.echo(f"New PIN set for {admin.set_pin(who, target, pin)}.")


@staff.command("deactivate")
@click.argument("username")
@common
@acts("manage_staff")
def staff_deactivate(env: Env, who, username: str) -> None:
    """Switch off a leaver's account. It stays on record: the chain of custody names who acted."""
    env.open()
    click.echo(f"{admin.deactivate(who, username)} deactivated: they can no longer sign in.")


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help='Name shown on screen, e.g. "Mrs J Patel".')
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(
        [
            "office",
            "teacher",
            "leadership",
            "headteacher",
            "dsl",
            "admin",
            "chair",
            "trust_lead",
            "trust_dsl",
            "nightly",
        ]
    ),
    help="Repeat for several roles (nightly: the nightly timers' account, held alone).",
)
@click.option("--class", "classes", multiple=True, help="A class the teacher teaches (repeatable).")
@common
@acts("manage_staff", open_when=lambda options: True)  # without --as: only the first admin (models.staff.accounts)
def staff_add(
    env: Env, who, username: str, display_name: str, roles: tuple[str, ...], classes: tuple[str, ...]
) -> None:
    """Add a member of staff (--as an admin). Their PIN comes from $KIOSK_NEW_PIN or is asked for.

    A database with no active admin: the first admin is added without --as.
    """
    if who is None:  # refused before asking for a PIN unless this is the first admin
        env.open()
        admin.check_first_admin(roles)
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = tty_pin(f"New PIN for {username} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(f"No PIN for {username}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed.")
    env.open()
    added = admin.add_staff(who, username, display_name, roles, pin, classes)  # who=None: the first admin
    click.echo(f"Added {added.username} ({', '.join(added.roles)}).")


@open_command("read-only report")
@staff.command("list")
@FORMAT
@common
def staff_list(env: Env, fmt: str) -> None:
    env.open(create=False)
    emit(listings.staff(), fmt)
