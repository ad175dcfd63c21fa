"""The school's own phones and tablets, and a member of staff's device held for the LADO or
the police (``models.custody.school_devices``): what the School devices screen and
``kiosk school-devices`` / ``kiosk staff-devices`` do, and Home's overdue line.

The domain checks every permission and rule again: a refusal is its one plain line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn


def _staff_id(username: str) -> int:
    from models.errors import NotFound
    from models.store.tables import Staff

    name = (username or "").strip().lower()
    row = Staff.get_or_none((Staff.username == name) & (Staff.active == True))  # noqa: E712
    if row is None:
        raise NotFound(f"There is no active member of staff called {username[:40]!r}.")
    return int(row.id)


@dataclass(frozen=True)
class SchoolDeviceLine:
    """One school device as the screen and the CLI show it."""

    asset_tag: str
    kind: str
    description: str
    passcode: str  # "set" or "NOT SET": whether a passcode is set, never the passcode
    status: str  # available | on loan | overdue | retired
    borrower: str
    purpose: str
    due_on: str  # YYYY-MM-DD or ""
    lent_on: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset_tag": self.asset_tag,
            "kind": self.kind,
            "description": self.description,
            "passcode": self.passcode,
            "status": self.status,
            "borrower": self.borrower,
            "purpose": self.purpose,
            "due_on": self.due_on,
            "lent_on": self.lent_on,
        }


def _line(r: Any) -> SchoolDeviceLine:
    return SchoolDeviceLine(
        r.asset_tag,
        r.kind,
        r.description,
        "set" if r.passcode_set else "NOT SET",
        r.status,
        r.borrower,
        r.purpose,
        r.due_on.isoformat() if r.due_on else "",
        r.lent_on.isoformat() if r.lent_on else "",
    )


def school_devices_list(who: SignedIn, now: dt.datetime) -> list[SchoolDeviceLine]:
    """Every school device with its status, overdue first."""
    from models.custody import school_devices

    return [_line(r) for r in school_devices.register(staff_row(who), now=now)]


def overdue_list(who: SignedIn, now: dt.datetime) -> list[SchoolDeviceLine]:
    from models.custody import school_devices

    return [_line(r) for r in school_devices.overdue(staff_row(who), now=now)]


def may_lend(who: SignedIn) -> bool:
    from models.staff.auth import PERMISSIONS

    return bool(who.roles & PERMISSIONS["lend_school_device"])


def may_manage(who: SignedIn) -> bool:
    from models.staff.auth import PERMISSIONS

    return bool(who.roles & PERMISSIONS["manage_school_devices"])


def may_see(who: SignedIn) -> bool:
    from models.staff.auth import PERMISSIONS

    return bool(who.roles & PERMISSIONS["view_school_devices"])


def overdue_line(who: SignedIn, now: dt.datetime) -> str | None:
    """Home's line for those who lend school devices: how many are overdue, or None."""
    if not may_lend(who):
        return None
    from models.custody import school_devices

    n = school_devices.overdue_count(now)
    if not n:
        return None
    return f"{n} school device{'s are' if n != 1 else ' is'} overdue back from loan: press D to see."


def borrowers(who: SignedIn) -> list[tuple[int, str]]:
    """Who a school device may be lent to: active members of staff who borrow one (not the IT
    admin account nor the chair of governors: ``school_devices.may_borrow``)."""
    from models.custody import school_devices
    from models.store.tables import Staff

    school_devices.require_register(staff_row(who))
    rows = Staff.select(Staff.id, Staff.display_name, Staff.roles).where(Staff.active == True)  # noqa: E712
    return [(int(s.id), s.display_name) for s in rows.order_by(Staff.display_name) if school_devices.may_borrow(s)]


def add_device(
    who: SignedIn, *, asset_tag: str, kind: str, description: str, passcode_set: bool, now: dt.datetime
) -> str:
    from models.custody import school_devices

    d = school_devices.add_device(
        staff_row(who), asset_tag=asset_tag, kind=kind, description=description, passcode_set=passcode_set, now=now
    )
    return f"{d.asset_tag} ({d.kind}) is on the register."


