"""Kiosk mode: leaving the app needs an admin's username and PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kiosk.actions import access
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput, PinInput, after_keys
from kiosk.workers import DbWork, Failure


class AdminPinDialog(FieldsBlinkAsTheAppSays, DbWork, ModalScreen[bool]):
    """Returns True when an admin signed off the quit, False if cancelled."""

    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="admin_pin.cancel"),
        # As at the staff sign-in: run as the key arrives, so a username, Enter (or Tab) and
        # PIN typed in one burst land in their own fields (the PIN used to join the username,
        # shown in plain text).
        Binding("tab", "other_field", show=False, priority=True),
        Binding("shift+tab", "other_field", show=False, priority=True),
        Binding("enter", "user_entered", show=False, priority=True),
    ]

    def __init__(self, surface: str = "visitor") -> None:
        super().__init__()
        self.surface = surface

    def compose(self) -> ComposeResult:
        with Vertical(id="admin-box", classes="dialog"):
            yield Static("Close the kiosk: an admin must sign this off.")
            yield Label("Admin username")
            yield FormInput(id="admin-user", max_length=40)
            yield Label("PIN")
            yield PinInput(id="admin-pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Static("", id="admin-message", classes="dialog-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#admin-user", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "user_entered":  # Enter in the PIN field is the field's own
            return self.focused is not None and self.focused.id == "admin-user"
        return True

    def action_other_field(self) -> None:
        other = "#admin-pin" if self.focused is self.query_one("#admin-user", Input) else "#admin-user"
        self.set_focus(self.query_one(other, Input))  # at once, before the next keys arrive

    def action_user_entered(self) -> None:
        self.set_focus(self.query_one("#admin-pin", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "admin-user":
            self.set_focus(self.query_one("#admin-pin", Input))
            return
        # Checked behind the username's own keys, which may not all have reached their box yet.
        after_keys(self.query_one("#admin-user", Input), self.check, event.input, event.value)

    def check(self, field: Input, pin: str) -> None:
        user = self.query_one("#admin-user", Input).value
        field.value = ""
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
