"""Staff devices and the school's own devices (issue 15).

**A member of staff's own device held for the LADO or the police** (online safety policy
11.3: "quarantine any devices until police advice has been sought"). The DSL or the
headteacher registers it as a ``Device(kind="staff")`` linked to the member of staff
(``StaffDevice``) and holds it in the custody ledger, in a shared slot or the overflow
place as a confiscation is; it may then be handed to the police with the ledger's own
hand-over, or given back to the member of staff on a recorded decision. It is never
released to a pupil or to a pupil's contact, never confiscated or searched as a pupil's
phone is (``ledger._pupils_only``). Who may act and read: :mod:`models.custody.staff_device_access`.

**The school's own phones and tablets** (mobile technology policy 4: "a school mobile for
use on trips and residential"; online safety 9.5: protected by a passcode and used only by
staff). The register keeps the asset tag, the kind, a description and whether a passcode
is set: never the passcode. A device is lent to a member of staff (never a pupil or a
visitor: the borrower is a staff account) for a purpose with a due-back day, returned
(who received it, its condition), and retired. The loans, returns and retirements are an
append-only list of entries (``SchoolDeviceEntry``), each with its audit entry; a device
on loan cannot be lent again until it is back. The office and the leadership team (and the
headteacher) lend and take back (``lend_school_device``); admin and the headteacher keep
the register (``manage_school_devices``).

Audit entries carry ids, codes and dates, never a reason, a decision or a condition note.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, local_from_utc_naive, utcnow
from models.custody import ledger, staff_device_access
from models.custody.trays import overflow_place, place_for, slot_name
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.staff.auth import ADMIN, CHAIR, DSL, HEADTEACHER, LEADERSHIP, OFFICE, TEACHER, may, require
from models.store.tables import (
    CustodyEvent,
    Device,
    DeviceState,
    SchoolDevice,
    SchoolDeviceEntry,
    Staff,
    StaffDevice,
    Tray,
)
from models.text import Evidence, line_field, text_field

# ---------------------------------------------------------------- a member of staff's device

PENDING = {"lado": "LADO", "police": "police"}  # what the school holds it for
HOLD_REASON_LIMIT = 500
HOLD_REASON = Evidence("reason the device is held", "say in words why it is held")  # issue 15, f3
DECISION_LIMIT = 500


@dataclass(frozen=True)
class HeldStaffDevice:
    device_id: int
    event_id: int
    place: str  # "slot C-01", or the overflow place
    owner: str


def _active_staff(staff_id: int | None, what: str) -> Staff:
    staff = Staff.get_or_none((Staff.id == (staff_id or 0)) & (Staff.active == True))  # noqa: E712
    if staff is None:
        raise NotFound(f"Choose the member of staff {what}.")
    return staff


def hold_staff_device(
    actor: Staff,
    *,
    staff_id: int,
    pending: str,
    reason: str,
    description: str = "phone",
    now: dt.datetime | None = None,
) -> HeldStaffDevice:
    """Register a member of staff's device and hold it for the LADO or the police.

    Only the DSL or the headteacher records it, never for their own device; a headteacher's
    device is held by the chair of governors or a DSL who is not a headteacher
    (:mod:`models.custody.staff_device_access`).
    """
    now = now or utcnow()
    if pending not in PENDING:
        raise ValidationError("Say whom the device is held for: the LADO or the police.")
    reason = HOLD_REASON.check(reason, limit=HOLD_REASON_LIMIT)
    description = line_field(description or "phone", "device's description")
    with write_tx():
        require(actor, "hold_staff_device")
        owner = _active_staff(staff_id, "whose device it is")
        staff_device_access.require_act(actor, owner)
        device = Device.create(
            kind=staff_device_access.STAFF_KIND, pupil=None, description=description, registered_at=now
        )
        row = DeviceState.create(device=device, state=ledger.OUT, since=now)
        StaffDevice.create(device=device, staff=owner, pending=pending, recorded_by=actor, recorded_at=now)
        audit.append(
            actor, "staff_device.register", "device", device.id, {"staff_id": owner.id, "pending": pending}, now
        )
        tray, slot_no = place_for(None)
        if tray is None:  # no free slot: the overflow place, as a confiscation would be
            place = overflow_place()
            event, _ = ledger._append(
                device.id,
                ledger.HELD_STAFF,
                actor,
                now,
                row=row,
                reason=reason,
                policy=PENDING[pending],
                note=f"{ledger.OVERFLOW_NOTE}{place}",
                audit_details={"overflow": place, "staff_id": owner.id},
            )
        else:
            event, _ = ledger._append(
                device.id,
                ledger.HELD_STAFF,
                actor,
                now,
                row=row,
                tray_id=tray.id,
                slot_no=slot_no,
                reason=reason,
                policy=PENDING[pending],
                audit_details={"staff_id": owner.id},
            )
            place = f"slot {slot_name(tray.name, slot_no)}"
        return HeldStaffDevice(device.id, event.id, place, owner.display_name)


def return_to_staff(actor: Staff, device_id: int, *, decision: str, now: dt.datetime | None = None) -> CustodyEvent:
    """Give a held staff device back to its owner, on the decision recorded here (DSL or head)."""
    now = now or utcnow()
    decision = text_field(decision, "decision to give the device back", limit=DECISION_LIMIT)
    with write_tx():
        device = Device.get_or_none(Device.id == device_id)
        if device is None or device.kind != staff_device_access.STAFF_KIND:
            raise NotFound("There is no such member of staff's device.")
        staff_device_access.check_device(device, actor)
        row = ledger.state_of(device.id)
        if row.state == ledger.POLICE:
            raise RuleViolation("This device was handed to the police: it is for the police to give back.")
        if row.state != ledger.CONFISCATED:
            raise RuleViolation("This device is not held by the school.")
        event, _ = ledger._append(device.id, ledger.RETURNED_TO_STAFF, actor, now, row=row, reason=decision)
        return event


def staff_device_to_police(
    actor: Staff,
    device_id: int,
    *,
    officer: str,
    force_reference: str,
    handed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """Hand a held staff device to the police: the ledger's own hand-over (final), for a staff
    device only, by the DSL or the headteacher (never the owner; ``ledger.hand_to_police``)."""
    device = Device.get_or_none(Device.id == device_id)
    if device is None or device.kind != staff_device_access.STAFF_KIND:
        raise NotFound("There is no such member of staff's device.")
    return ledger.hand_to_police(
        device_id, actor, officer=officer, force_reference=force_reference, handed_at=handed_at, now=now
    )


def staff_device_from_police(
    actor: Staff,
    device_id: int,
    *,
    officer: str,
    reference: str,
    next_steps: str | None = None,
    returned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """The police give a member of staff's device back: the ledger's own return
    (``ledger.return_from_police``), for a staff device only. It is held by the school again, in a
    free slot or the overflow place, until it is given back to its owner (:func:`return_to_staff`);
    by the DSL or the headteacher, the chair for the headteacher's own, never the owner."""
    device = Device.get_or_none(Device.id == device_id)
    if device is None or device.kind != staff_device_access.STAFF_KIND:
        raise NotFound("There is no such member of staff's device.")
    return ledger.return_from_police(
        device_id, actor, officer=officer, reference=reference, next_steps=next_steps, returned_at=returned_at, now=now
    )


