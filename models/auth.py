"""Staff, roles, PINs and who may do what.

PINs are hashed with argon2id (argon2-cffi); the clear PIN is never stored or logged.
Repeated wrong PINs lock the account; the count and the lock are database columns,
so a restart does not reset them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import audit
from .clock import local_from_utc_naive, to_local, utcnow
from .db import write_tx
from .errors import AuthError, NotFound, PermissionDenied, ValidationError
from .tables import SchoolClass, Staff, StaffClass

OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL, ADMIN = (
    "office", "teacher", "leadership", "headteacher", "dsl", "admin",
)
ROLES = (OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL, ADMIN)
ROLE_NAMES = {
    OFFICE: "office staff", TEACHER: "teacher", LEADERSHIP: "leadership",
    HEADTEACHER: "headteacher", DSL: "DSL", ADMIN: "admin",
}

# Who may do each action. Teachers act only on pupils in their own classes.
PERMISSIONS: dict[str, frozenset[str]] = {
    "hand_in": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "release": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "release_to_contact": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "move": frozenset({OFFICE, LEADERSHIP, HEADTEACHER}),
    # Policy 9.3: staff may confiscate; searches only by the leadership team.
    "confiscate": frozenset({TEACHER, LEADERSHIP, HEADTEACHER}),
    "search": frozenset({LEADERSHIP, HEADTEACHER}),
    "police": frozenset({LEADERSHIP, HEADTEACHER, DSL}),
    "register_device": frozenset({OFFICE, ADMIN}),
    "revoke_label": frozenset({OFFICE, ADMIN}),
    "import_roster": frozenset({OFFICE, ADMIN}),
    "manage_staff": frozenset({ADMIN}),
    "view_reports": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL, ADMIN}),
    "view_concerns": frozenset({DSL, HEADTEACHER}),
    "record_exception": frozenset({HEADTEACHER}),
    # The signed copy of an agreement usually comes back to the office.
    "file_exception_paperwork": frozenset({OFFICE, HEADTEACHER}),
    # Who may see the exceptions list (read-only unless record_exception / file_exception_paperwork).
    "view_exceptions": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL}),
    # Any member of staff may raise a concern for the DSL (policy 7: inform the DSL of breaches).
    "raise_concern": frozenset(ROLES),
    "quit_kiosk": frozenset({ADMIN}),
    # Visitors: staff sign-in (with the ID / DBS checks), sign-out, roll call, reprints.
    "visitors": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL}),
    "print": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL, ADMIN}),
    # Records duties (models.records): retention purge, subject access, erasure.
    "manage_records": frozenset({HEADTEACHER, ADMIN}),
}
ACTION_WORDS = {
    "hand_in": "hand in phones", "release": "release phones",
    "release_to_contact": "release a phone to a parent or carer", "move": "move phones between slots",
    "confiscate": "confiscate a phone", "search": "record a search",
    "police": "hand a phone to the police", "register_device": "register phones",
    "revoke_label": "revoke labels", "import_roster": "import the roster",
    "manage_staff": "manage staff", "view_reports": "see reports",
    "view_concerns": "see safeguarding concerns", "record_exception": "record exceptions",
    "file_exception_paperwork": "file the signed copy of an exception agreement",
    "view_exceptions": "see phone exceptions",
    "raise_concern": "raise a concern",
    "quit_kiosk": "close the kiosk",
    "visitors": "sign visitors in or out", "print": "reprint or manage print jobs",
    "manage_records": "purge, export or erase records",
}
CLASS_SCOPED = frozenset({TEACHER})

MAX_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
_PIN = re.compile(r"^[0-9]{4,8}$")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2id parameters so a test suite can create many staff quickly."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hash_pin(pin: str) -> str:
    if not _PIN.match(pin or ""):
        raise ValidationError("A PIN is 4 to 8 digits.")
    return _hasher.hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def may(staff: Staff, action: str) -> bool:
    return bool(staff.role_set & PERMISSIONS[action])


def teaches(staff: Staff, school_class_id: int | None) -> bool:
    if school_class_id is None:
        return False
    return StaffClass.select().where(
        (StaffClass.staff == staff) & (StaffClass.school_class == school_class_id)
    ).exists()


def require(staff: Staff | None, action: str, *, school_class_id: int | None = None) -> None:
    """Refuse with a plain message unless ``staff`` may do ``action`` (on that class)."""
    if staff is None:
        raise PermissionDenied("Sign in first.")
    allowed = staff.role_set & PERMISSIONS[action]
    if not allowed:
        raise PermissionDenied(f"{staff.display_name} ({roles_text(staff)}) may not {ACTION_WORDS[action]}.")
    if allowed <= CLASS_SCOPED and school_class_id is not None and not teaches(staff, school_class_id):
        cls = SchoolClass.get_or_none(SchoolClass.id == school_class_id)
        name = cls.name if cls else "that class"
        raise PermissionDenied(f"{staff.display_name} may {ACTION_WORDS[action]} only for their own class, not {name}.")


def roles_text(staff: Staff) -> str:
    return ", ".join(ROLE_NAMES[r] for r in ROLES if r in staff.role_set)


def create_staff(
    username: str,
    display_name: str,
    roles: Iterable[str],
    pin: str,
    *,
    classes: Iterable[str] = (),
    actor: object = None,
    now: dt.datetime | None = None,
) -> Staff:
    now = now or utcnow()
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise ValidationError("A username is 2 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a letter.")
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValidationError(f"Unknown role {unknown[0]!r}: use {', '.join(ROLES)}." if unknown else "Give at least one role.")
    display_name = (display_name or "").strip()
    if not display_name or not display_name.isprintable() or len(display_name) > 100:
        raise ValidationError("A display name is 1 to 100 printable characters.")
    pin_hash = hash_pin(pin)
    with write_tx():
        if Staff.select().where(Staff.username == username).exists():
            raise ValidationError(f"There is already a member of staff called {username!r}.")
        staff = Staff.create(
            username=username, display_name=display_name, roles=",".join(roles),
            pin_hash=pin_hash, created_at=now,
        )
        class_ids = []
        for name in classes:
            cls = SchoolClass.get_or_none(SchoolClass.name == name)
            if cls is None:
                raise NotFound(f"There is no class called {name!r}.")
            StaffClass.create(staff=staff, school_class=cls)
            class_ids.append(cls.id)
        audit.append(actor, "staff.create", "staff", staff.id, {"roles": roles, "classes": class_ids}, now)
    return staff


def authenticate(username: str, pin: str, *, now: dt.datetime | None = None) -> Staff:
    """Check a username and PIN. Wrong PINs count towards a lockout that survives restarts."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    with write_tx():
        staff = Staff.get_or_none((Staff.username == username) & (Staff.active == True))  # noqa: E712
        if staff is None:
            raise AuthError("Unknown username." if username else "Type your username.")
        if staff.locked_until is not None and staff.locked_until > now:
            until = to_local(staff.locked_until).strftime("%H:%M")
            raise AuthError(f"Account {username} is locked until {until} after {MAX_ATTEMPTS} wrong PINs.")
        if pin_matches(staff.pin_hash, pin or ""):
            if staff.failed_attempts or staff.locked_until is not None:
                Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == staff.id).execute()
            audit.append(staff, "auth.login", "staff", staff.id, {}, now)
            staff.failed_attempts, staff.locked_until = 0, None
            return staff
        attempts = staff.failed_attempts + 1
        if attempts >= MAX_ATTEMPTS:
            until_utc = now + LOCKOUT
            Staff.update(failed_attempts=0, locked_until=until_utc).where(Staff.id == staff.id).execute()
            audit.append(None, "auth.locked", "staff", staff.id, {"until": until_utc.isoformat()}, now)
            message = f"Wrong PIN. Account {username} is now locked until {to_local(until_utc).strftime('%H:%M')}."
        else:
            Staff.update(failed_attempts=attempts).where(Staff.id == staff.id).execute()
            audit.append(None, "auth.failed", "staff", staff.id, {"attempt": attempts}, now)
            left = MAX_ATTEMPTS - attempts
            message = f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left before the account locks."
    raise AuthError(message)


def unlock(username: str, *, actor: object = None, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    with write_tx():
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None:
            raise NotFound(f"There is no member of staff called {username!r}.")
        Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == staff.id).execute()
        audit.append(actor, "auth.unlock", "staff", staff.id, {}, now)


def locked_message(staff: Staff, now: dt.datetime) -> str | None:
    if staff.locked_until and staff.locked_until > now:
        return f"locked until {local_from_utc_naive(staff.locked_until)}"
    return None
