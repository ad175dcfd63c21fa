"""An admin unlocks an account that reached its daily cap of wrong PINs; returns the username, or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class UnlockDialog(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="unlock.cancel")]

    def __init__(self, capped: list[str]) -> None:
        super().__init__()
        self.capped = capped

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unlock-box"):
            yield Static("Unlock an account", classes="dialog-title")
            if self.capped:
                yield Static(f"Refusing PINs today after too many wrong ones: {', '.join(self.capped)}.",
                             id="unlock-capped", markup=False)
            else:
                yield Static("No account is refusing PINs today.", id="unlock-capped")
            yield Input(id="unlock-user", placeholder="Username to unlock", max_length=40,
                        value=self.capped[0] if len(self.capped) == 1 else "")
            yield Static("Enter to unlock, Esc to cancel.", classes="dialog-error", id="unlock-error")

    def on_mount(self) -> None:
        box = self.query_one("#unlock-user", Input)
        box.cursor_blink = self.app.cursor_blink
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip().lower()
        if not name:
            self.query_one("#unlock-error", Static).update("Type the username to unlock.")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