@dataclass(frozen=True)
class StaffDeviceRow:
    device_id: int
    owner: str
    description: str
    pending: str  # "LADO" or "police"
    state: str  # in words: "held in slot C-01", "with the police", "returned"
    since: str  # local time, "YYYY-MM-DD HH:MM"
    stage: str = ""  # "held", "police" or "returned": what may be recorded next


def staff_devices(reader: Staff) -> list[StaffDeviceRow]:
    """The staff devices ``reader`` may read about, newest first (DSL, head; the chair for the head's)."""
    if not (may(reader, "hold_staff_device") or CHAIR in reader.role_set):
        require(reader, "hold_staff_device")
    rows = []
    trays = {t.id: t.name for t in Tray.select(Tray.id, Tray.name)}
    for link in StaffDevice.select().order_by(StaffDevice.id.desc()):
        owner = Staff.get_by_id(link.staff_id)
        if not staff_device_access.may_read(reader, owner):
            continue
        st = ledger.state_of(link.device_id)
        if st.state == ledger.CONFISCATED:
            where = (
                f"slot {slot_name(trays[st.tray_id], st.slot_no)}"
                if st.tray_id is not None and st.slot_no is not None
                else ledger.overflow_place_of(link.device_id)
            )
            state, stage = f"held in {where}", "held"
        elif st.state == ledger.POLICE:
            state, stage = "with the police", "police"
        else:
            state, stage = "returned to the member of staff", "returned"
        device = Device.get_by_id(link.device_id)
        rows.append(
            StaffDeviceRow(
                link.device_id,
                owner.display_name,
                device.description,
                PENDING[link.pending],
                state,
                local_from_utc_naive(st.since)[:16],
                stage,
            )
        )
    return rows


