"""Accounts: signing in, and an admin unlocking one (with a new PIN, or not)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn


def unlock(who: SignedIn, username: str, now: dt.datetime, new_pin: str = "") -> str:
    """Let ``username`` use a PIN again; with ``new_pin``, set it in the same transaction."""
    from models.audit.tx import write_tx
    from models.staff import auth
    from models.store.tables import Staff

    admin = staff_row(who)
    auth.require(admin, "manage_staff")
    if not new_pin:
        auth.unlock(username, actor=admin, now=now)
        return f"{username} may use their PIN again."
    with write_tx():  # unlocked and given the new PIN together, or neither
        auth.unlock(username, actor=admin, now=now)
        auth.set_pin(Staff.get(Staff.username == username).id, new_pin, admin, now)
    return f"{username} has a new PIN and may use it now."


def sign_in(username: str, pin: str, now: dt.datetime, surface: str) -> SignedIn:
    """The member of staff whose username and PIN these are (``models.staff.auth.authenticate``'s rules)."""
    from models.staff.auth import authenticate

    return SignedIn.of(authenticate(username, pin, now=now, surface=surface))


@dataclass(frozen=True)
class SignInPage:
    any_staff: bool  # False: nobody can sign in yet
    demo_pins: str  # the demo school's PINs, shown on its sign-in page only


def sign_in_page() -> SignInPage:
    """Whether there are staff, and the demo school's PINs (only in the demo school)."""
    from models.store.tables import Staff
    from models.upkeep.demo import DEMO_PINS, is_demo_school

    pins = ""
    if is_demo_school():
        pins = "Demo PINs: " + ", ".join(f"{user} {pin}" for user, pin in DEMO_PINS.items())
    return SignInPage(Staff.select().exists(), pins)
