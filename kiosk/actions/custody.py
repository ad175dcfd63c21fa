"""A phone's custody: find it, show its chain, and the actions on it (confiscate, search,
hand to the police, release to a parent or carer, undo).

The forms' results (:class:`Confiscation`, :class:`SearchRecord`, :class:`PoliceHandover`)
are defined here, as the use cases' typed inputs; the dialogs build them. Every action
is checked again by ``models.custody.ledger``, whatever the screen offered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.reports.phones import ChecklistRow

# ---------------------------------------------------------------- the forms' results


@dataclass(frozen=True)
class Confiscation:
    reason: str
    policy: str
    category: str  # a key of models.custody.ledger.CATEGORIES


@dataclass(frozen=True)
class SearchRecord:
    consent_by: str  # "pupil" | "parent" | "refused_pupil" | "refused_parent" (models.custody.ledger.CONSENT_BY)
    consent_contact_id: int | None
    witness: str | None  # None: there was no witness (``no_witness_reason`` says why)
    grounds: str
    outcome: str  # what was done with what was found: a key of models.custody.ledger.SEARCH_OUTCOMES
    # (That the parents were told is its own record, whenever it happens: ParentsInformed,
    # models.safeguarding.parents; the search's own columns hold old records' only.)
    # DfE "Searching, screening and confiscation" (2022): the rest of the record
    item_sought: str = ""
    location: str = ""
    no_witness_reason: str | None = None
    others_present: str | None = None
    found_what: str | None = None  # None: nothing was found
    follow_up: str | None = None
    searched_at: dt.datetime | None = None  # when it happened (naive UTC), if written up later; None: now


@dataclass(frozen=True)
class DslDecision:
    decision: str  # a key of models.custody.ledger.DECISIONS
    note: str


@dataclass(frozen=True)
class PoliceHandover:
    officer_name: str
    officer_number: str
    force_reference: str
    handed_at: dt.datetime  # naive UTC

    @property
    def officer(self) -> str:
        """The officer as stored on the custody event (``officer`` field)."""
        return f"{self.officer_name}, number {self.officer_number}"


@dataclass(frozen=True)
class PoliceReturn:
    """A phone given back by the police (``models.custody.ledger.return_from_police``)."""

    officer: str  # who returned it: name and number
    reference: str
    next_steps: str | None  # what happens next (optional)
    returned_at: dt.datetime  # naive UTC


# ---------------------------------------------------------------- a phone, shown


@dataclass(frozen=True)
class PhoneView:
    """Everything the history screen shows about one phone."""

    device_id: int
    code: str
    description: str
    owner: str
    class_name: str
    admission_no: str
    state: str
    state_text: str
    chain: tuple[str, ...]  # oldest first
    undo: tuple[int, str] | None  # the latest action that can be reversed: (event id, line)
    contacts: tuple[tuple[int, str], ...]  # listed contacts (search consent)
    collectors: tuple[tuple[int, str], ...]  # listed contacts who may collect (release)
    refusals: dict[str, str] = field(default_factory=dict)  # action -> why it cannot be done now
    latest: tuple[dt.datetime, str] | None = None  # the latest event's time (naive UTC) and kind
    slot: str = ""  # where the school holds it now, e.g. "B-01"
    note: str = ""  # shown on opening, e.g. why a retired label's phone is read-only
    hold: str = ""  # held for the DSL (models.custody.dsl_hold.HOLDS)
    police_reference: str = ""  # the latest hand-over's reference, for a reader who may read it
    # the latest confiscation or search the parents may be told of (F3): (event id, words, time)
    inform_about: tuple[int, str, dt.datetime] | None = None
    told: tuple[str, ...] = ()  # parents informed and police contacts, for this reader (oldest first)
    # what a call to the police about it is about (F10: not dated before it): (time, noun)
    police_call_about: tuple[dt.datetime, str] | None = None
    # the police were called about it (this incident): nothing is deleted from it (the search form)
    police_contacted: bool = False


@dataclass(frozen=True)
class NameMatches:
    """The phones of the pupils matching what was typed: (device id or None, line) each."""

    text: str
    found: tuple[tuple[int | None, str], ...]


def visitor_owner(device_id: int) -> str:
    """A visitor's phone is shown with the visitor's name."""
    from models.visitors.visits import names_for_devices

    name = names_for_devices([device_id]).get(device_id)
    return f"{name} (visitor)" if name else "Visitor"


def contact_label(contact: Any) -> str:
    return f"{contact.name} ({contact.relationship})" if contact.relationship else contact.name


def _refusal(check: Callable[[], None]) -> str | None:
    from models.errors import KioskError

    try:
        check()
    except KioskError as exc:
        return str(exc)
    return None


def load_phone(
    who: SignedIn, code: str | None = None, device_id: int | None = None, now: dt.datetime | None = None
) -> PhoneView:
    """A phone, found by label code or device id, with its chain of custody and what ``who`` may do
    (``now``: the terminal's clock, for what may still be undone today)."""
    from models.clock import local_from_utc_naive
    from models.custody import ledger as custody
    from models.custody.devices import current_label, resolve, retired_label_device
    from models.custody.dsl_hold import held_for_dsl
    from models.custody.trays import slot_name
    from models.errors import NotFound, RevokedCode, RuleViolation
    from models.safeguarding.parents import police_call_about
    from models.school.people import contacts_of
    from models.staff.auth import ACTION_WORDS, may_read_details, require
    from models.store.tables import Device

    read_only = ""
    device: Any
    if code is not None:
        try:
            device = resolve(code).device
        except RevokedCode:
            retired = retired_label_device(code)
            if retired is None:
                raise
            device, why = retired
            read_only = f"{why} Its history, read-only."
    else:
        device = Device.get_or_none(Device.id == device_id)
        if device is None:
            raise NotFound("There is no such phone.")
    staff = staff_row(who)
    pupil = device.pupil if device.pupil_id else None
    class_id = pupil.school_class_id if pupil else None
    label = current_label(device)
    row = custody.state_of(device.id)
    cur = custody.Custody(row.state, row.tray_id, row.slot_no, row.dsl_hold or "")
    tray = row.tray if row.tray_id else None
    slot = slot_name(tray.name, row.slot_no) if tray is not None and row.slot_no else ""
    state_text = custody.STATE_WORDS.get(row.state, row.state).capitalize()
    if slot:
        state_text += f", slot {slot}"
    events = custody.history(device.id)
    if not events and device.registered_at:  # nothing happened "since": say when it was registered
        state_text += f" (registered {local_from_utc_naive(device.registered_at)})"
    elif row.since:
        state_text += f" (since {local_from_utc_naive(row.since)})"
    if held_for_dsl(row.dsl_hold):
        state_text += ": held for the DSL" if row.dsl_hold == custody.HOLD_DSL else ": kept for the police"

    undone_by = {e.reverses_id: e.id for e in events if e.reverses_id}
    # Each event edited outside the kiosk (or whose audit entry was) is marked on its own line,
    # as the records' check would judge it (models.custody.ledger.altered_events).
    altered = custody.altered_events(events)
    chain = tuple(
        f"#{e.id}  {custody.describe_event(e, reader=staff)}"
        + (f"  [undone by #{undone_by[e.id]}]" if e.id in undone_by else "")
        + (f"\n      {altered[e.id]}" if e.id in altered else "")
        for e in events
    )
    try:
        stack = custody.replay(events).undo_stack
        broken = ""
    except custody.LedgerError:  # edited outside the kiosk: still show the chain, but undo nothing
        stack, broken = (), "This phone's ledger does not replay: ask an admin to run kiosk audit verify."
    undo = None
    if stack:
        target = next(e for e in events if e.id == stack[-1][0])
        undo = (target.id, f"#{target.id}  {custody.describe_event(target, reader=staff)}")

    listed = contacts_of(pupil.id) if pupil else []
    contacts = tuple((c.id, contact_label(c)) for c in listed)
    collectors = tuple((c.id, contact_label(c)) for c in listed if c.can_collect)

    def allowed(permission: str, kind: str, outcome: str | None = None) -> Callable[[], None]:
        def check() -> None:
            require(staff, permission, school_class_id=class_id)
            custody.step(cur, kind, outcome=outcome)
            if kind in (custody.SEARCHED, custody.POLICE_EV):  # held for the DSL: the DSL decides
                custody.require_dsl_for(staff, cur.hold, permission)

        return check

    def release_check() -> None:
        allowed("release_to_contact", custody.RELEASED_TO_CONTACT)()
        if pupil is None:
            raise RuleViolation("This phone does not belong to a pupil.")
        if not collectors:
            raise RuleViolation(
                f"No parent or carer who may collect is listed for {pupil.full_name}: "
                "the phone cannot be released until one is added to the school's records."
            )

    def undo_check() -> None:
        if broken:
            raise RuleViolation(broken)
        if undo is None:
            raise RuleViolation("Nothing to undo: no action on this phone is left to reverse.")
        custody.check_undo(staff, next(e for e in events if e.id == stack[-1][0]), now=now)  # the domain's own rule

    refusals = {
        "confiscate": _refusal(allowed("confiscate", custody.CONFISCATED_EV)),
        "search": _refusal(allowed("search", custody.SEARCHED)),
        "dsl_decision": _refusal(allowed("dsl_decision", custody.DSL_DECISION, outcome="other")),
        "police": _refusal(allowed("police", custody.POLICE_EV)),
        "police_return": _refusal(allowed("police", custody.POLICE_RETURNED)),
        "release_contact": _refusal(release_check),
        "undo": _refusal(undo_check),
    }
    handover = next((e for e in reversed(events) if e.kind == custody.POLICE_EV), None)
    police_reference = (
        handover.force_reference
        if handover is not None and may_read_details(staff, handover.actor_id) and handover.force_reference
        else ""
    )
    from models.safeguarding import parents

    told = tuple(parents.phone_lines(device.id, staff))
    informable = [
        e
        for e in reversed(events)
        if e.kind in parents.INFORMABLE_KINDS
        and e.id not in undone_by
        and pupil is not None
        and may_read_details(staff, e.actor_id)
    ]
    told_of = set(parents.informed_for_events(e.id for e in informable))
    # the latest one still waiting for parents to be told, else the latest (a further entry)
    inform_event = next(
        (e for e in informable if e.id not in told_of and not e.parents_informed_at),
        informable[0] if informable else None,
    )

    def parents_check() -> None:
        if pupil is None:
            raise RuleViolation("This is a visitor's phone: there are no parents to tell.")
        if inform_event is None:
            raise RuleViolation(
                "No confiscation or search of this phone whose details you may read: nothing to tell the parents of."
            )
        custody.require_dsl_for(staff, cur.hold, "parents_informed")  # held for the DSL: the DSL decides

    def police_contact_check() -> None:
        require(staff, "police", school_class_id=class_id, doing=ACTION_WORDS["police_contact"])
        custody.require_dsl_for(staff, cur.hold, "police_contact")  # held for the DSL: the DSL decides

    refusals["parents"] = _refusal(parents_check)
    refusals["police_contact"] = _refusal(police_contact_check)
    if read_only:  # a retired label records nothing: every action refused, none offered
        refusals = dict.fromkeys(refusals, read_only)
    return PhoneView(
        device_id=device.id,
        code=label.code if label else "",
        description=device.description or "phone",
        owner=pupil.full_name if pupil else visitor_owner(device.id),
        class_name=pupil.school_class.name if pupil else "",
        admission_no=pupil.admission_no if pupil else "",
        state=row.state,
        state_text=state_text,
        chain=chain,
        undo=undo,
        contacts=contacts,
        collectors=collectors,
        refusals={k: v for k, v in refusals.items() if v is not None},
        latest=(events[-1].at, events[-1].kind) if events else None,
        slot=slot,
        note=" ".join(
            part
            for part in (
                read_only,
                (
                    f"{len(altered)} of this phone's records "
                    f"{'does' if len(altered) == 1 else 'do'} not match the audit chain (marked ALTERED): "
                    "do not rely on them; ask an admin to run kiosk audit verify."
                )
                if altered
                else "",
            )
            if part
        ),
        hold=row.dsl_hold or "",
        police_reference=police_reference,
        inform_about=(
            (
                inform_event.id,
                f"{custody.EVENT_NOUNS[inform_event.kind]} at {local_from_utc_naive(inform_event.at)}",
                inform_event.at,
            )
            if inform_event is not None
            else None
        ),
        told=told,
        police_call_about=police_call_about(device.id),
        police_contacted=custody.police_contacted(device.id),
    )


def find_by_name(text: str) -> NameMatches:
    """Pupils matching ``text`` and their phones."""
    from models.custody import ledger as custody
    from models.custody.devices import current_label
    from models.school.people import find_pupils
    from models.store.tables import Device

    found: list[tuple[int | None, str]] = []
    for pupil in find_pupils(text):
        who = f"{pupil.full_name} · {pupil.school_class.name} · {pupil.admission_no}"
        devices = list(Device.select().where(Device.pupil == pupil.id).order_by(Device.id))
        if not devices:
            found.append((None, f"{who} · no phone registered"))
        for device in devices:
            label = current_label(device)
            state = custody.STATE_WORDS.get(custody.state_of(device.id).state, "")
            found.append(
                (
                    device.id,
                    f"{who} · {device.description or 'phone'} {label.code if label else '(no label)'} · {state}",
                )
            )
    return NameMatches(text, tuple(found))


def confiscation_meaning(view: PhoneView) -> str:
    """What confiscating this phone does, in plain words, for the form to show first."""
    from models.custody import ledger as custody

    if view.state == custody.IN_TRAY:
        where = f"in slot {view.slot}" if view.slot else "in the tray"
        return (
            f"This phone is {where}. Confiscating it keeps it in the office until a listed parent or carer "
            f"collects it: it will not go back to {view.owner} at the end of the day."
        )
    return (
        f"This phone is with {view.owner}. Confiscating it means taking it now: the office keeps it in a slot "
        "until a listed parent or carer collects it."
    )


# ---------------------------------------------------------------- the actions on a phone


def _owner(device_id: int) -> str:
    from models.store.tables import Device

    device: Any = Device.get_by_id(device_id)
    return device.pupil.full_name if device.pupil_id else visitor_owner(device_id)


def _slot_of(event: Any) -> str:
    from models.custody.trays import slot_name
    from models.store.tables import Tray

    return slot_name(Tray.get_by_id(event.tray_id).name, event.slot_no) if event.tray_id and event.slot_no else ""


def confiscate(who: SignedIn, device_id: int, confiscation: Confiscation, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    event = custody.confiscate(
        device_id,
        staff_row(who),
        category=confiscation.category,
        reason=confiscation.reason,
        policy=confiscation.policy,
        now=now,
    )
    slot = _slot_of(event)
    done = f"Confiscated {_owner(device_id)}'s phone: keep it in slot {slot}." if slot else "Confiscated."
    if confiscation.category == custody.NUDE_IMAGES:
        return f"{done} Held for the DSL: switch it off if you can, and tell the DSL now."
    return done


def search(who: SignedIn, device_id: int, record: SearchRecord, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    custody.record_search(
        device_id,
        staff_row(who),
        consent_by=record.consent_by,
        consent_contact_id=record.consent_contact_id,
        witness=record.witness,
        no_witness_reason=record.no_witness_reason,
        grounds=record.grounds,
        item_sought=record.item_sought,
        location=record.location,
        others_present=record.others_present,
        found_what=record.found_what,
        outcome=record.outcome,
        follow_up=record.follow_up,
        searched_at=record.searched_at,
        now=now,
    )
    if record.outcome == custody.NOT_SEARCHED:
        return f"Recorded that {_owner(device_id)}'s phone was not searched: consent was refused."
    done = f"Recorded the search of {_owner(device_id)}'s phone."
    if record.outcome == "passed_to_police":
        return f"{done} Record the hand-over with F8 when the police take the phone."
    return done


def dsl_decision(who: SignedIn, device_id: int, decision: DslDecision, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    custody.record_dsl_decision(device_id, staff_row(who), decision=decision.decision, note=decision.note, now=now)
    words = custody.DECISIONS[decision.decision]
    return f"Recorded the DSL's decision on {_owner(device_id)}'s phone: {words}."


def hand_to_police(who: SignedIn, device_id: int, handover: PoliceHandover, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    custody.hand_to_police(
        device_id,
        staff_row(who),
        officer=handover.officer,
        force_reference=handover.force_reference,
        handed_at=handover.handed_at,
        now=now,
    )
    return (
        f"{_owner(device_id)}'s phone handed to the police, reference {handover.force_reference}. "
        "It cannot be undone; only its return from the police can follow."
    )


def return_from_police(who: SignedIn, device_id: int, back: PoliceReturn, now: dt.datetime) -> str:
    """Record that the police gave the phone back: held again, confiscated; the line to show."""
    from models.custody import ledger as custody

    event = custody.return_from_police(
        device_id,
        staff_row(who),
        officer=back.officer,
        reference=back.reference,
        next_steps=back.next_steps,
        returned_at=back.returned_at,
        now=now,
    )
    slot = _slot_of(event)
    where = f"slot {slot}" if slot else custody.overflow_place_of(device_id)
    return (
        f"{_owner(device_id)}'s phone is back from the police: keep it in {where}, confiscated, "
        "for a listed parent or carer."
    )


def release_to_contact(who: SignedIn, device_id: int, contact_id: int, now: dt.datetime) -> str:
    from models.custody import ledger as custody
    from models.store.tables import Contact

    custody.release_to_contact(device_id, staff_row(who), contact_id=contact_id, id_seen=True, now=now)
    return f"{_owner(device_id)}'s phone released to {contact_label(Contact.get_by_id(contact_id))}, ID seen."


def undo(who: SignedIn, event_id: int, reason: str, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    event = custody.reverse(event_id, staff_row(who), reason=reason, now=now)
    return f"Undone on {_owner(event.device_id)}'s phone: event #{event_id} is reversed by #{event.id}."


# ---------------------------------------------------------------- morning hand-in


@dataclass(frozen=True)
class ClassCount:
    class_name: str
    done: int
    expected: int
    marked: int = 0  # pupils marked absent or "no phone today" (and not handed in): not expected


def hand_in_progress(now: dt.datetime) -> tuple[ClassCount, ...]:
    """Per class, phones handed in today out of the pupils expected to hand one in."""
    from models.clock import local_day
    from models.reports import phones as reports

    return tuple(
        ClassCount(p.class_name, p.handed_in, p.expected, p.absent + p.no_phone)
        for p in reports.class_progress(local_day(now))
    )


def kept_overnight(who: SignedIn, device_ids: tuple[int, ...], now: dt.datetime) -> frozenset[int]:
    """Of ``device_ids``, the phones the school has held since before today began (kept
    overnight): hand-in marks a scan of one (models.reports.phones.kept_overnight)."""
    from models.clock import local_day
    from models.reports import phones as reports

    staff_row(who)
    return frozenset(reports.kept_overnight(list(device_ids), local_day(now)))


def undo_hand_in(who: SignedIn, event_id: int, reason: str, now: dt.datetime) -> str:
    from models.custody import ledger as custody

    custody.reverse(event_id, staff_row(who), reason=reason, now=now)
    return "Undone: the phone is recorded as not handed in."


def undo_release(who: SignedIn, event_id: int, reason: str, now: dt.datetime) -> str:
    """Undo a release to the pupil (recorded on the release screen or the checklist): a reversal
    with its reason, as a hand-in's undo; the line to show says where the phone belongs again."""
    from models.custody import ledger as custody
    from models.errors import RuleViolation
    from models.store.tables import CustodyEvent

    target: Any = CustodyEvent.get_or_none(CustodyEvent.id == event_id)
    if target is not None and target.kind != custody.RELEASED:
        raise RuleViolation("That is not a release to the pupil: undo it from the phone's history.")
    event = custody.reverse(event_id, staff_row(who), reason=reason, now=now)
    slot = _slot_of(event)
    where = f"slot {slot}" if slot else custody.overflow_place_of(event.device_id)
    return f"Undone: {_owner(event.device_id)}'s phone is recorded as back in {where}. Put it back there."


def register_label(who: SignedIn, code: str, admission_no: str, now: dt.datetime) -> str:
    """Register an unknown label to a pupil's phone; the label's code, to hand it in next."""
    from models.custody.devices import register_pupil_device

    label = register_pupil_device(admission_no, actor=staff_row(who), code=code, now=now)
    return str(label.code)


# ---------------------------------------------------------------- end-of-day release


@dataclass(frozen=True)
class ContactOffer:
    """A held phone that only a listed parent or carer may collect, and who may."""

    device_id: int
    state: str  # models.custody.ledger state
    pupil: str
    class_name: str
    contacts: tuple[tuple[int, str], ...]
    seq: int | None = None  # the scan it answers (the screen shows only the latest)
    hold: str = ""  # held for the DSL (models.custody.dsl_hold.HOLDS)

    @property
    def collectable(self) -> bool:
        """Confiscated (a parent or carer may collect it), not with the police, nor held for the DSL."""
        from models.custody.dsl_hold import held_for_dsl
        from models.custody.ledger import CONFISCATED

        return self.state == CONFISCATED and not held_for_dsl(self.hold)


@dataclass(frozen=True)
class ReleasedToContact:
    event_id: int
    device_id: int
    slot: str
    code: str
    contact: str
    pupil: str
    class_name: str


def contact_offer(who: SignedIn, device_id: int, seq: int | None = None) -> ContactOffer:
    """A held phone's state, owner and the contacts who may collect it (for the dialog)."""
    from models.custody import ledger as custody
    from models.errors import NotFound
    from models.school.people import contacts_of
    from models.staff.auth import require
    from models.store.tables import Device

    device: Any = Device.get_or_none(Device.id == device_id)
    if device is None:
        raise NotFound("There is no such phone.")
    pupil = device.pupil if device.pupil_id else None
    require(staff_row(who), "release_to_contact", school_class_id=pupil.school_class_id if pupil else None)
    contacts = tuple((c.id, contact_label(c)) for c in (contacts_of(pupil.id) if pupil else []) if c.can_collect)
    row = custody.state_of(device.id)
    return ContactOffer(
        device_id=device.id,
        state=row.state,
        hold=row.dsl_hold or "",
        pupil=pupil.full_name if pupil else visitor_owner(device.id),
        class_name=pupil.school_class.name if pupil else "",
        contacts=contacts,
        seq=seq,
    )


def release_held_to_contact(who: SignedIn, device_id: int, contact_id: int, now: dt.datetime) -> ReleasedToContact:
    """Release a held phone to a listed contact; the dialog has confirmed ID seen."""
    from models.custody import ledger as custody
    from models.custody.devices import current_label
    from models.custody.trays import slot_name
    from models.store.tables import Contact, Device, Tray

    event = custody.release_to_contact(device_id, staff_row(who), contact_id=contact_id, id_seen=True, now=now)
    contact: Any = Contact.get_by_id(contact_id)
    label = current_label(Device.get_by_id(device_id))
    slot = slot_name(Tray.get_by_id(event.tray_id).name, event.slot_no) if event.tray_id else ""
    return ReleasedToContact(
        event_id=event.id,
        device_id=device_id,
        slot=slot,
        code=label.code if label else "",
        contact=contact_label(contact),
        pupil=contact.pupil.full_name,
        class_name=contact.pupil.school_class.name,
    )


def still_in_slots(now: dt.datetime) -> dict[str, int]:
    """Phones still in a slot (not confiscated), per class ("Visitors" for visitors')."""
    from models.custody import ledger as custody
    from models.reports import phones as reports

    counts: dict[str, int] = {}
    for row in reports.uncollected(now, overnight=False):  # counts only
        if row.held_as == custody.IN_TRAY:
            name = row.class_name or "Visitors"
            counts[name] = counts.get(name, 0) + 1
    return counts


# ---------------------------------------------------------------- the class checklist


def checklist_classes(who: SignedIn) -> tuple[str, ...]:
    """The classes this member of staff may release for: a teacher's own, else every class."""
    from models.staff.auth import CLASS_SCOPED, PERMISSIONS, require
    from models.store.tables import SchoolClass, StaffClass

    staff = staff_row(who)
    require(staff, "release")
    if staff.role_set & PERMISSIONS["release"] <= CLASS_SCOPED:
        query = (
            SchoolClass.select(SchoolClass.name)
            .join(StaffClass)
            .where(StaffClass.staff == staff)
            .order_by(SchoolClass.name)
        )
    else:
        query = SchoolClass.select(SchoolClass.name).order_by(SchoolClass.name)
    return tuple(c.name for c in query)


@dataclass(frozen=True)
class ClassChoice:
    """A class in the checklist's chooser, with its phones at the end of the day."""

    name: str
    held: int  # still held (in a slot or confiscated)
    of: int  # held, or returned today

    @property
    def line(self) -> str:
        if not self.of:
            return f"{self.name} — no phones held or returned today"
        return f"{self.name} — {self.held} still held of {self.of}"


def checklist_choices(who: SignedIn, now: dt.datetime) -> tuple[ClassChoice, ...]:
    """:func:`checklist_classes` with each class's counts (models.reports.phones.class_held)."""
    from models.clock import local_day
    from models.reports import phones as reports

    names = checklist_classes(who)
    counts = reports.class_held(local_day(now))
    return tuple(
        ClassChoice(name, counts[name].held, counts[name].of) if name in counts else ClassChoice(name, 0, 0)
        for name in names
    )


def class_checklist(who: SignedIn, class_name: str, now: dt.datetime) -> list[ChecklistRow]:
    """Every pupil of the class and where their phone is today (models.reports.phones.class_checklist)."""
    from models.clock import local_day
    from models.errors import NotFound
    from models.reports import phones as reports
    from models.staff.auth import require
    from models.store.tables import SchoolClass

    cls: Any = SchoolClass.get_or_none(SchoolClass.name == class_name)
    if cls is None:
        raise NotFound(f"There is no class called {class_name}.")
    require(staff_row(who), "release", school_class_id=cls.id)
    return reports.class_checklist(class_name, local_day(now))


def class_of_code(who: SignedIn, code: str) -> str | None:
    """The class of the pupil whose phone carries ``code`` (a scan at the checklist's class
    chooser opens that class), or None when the code is not a current pupil's label: the
    scan itself then says why. Reads only; the scan is recorded by the release lane."""
    from models.custody.devices import resolve
    from models.errors import KioskError

    staff_row(who)  # a member of staff switched off since signing in is refused
    try:
        resolved: Any = resolve(code)
    except KioskError:
        return None
    pupil = resolved.device.pupil if resolved.device.pupil_id else None
    return str(pupil.school_class.name) if pupil is not None and pupil.school_class_id else None


def pupils_named(text: str) -> tuple[tuple[str, str], ...]:
    """Pupils matching ``text``: (admission number, line to show) each, to register a label to."""
    from models.school.people import find_pupils

    return tuple(
        (p.admission_no, f"{p.full_name} · {p.school_class.name} · {p.admission_no}") for p in find_pupils(text)
    )


# ---------------------------------------------------------------- scanning without a screen


def scan_line(who: SignedIn, mode: str, text: str, now: dt.datetime) -> str:
    """Hand in (``mode`` "hand-in") or release one scanned code, committed on its own; the
    result line, starting with its outcome (OK, DUPLICATE, NOT_HANDED_IN, UNKNOWN, INVALID,
    REVOKED, BLOCKED).

    (The scan screens commit codes in groups: ``kiosk.scanning``, on the same domain calls.)
    """
    from models.custody import ledger as custody
    from models.custody.codes import printable
    from models.errors import KioskError
    from models.store.db import retrying

    op = custody.hand_in if mode == "hand-in" else custody.release
    try:
        staff = staff_row(who)  # each code: a member of staff switched off mid-run is refused at the next
        return str(retrying(op, text, staff, now=now).line())
    except KioskError as exc:
        return f"{exc.outcome} {printable(text.strip())} {exc}"
