"""An admin unlocks an account that reached its daily cap of wrong PINs, and may give it a new
PIN (a leaked or forgotten one); returns (username, new PIN or ""), or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.dialogs.two_step import KeepsWhatWasTyped
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays


class UnlockDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, ModalScreen[tuple[str, str] | None]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "escape", "Cancel", id="unlock.cancel")]

    def __init__(self, capped: list[str]) -> None:
        super().__init__()
        self.capped = capped

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unlock-box"):
            yield Static("Unlock an account", classes="dialog-title")
            if self.capped:
                yield Static(
                    f"Refusing PINs today after too many wrong ones: {', '.join(self.capped)}.",
                    id="unlock-capped",
                    markup=False,
                )
            else:
                yield Static("No account is refusing PINs today.", id="unlock-capped")
            yield Input(
                id="unlock-user",
                placeholder="Username to unlock",
                max_length=40,
                value=self.capped[0] if len(self.capped) == 1 else "",
            )
            yield Input(
                id="unlock-pin",
                placeholder="New PIN (optional, 6 to 12 digits)",
                password=True,
                max_length=12,
                restrict=r"[0-9]*",
            )
            yield Static(
                "Enter to unlock (Tab: a new PIN too), Esc to cancel.", classes="dialog-error", id="unlock-error"
            )

    def on_mount(self) -> None:
        self.query_one("#unlock-user", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        from models.staff.auth import pin_problem

        name = self.query_one("#unlock-user", Input).value.strip().lower()
        pin = self.query_one("#unlock-pin", Input).value.strip()
        if not name:
            self.say("Type the username to unlock.")
            self.query_one("#unlock-user", Input).focus()
            return
        if pin and (problem := pin_problem(pin)):
            self.say(problem)  # what was typed stays
            return
        self.dismiss((name, pin))