# ---------------------------------------------------------------- the school's own devices

DEVICE_KINDS = {"phone": "phone", "tablet": "tablet"}
PURPOSES = {"trip": "school trip", "residential": "residential", "other": "other"}
LOAN, RETURN, RETIRE = "loan", "return", "retire"
AVAILABLE, ON_LOAN, OVERDUE, RETIRED = "available", "on loan", "overdue", "retired"
MAX_LOAN_DAYS = 60  # the longest loan: a residential, a term's trips
NOTE_LIMIT = 200
_ASSET_TAG = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")


def asset_tag_of(text: str | None) -> str:
    tag = "".join((text or "").split()).upper()
    if not _ASSET_TAG.match(tag):
        raise ValidationError("An asset tag is 2 to 30 letters, digits or dashes, e.g. SCH-PH-01.")
    return tag


def _device(tag: str) -> SchoolDevice:
    device = SchoolDevice.get_or_none(SchoolDevice.asset_tag == asset_tag_of(tag))
    if device is None:
        raise NotFound(f"No school device has the asset tag {asset_tag_of(tag)}.")
    return device


def _entries(device_id: int) -> list[SchoolDeviceEntry]:
    return list(SchoolDeviceEntry.select().where(SchoolDeviceEntry.device == device_id).order_by(SchoolDeviceEntry.id))


def _open_loan(entries: list[SchoolDeviceEntry]) -> SchoolDeviceEntry | None:
    returned = {e.loan_id for e in entries if e.kind == RETURN}
    loans = [e for e in entries if e.kind == LOAN and e.id not in returned]
    return loans[-1] if loans else None


def _retired(entries: list[SchoolDeviceEntry]) -> SchoolDeviceEntry | None:
    return next((e for e in entries if e.kind == RETIRE), None)


def require_register(actor: Staff | None) -> None:
    """Refuse unless ``actor`` may see the register (those who lend, and those who keep it)."""
    require(actor, "view_school_devices")


# Who borrows a school device: staff who take one on a trip or a residential. Not the IT
# admin account (it keeps the kiosk) nor the chair of governors; a member of staff who also
# administers borrows as their other role.
BORROWER_ROLES = frozenset({OFFICE, TEACHER, LEADERSHIP, HEADTEACHER, DSL})
assert ADMIN not in BORROWER_ROLES and CHAIR not in BORROWER_ROLES


def may_borrow(staff: Staff) -> bool:
    """Whether a school device may be lent to ``staff`` (:data:`BORROWER_ROLES`)."""
    return bool(staff.role_set & BORROWER_ROLES)


# A passcode or PIN written into the register (issue 15; mobile technology policy 4 and M4:
# the register records "passcode set", never the passcode): a run of 4 or more digits next to
# a word that names one ("passcode 1234", "PIN: 482916", "code is 0000", "1234 is the pin").
# "code" after a word that makes it something else ("asset code", "post code") is not one.
_SECRET = r"pass\s*code|pass\s*word|passwd|pin(?:\s*(?:code|number|no\.?))?|unlock(?:\s*code)?|code"
_NAMED_THEN_DIGITS = re.compile(
    rf"(?:\b(\w+)\s+)?\b({_SECRET})\b[\s:=#.\-]*(?:(?:is|was|now|set\s+to|to|=)\s*[:\-]?\s*)?\(?\d{{4,}}\b",
    re.IGNORECASE,
)
_DIGITS_THEN_NAMED = re.compile(
    rf"\b\d{{4,}}\s*(?:is|was|=|-|:)?\s*(?:(?:the|its|my)\s+)?(?:{_SECRET})\b", re.IGNORECASE
)
_NOT_A_SECRET = frozenset({"asset", "bar", "post", "product", "model", "serial", "qr", "area", "dialling", "country"})


