"""Office staff sign a visitor in: the details, the per-type checks, then a confirmation.

Attributes down: the settings (the checks each visitor type needs) and the device
rules the visitor has been shown (their version is named in the form). Returns a
:class:`StaffSignIn`, or None if cancelled. The only database use is the returning
visitor type-ahead (``kiosk.actions.visitors.returning_visitors``, a read in a
worker; only the answer to the newest name typed is shown); the caller signs the visitor in with
``models.visitors.visits.sign_in``, which checks everything again.

Keys: Enter moves from each box to the next, the phone choice included (Up/Down in the
visitor type and phone lists); Down/Up in the name box go through the returning visitors
(the shared matches list: nothing is chosen until Down, and Enter takes the highlighted
one); Tab reaches the check boxes (Space or Enter ticks them); Enter on Continue, then
Enter on Confirm. Esc goes back from the confirmation step and cancels from the form.
The help line and the buttons are docked below the form, so Continue shows even at 80x24.

Keys typed fast after an Enter (or Tab) land in the next box, in order: the focus moves as
the Enter arrives (a priority binding), the boxes take their editing keys in order
(kiosk.widgets.in_order; the tick boxes their Space and Enter: FormCheckbox), and what a
box holds is read behind the keys typed before it.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions.visitors import Details, Returning, StaffSignIn, returning_visitors
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.dialogs.visitor_details import INPUT_MAX, check_details, checks_for, type_name
from kiosk.textual_compat import KeyFirst
from kiosk.widgets import matches
from kiosk.widgets.in_order import FormInput, FormOptionList, after_keys
from kiosk.workers import DbWork
from models.config import VISITOR_TYPES, Settings
from models.visitors.visits import LIMITS

PHONES = (
    ("tray", "Handed in: put it in the tray under a visitor label"),
    ("car_or_off", "Left in the car, or switched off"),
    ("exception", "An exception agreed with the headteacher"),
)
# Enter in each box moves to the next; in the last one it goes on (Continue).
FOLLOWING = {
    "vsign-name": "vsign-organisation",
    "vsign-organisation": "vsign-type",
    "vsign-type": "vsign-purpose",
    "vsign-purpose": "vsign-visiting",
    "vsign-visiting": "vsign-car",
    "vsign-car": "vsign-phone",
    "vsign-phone": "vsign-rules",
    "vsign-dbs-by": None,
}


class FormCheckbox(KeyFirst, Checkbox):
    """A tick box that takes Space and Enter in its own queue: as Checkbox's binding they ran
    once the key had gone round the app, for whatever had the focus by then, so Space, Tab,
    Space typed fast ticked the second box twice and the first not at all."""

    def take_key(self, event: events.Key) -> bool:
        if event.key not in ("space", "enter"):
            return False
        self.toggle()
        return True


class VisitorSignInDialog(DbWork, DockedTwoStepDialog[StaffSignIn]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "vsign"
    BOX_CLASSES = "dialog docked"  # the help line and buttons always in view, even at 80x24
    HELP = "Enter: next box, or tick. Down: returning visitor. Esc: cancel."
    CONFIRM_LABEL = "Sign in"
    CONFIRM_VARIANT = "success"
    CSS_PATH = ["dialogs.tcss", "visitor_dialogs.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back / cancel", id="visitor_sign_in.back"),
        # Priority: run as the key arrives, before the keys after it are sent on (see above).
        Binding("enter", "form_enter", show=False, priority=True, id="visitor_sign_in.enter"),
        Binding("tab", "app.focus_next", show=False, priority=True, id="visitor_sign_in.next"),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True, id="visitor_sign_in.previous"),
        Binding("down", "returning('down')", show=False, priority=True, id="visitor_sign_in.returning"),
        Binding("up", "returning('up')", show=False, priority=True, id="visitor_sign_in.returning_up"),
    ]

    def __init__(self, settings: Settings, rules_version: str) -> None:
        super().__init__()
        self.settings = settings
        self.rules_version = rules_version
        self.returning: list[Returning] = []
        self.picked: Returning | None = None

    def dialog_title(self) -> str:
        return "Sign a visitor in"

    def compose_form(self) -> ComposeResult:
        yield Label("Name")
        yield FormInput(id="vsign-name", placeholder="Type 3 letters for returning visitors", max_length=INPUT_MAX)
        yield OptionList(id="vsign-returning")
        yield Label("Organisation")
        yield FormInput(id="vsign-organisation", max_length=INPUT_MAX)
        yield Label("Visitor type")
        yield FormOptionList(*[Option(Content(type_name(t)), id=t) for t in VISITOR_TYPES], id="vsign-type")
        yield Static("", id="vsign-checks", markup=False)
        yield Label("Purpose")
        yield FormInput(id="vsign-purpose", max_length=INPUT_MAX)
        yield Label("Visiting")
        yield FormInput(id="vsign-visiting", max_length=INPUT_MAX)
        yield Label("Car registration (optional)")
        yield FormInput(id="vsign-car", max_length=INPUT_MAX)
        yield Label("Phone (Up/Down, then Enter)")
        yield FormOptionList(*[Option(Content(words), id=key) for key, words in PHONES], id="vsign-phone")
        yield FormCheckbox(f"Read and accepted the device rules (version {self.rules_version})", id="vsign-rules")
        yield FormCheckbox("Photo ID seen", id="vsign-id")
        yield FormCheckbox("DBS assurance from their employer", id="vsign-dbs")
        yield FormInput(
            id="vsign-dbs-by",
            placeholder="DBS assurance confirmed by (name and organisation)",
            max_length=INPUT_MAX,
        )
        yield FormCheckbox("Supervised", id="vsign-supervised")

    def on_mount(self) -> None:
        self.query_one("#vsign-returning", OptionList).display = False
        self.query_one("#vsign-type", OptionList).highlighted = 0
        self.query_one("#vsign-phone", OptionList).highlighted = 0
        self.show_checks(VISITOR_TYPES[0])
        self.query_one("#vsign-name", Input).focus()

    # ------------------------------------------------------------ the checks for the type

    @property
    def visitor_type(self) -> str:
        index = self.query_one("#vsign-type", OptionList).highlighted
        return VISITOR_TYPES[index if index is not None else 0]

    def show_checks(self, vtype: str) -> None:
        checks = checks_for(self.settings, vtype)
        needs = [
            w for w, on in (("photo ID seen", checks.id_seen), ("DBS assurance confirmed", checks.dbs_assured)) if on
        ]
        band = "supervised" if checks.supervised else "unsupervised"
        self.query_one("#vsign-checks", Static).update(
            f"{type_name(vtype)}: {', '.join(needs) if needs else 'no ID or DBS check'}; {band} by default."
        )
        self.query_one("#vsign-supervised", Checkbox).value = checks.supervised

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "vsign-type":
            self.show_checks(VISITOR_TYPES[event.option_index])

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused.id if self.focused is not None else None
        if action == "form_enter":  # elsewhere Enter is the box's own (a tick, a button, a returning visitor)
            return not self.has_class("confirming") and focused in FOLLOWING
        if action == "returning":
            box = self.query_one("#vsign-returning", OptionList)
            return focused == "vsign-name" and box.display and box.option_count > 0
        return True

    def action_returning(self, key: str) -> None:
        """Down/Up in the name box: through the returning visitors; the first Down highlights the first."""
        matches.step(self.query_one("#vsign-returning", OptionList), key)

    def action_form_enter(self) -> None:
        """Enter in a box: the focus moves on now, so the next keys reach the next box; what
        the box holds is read behind the keys typed before the Enter (after_keys)."""
        field = self.focused
        if field is None or field.id not in FOLLOWING:
            return
        if field.id == "vsign-name":
            option = matches.chosen(self.query_one("#vsign-returning", OptionList))
            chosen = self.returning[int(option.id or 0)] if option is not None else None
            self.hide_returning()
            if chosen is not None:  # a returning visitor chosen with Down: on to the purpose
                self.set_focus(self.query_one("#vsign-purpose", Input))
                after_keys(field, self.pick, chosen)
                return
        following = FOLLOWING[field.id]
        if following is not None:
            self.set_focus(self.query_one(f"#{following}"))
        else:
            after_keys(field, self.action_continue)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # (Enter in a box is the dialog's: action_form_enter)

    # ------------------------------------------------------------ returning visitors

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "vsign-name":
            return
        value = event.input.value  # the box's value now (it may have been set since)
        if self.picked is not None:
            if value == self.picked.name:  # the returning visitor just chosen: no list again
                return
            self.picked = None
        if len(" ".join(value.split())) >= 3:
            self.db(
                returning_visitors,
                value,
                then=self.set_returning,
                failed=lambda _failure: self.set_returning([]),
                latest="returning",
            )
        else:
            self.hide_returning()

    def hide_returning(self) -> None:
        self.superseded("returning")
        self.set_returning([])

    def set_returning(self, found: list[Returning]) -> None:
        name_box = self.query_one("#vsign-name", Input)
        if found and (self.focused is not name_box or self.picked is not None):
            found = []  # an answer that came after the office moved on, or chose: never shown
        self.returning = found
        box = self.query_one("#vsign-returning", OptionList)
        matches.show_matches(
            box, [Option(Content(r.label()), id=str(i)) for i, r in enumerate(found)], highlight_one=False
        )
        box.display = bool(found)
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "vsign-returning":  # clicked, or Enter in the list itself
            r = self.returning[event.option_index]
            self.hide_returning()
            self.pick(r)
            self.set_focus(self.query_one("#vsign-purpose", Input))
        elif event.option_list.id in ("vsign-type", "vsign-phone"):  # clicked
            self.set_focus(self.query_one(f"#{FOLLOWING[event.option_list.id]}"))

    def pick(self, r: Returning) -> None:
        """Fill in a returning visitor's details (their name as they gave it before)."""
        self.picked = r
        self.query_one("#vsign-name", Input).value = r.name
        self.query_one("#vsign-organisation", Input).value = r.organisation
        self.query_one("#vsign-car", Input).value = r.car_reg
        if r.visitor_type in VISITOR_TYPES:
            self.query_one("#vsign-type", OptionList).highlighted = VISITOR_TYPES.index(r.visitor_type)

    # ------------------------------------------------------------ form

    def value(self, name: str) -> str:
        return self.query_one(f"#vsign-{name}", Input).value

    def checked(self, name: str) -> bool:
        return self.query_one(f"#vsign-{name}", Checkbox).value

    def check(self) -> tuple[StaffSignIn | None, str, str]:
        """(the result, "", "") or (None, the first problem, the widget to fix it in)."""
        details = Details(
            name=self.value("name"),
            organisation=self.value("organisation"),
            visitor_type=self.visitor_type,
            purpose=self.value("purpose"),
            visiting=self.value("visiting"),
            car_reg=self.value("car"),
            visitor_id=self.picked.id if self.picked is not None else None,
        )
        problem = check_details(details)
        if problem is not None:
            return None, problem[0], f"vsign-{problem[1]}"
        kind = type_name(details.visitor_type).lower()
        checks = checks_for(self.settings, details.visitor_type)
        if not self.checked("rules"):
            return None, "The visitor must read and accept the device rules first.", "vsign-rules"
        if checks.id_seen and not self.checked("id"):
            return None, f"Check the photo ID of a {kind} and tick that it was seen.", "vsign-id"
        dbs_by = " ".join(self.value("dbs-by").split())
        if bad := bad_text(self.value("dbs-by"), "name of who confirmed the DBS assurance"):
            return None, bad, "vsign-dbs-by"
        if len(dbs_by) > LIMITS["dbs_confirmed_by"]:
            return (
                None,
                (
                    f"The name of who confirmed the DBS assurance is too long ({len(dbs_by)} characters; "
                    f"at most {LIMITS['dbs_confirmed_by']})."
                ),
                "vsign-dbs-by",
            )
        dbs = self.checked("dbs")
        if checks.dbs_assured and not dbs:
            return (
                None,
                f"A {kind} needs DBS assurance from their employer: without it they cannot be signed in.",
                "vsign-dbs",
            )
        if dbs and not dbs_by:
            return None, "Say who confirmed the DBS assurance (name and organisation).", "vsign-dbs-by"
        phone = PHONES[self.query_one("#vsign-phone", OptionList).highlighted or 0][0]
        return (
            StaffSignIn(
                details=details,
                phone=phone,
                rules_accepted=True,
                id_seen=self.checked("id"),
                dbs_assured=True if dbs else (False if checks.dbs_assured else None),
                dbs_confirmed_by=dbs_by if dbs else "",
                supervised=self.checked("supervised"),
            ),
            "",
            "",
        )

    def action_continue(self) -> None:
        result, message, widget = self.check()
        if result is None:
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        d = result.details
        lines = [
            f"Sign in {' '.join(d.name.split())}"
            + (f" ({' '.join(d.organisation.split())})" if d.organisation.strip() else "")
            + "?",
            "",
            f"Type: {type_name(d.visitor_type)}",
            f"Visiting: {' '.join(d.visiting.split())} · Purpose: {' '.join(d.purpose.split())}",
            f"Phone: {dict(PHONES)[result.phone]}",
            f"ID seen: {'yes' if result.id_seen else 'no'}",
        ]
        if result.dbs_assured:
            lines.append(f"DBS assurance confirmed by {result.dbs_confirmed_by}")
        lines.append("SUPERVISED" if result.supervised else "UNSUPERVISED")
        self.confirm_step(result, "\n".join(lines))
