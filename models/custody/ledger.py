"""The custody ledger: every hand-in, release, confiscation, search and police hand-over.

The ledger (``CustodyEvent``) is append-only. Where a phone is now is a pure function
of its events (:func:`replay`); ``DeviceState`` keeps that answer at hand for fast
scans, is written in the same transaction as the event and its audit entry, and
:func:`verify_states` proves it agrees with a replay.

The rules (each refusal is one plain line):

* a phone already in the tray is "already in slot B-07", not a second event;
* a confiscated phone goes only to a listed parent or carer, with ID seen;
* a phone confiscated for suspected nude or semi-nude images is held for the DSL: no
  release and no deleting outcome of a search until the DSL (or the headteacher) records
  a decision (:data:`DSL_DECISION`); its content is never recorded as deleted; while it is
  held, a search, a police hand-over and "parents told" are for those who may make the
  DSL's decision (:func:`require_dsl_for`);
* a search (leadership, with consent) does not move the phone: one in the tray, one with
  its owner or one confiscated may be searched;
* nothing but a return from the police may follow a hand-over to the police (the
  return puts the phone back in the school's hands, confiscated); a hand-over is never undone;
* only the roles allowed for each action (``models.staff.auth.PERMISSIONS``) may do it;
* undo is a reversal of the phone's latest action, with a reason, by the person who
  recorded the action or by someone whose role may do it and is at least as senior
  (:data:`SENIORITY`); office staff and teachers undo only what was recorded today (the
  school's local day): an older event is a correction of history, by leadership or the
  headteacher (:data:`CORRECTS_HISTORY`), with its reason, audited as one;
* per phone, events are in time order: an event may not be dated before the phone's
  latest event (to the minute; within the same minute it keeps ledger order).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import peewee
from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, local_from_utc_naive, to_local, utcnow
from models.custody import codes, staff_device_access
from models.custody.devices import Resolved, resolve
from models.custody.dsl_hold import HOLD_DECIDED, HOLD_DSL, HOLD_POLICE, held_for_dsl
from models.custody.trays import overflow_place, place_for, slot_is_free, slot_name
from models.errors import KioskError, NotFound, PermissionDenied, RuleViolation, ScanOutcome, ValidationError
from models.staff.auth import (
    ADMIN,
    CHAIR,
    DETAILS_WITHHELD,
    DSL,
    HEADTEACHER,
    LEADERSHIP,
    NIGHTLY,
    OFFICE,
    PERMISSIONS,
    ROLE_NAMES,
    ROLES,
    TEACHER,
    TRUST_DSL,
    TRUST_LEAD,
    may_read_details,
    require,
)
from models.store.stopping import stop_point
from models.store.tables import (
    Contact,
    CustodyEvent,
    Device,
    DeviceState,
    ParentsInformed,
    PoliceContact,
    Pupil,
    Staff,
    Tray,
)
from models.text import Evidence, text_field


class PhoneState(StrEnum):
    """Where a phone is, as derived from its ledger (stored as the text value)."""

    OUT = "out"  # with its owner
    IN_TRAY = "in_tray"
    CONFISCATED = "confiscated"
    POLICE = "police"


OUT, IN_TRAY, CONFISCATED, POLICE = PhoneState.OUT, PhoneState.IN_TRAY, PhoneState.CONFISCATED, PhoneState.POLICE
STATE_WORDS: dict[str, str] = {
    OUT: "with its owner",
    IN_TRAY: "in the tray",
    CONFISCATED: "confiscated",
    POLICE: "with the police",
}

# Event kinds
HANDED_IN = "handed_in"
RELEASED = "released_to_pupil"
RETURNED = "returned_to_visitor"  # a visitor's phone given back by a member of staff
CONFISCATED_EV = "confiscated"
RELEASED_TO_CONTACT = "released_to_contact"
SEARCHED = "searched"
POLICE_EV = "handed_to_police"
POLICE_RETURNED = "returned_by_police"  # the police give a phone back: held again, confiscated
MOVED = "moved"
REVERSAL = "reversal"
# A member of staff's own device held for the LADO or the police (online safety 11.3), and
# given back to them on the DSL's or the headteacher's decision (models.custody.school_devices).
HELD_STAFF = "held_staff_device"
RETURNED_TO_STAFF = "returned_to_staff"
STAFF_EVENT_KINDS = frozenset({HELD_STAFF, RETURNED_TO_STAFF})
DSL_DECISION = "dsl_decision"  # the DSL's decision on a phone held for the DSL
EVENT_WORDS = {
    HANDED_IN: "handed in",
    RELEASED: "released to pupil",
    CONFISCATED_EV: "confiscated",
    RELEASED_TO_CONTACT: "released to parent/carer",
    SEARCHED: "searched",
    POLICE_EV: "handed to police",
    POLICE_RETURNED: "returned by the police",
    MOVED: "moved",
    REVERSAL: "reversal",
    RETURNED: "returned to the visitor",
    HELD_STAFF: "held for the LADO or the police",
    RETURNED_TO_STAFF: "returned to the member of staff",
    DSL_DECISION: "DSL's decision",
}
KINDS = frozenset(EVENT_WORDS)  # every kind the kiosk records; anything else was written outside it
# The permission each event kind needs (also to reverse it).
EVENT_ACTION = {
    HANDED_IN: "hand_in",
    RELEASED: "release",
    CONFISCATED_EV: "confiscate",
    RELEASED_TO_CONTACT: "release_to_contact",
    SEARCHED: "search",
    POLICE_EV: "police",
    POLICE_RETURNED: "police",
    MOVED: "move",
    RETURNED: "release",
    HELD_STAFF: "hold_staff_device",
    RETURNED_TO_STAFF: "hold_staff_device",
    DSL_DECISION: "dsl_decision",
}
# The latest event as a refusal names it: "That time is before the search at 14:55".
EVENT_NOUNS = {
    HANDED_IN: "hand-in",
    RELEASED: "release to the pupil",
    RETURNED: "return to the visitor",
    CONFISCATED_EV: "confiscation",
    RELEASED_TO_CONTACT: "release to a parent or carer",
    SEARCHED: "search",
    POLICE_EV: "police hand-over",
    POLICE_RETURNED: "return from the police",
    MOVED: "move",
    REVERSAL: "undo",
    HELD_STAFF: "hold of a staff device",
    RETURNED_TO_STAFF: "return to the member of staff",
    DSL_DECISION: "DSL's decision",
}
# Who may undo someone else's action: a role that may do the action and ranks at least
# as high as the role in which it was recorded. Office staff and teachers are equal;
# the leadership team and the DSL above them; the headteacher above all. Admin runs the
# system and takes no custody action, so ranks lowest; so does the chair of governors.
SENIORITY = {
    ADMIN: 0,
    NIGHTLY: 0,
    CHAIR: 0,
    TRUST_LEAD: 0,
    TRUST_DSL: 0,
    OFFICE: 1,
    TEACHER: 1,
    LEADERSHIP: 2,
    DSL: 2,
    HEADTEACHER: 3,
}
# Undoing an event recorded before today (the school's local day) rewrites what the ledger
# says happened since (a release undone days later puts the phone back in the tray for all
# those days, and in the day's figures and the governors' report): a correction of history,
# for a role of this seniority or above (leadership, the DSL, the headteacher), with its reason.
CORRECTS_HISTORY = SENIORITY[LEADERSHIP]
# Limits of the free-text fields (characters); the forms use the same numbers.
REASON_LIMIT = 500  # a confiscation's reason
POLICY_LIMIT = 200  # the policy breached
WITNESS_LIMIT = 100
GROUNDS_LIMIT = 500  # a search's grounds
INFORMED_HOW_LIMIT = 100
OFFICER_LIMIT = 100
FORCE_REFERENCE_LIMIT = 60
UNDO_REASON_LIMIT = 200
ITEM_LIMIT = 200  # a search's item sought
LOCATION_LIMIT = 100
NO_WITNESS_LIMIT = 200
OTHERS_LIMIT = 200
FOUND_LIMIT = 300
FOLLOW_UP_LIMIT = 300
DECISION_NOTE_LIMIT = 500
# A confiscation's reason and the DSL's note are evidence too, said in words as a search's are
# (models.text.Evidence; issue 15, f3: "r" and "x" were taken).
CONFISCATION_REASON = Evidence("reason for the confiscation", "say in words what happened")
DECISION_NOTE = Evidence("note on the decision", "say in words what was decided and why")

# Why a phone is confiscated (mobile technology policy 6; online safety 9.3 and 11.1).
NUDE_IMAGES = "nude_images"
CATEGORIES = {
    "behaviour": "behaviour",
    "bullying": "bullying",
    "child_protection": "child protection",
    NUDE_IMAGES: "suspected nude or semi-nude images",
    "other": "other",
}
# What was done with what a search found (DfE "Searching, screening and confiscation", 2022).
# The first four are the codes of searches recorded before schema 11, read as they were.
SEARCH_OUTCOMES = {
    "nothing_found": "nothing found",
    "content_deleted": "content deleted",
    "pupil_asked_to_delete": "pupil asked to delete",
    "passed_to_police": "passed to police",
    "returned": "returned as it was",
    "kept": "kept by the school for the DSL",
    "not_searched": "not searched (consent refused)",
}
NOT_SEARCHED = "not_searched"
DELETING = frozenset({"content_deleted", "pupil_asked_to_delete"})
# What a search found, in the searcher's words, that sounds like a nude or semi-nude image: then
# nothing is deleted and the phone is not handed back; it is confiscated for the DSL
# (online safety 11.1.1; UKCIS 2024). A walk (h8) recorded "a nude selfie", "content deleted".
NUDE_WORDS = re.compile(r"\b(?:semi[\s-]*)?nudes?\b|\bnaked\b|\bindecent\b|\bsexual\b|\bsexting\b", re.IGNORECASE)
# Two lines at most in the search form at 80x24 (it was four: a user's walk, issue 15).
FOUND_NUDE = (
    'Sounds like a nude image: never delete or return it. Outcome: "kept by the school for the DSL"; '
    "confiscate it for the DSL."
)
# Consent to a search (mobile technology policy 6; online safety 9.3: a phone is searched with
# the consent of the pupil or a parent/carer), or its refusal, by the pupil or a listed parent or
# carer (DfE "Searching, screening and confiscation", 2022: a refusal and what was done next are
# recorded). Searches recorded before the refusals keep "pupil" or "parent".
CONSENT_BY = ("pupil", "parent", "refused_pupil", "refused_parent")
REFUSED_CONSENT = frozenset({"refused_pupil", "refused_parent"})
BY_PARENT = frozenset({"parent", "refused_parent"})  # a listed parent or carer is named
# DfE 2022: without consent, a search is for the headteacher (or staff the headteacher authorises)
# and for prohibited items; this school's policy searches phones only with consent, so only the
# headteacher may record a search made when consent was refused. Anyone else records "not searched".
SEARCH_WITHOUT_CONSENT = frozenset({HEADTEACHER})
NOT_SEARCHED_IS_FOR_REFUSAL = '"Not searched" is for when consent was refused: choose who refused.'
REFUSED_NOT_SEARCHED = 'Consent was refused: record "not searched" (only the headteacher may search without it).'
REFUSED_SAY_NEXT = "Consent was refused: say in the follow-up what was done next (e.g. parents told)."
NOTHING_FOUND_UNSEARCHED = "The phone was not searched, so nothing was found: leave Found empty."
# The DSL's decisions on a phone held for the DSL (online safety 11.1.1; UKCIS 2020/2024).
DECISIONS = {
    "return_to_parents": "return to parents allowed",
    "keep_for_police": "keep for the police",
    "other": "other",
}
# The hold (``Custody.hold``, stored in ``DeviceState.dsl_hold``): models.custody.dsl_hold.
HOLD_AFTER = {"return_to_parents": HOLD_DECIDED, "keep_for_police": HOLD_POLICE, "other": HOLD_DECIDED}
# Said to anyone trying to release it, so it never names the reason (that is for the DSL).
HELD_FOR_DSL = "Held for the DSL: the DSL must record a decision before it is released."
KEPT_FOR_POLICE = "The DSL decided to keep this phone for the police: it cannot be released."
# While a phone is held for the DSL, the DSL decides (online safety 11.1.1; UKCIS 2024): staff
# never view such images, and the DSL decides whether the parents are told and the police
# called. So a search, a police hand-over, a call to the police and "parents told" wait for the DSL's decision,
# unless recorded by someone who may make it (``dsl_decision``: the DSL, the headteacher). A
# decision to keep it for the police lets a hand-over to them (or a call) go ahead (:func:`require_dsl_for`).
DSL_DECIDES = {  # action: (what the DSL decides, what only the DSL or the headteacher may do)
    "search": ("the DSL decides whether it is looked at, and staff never view such images", "search it"),
    "police": ("the DSL decides on the police and the parents", "hand it to the police"),
    "parents_informed": ("the DSL decides on the parents and the police", "record that the parents were told"),
    "police_contact": ("the DSL decides on the police and the parents", "record a call to the police about it"),
}
NUDE_GUIDANCE = (
    "Suspected nude or semi-nude images: do not view, copy, forward or delete anything, nor ask the pupil "
    "to delete. Switch the phone off if you can, keep it secure, tell the DSL now: the DSL decides on "
    "parents and police."
)


def dsl_decides_refusal(actor: Staff | None, hold: str | None, action: str) -> str | None:
    """The one line refusing ``action`` (a key of :data:`DSL_DECIDES`) on a phone with this
    hold, or None: refused while the phone is held for the DSL unless ``actor`` may make the
    DSL's decision; once the DSL decided to keep it for the police, a hand-over is theirs to do."""
    if not held_for_dsl(hold) or (action in ("police", "police_contact") and hold == HOLD_POLICE):
        return None
    if actor is not None and actor.role_set & PERMISSIONS["dsl_decision"]:
        return None
    held = "Held for the DSL" if hold == HOLD_DSL else "Kept for the police as the DSL decided"
    decides, doing = DSL_DECIDES[action]
    return f"{held}: {decides} (online safety 11.1.1): only the DSL or the headteacher may {doing}."


