"""End-of-day release: scan each phone and hand it back to its owner.

A confiscated phone is refused by the scan (BLOCKED: parent/carer collection only);
F4 then opens :class:`ReleaseToContactDialog` for that phone, and only a listed
parent or carer, with ID seen, can take it. A phone with the police is refused.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from kiosk.scanning import ScanResult
from kiosk.screens.scan_base import ScanScreen
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.workers import DbResult, call_db

HINT_F4 = "Press F4 to release it to a listed parent or carer."


# ---------------------------------------------------------------- worker functions (plain data)


def _visitor_owner(device_id: int) -> str:
    """A visitor's phone is shown with the visitor's name."""
    from models.visitors import names_for_devices

    name = names_for_devices([device_id]).get(device_id)
    return f"{name} (visitor)" if name else "Visitor"


def contact_offer(device_id: int, staff_id: int, seq: int | None = None) -> dict:
    """A held phone's state, owner and the contacts who may collect it (for the dialog)."""
    from models import custody
    from models.auth import require
    from models.errors import NotFound
    from models.people import contacts_of
    from models.tables import Device, Staff

    device = Device.get_or_none(Device.id == device_id)
    if device is None:
        raise NotFound("There is no such phone.")
    pupil = device.pupil if device.pupil_id else None
    require(Staff.get_by_id(staff_id), "release_to_contact", school_class_id=pupil.school_class_id if pupil else None)
    contacts = [
        (c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name)
        for c in (contacts_of(pupil.id) if pupil else [])
        if c.can_collect
    ]
    return {
        "seq": seq,
        "device_id": device.id,
        "state": custody.state_of(device.id).state,
        "pupil": pupil.full_name if pupil else _visitor_owner(device.id),
        "class": pupil.school_class.name if pupil else "",
        "contacts": contacts,
    }


def record_release_to_contact(device_id: int, staff_id: int, contact_id: int, now) -> dict:
    """Release a held phone to a listed contact; the dialog has confirmed ID seen."""
    from models import custody
    from models.devices import current_label
    from models.tables import Contact, Device, Staff, Tray
    from models.trays import slot_name

    event = custody.release_to_contact(
        device_id, Staff.get_by_id(staff_id), contact_id=contact_id, id_seen=True, now=now
    )
    contact = Contact.get_by_id(contact_id)
    device = Device.get_by_id(device_id)
    label = current_label(device)
    slot = slot_name(Tray.get_by_id(event.tray_id).name, event.slot_no) if event.tray_id else ""
    return {
        "event_id": event.id,
        "device_id": device_id,
        "slot": slot,
        "code": label.code if label else "",
        "contact": f"{contact.name} ({contact.relationship})" if contact.relationship else contact.name,
        "pupil": contact.pupil.full_name,
        "class": contact.pupil.school_class.name,
    }


def _held_by_class(generation: int, now) -> tuple[int, dict[str, int]]:
    """Phones still in a slot (not confiscated), per class; ``generation`` orders the answers."""
    from models import reports

    counts: dict[str, int] = {}
    for row in reports.uncollected(now):
        if row["state"] == "in the tray":
            name = row["class"] or "Visitors"
            counts[name] = counts.get(name, 0) + 1
    return generation, counts


# ---------------------------------------------------------------- screen


class ReleaseScreen(ScanScreen):
    TITLE_TEXT = "End-of-day release"
    OK_WORD = "RELEASED"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="release.back"),
        Binding("f4", "release_to_contact", "Parent/carer", id="release.to_contact"),
    ]

    def __init__(self, who) -> None:
        super().__init__(who)
        self.offer: dict | None = None  # the confiscated phone on screen, ready for F4
        self.held_asked = self.held_shown = 0  # counts refreshes can finish out of order

    def operation(self):
        from models.custody import release

        return release

    def on_mount(self) -> None:
        # Textual also runs ScanScreen.on_mount (handlers are called along the MRO).
        self.refresh_held()

    def refresh_held(self) -> None:
        self.held_asked += 1
        call_db(self, "held", _held_by_class, self.held_asked, self.app.services.clock.now())

    def after_batch(self, batch: list[ScanResult]) -> None:
        self.offer = None  # F4 acts only on the phone whose result is on screen
        if any(r.outcome == "OK" for r in batch):
            self.refresh_held()
        last = batch[-1]
        if last.outcome == "BLOCKED" and last.device_id is not None:
            call_db(self, "offer", contact_offer, last.device_id, self.who.id, last.seq)

    def on_db_result(self, result: DbResult) -> None:
        if result.tag == "held" and result.ok:
            generation, counts = result.value
            if generation < self.held_shown:
                return  # a later count is already on screen
            self.held_shown = generation
            text = " · ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            self.query_one("#progress", Static).update(f"Still in slots: {text}" if counts else "Still in slots: none")
        elif result.tag == "offer" and result.ok:
            offer = result.value
            latest = self.results[-1] if self.results else None
            if latest is None or latest.seq != offer["seq"]:
                return  # a later scan is on screen
            self.query_one("#outcome-who", Static).update(f"{offer['pupil']} · {offer['class']}")
            if offer["state"] != "confiscated":
                return  # with the police: nobody can collect it
            self.offer = offer
            self.query_one("#outcome-message", Static).update(f"{latest.message} {HINT_F4}")
        elif result.tag == "to_contact":
            if not result.ok:
                self.notify(result.error or "", severity="error", markup=False)
                return
            self.show_contact_release(result.value)
            self.refresh_held()

    # ------------------------------------------------------------ release to a parent or carer

    def action_release_to_contact(self) -> None:
        if self.offer is None:
            self.notify("Scan the confiscated phone first, then press F4.")
            return
        from kiosk.dialogs.release_contact import ReleaseToContactDialog

        offer = self.offer
        self.app.push_screen(
            ReleaseToContactDialog(offer["pupil"], offer["contacts"]),
            lambda contact_id: self._to_contact(offer, contact_id),
        )

    def _to_contact(self, offer: dict, contact_id: int | None) -> None:
        if contact_id is None:
            return  # cancelled: nothing is recorded
        call_db(
            self,
            "to_contact",
            record_release_to_contact,
            offer["device_id"],
            self.who.id,
            contact_id,
            self.app.services.clock.now(),
        )

    def show_contact_release(self, done: dict) -> None:
        from models.clock import to_local

        self.offer = None
        message = f"released to {done['contact']}, ID seen" + (f", from slot {done['slot']}" if done["slot"] else "")
        self.query_one("#outcome").set_classes("outcome-ok")
        self.query_one("#outcome-word", Static).update(self.OK_WORD)
        self.query_one("#outcome-who", Static).update(f"{done['pupil']} · {done['class']}")
        self.query_one("#outcome-slot-label", Static).update("")
        self.query_one("#outcome-slot").update("")
        self.query_one("#outcome-message", Static).update(message)
        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        self.query_one("#log", ScanLog).add(
            LogRow("", now, done["code"], done["pupil"], done["class"], f"{self.OK_WORD}: {message}", "OK")
        )
        self.ring("OK")
