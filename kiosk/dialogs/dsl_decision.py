"""The DSL's decision on a phone held for the DSL (suspected nude or semi-nude images), then confirm.

Attributes down: the pupil's name. The dialog returns a :class:`DslDecision`, or None if
cancelled; it never touches the database (the caller records it with
``models.custody.ledger.record_dsl_decision``, which checks everything again: only the DSL
or the headteacher, and only on a phone held for the DSL).

Keys: Down/Up and Enter to choose the decision; type the note and Enter; Enter on Continue;
Enter on Confirm. Esc goes back from the confirmation step, and cancels from the form.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Label, RadioButton, RadioSet, Static

from kiosk.actions.custody import DslDecision
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet
from kiosk.widgets.in_order import FORM_BINDINGS, FormNote, InOrderForm
from models.custody.ledger import DECISION_NOTE, DECISION_NOTE_LIMIT, DECISIONS

DECISION_KEYS = tuple(DECISIONS)
WHAT_IT_MEANS = (
    "Return to parents allowed: a listed parent or carer may collect it (ID seen). Keep for the police: "
    "it stays held until handed to the police. Nothing on the phone is ever deleted by the school."
)


class DslDecisionDialog(InOrderForm, DockedTwoStepDialog[DslDecision]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "decision"
    CONFIRM_LABEL = "Confirm decision"
    CONFIRM_VARIANT = "warning"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="decision.back")]

    def __init__(self, pupil_name: str) -> None:
        super().__init__()
        self.pupil_name = pupil_name

    def dialog_title(self) -> str:
        return f"DSL's decision on {self.pupil_name}'s phone"

    def compose_head(self) -> ComposeResult:
        yield Static(WHAT_IT_MEANS, id="decision-means", classes="dialog-warning", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("Decision")
        with UnchosenRadioSet(id="decision-choice"):  # none highlighted: the first Down, the first
            for text in DECISIONS.values():
                yield RadioButton(Content(text[:1].upper() + text[1:]))
        yield Label("Note (required): what was decided and why")
        yield FormNote(
            id="decision-note", placeholder="e.g. spoke to parents; no referral", max_length=DECISION_NOTE_LIMIT
        )

    def on_mount(self) -> None:
        self.query_one("#decision-choice", RadioSet).focus()

    def form_next(self, field: str, index: int | None) -> str | None:
        if field == "decision-choice" and index is not None:
            self.say("Type the note, then Enter.")
            return "decision-note"
        if field == "decision-note":
            if self.settled(field) and not self.query_one("#decision-note", FormNote).value.strip():
                self.say("Give the note on the decision.")
                return None
            return "decision-continue"
        return None

    def form_unchosen(self, field: str) -> None:
        if field == "decision-choice":
            self.say("Choose the decision (Down/Up, then Enter).")

    def form_entered(self, field: str) -> None:
        if field == "decision-note" and not self.query_one("#decision-note", FormNote).value.strip():
            self.say("Give the note on the decision.")
            self.set_focus(self.query_one("#decision-note"))

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()

    def action_continue(self) -> None:
        index = self.query_one("#decision-choice", RadioSet).pressed_index
        note = self.query_one("#decision-note", FormNote).value.strip()
        problem, widget = "", ""
        if index < 0:
            problem, widget = "Choose the decision (Down/Up, then Enter).", "decision-choice"
        elif not note:
            problem, widget = "Give the note on the decision.", "decision-note"
        elif bad := bad_text(note, "note", multiline=True, words=DECISION_NOTE):
            problem, widget = bad, "decision-note"
        if problem:
            self.say(problem)
            self.query_one(f"#{widget}").focus()
            return
        result = DslDecision(DECISION_KEYS[index], note)
        self.confirm_step(
            result,
            f"Record the DSL's decision on {self.pupil_name}'s phone?\n\n"
            f"Decision: {DECISIONS[result.decision]}\n"
            f"Note: {note}",
        )
