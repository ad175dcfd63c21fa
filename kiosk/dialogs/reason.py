"""Ask for a short reason (for an undo, a revoke…); returns the text, or None if cancelled."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput, too_long


class ReasonDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, ModalScreen[str | None]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "escape", "Cancel", id="reason.cancel")]
    KEEPS_LONG_TEXT = True  # a reason past its limit is kept and refused, not cut (kiosk.widgets.in_order)

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, markup=False)
            yield FormInput(id="reason", placeholder="Reason (required)", max_length=200)
            yield Static("Enter to confirm, Esc to cancel.", classes="dialog-error", id="reason-error")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.say("Give a reason: it is kept with the record.")
            return
        if not text.isprintable():
            self.say("The reason contains control characters.")
            return
        if (problem := too_long([self.query_one("#reason", FormInput)])) is not None:
            self.say(problem[1])
            return
        self.dismiss(text)
