"""The class checklist: every pupil of a class and where their phone is today.

A teacher sees only their own classes (one class opens straight away); office staff,
leadership and the headteacher pick any class. Phones are released by scan (the scan
field at the bottom feeds the same ordered pipeline as the release screen, wired by the
same :class:`~kiosk.screens.scan_base.ScanLane`) or by
selection: Enter on a row whose phone is in a slot asks first (pupil and slot), then
releases it; Enter on a confiscated phone opens the release-to-parent/carer dialog.
F2 undoes the last release recorded here (a reversal with a reason, as on hand-in).
F7 and F8 on a "not handed in" row mark the pupil absent or "no phone today"
(``mark_attendance``): they are then no longer counted as not handed in. Pressed on a row
already so marked, the same key withdraws the mark (with a reason); the other key
corrects it.

A code typed or scanned while the list has focus is taken as a scan (the list keeps
it, shows it in the scan field and submits it on the terminator), so a scanner's
Enter never releases whichever row happens to be highlighted. The same holds at the
class chooser: a scan there opens the scanned pupil's class and is recorded there,
never opening whichever class happens to be highlighted.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions import attendance as act_marks
from kiosk.actions import custody as act
from kiosk.scanning import ScanResult
from kiosk.screens.release import HINT_F4, UndoLastRelease
from kiosk.screens.scan_base import ScanLane, saving_note
from kiosk.session import SignedIn
from kiosk.textual_compat import KeyFirst
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.scan_input import MAX_SCAN, ScanInput
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.errors import ScanOutcome
from models.reports.phones import ChecklistRow, CheckStatus

# Row statuses, in the order the summary counts them.
SUMMARY_WORDS = {
    CheckStatus.IN_SLOT: "in a slot",
    CheckStatus.RELEASED: "released",
    CheckStatus.CONFISCATED: "confiscated",
    CheckStatus.POLICE: "with the police",
    CheckStatus.NOT_HANDED_IN: "not handed in",
    CheckStatus.ABSENT: "absent",
    CheckStatus.NO_PHONE_TODAY: "no phone today",
    CheckStatus.NO_PHONE: "no phone",
}
# Statuses where Enter on the row has nothing to release (the row's text says why).
NOTHING_TO_DO = {
    CheckStatus.RELEASED,
    CheckStatus.NOT_HANDED_IN,
    CheckStatus.NO_PHONE,
    CheckStatus.ABSENT,
    CheckStatus.NO_PHONE_TODAY,
}
# The rows F7 (absent) and F8 (no phone today) mark, and the mark each row has now.
MARKABLE = {CheckStatus.NOT_HANDED_IN: None, CheckStatus.ABSENT: "absent", CheckStatus.NO_PHONE_TODAY: "no_phone"}
MARK_WORDS = {"absent": "absent", "no_phone": "no phone today"}


# ---------------------------------------------------------------- worker functions (plain data)


def summary_text(class_name: str, rows: list[ChecklistRow]) -> tuple[str, str | None]:
    """The counts line, and the banner text when no phone of the class waits in a slot."""
    counts = {status: 0 for status in SUMMARY_WORDS}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = f"{class_name}: " + " · ".join(f"{n} {SUMMARY_WORDS.get(s, s)}" for s, n in counts.items() if n)
    overnight = sum(1 for row in rows if row.overnight)
    if overnight:
        summary += f" · {overnight} kept overnight"
    if counts[CheckStatus.IN_SLOT]:
        return summary, None
    if counts[CheckStatus.RELEASED]:
        banner = f"All released: no phone of {class_name} is waiting in a slot."
    else:
        banner = f"No phone of {class_name} is waiting in a slot today."
    held = counts["confiscated"]
    if held:
        banner += f" {held} confiscated {'phone is' if held == 1 else 'phones are'} held for a parent or carer."
    return summary, banner


# ---------------------------------------------------------------- the list


class TakesScans(KeyFirst):
    """Mixed into a list: a scanner's keys typed while the list has focus are a scan.

    Keys reach this widget in order, so the printable keys of a scan are collected
    here (never handed to another widget mid-scan, which could reorder them) and the
    scanner's terminator submits them as a scan instead of choosing the highlighted line.
    """

    screen: Any

    def __init__(self, *, terminators: tuple[str, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.terminators = terminators
        self.typed = ""

    def take_key(self, event: events.Key) -> bool:
        scan = self.screen.query_one("#scan", ScanInput)
        if event.is_printable and event.character and event.character.strip():
            if len(self.typed) < MAX_SCAN:
                self.typed += event.character
            scan.value = self.typed
            return True
        if event.key in self.terminators and self.typed:
            text, self.typed = self.typed, ""
            scan.value = ""
            self.post_message(ScanInput.Scanned(text))  # type: ignore[attr-defined]
            return True
        if event.key in ("escape", "backspace") and self.typed:
            self.typed = self.typed[:-1] if event.key == "backspace" else ""
            scan.value = self.typed
            return True
        return False  # anything else: the list's own handling (Textual calls the base handlers next)


class ChecklistTable(TakesScans, DataTable):
    """The checklist rows. Enter asks to release the highlighted row, unless a code is being typed.

    Home and End go to the first and last pupil (DataTable's own scroll sideways, which on
    a list wider than the screen showed blank rows).
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First pupil", show=False),
        Binding("end", "scroll_bottom", "Last pupil", show=False),
    ]


