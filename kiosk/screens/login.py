"""Sign in: username, Enter, PIN, Enter. Works from a numeric keypad."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from kiosk.actions import accounts
from kiosk.session import SignedIn
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.in_order import FormInput, PinInput, after_keys
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure


class LoginScreen(FieldsBlinkAsTheAppSays, DbWork, Screen[None]):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#username"
    BINDINGS = [
        Binding("escape", "clear", "Clear", id="login.clear"),
        # Priority: run by the app as the key arrives, before it forwards the next keys, so
        # a username, Tab and PIN typed in one burst (fast, or by a password manager) land
        # in the right fields (forwarded normally, the PIN's digits reached the username).
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
        Binding("enter", "enter", show=False, priority=True),
        Binding("f2", "visitors", "Visitors: sign in or out", id="login.visitors"),
    ]

    def __init__(self, notice: str = "", *, surface: str = "reception", lock: bool = False) -> None:
        super().__init__()
        self.notice = notice
        # Over a locked person's screens (kiosk.app.KioskApp.lock): they are back where they left
        # off if they sign in again; anyone else starts at Home and never sees them.
        self.lock = lock
        # "visitor": reached from the public visitor screen (F10), so wrong PINs typed here slow
        # down only that surface, never the reception's own sign-in (models.staff.auth).
        self.surface = surface
        self.checking = False  # a PIN is being checked: keys typed meanwhile are not another try

    def compose(self) -> ComposeResult:
        yield TitleBar("Staff sign-in")
        with Vertical(id="login-box"):
            yield Static(self.app.services.settings.school_name, id="login-school")
            # Locked or not, the same title: the one message is the notice below ("Signed out.";
            # a second "Locked: sign in again" line above it said the same thing again).
            yield Static("Staff sign-in", id="login-title")
            yield Label("Username")
            yield FormInput(id="username", placeholder="e.g. office", max_length=40)
            yield Label("PIN")
            yield PinInput(id="pin", password=True, placeholder="your PIN (digits)", max_length=12, restrict=r"[0-9]*")
            yield Static(self.notice, id="login-message", markup=False)
            yield Static("Visitors: press F2 to sign in or out", id="login-visitors")
            yield Static("", id="login-demo", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        self.db(accounts.sign_in_page, then=self.show_page, failed=lambda failure: None)

    def action_next_field(self) -> None:
        other = "#pin" if self.focused is self.query_one("#username", Input) else "#username"
        self.set_focus(self.query_one(other, Input))  # at once (Widget.focus() waits for the next turn)

    def action_previous_field(self) -> None:
        self.action_next_field()  # two fields: the other one

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter":  # only Enter in the username field; in the PIN field it reaches the field
            return self.focused is not None and self.focused.id == "username"
        return True

    def action_enter(self) -> None:
        # The username's own keys may still be on their way to it: move on now (so the PIN's
        # keys go to the PIN field) and check the username once they have arrived: behind them
        # (after_keys; the screen's own queue ran first when the box was slow: the focus went
        # back and the PIN was typed into the username box, in plain text).
        username = self.query_one("#username", Input)
        self.set_focus(self.query_one("#pin", Input))
        after_keys(username, self._username_typed)

    def _username_typed(self) -> None:
        if not self.query_one("#username", Input).value.strip():
            self.set_focus(self.query_one("#username", Input))
            self.say("Type your username.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pin":
            # Checked behind the username's own keys, which may not all have reached their box yet.
            after_keys(self.query_one("#username", Input), self.submit, event.input, event.value)
        else:
            self.submit(event.input, event.value)

    def submit(self, field: Input, value: str | None = None) -> None:
        """``value``: what the field held when Enter was pressed (keys typed straight after,
        such as a phone scanned, may have reached the field before this message is handled)."""
        if field.id == "username":
            if field.value.strip():
                self.set_focus(self.query_one("#pin", Input))
            else:
                self.say("Type your username.")
            return
        if self.checking:  # e.g. a phone scanned straight after the PIN's Enter: not a PIN
            field.value = ""
            return
        username = self.query_one("#username", Input).value
        pin = field.value if value is None else value
        field.value = ""
        if not username.strip():
            self.query_one("#username", Input).focus()
            self.say("Type your username.")
            return
        if not pin:  # not an attempt: nothing is counted
            self.say("Type your PIN.")
            return
        self.say("Checking…")
        self.checking = True
        now = self.app.services.clock.now()
        self.db(accounts.sign_in, username, pin, now, self.surface, then=self.signed_in, failed=self.refused)

    def show_page(self, page: accounts.SignInPage) -> None:
        if not page.any_staff:
            self.say("No staff accounts yet: add one with `kiosk staff add`, or try `kiosk run --demo`.")
        demo = self.query_one("#login-demo", Static)
        demo.update(page.demo_pins)
        demo.display = bool(page.demo_pins)

    def signed_in(self, who: SignedIn) -> None:
        self.checking = False
        self.app.sign_in(who)

    def refused(self, failure: Failure) -> None:
        self.checking = False
        self.say(failure.message)
        self.query_one("#pin", Input).value = ""  # anything typed while it was checked
        self.query_one("#pin", Input).focus()

    def say(self, text: str) -> None:
        self.query_one("#login-message", Static).update(text)

    def on_screen_suspend(self) -> None:
        # Left for the visitor screen (F2, or the visitor terminal after a lock): the next
        # person to press F10 sees an empty form, not someone's username and error.
        self.action_clear()

    def action_visitors(self) -> None:
        self.app.open_self_service()

    def action_clear(self) -> None:
        for box in self.query(Input):
            box.value = ""
        self.query_one("#username", Input).focus()
        self.say("")
