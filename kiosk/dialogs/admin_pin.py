"""Kiosk mode: leaving the app needs an admin's username and PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kiosk.actions import access
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.workers import DbWork, Failure


class AdminPinDialog(FieldsBlinkAsTheAppSays, DbWork, ModalScreen[bool]):
    """Returns True when an admin signed off the quit, False if cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="admin_pin.cancel")]

    def __init__(self, surface: str = "visitor") -> None:
        super().__init__()
        self.surface = surface

    def compose(self) -> ComposeResult:
        with Vertical(id="admin-box", classes="dialog"):
            yield Static("Close the kiosk: an admin must sign this off.")
            yield Label("Admin username")
            yield Input(id="admin-user", max_length=40)
            yield Label("PIN")
            yield Input(id="admin-pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Static("", id="admin-message", classes="dialog-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#admin-user", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "admin-user":
            self.query_one("#admin-pin", Input).focus()
            return
        user = self.query_one("#admin-user", Input).value
        pin = event.value
        event.input.value = ""
        self.db(
            access.check_admin_pin,
            user,
            pin,
            self.app.services.clock.now(),
            self.surface,
            then=self.signed_off,
            failed=self.refused,
        )

    def signed_off(self, _: None) -> None:
        self.dismiss(True)

    def refused(self, failure: Failure) -> None:
        self.query_one("#admin-message", Static).update(failure.message)

    def action_cancel(self) -> None:
        self.dismiss(False)