# What a walk (h8) got past the two patterns above: a passcode written as spaced or dashed
# single digits ("4 8 2 1", "4-8-2-1") or as number words ("four eight two one"), with a
# letter for a digit ("482l"), or a few words after the word that names it ("Unlocks with
# 1234", "code to open it 482l", "lock 9999").
_SPACED_DIGITS = re.compile(r"(?<![\w/])\d(?:[\s\-.,/]+\d(?![\w/])){3,}")
_NUMBER_WORD = r"(?:zero|nought|oh|one|two|three|four|five|six|seven|eight|nine)"
_NUMBER_WORDS = re.compile(rf"\b{_NUMBER_WORD}(?:[\s,\-]+{_NUMBER_WORD}){{3,}}\b", re.IGNORECASE)
_KEYWORD = re.compile(r"pass(?:code|word)?|passwd|pins?|codes?|unlock\w*|lock|locks|lockscreen", re.IGNORECASE)
_DIGIT_LIKE = re.compile(r"(?=(?:[^\d]*\d){3})[\dlIoO]{4,}")
_NEAR = 4  # words after the word that names a passcode


def _named_nearby(text: str) -> bool:
    """A word naming a passcode, then within :data:`_NEAR` words a run of four or more
    digits (a letter l, I or O may stand for one)."""
    words = [w.strip(".,;:()[]'\"!?=#-") for w in text.split()]
    for i, word in enumerate(words):
        if not _KEYWORD.fullmatch(word):
            continue
        before = words[i - 1].lower() if i else ""
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        if word.lower().startswith("code") and before in _NOT_A_SECRET or after == "badge":
            continue
        if any(_DIGIT_LIKE.fullmatch(w) for w in words[i + 1 : i + 1 + _NEAR]):
            return True
    return False


# What a new-user walk got past the rules above (issue 15): a word naming a passcode followed by
# its value, digits or not ("password hunter2", "pass: Tr1p!", "passcode = mereworth", "passcode
# set to school postcode ME18 5NB"), and a bare number of 4 to 8 digits ("Trip phone 482916").
# Still passing: what says only that a passcode is set ("passcode set by the office", "password
# protected", "PIN: none"), a year ("iPad 7 (2019)"), a date, and a number labelled as something
# else ("asset tag 2024-017", "barcode 50012345", "IMEI …", "pin badge 1234").
_NAMING = r"pass\s*code|pass\s*word|pass\s*phrase|passwd|pass|pin|code|unlock"
_NAMED_VALUE = re.compile(
    rf"(?:\b([\w']+)\s+)?\b({_NAMING})\b"  # the word naming it (and the word before, for "bus pass")
    r"(?:\s*[:=]\s*|\s+[\-\u2013\u2014]\s+|\s+(?:(?:is|was)\s+(?:now|(?:set|changed|reset)\s+to)|(?:set|changed|reset)\s+to|is|was|now|to)\s+|\s+)"  # ":" "=" "is" "set to" or a space
    r"(\S+)",  # the value's first word
    re.IGNORECASE,
)
# After a word naming a passcode, a word that says something about it, not what it is.
_NOT_A_VALUE = frozenset(
    "set on off enabled disabled required needed known unknown held kept changed reset protected protection "
    "lock locked locks screen in with by at from for of not none no yes n/a na nil a an and or is was be "
    "being stored written recorded shared given managed applied active only face touch fingerprint id "
    "the this that it its same holder badge card tag number no. sticker label needs need resetting expired "
    "expires policy manager reminder change changes must should will".split()
)
_WORD_SECRETS = frozenset({"password", "passphrase", "passwd", "passcode"})  # a value may be a word
# After "PIN is", "code:", "passcode set to" (a connector), a word that begins a description of
# the value ("PIN is the school postcode", "passcode is the same as …"): the passcode, in other
# words (a tester's walk, issue 15). "passcode is set", "PIN: none" still pass.
_DESCRIBES_A_VALUE = frozenset("the this that these those a an its same my our their his her your".split())
_NOT_A_PASS = frozenset({"bus", "boarding", "day", "hall", "library", "travel", "visitor", "visitors", "season"})
_BARE_NUMBER = re.compile(r"(?<![\w/.\-:])(\d{4,8})(?![\w/.\-:]|\.\d)")
_LABELS = _NOT_A_SECRET | frozenset(
    {
        "tag",
        "serial",
        "barcode",
        "postcode",
        "imei",
        "badge",
        "no",
        "number",
        "ref",
        "reference",
        "order",
        "invoice",
        "room",
        "year",
        "sn",
        "asset",
        "model",
        "version",
        "ios",
        "android",
    }
)


