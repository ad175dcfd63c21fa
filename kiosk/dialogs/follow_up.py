"""The DSL's follow-up of a concern: a note, and whether it closes the concern.

Attributes down: a one-line description of the concern. Returns a :class:`FollowUp`,
or None if cancelled; the caller records it with ``models.safeguarding.concerns.follow_up``.

The concern stays open unless the DSL chooses an outcome to close it: a note with Enter,
Enter never closes a concern.

Keys: type the note; Tab to "What now" (Enter opens it, Down/Up and Enter choose); Enter
in the note goes on; Enter on Confirm. Esc goes back from the summary, and cancels from
the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label, Select, Static

from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.widgets.in_order import FormNote
from models.safeguarding.concerns import CLOSE_OUTCOMES, NOTE_LIMIT

KEEP_OPEN = "open"


@dataclass(frozen=True)
class FollowUp:
    note: str
    close: bool
    outcome: str | None = None  # one of CLOSE_OUTCOMES when closing


class FollowUpDialog(DockedTwoStepDialog[FollowUp]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "follow"
    BOX_CLASSES = "dialog"  # short enough for 80x24 as it is: not docked
    CONFIRM_LABEL = "Confirm follow-up"
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [Binding("escape", "back", "Back / cancel", id="follow_up.back")]

    def __init__(self, about: str) -> None:
        super().__init__()
        self.about = about

    def dialog_title(self) -> str:
        return "Follow up a concern"

    def compose_head(self) -> ComposeResult:
        yield Static(self.about, id="follow-about", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("Follow-up note (what was done, who was told)")
        yield FormNote(id="follow-note", placeholder="Note (required)", max_length=NOTE_LIMIT)
        yield Label("What now", id="follow-outcome-label")
        yield Select(
            [("Keep the concern open", KEEP_OPEN)] + [(f"Close it: {o}", o) for o in CLOSE_OUTCOMES],
            value=KEEP_OPEN,
            allow_blank=False,
            id="follow-outcome",
        )

    def on_mount(self) -> None:
        self.query_one("#follow-note", FormNote).focus()

    def on_form_note_submitted(self, event: FormNote.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        note = self.query_one("#follow-note", FormNote).value.strip()
        problem = (
            "Write the follow-up note: it is kept with the concern."
            if not note
            else bad_text(note, "note", multiline=True)
        )
        if problem:
            self.say(problem)
            self.query_one("#follow-note", FormNote).focus()
            return
        choice = self.query_one("#follow-outcome", Select).value
        outcome = choice if isinstance(choice, str) and choice != KEEP_OPEN else None
        self.confirm_step(
            FollowUp(note, outcome is not None, outcome),
            (
                f"Record this follow-up?\n\n{note}\n\n"
                + (f"The concern will be CLOSED: {outcome}." if outcome else "The concern stays open.")
            ),
        )
