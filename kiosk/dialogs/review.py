"""The headteacher reviewed an exception and keeps it: ask for the next review date."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput
from models.dates import DAY_FORMAT, read_day, uk
from models.errors import ValidationError
from models.policy.agreed import check_next_review

SUGGEST_WEEKS = 6  # the date offered: half a term on, or the end date if sooner


class ReviewDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, ModalScreen[dt.date | None]):
    """Returns the next review date (after today, no later than the end date), or None."""

    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "escape", "Cancel", id="review.cancel")]

    def __init__(self, title: str, detail: str, today: dt.date, ends_on: dt.date) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.today = today
        self.ends_on = ends_on

    def suggestion(self) -> dt.date:
        return min(self.today + dt.timedelta(weeks=SUGGEST_WEEKS), self.ends_on)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.detail, markup=False)
            yield Static(f"Next review ({DAY_FORMAT}, after today and no later than {uk(self.ends_on)}):", markup=False)
            yield FormInput(uk(self.suggestion()), id="review-date", max_length=20)
            yield Static("Enter to record the review, Esc to cancel.", classes="dialog-error", id="review-error")

    def on_mount(self) -> None:
        self.query_one("#review-date", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        when = read_day(event.value, "date", self.suggestion())  # models.dates: as every form reads a day
        if isinstance(when, str):
            self.say(when)
            return
        try:
            check_next_review(when, today=self.today, ends_on=self.ends_on)
        except ValidationError as exc:
            self.say(exc.message)
            return
        self.dismiss(when)