def lend(
    who: SignedIn,
    *,
    asset_tag: str,
    purpose: str,
    due_on: dt.date,
    now: dt.datetime,
    staff_id: int | None = None,
    staff_username: str | None = None,
    purpose_note: str = "",
) -> str:
    from models.custody import school_devices
    from models.store.tables import Staff

    actor = staff_row(who)
    from models.staff.auth import require

    require(actor, "lend_school_device")  # before a look-up says who has an account
    sid = staff_id if staff_id is not None else _staff_id(staff_username or "")
    e = school_devices.lend(
        actor, asset_tag=asset_tag, staff_id=sid, purpose=purpose, due_on=due_on, purpose_note=purpose_note, now=now
    )
    tag = school_devices.asset_tag_of(asset_tag)
    done = f"{tag} lent to {Staff.get_by_id(e.staff_id).display_name}, due back {due_on.isoformat()}."
    warning = school_devices.passcode_warning(tag)
    return done if warning is None else f"{done} {warning}"


def take_back(
    who: SignedIn, *, asset_tag: str, condition: str, now: dt.datetime, received_by_username: str | None = None
) -> str:
    from models.custody import school_devices
    from models.store.tables import Staff

    actor = staff_row(who)
    received = _staff_id(received_by_username) if received_by_username else None
    e = school_devices.take_back(actor, asset_tag=asset_tag, condition=condition, received_by_id=received, now=now)
    tag = school_devices.asset_tag_of(asset_tag)
    return f"{tag} returned: received by {Staff.get_by_id(e.received_by_id).display_name}."


def retire(who: SignedIn, *, asset_tag: str, reason: str, now: dt.datetime) -> str:
    from models.custody import school_devices

    school_devices.retire(staff_row(who), asset_tag=asset_tag, reason=reason, now=now)
    return f"{school_devices.asset_tag_of(asset_tag)} retired. Its record and loans are kept."


# ---------------------------------------------------------------- a member of staff's device


def hold_staff_device(
    who: SignedIn,
    *,
    pending: str,
    reason: str,
    description: str,
    now: dt.datetime,
    staff_username: str = "",
    staff_id: int | None = None,
) -> str:
    from models.custody import school_devices
    from models.staff.auth import require

    actor = staff_row(who)
    require(actor, "hold_staff_device")  # before a look-up says who has an account
    held = school_devices.hold_staff_device(
        actor,
        staff_id=staff_id if staff_id is not None else _staff_id(staff_username),
        pending=pending,
        reason=reason,
        description=description,
        now=now,
    )
    return (
        f"Device {held.device_id} of {held.owner} is held for the {school_devices.PENDING[pending]}: "
        f"put it in {held.place} and lock the tray."
    )


def return_to_staff(who: SignedIn, device_id: int, *, decision: str, now: dt.datetime) -> str:
    from models.custody import school_devices

    school_devices.return_to_staff(staff_row(who), device_id, decision=decision, now=now)
    return f"Device {device_id} is recorded as given back to the member of staff."


def staff_device_to_police(
    who: SignedIn,
    device_id: int,
    *,
    officer_name: str,
    officer_number: str,
    force_reference: str,
    now: dt.datetime,
    handed_at: dt.datetime | None = None,
) -> str:
    from models.custody import school_devices

    school_devices.staff_device_to_police(
        staff_row(who),
        device_id,
        officer=f"{officer_name.strip()}, number {officer_number.strip()}",
        force_reference=force_reference,
        handed_at=handed_at,
        now=now,
    )
    return f"Device {device_id} handed to the police, reference {force_reference.strip()}. This is final."


def staff_device_from_police(
    who: SignedIn,
    device_id: int,
    *,
    officer: str,
    reference: str,
    now: dt.datetime,
    next_steps: str | None = None,
    returned_at: dt.datetime | None = None,
) -> str:
    """The police give a member of staff's device back: the school holds it again (the line to show).
    ``officer``: who returned it, name and number."""
    from models.custody import ledger, school_devices
    from models.custody.trays import slot_name
    from models.store.tables import Tray

    event = school_devices.staff_device_from_police(
        staff_row(who),
        device_id,
        officer=officer,
        reference=reference,
        next_steps=next_steps,
        returned_at=returned_at,
        now=now,
    )
    if event.tray_id is not None and event.slot_no is not None:
        where = f"slot {slot_name(Tray.get_by_id(event.tray_id).name, event.slot_no)}"
    else:
        where = ledger.overflow_place_of(device_id)
    return (
        f"Device {device_id} is back from the police: hold it in {where} "
        "until it is decided to give it back to its owner."
    )


