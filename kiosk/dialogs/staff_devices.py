"""Hold a member of staff's own device for the LADO or the police, and give it back to them
(online safety policy 11.3; KCSIE Part 4).

``HoldDialog``: whose device it is (a member of staff: Down/Up and Enter, from those the
signed-in member of staff may hold a device of), what the device is, whom it is held for (the
LADO or the police) and why; then a summary to confirm. It returns a :class:`HoldForm`, or
None if cancelled. ``GiveBackDialog``: the decision to give it back, returned as text. Neither
touches the database: the caller records it (``kiosk.actions.devices_school``), which checks
every rule again; on a refusal the dialog opens again as it was, with the refusal
(``kiosk.dialogs.two_step.ask``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet

from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet
from kiosk.widgets import matches
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormOptionList, InOrderForm
from models.custody.school_devices import HOLD_REASON

HELD_FOR = (("lado", "The LADO"), ("police", "The police"))
REASON_LIMIT = 500  # models.custody.school_devices.HOLD_REASON_LIMIT
DECISION_LIMIT = 500  # models.custody.school_devices.DECISION_LIMIT


def held_for_words(pending: str) -> str:
    """ "the LADO" or "the police", as the summary says it (never "the lado")."""
    text = dict(HELD_FOR)[pending]
    return text[0].lower() + text[1:]


@dataclass(frozen=True)
class HoldForm:
    staff_id: int
    staff_name: str
    description: str
    pending: str  # "lado" or "police"
    reason: str


class HoldDialog(InOrderForm, DockedTwoStepDialog[HoldForm]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "hold"
    CONFIRM_LABEL = "Confirm: hold it"
    CONFIRM_VARIANT = "warning"
    BOX_CLASSES = "dialog wide-dialog docked"
    HELP = "Choose whose device it is (Down/Up, then Enter). Esc to cancel."
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="hold.back")]

    def __init__(self, owners: list[tuple[int, str]]) -> None:
        super().__init__()
        self.owners = dict(owners)
        self.rows = owners
        self.owner: int | None = None  # the member of staff chosen (Enter in the list): marked ●

    def dialog_title(self) -> str:
        return "Hold a member of staff's own device"

    def compose_form(self) -> ComposeResult:
        yield Label("Whose device it is")
        yield FormOptionList(*matches.picker_options(self.rows, self.owner), id="hold-staff")
        yield Label("The device (e.g. black iPhone)")
        yield FormInput("phone", id="hold-description", max_length=100)
        yield Label("Held for")
        with UnchosenRadioSet(id="hold-for"):
            for _key, text in HELD_FOR:
                yield RadioButton(Content(text))
        yield Label("Why it is held (for the DSL and the headteacher only)")
        yield FormInput(id="hold-reason", max_length=REASON_LIMIT)

    def on_mount(self) -> None:
        super().on_mount()
        box = self.query_one("#hold-staff", OptionList)
        box.highlighted = None  # the first Down highlights the first
        box.focus()
        if not self.rows:
            self.say("There is nobody whose device you may hold.")

    def help_line(self) -> str:
        """Once whose device it is is chosen, the plain help, not "Choose whose"."""
        return DockedTwoStepDialog.HELP if self.owner is not None else self.HELP

    def form_unchosen(self, field: str) -> None:
        if field == "hold-for":
            self.say("Choose whom it is held for: the LADO or the police (Down/Up, then Enter).")

    def form_next(self, field: str, index: int | None) -> str | None:
        # The list's Down/Up are taken in turn with the keys around them, after this Enter has
        # arrived: who was chosen is read once they are (form_entered), not here.
        return {"hold-staff": "hold-description", "hold-description": "hold-for", "hold-for": "hold-reason"}.get(field)

    def form_entered(self, field: str) -> None:
        self.say("")
        if field == "hold-staff":
            box = self.query_one("#hold-staff", OptionList)
            option = box.highlighted_option
            if option is None:
                self.say("Choose whose device it is (Down/Up, then Enter).")
                box.focus()
                return
            self.owner = int(option.id or 0)
            matches.mark_chosen(box, self.rows, self.owner)
        if field == "hold-reason":
            self.action_continue()

    def check(self) -> tuple[str, str] | HoldForm:
        if self.owner is None:
            return "Choose whose device it is (Down/Up, then Enter).", "hold-staff"
        description = self.query_one("#hold-description", Input).value.strip()
        if not description:
            return "Say what the device is (e.g. black iPhone).", "hold-description"
        if (problem := bad_text(description, "device's description")) is not None:
            return problem, "hold-description"
        i = self.query_one("#hold-for", RadioSet).pressed_index
        if i < 0:
            return "Choose whom it is held for: the LADO or the police.", "hold-for"
        reason = self.query_one("#hold-reason", Input).value.strip()
        if not reason:
            return "Say why the device is held.", "hold-reason"
        if (problem := bad_text(reason, "reason", words=HOLD_REASON)) is not None:
            return problem, "hold-reason"
        return HoldForm(self.owner, self.owners[self.owner], description, HELD_FOR[i][0], reason)

    def action_continue(self) -> None:
        form = self.check()
        if isinstance(form, tuple):
            message, widget = form
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        self.confirm_step(
            form,
            (
                f"Hold {form.staff_name}'s device ({form.description}) for {held_for_words(form.pending)}?\n\n"
                f"Why: {form.reason}\n\n"
                "The kiosk names a slot: put the device in it and lock the tray."
            ),
        )


class GiveBackDialog(InOrderForm, DockedTwoStepDialog[str]):
    """Returns the decision to give a held device back to its owner, or None if cancelled."""

    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "giveback"
    CONFIRM_LABEL = "Confirm: given back"
    CONFIRM_VARIANT = "primary"
    HELP = "Type the decision, then Enter. Esc to cancel."
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="giveback.back")]

    def __init__(self, owner: str, description: str) -> None:
        super().__init__()
        self.owner = owner
        self.description = description

    def dialog_title(self) -> str:
        return f"Give {self.owner}'s device back"

    def compose_form(self) -> ComposeResult:
        yield Label("The decision to give it back (e.g. the LADO's advice)")
        yield FormInput(id="giveback-decision", placeholder="Decision (required)", max_length=DECISION_LIMIT)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#giveback-decision", Input).focus()

    def form_next(self, field: str, index: int | None) -> str | None:
        return None

    def form_entered(self, field: str) -> None:
        self.action_continue()

    def action_continue(self) -> None:
        text = self.query_one("#giveback-decision", Input).value.strip()
        problem = "Say what was decided." if not text else bad_text(text, "decision")
        if problem is not None:
            self.say(problem)
            return
        self.confirm_step(
            text,
            f"Record that {self.owner}'s device ({self.description}) is given back to them?\n\nDecision: {text}",
        )
