"""The DSL's follow-up of a concern: a note, and whether it closes the concern.

Attributes down: a one-line description of the concern. Returns a :class:`FollowUp`,
or None if cancelled; the caller records it with ``models.safeguarding.concerns.follow_up``.

Keys: type the note; Tab to "Close the concern" (Space toggles it); Enter to go on;
Enter on Confirm. Esc goes back from the summary, and cancels from the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from kiosk.dialogs.two_step import TwoStepDialog, bad_text
from models.safeguarding.concerns import NOTE_LIMIT


@dataclass(frozen=True)
class FollowUp:
    note: str
    close: bool


class FollowUpDialog(TwoStepDialog[FollowUp]):
    PREFIX = "follow"
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [Binding("escape", "back", "Back / cancel", id="follow_up.back")]

    def __init__(self, about: str) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="follow-box"):
            yield Static("Follow up a concern", classes="dialog-title")
            yield Static(self.about, id="follow-about", markup=False)
            with Vertical(classes="dialog-form"):
                yield Label("Follow-up note (what was done, who was told)")
                yield Input(id="follow-note", placeholder="Note (required)", max_length=NOTE_LIMIT)
                yield Checkbox("Close the concern", True, id="follow-close")
                yield Static("Enter to go on, Esc to cancel.", id="follow-error", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Continue", id="follow-continue", variant="primary")
                    yield Button("Cancel", id="follow-cancel")
            with Vertical(classes="dialog-confirm"):
                yield Static("", id="follow-summary", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Confirm follow-up", id="follow-yes", variant="warning")
                    yield Button("Back", id="follow-back")

    def on_mount(self) -> None:
        self.query_one("#follow-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        note = self.query_one("#follow-note", Input).value.strip()
        problem = "Write the follow-up note: it is kept with the concern." if not note else bad_text(note, "note")
        if problem:
            self.say(problem)
            self.query_one("#follow-note", Input).focus()
            return
        close = self.query_one("#follow-close", Checkbox).value
        self.confirm_step(
            FollowUp(note, close),
            (
                f"Record this follow-up?\n\n{note}\n\n"
                + ("The concern will be CLOSED." if close else "The concern stays open.")
            ),
        )
