"""Ask the office when a visitor from an earlier day left: a time on the day they came.

Attributes down: the visitor's name, when they signed in and the time now (both local,
naive). Returns the local time they left (naive, on the day they came), or None if
cancelled. There is no default: the office types the time it has found out (from the
person visited, the car park, the signing-out sheet), because a guessed time in the
visitor book is worse than none; it may not be before the sign-in nor in the future.
The domain (``models.visitors.visits.sign_out``) checks it again and audits who gave it and
when. Keys: type HH:MM, Enter; Esc cancels.
"""

from __future__ import annotations

import datetime as dt
import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput

_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def day_words(when: dt.datetime) -> str:
    return f"{when:%A} {when.day} {when:%B}"


def parse_left_at(text: str, signed_in: dt.datetime, now: dt.datetime) -> tuple[dt.datetime | None, str]:
    """(the local time they left, "") or (None, a one-line problem)."""
    match = _TIME.match(text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None, "Type the time they left as HH:MM, e.g. 15:30."
    left = dt.datetime.combine(signed_in.date(), dt.time(int(match.group(1)), int(match.group(2))))
    if left < signed_in.replace(second=0, microsecond=0):
        return None, f"They signed in at {signed_in:%H:%M}: the time they left cannot be before that."
    if left > now:
        return None, "That time is in the future."
    return left, ""


class LeftAtDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, ModalScreen[dt.datetime | None]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "escape", "Cancel", id="visitor_left_at.cancel")]

    def __init__(self, name: str, signed_in: dt.datetime, now: dt.datetime) -> None:
        super().__init__()
        self.visitor_name = name
        self.signed_in = signed_in
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="leftat-box"):
            yield Static(f"When did {self.visitor_name} leave?", classes="dialog-title", markup=False)
            yield Static(
                f"They signed in at {self.signed_in:%H:%M} on {day_words(self.signed_in)} and were never signed "
                "out. Type the time they left that day, as you have found it out; it is recorded with your "
                "name and today's date.",
                markup=False,
            )
            yield FormInput(id="leftat-time", placeholder=f"HH:MM on {day_words(self.signed_in)}", max_length=20)
            yield Static(
                "Enter to sign them out, Esc to cancel.", classes="dialog-error", id="leftat-error", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#leftat-time", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        left, problem = parse_left_at(event.value, self.signed_in, self.now)
        if left is None:
            self.say(problem)
            return
        self.dismiss(left)
