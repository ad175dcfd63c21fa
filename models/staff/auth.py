"""Staff, roles, PINs and who may do what.

PINs are hashed with argon2id (argon2-cffi) over an HMAC with the PIN key
(:mod:`models.store.pinkey`), bound to the staff row; the clear PIN is never stored or logged.
Wrong PINs slow down the terminal and surface they come from (never the account
everywhere), and an account takes at most :data:`DAILY_CAP` wrong PINs a day at the
reception and command line together, and as many again at the visitor screen (counted
apart, so the public screen cannot lock anyone out elsewhere). Both are counted in the
database (``AuthFailure``), so a restart does not reset them. An attempt is recorded
before its PIN is checked, so parallel attempts see each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import socket
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from peewee import Expression, fn

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import day_bounds, local_day, to_local, utcnow
from models.errors import AuthError, NotFound, PermissionDenied, ValidationError
from models.store.db import tuples as _rows
from models.store.keys import KEY_ID_SETTING as KEY_ID_SETTING  # where it was
from models.store.keys import PEPPERED
from models.store.keys import pepper as _pepper
from models.store.keys import pin_key as pin_key  # where it was
from models.store.keys import remember_key_id as _remember_key_id
from models.store.tables import AuthFailure, SchoolClass, Staff, StaffClass

OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL, ADMIN, CHAIR = (
    "office",
    "teacher",
    "leadership",
    "headteacher",
    "dsl",
    "admin",
    "chair",
)
# A trust's own roles (issue 16), held at site 1, the trust's home: they read across the
# trust's schools (models.trust.reading, read-only) and write into none they do not belong to.
TRUST_LEAD, TRUST_DSL = "trust_lead", "trust_dsl"
TRUST_ROLES = frozenset({TRUST_LEAD, TRUST_DSL})
# The nightly timers' own account (docs/deploy.md section 5): it runs the retention purge and
# the backup, and nothing else. Held alone; it never signs in at the kiosk's screens (nor a
# browser's): only at the command line (authenticate), and reads no records there.
NIGHTLY = "nightly"
ROLES = (OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL, ADMIN, CHAIR, TRUST_LEAD, TRUST_DSL, NIGHTLY)
PEOPLE = tuple(r for r in ROLES if r != NIGHTLY)  # the roles a person holds
ROLE_NAMES = {
    OFFICE: "office staff",
    TEACHER: "teacher",
    LEADERSHIP: "leadership",
    HEADTEACHER: "headteacher",
    DSL: "DSL",
    ADMIN: "admin",
    CHAIR: "chair of governors",
    TRUST_LEAD: "trust lead",
    TRUST_DSL: "trust safeguarding lead",
    NIGHTLY: "nightly jobs",
}

# Who may do each action. Teachers act only on pupils in their own classes.
PERMISSIONS: dict[str, frozenset[str]] = {
    "hand_in": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "release": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "release_to_contact": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "move": frozenset({OFFICE, LEADERSHIP, HEADTEACHER}),
    # Any member of staff may confiscate (mobile technology policy 6; online safety 9.3), a
    # teacher any pupil's phone, not only their own class's (UNSCOPED); the admin (an IT
    # account) and the chair of governors are not school staff at the gate. Searches only by
    # the leadership team (with consent).
    "confiscate": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL}),
    "search": frozenset({LEADERSHIP, HEADTEACHER}),
    # A phone confiscated for suspected nude or semi-nude images is held for the DSL (online
    # safety 11.1.1): only the DSL (or the headteacher) records the decision that lifts it.
    "dsl_decision": frozenset({DSL, HEADTEACHER}),
    "police": frozenset({LEADERSHIP, HEADTEACHER, DSL}),
    # Parents informed of a confiscation, a search or a concern (issue 15): those who may read
    # the details of one (the domain checks that one: models.safeguarding.parents).
    "parents_informed": frozenset({TEACHER, LEADERSHIP, HEADTEACHER, DSL}),
    "register_device": frozenset({OFFICE, ADMIN}),
    "revoke_label": frozenset({OFFICE, ADMIN}),
    "import_roster": frozenset({OFFICE, ADMIN}),
    "manage_staff": frozenset({ADMIN}),
    "view_reports": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL, ADMIN}),
    # Who reads safeguarding concerns and the feed (issue 15: "search and concern details are
    # for leadership, the DSL and the headteacher"; mobile technology policy 9: leadership debriefs
    # and records lessons learnt): each concern they may see (models.safeguarding.concerns.
    # may_see_concern: never an allegation about themself, nor one about the headteacher), marked
    # seen per reader. The DSL's own duties stay with view_concerns and follow_up_concerns.
    "read_concerns": frozenset({LEADERSHIP, DSL, HEADTEACHER}),
    # The DSL's duties: the alerts and the counts on Home of what is not yet seen.
    "view_concerns": frozenset({DSL, HEADTEACHER}),
    # An allegation about the headteacher (KCSIE Part 4) goes to the chair of governors, and
    # to the DSL when the DSL is not the headteacher; never to the headteacher
    # (models.safeguarding.concerns.may_see_concern). The chair sees nothing else.
    "view_head_allegations": frozenset({CHAIR}),
    # Who may follow a concern up at all (the command line's gate): the DSL and the headteacher,
    # and the chair for an allegation about the headteacher; which concern, the domain decides.
    "follow_up_concerns": frozenset({DSL, HEADTEACHER, CHAIR}),
    "record_exception": frozenset({HEADTEACHER}),
    # The signed copy of an agreement usually comes back to the office.
    "file_exception_paperwork": frozenset({OFFICE, HEADTEACHER}),
    # Who may see the exceptions list (read-only unless record_exception / file_exception_paperwork).
    "view_exceptions": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL}),
    # Any member of staff may raise a concern for the DSL (policy 7: inform the DSL of breaches).
    "raise_concern": frozenset(PEOPLE),
    "quit_kiosk": frozenset({ADMIN}),
    # Visitors: staff sign-in (with the ID / DBS checks), sign-out, roll call, reprints.
    "visitors": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL}),
    "print": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, DSL, ADMIN}),
    # Records duties (models.records.duties): subject access, erasure, a move to PostgreSQL.
    "manage_records": frozenset({HEADTEACHER, ADMIN}),
    # The nightly timers' two jobs, also by the nightly jobs' own account (NIGHTLY).
    "purge_records": frozenset({HEADTEACHER, ADMIN, NIGHTLY}),
    "backup": frozenset({HEADTEACHER, ADMIN, NIGHTLY}),
    # Staff's pre-existing relationships with pupils or families (policy 5; social media 4.2):
    # recorded, reviewed, ended and seen by the DSL or the headteacher only.
    # the chair of governors: the headteacher's own only (models.governance.relationships.require_for)
    "record_relationship": frozenset({DSL, HEADTEACHER, CHAIR}),
    # Lessons learnt once a concern is closed (mobile technology policy 9: "leadership staff will
    # debrief, identify lessons learnt"); never on an allegation about themself
    # (models.safeguarding.concerns.record_lessons). Only on a concern they may see: the chair of
    # governors on an allegation about the headteacher (the case is hers).
    "record_lessons": frozenset({LEADERSHIP, DSL, HEADTEACHER, CHAIR}),
    # The school's policies: their versions and review dates, and who has not acknowledged them.
    "manage_policies": frozenset({HEADTEACHER}),
    # Anyone acknowledges having read a policy for themself, at the kiosk with their PIN;
    # a signed paper copy is recorded for them by the office or the headteacher.
    "acknowledge_policy": frozenset(PEOPLE),
    "file_policy_paperwork": frozenset({OFFICE, HEADTEACHER}),
    # The termly report for governors and inspectors (counts; names only for DETAIL_ROLES).
    "governors_report": frozenset({LEADERSHIP, HEADTEACHER, DSL, CHAIR}),
    # A member of staff's own phone held for the LADO or the police (online safety 11.3):
    # taken, given back and read by the DSL or the headteacher; the headteacher's own by the
    # chair of governors (KCSIE Part 4), and by the chair for nobody else: which device, the
    # domain decides (models.custody.staff_device_access).
    "hold_staff_device": frozenset({DSL, HEADTEACHER, CHAIR}),
    # The school's own phones and tablets (mobile technology policy 4): the office and the
    # leadership team lend them to staff and take them back; admin and the head keep the register.
    "lend_school_device": frozenset({OFFICE, LEADERSHIP, HEADTEACHER}),
    "manage_school_devices": frozenset({ADMIN, HEADTEACHER}),
    "view_school_devices": frozenset({OFFICE, LEADERSHIP, HEADTEACHER, ADMIN}),
    # A pupil's day mark (absent, no phone today): the office, the class's teacher, leadership.
    "mark_attendance": frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER}),
    "import_attendance": frozenset({OFFICE, ADMIN}),
    # A trust (issue 16): the admin of site 1 adds the trust's schools; the trust's leads read
    # figures across them, and the trust's safeguarding lead the DSL's feed of each school.
    "manage_sites": frozenset({ADMIN}),
    "trust_reports": frozenset({TRUST_LEAD, TRUST_DSL}),
    "trust_safeguarding": frozenset({TRUST_DSL}),
}
ACTION_WORDS = {
    "follow_up_concerns": "follow up safeguarding concerns",
    "hand_in": "hand in phones",
    "release": "release phones",
    "release_to_contact": "release a phone to a parent or carer",
    "move": "move phones between slots",
    "confiscate": "confiscate a phone",
    "search": "record a search",
    "dsl_decision": "record the DSL's decision on a phone held for the DSL",
    "police": "hand a phone to the police",
    # (the same permission as "police"; the words for a call to the police, not a hand-over)
    "police_contact": "record a contact with the police",
    "parents_informed": "record that parents were told",
    "register_device": "register phones",
    "revoke_label": "revoke labels",
    "import_roster": "import the roster",
    "mark_attendance": "mark a pupil absent or without a phone today",
    "import_attendance": "import the attendance register",
    "manage_staff": "manage staff",
    "view_reports": "see reports",
    "read_concerns": "see safeguarding concerns",
    "view_concerns": "receive the DSL's safeguarding alerts",
    "view_head_allegations": "see allegations about the headteacher",
    "record_exception": "record exceptions",
    "file_exception_paperwork": "file the signed copy of an exception agreement",
    "view_exceptions": "see phone exceptions",
    "raise_concern": "raise a concern",
    "quit_kiosk": "close the kiosk",
    "visitors": "sign visitors in or out",
    "print": "reprint or manage print jobs",
    "manage_records": "purge, export or erase records",
    "purge_records": "purge records past their retention period",
    "backup": "make a backup",
    "record_relationship": "record staff's pre-existing relationships with pupils and families",
    "record_lessons": "record lessons learnt",
    "manage_policies": "manage the school's policies and their reviews",
    "acknowledge_policy": "acknowledge a policy",
    "file_policy_paperwork": "record a signed policy acknowledgement",
    "governors_report": "make the governors' report",
    "hold_staff_device": "hold or return a member of staff's device",
    "lend_school_device": "lend or take back the school's phones and tablets",
    "manage_school_devices": "manage the register of the school's phones and tablets",
    "view_school_devices": "see the register of the school's phones and tablets",
    "manage_sites": "add or rename the trust's schools",
    "trust_reports": "read reports across the trust's schools",
    "trust_safeguarding": "read the safeguarding feed across the trust's schools",
}
CLASS_SCOPED = frozenset({TEACHER})
# Actions a teacher takes for any pupil, not only their own classes' (policy 6: staff may
# confiscate a learner's phone wherever they see it misused).
UNSCOPED = frozenset({"confiscate"})

# Who reads the details of a search (grounds, consent, outcome), a confiscation's reason and
# a police hand-over (mobile technology policy 9; online safety policy 10): leadership, the
# DSL and the headteacher, and the member of staff who recorded that event. Everyone else
# sees that it happened (its kind and time) and where the phone is, not why.
DETAIL_ROLES = frozenset({LEADERSHIP, DSL, HEADTEACHER})
DETAILS_WITHHELD = "details for leadership and the DSL"


def may_read_details(reader: Staff | Iterable[str], recorded_by_id: int | None) -> bool:
    """Whether ``reader`` (a staff row, or only a set of roles: nobody's own record) may read
    the details of a record made by the staff member ``recorded_by_id``. The one rule; every
    read path that prints such details asks it."""
    if isinstance(reader, Staff):
        if recorded_by_id is not None and reader.id == recorded_by_id:
            return True
        roles = reader.role_set
    else:
        roles = frozenset(reader)
    return bool(roles & DETAIL_ROLES)


_PIN = re.compile(r"^[0-9]{6,12}$")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
PIN_RULE = "A PIN is 6 to 12 digits."

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2id parameters so a test suite can create many staff quickly."""
    global _hasher, _dummy
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _dummy = None


# ------------------------------------------------------------------ PIN rules

_COMMON_PINS = frozenset(
    {
        "121212",
        "123123",
        "112233",
        "102030",
        "101010",
        "696969",
        "159753",
        "147258",
        "789456",
        "456789",
        "000000",
        "123321",
        "147852",
        "258369",
        "852456",
        "010203",
        "246810",
        "135790",
        "142536",
    }
)


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused (one plain line), or None."""
    if not _PIN.match(pin or ""):
        return PIN_RULE
    if len(set(pin)) <= 2 and all(pin[i] == pin[i % 2] for i in range(len(pin))):
        return "That PIN is too easy to guess (a digit or a pair repeated): choose another."
    if pin in _COMMON_PINS or any(
        len(pin) % k == 0 and pin == pin[:k] * (len(pin) // k) for k in (3, 4, 5, 6) if len(pin) > k
    ):
        return "That PIN is too easy to guess (a common PIN or a repeated group): choose another."
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if len(steps) == 1 and steps <= {1, 9}:
        return "That PIN is too easy to guess (a run of digits): choose another."
    return None


def check_new_pin(pin: str) -> None:
    problem = pin_problem(pin)
    if problem:
        raise ValidationError(problem)


# ------------------------------------------------------------------ hashing


def _peppered(staff_id: int, username: str, pin: str) -> str:
    mac = hmac.new(_pepper(create=False), f"{staff_id}|{username}|{pin}".encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()


def hash_pin(pin: str, *, staff_id: int, username: str) -> str:
    """The stored hash of ``pin`` for that staff row (bound to its id and username)."""
    return PEPPERED + _hasher.hash(_peppered(staff_id, username, pin))


def pin_matches(staff: Staff, pin: str) -> bool:
    """Whether ``pin`` is this member of staff's PIN (a hash copied from another row never is)."""
    stored = staff.pin_hash or ""
    try:
        if stored.startswith(PEPPERED):
            return _hasher.verify(stored[len(PEPPERED) :], _peppered(staff.id, staff.username, pin))
        # From before the PIN key (re-hashed at this sign-in): only while the row is still
        # exactly as the audit chain last bound it, so a plain hash written into the database
        # outside the kiosk is never accepted.
        return _hasher.verify(stored, pin) and _bound_as_is(staff.id)
    except (VerificationError, InvalidHashError):
        return False


def _bound_as_is(staff_id: int) -> bool:
    """Whether the staff row's content is what the newest audit entry binding it says
    (models.audit.integrity): one row hashed, audit entries read newest first until one names it."""
    import json

    from models.audit import integrity
    from models.store.tables import AuditEntry

    have = integrity.current_hashes("staff", [staff_id]).get(staff_id)
    if have is None:
        return False
    key = str(staff_id)
    entries = (
        AuditEntry.select(AuditEntry.rows)
        .where(AuditEntry.rows.is_null(False) & AuditEntry.rows.contains('"staff"'))
        .order_by(AuditEntry.seq.desc())
    )
    for (text,) in entries.tuples().iterator():
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        for part in ("b", "c"):
            bound = doc.get(part, {}).get("staff", {})
            if key in bound:
                return hmac.compare_digest(str(bound[key]), have)
        if staff_id in integrity.expand(doc.get("d", {}).get("staff", [])):
            return False
    return False


_dummy: str | None = None


def _dummy_verify(pin: str) -> None:
    """Spend the time of a real check, so an unknown username is not told apart by speed."""
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("not a pin " + secrets.token_hex(8))
    try:
        _hasher.verify(_dummy, hmac.new(_pepper(create=False), pin.encode("utf-8"), hashlib.sha256).hexdigest())
    except (VerificationError, InvalidHashError):
        pass


# The trust's own permissions hold at site 1 only (its registry and the trust's roles are
# kept there): an account with a trust role that reached a school's site (moved in with
# migrate-to) has none of them there.
SITE_1_ONLY = frozenset({"manage_sites", "trust_reports", "trust_safeguarding"})


def permitted(roles: Iterable[str], action: str) -> bool:
    """Whether someone with ``roles`` may do ``action`` here (at the open database's site)."""
    if action in SITE_1_ONLY:
        from models import sites
        from models.store.db import current_site

        if current_site() != sites.MAIN:
            return False
    return bool(set(roles) & PERMISSIONS[action])


def may(staff: Staff, action: str) -> bool:
    return permitted(staff.role_set, action)


def teaches(staff: Staff, school_class_id: int | None) -> bool:
    if school_class_id is None:
        return False
    return (
        StaffClass.select().where((StaffClass.staff == staff) & (StaffClass.school_class == school_class_id)).exists()
    )


def require(staff: Staff | None, action: str, *, school_class_id: int | None = None, doing: str | None = None) -> None:
    """Refuse with a plain message unless ``staff`` may do ``action`` (on that class).

    ``doing`` names what was tried when it is not the action itself ("undo a hand-in")."""
    if staff is None:
        raise PermissionDenied("Sign in first.")
    allowed = staff.role_set & PERMISSIONS[action] if permitted(staff.role_set, action) else frozenset()
    words = doing or ACTION_WORDS[action]
    if not allowed:
        raise PermissionDenied(f"{who_text(staff)} may not {words}.")
    scoped = action not in UNSCOPED and allowed <= CLASS_SCOPED
    if scoped and school_class_id is not None and not teaches(staff, school_class_id):
        cls = SchoolClass.get_or_none(SchoolClass.id == school_class_id)
        name = cls.name if cls else "that class"
        raise PermissionDenied(f"{staff.display_name} may {words} only for their own class, not {name}.")


def who_text(staff: Staff) -> str:
    """ "IT admin (admin)"; a display name that already says who they are in brackets,
    "Mrs J Patel (office)", is not given a second pair."""
    return who_words(staff.display_name, staff.role_set)


def who_words(display_name: str, roles: Iterable[str]) -> str:
    """:func:`who_text` from a name and roles (the terminal's signed-in snapshot has no row)."""
    name = display_name
    return name if name.rstrip().endswith(")") else f"{name} ({roles_words(roles)})"


def roles_text(staff: Staff) -> str:
    return roles_words(staff.role_set)


def roles_words(roles: Iterable[str]) -> str:
    have = set(roles)
    return ", ".join(ROLE_NAMES[r] for r in ROLES if r in have)


def not_allowed(display_name: str, roles: Iterable[str], action: str) -> str:
    """The line refusing ``action``: "IT admin (admin) may not record exceptions."."""
    return f"{who_words(display_name, roles)} may not {ACTION_WORDS[action]}."


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
        raise ValidationError(
            "A username is 2 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a letter."
        )
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValidationError(
            f"Unknown role {unknown[0]!r}: use {', '.join(ROLES)}." if unknown else "Give at least one role."
        )
    if TRUST_ROLES & set(roles):
        from models.sites import MAIN
        from models.store.db import current_site

        if current_site() != MAIN:
            raise ValidationError(
                "A trust role is held at site 1, the trust's own: add this account there (a terminal that names no site)."
            )
    if NIGHTLY in roles and len(roles) > 1:
        raise ValidationError(
            "The nightly jobs' role is held alone: make an account of its own for the timers (e.g. nightly)."
        )
    display_name = (display_name or "").strip()
    if not display_name or not display_name.isprintable() or len(display_name) > 100:
        raise ValidationError("A display name is 1 to 100 printable characters.")
    check_new_pin(pin)
    _pepper(create=False)  # a missing key file is one plain line before anything is written
    with write_tx():
        if Staff.select().where(Staff.username == username).exists():
            raise ValidationError(f"There is already a member of staff called {username!r}.")
        staff = Staff.create(
            username=username,
            display_name=display_name,
            roles=",".join(roles),
            pin_hash="",
            created_at=now,
        )
        # The hash is bound to the row's id, known only now: written in the same transaction.
        staff.pin_hash = hash_pin(pin, staff_id=staff.id, username=username)
        _remember_key_id()
        Staff.update(pin_hash=staff.pin_hash).where(Staff.id == staff.id).execute()
        class_ids = []
        for name in classes:
            cls = SchoolClass.get_or_none(SchoolClass.name == name)
            if cls is None:
                raise NotFound(f"There is no class called {name!r}.")
            StaffClass.create(staff=staff, school_class=cls)
            class_ids.append(cls.id)
        audit.append(actor, "staff.create", "staff", staff.id, {"roles": roles, "classes": class_ids}, now)
    return staff


def set_pin(staff_id: int, new_pin: str, actor: Staff | None, now: dt.datetime | None = None) -> Staff:
    """Replace a member of staff's PIN (a leaked one, or an old short one): by an admin for
    anyone, or by the member of staff themself (``actor``, signed in with their current PIN).
    The new PIN follows the rules for new PINs; the change is audited (never the PIN)."""
    now = now or utcnow()
    new_pin = _clean_pin(new_pin)
    if actor is None or getattr(actor, "id", None) != staff_id:
        require(actor, "manage_staff")
    check_new_pin(new_pin)
    _pepper(create=False)  # a missing key file is one plain line before anything is written
    with write_tx():
        staff = Staff.get_or_none(Staff.id == staff_id)
        if staff is None:
            raise NotFound("There is no such member of staff.")
        staff.pin_hash = hash_pin(new_pin, staff_id=staff.id, username=staff.username)
        Staff.update(pin_hash=staff.pin_hash).where(Staff.id == staff.id).execute()
        _remember_key_id()
        audit.append(actor, "staff.set_pin", "staff", staff.id, {"username": staff.username}, now)
    return staff


# ------------------------------------------------------------------ signing in

# Where a PIN is typed. Failures slow down only the terminal and surface they come from:
# the public visitor screen (its F10 sign-in and its quit dialog) never slows the reception.
RECEPTION, VISITOR, COMMAND_LINE = "reception", "visitor", "cli"
SURFACE_WORDS = {RECEPTION: "the staff sign-in", VISITOR: "the visitor screen", COMMAND_LINE: "the command line"}
FREE_FAILURES = 3  # then 2, 4, 8 … seconds between tries, at most MAX_WAIT
MAX_WAIT = dt.timedelta(minutes=5)
STREAK_WINDOW = dt.timedelta(hours=1)  # failures older than this no longer slow a terminal down
DAILY_CAP = 50  # wrong PINs a day for one account at the reception and command line together, and
# (counted apart) at the visitor screen: then it refuses PINs there until tomorrow
BURST = 5  # this many failures …
BURST_WINDOW = dt.timedelta(minutes=10)  # … within this long at one terminal and surface: shown to the office
WRONG = "Wrong username or PIN."


def this_terminal() -> str:
    """This terminal's name: ``$KIOSK_TERMINAL`` (each browser session of ``kiosk serve`` has
    its own), else the computer's."""
    return (os.environ.get("KIOSK_TERMINAL") or socket.gethostname() or "this computer")[:100]


def _wait_words(seconds: float) -> str:
    secs = max(1, int(-(-seconds // 1)))
    if secs < 60:
        return f"{secs} second{'s' if secs != 1 else ''}"
    mins = -(-secs // 60)
    return f"{mins} minute{'s' if mins != 1 else ''}"


def _backoff(terminal: str, surface: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(failures in the current streak, the time before which another try is refused)."""
    rows = list(
        AuthFailure.select(AuthFailure.at)
        .where(
            (AuthFailure.terminal == terminal)
            & (AuthFailure.surface == surface)
            & (AuthFailure.streak_over == False)
            & (AuthFailure.at > now - STREAK_WINDOW)
        )  # noqa: E712
        .order_by(AuthFailure.at.desc())
        .limit(1000)
    )
    n = len(rows)
    if n < FREE_FAILURES:
        return n, None
    wait = min(dt.timedelta(seconds=2 ** (n - FREE_FAILURES + 1)), MAX_WAIT)
    return n, rows[0].at + wait


def _day_start(now: dt.datetime) -> dt.datetime:
    return day_bounds(local_day(now))[0]


def _pool(surface: str) -> Expression:
    """The failures that count toward a surface's daily cap: the visitor screen has its own,
    so guessing there never makes an account refuse PINs at the reception or command line."""
    if surface == VISITOR:
        return AuthFailure.surface == VISITOR
    return AuthFailure.surface != VISITOR


def failures_today(staff_id: int, now: dt.datetime, *, surface: str = RECEPTION) -> int:
    """Wrong PINs for this account since local midnight, not cleared by an admin, in the
    pool of ``surface`` (the visitor screen's own, or the reception's and command line's)."""
    return (
        AuthFailure.select()
        .where(
            (AuthFailure.staff_id == staff_id)
            & (AuthFailure.at >= _day_start(now))
            & (AuthFailure.unlocked == False)
            & _pool(surface)
        )  # noqa: E712
        .count()
    )


def capped(staff_id: int, now: dt.datetime, *, surface: str = RECEPTION) -> bool:
    return failures_today(staff_id, now, surface=surface) >= DAILY_CAP


def _clean_pin(pin: str | None) -> str:
    return (pin or "").strip()  # a PIN pasted or set in $KIOSK_PIN with spaces around it


def _clamped_wait(not_before: dt.datetime, now: dt.datetime) -> str:
    return _wait_words(min(max((not_before - now).total_seconds(), 1), MAX_WAIT.total_seconds()))


def authenticate(
    username: str,
    pin: str,
    *,
    now: dt.datetime | None = None,
    surface: str = COMMAND_LINE,
    terminal: str | None = None,
    action: str | None = None,
) -> Staff:
    """Check a username and PIN typed at ``surface`` of ``terminal`` (default: this computer).

    An empty PIN is not an attempt. An unknown username, a wrong PIN and an account over
    its daily cap get the same words after the same work. Failures slow down only that
    terminal and surface (:data:`FREE_FAILURES` free, then a growing wait). ``action``:
    only staff who may do it are accepted (anyone else is treated as an unknown username).

    The attempt is recorded as a failure, in a short write transaction that also checks
    the back-off and the cap, before the (slow) PIN check: parallel attempts see each
    other. A right PIN then removes that record in the transaction that audits the sign-in.
    """
    now = now or utcnow()
    terminal = (terminal or this_terminal())[:100]
    username = (username or "").strip().lower()
    pin = _clean_pin(pin)
    if not username:
        raise AuthError("Type your username.")
    if not pin:
        raise AuthError("Type your PIN.")
    _pepper(create=False)  # a missing key file is one plain line before anything is written
    with write_tx():
        _n, not_before = _backoff(terminal, surface, now)
        if not_before is not None and now < not_before:
            raise AuthError(f"Too many wrong PINs here: wait {_clamped_wait(not_before, now)}, then try again.")
        staff = Staff.get_or_none((Staff.username == username) & (Staff.active == True))  # noqa: E712
        if staff is not None and action is not None and not may(staff, action):
            staff = None  # e.g. the quit dialog: only an admin's PIN is ever checked there
        refused = staff is not None and surface != COMMAND_LINE and capped(staff.id, now, surface=surface)
        attempt = AuthFailure.create(at=now, terminal=terminal, surface=surface, staff_id=staff.id if staff else None)
    if staff is None or refused:
        _dummy_verify(pin)
        ok = False
    else:
        ok = pin_matches(staff, pin)  # outside the write transaction: argon2 takes a while
    if ok and staff is not None and not _bound_as_is(staff.id):
        # The right PIN, but the row (roles, active, classes' owner) is not what the log
        # last bound: roles given with sqlite3 must not act. The failure stays counted, and
        # the log says why.
        with write_tx():
            audit.append(
                None,
                "auth.failed",
                "staff",
                staff.id,
                {"surface": surface, "reason": "account changed outside the kiosk"},
                now,
            )
        raise AuthError(
            f"{staff.username}'s account was changed outside the kiosk: an admin must run kiosk audit verify."
        )  # two lines of the sign-in box
    if ok and staff is not None and surface != COMMAND_LINE and NIGHTLY in staff.role_set:
        # The nightly jobs' account: the right PIN, at a screen it may not use. Counted as a
        # failure (a PIN kept for the timers should never be typed at the reception), and logged.
        with write_tx():
            audit.append(None, "auth.failed", "staff", staff.id, {"surface": surface, "reason": "nightly jobs"}, now)
        raise AuthError("This account runs the nightly jobs only: it cannot sign in here.")
    if ok and staff is not None:
        old = staff.pin_hash
        new = None if old.startswith(PEPPERED) else hash_pin(pin, staff_id=staff.id, username=staff.username)
        with write_tx():
            details: dict = {"surface": surface}
            if new is not None:  # from before the PIN key: re-hashed now, audited with the sign-in
                if Staff.update(pin_hash=new).where((Staff.id == staff.id) & (Staff.pin_hash == old)).execute():
                    staff.pin_hash = new
                    details["rehashed"] = True
            AuthFailure.delete().where(AuthFailure.id == attempt.id).execute()  # not a wrong PIN after all
            AuthFailure.update(streak_over=True).where(
                (AuthFailure.terminal == terminal)
                & (AuthFailure.surface == surface)
                & (AuthFailure.streak_over == False)
            ).execute()  # noqa: E712
            if staff.pin_hash.startswith(PEPPERED):
                _remember_key_id()  # a database from before the fingerprint: the key that just worked
            audit.append(staff, "auth.login", "staff", staff.id, details, now)
        return staff
    with write_tx():
        audit.append(None, "auth.failed", "staff", staff.id if staff else None, {"surface": surface}, now)
    n, not_before = _backoff(terminal, surface, now)
    if not_before is not None:
        raise AuthError(f"{WRONG} Wait {_clamped_wait(not_before, now)} before the next try.")
    raise AuthError(WRONG)


def unlock(username: str, *, actor: object = None, now: dt.datetime | None = None) -> None:
    """An admin clears an account's wrong PINs from its daily count (audited)."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    with write_tx():
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None:
            raise NotFound(f"There is no member of staff called {username!r}.")
        cleared = (
            AuthFailure.update(unlocked=True)
            .where((AuthFailure.staff_id == staff.id) & (AuthFailure.unlocked == False))  # noqa: E712
            .execute()
        )
        if staff.failed_attempts or staff.locked_until is not None:  # the lockout columns of older versions
            Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == staff.id).execute()
        audit.append(actor, "auth.unlock", "staff", staff.id, {"cleared": cleared}, now)


def locked_message(staff: Staff, now: dt.datetime) -> str | None:
    if capped(staff.id, now):
        return f"refuses PINs until tomorrow after {DAILY_CAP} wrong PINs today"
    if capped(staff.id, now, surface=VISITOR):
        return f"refuses PINs at the visitor screen until tomorrow after {DAILY_CAP} wrong PINs there today"
    return None


def capped_accounts(now: dt.datetime) -> list[str]:
    """Usernames over today's cap of wrong PINs (for the office and admin)."""
    ids: set[int] = set()
    for surface in (RECEPTION, VISITOR):  # the visitor screen's own cap, and everywhere else's
        rows = _rows(
            AuthFailure.select(AuthFailure.staff_id, fn.COUNT(AuthFailure.id).alias("n"))
            .where(
                (AuthFailure.staff_id.is_null(False))
                & (AuthFailure.at >= _day_start(now))
                & (AuthFailure.unlocked == False)
                & _pool(surface)
            )  # noqa: E712
            .group_by(AuthFailure.staff_id)
        )
        ids |= {staff_id for staff_id, n in rows if n >= DAILY_CAP}
    if not ids:
        return []
    return [s.username for s in Staff.select(Staff.username).where(Staff.id.in_(ids)).order_by(Staff.username)]


def bursts(now: dt.datetime, *, here: str | None = None) -> list[str]:
    """One line per terminal and surface with :data:`BURST` or more wrong PINs in the last
    :data:`BURST_WINDOW`: how many since the burst began (no gap over the window), and when."""
    here = here or this_terminal()
    recent = _rows(
        AuthFailure.select(AuthFailure.terminal, AuthFailure.surface, fn.COUNT(AuthFailure.id).alias("n"))
        .where((AuthFailure.at > now - BURST_WINDOW) & (AuthFailure.at <= now))
        .group_by(AuthFailure.terminal, AuthFailure.surface)
    )
    lines = []
    for terminal, surface, n in recent:
        if n < BURST:
            continue
        times = [
            a.at
            for a in AuthFailure.select(AuthFailure.at)
            .where(
                (AuthFailure.terminal == terminal)
                & (AuthFailure.surface == surface)
                & (AuthFailure.at >= _day_start(now))
                & (AuthFailure.at <= now)
            )
            .order_by(AuthFailure.at.desc())
            .limit(5000)
        ]
        start, count = times[0], 0
        for t in times:
            if start - t > BURST_WINDOW:
                break
            start, count = t, count + 1
        where = SURFACE_WORDS.get(surface, surface) + ("" if terminal == here else f" of {terminal}")
        lines.append(f"{count} wrong PINs at {where} since {to_local(start):%H:%M}.")
    return sorted(lines)
