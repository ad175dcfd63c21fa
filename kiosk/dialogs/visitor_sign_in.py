"""Office staff sign a visitor in: the details, the per-type checks, then a confirmation.

Attributes down: the settings (the checks each visitor type needs) and the device
rules the visitor has been shown (their version is named in the form). Returns a
:class:`StaffSignIn`, or None if cancelled. The only database use is the returning
visitor type-ahead (``kiosk.actions.visitors.returning_visitors``, a read in a
worker; only the answer to the newest name typed is shown); the caller signs the visitor in with
``models.visitors.visits.sign_in``, which checks everything again.

Keys: Enter moves from each box to the next (Down from the name picks a returning
visitor; Up/Down in the visitor type list); Tab reaches the check boxes (Space or Enter
ticks them); Enter on Continue, then Enter on Confirm. Esc goes back from the
confirmation step and cancels from the form.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from kiosk.actions.visitors import Details, Returning, StaffSignIn, returning_visitors
from kiosk.dialogs.two_step import TwoStepDialog, bad_text
from kiosk.dialogs.visitor_details import INPUT_MAX, check_details, checks_for, type_name
from kiosk.workers import DbWork
from models.config import VISITOR_TYPES, Settings
from models.visitors.visits import LIMITS

PHONES = (
    ("tray", "Handed in: put it in the tray under a visitor label"),
    ("car_or_off", "Left in the car, or switched off"),
    ("exception", "An exception agreed with the headteacher"),
)


class VisitorSignInDialog(DbWork, TwoStepDialog[StaffSignIn]):
    PREFIX = "vsign"
    CSS_PATH = ["dialogs.tcss", "visitor_dialogs.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back / cancel", id="visitor_sign_in.back"),
        Binding("down", "to_returning", "Returning visitor", show=False, id="visitor_sign_in.returning"),
    ]

    def __init__(self, settings: Settings, rules_version: str) -> None:
        super().__init__()
        self.settings = settings
        self.rules_version = rules_version
        self.returning: list[Returning] = []
        self.picked: Returning | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="vsign-box"):
            yield Static("Sign a visitor in", classes="dialog-title")
            with VerticalScroll(classes="dialog-form", id="vsign-form"):
                yield Label("Name")
                yield Input(id="vsign-name", placeholder="Type 3 letters for returning visitors", max_length=INPUT_MAX)
                yield OptionList(id="vsign-returning")
                yield Label("Organisation")
                yield Input(id="vsign-organisation", max_length=INPUT_MAX)
                yield Label("Visitor type")
                yield OptionList(*[Option(Content(type_name(t)), id=t) for t in VISITOR_TYPES], id="vsign-type")
                yield Static("", id="vsign-checks", markup=False)
                yield Label("Purpose")
                yield Input(id="vsign-purpose", max_length=INPUT_MAX)
                yield Label("Visiting")
                yield Input(id="vsign-visiting", max_length=INPUT_MAX)
                yield Label("Car registration (optional)")
                yield Input(id="vsign-car", max_length=INPUT_MAX)
                yield Label("Phone")
                with RadioSet(id="vsign-phone"):
                    for i, (_, words) in enumerate(PHONES):
                        yield RadioButton(Content(words), value=i == 0)
                yield Checkbox(f"Read and accepted the device rules (version {self.rules_version})", id="vsign-rules")
                yield Checkbox("Photo ID seen", id="vsign-id")
                yield Checkbox("DBS assurance from their employer", id="vsign-dbs")
                yield Input(
                    id="vsign-dbs-by",
                    placeholder="DBS assurance confirmed by (name and organisation)",
                    max_length=INPUT_MAX,
                )
                yield Checkbox("Supervised", id="vsign-supervised")
                yield Static("Enter to go on, Esc to cancel.", id="vsign-error", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Continue", id="vsign-continue", variant="primary")
                    yield Button("Cancel", id="vsign-cancel")
            with Vertical(classes="dialog-confirm"):
                yield Static("", id="vsign-summary", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Sign in", id="vsign-yes", variant="success")
                    yield Button("Back", id="vsign-back")

    def on_mount(self) -> None:
        self.query_one("#vsign-returning", OptionList).display = False
        self.query_one("#vsign-type", OptionList).highlighted = 0
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

    # ------------------------------------------------------------ returning visitors

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_returning":
            return bool(self.returning) and self.focused is not None and self.focused.id == "vsign-name"
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "vsign-name":
            return
        if self.picked is not None and event.value != self.picked.name:
            self.picked = None
        if len(" ".join(event.value.split())) >= 3:
            self.db(
                returning_visitors,
                event.value,
                then=self.set_returning,
                failed=lambda _failure: self.set_returning([]),
                latest="returning",
            )
        else:
            self.superseded("returning")
            self.set_returning([])

    def set_returning(self, found: list[Returning]) -> None:
        self.returning = found
        box = self.query_one("#vsign-returning", OptionList)
        box.clear_options()
        box.add_options([Option(Content(r.label()), id=str(r.id)) for r in found])
        box.display = bool(found)
        self.refresh_bindings()

    def action_to_returning(self) -> None:
        box = self.query_one("#vsign-returning", OptionList)
        box.highlighted = 0
        box.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "vsign-returning":
            r = self.returning[event.option_index]
            self.query_one("#vsign-name", Input).value = r.name
            self.query_one("#vsign-organisation", Input).value = r.organisation
            self.query_one("#vsign-car", Input).value = r.car_reg
            if r.visitor_type in VISITOR_TYPES:
                self.query_one("#vsign-type", OptionList).highlighted = VISITOR_TYPES.index(r.visitor_type)
            self.picked = r
            self.set_returning([])
            self.query_one("#vsign-purpose", Input).focus()
        elif event.option_list.id == "vsign-type":
            self.query_one("#vsign-purpose", Input).focus()

    # ------------------------------------------------------------ form

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        following = {
            "vsign-name": "#vsign-organisation",
            "vsign-organisation": "#vsign-type",
            "vsign-purpose": "#vsign-visiting",
            "vsign-visiting": "#vsign-car",
            "vsign-car": "#vsign-phone",
        }
        target = following.get(event.input.id or "")
        if target:
            self.query_one(target).focus()
        else:
            self.action_continue()

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
        phone = PHONES[max(self.query_one("#vsign-phone", RadioSet).pressed_index, 0)][0]
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
