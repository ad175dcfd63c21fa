"""Lend one of the school's phones or tablets to a member of staff, and take it back.

``LoanDialog``: who borrows it (a member of staff: Down/Up and Enter), the purpose (trip,
residential, other), a note, and the day it is due back; then a summary to confirm. It
returns a :class:`LoanForm`, or None if cancelled. ``ReturnDialog``: the device's condition
on return; the member of staff signed in is the one who received it. Neither touches the
database: the caller records it (``kiosk.actions.devices_school``), which checks every
rule again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet

from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet
from kiosk.widgets import matches
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormOptionList, InOrderForm
from models.custody.school_devices import passcode_problem
from models.dates import DAY_FORMAT, read_day, uk

PURPOSES = (("trip", "School trip"), ("residential", "Residential"), ("other", "Other (say what)"))
MAX_LOAN_DAYS = 60  # models.custody.school_devices.MAX_LOAN_DAYS


@dataclass(frozen=True)
class LoanForm:
    staff_id: int
    staff_name: str
    purpose: str
    note: str
    due_on: dt.date


class LoanDialog(InOrderForm, DockedTwoStepDialog[LoanForm]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "loan"
    CONFIRM_LABEL = "Confirm: lend it"
    CONFIRM_VARIANT = "primary"
    BOX_CLASSES = "dialog wide-dialog docked"
    HELP = "Choose who borrows it (Down/Up, then Enter). Esc to cancel."
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="loan.back")]

    def __init__(
        self,
        asset_tag: str,
        description: str,
        borrowers: list[tuple[int, str]],
        today: dt.date,
        *,
        passcode_set: bool = True,
    ) -> None:
        super().__init__()
        self.passcode_set = passcode_set
        self.asset_tag = asset_tag
        self.description = description
        self.borrowers = dict(borrowers)
        self.rows = borrowers
        self.borrower: int | None = None  # the member of staff chosen (Enter in the list): marked ●
        self.today = today

    def dialog_title(self) -> str:
        return f"Lend {self.asset_tag} ({self.description}) to a member of staff"

    def compose_form(self) -> ComposeResult:
        yield Label("Member of staff borrowing it")
        yield FormOptionList(*matches.picker_options(self.rows), id="loan-staff")  # the one chosen: ●
        yield Label("Purpose")
        with UnchosenRadioSet(id="loan-purpose"):  # none highlighted: the first Down, the first
            for _key, text in PURPOSES:
                yield RadioButton(Content(text))
        yield Label("Note: the trip, or what it is for")
        yield FormInput(id="loan-note", placeholder="e.g. Year 6 to Kingswood", max_length=200)
        yield Label(f"Due back ({DAY_FORMAT}, today to {MAX_LOAN_DAYS} days ahead)")
        yield FormInput(uk(self.today + dt.timedelta(days=1)), id="loan-due", max_length=10)

    def on_mount(self) -> None:
        super().on_mount()
        # Nothing highlighted: the first Down highlights the first (it skipped to the second).
        box = self.query_one("#loan-staff", OptionList)
        box.highlighted = None
        box.focus()

    def help_line(self) -> str:
        """Once the borrower is chosen, the plain help, not "Choose who borrows it"."""
        return DockedTwoStepDialog.HELP if self.borrower is not None else self.HELP

    def form_unchosen(self, field: str) -> None:
        if field == "loan-purpose":
            self.say("Choose the purpose (Down/Up, then Enter).")

    def form_next(self, field: str, index: int | None) -> str | None:
        # The list's Down/Up are taken in turn with the keys around them, after this Enter has
        # arrived: who was chosen is read once they are (form_entered), not here (a burst chose nobody).
        return {"loan-staff": "loan-purpose", "loan-purpose": "loan-note", "loan-note": "loan-due"}.get(field)

    def form_entered(self, field: str) -> None:
        self.say("")
        if field == "loan-staff":
            box = self.query_one("#loan-staff", OptionList)
            option = box.highlighted_option
            if option is None:
                self.say("Choose who borrows it (Down/Up, then Enter).")
                box.focus()
                return
            self.borrower = int(option.id or 0)
            matches.mark_chosen(box, self.rows, self.borrower)
        if field == "loan-due":
            self.action_continue()

    def check(self) -> tuple[str, str] | LoanForm:
        if self.borrower is None:
            return "Choose who borrows it (Down/Up, then Enter).", "loan-staff"
        i = self.query_one("#loan-purpose", RadioSet).pressed_index
        if i < 0:
            return "Choose the purpose: a school trip, a residential or other.", "loan-purpose"
        purpose = PURPOSES[i][0]
        note = self.query_one("#loan-note", Input).value.strip()
        if (problem := bad_text(note, "note") or passcode_problem(note, "note on the purpose")) is not None:
            return problem, "loan-note"  # never a passcode in the register (M4): the domain refuses it too
        if purpose == "other" and not note:
            return "Say what the device is for.", "loan-note"
        text = self.query_one("#loan-due", Input).value.strip()
        due = read_day(text, "day it is due back", self.today + dt.timedelta(days=1))  # models.dates: as every form
        if isinstance(due, str):
            return due, "loan-due"
        if not self.today <= due <= self.today + dt.timedelta(days=MAX_LOAN_DAYS):
            return f"It is due back between today and {MAX_LOAN_DAYS} days ahead.", "loan-due"
        staff_id = self.borrower
        return LoanForm(staff_id, self.borrowers[staff_id], purpose, note, due)

    def action_continue(self) -> None:
        form = self.check()
        if isinstance(form, tuple):
            message, widget = form
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        purpose = dict(PURPOSES)[form.purpose].removesuffix(" (say what)")
        self.confirm_step(
            form,
            (
                f"Lend {self.asset_tag} ({self.description}) to {form.staff_name}?\n\n"
                f"Purpose: {purpose}{': ' + form.note if form.note else ''}\n"
                f"Due back: {form.due_on:%a %d %b %Y}\n\n"
                + (
                    "Only staff use it; its passcode stays set."
                    if self.passcode_set
                    else "No passcode is set on it: set one before it goes out (online safety policy 9.5)."
                )
            ),
        )


class ReturnDialog(InOrderForm, DockedTwoStepDialog[str]):
    """Returns the condition note of a device taken back, or None if cancelled."""

    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "back"
    CONFIRM_LABEL = "Confirm: it is back"
    CONFIRM_VARIANT = "primary"
    HELP = "Type its condition, then Enter. Esc to cancel."
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="return.back")]

    def __init__(self, asset_tag: str, borrower: str, receiver: str) -> None:
        super().__init__()
        self.asset_tag = asset_tag
        self.borrower = borrower
        self.receiver = receiver

    def dialog_title(self) -> str:
        return f"{self.asset_tag} back from {self.borrower}"

    def compose_form(self) -> ComposeResult:
        yield Label("Condition (e.g. fine, charged; or what is wrong)")
        yield FormInput(id="back-condition", placeholder="Condition (required)", max_length=200)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#back-condition", Input).focus()

    def form_next(self, field: str, index: int | None) -> str | None:
        return None

    def form_entered(self, field: str) -> None:
        self.action_continue()

    def action_continue(self) -> None:
        text = self.query_one("#back-condition", Input).value.strip()
        problem = (
            "Say what condition it is in."
            if not text
            else bad_text(text, "condition") or passcode_problem(text, "device's condition")
        )
        if problem is not None:
            self.say(problem)
            return
        self.confirm_step(
            text, f"Record that {self.asset_tag} is back, received by {self.receiver}?\n\nCondition: {text}"
        )
