"""Mark a pupil absent or "no phone today" from the hand-in screen, without a scan.

Type part of the pupil's name (or admission number): the list shows the pupils matching
it whose phone is not handed in today (a teacher sees only their own classes). Down to
the list, then A (absent) or N (no phone today); Esc cancels. Returns
``(admission number, mark)`` or None. The dialog only asks; the screen records the mark.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions import attendance as act
from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.session import SignedIn
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput
from kiosk.workers import DbWork, Failure

HINT = "Type part of a name, Down to the list, then A: absent · N: no phone today · Esc: cancel."


class DayMarkDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, DbWork, ModalScreen[tuple[str, str] | None]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "escape", "Cancel", id="day_mark.cancel"),
        Binding("a", "choose('absent')", "Absent", id="day_mark.absent"),
        Binding("n", "choose('no_phone')", "No phone today", id="day_mark.no_phone"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.found: list[act.MarkChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="day-mark"):
            yield Static("Absent, or no phone today", classes="dialog-title", markup=False)
            yield FormInput(id="mark-name", placeholder="Pupil's name or admission number", max_length=40)
            yield OptionList(id="mark-pupils", markup=False)
            yield Static(HINT, classes="dialog-error", id="mark-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#mark-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip():
            now = self.app.services.clock.now()
            self.db(act.not_handed_in, self.who, event.value, now, then=self.show, latest="pupils")
        else:
            self.superseded("pupils")
            self.show(())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        box = self.query_one("#mark-pupils", OptionList)
        if box.option_count:
            box.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#mark-name", Input):
            event.stop()
            self.query_one("#mark-pupils", OptionList).focus()

    def show(self, found: tuple[act.MarkChoice, ...]) -> None:
        self.found = list(found)
        box = self.query_one("#mark-pupils", OptionList)
        box.clear_options()
        box.add_options([Option(c.line) for c in found])
        box.highlighted = 0 if found else None
        typed = self.query_one("#mark-name", Input).value.strip()
        if found or not typed:
            hint = HINT
        elif len(typed) < 2:
            hint = "Type at least two letters of the name."
        else:
            hint = f"No pupil not yet handed in matches {typed!r}."
        self.query_one("#mark-hint", Static).update(hint)

    def db_failed(self, failure: Failure) -> None:
        self.query_one("#mark-hint", Static).update(failure.message)

    def action_choose(self, mark: str) -> None:
        box = self.query_one("#mark-pupils", OptionList)
        if box.highlighted is None or not self.found:
            self.query_one("#mark-hint", Static).update("Choose a pupil in the list first (Down/Up).")
            return
        self.dismiss((self.found[box.highlighted].admission_no, mark))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#mark-hint", Static).update("A: absent · N: no phone today · Esc: cancel.")