def require_dsl_for(actor: Staff | None, hold: str | None, action: str) -> None:
    """Refuse (PermissionDenied, one line) ``action`` on a phone held for the DSL: :func:`dsl_decides_refusal`."""
    refusal = dsl_decides_refusal(actor, hold, action)
    if refusal:
        raise PermissionDenied(refusal)


@dataclass(frozen=True)
class Custody:
    state: str = OUT
    tray_id: int | None = None
    slot_no: int | None = None
    hold: str = ""  # held for the DSL (models.custody.dsl_hold.HOLDS)


class OutOfOrder(RuleViolation):
    """An event dated before the phone's latest event (a form can let the time be corrected)."""


class LedgerError(Exception):
    """The stored ledger breaks its own rules (only possible if edited outside the kiosk)."""


def step(
    cur: Custody,
    kind: str,
    tray_id: int | None = None,
    slot_no: int | None = None,
    *,
    category: str | None = None,
    outcome: str | None = None,
) -> Custody:
    """Apply one event to a state, or refuse. Pure: used live and for replay.

    ``category`` is a confiscation's; ``outcome`` a search's, or a DSL decision's code."""
    if cur.state == POLICE:
        if kind != POLICE_RETURNED:
            raise RuleViolation(
                "This phone is with the police: nothing but its return from the police can be recorded."
            )
        # Back in the school's hands, for a parent or carer; a phone that was held for the DSL
        # (suspected nude images) waits for the DSL's decision again.
        return Custody(CONFISCATED, tray_id, slot_no, HOLD_DSL if cur.hold else "")
    if kind == POLICE_RETURNED:
        raise RuleViolation("Only a phone with the police can be returned from the police.")
    held = cur.state in (IN_TRAY, CONFISCATED)
    if kind in (RELEASED, RETURNED, RELEASED_TO_CONTACT) and held_for_dsl(cur.hold):
        raise RuleViolation(HELD_FOR_DSL if cur.hold == HOLD_DSL else KEPT_FOR_POLICE)
    if kind == DSL_DECISION:
        if not cur.hold or cur.state != CONFISCATED:
            raise RuleViolation("This phone is not held for the DSL: there is no decision to record.")
        if outcome not in HOLD_AFTER:
            raise ValidationError("Choose the decision: " + ", ".join(DECISIONS.values()) + ".")
        return replace(cur, hold=HOLD_AFTER[outcome])
    if kind == HANDED_IN:
        if cur.state != OUT:
            raise RuleViolation(f"This phone is already {STATE_WORDS[cur.state]}.")
        return Custody(IN_TRAY, tray_id, slot_no)
    if kind in (RELEASED, RETURNED):
        if cur.state == CONFISCATED:
            raise RuleViolation("Confiscated: parent/carer collection only.")
        if cur.state != IN_TRAY:
            raise RuleViolation("This phone is not in the tray: it was not handed in or has been released.")
        return Custody()
    if kind == CONFISCATED_EV:
        if cur.state == CONFISCATED:
            raise RuleViolation("This phone is already confiscated.")
        hold = HOLD_DSL if category == NUDE_IMAGES else ""
        if cur.state == IN_TRAY:
            return Custody(CONFISCATED, cur.tray_id, cur.slot_no, hold)
        return Custody(CONFISCATED, tray_id, slot_no, hold)
    if kind == HELD_STAFF:
        if cur.state != OUT:
            raise RuleViolation(f"This device is already {STATE_WORDS[cur.state]}.")
        return Custody(CONFISCATED, tray_id, slot_no)
    if kind == RETURNED_TO_STAFF:
        if cur.state != CONFISCATED:
            raise RuleViolation("This device is not held by the school.")
        return Custody()
    if kind == RELEASED_TO_CONTACT:
        if not held:
            raise RuleViolation("This phone is not held by the school.")
        return Custody()
    if kind == SEARCHED:  # with consent: in the tray, with its owner or confiscated; it stays where it is
        if outcome == "returned" and held_for_dsl(cur.hold):
            raise RuleViolation(
                "Held for the DSL: it is not returned until the DSL decides."
                if cur.hold == HOLD_DSL
                else "Kept for the police: it is not returned."
            )
        if outcome == "passed_to_police" and not held:
            raise RuleViolation(
                "The phone is with its owner: confiscate it first, then record its hand-over to the police."
            )
        if cur.hold and outcome == "content_deleted":
            raise RuleViolation(
                "Held for the DSL: content is never deleted by the school on this phone (the DSL and "
                "the police may need it)."
                if cur.hold == HOLD_DSL
                else NEVER_DELETED_NUDE
            )
        if held_for_dsl(cur.hold) and outcome in DELETING:
            raise RuleViolation(
                "Held for the DSL: nothing may be deleted, or the pupil asked to delete it, until the DSL decides."
                if cur.hold == HOLD_DSL
                else "Kept for the police: nothing may be deleted, or the pupil asked to delete it."
            )
        return cur
    if kind == POLICE_EV:
        if not held:
            raise RuleViolation("Only a phone held by the school can be handed to the police.")
        return Custody(POLICE, hold=cur.hold)  # remembered, for a return from the police
    if kind == MOVED:
        if not held:
            raise RuleViolation("Only a phone in the tray can be moved.")
        return Custody(cur.state, tray_id, slot_no, cur.hold)
    raise ValueError(f"unknown event kind {kind!r}")


@dataclass(frozen=True)
class Replayed:
    custody: Custody
    undo_stack: tuple[tuple[int, str, Custody], ...]  # (event id, kind, state before)


def replay(events: Iterable[CustodyEvent]) -> Replayed:
    """The state a device's events lead to, in id order. Reversals pop the latest action."""
    cur = Custody()
    stack: list[tuple[int, str, Custody]] = []
    for e in events:
        if e.kind not in KINDS:  # only possible if written outside the kiosk: not a crash
            raise LedgerError(f"event {e.id} is of a kind the kiosk never records ({e.kind!r})")
        if e.kind == REVERSAL:
            if not stack or stack[-1][0] != e.reverses_id:
                raise LedgerError(f"event {e.id} reverses event {e.reverses_id}, which is not the latest action")
            cur = stack.pop()[2]
            continue
        try:
            nxt = step(cur, e.kind, e.tray_id, e.slot_no, category=e.category, outcome=e.outcome)
        except (RuleViolation, ValidationError) as exc:
            raise LedgerError(f"event {e.id} ({e.kind}) is impossible here: {exc}") from None
        stack.append((e.id, e.kind, cur))
        cur = nxt
    return Replayed(cur, tuple(stack))