def _named_value(text: str) -> bool:
    """A word naming a passcode followed by a value (:data:`_NAMED_VALUE`): after ":", "=",
    "is" or "set to", any word not in :data:`_NOT_A_VALUE`; straight after the word, only a
    word of four or more characters with a digit or a symbol ("password hunter2")."""
    for m in _NAMED_VALUE.finditer(text):
        before, word, value = (m.group(1) or "").lower(), m.group(2).lower(), m.group(3)
        if word == "code" and before in _NOT_A_SECRET or word == "pass" and before in _NOT_A_PASS:
            continue
        bare = value.strip(".,;()[]'\"!?").lower()
        between = text[m.end(2) : m.start(3)]
        if between.strip() and bare in _DESCRIBES_A_VALUE:  # "PIN is the school postcode"
            return True
        if not bare or bare in _NOT_A_VALUE:
            continue
        if between.strip():  # ":", "=", "is", "set to": what follows is the value
            return True
        if len(bare) >= 4 and re.search(r"\d", bare) or re.search(r"[!@#$%^&*+=~?]", value):
            return True
        if word.replace(" ", "") in _WORD_SECRETS:  # "password mereworth": a word is its value
            return True
    return False


def _bare_number(text: str) -> bool:
    """A number of 4 to 8 digits standing alone (not in a date, a tag like "2024-017", a
    decimal), not a year from 1990 to 2039, and not labelled by one of the two words before it."""
    for m in _BARE_NUMBER.finditer(text):
        number = m.group(1)
        if len(number) == 4 and 1990 <= int(number) <= 2039:
            continue
        before = re.sub(r"[^\w\s]", " ", text[: m.start()]).lower().split()[-2:]
        if any(w in _LABELS for w in before):
            continue
        return True
    return False


def passcode_problem(value: str | None, what: str) -> str | None:
    """The refusal, naming the field, when ``value`` looks like it holds a passcode or PIN; else None."""
    text = value or ""
    named = any(
        not (m.group(2).lower() == "code" and (m.group(1) or "").lower() in _NOT_A_SECRET)
        for m in _NAMED_THEN_DIGITS.finditer(text)
    )
    if (
        named
        or _DIGITS_THEN_NAMED.search(text)
        or _SPACED_DIGITS.search(text)
        or _NUMBER_WORDS.search(text)
        or _named_nearby(text)
        or _named_value(text)
        or _bare_number(text)
    ):
        return (
            f"The {what} looks like it holds a passcode or PIN: take it out. The register records only "
            "whether a passcode is set, never the passcode (mobile technology policy 4)."
        )
    return None


def refuse_passcode(value: str | None, what: str) -> None:
    """Refuse (ValidationError, one line) text that looks like it holds a passcode or PIN."""
    if (problem := passcode_problem(value, what)) is not None:
        raise ValidationError(problem)


def passcode_warning(asset_tag: str) -> str | None:
    """One line for whoever lends a device the register says has no passcode set, or None.

    Mobile technology policy 4 (online safety 9.5): school devices "will be suitably
    protected via a passcode/password/PIN". The loan is not refused: the register records
    a passcode only when the device is added, so a refusal would strand the device; the
    warning tells the lender to set one before it goes out."""
    device = _device(asset_tag)
    if device.passcode_set:
        return None
    return f"Warning: {device.asset_tag} has no passcode set: set one before it goes out (mobile technology policy 4)."


def add_device(
    actor: Staff,
    *,
    asset_tag: str,
    kind: str,
    description: str,
    passcode_set: bool,
    now: dt.datetime | None = None,
) -> SchoolDevice:
    """Put one of the school's phones or tablets on the register (admin, head)."""
    now = now or utcnow()
    tag = asset_tag_of(asset_tag)
    if kind not in DEVICE_KINDS:
        raise ValidationError("A school device is a phone or a tablet.")
    description = line_field(description, "device's description")
    refuse_passcode(description, "device's description")
    if not isinstance(passcode_set, bool):
        raise ValidationError("Say whether a passcode is set (yes or no).")
    with write_tx():
        require(actor, "manage_school_devices")
        if SchoolDevice.select().where(SchoolDevice.asset_tag == tag).exists():
            raise RuleViolation(f"Asset tag {tag} is already on the register.")
        device = SchoolDevice.create(
            asset_tag=tag,
            kind=kind,
            description=description,
            passcode_set=passcode_set,
            registered_by=actor,
            registered_at=now,
        )
        audit.append(
            actor, "school_device.add", "school_device", device.id, {"kind": kind, "passcode_set": passcode_set}, now
        )
        return device


