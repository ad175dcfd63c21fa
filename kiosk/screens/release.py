"""End-of-day release: scan each phone and hand it back to its owner.

A confiscated phone is refused by the scan (BLOCKED: parent/carer collection only);
F4 then opens :class:`ReleaseToContactDialog` for that phone, and only a listed
parent or carer, with ID seen, can take it. A phone with the police is refused.

F2 undoes the last release recorded on this screen (a reversal with a reason, as on
hand-in): the phone is back in its slot.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Static

from kiosk.actions import custody as act
from kiosk.scanning import ScanResult
from kiosk.screens.scan_base import QUIET_OUTCOMES, ScanScreen, panel_message
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.workers import Failure
from models.errors import ScanOutcome

HINT_F4 = "Press F4 to release it to a listed parent or carer."


class UndoLastRelease:
    """F2 on the release screen and the class checklist: undo the last release recorded there.

    As hand-in's F2: only a release this screen recorded (so the signed-in person's own,
    the latest one), after asking for a reason; the ledger appends a reversal with that
    reason (``kiosk.actions.custody.undo_release``), never deleting anything, and the
    domain checks again who may undo it and that it is still the phone's latest action.
    """

    app: Any
    who: Any
    last_ok: ScanResult | None  # the last release recorded here, not yet undone
    undoing: tuple[ScanResult, str] | None  # the release being undone, and why

    def note_release(self, result: ScanResult) -> None:
        if result.outcome == ScanOutcome.OK:
            self.last_ok = result

    def action_undo(self) -> None:
        if self.still_scanning("F2"):
            return
        if self.last_ok is None:
            self.notify("Nothing to undo: no phone has been released on this screen since the last undo.", markup=False)
            return
        from kiosk.dialogs.reason import ReasonDialog

        last = self.last_ok
        where = f"slot {last.slot}" if last.slot and not last.overflow else last.slot
        detail = f"{last.owner} · {last.class_name}" + (f" · back to {where}" if where else "")
        self.app.push_screen(ReasonDialog("Undo the last release", detail), lambda reason: self._undo(last, reason))

    def _undo(self, last: ScanResult, reason: str | None) -> None:
        if reason and last.event_id is not None:
            self.undoing = (last, reason)
            now = self.app.services.clock.now()
            self.db(act.undo_release, self.who, last.event_id, reason, now, then=self._undone, failed=self._not_undone)

    def _undone(self, done: str) -> None:
        undone, self.undoing = self.undoing, None
        if undone is not None and self.last_ok is undone[0]:
            self.last_ok = None
        if undone is not None:
            self.show_undone(undone[0], undone[1], done)

    def _not_undone(self, failure: Failure) -> None:
        self.undoing = None
        self.notify(failure.message, severity="error", markup=False)

    def show_undone(self, last: ScanResult, reason: str, done: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def undone_log_row(self, last: ScanResult, reason: str) -> None:
        """The undone release's row in the scan log now says what the ledger says."""
        log = self.query_one("#log", ScanLog)
        old = next((r for r in reversed(log.rows) if r.seq == str(last.seq)), None)
        if old is not None:
            back = f"back in slot {last.slot}" if last.slot and not last.overflow else f"back in {last.slot}"
            log.replace(
                old.seq,
                LogRow(old.seq, old.time, old.code, old.pupil, old.class_name, f"UNDONE: {back} ({reason})", "UNDONE"),
            )


# ---------------------------------------------------------------- screen


class ReleaseScreen(UndoLastRelease, ScanScreen):
    TITLE_TEXT = "End-of-day release"
    OK_WORD = "RELEASED"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="release.back"),
        Binding("f2", "undo", "Undo last", id="release.undo"),
        Binding("f4", "release_to_contact", "Parent/carer", id="release.to_contact"),
    ]

    def __init__(self, who) -> None:
        super().__init__(who)
        self.offer: act.ContactOffer | None = None  # the confiscated phone on screen, ready for F4
        self.last_ok: ScanResult | None = None
        self.undoing: tuple[ScanResult, str] | None = None
        self.checked: set[int] = set()  # refused scans of phones since released to a parent or carer

    def note_result(self, result: ScanResult) -> None:
        self.note_release(result)

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
        self.query_one("#outcome-message", Static).update(f"{panel_message(latest)} {HINT_F4}")

    def show_undone(self, last: ScanResult, reason: str, done: str) -> None:
        """The undone release's row and the big panel now say what the ledger says: back in its slot."""
        self.offer = None
        self.query_one("#outcome").set_classes("outcome-undone")
        self.query_one("#outcome-word", Static).update("UNDONE", layout=False)
        who = f"{last.owner} · {last.class_name}" if last.owner else last.code
        self.query_one("#outcome-who", Static).update(who, layout=False)
        self.query_one("#outcome-slot-row").remove_class("overflow")
        self.query_one("#outcome-slot-label", Static).update("", layout=False)
        self.query_one("#outcome-slot").update("")
        self.query_one("#outcome-message", Static).update(f"{done} ({reason})", layout=False)
        self.shown_seq = None
        self.draw_problem()
        self.undone_log_row(last, reason)
        self.refresh_held()

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
        if contact_id is None:  # cancelled (Esc, or the Cancel button): said, as every form says it
            self.notify("Cancelled: nothing was recorded.", markup=False)
            return
        now = self.app.services.clock.now()
        self.db(
            act.release_held_to_contact,
            self.who,
            offer.device_id,
            contact_id,
            now,
            then=lambda done: self.released(done, offer.device_id),
        )

    def released(self, done: act.ReleasedToContact, device_id: int) -> None:
        self.settle_checks(device_id)
        self.show_contact_release(done)
        self.refresh_held()

    def settle_checks(self, device_id: int) -> None:
        """The phone's refused scans were what there was to check: released, they are done
        with (the "TO CHECK" line about them and their count go; the log keeps them)."""
        done = {r.seq for r in self.results if r.device_id == device_id and r.outcome not in QUIET_OUTCOMES}
        fresh = done - self.checked
        self.checked |= fresh
        self.problems = max(0, self.problems - len(fresh))
        if self.problem is not None and (self.problem[0] in done or not self.problems):
            self.clear_problem()
        self.show_counter()

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
        self.shown_seq = None
        self.draw_problem()
        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        self.query_one("#log", ScanLog).add(
            LogRow("", now, done.code, done.pupil, done.class_name, f"{self.OK_WORD}: {message}", ScanOutcome.OK)
        )
        self.ring(ScanOutcome.OK)