@dataclass(frozen=True)
class Outcome:
    """The result of a custody action, for the screen and the headless scanner."""

    outcome: ScanOutcome  # OK, DUPLICATE or EXCEPTION
    code: str
    owner: str
    class_name: str
    slot: str
    message: str
    device_id: int
    event_id: int | None = None
    state: str = ""
    overflow: bool = False  # no slot was free: the phone is in the configured overflow place (``slot``)

    def line(self) -> str:
        parts = [self.outcome, self.code, self.owner]
        if self.class_name:
            parts.append(self.class_name)
        return " ".join(parts) + (f" {self.message}" if self.message else "")


def _state_row(device_id: int) -> DeviceState:
    row = DeviceState.get_or_none(DeviceState.device == device_id)
    if row is None:  # a device registered before projections existed: derive it
        events = CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id)
        r = replay(events).custody
        row = DeviceState.create(
            device=device_id, state=r.state, tray=r.tray_id, slot_no=r.slot_no, dsl_hold=r.hold, since=utcnow()
        )
    return row


def _where(tray_id: int | None, slot_no: int | None, device_id: int | None = None) -> str:
    """Where a held phone is, for a sentence: "slot B-07", or the overflow place it was put in (no slot)."""
    if tray_id is None or slot_no is None:
        return overflow_place_of(device_id) if device_id is not None else overflow_place()
    return f"slot {_slot_text(tray_id, slot_no)}"


OVERFLOW_NOTE = "overflow: "


def overflow_place_of(device_id: int) -> str:
    """The overflow place a phone was put in, as the ledger recorded it then.

    The latest event that put the phone in the overflow place (a hand-in, confiscation or
    return from the police with no slot) names it in its note; later events carry it. The place configured now
    is only the fallback for a ledger written before places were recorded.
    """
    e = (
        CustodyEvent.select(CustodyEvent.note)
        .where(
            (CustodyEvent.device == device_id)
            & CustodyEvent.kind.in_([HANDED_IN, CONFISCATED_EV, HELD_STAFF, POLICE_RETURNED])
            & CustodyEvent.slot_no.is_null()
            & CustodyEvent.note.startswith(OVERFLOW_NOTE)
        )
        .order_by(CustodyEvent.id.desc())
        .first()
    )
    return (e.note.removeprefix(OVERFLOW_NOTE) if e is not None else "") or overflow_place()


def _custody(row: DeviceState) -> Custody:
    return Custody(row.state, row.tray_id, row.slot_no, row.dsl_hold or "")


def _slot_text(tray_id: int | None, slot_no: int | None) -> str:
    if tray_id is None or slot_no is None:
        return ""
    tray = Tray.get_by_id(tray_id)
    return slot_name(tray.name, slot_no)


# ---------------------------------------------------------------- time order


def _minute(t: dt.datetime) -> dt.datetime:
    return t.replace(second=0, microsecond=0)


def time_order_problem(
    at: dt.datetime, latest_at: dt.datetime | None, latest_kind: str | None, *, typed: bool = True
) -> str | None:
    """Why ``at`` (naive UTC) cannot follow the phone's latest event, or None if it can.

    Pure, so a form can check a typed time with the domain's own words. Times are
    compared to the minute, as forms give them: a time in the latest event's minute is
    allowed (and stored no earlier than that event, so it keeps ledger order).
    ``typed`` False is for actions timed by the clock ("now"): the clock is then wrong.
    """
    if latest_at is None or _minute(at) >= _minute(latest_at):
        return None
    local_latest, local_at = to_local(latest_at), to_local(at)
    when = local_latest.strftime("%H:%M")
    if local_latest.date() != local_at.date():
        when += local_latest.strftime(" on %a %d %b").replace(" 0", " ")
    noun = EVENT_NOUNS.get(latest_kind or "", "latest event")
    if typed:
        return f"That time is before the {noun} at {when}; enter {local_latest.strftime('%H:%M')} or later."
    return (
        f"The time now ({local_at.strftime('%H:%M')}) is before this phone's {noun} at {when}: "
        "check the kiosk's clock. Nothing was recorded."
    )


def latest_event(device_id: int) -> CustodyEvent | None:
    """The phone's latest event in the ledger (reversals included)."""
    return (
        CustodyEvent.select(CustodyEvent.id, CustodyEvent.at, CustodyEvent.kind)
        .where(CustodyEvent.device == device_id)
        .order_by(CustodyEvent.id.desc())
        .first()
    )


def _in_order(device_id: int, at: dt.datetime, *, typed: bool) -> dt.datetime:
    """The time to store for a new event at ``at``, or a refusal naming the latest event."""
    latest = latest_event(device_id)
    if latest is None:
        return at
    problem = time_order_problem(at, latest.at, latest.kind, typed=typed)
    if problem:
        raise OutOfOrder(problem, device_id=device_id)
    return max(at, latest.at)


def _append(
    device_id: int,
    kind: str,
    actor: Staff | None,
    now: dt.datetime,
    *,
    row: DeviceState,
    tray_id: int | None = None,
    slot_no: int | None = None,
    audit_details: dict | None = None,
    typed: bool = False,
    recorded_at: dt.datetime | None = None,
    **fields: Any,
) -> tuple[CustodyEvent, Custody]:
    """Append one event, update the projection and write the audit entry (same tx).

    ``now`` is the event's time: refused if before the phone's latest event (``typed``:
    a time given on a form, not the clock's). ``recorded_at``: when it is being recorded,
    if not then (the audit entry's time; the event keeps when it happened).
    """
    cur = _custody(row)
    if kind == REVERSAL:
        raise AssertionError("use reverse()")
    nxt = step(cur, kind, tray_id, slot_no, category=fields.get("category"), outcome=fields.get("outcome"))
    now = _in_order(device_id, now, typed=typed)
    ev_tray, ev_slot = (tray_id, slot_no) if tray_id is not None else (cur.tray_id, cur.slot_no)
    prev = audit.head()
    event = CustodyEvent.create(
        device=device_id,
        kind=kind,
        at=now,
        actor=actor,
        tray=ev_tray,
        slot_no=ev_slot,
        audit_seq=prev[0] + 1,
        **fields,
    )
    _save_state(row, nxt, now, event)
    details = {"event_id": event.id, "device_id": device_id, "kind": kind}
    if ev_slot is not None:
        details["slot"] = [ev_tray, ev_slot]
    details.update(audit_details or {})
    audit.append(actor, f"custody.{kind}", "custody_event", event.id, details, recorded_at or now, prev=prev)
    return event, nxt


def _save_state(row: DeviceState, nxt: Custody, now: dt.datetime, event: CustodyEvent) -> None:
    # No savepoint: slots are checked free under the write lock, and if the unique index
    # ever fires, the refusal rolls the whole write transaction back.
    # "Since" is when the phone entered its state (handed in, confiscated), so a move or a
    # search, which leave the state as it was, keep it.
    changes: dict[Any, Any] = {
        DeviceState.state: nxt.state,
        DeviceState.tray: nxt.tray_id,
        DeviceState.slot_no: nxt.slot_no,
        DeviceState.last_event: event,
        DeviceState.dsl_hold: nxt.hold,
    }
    if nxt.state != row.state:
        changes[DeviceState.since] = now
    try:
        DeviceState.update(changes).where(DeviceState.device == row.device_id).execute()
    except peewee.IntegrityError:
        raise RuleViolation(f"Slot {_slot_text(nxt.tray_id, nxt.slot_no)} already holds another phone.") from None
    row.state, row.tray_id, row.slot_no, row.dsl_hold = nxt.state, nxt.tray_id, nxt.slot_no, nxt.hold


def _describe(
    r: Resolved, outcome: ScanOutcome, message: str, row: DeviceState, event: CustodyEvent | None = None
) -> Outcome:
    return Outcome(
        outcome=outcome,
        code=r.label.code,
        owner=r.owner,
        class_name=r.class_name,
        slot=_slot_text(row.tray_id, row.slot_no)
        if event is None or event.kind != RELEASED
        else _slot_text(event.tray_id, event.slot_no),
        message=message,
        device_id=r.device.id,
        event_id=event.id if event else None,
        state=row.state,
    )


def _class_id(r: Resolved) -> int | None:
    return r.pupil.school_class_id if r.pupil else None


def _blocked_message(row: DeviceState) -> str:
    if row.state == CONFISCATED and held_for_dsl(row.dsl_hold):
        held = HELD_FOR_DSL if row.dsl_hold == HOLD_DSL else KEPT_FOR_POLICE
        return f"{held[:-1]} (held in {_where(row.tray_id, row.slot_no, row.device_id)})."
    if row.state == CONFISCATED:
        return f"Confiscated: parent/carer collection only (held in {_where(row.tray_id, row.slot_no, row.device_id)})."
    if row.state == POLICE:
        return "Handed to the police: it cannot be released or handed in."
    return ""


# ---------------------------------------------------------------- scans


def hand_in(code: str, actor: Staff, *, now: dt.datetime | None = None, despite_exception: bool = False) -> Outcome:
    """Morning hand-in of a scanned code. Idempotent: a second scan says where it is.

    A pupil with an exception agreed with the headteacher (models.policy.agreed) keeps
    their phone: the scan says so (outcome ``EXCEPTION``) and records nothing, unless
    the office chooses to take it in anyway (``despite_exception``).
    """
    now = now or utcnow()
    code = codes.pupil_phone_code(code)  # a slip or a visitor's phone label says where it belongs
    with write_tx():
        r = resolve(code)
        require(actor, "hand_in", school_class_id=_class_id(r))
        row = _state_row(r.device.id)
        if row.state == IN_TRAY:
            slot = _slot_text(row.tray_id, row.slot_no) or overflow_place_of(r.device.id)
            return Outcome(
                ScanOutcome.DUPLICATE,
                r.label.code,
                r.owner,
                r.class_name,
                slot,
                f"already in {_where(row.tray_id, row.slot_no, r.device.id)}",
                r.device.id,
                state=row.state,
                overflow=row.slot_no is None,
            )
        if row.state != OUT:
            raise RuleViolation(
                f"{r.owner}: {_blocked_message(row)}", device_id=r.device.id, owner=r.owner, class_name=r.class_name
            )
        if r.pupil is not None and not despite_exception:
            from models.policy import agreed

            note = agreed.scan_note(r.pupil.id, local_day(now))
            if note:
                return Outcome(
                    ScanOutcome.EXCEPTION,
                    r.label.code,
                    r.owner,
                    r.class_name,
                    "",
                    f"{note}. The pupil keeps this phone: nothing was recorded.",
                    r.device.id,
                    state=OUT,
                )
        tray, slot_no = place_for(_class_id(r))
        if tray is None:  # no free slot: the office has the phone all the same
            place = overflow_place()
            event, _ = _append(
                r.device.id,
                HANDED_IN,
                actor,
                now,
                row=row,
                label_code=code,
                note=f"overflow: {place}",
                audit_details={"overflow": place},
            )
            return Outcome(
                ScanOutcome.OK,
                r.label.code,
                r.owner,
                r.class_name,
                place,
                f"No free slot: put it in {place}, and tell the office to add slots.",
                r.device.id,
                event.id,
                IN_TRAY,
                overflow=True,
            )
        event, _ = _append(
            r.device.id, HANDED_IN, actor, now, row=row, tray_id=tray.id, slot_no=slot_no, label_code=code
        )
        slot = slot_name(tray.name, slot_no)
        return Outcome(
            ScanOutcome.OK, r.label.code, r.owner, r.class_name, slot, f"slot {slot}", r.device.id, event.id, IN_TRAY
        )


