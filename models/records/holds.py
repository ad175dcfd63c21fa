"""Legal holds: THE one definition of what purge must keep and erase must refuse.

A hold is: a phone the school holds (in a tray, confiscated, or with the police, now or
ever handed to them); a phone, visit or concern tied to a concern still open with the
DSL; a visitor still on site, or whose phone the school still holds. Purge and erase
both call :func:`legal_holds` (through this module, so there is one definition to test).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from models.custody.ledger import CONFISCATED, CONFISCATED_EV, DSL_DECISION, IN_TRAY, OUT, POLICE, POLICE_EV, SEARCHED
from models.store.tables import Concern, CustodyEvent, Device, DeviceState, Tray, Visit

SERIOUS_KINDS = frozenset({CONFISCATED_EV, SEARCHED, POLICE_EV, DSL_DECISION})
# A pupil's custody episode with one of these is a child protection record (kept until the
# pupil's date of birth + 25 years, IRMS), with the confiscation in the same episode.
# (the DSL's decision on a phone held for suspected nude or semi-nude images too: issue 15)
CHILD_PROTECTION_KINDS = frozenset({SEARCHED, POLICE_EV, DSL_DECISION})
HOLD_WORDS: dict[str, str] = {
    POLICE: "handed to the police: its whole history is kept",
    CONFISCATED: "confiscated and still held by the school: its whole history is kept",
    IN_TRAY: "still in the tray, never collected: its current hand-in is kept",
}


@dataclass(frozen=True)
class Hold:
    """A record kept (from purge) or blocking erasure, because of a legal hold.

    ``reason`` is purge's line (what is kept, no names); ``ask`` is erase's reason, said of
    the person already named, with no record numbers (e.g. "their phone is in tray A-01:
    release it first").
    """

    kind: str  # the record kind
    entity: str  # e.g. "device"
    entity_id: int
    code: str  # short reason code for the audit entry: police | confiscated | in_tray | ...
    reason: str  # one plain-English line, no names
    ask: str = ""  # erase's refusal, with "{who}" for the person
    concern_id: int | None = None  # the open concern behind it, if that is the reason

    def audit_ref(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.entity_id, "why": self.code}

    def refusal(self) -> str:
        """Erase's reason, after the person's name ("… cannot be erased yet: <this>")."""
        return self.ask or f"a record of theirs is {self.reason}"


# Codes of the holds (with POLICE, CONFISCATED and IN_TRAY): the one definition is legal_holds.
OPEN_CONCERN, SIGNED_IN, PHONE_HELD = "open_concern", "signed_in", "phone_held"
HOLD_ORDER = (POLICE, CONFISCATED, OPEN_CONCERN, IN_TRAY, SIGNED_IN, PHONE_HELD)  # strongest first

# Not legal holds: records the retention rules themselves keep past the flat period and the
# purge lists apart ("Kept by the retention rules"). They never block an erasure.
NO_DOB, STAFF_ALLEGATION = "no_dob", "staff_allegation"
RETAINED_CODES = frozenset({NO_DOB, STAFF_ALLEGATION})
RETAINED_WORDS: dict[str, str] = {
    NO_DOB: "child protection record of a pupil whose date of birth is unknown: kept "
    "(date of birth + 25 years, IRMS); add the date of birth to let it expire",
    STAFF_ALLEGATION: "about a member of staff: kept until their normal retirement age or 10 years "
    "from the allegation, whichever is longer (KCSIE Part 4); the kiosk never deletes it, review it by hand",
}


def _slot_words(state: Any) -> str:
    from models.custody.trays import slot_name

    tray = Tray.get_or_none(Tray.id == state.tray_id) if state.tray_id is not None else None
    if tray is None:
        return "is handed in at the office"
    return f"is in tray {slot_name(tray.name, state.slot_no)}"


def legal_holds(
    *, devices: Collection[int] = (), visits: Collection[int] = (), concerns: Collection[int] = ()
) -> list[Hold]:
    """THE definition of a legal hold, for purge and erase alike.

    A hold is: a phone the school holds (in a tray, confiscated, or with the police,
    now or ever handed to them); a phone, visit or concern tied to a concern still
    open with the DSL; a visitor still on site (a visit not signed out) or whose phone
    the school still holds. Given the ids to look at, returns every hold on them,
    strongest first for each record. Purge keeps what is held (a phone in the tray keeps
    its current hand-in); erase refuses while anything of the person's is held.
    """
    holds: list[Hold] = []
    device_ids = sorted(set(devices))
    held_devices: set[int] = set()
    for chunk in _in_batches(device_ids, 500):
        kinds = {d.id: d.kind for d in Device.select(Device.id, Device.kind).where(Device.id.in_(chunk))}
        for s in DeviceState.select().where(
            DeviceState.device.in_(chunk) & DeviceState.state.in_([IN_TRAY, CONFISCATED, POLICE])
        ):
            held_devices.add(s.device_id)
            if s.state == POLICE:
                holds.append(
                    Hold(
                        "custody_events",
                        "device",
                        s.device_id,
                        POLICE,
                        HOLD_WORDS[POLICE],
                        "their phone was handed to the police: its record is evidence",
                    )
                )
            elif s.state == CONFISCATED:
                holds.append(
                    Hold(
                        "custody_events",
                        "device",
                        s.device_id,
                        CONFISCATED,
                        HOLD_WORDS[CONFISCATED],
                        "their phone is confiscated and still held by the school: return it first",
                    )
                )
            else:
                holds.append(
                    Hold(
                        "custody_events",
                        "device",
                        s.device_id,
                        IN_TRAY,
                        HOLD_WORDS[IN_TRAY],
                        f"their phone {_slot_words(s)}: {'release' if kinds.get(s.device_id) == 'pupil' else 'return'} it first",
                    )
                )
        for device_id in sorted(d for d, kind in kinds.items() if kind == "staff"):
            # A member of staff's device held for the LADO or the police (issue 15): its history is
            # an allegation record (KCSIE Part 4), kept whole and reviewed by hand.
            holds.append(
                Hold("custody_events", "device", device_id, STAFF_ALLEGATION, RETAINED_WORDS[STAFF_ALLEGATION])
            )
        police = {
            e.device_id
            for e in CustodyEvent.select(CustodyEvent.device)
            .where(CustodyEvent.device.in_(chunk) & (CustodyEvent.kind == POLICE_EV))
            .distinct()
        }
        for device_id in sorted(police - {h.entity_id for h in holds if h.code == POLICE}):
            holds.append(
                Hold(
                    "custody_events",
                    "device",
                    device_id,
                    POLICE,
                    HOLD_WORDS[POLICE],
                    "their phone was handed to the police: its record is evidence",
                )
            )
        for c in (
            Concern.select(Concern.id, Concern.device)
            .where(Concern.device.in_(chunk) & (Concern.status == "open"))
            .order_by(Concern.id)
        ):
            if any(h.entity_id == c.device_id and h.code == OPEN_CONCERN for h in holds if h.entity == "device"):
                continue
            holds.append(
                Hold(
                    "custody_events",
                    "device",
                    c.device_id,
                    OPEN_CONCERN,
                    f"linked to concern {c.id}, still open with the DSL: its whole history is kept",
                    "their phone is linked to a concern still open with the DSL: the DSL must close it first",
                    c.id,
                )
            )
    visit_ids = sorted(set(visits))
    for chunk in _in_batches(visit_ids, 500):
        open_concerns = {
            c.visit_id: c.id
            for c in Concern.select(Concern.id, Concern.visit_id)
            .where(Concern.visit_id.in_(chunk) & (Concern.status == "open"))
            .order_by(Concern.id.desc())
        }
        rows = list(
            Visit.select(Visit.id, Visit.device, Visit.signed_out_at).where(Visit.id.in_(chunk)).order_by(Visit.id)
        )
        phones = {v.device_id for v in rows if v.device_id is not None}
        phone_held = {
            s.device_id
            for s in DeviceState.select(DeviceState.device).where(
                DeviceState.device.in_(sorted(phones) or [0]) & (DeviceState.state != OUT)
            )
        }
        for v in rows:
            if v.signed_out_at is None:
                holds.append(
                    Hold(
                        "visits",
                        "visit",
                        v.id,
                        SIGNED_IN,
                        "never signed out: sign the visitor out (or check the roll call) first",
                        "they are still signed in: sign them out first",
                    )
                )
            if v.id in open_concerns:
                holds.append(
                    Hold(
                        "visits",
                        "visit",
                        v.id,
                        OPEN_CONCERN,
                        "named by a concern still open with the DSL: kept until it is closed",
                        "a visit of theirs is named in a concern still open with the DSL: the DSL must close it first",
                        open_concerns[v.id],
                    )
                )
            if v.device_id in phone_held and v.device_id not in held_devices:  # else the phone's own hold says it
                holds.append(
                    Hold(
                        "visits",
                        "visit",
                        v.id,
                        PHONE_HELD,
                        "the school still holds the visitor's phone: kept with its history",
                        "their phone is still held by the school: return it first",
                    )
                )
    concern_ids = sorted(set(concerns))
    for chunk in _in_batches(concern_ids, 500):
        for c in (
            Concern.select(Concern.id).where(Concern.id.in_(chunk) & (Concern.status == "open")).order_by(Concern.id)
        ):
            holds.append(
                Hold(
                    "concerns",
                    "concern",
                    c.id,
                    OPEN_CONCERN,
                    "still open with the DSL: kept until it is closed",
                    "they are named in a concern still open with the DSL: the DSL must close it first",
                    c.id,
                )
            )
    rank = {code: i for i, code in enumerate(HOLD_ORDER)}
    return sorted(holds, key=lambda h: (h.entity != "device", h.entity, h.entity_id, rank.get(h.code, len(rank))))


def strongest(holds: Iterable[Hold]) -> dict[tuple[str, int], Hold]:
    """The first (strongest) hold on each record."""
    out: dict[tuple[str, int], Hold] = {}
    for h in holds:
        out.setdefault((h.entity, h.entity_id), h)
    return out


def _in_batches(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