@dataclass(frozen=True)
class StaffDeviceLine:
    """One member of staff's device held (or once held), as the Staff devices screen shows it."""

    device_id: int
    owner: str
    description: str
    held_for: str  # "LADO" or "police"
    state: str  # in words: "held in slot C-01", "with the police", "returned to the member of staff"
    since: str  # local time, "YYYY-MM-DD HH:MM"
    stage: str  # "held", "police" or "returned": what may be recorded next
    latest: tuple[dt.datetime, str] | None  # its latest event (naive UTC, kind): nothing is dated before it
    police_reference: str  # the latest hand-over's reference, offered on its return


def staff_device_lines(who: SignedIn) -> list[StaffDeviceLine]:
    """The staff devices ``who`` may read about, newest first (the domain decides which)."""
    from models.custody import ledger, school_devices

    lines = []
    for r in school_devices.staff_devices(staff_row(who)):
        events = ledger.history(r.device_id)
        handed = [e for e in events if e.kind == ledger.POLICE_EV]
        lines.append(
            StaffDeviceLine(
                r.device_id,
                r.owner,
                r.description,
                r.pending,
                r.state,
                r.since,
                r.stage,
                (events[-1].at, events[-1].kind) if events else None,
                (handed[-1].force_reference or "") if handed else "",
            )
        )
    return lines


STAFF_RETURN_MEANING = (
    "The device comes back into the school's hands: the kiosk names a free slot (or the overflow "
    "place), and it stays there until it is decided to give it back to its owner (F3 or G)."
)
STAFF_RETURN_AFTER = "The device is then held by the school until it is given back (F3 or G)."


def staff_devices_summary(rows: list[StaffDeviceLine]) -> str:
    """The Staff devices screen's line above its list."""
    if not rows:
        return "No member of staff's device is held that you may see. F2 (or H) to hold one."
    held = sum(1 for r in rows if r.stage == "held")
    police = sum(1 for r in rows if r.stage == "police")
    back = len(rows) - held - police
    return f"{held} held by the school, {police} with the police, {back} given back."


def staff_device_detail(r: StaffDeviceLine | None) -> str:
    """The line under the list about the highlighted device, and the keys that apply to it."""
    if r is None:
        return ""
    head = f"{r.owner}'s {r.description}, held for the {r.held_for}: {r.state} since {r.since}."
    if r.stage == "held":
        return f"{head} F3 (or G) to give it back, F4 (or P) to hand it to the police."
    if r.stage == "police":
        return f"{head} F6 (or B) when the police give it back."
    return head


def staff_device_owners(who: SignedIn) -> list[tuple[int, str]]:
    """Whose device ``who`` may hold: active members of staff, never ``who``, and for the chair of
    governors the headteacher only (``staff_device_access.require_act``, the domain's own rule)."""
    from models.custody import staff_device_access
    from models.errors import PermissionDenied
    from models.staff.auth import PEOPLE, require
    from models.store.tables import Staff

    actor = staff_row(who)
    require(actor, "hold_staff_device")
    owners = []
    for s in Staff.select().where(Staff.active == True).order_by(Staff.display_name):  # noqa: E712
        if not s.role_set & set(PEOPLE):
            continue  # the nightly jobs' account is nobody's device
        try:
            staff_device_access.require_act(actor, s)
        except PermissionDenied:
            continue
        owners.append((int(s.id), s.display_name))
    return owners


def staff_devices_list(who: SignedIn) -> list[dict[str, Any]]:
    return [
        {
            "device": r.device_id,
            "owner": r.owner,
            "description": r.description,
            "held_for": r.held_for,
            "state": r.state,
            "since": r.since,
        }
        for r in staff_device_lines(who)
    ]
