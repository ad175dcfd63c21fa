"""Register an unknown label code to a pupil found by name search."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions.custody import pupils_named
from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.widgets import matches
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput
from kiosk.workers import DbWork, Failure

HELP = "Down/Up to choose, Enter to register, Esc to cancel."


class RegisterDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, DbWork, ModalScreen[str | None]):
    """Returns the chosen pupil's admission number, or None if cancelled."""

    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "escape", "Cancel", id="register.cancel")]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.listed_for: str | None = None  # what was typed when the list on screen was found

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Register {self.code} to a pupil", classes="dialog-title", markup=False)
            yield FormInput(
                id="register-search", placeholder="Type at least 2 letters of the pupil's name", max_length=60
            )
            yield OptionList(id="register-results")
            yield Static(HELP, id="register-help", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#register-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.listed_for = None  # the list on screen no longer answers what is typed
        if len(event.value.strip()) >= 2:
            # only the answer to what is typed now is shown, whatever order the searches finish in
            self.db(pupils_named, event.value, then=lambda pupils: self.found(event.value, pupils), latest="search")
        else:
            self.superseded("search")
            self.query_one("#register-results", OptionList).clear_options()
            self.query_one("#register-help", Static).update(HELP)

    def found(self, text: str, pupils: tuple[tuple[str, str], ...]) -> None:
        self.listed_for = text
        options = self.query_one("#register-results", OptionList)
        matches.show_matches(options, [Option(label, id=adno) for adno, label in pupils])
        self.query_one("#register-help", Static).update(
            f"{len(pupils)} found. Down/Up to choose, Enter to register." if pupils else "No pupil found."
        )

    def db_failed(self, failure: Failure) -> None:
        self.query_one("#register-results", OptionList).clear_options()
        self.query_one("#register-help", Static).update(failure.message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.listed_for != event.value:  # Enter before the list for what was typed: never an older list's pupil
            self.query_one("#register-help", Static).update("Still looking: press Enter again when the list shows.")
            return
        options = self.query_one("#register-results", OptionList)
        if (option := matches.chosen(options)) is not None:
            self.dismiss(option.id)
        elif options.option_count:
            self.query_one("#register-help", Static).update(matches.SEVERAL)

    def on_key(self, event) -> None:
        options = self.query_one("#register-results", OptionList)
        if event.key in ("down", "up") and options.option_count:
            event.stop()
            matches.step(options, event.key)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