def release(code: str, actor: Staff, *, now: dt.datetime | None = None) -> Outcome:
    """End-of-day release to the pupil. Confiscated or police phones are blocked."""
    now = now or utcnow()
    code = codes.pupil_phone_code(code)  # a slip or a visitor's phone label says where it belongs
    with write_tx():
        r = resolve(code)
        require(actor, "release", school_class_id=_class_id(r))
        row = _state_row(r.device.id)
        if row.state in (CONFISCATED, POLICE):
            raise RuleViolation(
                f"{r.owner}: {_blocked_message(row)}", device_id=r.device.id, owner=r.owner, class_name=r.class_name
            )
        if row.state == OUT:
            last = last_event_of(r.device.id, RELEASED)
            when = (
                f" at {to_local(last.at).strftime('%H:%M')}"
                if last and to_local(last.at).date() == to_local(now).date()
                else ""
            )
            return Outcome(
                ScanOutcome.DUPLICATE if when else ScanOutcome.NOT_HANDED_IN,
                r.label.code,
                r.owner,
                r.class_name,
                "",
                f"already released{when}" if when else "not handed in today: nothing to release",
                r.device.id,
                state=OUT,
            )
        slot = _slot_text(row.tray_id, row.slot_no) or overflow_place_of(r.device.id)
        where, overflow = _where(row.tray_id, row.slot_no, r.device.id), row.slot_no is None
        event, _ = _append(r.device.id, RELEASED, actor, now, row=row, label_code=code)
        return Outcome(
            ScanOutcome.OK,
            r.label.code,
            r.owner,
            r.class_name,
            slot,
            f"released from {where}",
            r.device.id,
            event.id,
            OUT,
            overflow=overflow,
        )


def last_event_of(device_id: int, kind: str) -> CustodyEvent | None:
    return (
        CustodyEvent.select()
        .where((CustodyEvent.device == device_id) & (CustodyEvent.kind == kind))
        .order_by(CustodyEvent.id.desc())
        .first()
    )


# ---------------------------------------------------------------- safeguarding


def _device(device_id: int) -> Device:
    device = Device.get_or_none(Device.id == device_id)
    if device is None:
        raise NotFound("No such phone.")
    return device


def _device_class_id(device: Device) -> int | None:
    pupil = pupil_for_device(device)
    return pupil.school_class_id if pupil is not None else None


def _pupils_only(device: Device, what: str) -> None:
    """The school's powers to confiscate and search are over pupils' property (M6; DfE
    "Searching, screening and confiscation"): a visitor is asked to put a phone away or to
    leave, and a concern is raised about the visitor."""
    if device.kind == "visitor":
        raise RuleViolation(
            f"This is a visitor's phone: the school cannot {what} it. "
            "Ask the visitor to put it away or to leave, and raise a concern about the visitor."
        )
    if device.kind == staff_device_access.STAFF_KIND:
        raise RuleViolation(
            f"This is a member of staff's device: the school does not {what} it. "
            "It is held for the LADO or the police by the DSL or the headteacher."
        )


def _pupil_name(device: Device) -> str:
    """The name of the pupil a phone belongs to, for a phone known to be a pupil's."""
    pupil = pupil_for_device(device)
    assert pupil is not None  # the caller has checked device.pupil_id
    return pupil.full_name


def confiscate(
    device_id: int,
    actor: Staff,
    *,
    category: str | None = None,
    reason: str,
    policy: str,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """Confiscate a phone for a policy breach. It stays in (or is given) a slot.

    Any member of staff may (a teacher any pupil's phone); ``category`` is a key of
    :data:`CATEGORIES`, ``reason`` what happened. Suspected nude or semi-nude images
    (:data:`NUDE_IMAGES`) hold the phone for the DSL (:func:`record_dsl_decision`)."""
    now = now or utcnow()
    if category not in CATEGORIES:
        raise ValidationError("Choose why the phone is confiscated: " + ", ".join(CATEGORIES.values()) + ".")
    reason = CONFISCATION_REASON.check(reason, limit=REASON_LIMIT)
    policy = text_field(policy, "policy that was breached", limit=POLICY_LIMIT)
    with write_tx():
        device = _device(device_id)
        _pupils_only(device, "confiscate")
        require(actor, "confiscate", school_class_id=_device_class_id(device))
        row = _state_row(device.id)
        tray_id = slot_no = None
        note = None
        if row.state == OUT:
            tray, slot_no = place_for(_device_class_id(device))
            tray_id = tray.id if tray is not None else None
            note = None if tray is not None else f"overflow: {overflow_place()}"  # no free slot
        elif row.slot_no is None and row.state == IN_TRAY:  # in the overflow place: it stays where it was put
            note = f"{OVERFLOW_NOTE}{overflow_place_of(device.id)}"
        event, _ = _append(
            device.id,
            CONFISCATED_EV,
            actor,
            now,
            row=row,
            tray_id=tray_id,
            slot_no=slot_no,
            category=category,
            reason=reason,
            policy=policy,
            note=note,
            audit_details={"category": category},
        )
        return event


def _listed_contact(device: Device, contact_id: int | None, what: str) -> Contact:
    if not device.pupil_id:
        raise RuleViolation("This phone does not belong to a pupil.")
    contact = (
        Contact.get_or_none((Contact.id == contact_id) & (Contact.pupil == device.pupil_id)) if contact_id else None
    )
    if contact is None or not contact.active:
        raise RuleViolation(
            f"A confiscated phone goes only to a parent or carer listed for {_pupil_name(device)}: pick one from the list."
            if what == "release"
            else f"Pick the parent or carer who {what} from those listed for {_pupil_name(device)}."
        )
    return contact


def release_to_contact(
    device_id: int, actor: Staff, *, contact_id: int | None, id_seen: bool, now: dt.datetime | None = None
) -> CustodyEvent:
    """Hand a held (usually confiscated) phone to a listed parent or carer, ID seen."""
    now = now or utcnow()
    with write_tx():
        device = _device(device_id)
        require(actor, "release_to_contact", school_class_id=_device_class_id(device))
        row = _state_row(device.id)
        if row.state == POLICE:
            raise RuleViolation(_blocked_message(row))
        contact = _listed_contact(device, contact_id, "release")
        if not contact.can_collect:
            raise RuleViolation(f"{contact.name} is listed but may not collect for {_pupil_name(device)}.")
        if not id_seen:
            raise ValidationError(f"Check {contact.name}'s ID and confirm it was seen before releasing the phone.")
        event, _ = _append(
            device.id,
            RELEASED_TO_CONTACT,
            actor,
            now,
            row=row,
            contact=contact,
            id_seen=True,
            audit_details={"contact_id": contact.id},
        )
        return event


_BRACKETED = re.compile(r"\([^)]*\)?")
_TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx", "dr"})


def searcher_name(display_name: str) -> str:
    """The person's name in a display name, without the role or class in brackets:
    "Miss A Lavelle (head, DSL)" -> "Miss A Lavelle"."""
    name = " ".join(_BRACKETED.sub(" ", display_name or "").split())
    return name or (display_name or "").strip()


def _name_key(name: str) -> tuple[str, ...]:
    """A name as compared: brackets dropped, case, spacing and punctuation ignored, no leading title."""
    words = re.sub(r"[\W_]+", " ", _BRACKETED.sub(" ", name or "").casefold()).split()
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    return tuple(words)


# The grounds and the item sought are the DfE record's heart: fewer letters than this ("x", "g2",
# "???") cannot mean anything (a new user's walk, s1, recorded grounds "x"), nor can letters that
# are no word ("xxxxxxxxxxxx": issue 15). The record's free-text fields are said in words
# (models.text.Evidence: one rule for the ledger, the forms and the command line).
MEANINGFUL_LETTERS = 3
SEARCH_WORDS = {  # a field of record_search: how it is checked and named
    "grounds": Evidence(
        "grounds", "say in words why the phone was searched", plural=True, name="grounds for the search"
    ),
    "item_sought": Evidence("item sought", "say in words what was looked for"),
    "location": Evidence("place of the search", "say where, e.g. Hall or Office", min_letters=2),
    "no_witness_reason": Evidence("reason there was no witness", "say why no one else was there"),
    "found_what": Evidence("kind of thing found", "say what it is in words", name="what was found"),
    "follow_up": Evidence("follow-up", "say in words what happens next"),
}
VAGUE = {field: str(SEARCH_WORDS[field].problem("x")) for field in ("grounds", "item_sought")}  # too short


def vague_problem(field: str, text: str | None) -> str | None:
    """The refusal when a free-text field of a search (``field``, a key of :data:`SEARCH_WORDS`)
    is not said in words (too few letters, or no word among them), or None. Empty is
    ``text_field``'s to say."""
    return SEARCH_WORDS[field].problem(text)


def consent_problem(
    consent_by: str, outcome: str, roles: Iterable[str], follow_up: str | None = None
) -> tuple[str, str] | None:
    """Consent against the outcome and who searched: None, or the field of :func:`record_search`
    to put right (``"outcome"`` or ``"follow_up"``) and the one-line refusal. Shared by the ledger
    and the search form. "Not searched" only when consent was refused; a search made though it was
    refused only by the headteacher (:data:`SEARCH_WITHOUT_CONSENT`); a refusal with no search
    says what was done next."""
    refused = consent_by in REFUSED_CONSENT
    if outcome == NOT_SEARCHED and not refused:
        return "outcome", NOT_SEARCHED_IS_FOR_REFUSAL
    if refused and outcome != NOT_SEARCHED and not (frozenset(roles) & SEARCH_WITHOUT_CONSENT):
        return "outcome", REFUSED_NOT_SEARCHED
    if refused and outcome == NOT_SEARCHED and not (follow_up or "").strip():
        return "follow_up", REFUSED_SAY_NEXT
    return None


def police_contacted(device_id: int) -> bool:
    """Whether the police were called about this phone (``PoliceContact``) in its current
    incident: since its latest confiscation (not undone), or ever if it was never confiscated.
    Then nothing is deleted from it (DfE 2022: data is never deleted from a device that may
    go to the police). A call about an earlier incident, before a later confiscation, does not bind it."""
    undone = CustodyEvent.select(CustodyEvent.reverses).where(CustodyEvent.kind == REVERSAL)
    taken = (
        CustodyEvent.select(CustodyEvent.at)
        .where(
            (CustodyEvent.device == device_id) & (CustodyEvent.kind == CONFISCATED_EV) & CustodyEvent.id.not_in(undone)
        )
        .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc())
        .first()
    )
    calls = PoliceContact.select().where(PoliceContact.device == device_id)
    if taken is not None:
        calls = calls.where(PoliceContact.called_at >= taken.at)
    return calls.exists()