class ClassPicker(TakesScans, OptionList):
    """The class chooser. Enter opens the highlighted class, unless a code is being typed: a
    scan opens the scanned pupil's class instead (:meth:`ChecklistScreen.scanned`)."""


# ---------------------------------------------------------------- screen


class ChecklistScreen(UndoLastRelease, ScanLane, DbWork, Screen[None]):
    CSS_PATH = "checklist.tcss"
    OK_WORD = "RELEASED"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="checklist.back"),
        Binding("f2", "undo", "Undo last", id="checklist.undo"),
        Binding("f3", "choose_class", "Change class", id="checklist.change_class"),
        Binding("f4", "release_to_contact", "Parent/carer", id="checklist.to_contact"),
        Binding("f5", "refresh_rows(True)", "Refresh", id="checklist.refresh"),
        Binding("f7", "mark('absent')", "Absent", id="checklist.absent"),
        Binding("f8", "mark('no_phone')", "No phone today", id="checklist.no_phone"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.class_names: list[str] = []
        self.class_name: str | None = None
        self.rows: list[ChecklistRow] = []
        self.follow_marked = False  # the next refresh keeps the highlight on the pupil just marked
        self.summary = "Loading…"  # the counts line, without the in-flight note
        self.offer: act.ContactOffer | None = None  # a confiscated phone ready for the dialog (F4)
        self.last_ok: ScanResult | None = None  # the last release recorded here (F2 undoes it)
        self.undoing: tuple[ScanResult, str] | None = None
        self.held_codes: list[str] = []  # scanned at the class chooser, while their class is looked up

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar("Class checklist")
        with Vertical(id="checklist-body"):
            yield Static("Class checklist", id="checklist-title", markup=False)
            yield Static("", id="checklist-banner", markup=False)
            yield Static(self.summary, id="checklist-summary", markup=False)
            yield ClassPicker(id="class-list", markup=False, terminators=self.terminators())
            yield ChecklistTable(id="checklist", cursor_type="row", zebra_stripes=True, terminators=self.terminators())
            yield Static("", id="checklist-message", markup=False)
            yield Static("", id="scan-error", markup=False)
            yield ScanLog(id="log")
            yield ScanInput(
                id="scan",
                placeholder="Scan a label to release it, or Down to the list and Enter on a row",
                terminators=self.terminators(),
            )
        yield KioskFooter()

    def operation(self):
        from models.custody.ledger import release

        return release

    def on_mount(self) -> None:
        self.query_one("#class-list", OptionList).display = False
        table = self.query_one("#checklist", DataTable)
        table.add_columns("Pupil", "Code", "Phone today")
        table.display = False
        self.query_one("#scan", ScanInput).focus()  # a scan field's cursor never blinks
        self.start_lane()  # ScanLane stops it when the screen is unmounted
        now = self.app.services.clock.now()
        self.db(act.checklist_choices, self.who, now, then=self.got_classes, failed=self.no_classes)

    def on_screen_resume(self) -> None:
        if self.focused is None and self.class_name is not None:
            self.query_one("#scan", ScanInput).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose_class":
            return len(self.class_names) > 1
        if action == "mark":
            return self.who.may("mark_attendance")  # not offered to a role that may not mark
        return True

    def set_summary(self, text: str) -> None:
        self.summary = text
        self.show_counter()

    def show_counter(self) -> None:
        """The counts line, with "· N saving…" while scans are on their way (as on the scan screens)."""
        self.query_one("#checklist-summary", Static).update(self.summary + saving_note(self.scans_waiting()))

    def say(self, text: str, kind: str = "info", seq: int | None = None) -> None:
        """The message line; ``seq``: the scan whose result it shows (the error line then
        does not say it again)."""
        message = self.query_one("#checklist-message", Static)
        message.set_classes(f"msg-{kind}")
        message.update(text)
        self.shown_seq = seq
        self.draw_problem()

    # ------------------------------------------------------------ choosing the class

    def action_choose_class(self) -> None:
        if len(self.class_names) < 2:
            self.notify("This is the only class on your checklist.", timeout=3)
            return
        picker = self.query_one("#class-list", OptionList)
        if picker.display:  # already choosing: say how (F3 again looked dead)
            self.notify("Choose a class: Down/Up, then Enter.", timeout=3)
            picker.focus()
            return
        picker.display = True
        picker.highlighted = self.class_names.index(self.class_name) if self.class_name in self.class_names else 0
        self.query_one("#checklist-title", Static).update("Choose a class: Down/Up, then Enter")
        picker.focus()
        if self.class_name is not None:  # chosen again later: the counts have moved on since
            now = self.app.services.clock.now()
            self.db(act.checklist_choices, self.who, now, then=self.got_counts, latest="choices")

    def got_counts(self, choices: tuple[act.ClassChoice, ...]) -> None:
        picker = self.query_one("#class-list", OptionList)
        for choice in choices:
            if choice.name in self.class_names:
                picker.replace_option_prompt(choice.name, choice.line)

    def choosing(self) -> bool:
        return bool(self.query_one("#class-list", OptionList).display)

    def scanned(self, text: str) -> None:
        """A scan while the class chooser shows opens the scanned pupil's class, then is
        recorded there. Codes scanned while the class is looked up wait, in order."""
        if not self.choosing() and not self.held_codes:
            self.submit_scan(text)
            return
        self.held_codes.append(text)
        if len(self.held_codes) == 1:
            self.say("Finding the class of the phone scanned…")
            self.db(act.class_of_code, self.who, text, then=self.open_scanned_class, failed=self.no_scanned_class)

    def open_scanned_class(self, name: str | None) -> None:
        codes, self.held_codes = self.held_codes, []
        if name is not None and name in self.class_names and self.choosing():
            self.open_class(name)
        elif name is not None and name not in self.class_names:
            self.say(f"That phone belongs to a pupil in {name}, not one of your classes.", "blocked")
        for code in codes:  # each one's result shows (the log, the error line), whatever the class
            self.submit_scan(code)

    def no_scanned_class(self, failure: Failure) -> None:
        self.held_codes = []
        self.say(f"{failure.message} Nothing was recorded: scan it again.", "blocked")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "class-list":
            self.open_class(self.class_names[event.option_index])

    def open_class(self, name: str) -> None:
        self.class_name = name
        self.rows = []
        self.query_one("#class-list", OptionList).display = False
        table = self.query_one("#checklist", DataTable)
        table.clear()
        table.display = True
        self.query_one("#checklist-title", Static).update(f"Class checklist: {name}")
        self.query_one("#scan", ScanInput).focus()
        self.action_refresh_rows()

    def action_refresh_rows(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        # refreshes can finish out of order, and rows still on their way may be for the
        # class shown before: only the latest answer is shown
        if self.class_name is not None:
            now = self.app.services.clock.now()
            self.db(act.class_checklist, self.who, self.class_name, now, then=self.show_rows, latest="rows")

    # ------------------------------------------------------------ results from workers

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message, "blocked")

    def no_classes(self, failure: Failure) -> None:
        self.set_summary(failure.message)

    def got_classes(self, choices: tuple[act.ClassChoice, ...]) -> None:
        self.class_names = [c.name for c in choices]
        self.refresh_bindings()
        if not self.class_names:
            self.set_summary("You are not linked to a class. Ask the office to link you to your class.")
            return
        if len(self.class_names) == 1:
            self.open_class(self.class_names[0])
            return
        picker = self.query_one("#class-list", OptionList)
        picker.add_options([Option(c.line, id=c.name) for c in choices])
        self.set_summary(f"{len(self.class_names)} classes.")
        self.action_choose_class()

    def show_rows(self, rows: list[ChecklistRow]) -> None:
        table = self.query_one("#checklist", DataTable)
        keep = table.cursor_row
        # After a mark the highlight stays on the pupil marked, though the row moves (F8 again
        # must withdraw that pupil's mark, not mark the next pupil). After a release it stays on
        # the row number, so the next phone to give out comes up.
        follow, self.follow_marked = self.follow_marked, False
        pupil = self.rows[keep].admission_no if follow and self.rows and 0 <= keep < len(self.rows) else None
        table.clear()
        same_class = bool(self.rows) and any(r.admission_no == pupil for r in rows)
        self.rows = rows
        for i, row in enumerate(rows):
            table.add_row(Text(row.pupil), Text(row.code), Text(row.text), key=str(i))
        if rows:
            at = next((i for i, r in enumerate(rows) if r.admission_no == pupil), None) if same_class else None
            table.move_cursor(row=at if at is not None else min(keep, len(rows) - 1))
        summary, banner = summary_text(self.class_name or "", rows)
        self.set_summary(summary)
        shown = self.query_one("#checklist-banner", Static)
        shown.update(banner or "")
        shown.set_class(banner is not None, "shown")

    # ------------------------------------------------------------ release by selection

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is None or not 0 <= int(event.row_key.value) < len(self.rows):
            return
        row = self.rows[int(event.row_key.value)]
        status = row.status
        if status == CheckStatus.IN_SLOT:
            if not row.code:
                self.say(
                    f"{row.pupil}'s phone has no current label, so it cannot be released from the list: "
                    "register a new label for it first.",
                    "blocked",
                )
                return
            self.ask_to_release(row)
        elif status == CheckStatus.CONFISCATED:
            self.db(act.contact_offer, self.who, row.device_id, None, then=self.got_offer)
        elif status == CheckStatus.POLICE:
            self.say(f"{row.pupil}: handed to the police, it cannot be released.", "blocked")
        elif status in NOTHING_TO_DO:
            self.say(f"{row.pupil}: {row.text}, nothing to release.")
        else:  # a status added later (agreed exceptions) without a selection action yet
            self.say(f"{row.pupil}: {row.text}.")

    def ask_to_release(self, row: ChecklistRow) -> None:
        """Enter on a row is easy to press by mistake: ask first, naming the pupil and the slot."""
        from kiosk.dialogs.confirm_release import ConfirmReleaseDialog

        if isinstance(self.app.screen, ConfirmReleaseDialog):
            return  # Enter pressed twice: one question is enough
        self.app.push_screen(ConfirmReleaseDialog(row.pupil, row.place), lambda yes: self._release_row(row, yes))

    def _release_row(self, row: ChecklistRow, yes: bool | None) -> None:
        if not yes:
            self.say(f"Cancelled: {row.pupil}'s phone was not released.")
            return
        self.say(f"Releasing {row.pupil}'s phone…")
        self.submit_scan(row.code)

    # ------------------------------------------------------------ release by scan

    def show_batch(self, batch: list[ScanResult]) -> None:
        """A committed batch (ScanLane has counted it): every result in the log, the last on
        the message line, the newest problem on the error line until the next scan."""
        self.show_counter()  # no longer "saving" (the counts follow with the rows)
        self.offer = None
        for each in batch:
            self.note_release(each)
            self.log_row(each)
        result = batch[-1]
        word = self.outcome_word(result.outcome)
        who = f"{result.owner} · {result.class_name}" if result.owner else result.code
        self.say(
            f"{word}: {who}: {result.message}",
            "ok"
            if result.outcome == ScanOutcome.OK
            else "duplicate"
            if result.outcome in (ScanOutcome.DUPLICATE, ScanOutcome.NOT_HANDED_IN)
            else "blocked",
            seq=result.seq,
        )
        self.show_problems(batch)
        if result.outcome == ScanOutcome.BLOCKED and result.device_id is not None:
            self.db(act.contact_offer, self.who, result.device_id, result.seq, then=self.got_offer)
        self.action_refresh_rows()

    def show_undone(self, last: ScanResult, reason: str, done: str) -> None:
        self.offer = None
        self.say(f"{done} ({reason})", "duplicate")
        self.undone_log_row(last, reason)
        self.action_refresh_rows()

    # ------------------------------------------------------------ release to a parent or carer

    def got_offer(self, offer: act.ContactOffer) -> None:
        if not offer.collectable:
            if offer.seq is None:  # selected, but it changed since the list was drawn
                self.say(f"{offer.pupil}'s phone is no longer confiscated: the list has been refreshed.")
                self.action_refresh_rows()
            return
        if offer.seq is None:  # Enter on the row: open the dialog at once
            self.open_dialog(offer)
        elif self.results and self.results[-1].seq == offer.seq:  # a scan: offer F4
            self.offer = offer
            latest = self.results[-1]
            self.say(f"BLOCKED: {latest.message} {HINT_F4}", "blocked", seq=latest.seq)  # it names the pupil

    def action_release_to_contact(self) -> None:
        if self.still_scanning("F4"):  # F4 acts on the result shown: not while a later one is on its way
            return
        if self.offer is not None:
            self.open_dialog(self.offer)
            return
        self.say("Choose a confiscated phone in the list and press Enter, or scan it and press F4.")

    def open_dialog(self, offer: act.ContactOffer) -> None:
        from kiosk.dialogs.release_contact import ReleaseToContactDialog

        if isinstance(self.app.screen, ReleaseToContactDialog):
            return  # Enter pressed twice: one dialog is enough
        self.app.push_screen(
            ReleaseToContactDialog(offer.pupil, list(offer.contacts)),
            lambda contact_id: self._to_contact(offer, contact_id),
        )

    def _to_contact(self, offer: act.ContactOffer, contact_id: int | None) -> None:
        if contact_id is None:
            self.say("Cancelled: nothing was recorded.")
            return
        self.offer = None
        now = self.app.services.clock.now()
        self.db(act.release_held_to_contact, self.who, offer.device_id, contact_id, now, then=self.released)

    def released(self, done: act.ReleasedToContact) -> None:
        from models.clock import to_local

        self.say(f"RELEASED: {done.pupil} to {done.contact}, ID seen.", "ok")
        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        self.query_one("#log", ScanLog).add(
            LogRow(
                "",
                now,
                done.code,
                done.pupil,
                done.class_name,
                f"RELEASED: to {done.contact}, ID seen",
                ScanOutcome.OK,
            )
        )
        self.app.bell()
        self.action_refresh_rows()

    # ------------------------------------------------------------ absent / no phone today

    def action_mark(self, mark: str) -> None:
        """F7 / F8 on the highlighted row: mark the pupil absent or "no phone today"."""
        table = self.query_one("#checklist", DataTable)
        if self.class_name is None or not table.display or not self.rows or self.focused is not table:
            self.say("Down to the list, choose a pupil not handed in, then F7: absent or F8: no phone today.")
            return
        row = self.rows[min(table.cursor_row, len(self.rows) - 1)]
        if row.status not in MARKABLE:
            self.say(f"{row.pupil}: {row.text}. F7/F8 mark a pupil whose phone is not handed in.")
            return
        now = self.app.services.clock.now()
        if MARKABLE[row.status] == mark:  # the same key again: withdraw the mark, saying why
            from kiosk.dialogs.reason import ReasonDialog

            self.app.push_screen(
                ReasonDialog(f"Withdraw {row.pupil}'s mark ({MARK_WORDS[mark]})", f"{row.pupil} · today"),
                lambda reason: self._withdraw(row, reason),
            )
            return
        self.say(f"Marking {row.pupil} {MARK_WORDS[mark]}…")
        self.db(act_marks.mark_pupil, self.who, row.admission_no, mark, now, then=self.marked)

    def _withdraw(self, row: ChecklistRow, reason: str | None) -> None:
        if not reason:
            self.say(f"Cancelled: {row.pupil}'s mark stands.")
            return
        now = self.app.services.clock.now()
        self.db(act_marks.mark_pupil, self.who, row.admission_no, "withdrawn", now, reason, then=self.marked)

    def marked(self, line: str) -> None:
        self.say(line, "ok")
        self.follow_marked = True
        self.action_refresh_rows()

    # ------------------------------------------------------------ keys

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#scan", ScanInput) and self.class_name is not None:
            event.stop()
            self.query_one("#checklist", DataTable).focus()