def lend(
    actor: Staff,
    *,
    asset_tag: str,
    staff_id: int,
    purpose: str,
    due_on: dt.date,
    purpose_note: str = "",
    now: dt.datetime | None = None,
) -> SchoolDeviceEntry:
    """Lend a school device to a member of staff, for a purpose, due back on a day."""
    now = now or utcnow()
    today = local_day(now)
    if purpose not in PURPOSES:
        raise ValidationError("Choose the purpose: a school trip, a residential or other.")
    note = " ".join(line_field(purpose_note, "note on the purpose", NOTE_LIMIT).split()) if purpose_note else None
    refuse_passcode(note, "note on the purpose")
    if purpose == "other" and not note:
        raise ValidationError("Say what the device is for.")
    if isinstance(due_on, dt.datetime) or not isinstance(due_on, dt.date):
        raise ValidationError("Give the day the device is due back.")
    if not today <= due_on <= today + dt.timedelta(days=MAX_LOAN_DAYS):
        raise ValidationError(
            f"The device is due back between today and {today + dt.timedelta(days=MAX_LOAN_DAYS)} "
            f"(at most {MAX_LOAN_DAYS} days)."
        )
    with write_tx():
        require(actor, "lend_school_device")
        device = _device(asset_tag)
        borrower = _active_staff(staff_id, "who borrows the device")
        if not may_borrow(borrower):
            raise RuleViolation("A school device is lent only to a member of staff.")
        entries = _entries(device.id)
        gone = _retired(entries)
        if gone is not None:
            raise RuleViolation(f"{device.asset_tag} was retired on {local_from_utc_naive(gone.at)[:10]}.")
        out = _open_loan(entries)
        if out is not None:
            raise RuleViolation(
                f"{device.asset_tag} is already on loan to {Staff.get_by_id(out.staff_id).display_name}, "
                f"due back {out.due_on}: "
                "record its return first."
            )
        entry = SchoolDeviceEntry.create(
            device=device,
            kind=LOAN,
            at=now,
            recorded_by=actor,
            staff=borrower,
            purpose=purpose,
            purpose_note=note,
            due_on=due_on,
        )
        audit.append(
            actor,
            "school_device.loan",
            "school_device_entry",
            entry.id,
            {"device_id": device.id, "staff_id": borrower.id, "purpose": purpose, "due_on": due_on.isoformat()},
            now,
        )
        return entry


def take_back(
    actor: Staff,
    *,
    asset_tag: str,
    condition: str,
    received_by_id: int | None = None,
    now: dt.datetime | None = None,
) -> SchoolDeviceEntry:
    """Record a lent device's return: who received it (the recorder unless said) and its condition."""
    now = now or utcnow()
    condition = " ".join(line_field(condition, "device's condition", NOTE_LIMIT).split())
    refuse_passcode(condition, "device's condition")
    with write_tx():
        require(actor, "lend_school_device")
        device = _device(asset_tag)
        receiver = actor if received_by_id is None else _active_staff(received_by_id, "who received the device")
        if received_by_id is not None and not may(receiver, "lend_school_device"):
            raise PermissionDenied(f"{receiver.display_name} does not take school devices back: choose who did.")
        out = _open_loan(_entries(device.id))
        if out is None:
            raise RuleViolation(f"{device.asset_tag} is not on loan.")
        if now < out.at:
            raise RuleViolation("The return cannot be before the loan: check the kiosk's clock.")
        entry = SchoolDeviceEntry.create(
            device=device, kind=RETURN, at=now, recorded_by=actor, loan=out, received_by=receiver, note=condition
        )
        audit.append(
            actor,
            "school_device.return",
            "school_device_entry",
            entry.id,
            {"device_id": device.id, "loan_id": out.id, "received_by": receiver.id},
            now,
        )
        return entry