# Refused whatever the DSL decided (online safety 11.1.1; UKCIS; DfE 2022). Never names the
# reason for the confiscation, nor says "held for the DSL" once the DSL has decided.
NEVER_DELETED_NUDE = (
    "Content is never deleted from this phone, nor the pupil asked to delete it, whatever the DSL "
    "decided (online safety 11.1.1)."
)
NEVER_DELETED_POLICE = (
    "The police were called about this phone: nothing is deleted from it, nor the pupil asked to "
    "delete it (DfE 2022: never from a device that may go to the police)."
)


def search_outcome_problem(
    outcome: str, found_what: str | None, cur: Custody | None = None, *, police_contacted: bool = False
) -> tuple[str, KioskError] | None:
    """What a search found and what was done with it, against each other and, given ``cur``,
    against where the phone is (``step``'s rules): None, or the field of :func:`record_search`
    to put right (``"outcome"`` or ``"found_what"``) and the refusal to raise. Shared by the
    ledger and the search form, which checks before its confirm step.

    A deleting outcome is refused on a phone confiscated for suspected nude images (any hold,
    whatever the DSL decided) or that the police were called about (``police_contacted``,
    :func:`police_contacted`)."""
    found_what = (found_what or "").strip() or None
    if outcome == NOT_SEARCHED and found_what is not None:
        return "found_what", ValidationError(NOTHING_FOUND_UNSEARCHED)
    if outcome == "nothing_found" and found_what is not None:
        return "outcome", ValidationError(
            'The outcome is "nothing found": say what was done with what was found instead.'
        )
    if outcome in SEARCH_OUTCOMES and outcome not in ("nothing_found", NOT_SEARCHED) and found_what is None:
        return "found_what", ValidationError(
            'Say what kind of thing was found (not its content), or choose "nothing found".'
        )
    if outcome in DELETING | {"returned"} and found_what is not None and NUDE_WORDS.search(found_what):
        return "outcome", RuleViolation(FOUND_NUDE)
    if cur is not None:
        # Kept by the school for the DSL: not a phone its owner still has (a user's walk, issue 15).
        # Refused here, not in step(), so that a ledger recorded before the rule still replays.
        if outcome == "kept" and cur.state == OUT:
            return "outcome", RuleViolation(
                'The phone is with its owner: confiscate it first, then record "kept by the school for the DSL".'
            )
        try:
            step(cur, SEARCHED, outcome=outcome)
        except (RuleViolation, ValidationError) as exc:
            return "outcome", exc
        if outcome in DELETING and cur.hold:  # the DSL decided: still never deleted
            return "outcome", RuleViolation(NEVER_DELETED_NUDE)
    if outcome in DELETING and police_contacted:
        return "outcome", RuleViolation(NEVER_DELETED_POLICE)
    return None


def _person_words(name: str) -> tuple[str, ...]:
    """A person's name as compared (:func:`_name_key`), titles dropped wherever they are;
    "Lavelle, A" read as "A Lavelle"."""
    bare = _BRACKETED.sub(" ", name or "")
    if "," in bare:
        surname, _, given = bare.partition(",")
        bare = f"{given} {surname}"
    return tuple(w for w in _name_key(bare) if w not in _TITLES)


def _same_person(one: str, other: str) -> bool:
    """Whether two names could be the same person: the same surname, and first names (or
    initials) that agree, or none given by one of them. "Miss Lavelle" and "Miss A Lavelle"
    could be; "Mr B Lavelle" and "Miss A Lavelle" are not."""
    a, b = _person_words(one), _person_words(other)
    if not a or not b or a[-1] != b[-1]:
        return False
    given_a, given_b = a[:-1], b[:-1]
    if not given_a or not given_b:
        return True
    first_a, first_b = given_a[0], given_b[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] == first_b[0]
    return first_a == first_b


# What a searcher may be called by their role (issue 15): "the headteacher" as the witness to the
# head's own search is the searcher. Phrases, compared as words (:func:`_role_only`).
_ROLE_PHRASES: dict[str, tuple[str, ...]] = {
    HEADTEACHER: ("headteacher", "head teacher", "head", "headmistress", "headmaster", "head of school", "principal"),
    DSL: ("dsl", "designated safeguarding lead", "safeguarding lead", "designated lead"),
    LEADERSHIP: ("leadership", "senior leadership", "senior leader", "slt", "leadership team"),
    TEACHER: ("teacher", "class teacher"),
    OFFICE: ("office", "office staff", "receptionist"),
}
_SELF = ("me", "myself", "i", "self", "searcher", "the searcher")
_FILLERS = frozenset({"the", "our", "my", "a", "an", "school", "schools", "and", "also", "acting", "team"})
_ROLE_TAILS = frozenset({"head", "headteacher", "teacher", "lead"})  # "deputy head" is also "deputy"


def _searcher_role_phrases(display_name: str, roles: Iterable[str]) -> set[tuple[str, ...]]:
    """The phrases naming the searcher by role: their roles' words, and the role or class in
    brackets in their display name ("(deputy head)": "deputy head", "deputy")."""
    phrases = {tuple(p.split()) for p in _SELF}
    for role in roles:
        phrases |= {tuple(p.split()) for p in _ROLE_PHRASES.get(role, (ROLE_NAMES.get(role, role),))}
    for bracket in re.findall(r"\(([^)]*)\)?", display_name or ""):
        for part in re.split(r"[,/&;]|\band\b", bracket.casefold()):
            words = tuple(re.sub(r"[\W_]+", " ", part).split())
            if words:
                phrases.add(words)
                if len(words) > 1 and words[-1] in _ROLE_TAILS:
                    phrases.add(words[:-1])
    return phrases


def _role_only(witness: str, phrases: set[tuple[str, ...]]) -> bool:
    """Whether ``witness`` is only the searcher's role words (with "the", "our", "and" …): no
    title, no other word. "Mrs Head" has a title: a person's name."""
    words = [w for w in re.sub(r"[\W_]+", " ", (witness or "").casefold().replace("'s", "")).split()]
    if any(w in _TITLES for w in words):
        return False
    words = [w for w in words if w not in _FILLERS]
    if not words:
        return False
    covered = [True] + [False] * len(words)  # covered[i]: words[:i] are all role phrases
    for i in range(len(words)):
        if covered[i]:
            for phrase in phrases:
                if tuple(words[i : i + len(phrase)]) == phrase:
                    covered[i + len(phrase)] = True
    return covered[-1]


def witness_problem(witness: str, searcher_display_name: str, searcher_roles: Iterable[str] = ()) -> str | None:
    """The refusal when the witness is the searcher themselves (by any spelling of the name:
    titles, roles in brackets, punctuation, case, an initial dropped; or by their own role
    words: "the headteacher" for the head, "DSL" for the DSL), or None."""
    if _same_person(witness, searcher_display_name):
        return "The witness must be someone other than the person searching."
    if _role_only(witness, _searcher_role_phrases(searcher_display_name, searcher_roles)):
        return "The witness must be someone other than the person searching: name them, not your role."
    return None


def no_witness_problem(reason: str, searcher_display_name: str) -> str | None:
    """The refusal when the reason there was no witness is only the searcher's own name, or None."""
    if _same_person(reason, searcher_display_name):
        return "The reason there was no witness is your own name: say why no one else was there."
    return None


