"""Report a concern about a visitor's device use: what happened, then a confirmation.

Attributes down: the visitor's name. Returns the description (one line of text), or
None if cancelled; it never touches the database (the caller records the concern with
``models.safeguarding.concerns.raise_concern``, which checks everything again and flags it for the
DSL). Keys: type what happened and Enter; Enter on Confirm. Esc goes back / cancels.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.widgets.in_order import FormNote
from models.safeguarding.concerns import WHAT_LIMIT


class VisitorConcernDialog(DockedTwoStepDialog[str]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "vconcern"
    BOX_CLASSES = "dialog"  # short enough for 80x24 as it is: not docked
    HELP = "It is recorded for the DSL. Enter to go on, Esc to cancel."
    CONFIRM_LABEL = "Record the concern"
    CSS_PATH = ["dialogs.tcss", "visitor_dialogs.tcss"]
    BINDINGS = [Binding("escape", "back", "Back / cancel", id="visitor_concern.back")]

    def __init__(self, visitor_name: str) -> None:
        super().__init__()
        self.visitor_name = visitor_name

    def dialog_title(self) -> str:
        return f"Report a concern about {self.visitor_name}'s device use"

    def compose_form(self) -> ComposeResult:
        yield Label("What happened (required)")
        yield FormNote(
            id="vconcern-what",
            placeholder="e.g. photographing pupils in the hall",
            max_length=WHAT_LIMIT + 1000,
        )

    def on_mount(self) -> None:
        self.query_one("#vconcern-what", FormNote).focus()

    def on_form_note_submitted(self, event: FormNote.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        what = " ".join(self.query_one("#vconcern-what", FormNote).value.split(" ")).strip()
        problem = None
        if not what:
            problem = "Say what happened."
        elif bad := bad_text(what, "description", multiline=True):
            problem = bad
        elif len(what) > WHAT_LIMIT:
            problem = f"The description is too long ({len(what)} characters; at most {WHAT_LIMIT})."
        if problem:
            self.say(problem)
            self.query_one("#vconcern-what", FormNote).focus()
            return
        self.confirm_step(
            what,
            (
                f"Report a concern about {self.visitor_name}'s device use?\n\n"
                f"What happened: {what}\n\n"
                "It is recorded as a concern about visitor device use and flagged for the DSL."
            ),
        )
