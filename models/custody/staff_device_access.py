"""Who may act on and read a member of staff's own device held for the LADO or the police.

Online safety policy 11.3: when a member of staff is thought to hold indecent images of
children, the headteacher is informed, the LADO is told and the device is quarantined
until police advice is sought. Such a device is a ``Device(kind="staff")`` linked to its
owner by a ``StaffDevice`` row. The rules, in one place for the ledger and the register:

* only the DSL and the headteacher (``hold_staff_device``) hold it, give it back or hand
  it to the police, and read its details;
* nobody acts on or reads about their own device;
* the headteacher's device is for the chair of governors (KCSIE Part 4: the head is often
  the DSL too) and for a DSL who is not a headteacher, never for a headteacher (as an
  allegation about the head is: ``models.safeguarding.concerns``); the chair holds, gives
  back and reads the headteacher's device and no one else's, and hands it to the police
  (or records its return from them) though the chair has no ``police`` permission, which
  stays for pupils' phones and other staff's devices (:func:`require_police`).
"""

from __future__ import annotations

from collections.abc import Iterable

from models.errors import PermissionDenied, RuleViolation
from models.staff.auth import CHAIR, DSL, HEADTEACHER, PERMISSIONS, require
from models.store.tables import Device, Staff, StaffDevice

STAFF_KIND = "staff"  # Device.kind of a member of staff's own device
STAFF_DEVICE_WITHHELD = "details for the DSL and the headteacher"
# The headteacher's own device: never for her (issue 15: "for the DSL and the headteacher"
# told the head she might read what the chair recorded about her device).
HEAD_DEVICE_WITHHELD = "details for the chair of governors and a DSL who is not the headteacher"


def withheld_words(owner: Staff) -> str:
    """Who may read the details of a hold of ``owner``'s device, as a history says it."""
    return HEAD_DEVICE_WITHHELD if _is_head(owner) else STAFF_DEVICE_WITHHELD


def owner_of(device_id: int) -> Staff | None:
    """The member of staff whose device this is, or None for any other device."""
    link = StaffDevice.get_or_none(StaffDevice.device == device_id)
    return Staff.get_or_none(Staff.id == link.staff_id) if link is not None else None


def _is_head(staff: Staff) -> bool:
    return HEADTEACHER in staff.role_set


def may_read(reader: Staff | Iterable[str], owner: Staff | None) -> bool:
    """Whether ``reader`` may read the details of a hold of ``owner``'s device (None: not a
    staff device, so this rule says nothing and the ledger's own applies)."""
    if owner is None:
        return True
    if not isinstance(reader, Staff):
        return False  # a report for nobody in particular never reads a staff device's details
    if reader.id == owner.id:
        return False
    roles = reader.role_set
    if _is_head(owner):
        return HEADTEACHER not in roles and bool(roles & {CHAIR, DSL})
    return bool(roles & {DSL, HEADTEACHER})


def require_act(actor: Staff | None, owner: Staff, *, doing: str | None = None) -> None:
    """Refuse (one line) unless ``actor`` may take, give back or hand to the police ``owner``'s device."""
    require(actor, "hold_staff_device", doing=doing)
    assert actor is not None  # require refuses nobody
    if actor.id == owner.id:
        raise PermissionDenied("Nobody records the holding of their own device: ask the DSL or the headteacher.")
    if _is_head(owner) and HEADTEACHER in actor.role_set:
        raise PermissionDenied(
            "A headteacher's device is held by the chair of governors or a DSL who is not a headteacher."
        )
    if not _is_head(owner) and not actor.role_set & (PERMISSIONS["hold_staff_device"] - {CHAIR}):
        raise PermissionDenied(
            "The chair of governors holds only the headteacher's own device: ask the DSL or the headteacher."
        )


def check_device(device: Device, actor: Staff | None, *, doing: str | None = None) -> None:
    """For the ledger's shared actions (police hand-over, undo): a staff device follows
    :func:`require_act` as well as the action's own permission."""
    if device.kind != STAFF_KIND:
        return
    owner = owner_of(device.id)
    if owner is None:
        raise RuleViolation("This staff device has no owner on record: it was written outside the kiosk.")
    require_act(actor, owner, doing=doing)


def require_police(device: Device, actor: Staff | None, *, doing: str) -> None:
    """Refuse (one line) unless ``actor`` may hand a member of staff's device to the police
    or record its return from them: :func:`require_act`, and the ``police`` permission,
    except for the chair of governors with the headteacher's own device (the head is often
    the DSL too: without this nobody could hand it over)."""
    owner = owner_of(device.id)
    if owner is None:
        raise RuleViolation("This staff device has no owner on record: it was written outside the kiosk.")
    if not (actor is not None and CHAIR in actor.role_set and _is_head(owner)):
        require(actor, "police", doing=doing)
    require_act(actor, owner, doing=doing)