def record_search(
    device_id: int,
    actor: Staff,
    *,
    consent_by: str,
    consent_contact_id: int | None = None,
    witness: str | None,
    no_witness_reason: str | None = None,
    grounds: str,
    item_sought: str | None,
    location: str | None,
    others_present: str | None = None,
    found_what: str | None = None,
    outcome: str,
    follow_up: str | None = None,
    parents_informed_at: dt.datetime | None = None,
    parents_informed_how: str | None = None,
    searched_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """Record a search of a phone by a member of the leadership team, with the consent of
    the pupil or a listed parent/carer (mobile technology policy 6): a phone in the tray,
    with its owner, or confiscated. The phone stays where it is.

    ``consent_by`` (:data:`CONSENT_BY`) may record that consent was refused, by the pupil or a
    listed parent or carer (``consent_contact_id``): then the outcome is "not searched", with
    what was done next in ``follow_up``, unless the headteacher searched without consent
    (:func:`consent_problem`; DfE 2022).

    ``searched_at``: when the search happened, if it is written up later (None: now). Not
    in the future, not before the phone's latest event (the ledger's order: the hand-in
    or confiscation it relates to), nor, for a phone with no events, before the pupil was
    on the roster. The event is dated then; its audit entry is dated ``now`` and keeps
    ``searched_at`` too.

    The record is the DfE's (2022): who searched (``actor``) and the witness, or why there
    was none; the consent; the grounds and the item sought; the time (``now``) and the
    location; others present; what was found (``found_what``, empty when nothing was) and
    what was done with it (``outcome``, :data:`SEARCH_OUTCOMES`); the follow-up. Only the
    fact of the search is stored: never anything from the phone's contents.
    """
    now = now or utcnow()
    if consent_by not in CONSENT_BY:
        raise ValidationError("Say who consented (or refused): the pupil or a named parent/carer.")
    if outcome not in SEARCH_OUTCOMES:
        raise ValidationError("Choose the outcome: " + ", ".join(SEARCH_OUTCOMES.values()) + ".")
    witness = text_field(witness, "witness's name", required=False, limit=WITNESS_LIMIT)
    no_witness_reason = text_field(
        no_witness_reason, "reason there was no witness", required=False, limit=NO_WITNESS_LIMIT
    )
    if witness is None and no_witness_reason is None:
        raise ValidationError("Give the witness's name, or the reason there was no witness.")
    if witness is not None and no_witness_reason is not None:
        raise ValidationError("Give the witness's name or the reason there was no witness, not both.")
    if no_witness_reason is not None and (problem := vague_problem("no_witness_reason", no_witness_reason)):
        raise ValidationError(problem)
    grounds = SEARCH_WORDS["grounds"].check(grounds, limit=GROUNDS_LIMIT)
    item_sought = SEARCH_WORDS["item_sought"].check(item_sought, limit=ITEM_LIMIT)
    location = SEARCH_WORDS["location"].check(location, limit=LOCATION_LIMIT)
    others_present = text_field(others_present, "others present", required=False, limit=OTHERS_LIMIT)
    found_what = SEARCH_WORDS["found_what"].check(found_what, required=False, limit=FOUND_LIMIT)
    follow_up = SEARCH_WORDS["follow_up"].check(follow_up, required=False, limit=FOLLOW_UP_LIMIT)
    if refused := search_outcome_problem(outcome, found_what):  # where the phone is: checked again below
        raise refused[1]
    if consent_refused := consent_problem(consent_by, outcome, actor.role_set, follow_up):
        raise ValidationError(consent_refused[1])
    how = text_field(parents_informed_how, "way parents were informed", required=False, limit=INFORMED_HOW_LIMIT)
    if (parents_informed_at is None) != (how is None):
        raise ValidationError("Give both when and how the parents were informed, or neither.")
    if parents_informed_at is not None and _minute(parents_informed_at) > _minute(now):
        raise ValidationError("The time the parents were informed is later than now.")
    if searched_at is not None and _minute(searched_at) > _minute(now):
        raise ValidationError("The time of the search is in the future.")
    with write_tx():
        device = _device(device_id)
        _pupils_only(device, "search")
        if searched_at is not None and latest_event(device.id) is None:
            _not_before_roster(device, searched_at)
        require(actor, "search", school_class_id=_device_class_id(device))
        if witness is not None and (problem := witness_problem(witness, actor.display_name, actor.role_set)):
            raise ValidationError(problem)
        if no_witness_reason is not None and (problem := no_witness_problem(no_witness_reason, actor.display_name)):
            raise ValidationError(problem)

        row = _state_row(device.id)
        require_dsl_for(actor, row.dsl_hold, "search")
        # Where the phone is now, in this transaction: not where it was when a form was opened
        # (it may have gone home, or to the police, meanwhile at another terminal).
        if refused := search_outcome_problem(
            outcome, found_what, _custody(row), police_contacted=police_contacted(device.id)
        ):
            raise refused[1]
        consent_contact = None
        if consent_by in BY_PARENT:
            consent_contact = _listed_contact(
                device, consent_contact_id, "refused" if consent_by in REFUSED_CONSENT else "consented"
            )
        taken = last_event_of(device.id, CONFISCATED_EV) if row.state == CONFISCATED else None
        if parents_informed_at is not None and taken is not None:
            # The same day is accepted: parents may be phoned from the classroom before the
            # phone reaches the office. An earlier day cannot be about this confiscation.
            if local_day(parents_informed_at) < local_day(taken.at):
                raise ValidationError(
                    "The parents cannot have been told before the day the phone was confiscated "
                    f"({local_day(taken.at):%d %B %Y})."
                )
        audit_details: dict[str, Any] = {
            "outcome": outcome,
            "witnessed": witness is not None,
            "found": found_what is not None,
        }
        if consent_by in REFUSED_CONSENT:
            audit_details["consent_refused"] = True
        if searched_at is not None:
            audit_details["searched_at"] = searched_at  # when it happened; the entry's time is when recorded
        event, _ = _append(
            device.id,
            SEARCHED,
            actor,
            searched_at or now,
            row=row,
            typed=searched_at is not None,
            recorded_at=now,
            consent_by=consent_by,
            consent_contact=consent_contact,
            witness=witness,
            no_witness_reason=no_witness_reason,
            grounds=grounds,
            item_sought=item_sought,
            location=location,
            others_present=others_present,
            found_what=found_what,
            outcome=outcome,
            follow_up=follow_up,
            parents_informed_at=parents_informed_at,
            parents_informed_how=how,
            audit_details=audit_details,
        )
        return event


def _not_before_roster(device: Device, at: dt.datetime) -> None:
    """Refuse a typed time before the pupil was added to the school's records."""
    pupil = pupil_for_device(device)
    added = pupil.created_at if pupil is not None else None
    if added is not None and _minute(at) < _minute(added):
        local = to_local(added)
        when = local.strftime("%H:%M") + local.strftime(" on %a %d %b").replace(" 0", " ")
        raise OutOfOrder(
            f"That time is before {_pupil_name(device)} was added to the school's records ({when}); "
            f"enter {local.strftime('%H:%M')} or later.",
            device_id=device.id,
        )


def record_dsl_decision(
    device_id: int, actor: Staff, *, decision: str, note: str, now: dt.datetime | None = None
) -> CustodyEvent:
    """The DSL's (or the headteacher's) decision on a phone held for the DSL (online safety
    11.1.1): "return to parents allowed" or "other" lifts the hold (a confiscated phone still
    goes only to a listed parent or carer); "keep for the police" keeps it held."""
    now = now or utcnow()
    if decision not in DECISIONS:
        raise ValidationError("Choose the decision: " + ", ".join(DECISIONS.values()) + ".")
    note = DECISION_NOTE.check(note, limit=DECISION_NOTE_LIMIT)
    with write_tx():
        device = _device(device_id)
        require(actor, "dsl_decision")
        row = _state_row(device.id)
        event, _ = _append(
            device.id,
            DSL_DECISION,
            actor,
            now,
            row=row,
            outcome=decision,
            note=note,
            audit_details={"decision": decision},
        )
        return event


def hand_to_police(
    device_id: int,
    actor: Staff,
    *,
    officer: str,
    force_reference: str,
    handed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """Hand a phone to the police. Final: nothing may follow it."""
    now = now or utcnow()
    officer = text_field(officer, "officer's name and number", limit=OFFICER_LIMIT)
    force_reference = text_field(force_reference, "police reference", limit=FORCE_REFERENCE_LIMIT)
    if handed_at is not None and handed_at > now + dt.timedelta(minutes=5):
        raise ValidationError("The hand-over time is in the future.")
    with write_tx():
        device = _device(device_id)
        if device.kind == staff_device_access.STAFF_KIND:  # the chair, too, for the head's own
            staff_device_access.require_police(device, actor, doing="hand a member of staff's device to the police")
        else:
            require(actor, "police", school_class_id=_device_class_id(device))
        row = _state_row(device.id)
        require_dsl_for(actor, row.dsl_hold, "police")
        if device.kind == staff_device_access.STAFF_KIND and row.state == POLICE:
            raise RuleViolation("This member of staff's device is already with the police.", device_id=device.id)
        if device.kind == staff_device_access.STAFF_KIND and row.state != CONFISCATED:
            raise RuleViolation(
                "This member of staff's device was given back to them: only a device the school holds goes to the police.",
                device_id=device.id,
            )
        event, _ = _append(
            device.id,
            POLICE_EV,
            actor,
            handed_at or now,
            row=row,
            officer=officer,
            force_reference=force_reference,
            typed=handed_at is not None,
        )
        return event


# A member of staff's own device (models.custody.school_devices) refused a return from the police,
# in its own words (a user's walk, issue 15, read "Only a phone with the police…"): by whether
# the school holds it (True) or gave it back to its owner (False).
STAFF_DEVICE_NOT_WITH_POLICE = {
    True: "This member of staff's device is held by the school, not the police: there is no return to record.",
    False: "This member of staff's device was given back to them: there is no return from the police to record.",
}


def return_from_police(
    device_id: int,
    actor: Staff,
    *,
    officer: str,
    reference: str,
    next_steps: str | None = None,
    returned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CustodyEvent:
    """The police give a phone back to the school: it is held again, confiscated (for a
    listed parent or carer, or to go back to the police), in a free slot or the overflow
    place, as a confiscation would be. ``officer``: who returned it; ``reference``: the
    police reference; ``next_steps``: what happens next (optional, stored in ``reason``).
    The only event that may follow a hand-over. Leadership, the DSL and the headteacher."""
    now = now or utcnow()
    officer = text_field(officer, "officer's name and number", limit=OFFICER_LIMIT)
    reference = text_field(reference, "police reference", limit=FORCE_REFERENCE_LIMIT)
    next_steps = text_field(next_steps, "what happens next", required=False, limit=REASON_LIMIT)
    if returned_at is not None and returned_at > now + dt.timedelta(minutes=5):
        raise ValidationError("The time of the return is in the future.")
    with write_tx():
        device = _device(device_id)
        if device.kind == staff_device_access.STAFF_KIND:  # never the owner; the chair for the head's own
            staff_device_access.require_police(device, actor, doing="record a return from the police")
        else:
            require(actor, "police", school_class_id=_device_class_id(device), doing="record a return from the police")
        row = _state_row(device.id)
        if row.state != POLICE and device.kind == staff_device_access.STAFF_KIND:  # a member of staff's: no "phone"
            raise RuleViolation(STAFF_DEVICE_NOT_WITH_POLICE[row.state == CONFISCATED], device_id=device.id)
        if row.state != POLICE:
            raise RuleViolation("Only a phone with the police can be returned from the police.", device_id=device.id)
        tray, slot_no = place_for(_device_class_id(device))
        place = None if tray is not None else overflow_place()  # no free slot: the overflow place
        event, _ = _append(
            device.id,
            POLICE_RETURNED,
            actor,
            returned_at or now,
            row=row,
            tray_id=tray.id if tray is not None else None,
            slot_no=slot_no,
            officer=officer,
            force_reference=reference,
            reason=next_steps,
            note=f"{OVERFLOW_NOTE}{place}" if place else None,
            audit_details={"overflow": place} if place else None,
            typed=returned_at is not None,
        )
        return event


def move(device_id: int, actor: Staff, *, tray_id: int, slot_no: int, now: dt.datetime | None = None) -> CustodyEvent:
    now = now or utcnow()
    with write_tx():
        device = _device(device_id)
        require(actor, "move", school_class_id=_device_class_id(device))
        tray = Tray.get_or_none((Tray.id == tray_id) & (Tray.active == True))  # noqa: E712
        if tray is None or not 1 <= slot_no <= tray.slots:
            raise ValidationError("There is no such slot.")
        row = _state_row(device.id)
        if row.tray_id == tray.id and row.slot_no == slot_no:
            raise ValidationError(f"The phone is already in slot {slot_name(tray.name, slot_no)}.")
        if not slot_is_free(tray, slot_no):
            raise RuleViolation(f"Slot {slot_name(tray.name, slot_no)} already holds another phone.")
        event, _ = _append(device.id, MOVED, actor, now, row=row, tray_id=tray.id, slot_no=slot_no)
        return event


# ---------------------------------------------------------------- undo


def _rank(staff: Staff, action: str) -> int:
    """The rank in which ``staff`` does ``action``: their most senior role that may do it
    (or, if none may any more, their most senior role)."""
    roles = staff.role_set & PERMISSIONS[action] or staff.role_set
    return max((SENIORITY.get(r, 0) for r in roles), default=0)


def _the(names: list[str]) -> str:
    """Role names for a sentence: "leadership, the DSL or the headteacher"."""
    names = [f"the {n}" if n in ("headteacher", "DSL") else n for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def is_correction(target: CustodyEvent, now: dt.datetime) -> bool:
    """Whether undoing ``target`` at ``now`` corrects history: it was recorded before today."""
    return local_day(target.at) < local_day(now)


def check_undo(actor: Staff, target: CustodyEvent, *, now: dt.datetime | None = None) -> None:
    """Refuse (PermissionDenied, one line) unless ``actor`` may undo ``target`` at ``now``.

    Allowed to the person who recorded it, or to someone whose role may do that action
    (for that pupil's class) and is at least as senior as the role it was recorded in.
    An event recorded before today (the school's local day) is undone only by a role of
    :data:`CORRECTS_HISTORY` or above, whoever recorded it.
    """
    now = now or utcnow()
    if target.kind == REVERSAL:
        raise RuleViolation("A reversal cannot itself be undone: record the action again instead.")
    if target.kind == POLICE_EV:
        raise RuleViolation("A police hand-over is final and cannot be undone.")
    if altered_events([target]):  # a reversal on top of a record nobody can vouch for: never
        raise RuleViolation(UNDO_ALTERED)
    if target.kind == CONFISCATED_EV and target.category == NUDE_IMAGES:
        # Undoing it would lift the hold for the DSL: only the DSL (or the headteacher) may,
        # whoever recorded it (online safety 11.1.1: all such concerns go to the DSL).
        require(actor, "dsl_decision", doing="undo this confiscation (the phone is held for the DSL)")
    recorder = Staff.get_or_none(Staff.id == target.actor_id) if target.actor_id else None
    action = EVENT_ACTION[target.kind]
    if is_correction(target, now) and (actor is None or _rank(actor, action) < CORRECTS_HISTORY):
        need = max(CORRECTS_HISTORY, _rank(recorder, action) if recorder is not None else 0)
        names = [ROLE_NAMES[r] for r in ROLES if r in PERMISSIONS[action] and SENIORITY[r] >= need]
        day = f"{to_local(target.at):%a %d %b}".replace(" 0", " ")
        raise PermissionDenied(
            f"This {EVENT_NOUNS[target.kind]} was recorded on {day}, not today: only {_the(names)} "
            "may undo it now (a correction of history, with its reason)."
        )
    if recorder is not None and actor is not None and recorder.id == actor.id:
        return
    noun = EVENT_NOUNS[target.kind]
    doing = f"undo {'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    device = _device(target.device_id)
    require(actor, action, school_class_id=_device_class_id(device), doing=doing)
    staff_device_access.check_device(device, actor, doing=doing)
    if recorder is None:
        return  # recorded by the system (no member of staff): any role that may do it
    need = _rank(recorder, action)
    if _rank(actor, action) < need:
        names = [ROLE_NAMES[r] for r in ROLES if r in PERMISSIONS[action] and SENIORITY[r] >= need]
        senior = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise PermissionDenied(
            f"Only {recorder.display_name} or someone at least as senior ({senior}) may undo this "
            f"{EVENT_NOUNS[target.kind]}."
        )


def reverse(event_id: int, actor: Staff, *, reason: str, now: dt.datetime | None = None) -> CustodyEvent:
    """Undo a phone's latest action by appending a reversal. Police hand-overs are never undone
    (a return from the police is, by someone who may record one)."""
    now = now or utcnow()
    reason = text_field(reason, "reason for the undo", limit=UNDO_REASON_LIMIT)
    with write_tx():
        target = CustodyEvent.get_or_none(CustodyEvent.id == event_id)
        if target is None:
            raise NotFound("There is no such custody event.")
        check_undo(actor, target, now=now)
        device = _device(target.device_id)
        events = list(CustodyEvent.select().where(CustodyEvent.device == device.id).order_by(CustodyEvent.id))
        history = replay(events)
        if not history.undo_stack or history.undo_stack[-1][0] != target.id:
            if any(e.reverses_id == target.id for e in events):
                raise RuleViolation("That action has already been undone.")
            raise RuleViolation("Only the latest action on a phone can be undone: undo the later ones first.")
        before = history.undo_stack[-1][2]
        row = _state_row(device.id)
        if before.slot_no is not None and (before.tray_id, before.slot_no) != (row.tray_id, row.slot_no):
            tray = Tray.get_by_id(before.tray_id)
            if not slot_is_free(tray, before.slot_no):
                raise RuleViolation(
                    f"Cannot undo: slot {slot_name(tray.name, before.slot_no)} now holds another phone."
                )
        now = _in_order(device.id, now, typed=False)
        prev = audit.head()
        event = CustodyEvent.create(
            device=device.id,
            kind=REVERSAL,
            at=now,
            actor=actor,
            reverses=target.id,
            note=reason,
            tray=before.tray_id,
            slot_no=before.slot_no,
            audit_seq=prev[0] + 1,
        )
        _save_state(row, before, now, event)
        audit.append(
            actor,
            "custody.reversal",
            "custody_event",
            event.id,
            {
                "event_id": event.id,
                "device_id": device.id,
                "reverses": target.id,
                **({"correction": True} if is_correction(target, now) else {}),
            },
            now,
            prev=prev,
        )
        return event


# ---------------------------------------------------------------- reading


def state_of(device_id: int) -> DeviceState:
    return _state_row(device_id)


def history(device_id: int) -> list[CustodyEvent]:
    return list(
        CustodyEvent.select(CustodyEvent, Staff)
        .join(Staff, join_type=JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
        .where(CustodyEvent.device == device_id)
        .order_by(CustodyEvent.id)
    )


ALTERED = "ALTERED — does not match the audit chain"
UNDO_ALTERED = (
    "Not undone: the latest action was edited outside the kiosk (marked ALTERED): "
    "ask an admin to run kiosk audit verify."
)


def altered_events(events: Iterable[CustodyEvent]) -> dict[int, str]:
    """The mark for each of ``events`` that does not match the audit chain (someone with the
    database file edited the event or its audit entry): the audit check's own tests, for these
    events alone (:func:`models.audit.chain.altered_rows`). The ledger is append-only, so an
    event's own entry is the last word on it."""
    found = audit.altered_rows("custody_event", {e.id: e.audit_seq for e in events})
    return {event_id: f"{ALTERED} ({why})" for event_id, why in found.items()}


DETAIL_KINDS = frozenset({CONFISCATED_EV, SEARCHED, POLICE_EV, DSL_DECISION, POLICE_RETURNED})


def _parents_told(event_id: int) -> str:
    """What the parents-informed record (ParentsInformed, the one way to record it) says of a
    search: when they were last told and how, or that they are not yet."""
    return parents_told([event_id])[event_id]


def parents_told(event_ids: Iterable[int]) -> dict[int, str]:
    """:func:`_parents_told` for many searches in one query (for a list of them, such as
    the DSL's feed): event id -> the words."""
    ids = list(event_ids)
    out = dict.fromkeys(ids, "; parents not yet informed")
    if not ids:
        return out
    for p in (
        ParentsInformed.select(ParentsInformed.event, ParentsInformed.told_at, ParentsInformed.how)
        .where(ParentsInformed.event.in_(ids))
        .order_by(ParentsInformed.id)
    ):  # the last record of each search wins
        out[p.event_id] = f"; parents informed {local_from_utc_naive(p.told_at)} ({p.how.replace('_', ' ')})"
    return out


def describe_event(
    e: CustodyEvent,
    tray_names: dict[int, str] | None = None,
    *,
    reader: Staff | Iterable[str],
    told: dict[int, str] | None = None,
) -> str:
    """One line of the chain of custody, in plain English, as ``reader`` may read it.

    A search's grounds, consent and outcome, a confiscation's reason and a police
    hand-over's details are for leadership, the DSL, the headteacher and the person who
    recorded the event (:func:`models.staff.auth.may_read_details`); anyone else reads that it
    happened, when, and where the phone is held. ``reader`` is the staff row reading, or
    only roles (a reader who is nobody in particular, such as the command line's reports).
    ``tray_names`` (tray id -> name) saves a query per event when describing many, and
    ``told`` (:func:`parents_told` of the searches among them) one per search.
    """
    if tray_names is not None and e.tray_id is not None and e.slot_no is not None:
        slot = slot_name(tray_names[e.tray_id], e.slot_no)
    else:
        slot = _slot_text(e.tray_id, e.slot_no)
    actor = e.actor if e.actor_id else None
    who = actor.display_name if actor is not None else "system"
    if not slot and e.kind in (HANDED_IN, CONFISCATED_EV, HELD_STAFF, POLICE_RETURNED):  # no free slot: overflow
        slot = (e.note or "").removeprefix("overflow: ") or overflow_place()
    withheld = e.kind in DETAIL_KINDS and not may_read_details(reader, e.actor_id)
    if e.kind in STAFF_EVENT_KINDS or e.kind in (POLICE_EV, REVERSAL):  # a member of staff's device: DSL and head
        owner = staff_device_access.owner_of(e.device_id)
        if owner is not None and not staff_device_access.may_read(reader, owner):
            where = f"; held in {'slot ' if e.slot_no is not None else ''}{slot}" if e.kind == HELD_STAFF else ""
            text = f"{EVENT_WORDS[e.kind]} ({staff_device_access.withheld_words(owner)}){where}"
            return f"{local_from_utc_naive(e.at)}  {text}  (by {who})"
    if e.kind == REVERSAL and e.reverses_id is not None:
        # An undo's reason often repeats what it undoes: as private as the undone event's
        # details, for whoever may read those or recorded the undo.
        undone = CustodyEvent.get_or_none(CustodyEvent.id == e.reverses_id)
        withheld = (
            undone is not None
            and undone.kind in DETAIL_KINDS
            and not (may_read_details(reader, undone.actor_id) or may_read_details(reader, e.actor_id))
        )
    if withheld and e.kind == REVERSAL:
        text = f"undo of event {e.reverses_id} ({DETAILS_WITHHELD})"
    elif withheld:
        held = (
            f"; held in {'slot ' if e.slot_no is not None else ''}{slot}"
            if e.kind in (CONFISCATED_EV, POLICE_RETURNED)
            else ""
        )
        text = f"{EVENT_WORDS[e.kind]} ({DETAILS_WITHHELD}){held}"
    elif e.kind == HANDED_IN:
        text = f"handed in, slot {slot}" if e.slot_no is not None else f"handed in, overflow: {slot}"
    elif e.kind == RELEASED:
        text = f"released to pupil from slot {slot}" if slot else "released to pupil"
    elif e.kind == RETURNED:
        text = f"returned to the visitor from slot {slot}" if slot else "returned to the visitor"
    elif e.kind == CONFISCATED_EV:
        category = f"{CATEGORIES.get(e.category, e.category)}; " if e.category else ""
        text = (
            f"confiscated ({category}{e.policy}): {e.reason}; held in {'slot ' if e.slot_no is not None else ''}{slot}"
        )
    elif e.kind == RELEASED_TO_CONTACT:
        c = e.contact
        assert c is not None  # a release to a contact is recorded only with the contact
        text = f"released to {c.name} ({c.relationship}), ID seen"
    elif e.kind == SEARCHED:
        consenter = e.consent_contact if e.consent_contact_id else None
        consent = "pupil" if e.consent_by in ("pupil", "refused_pupil") else (consenter.name if consenter else "parent")
        outcome = SEARCH_OUTCOMES.get(e.outcome, e.outcome) if e.outcome is not None else None
        informed = (
            f"; parents informed {local_from_utc_naive(e.parents_informed_at)} by {e.parents_informed_how}"
            if e.parents_informed_at  # a search recorded before the parents-informed record (issue 15)
            else told[e.id]
            if told is not None and e.id in told
            else _parents_told(e.id)
        )
        witnessed = f"witness {e.witness}" if e.witness else f"no witness ({e.no_witness_reason})"
        sought = f"; looking for: {e.item_sought}" if e.item_sought else ""
        place = f"; in {e.location}" if e.location else ""
        others = f"; also present: {e.others_present}" if e.others_present else ""
        found = f"; found: {e.found_what}" if e.found_what else ""
        follow = f"; follow-up: {e.follow_up}" if e.follow_up else ""
        if e.consent_by in REFUSED_CONSENT:  # refused: not searched, or searched by the headteacher without it
            done = "not searched" if e.outcome == NOT_SEARCHED else "searched without consent"
            consented = f"{done}, consent refused by {'the pupil' if consent == 'pupil' else consent}"
        else:
            consented = f"searched, consent {consent}"
        text = (
            f"{consented}, {witnessed}; grounds: {e.grounds}; outcome: {outcome}{informed}"
            f"{place}{sought}{others}{found}{follow}"
        )
    elif e.kind == POLICE_EV:
        text = f"handed to police: {e.officer}, reference {e.force_reference}"
    elif e.kind == POLICE_RETURNED:
        nxt = f"; next: {e.reason}" if e.reason else ""
        text = (
            f"returned by the police: {e.officer}, reference {e.force_reference}{nxt}; "
            f"held in {'slot ' if e.slot_no is not None else ''}{slot}"
        )
    elif e.kind == MOVED:
        text = f"moved to slot {slot}"
    elif e.kind == HELD_STAFF:
        where = f"slot {slot}" if e.slot_no is not None else slot
        text = f"held for the {e.policy}: {e.reason}; held in {where}"
    elif e.kind == RETURNED_TO_STAFF:
        text = f"returned to the member of staff, decided: {e.reason}"
    elif e.kind == DSL_DECISION:
        text = f"DSL's decision: {DECISIONS.get(e.outcome or '', e.outcome)}: {e.note}"
    elif e.kind == REVERSAL:
        text = f"undo of event {e.reverses_id}: {e.note}"
    else:  # pragma: no cover
        text = e.kind
    return f"{local_from_utc_naive(e.at)}  {text}  (by {who})"


def verify_states() -> list[str]:
    """Replay every device's events and compare with the stored current state; and check
    that each phone's events are in time order (in ledger order, no event dated earlier
    than the one before it).

    A value the kiosk never writes (an event kind, a stored state, a time that is not a
    time: only possible with ``sqlite3`` or ``psql``) is a problem naming the table and
    the row, never a crash; that phone's replay is then not attempted."""
    problems: list[str] = []
    events_by_device: dict[int, list[CustodyEvent]] = {}
    unreadable: set[int] = set()  # devices with an event the replay cannot read
    for n, e in enumerate(CustodyEvent.select().order_by(CustodyEvent.id).iterator()):
        if not n % 1000:
            stop_point()  # the app is closing: the records' check stops between batches
        events_by_device.setdefault(e.device_id, []).append(e)
        if e.kind not in KINDS:
            problems.append(
                f"Table custody_event: custody event {e.id} is of a kind the kiosk never records "
                f"({e.kind!r}): written outside the kiosk."
            )
            unreadable.add(e.device_id)
        if not isinstance(e.at, dt.datetime):
            problems.append(
                f"Table custody_event: custody event {e.id} has a time the kiosk cannot read "
                f"({e.at!r}): written outside the kiosk."
            )
            unreadable.add(e.device_id)
    rows = {r.device_id: r for r in DeviceState.select()}
    for device_id, row in sorted(rows.items()):
        if row.state not in STATE_WORDS:
            problems.append(
                f"Table device_state: device {device_id} has a state the kiosk never records "
                f"({row.state!r}): written outside the kiosk."
            )
            unreadable.add(device_id)
    for device_id in sorted({d.id for d in Device.select(Device.id)} | set(events_by_device)):
        if device_id in unreadable:
            continue  # named above: a replay of it would mean nothing
        try:
            derived = replay(events_by_device.get(device_id, [])).custody
        except LedgerError as exc:
            problems.append(f"device {device_id}: {exc}")
            continue
        state_row = rows.get(device_id)
        stored = (
            Custody(state_row.state, state_row.tray_id, state_row.slot_no, state_row.dsl_hold or "")
            if state_row
            else Custody()
        )
        if stored != derived:
            problems.append(f"device {device_id}: stored state {stored} differs from the ledger's {derived}")
        events = events_by_device.get(device_id, [])
        for before, e in zip(events, events[1:], strict=False):  # per phone, events are in time order
            if e.at < before.at:
                problems.append(
                    f"device {device_id}: event {e.id} ({e.kind}) is dated {local_from_utc_naive(e.at)}, "
                    f"before event {before.id} ({before.kind}) at {local_from_utc_naive(before.at)}"
                )
                break
    return problems


def pupil_for_device(device: Device) -> Pupil | None:
    return device.pupil if device.pupil_id else None


# ---------------------------------------------------------------- visitor phones
# Used by models.visitors.visits inside its own transactions. A visitor's phone is a
# Device(kind="visitor") under a V-label, so the tray and the ledger stay one truth.
# Only a member of staff receives or returns one, and the event names them: the
# self-service screen only records that the visitor says they will hand it in.


def _staff_only(actor: Staff | None, what: str) -> Staff:
    if not isinstance(actor, Staff):
        raise RuleViolation(f"Only a member of staff can {what} a visitor's phone: please see the office.")
    return actor


def hand_in_visitor_phone(device_id: int, actor: Staff, code: str, *, now: dt.datetime) -> tuple[CustodyEvent, str]:
    """The office receives a visitor's phone into the first free shared slot; returns the event and slot name.

    With no slot free it is recorded in the overflow place, as a pupil's phone would be:
    the office has the phone either way.
    """
    with write_tx():
        require(_staff_only(actor, "receive"), "hand_in")
        row = _state_row(device_id)
        if row.state != OUT:
            raise RuleViolation(f"This visitor phone is already {STATE_WORDS[row.state]}.", device_id=device_id)
        tray, slot_no = place_for(None)
        if tray is None:
            place = overflow_place()
            event, _ = _append(
                device_id,
                HANDED_IN,
                actor,
                now,
                row=row,
                label_code=code,
                note=f"overflow: {place}",
                audit_details={"overflow": place},
            )
            return event, place
        event, _ = _append(device_id, HANDED_IN, actor, now, row=row, tray_id=tray.id, slot_no=slot_no, label_code=code)
        return event, slot_name(tray.name, slot_no)


def return_visitor_phone(device_id: int, actor: Staff, *, now: dt.datetime) -> tuple[CustodyEvent | None, str]:
    """The office gives a visitor's phone back. Returns (event, slot it came from).

    A phone that is not in the tray gives (None, ""); a confiscated or police phone
    stays where it is (the caller says so): (None, state).
    """
    with write_tx():
        require(_staff_only(actor, "return"), "release")
        row = _state_row(device_id)
        if row.state == OUT:
            return None, ""
        if row.state != IN_TRAY:
            return None, row.state
        slot = _slot_text(row.tray_id, row.slot_no) or overflow_place_of(device_id)
        event, _ = _append(device_id, RETURNED, actor, now, row=row)
        return event, slot
