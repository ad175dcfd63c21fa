"""Accounts: which are refusing PINs, and an admin unlocking one (with a new PIN, or not)."""

from __future__ import annotations

import datetime as dt

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn


def capped_accounts(now: dt.datetime) -> list[str]:
    """Usernames refusing PINs after too many wrong ones today."""
    from models.auth import capped_accounts

    return capped_accounts(now)


def unlock(who: SignedIn, username: str, now: dt.datetime, new_pin: str = "") -> str:
    """Let ``username`` use a PIN again; with ``new_pin``, set it in the same transaction."""
    from models import auth
    from models.tables import Staff
    from models.tx import write_tx

    admin = staff_row(who)
    auth.require(admin, "manage_staff")
    if not new_pin:
        auth.unlock(username, actor=admin, now=now)
        return f"{username} may use their PIN again."
    with write_tx():  # unlocked and given the new PIN together, or neither
        auth.unlock(username, actor=admin, now=now)
        auth.set_pin(Staff.get(Staff.username == username).id, new_pin, admin, now)
    return f"{username} has a new PIN and may use it now."