def retire(actor: Staff, *, asset_tag: str, reason: str, now: dt.datetime | None = None) -> SchoolDeviceEntry:
    """Take a device off the register for good (admin, head); kept with its loans."""
    now = now or utcnow()
    reason = " ".join(line_field(reason, "reason for retiring the device", NOTE_LIMIT).split())
    refuse_passcode(reason, "reason for retiring the device")
    with write_tx():
        require(actor, "manage_school_devices")
        device = _device(asset_tag)
        entries = _entries(device.id)
        if _retired(entries) is not None:
            raise RuleViolation(f"{device.asset_tag} is already retired.")
        if _open_loan(entries) is not None:
            raise RuleViolation(f"{device.asset_tag} is on loan: record its return before retiring it.")
        entry = SchoolDeviceEntry.create(device=device, kind=RETIRE, at=now, recorded_by=actor, note=reason)
        audit.append(actor, "school_device.retire", "school_device_entry", entry.id, {"device_id": device.id}, now)
        return entry


@dataclass(frozen=True)
class SchoolDeviceRow:
    asset_tag: str
    kind: str
    description: str
    passcode_set: bool
    status: str  # AVAILABLE, ON_LOAN, OVERDUE or RETIRED
    borrower: str = ""
    purpose: str = ""  # in words, with its note
    due_on: dt.date | None = None
    lent_on: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset_tag": self.asset_tag,
            "kind": self.kind,
            "description": self.description,
            "passcode_set": self.passcode_set,
            "status": self.status,
            "borrower": self.borrower,
            "purpose": self.purpose,
            "due_on": self.due_on.isoformat() if self.due_on else "",
            "lent_on": self.lent_on.isoformat() if self.lent_on else "",
        }


_ORDER = {OVERDUE: 0, ON_LOAN: 1, AVAILABLE: 2, RETIRED: 3}


def _rows(today: dt.date) -> list[SchoolDeviceRow]:
    by_device: dict[int, list[SchoolDeviceEntry]] = {}
    for e in SchoolDeviceEntry.select().order_by(SchoolDeviceEntry.id):
        by_device.setdefault(e.device_id, []).append(e)
    names = {s.id: s.display_name for s in Staff.select(Staff.id, Staff.display_name)}
    rows = []
    for d in SchoolDevice.select().order_by(SchoolDevice.asset_tag):
        entries = by_device.get(d.id, [])
        out = _open_loan(entries)
        tag, kind, desc, code = d.asset_tag, d.kind, d.description, bool(d.passcode_set)
        if _retired(entries) is not None:
            rows.append(SchoolDeviceRow(tag, kind, desc, code, RETIRED))
        elif out is not None:
            due = out.due_on or today
            purpose = PURPOSES[str(out.purpose)] + (f": {out.purpose_note}" if out.purpose_note else "")
            rows.append(
                SchoolDeviceRow(
                    tag,
                    kind,
                    desc,
                    code,
                    OVERDUE if due < today else ON_LOAN,
                    borrower=names.get(out.staff_id, ""),
                    purpose=purpose,
                    due_on=due,
                    lent_on=local_day(out.at),
                )
            )
        else:
            rows.append(SchoolDeviceRow(tag, kind, desc, code, AVAILABLE))
    rows.sort(key=lambda r: (_ORDER[r.status], r.due_on or dt.date.max, r.asset_tag))
    return rows


def register(actor: Staff, *, now: dt.datetime | None = None) -> list[SchoolDeviceRow]:
    """Every school device with its status: overdue first (longest overdue first), then on loan, available, retired."""
    require_register(actor)
    return _rows(local_day(now or utcnow()))


def overdue(actor: Staff, *, now: dt.datetime | None = None) -> list[SchoolDeviceRow]:
    """The devices on loan past their due-back day, longest overdue first."""
    return [r for r in register(actor, now=now) if r.status == OVERDUE]


def overdue_count(now: dt.datetime | None = None) -> int:
    """How many school devices are overdue (for Home's line; the caller decides who sees it)."""
    today = local_day(now or utcnow())
    returned = SchoolDeviceEntry.select(SchoolDeviceEntry.loan).where(SchoolDeviceEntry.kind == RETURN)
    return (
        SchoolDeviceEntry.select()
        .where(
            (SchoolDeviceEntry.kind == LOAN)
            & (SchoolDeviceEntry.due_on < today)
            & SchoolDeviceEntry.id.not_in(returned)
        )
        .count()
    )
