"""Morning hand-in: scan each phone, put it in the slot shown.

F7 marks a pupil absent or "no phone today" without a scan (pick them by name): they then
leave the class's count of phones expected (the progress line), until they hand one in.
"""

from __future__ import annotations

from dataclasses import replace

from textual import events
from textual.binding import Binding
from textual.widgets import Static

from kiosk.actions import custody as act
from kiosk.scanning import ScanResult
from kiosk.screens.scan_base import ScanScreen
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.workers import Failure
from models.errors import ScanOutcome
from models.reports.phones import OVERNIGHT


class HandInScreen(ScanScreen):
    TITLE_TEXT = "Morning hand-in"
    OK_WORD = "HANDED IN"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="hand_in.back"),
        Binding("f2", "undo", "Undo last", id="hand_in.undo"),
        Binding("f3", "register", "Register code", id="hand_in.register"),
        Binding("f6", "despite_exception", "Hand in anyway", id="hand_in.despite_exception"),
        Binding("f7", "day_mark", "Absent/no phone", id="hand_in.day_mark"),
    ]

    def __init__(self, who) -> None:
        super().__init__(who)
        self.progress: dict[str, list[int]] = {}
        self.last_ok: ScanResult | None = None
        self.last_unknown: str | None = None
        self.last_exception: ScanResult | None = None  # a pupil who keeps their phone by agreement
        self.f6_live = False  # what the footer shows for F6 (hand in anyway)
        self.undoing: tuple[ScanResult, str] | None = None  # the hand-in being undone, and why

    def operation(self):
        from models.custody.ledger import hand_in

        return hand_in

    def on_mount(self) -> None:
        # Textual also runs ScanScreen.on_mount (handlers are called along the MRO).
        self.refresh_progress()

    def refresh_progress(self) -> None:
        self.db(act.hand_in_progress, self.app.services.clock.now(), then=self.got_progress, latest="progress")

    def got_progress(self, counts: tuple[act.ClassCount, ...]) -> None:
        self.progress = {c.class_name: [c.done, c.expected] for c in counts}
        self.show_progress()

    def note_result(self, result: ScanResult) -> None:
        if result.outcome == ScanOutcome.OK:
            self.last_ok = result
        # F3 registers only the unregistered K label whose result is on screen, never an older one.
        self.last_unknown = result.code if result.outcome == ScanOutcome.UNKNOWN else None
        self.last_exception = result if result.outcome == ScanOutcome.EXCEPTION else None

    def on_key(self, event: events.Key) -> None:
        if event.key == "f6" and self.last_exception is None:
            # F6 is shown dimmed, so Textual does not run it: pressed anyway, it says why.
            event.stop()
            self.action_despite_exception()
            return
        super().on_key(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "despite_exception":
            return True if self.last_exception is not None else None  # shown dimmed until it applies
        if action == "register":
            return self.who.may("register_device")  # not offered to a role that may not register phones
        if action == "day_mark":
            return self.who.may("mark_attendance")
        return True

    def after_batch(self, batch: list[ScanResult]) -> None:
        if (self.last_exception is not None) != self.f6_live:
            # Only when F6 comes or goes: refreshing the bindings rebuilds the whole footer,
            # a dozen widgets made and dropped per scan (and garbage the collector must chase).
            self.f6_live = self.last_exception is not None
            self.refresh_bindings()
        if any(r.outcome == ScanOutcome.OK for r in batch):
            # The figures come again from the ledger (reports.class_progress), never added
            # to here: a pupil with an exception who hands in anyway, or one marked absent
            # or "no phone today", is expected again, and a pupil's second phone is not a
            # second pupil (adding one here showed "Oak 26/25").
            self.refresh_progress()
        self.mark_overnight(batch)
        last = batch[-1]
        if last.outcome == ScanOutcome.UNKNOWN:
            then = (
                "Press F3 to register it to a pupil."
                if self.who.may("register_device")
                else "Ask the office to register it to the pupil."
            )
            self.query_one("#outcome-message", Static).update(f"{last.message} {then}", layout=False)
        elif last.outcome == ScanOutcome.EXCEPTION:
            self.query_one("#outcome-message", Static).update(
                f"{last.message} Give it back, or press F6 to hand it in anyway.", layout=False
            )

    def mark_overnight(self, batch: list[ScanResult]) -> None:
        """A scan of a phone the school already holds: if it was kept overnight, say so."""
        ids = tuple(
            r.device_id
            for r in batch
            if r.device_id is not None and r.outcome in (ScanOutcome.DUPLICATE, ScanOutcome.BLOCKED)
        )
        if ids:
            now = self.app.services.clock.now()
            self.db(act.kept_overnight, self.who, ids, now, then=lambda kept: self.show_overnight(batch, kept))

    def show_overnight(self, batch: list[ScanResult], kept: frozenset[int]) -> None:
        log = self.query_one("#log", ScanLog)
        for r in batch:
            if r.device_id not in kept:
                continue
            old = next((row for row in reversed(log.rows) if row.seq == str(r.seq)), None)
            if old is not None and OVERNIGHT not in old.result:
                word, _, rest = old.result.partition(": ")
                log.replace(old.seq, replace(old, result=f"{word}: {OVERNIGHT} · {rest}"))
            if self.shown_seq == r.seq:  # the panel shows it: mark it there too
                self.query_one("#outcome-word", Static).update(f"{self.outcome_word(r.outcome)} · {OVERNIGHT}")
                self.query_one("#outcome-message", Static).update(
                    f"{OVERNIGHT}: kept since before today. {r.message}", layout=False
                )

    def show_progress(self) -> None:
        text = "  ".join(f"{name} {done}/{expected}" for name, (done, expected) in sorted(self.progress.items()))
        self.query_one("#progress", Static).update(text, layout=False)

    # ------------------------------------------------------------ undo

    def action_undo(self) -> None:
        if self.still_scanning("F2"):
            return
        if self.last_ok is None:
            self.notify("Nothing to undo: no phone has been handed in on this screen since the last undo.")
            return
        from kiosk.dialogs.reason import ReasonDialog

        last = self.last_ok
        self.app.push_screen(
            ReasonDialog("Undo the last hand-in", f"{last.owner} · {last.class_name} · slot {last.slot}"),
            lambda reason: self._undo(last, reason),
        )

    def _undo(self, last: ScanResult, reason: str | None) -> None:
        if reason and last.event_id is not None:
            self.undoing = (last, reason)
            now = self.app.services.clock.now()
            self.db(act.undo_hand_in, self.who, last.event_id, reason, now, then=self.undone, failed=self.not_undone)

    def undone(self, done: str) -> None:
        self.notify(done, severity="information")
        undone, self.undoing = self.undoing, None
        if undone is not None and self.last_ok is undone[0]:
            self.last_ok = None
        if undone is not None:
            self.show_undone(*undone)
        self.refresh_progress()

    def not_undone(self, failure: Failure) -> None:
        self.notify(failure.message, severity="error")
        self.undoing = None

    def show_undone(self, last: ScanResult, reason: str) -> None:
        """The undone hand-in's row and the big panel now say what the ledger says: not handed in."""
        self.query_one("#outcome").set_classes("outcome-undone")
        self.query_one("#outcome-word", Static).update("UNDONE", layout=False)
        who = f"{last.owner} · {last.class_name}" if last.owner else last.code
        self.query_one("#outcome-who", Static).update(who, layout=False)
        self.query_one("#outcome-slot-row").remove_class("overflow")
        self.query_one("#outcome-slot-label", Static).update("", layout=False)
        self.query_one("#outcome-slot").update("")
        free = f"; slot {last.slot} is free" if last.slot and not last.overflow else ""
        self.query_one("#outcome-message", Static).update(
            f"Undone ({reason}): the phone is recorded as not handed in{free}.", layout=False
        )
        self.shown_seq = None
        self.draw_problem()
        log = self.query_one("#log", ScanLog)
        old = next((r for r in reversed(log.rows) if r.seq == str(last.seq)), None)
        if old is not None:
            log.replace(
                old.seq,
                LogRow(
                    old.seq,
                    old.time,
                    old.code,
                    old.pupil,
                    old.class_name,
                    f"UNDONE: not handed in ({reason})",
                    "UNDONE",
                ),
            )

    # ------------------------------------------------------------ exception

    def action_despite_exception(self) -> None:
        """The pupil hands the phone in today although an exception lets them keep it."""
        if self.still_scanning("F6"):
            return
        if self.last_exception is None:
            self.notify("F6 is for a pupil with an agreed exception: scan their phone first.")
            return
        assert self.pipeline is not None
        code, self.last_exception = self.last_exception.code, None
        self.f6_live = False
        self.refresh_bindings()
        self.submit_scan(code, despite_exception=True)

    # ------------------------------------------------------------ absent / no phone today

    def action_day_mark(self) -> None:
        from kiosk.dialogs.day_mark import DayMarkDialog

        if isinstance(self.app.screen, DayMarkDialog):
            return
        self.app.push_screen(DayMarkDialog(self.who), self._day_mark)

    def _day_mark(self, chosen: tuple[str, str] | None) -> None:
        if chosen is None:
            return
        from kiosk.actions import attendance

        admission_no, mark = chosen
        now = self.app.services.clock.now()
        self.db(attendance.mark_pupil, self.who, admission_no, mark, now, then=self.day_marked)

    def day_marked(self, line: str) -> None:
        self.notify(line, severity="information")
        self.refresh_progress()

    # ------------------------------------------------------------ register

    def action_register(self) -> None:
        if self.still_scanning("F3"):
            return
        if self.last_unknown is None:
            self.notify("Scan the unregistered label first, then press F3.")
            return
        from kiosk.dialogs.register import RegisterDialog

        code = self.last_unknown
        self.app.push_screen(RegisterDialog(code), lambda adno: self._register(code, adno))

    def _register(self, code: str, admission_no: str | None) -> None:
        if admission_no:
            now = self.app.services.clock.now()
            self.db(act.register_label, self.who, code, admission_no, now, then=self.registered)

    def registered(self, code: str) -> None:
        self.notify(f"Registered {code}. Handing it in now.")
        assert self.pipeline is not None
        self.submit_scan(code)
        self.last_unknown = None
