"""Report a concern about a visitor's device use: what happened, then a confirmation.

Attributes down: the visitor's name. Returns the description (one line of text), or
None if cancelled; it never touches the database (the caller records the concern with
``models.safeguarding.concerns.raise_concern``, which checks everything again and flags it for the
DSL). Keys: type what happened and Enter; Enter on Confirm. Esc goes back / cancels.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from kiosk.dialogs.two_step import TwoStepDialog, bad_text
from models.safeguarding.concerns import WHAT_LIMIT


class VisitorConcernDialog(TwoStepDialog[str]):
    PREFIX = "vconcern"
    CSS_PATH = ["dialogs.tcss", "visitor_dialogs.tcss"]
    BINDINGS = [Binding("escape", "back", "Back / cancel", id="visitor_concern.back")]

    def __init__(self, visitor_name: str) -> None:
        super().__init__()
        self.visitor_name = visitor_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="vconcern-box"):
            yield Static(
                f"Report a concern about {self.visitor_name}'s device use", classes="dialog-title", markup=False
            )
            with VerticalScroll(classes="dialog-form"):
                yield Label("What happened (required)")
                yield Input(
                    id="vconcern-what",
                    placeholder="e.g. photographing pupils in the hall",
                    max_length=WHAT_LIMIT + 1000,
                )
                yield Static(
                    "It is recorded for the DSL. Enter to go on, Esc to cancel.",
                    id="vconcern-error",
                    classes="dialog-error",
                    markup=False,
                )
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Continue", id="vconcern-continue", variant="primary")
                    yield Button("Cancel", id="vconcern-cancel")
            with Vertical(classes="dialog-confirm"):
                yield Static("", id="vconcern-summary", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Record the concern", id="vconcern-yes", variant="warning")
                    yield Button("Back", id="vconcern-back")

    def on_mount(self) -> None:
        self.query_one("#vconcern-what", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        what = " ".join(self.query_one("#vconcern-what", Input).value.split(" ")).strip()
        problem = None
        if not what:
            problem = "Say what happened."
        elif bad := bad_text(what, "description"):
            problem = bad
        elif len(what) > WHAT_LIMIT:
            problem = f"The description is too long ({len(what)} characters; at most {WHAT_LIMIT})."
        if problem:
            self.say(problem)
            self.query_one("#vconcern-what", Input).focus()
            return
        self.confirm_step(
            what,
            (
                f"Report a concern about {self.visitor_name}'s device use?\n\n"
                f"What happened: {what}\n\n"
                "It is recorded as a breach of the phone policy and flagged for the DSL."
            ),
        )
