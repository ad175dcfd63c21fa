"""Visitor self-service: a visitor signs themselves in (or out) at the reception terminal.

No member of staff is signed in. The steps, one at a time on the same screen:

1. **details** (the first screen): the kind of visitor first (a kind the office signs in
   says so at once, before any typing), then name, organisation, purpose, who they are
   visiting, car registration (optional). Enter moves on from each field; Enter in the
   last one goes on. Scanning a slip's QR code (typed anywhere before the name is done:
   a code-shaped name is a scan, even a misread one) signs that visitor out (today's
   slip), or fills in their details from an earlier visit (an old slip). F2 says how to
   sign out: with the slip, or at the office. Keys typed straight after an Enter go to
   the next field, in order: the focus moves as the Enter arrives (a priority binding),
   and what the field held is read behind the keys before it (kiosk.widgets.in_order).

The public screen shows nothing about anyone else: no type-ahead of names, no list
of who is on site, no sign-out by name (anyone could sign anyone out, and the fire
roll call would lose them).
2. **rules**: the school's device rules (Markdown from the asset), Up/Down to read;
   Enter accepts, N does not (nothing is recorded).
3. **phone**: 1 hand it in at the office, 2 left in the car or switched off, 3 an
   agreed exception (Up/Down and Enter work too). This signs the visitor in.
4. **done**: badge number, "your slip is printing", supervised or not, and (for a
   phone to hand in) "please hand it to the office now": the office receives it.
   Back to the start after a few seconds, or on Enter.

A kind of visitor that needs the office (ID or DBS checks) ends at "please see the
office" as soon as it is chosen, and the domain refuses it too: nothing is half-recorded.
Escape goes back one field or step and keeps what was typed (F5 clears the form); never
further: this screen never leaves itself, and the command palette stays off (the app
allows it only to staff). An agreed exception chosen with none on record says so on the
phone step, with the details kept: the visitor chooses again.

Keys beyond the visitor's typing: Enter after each field, Enter to accept the rules,
1 for the phone. Eight in all, even counting every Enter (tests/screens/test_visitor_screens).
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Footer, Input, Label, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions import visitors as act
from kiosk.actions.visitors import Details, PublicSignedIn, PublicSignedOut, Returning
from kiosk.dialogs.visitor_details import INPUT_MAX, check_details, needs_office, type_name
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.in_order import FormInput, FormOptionList, after_keys, field_name
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.config import VISITOR_TYPES
from models.custody.codes import looks_like_code
from models.text import clean_typed
from models.visitors.visits import LIMITS

RESET_SECONDS = 12.0  # the done / message step goes back to the start after this
DETAILS, RULES, PHONE, DONE, MESSAGE, SIGN_OUT = "details", "rules", "phone", "done", "message", "sign-out"
PHONE_OPTIONS = (
    ("tray", "1  I will hand it in at the office (kept in a locked tray, returned when I sign out)"),
    ("car_or_off", "2  It is in my car, or switched off and out of sight"),
    ("exception", "3  I have an exception agreed with the headteacher"),
)
WELCOME = (
    "Leaving? Scan the QR code on your slip. Been here before? Scan your old slip to fill in your details.\n"
    "Signing in? What kind of visitor are you? Up/Down, then Enter."
)
CHOOSE_TYPE = "Now choose what kind of visitor you are: Up/Down, then Enter."
CLEAR_HINT = "To clear the form and start again, press F5."
FIRST_STEP = "This is the first step: what kind of visitor are you? Up/Down, then Enter."
NOTHING_TO_CLEAR = "Nothing to clear yet: what kind of visitor are you? Up/Down, then Enter."
SIGN_OUT_HELP = "Signing out: scan the QR code on your slip. No slip? Please see the office: they will sign you out."
NOT_A_SLIP = "That is not a slip: scan the QR code on your slip. No slip? Please see the office."
PASTE_AT_TYPE = "Choose what kind of visitor you are first: Up/Down, then Enter."
NOT_PASTED = 'Not pasted: "{field}" takes at most {limit} characters.'
TEXT_FIELDS = ("name", "organisation", "purpose", "visiting", "car")
# The most a paste may bring into each box: the domain's own limits (a car registration is at
# most 10 letters and digits; 20 leaves room for spaces). A longer paste is refused whole, with
# one line: the box never holds text scrolled out of sight that the visitor did not see go in.
PASTE_LIMITS = {**LIMITS, "car": 20}
FORM = ("self-type", "self-name", "self-organisation", "self-purpose", "self-visiting", "self-car")  # in order


# ---------------------------------------------------------------- what needs no database


class VisitorBox(FormInput):
    """A box of the public form: a paste that would take it over its limit is refused whole
    (the screen says so in one line) rather than kept out of sight or cut short."""

    def __init__(self, *, paste_limit: int, **kw) -> None:
        super().__init__(max_length=INPUT_MAX, **kw)
        self.paste_limit = paste_limit

    def take_paste(self, event: events.Paste) -> None:
        start, end = sorted(self.selection)
        if len(self.value) - (end - start) + len(clean_typed(event.text)) > self.paste_limit:
            self.waiting = max(0, self.waiting - 1)
            self.screen.paste_refused(self)  # type: ignore[attr-defined]
            return
        super().take_paste(event)
        self.screen.paste_taken()  # type: ignore[attr-defined]


def _looks_like_slip(text: str) -> bool:
    from models.custody import codes

    try:
        return codes.normalise(text)[0] == codes.SLIP_PREFIX
    except Exception:  # noqa: BLE001 - anything that is not a code is a name
        return False


class VisitorSelfServiceScreen(FieldsBlinkAsTheAppSays, DbWork, Screen[None]):
    CSS_PATH = "visitor_self.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="visitor_self.back"),
        # Where Esc only explains (the first field of the public terminal's first step), the
        # footer does not offer "Back": the same key, unshown (check_action picks which).
        Binding("escape", "explain_first_step", show=False, id="visitor_self.first_step"),
        # Priority, and the username focused at once: what is typed straight after F10 is the
        # username (it went into the visitor's name box, or was lost while the sign-in came back).
        Binding("f10", "staff", "Staff sign-in", id="visitor_self.staff", priority=True),
        Binding("f2", "find_name", "Signing out", id="visitor_self.find_name"),
        # Priority, as Enter: run as the key arrives, so the Down and Enter typed straight after
        # it reach the emptied first step (run after them, it undid them: nothing was chosen).
        Binding("f5", "clear_form", "Start again", priority=True, id="visitor_self.clear_form"),
        # Priority: run by the app as the key arrives, before it sends on the next keys, so
        # "Anna Smith", Enter, "ACME" typed fast puts ACME in the organisation (item 3).
        Binding("enter", "form_enter", show=False, priority=True, id="visitor_self.form_enter"),
        Binding("tab", "form_move(1)", show=False, priority=True, id="visitor_self.form_next"),
        Binding("shift+tab", "form_move(-1)", show=False, priority=True, id="visitor_self.form_previous"),
        Binding("enter", "accept", "Go on", id="visitor_self.accept"),
        Binding("n", "decline", "I do not accept", id="visitor_self.decline"),
        Binding("1", "phone('tray')", "Hand in", show=False, id="visitor_self.phone_tray"),
        Binding("2", "phone('car_or_off')", "In car / off", show=False, id="visitor_self.phone_car"),
        Binding("3", "phone('exception')", "Exception", show=False, id="visitor_self.phone_exception"),
    ]

    def __init__(self, reset_after: float = RESET_SECONDS) -> None:
        super().__init__()
        self.reset_after = reset_after
        self.rules = None  # models.policy.rules.DeviceRules, once loaded
        self.rules_error = ""
        self.details: Details | None = None
        self.visitor_type = VISITOR_TYPES[0]
        self.picked: Returning | None = None
        self.type_chosen = False  # Enter (or a click) on a kind of visitor, or an old slip's
        self.back_to: str | None = None  # the step Escape returns to from a message, its typing kept
        self.form_focus = "self-type"  # the field F2 (signing out) left, for Escape to return to
        self.said = ""  # the line under the form
        self.name_entered = False  # Enter pressed on a (non-code) name
        self.busy = False
        self._reset_timer: Timer | None = None
        self._esc_explains: bool | None = None  # what Esc did when the bindings were last refreshed

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar("Visitors: sign in or out")
        with ContentSwitcher(initial=DETAILS, id="self-steps"):
            with Vertical(id=DETAILS):
                with VerticalScroll(id="self-form"):
                    yield Static(WELCOME, id="self-welcome")
                    with Horizontal(id="self-type-row"):
                        yield Label("I am a", classes="self-label")
                        yield FormOptionList(
                            *[Option(Content(type_name(t)), id=t) for t in VISITOR_TYPES], id="self-type"
                        )
                    with Horizontal(classes="self-row"):
                        yield Label("Your name", classes="self-label")
                        yield VisitorBox(
                            id="self-name", placeholder="First name and surname", paste_limit=PASTE_LIMITS["name"]
                        )
                    with Horizontal(classes="self-row"):
                        yield Label("Organisation", classes="self-label")
                        yield VisitorBox(
                            id="self-organisation",
                            placeholder="Company or agency (if any)",
                            paste_limit=PASTE_LIMITS["organisation"],
                        )
                    with Horizontal(classes="self-row"):
                        yield Label("Purpose of visit", classes="self-label")
                        yield VisitorBox(
                            id="self-purpose",
                            placeholder="e.g. meeting, repair, reading help",
                            paste_limit=PASTE_LIMITS["purpose"],
                        )
                    with Horizontal(classes="self-row"):
                        yield Label("Visiting", classes="self-label")
                        yield VisitorBox(
                            id="self-visiting",
                            placeholder="Who you are here to see",
                            paste_limit=PASTE_LIMITS["visiting"],
                        )
                    with Horizontal(classes="self-row"):
                        yield Label("Car registration", classes="self-label")
                        yield VisitorBox(
                            id="self-car", placeholder="Optional: press Enter to skip", paste_limit=PASTE_LIMITS["car"]
                        )
                # below the form, not in it: an error (or "Welcome back") is never scrolled out of sight
                yield Static("", id="self-error", markup=False)
            with Vertical(id=RULES):
                with VerticalScroll(id="self-rules-scroll"):
                    yield Markdown("", id="self-rules", open_links=False)  # never a browser on the kiosk
                yield Static(
                    "Up/Down to read.  Enter: I accept these rules.  N: I do not accept.", id="self-rules-keys"
                )
                with Horizontal(id="self-rules-buttons"):
                    yield Button("I accept (Enter)", id="self-accept", variant="success")
                    yield Button("I do not accept (N)", id="self-decline")
            with Vertical(id=PHONE):
                yield Static("Where is your phone while you are here?", id="self-phone-title")
                yield OptionList(*[Option(Content(text), id=key) for key, text in PHONE_OPTIONS], id="self-phone")
                yield Static("", id="self-phone-error", markup=False)
                yield Static(
                    "Press 1, 2 or 3 (or Up/Down and Enter). Esc goes back to the rules.", id="self-phone-keys"
                )
            with Vertical(id=DONE):
                yield Static("", id="self-done-title", markup=False)
                yield Static("", id="self-badge", markup=False)
                yield Static("", id="self-band", markup=False)
                yield Static("", id="self-done-text", markup=False)
                yield Static("Press Enter to finish.", id="self-done-keys")
            with Vertical(id=MESSAGE):
                yield Static("", id="self-message", markup=False)
                yield Static("Press Enter to start again.", id="self-message-keys", markup=False)
            with Vertical(id=SIGN_OUT):
                yield Static(SIGN_OUT_HELP, id="self-out-title")
                yield Input(id="self-out-slip", placeholder="Scan your slip", max_length=INPUT_MAX)
                yield Static("", id="self-out-error", markup=False)
                yield Static("Esc goes back to the start.", id="self-out-keys")
        yield Footer(show_command_palette=False)  # a visitor never gets the palette (the app refuses it too)

    def on_mount(self) -> None:
        self.query_one("#self-type", OptionList).highlighted = 0
        self.query_one("#self-type", OptionList).focus()
        self.db(act.device_rules, self.app.services.settings, then=self.rules_loaded, failed=self.rules_failed)
        self.set_interval(5, self._reset_if_abandoned, name="visitor-idle")

    IDLE_RESET_SECONDS = 90

    def idle_reset_seconds(self) -> float:
        """How long a form left alone is kept: the app's idle-lock time (configurable), at most
        :data:`IDLE_RESET_SECONDS` (a staff PIN typed here by mistake must not wait long)."""
        return min(self.IDLE_RESET_SECONDS, self.app.services.settings.idle_lock_seconds)

    def _reset_if_abandoned(self) -> None:
        """A visitor who walks away mid-form: clear it, so the next one never sees it."""
        import time

        if self.busy or self.step == DONE or (self.step == MESSAGE and self.back_to is None):
            return  # signing in, or the end screens' own timer
        started = self.step != DETAILS or self.type_chosen or any(box.value for box in self.query(Input))
        if started and time.monotonic() - self.app.last_input >= self.idle_reset_seconds():
            self.start_again()

    def action_staff(self) -> None:
        """Back to the staff sign-in screen (which shows nothing without a PIN)."""
        self.app.leave_self_service()
        login = self.app.screen
        if login is not self and (username := login.query("#username").first(None)) is not None:
            login.set_focus(username)

    @property
    def step(self) -> str:
        return self.query_one("#self-steps", ContentSwitcher).current or DETAILS

    def show(self, step: str) -> None:
        self.query_one("#self-steps", ContentSwitcher).current = step
        if self._reset_timer is not None:
            self._reset_timer.stop()
            self._reset_timer = None
        if step == DONE or (step == MESSAGE and self.back_to is None):  # (a message to go back from: the idle reset)
            self._reset_timer = self.set_timer(self.reset_after, self.start_again, name="visitor-reset")
        self._esc_explains = None  # the next change of a box refreshes them again
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        step = self.step
        if action in ("accept", "decline"):
            return step in (RULES, DONE, MESSAGE) if action == "accept" else step == RULES
        if action == "phone":
            return step == PHONE and not self.busy
        if action in ("back", "explain_first_step"):
            return self.esc_only_explains() == (action == "explain_first_step")
        if action in ("find_name", "clear_form"):
            return step == DETAILS
        if action in ("form_enter", "form_move"):  # only in the form's fields; elsewhere Enter is the step's
            return step == DETAILS and self.focused is not None and self.focused.id in FORM
        return True

    # ------------------------------------------------------------ start / back

    def start_again(self) -> None:
        """Back to an empty first screen (after a visit, a refusal, a timer or Escape)."""
        for box in self.query(Input):
            box.value = ""
        self.details = None
        self.picked = None
        self.busy = False
        self.type_chosen = False
        self.name_entered = False
        self.back_to = None
        self.form_focus = "self-type"
        self.visitor_type = VISITOR_TYPES[0]
        self.query_one("#self-type", OptionList).highlighted = 0
        self.say("")
        self.query_one("#self-out-error", Static).update("")
        self.query_one("#self-phone-error", Static).update("")
        self.query_one("#self-welcome", Static).update(WELCOME)
        self.show(DETAILS)
        self.form_to_top()
        self.set_focus(self.query_one("#self-type", OptionList))

    def form_to_top(self) -> None:
        """Scroll the form back to its first line (now and once it is laid out again), so the
        welcome and the name field are in view on a small screen."""
        form = self.query_one("#self-form", VerticalScroll)
        form.scroll_home(animate=False, immediate=True)
        self.call_after_refresh(form.scroll_home, animate=False, immediate=True)

    def action_back(self) -> None:
        """Back one field or step, keeping everything typed (F5 clears the form)."""
        step = self.step
        if step == RULES:
            self.back_to_form("self-car")
        elif step == PHONE and not self.busy:
            self.show(RULES)
            self.query_one("#self-rules-scroll").focus()
        elif step == PHONE:
            return  # signing in: wait for the answer
        elif step == SIGN_OUT:
            self.back_to_form(self.form_focus)
        elif step == MESSAGE and self.back_to is not None:
            back, self.back_to = self.back_to, None
            if back == DETAILS:
                self.back_to_form(self.form_focus)
            elif back == RULES:
                self.show(RULES)
                self.query_one("#self-rules-scroll").focus()
            else:
                self.show(PHONE)
                self.query_one("#self-phone", OptionList).focus()
        elif step == DETAILS:
            focused = self.focused.id if self.focused is not None else None
            if focused in FORM and focused != FORM[0]:
                self.action_form_move(-1)
            elif self.type_chosen or any(box.value for box in self.query(Input)):
                self.say(CLEAR_HINT)
            elif not self.app.kiosk_mode:  # nothing typed, opened from the staff sign-in (F2):
                # back there, as F10 does (it only said FIRST_STEP, under "esc Back")
                self.action_staff()
            else:  # the public terminal's own first screen: nowhere to go back to
                self.say(FIRST_STEP)
        else:
            self.start_again()

    def esc_only_explains(self) -> bool:
        """Esc on the first field of the form goes nowhere (it says so, keeping what is typed),
        except where the form was opened from the staff sign-in and nothing is typed yet."""
        if self.step != DETAILS:
            return False
        focused = self.focused.id if self.focused is not None else None
        if focused in FORM and focused != FORM[0]:
            return False
        if self.type_chosen or any(box.value for box in self.query(Input)):
            return True
        return bool(self.app.kiosk_mode)

    def action_explain_first_step(self) -> None:
        self.action_back()  # (says why it goes nowhere)

    def on_descendant_focus(self) -> None:
        self._esc_explains = self.esc_only_explains()
        self.refresh_bindings()  # "esc Back" shown or not, by the field

    def back_to_form(self, field: str) -> None:
        self.show(DETAILS)
        self.set_focus(self.query_one(f"#{field}"))

    def action_clear_form(self) -> None:
        empty = not self.type_chosen and not any(box.value for box in self.query(Input))
        self.start_again()
        if empty:  # (it used to say nothing: the key seemed dead, issue 14 item 8)
            self.say(NOTHING_TO_CLEAR)

    # ------------------------------------------------------------ keys in order

    def key_arriving(self, event: events.Key | events.Paste) -> None:
        """Called by the app for each key (or paste) as it arrives, before it is sent to the
        focused field: a character typed at the kinds of visitor starts the name (or a slip's
        code), so the focus moves to the name box first and no key is lost or reordered. A
        paste there is not moved: it lands in no box (:meth:`on_paste` says why)."""
        if (
            self.step == DETAILS
            and self.focused is not None
            and self.focused.id == "self-type"
            and isinstance(event, events.Key)
            and event.is_printable
            and event.character
            and self.app.screen is self
        ):
            self.set_focus(self.query_one("#self-name", Input))

    def action_form_move(self, by: int) -> None:
        focused = self.focused.id if self.focused is not None else FORM[0]
        at = FORM.index(focused) if focused in FORM else 0
        self.set_focus(self.query_one(f"#{FORM[max(0, min(len(FORM) - 1, at + by))]}"))  # at once

    def action_form_enter(self) -> None:
        """Enter in the form: the focus moves on now, so the next keys reach the next field;
        what this field holds is read behind the keys typed before the Enter (after_keys), then
        acted on."""
        field = self.focused
        if field is None or field.id not in FORM:
            return
        following = self.next_field(field.id)
        if following is not None:
            self.set_focus(self.query_one(f"#{following}"))
        after_keys(field, self.entered, field.id)

    def next_field(self, field: str) -> str | None:
        if field == "self-type":  # a name typed (and entered) before the kind was chosen: on to the organisation
            return "self-organisation" if self.name_entered else "self-name"
        at = FORM.index(field)
        return FORM[at + 1] if at + 1 < len(FORM) else None

    def entered(self, field: str) -> None:
        """After Enter in ``field``, once the field has taken every key typed before it."""
        if self.step != DETAILS:
            return
        if field == "self-type":
            self.type_picked(self.query_one("#self-type", OptionList).highlighted or 0)
        elif field == "self-name":
            name = self.query_one("#self-name", Input)
            if looks_like_code(name.value):  # a slip scanned (or misread): never a name
                code, name.value = name.value, ""
                self.set_focus(name)
                self.say("Reading your slip…")
                now = self.app.services.clock.now()
                self.db(act.public_slip, now, code, self.app.slip_guard, then=self.slip_read, failed=self.slip_failed)
            else:
                self.name_entered = bool(name.value.strip())
                if not self.type_chosen:
                    self.set_focus(self.query_one("#self-type", OptionList))
                    self.say(CHOOSE_TYPE)
        elif field == "self-car":
            self.submit_details()

    def type_picked(self, index: int) -> None:
        self.visitor_type = VISITOR_TYPES[index]
        self.type_chosen = True
        if self.said in (CHOOSE_TYPE, FIRST_STEP, NOTHING_TO_CLEAR):
            self.say("")
        if needs_office(self.app.services.settings, self.visitor_type):  # before any typing
            self.form_focus = "self-type"
            self.message(
                f"{type_name(self.visitor_type)} visitors are signed in by the office, who check ID first. "
                "Please see the office. You have not been signed in.",
                back_to=DETAILS,
            )

    # ------------------------------------------------------------ details

    def say(self, text: str) -> None:
        self.said = text
        self.query_one("#self-error", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        # (the box's value now, not the event's: clearing the box after a scan may arrive late)
        name_box = self.query_one("#self-name", Input)
        if event.input.id == "self-name" and self.picked is not None and name_box.value != self.picked.name:
            self.picked = None  # they changed the name: a new visitor, not the one whose slip was scanned
        # What Esc does on the first field depends on whether anything is typed: the bindings
        # are refreshed when that changes, not at every character (the footer was built again
        # and the screen laid out several times a key: a paste sent as keys froze the screen).
        explains = self.esc_only_explains()
        if explains != self._esc_explains:
            self._esc_explains = explains
            self.refresh_bindings()

    def paste_refused(self, box: Input) -> None:
        self.say(NOT_PASTED.format(field=field_name(box), limit=getattr(box, "paste_limit", INPUT_MAX)))

    def paste_taken(self) -> None:
        if self.said.startswith(NOT_PASTED[:12]) or self.said == PASTE_AT_TYPE:
            self.say("")

    def on_paste(self, event: events.Paste) -> None:
        """A paste that reached the screen: the kinds of visitor had the focus. It goes into no
        box (it used to land in "Your name", which did not have the focus): the line says why."""
        event.stop()
        if self.step == DETAILS and self.focused is not None and self.focused.id == "self-type":
            self.say(PASTE_AT_TYPE)

    def pick_returning(self, r: Returning) -> None:
        """An earlier visit's slip was scanned: fill in that visitor's details."""
        self.picked = r
        self.query_one("#self-name", Input).value = r.name
        self.query_one("#self-organisation", Input).value = r.organisation
        self.query_one("#self-car", Input).value = r.car_reg
        if r.visitor_type in VISITOR_TYPES:
            self.visitor_type = r.visitor_type
            self.type_chosen = True
            self.query_one("#self-type", OptionList).highlighted = VISITOR_TYPES.index(r.visitor_type)
        self.picked = r  # setting the name above cleared nothing: it matches
        self.say("Welcome back. Check your details, then say what brings you here today.")
        self.form_to_top()
        self.set_focus(self.query_one("#self-purpose", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        box = event.input.id or ""
        if box == "self-out-slip":
            code, event.input.value = event.value, ""
            if not _looks_like_slip(code):
                self.query_one("#self-out-error", Static).update(NOT_A_SLIP)
                return
            self.query_one("#self-out-error", Static).update("Signing you out…")
            self.db(
                act.public_slip,
                self.app.services.clock.now(),
                code,
                self.app.slip_guard,
                then=self.slip_read,
                failed=self.slip_failed,
            )
            return
        # (the form's fields never get here: Enter there is the screen's, action_form_enter)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        box = event.option_list.id
        if box == "self-type":  # clicked (Enter is action_form_enter's)
            self.set_focus(self.query_one(f"#{self.next_field('self-type')}"))
            self.type_picked(event.option_index)
        elif box == "self-phone":
            self.action_phone(event.option.id or "")

    def current_details(self) -> Details:
        def value(name: str) -> str:
            return self.query_one(f"#self-{name}", Input).value

        return Details(
            name=value("name"),
            organisation=value("organisation"),
            visitor_type=self.visitor_type,
            purpose=value("purpose"),
            visiting=value("visiting"),
            car_reg=value("car"),
            visitor_id=self.picked.id if self.picked is not None else None,
        )

    def submit_details(self) -> None:
        details = self.current_details()
        problem = check_details(details)
        if problem is not None:
            message, field = problem
            self.say(message)
            self.set_focus(self.query_one(f"#self-{field}"))
            return
        if not self.type_chosen:
            self.say(CHOOSE_TYPE)
            self.set_focus(self.query_one("#self-type", OptionList))
            return
        settings = self.app.services.settings
        if needs_office(settings, details.visitor_type):
            self.form_focus = "self-type"
            self.message(
                f"{type_name(details.visitor_type)} visitors are signed in by the office, who check ID first. "
                "Please see the office. You have not been signed in.",
                back_to=DETAILS,
            )
            return
        if self.rules is None:
            self.form_focus = "self-car"
            self.message(
                self.rules_error or "The device rules are not available: please see the office to sign in.",
                back_to=DETAILS,
            )
            return
        self.details = details
        self.say("")
        self.show(RULES)
        self.query_one("#self-rules-scroll").focus()

    # ------------------------------------------------------------ rules and phone

    def action_accept(self) -> None:
        if self.step in (DONE, MESSAGE):
            self.start_again()
            return
        self.show(PHONE)
        self.query_one("#self-phone-error", Static).update("")
        phone = self.query_one("#self-phone", OptionList)
        phone.highlighted = 0
        phone.focus()

    def action_decline(self) -> None:
        self.message(
            "You have not accepted the device rules, so you are not signed in. "
            "Please speak to the office if you have any questions.",
            back_to=RULES,
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "self-accept":
            self.action_accept()
        elif event.button.id == "self-decline":
            self.action_decline()

    def action_phone(self, choice: str) -> None:
        if self.busy or self.details is None or self.rules is None:
            return
        self.busy = True
        self.query_one("#self-phone-error", Static).update("")
        self.query_one("#self-phone-keys", Static).update("Signing you in…")
        services = self.app.services
        self.db(
            act.public_sign_in,
            services.settings,
            self.rules,
            self.details,
            choice,
            services.clock.now(),
            then=self.signed_in,
            failed=self.sign_in_failed,
        )

    # ------------------------------------------------------------ sign-out by name

    def action_find_name(self) -> None:
        """Signing out: only with the visitor's own slip (no names are shown here)."""
        if self.focused is not None and self.focused.id in FORM:
            self.form_focus = self.focused.id  # Escape comes back here, the typing kept
        self.show(SIGN_OUT)
        self.query_one("#self-out-error", Static).update("")
        self.query_one("#self-out-slip", Input).focus()

    # ------------------------------------------------------------ results

    def message(self, text: str, back_to: str | None = None) -> None:
        """A message step; ``back_to``: the step Escape returns to, with everything typed kept."""
        self.back_to = back_to
        self.query_one("#self-message", Static).update(text)
        self.query_one("#self-message-keys", Static).update(
            "Press Enter to start again, or Esc to go back." if back_to else "Press Enter to start again."
        )
        self.show(MESSAGE)
        self.focus_nothing()

    def focus_nothing(self) -> None:
        self.set_focus(None)

    def rules_loaded(self, rules) -> None:
        self.rules = rules
        self.query_one("#self-rules", Markdown).update(rules.text)

    def rules_failed(self, failure: Failure) -> None:
        self.rules_error = f"{failure.message} Please see the office to sign in."

    def slip_read(self, found: PublicSignedOut | Returning) -> None:
        if isinstance(found, Returning):
            if self.step == SIGN_OUT:
                self.query_one("#self-out-error", Static).update(
                    "That slip is from an earlier visit: you are not signed in. Esc to sign in."
                )
                return
            self.pick_returning(found)
            return
        self.signed_out(found)

    def slip_failed(self, failure: Failure) -> None:
        text = failure.message
        if "office" not in text:
            text += " Please see the office."
        if self.step == SIGN_OUT:
            self.query_one("#self-out-error", Static).update(text)
        else:
            self.say(text)

    def _sign_in_answered(self) -> None:
        self.busy = False
        self.query_one("#self-phone-keys", Static).update(
            "Press 1, 2 or 3 (or Up/Down and Enter). Esc goes back to the rules."
        )

    def signed_in(self, v: PublicSignedIn) -> None:
        self._sign_in_answered()
        self.app.print_jobs_added()
        self.done(v)

    def sign_in_failed(self, failure: Failure) -> None:
        from models.visitors.visits import NoAgreedException

        self._sign_in_answered()
        text = failure.message
        if failure.refused_as(NoAgreedException):  # they may choose again: nothing they typed is lost
            self.query_one("#self-phone-error", Static).update(f"{text} Or choose 1 or 2.")
            self.query_one("#self-phone", OptionList).focus()
            return
        if "office" not in text:
            text += " Please see the office."
        self.message(f"{text} You have not been signed in.", back_to=PHONE)

    def signed_out(self, v: PublicSignedOut) -> None:
        text = "You are signed out. Thank you for visiting."
        if v.collect:
            text += "\n\nPlease collect your phone from the office: a member of staff will give it back to you."
        elif v.held:
            text += "\n\nPlease see the office about your phone."
        self.query_one("#self-done-title", Static).update(f"Goodbye, {v.name}.")
        self.query_one("#self-badge", Static).update("Please hand your visitor badge back to the office.")
        self.query_one("#self-band", Static).update("")
        self.query_one("#self-band").set_classes("")
        self.query_one("#self-done-text", Static).update(text)
        self.show(DONE)
        self.focus_nothing()

    def done(self, v: PublicSignedIn) -> None:
        self.query_one("#self-done-title", Static).update(f"Welcome, {v.name}. You are signed in.")
        self.query_one("#self-badge", Static).update(f"Your badge number is {v.badge}. Your slip is printing.")
        band = self.query_one("#self-band", Static)
        band.update("SUPERVISED: a member of staff will stay with you." if v.supervised else "UNSUPERVISED")
        band.set_classes("supervised" if v.supervised else "unsupervised")
        text = "Please wear your slip where it can be seen, and scan it here when you leave."
        if v.pending:
            text = (
                "Please hand your phone to the office now: they label it, keep it in a locked tray "
                "and give it back when you leave.\n\n" + text
            )
        elif v.exception_pending:
            from models.visitors.visits import ORG_EXCEPTION_PENDING

            text = ORG_EXCEPTION_PENDING + "\n\n" + text
        self.query_one("#self-done-text", Static).update(text)
        self.show(DONE)
        self.focus_nothing()
