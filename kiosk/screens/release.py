"""End-of-day release: scan each phone and hand it back to its owner.

A confiscated phone is refused by the scan (BLOCKED: parent/carer collection only);
F4 then opens :class:`ReleaseToContactDialog` for that phone, and only a listed
parent or carer, with ID seen, can take it. A phone with the police is refused.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from kiosk.actions import custody as act
from kiosk.scanning import ScanResult
from kiosk.screens.scan_base import ScanScreen
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.workers import Failure
from models.errors import ScanOutcome

HINT_F4 = "Press F4 to release it to a listed parent or carer."


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
        self.offer: act.ContactOffer | None = None  # the confiscated phone on screen, ready for F4

    def operation(self):
        from models.custody.ledger import release

        return release

    def on_mount(self) -> None:
        # Textual also runs ScanScreen.on_mount (handlers are called along the MRO).
        self.refresh_held()

    def refresh_held(self) -> None:
        # refreshes can finish out of order: only the latest count is shown
        self.db(act.still_in_slots, self.app.services.clock.now(), then=self.show_held, latest="held")

    def show_held(self, counts: dict[str, int]) -> None:
        text = " · ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        self.query_one("#progress", Static).update(f"Still in slots: {text}" if counts else "Still in slots: none")

    def after_batch(self, batch: list[ScanResult]) -> None:
        self.offer = None  # F4 acts only on the phone whose result is on screen
        if any(r.outcome == ScanOutcome.OK for r in batch):
            self.refresh_held()
        last = batch[-1]
        if last.outcome == ScanOutcome.BLOCKED and last.device_id is not None:
            self.db(act.contact_offer, self.who, last.device_id, last.seq, then=self.got_offer, failed=self.no_offer)

    def got_offer(self, offer: act.ContactOffer) -> None:
        latest = self.results[-1] if self.results else None
        if latest is None or latest.seq != offer.seq:
            return  # a later scan is on screen
        self.query_one("#outcome-who", Static).update(f"{offer.pupil} · {offer.class_name}")
        if not offer.collectable:
            return  # with the police: nobody can collect it
        self.offer = offer
        self.query_one("#outcome-message", Static).update(f"{latest.message} {HINT_F4}")

    def no_offer(self, failure: Failure) -> None:
        """Not this person's to release (or gone): the scan's own refusal stays on screen, F4 says why."""

    # ------------------------------------------------------------ release to a parent or carer

    def action_release_to_contact(self) -> None:
        if self.still_scanning("F4"):
            return
        if self.offer is None:
            self.notify("Scan the confiscated phone first, then press F4.")
            return
        from kiosk.dialogs.release_contact import ReleaseToContactDialog

        offer = self.offer
        self.app.push_screen(
            ReleaseToContactDialog(offer.pupil, list(offer.contacts)),
            lambda contact_id: self._to_contact(offer, contact_id),
        )

    def _to_contact(self, offer: act.ContactOffer, contact_id: int | None) -> None:
        if contact_id is None:
            return  # cancelled: nothing is recorded
        now = self.app.services.clock.now()
        self.db(act.release_held_to_contact, self.who, offer.device_id, contact_id, now, then=self.released)

    def released(self, done: act.ReleasedToContact) -> None:
        self.show_contact_release(done)
        self.refresh_held()

    def db_failed(self, failure: Failure) -> None:
        self.notify(failure.message, severity="error", markup=False)

    def show_contact_release(self, done: act.ReleasedToContact) -> None:
        from models.clock import to_local

        self.offer = None
        message = f"released to {done.contact}, ID seen" + (f", from slot {done.slot}" if done.slot else "")
        self.query_one("#outcome").set_classes("outcome-ok")
        self.query_one("#outcome-word", Static).update(self.OK_WORD)
        self.query_one("#outcome-who", Static).update(f"{done.pupil} · {done.class_name}")
        self.query_one("#outcome-slot-label", Static).update("")
        self.query_one("#outcome-slot").update("")
        self.query_one("#outcome-message", Static).update(message)
        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        self.query_one("#log", ScanLog).add(
            LogRow("", now, done.code, done.pupil, done.class_name, f"{self.OK_WORD}: {message}", ScanOutcome.OK)
        )
        self.ring(ScanOutcome.OK)
