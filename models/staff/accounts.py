"""Staff accounts from the command line: the first admin, and switching an account off.

Every other change to staff goes through an admin who signed in (``manage_staff``).
The one way in without a PIN is the first admin of a database that has never had staff:
once anyone was added, that door is shut for good (whatever the rows say later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import utcnow
from models.errors import NotFound, PermissionDenied, RuleViolation
from models.staff.auth import ADMIN, create_staff, require
from models.store.tables import Staff

FIRST_ADMIN = "first-admin bootstrap"  # the audit actor of the first admin's creation


def active_admins() -> list[Staff]:
    return [s for s in Staff.select().where(Staff.active == True) if ADMIN in s.role_set]  # noqa: E712


def had_staff() -> bool:
    """Whether this database has ever had a member of staff: a row, or an entry in the log.

    The first-admin door is decided by this, not by which rows say ``active`` or ``admin``:
    switching the admins off with sqlite3 must not open it again.
    """
    from models.audit import chain as audit
    from models.store.tables import AuditEntry

    if Staff.select().exists() or audit.anchor()[0] > 0:  # a purge, which someone signed in ran
        return True
    # A wrong username or PIN typed with --as before anyone exists (auth.failed naming no
    # account) is not a member of staff: counted, it shut the door on the first admin for
    # good. One naming an account (a staff id) is, as is everything a signed-in person did.
    nobody = (AuditEntry.action == "auth.failed") & (AuditEntry.entity_id == "None")
    if (
        AuditEntry.select()
        .where(
            (AuditEntry.action == "staff.create")
            | ((AuditEntry.entity == "staff") & ~nobody)
            | AuditEntry.actor.startswith("staff:")
        )
        .exists()
    ):
        return True
    # Entries cut from the log (its head names more than it holds): what they said is
    # unknown, so the door stays shut; verify names the gap.
    return AuditEntry.select().count() != audit.head()[0]


def check_first_admin(roles: Iterable[str]) -> None:
    """Refuse unless ``roles`` may be added without anyone signing in: the first admin of a
    database that has never had staff."""
    if active_admins():
        raise PermissionDenied(
            "There is already an admin: say who you are with --as USERNAME (an admin); "
            "the PIN comes from $KIOSK_PIN or is asked for."
        )
    if had_staff():
        raise PermissionDenied(
            "This database has had staff before, so no one is added without --as: an admin adds "
            "staff. If no admin can sign in, run kiosk audit verify (records may have been "
            "changed outside the kiosk)."
        )
    if ADMIN not in roles:
        raise PermissionDenied("There is no admin yet: add the first one with --role admin (no --as needed).")


def create_first_admin(
    username: str,
    display_name: str,
    roles: Iterable[str],
    pin: str,
    *,
    classes: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Staff:
    """Create the database's first admin, without anyone signing in: only while it has never had staff."""
    roles = list(roles)
    with write_tx():  # checked and created in one transaction: two at once cannot both get in
        check_first_admin(roles)
        return create_staff(username, display_name, roles, pin, classes=classes, actor=FIRST_ADMIN, now=now)


def deactivate(username: str, *, actor: Staff, now: dt.datetime | None = None) -> Staff:
    """Switch an account off (a leaver). The row stays: the chain of custody names who acted."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    with write_tx():
        require(actor, "manage_staff")
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None:
            raise NotFound(f"There is no member of staff called {username!r}.")
        if not staff.active:
            raise RuleViolation(f"{username} is already deactivated.")
        if ADMIN in staff.role_set and [s.id for s in active_admins()] == [staff.id]:
            raise RuleViolation(f"{username} is the only active admin: add another admin first.")
        Staff.update(active=False).where(Staff.id == staff.id).execute()
        audit.append(actor, "staff.deactivate", "staff", staff.id, {}, now)
    staff.active = False
    return staff
