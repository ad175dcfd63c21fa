"""Record an exception agreed with the headteacher: every field of the record, then a
confirmation step.

Attributes down: today's local date. The dialog looks up pupils (by name), their
listed contacts and the staff list in thread workers (``kiosk.actions.agreed``'s
lookups, plain data only) and returns an :class:`~kiosk.actions.agreed.ExceptionForm`,
or None if cancelled. It never writes: the caller records the exception with
``kiosk.actions.agreed.record_exception`` (``models.policy.agreed.record``, which checks
every rule again).

Keys: Enter moves to the next field (Down/Up and Enter in a list or a choice);
Continue (Enter on the last field, or on the button) shows the summary; Enter on
Confirm returns it. Esc goes back from the summary, and cancels from the form.
A medical exception takes a category from the list: there is no field for a diagnosis.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from kiosk.actions.agreed import ExceptionForm, find_pupils, pupil_contacts, staff_list
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet
from kiosk.widgets import matches
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormOptionList, InOrderForm
from kiosk.workers import DbWork, Failure
from models.dates import DAY_FORMAT, read_day, uk
from models.policy.agreed import KINDS, MEDICAL_CATEGORIES, NEEDS_RISK_ASSESSMENT, SUBJECT_KINDS

SUBJECT_WORDS = {
    "pupil": "A pupil",
    "staff": "A member of staff",
    "visitor": "A visitor",
    "organisation": "A visiting organisation (everyone from it)",
}
KIND_SUBJECTS_UI = {  # mirrors models.policy.agreed.KIND_SUBJECTS, to say so before Continue
    "young_carer": {"pupil"},
    "remote_learning": {"pupil", "staff"},
}
LIMITS = {"allowed": 500, "where": 200, "condition": 200, "sanction": 500, "name": 100, "risk": 60}


def options(rows: list[tuple[int, str]]) -> list[Option]:
    """OptionList rows whose text is never read as markup."""
    return [Option(Content(text), id=str(i)) for i, text in rows]


# ---------------------------------------------------------------- dialog


class ExceptionFormDialog(InOrderForm, DbWork, DockedTwoStepDialog[ExceptionForm]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "exc"
    BOX_CLASSES = "dialog wide-dialog docked"  # the error line and buttons always in view
    HELP = "Choose who it is for (Down/Up, then Enter). Esc to cancel."
    CONFIRM_LABEL = "Confirm: record it"
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="exception_form.back")]

    def __init__(self, today: dt.date) -> None:
        super().__init__()
        self.today = today
        self.pupil: tuple[int, str] | None = None
        self.contact: tuple[int, str] | None = None
        self.staff: tuple[int, str] | None = None
        self.pupil_rows: dict[int, str] = {}
        self.contact_rows: dict[int, str] = {}
        self.staff_rows: dict[int, str] = {}

    def dialog_title(self) -> str:
        return "Record an exception agreed with the headteacher"

    def compose_form(self) -> ComposeResult:
        yield Label("Who it is for")
        with UnchosenRadioSet(id="exc-subject"):
            for key in SUBJECT_KINDS:
                yield RadioButton(Content(SUBJECT_WORDS[key]))
        with Vertical(id="exc-pupil-box", classes="subject-box"):
            yield Label("Pupil: type part of the name, then Down/Up and Enter")
            yield FormInput(id="exc-pupil-find", placeholder="Pupil's name or admission number", max_length=100)
            yield FormOptionList(id="exc-pupil-list")
            yield Static("", id="exc-pupil-chosen", markup=False)
        with Vertical(id="exc-staff-box", classes="subject-box"):
            yield Label("Member of staff: Down/Up and Enter")
            yield FormOptionList(id="exc-staff-list")
        with Vertical(id="exc-visitor-box", classes="subject-box"):
            yield Label("Visitor's name", id="exc-visitor-label")
            yield FormInput(id="exc-visitor", placeholder="Full name, as they sign in", max_length=LIMITS["name"])
            yield Label("Organisation", id="exc-org-label")
            yield FormInput(id="exc-org", placeholder="Organisation (if any)", max_length=LIMITS["name"])
        yield Label("Kind of exception")
        with UnchosenRadioSet(id="exc-kind"):
            for text in KINDS.values():
                yield RadioButton(Content(text.capitalize()))
        with Vertical(id="exc-medical-box"):
            yield Label("What the phone is needed for (a category, never a diagnosis)")
            with UnchosenRadioSet(id="exc-medical"):
                for text in MEDICAL_CATEGORIES.values():
                    yield RadioButton(Content(text.capitalize()))
        yield Label("Exactly what is allowed")
        yield FormInput(
            id="exc-allowed",
            placeholder="e.g. check glucose readings on the phone",
            max_length=LIMITS["allowed"],
        )
        yield Label("Where")
        yield FormInput(id="exc-where", placeholder="e.g. in the medical room", max_length=LIMITS["where"])
        yield Label("Conditions (separate them with ;)")
        yield FormInput(id="exc-conditions", placeholder="e.g. phone kept on silent; kept in the bag", max_length=2000)
        with Vertical(id="exc-sanction-box"):
            yield Label("Sanction for misuse (pupils)")
            yield FormInput(
                id="exc-sanction", placeholder="e.g. the exception is withdrawn", max_length=LIMITS["sanction"]
            )
        with Vertical(id="exc-contact-box"):
            yield Label("Agreed with: the parent or carer (Down/Up and Enter)")
            yield FormOptionList(id="exc-contact-list")
        with Vertical(id="exc-agreed-with-box"):
            yield Label("Agreed with (name, if not the person themselves)")
            yield FormInput(id="exc-agreed-with", placeholder="optional", max_length=LIMITS["name"])
        with Horizontal(id="exc-dates"):
            for wid, label, value in (
                ("exc-agreed-on", "Agreed on", uk(self.today)),
                ("exc-starts", "Starts", uk(self.today)),
                ("exc-review", "Review", ""),
                ("exc-ends", "Ends (last day)", ""),
            ):
                with Vertical(classes="date-field"):
                    yield Label(label)
                    yield FormInput(value, id=wid, placeholder=DAY_FORMAT, max_length=10)
        with Vertical(id="exc-risk-box"):
            yield Label("Risk assessment reference")
            yield FormInput(id="exc-risk", placeholder="e.g. RA-2026-14", max_length=LIMITS["risk"])

    def on_mount(self) -> None:
        self.show_parts()
        self.query_one("#exc-subject", RadioSet).focus()
        self.db(staff_list, then=self.show_staff)

    # ------------------------------------------------------------ what is shown

    def subject_kind(self) -> str | None:
        i = self.query_one("#exc-subject", RadioSet).pressed_index
        return SUBJECT_KINDS[i] if i >= 0 else None

    def kind(self) -> str | None:
        i = self.query_one("#exc-kind", RadioSet).pressed_index
        return list(KINDS)[i] if i >= 0 else None

    def medical_category(self) -> str | None:
        i = self.query_one("#exc-medical", RadioSet).pressed_index
        return list(MEDICAL_CATEGORIES)[i] if i >= 0 else None

    def show_parts(self, subject: str | None = None, kind: str | None = None) -> None:
        subject, kind = subject or self.subject_kind(), kind or self.kind()
        self.query_one("#exc-pupil-box").display = subject == "pupil"
        self.query_one("#exc-staff-box").display = subject == "staff"
        self.query_one("#exc-visitor-box").display = subject in ("visitor", "organisation")
        self.query_one("#exc-visitor").display = subject == "visitor"
        self.query_one("#exc-visitor-label").display = subject == "visitor"
        self.query_one("#exc-org-label", Label).update(
            "Organisation" + (" (required)" if subject == "organisation" else " (if any)")
        )
        self.query_one("#exc-sanction-box").display = subject == "pupil"
        self.query_one("#exc-contact-box").display = subject == "pupil"
        self.query_one("#exc-agreed-with-box").display = subject not in (None, "pupil")
        self.query_one("#exc-medical-box").display = kind == "medical_monitoring"
        self.query_one("#exc-risk-box").display = kind in NEEDS_RISK_ASSESSMENT

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A choice made with Space or the mouse (Enter's is dealt with as it arrives)."""
        event.stop()
        self.show_parts()
        if event.radio_set.has_focus:
            following = self.form_next(event.radio_set.id or "", event.index)
            if following is not None:
                self.query_one(f"#{following}").focus()

    # ------------------------------------------------------------ Enter, field by field (InOrderForm)

    def form_unchosen(self, field: str) -> None:
        what = {"exc-subject": "who it is for", "exc-kind": "the kind of exception", "exc-medical": "what it is for"}
        if field in what:
            self.say(f"Choose {what[field]} (Down/Up, then Enter).")

    def form_next(self, field: str, index: int | None) -> str | None:
        self.say("")
        if field == "exc-subject" and index is not None:
            subject = SUBJECT_KINDS[index]
            self.show_parts(subject=subject)
            return {
                "pupil": "exc-pupil-find",
                "staff": "exc-staff-list",
                "visitor": "exc-visitor",
                "organisation": "exc-org",
            }[subject]
        if field == "exc-kind" and index is not None:
            kind = list(KINDS)[index]
            self.show_parts(kind=kind)
            return "exc-medical" if kind == "medical_monitoring" else "exc-allowed"
        if field in ("exc-pupil-find", "exc-pupil-list", "exc-staff-list"):
            return "exc-kind"
        if field == "exc-medical":
            return "exc-allowed"
        if field == "exc-contact-list":
            return "exc-agreed-on"
        if self.last_field(field):
            return None
        self.focus_next()  # at once: the next field shown
        return None

    def last_field(self, field: str) -> bool:
        return field == "exc-risk" or (field == "exc-ends" and not self.query_one("#exc-risk-box").display)

    def form_entered(self, field: str) -> None:
        if field == "exc-pupil-find":
            box = self.query_one("#exc-pupil-list", OptionList)
            if (option := matches.chosen(box)) is not None:
                self.pick("exc-pupil-list", int(option.id or 0))
                return
            self.say(matches.SEVERAL if box.option_count else "Type part of the pupil's name, then pick them.")
            self.set_focus(self.query_one("#exc-pupil-find"))
        elif field in ("exc-pupil-list", "exc-staff-list", "exc-contact-list"):
            box = self.query_one(f"#{field}", OptionList)
            option = box.highlighted_option
            if option is None:
                self.say("Pick from the list (Down/Up, then Enter).")
                self.set_focus(box)
                return
            self.pick(field, int(option.id or 0))
        elif self.last_field(field):
            self.action_continue()

    # ------------------------------------------------------------ pickers

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "exc-pupil-find":
            return
        event.stop()
        if len(event.value.strip()) >= 2:
            self.db(find_pupils, event.value, then=partial(self.show_pupils, event.value), latest="pupils")
        else:
            self.superseded("pupils")  # typed over: what was asked before is no longer wanted
            self.set_list("#exc-pupil-list", [])

    def set_list(self, selector: str, rows: list[tuple[int, str]]) -> None:
        box = self.query_one(selector, OptionList)
        box.clear_options()
        picker = selector in ("#exc-staff-list", "#exc-contact-list")  # the one picked is marked ●
        box.add_options(matches.picker_options(rows) if picker else options(rows))
        box.highlighted = None  # the first Down highlights the first (it skipped to the second)

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def show_staff(self, rows: list[tuple[int, str]]) -> None:
        self.staff_rows = dict(rows)
        self.set_list("#exc-staff-list", rows)

    def show_pupils(self, text: str, rows: list[tuple[int, str]]) -> None:
        self.pupil_rows = dict(rows)
        matches.show_matches(self.query_one("#exc-pupil-list", OptionList), options(rows))
        if not rows:
            self.say(f"No pupil found for {text.strip()!r}.")
        else:
            self.say("Down/Up to choose the pupil, Enter to pick.")

    def show_contacts(self, rows: list[tuple[int, str]]) -> None:
        if self.pupil is None:
            return
        self.contact_rows = dict(rows)
        self.set_list("#exc-contact-list", rows)
        if not rows:
            self.say(
                f"No parent or carer is listed for {self.pupil[1].split(' · ')[0]}: add one to the "
                "school's records first."
            )

    def on_key(self, event) -> None:
        # Down/Up in the pupil search box move through the results.
        results = self.query_one("#exc-pupil-list", OptionList)
        if (
            self.focused is not None
            and self.focused.id == "exc-pupil-find"
            and event.key in ("down", "up")
            and results.option_count
        ):
            event.stop()
            matches.step(results, event.key)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (Enter's is dealt with as it arrives)."""
        event.stop()
        list_id = event.option_list.id or ""
        self.pick(list_id, int(event.option.id or 0))
        self.query_one(f"#{self.form_next(list_id, None)}").focus()

    def pick(self, list_id: str, row_id: int) -> None:
        if list_id == "exc-pupil-list":
            self.pupil = (row_id, self.pupil_rows[row_id])
            self.contact = None
            self.query_one("#exc-pupil-chosen", Static).update(f"Chosen: {self.pupil[1]}")
            self.set_list("#exc-contact-list", [])
            self.db(pupil_contacts, row_id, then=self.show_contacts, latest="contacts")
        elif list_id == "exc-staff-list":
            self.staff = (row_id, self.staff_rows[row_id])
            matches.mark_chosen(self.query_one("#exc-staff-list", OptionList), list(self.staff_rows.items()), row_id)
        elif list_id == "exc-contact-list":
            self.contact = (row_id, self.contact_rows[row_id])
            contacts = self.query_one("#exc-contact-list", OptionList)
            matches.mark_chosen(contacts, list(self.contact_rows.items()), row_id)
        self.say("")

    # ------------------------------------------------------------ checking

    def value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value.strip()

    def check(self) -> tuple[str, str] | ExceptionForm:
        """The first problem as (message, widget id), or the form."""
        subject = self.subject_kind()
        if subject is None:
            return "Choose who the exception is for.", "exc-subject"
        kw: dict[str, Any] = {"subject_kind": subject}
        label = ""
        if subject == "pupil":
            if self.pupil is None:
                return "Find and pick the pupil (type part of the name, then Enter).", "exc-pupil-find"
            kw["pupil_id"], label = self.pupil[0], self.pupil[1]
        elif subject == "staff":
            if self.staff is None:
                return "Pick the member of staff from the list.", "exc-staff-list"
            kw["staff_id"], label = self.staff
        else:
            org = self.value("exc-org")
            if subject == "visitor":
                name = self.value("exc-visitor")
                if not name:
                    return "Give the visitor's name.", "exc-visitor"
                if problem := bad_text(name, "visitor's name"):
                    return problem, "exc-visitor"
                kw["visitor_name"] = name
                label = name + (f" ({org})" if org else "")
            elif not org:
                return "Give the organisation's name.", "exc-org"
            else:
                label = f"{org} (everyone from it)"
            if problem := bad_text(org, "organisation"):
                return problem, "exc-org"
            kw["organisation"] = org or None
        kind = self.kind()
        if kind is None:
            return "Choose the kind of exception.", "exc-kind"
        if kind in KIND_SUBJECTS_UI and subject not in KIND_SUBJECTS_UI[kind]:
            return f"A {KINDS[kind]} exception cannot be for {SUBJECT_WORDS[subject].lower()}.", "exc-kind"
        kw["kind"] = kind
        if kind == "medical_monitoring":
            if (category := self.medical_category()) is None:
                return "Choose what the phone is needed for (never write a diagnosis).", "exc-medical"
            kw["medical_category"] = category
        for wid, key, what in (
            ("exc-allowed", "allowed", "description of what is allowed"),
            ("exc-where", "where", "place where it is allowed"),
        ):
            text = self.value(wid)
            if not text:
                return f"Give the {what}.", wid
            if problem := bad_text(text, what):
                return problem, wid
            kw[key] = text
        conditions = tuple(c.strip() for c in self.value("exc-conditions").split(";") if c.strip())
        for c in conditions:
            if problem := bad_text(c, "condition"):
                return problem, "exc-conditions"
            if len(c) > LIMITS["condition"]:
                return f"Keep each condition to {LIMITS['condition']} characters.", "exc-conditions"
        kw["conditions"] = conditions
        agreed_label = ""
        if subject == "pupil":
            sanction = self.value("exc-sanction")
            if not sanction:
                return "Give the sanction for misuse.", "exc-sanction"
            if problem := bad_text(sanction, "sanction"):
                return problem, "exc-sanction"
            kw["sanction"] = sanction
            if self.contact is None:
                return "Pick the parent or carer it was agreed with, from those listed.", "exc-contact-list"
            kw["agreed_with_contact_id"], agreed_label = self.contact
        else:
            agreed = self.value("exc-agreed-with")
            if problem := bad_text(agreed, "name of the person it was agreed with"):
                return problem, "exc-agreed-with"
            kw["agreed_with"] = agreed or None
            agreed_label = agreed
        dates: dict[str, dt.date] = {}
        for wid, key, what in (
            ("exc-agreed-on", "agreed_on", "date it was agreed"),
            ("exc-starts", "starts_on", "start date"),
            ("exc-review", "review_on", "review date"),
            ("exc-ends", "ends_on", "end date"),
        ):
            day = read_day(self.value(wid), what, self.today)  # models.dates: as every form reads a day
            if isinstance(day, str):
                return day, wid
            dates[key] = day
        if dates["agreed_on"] > self.today:
            return "The date it was agreed is in the future.", "exc-agreed-on"
        if dates["agreed_on"] > dates["starts_on"]:
            return "An exception must be agreed before it starts.", "exc-starts"
        if dates["ends_on"] < dates["starts_on"]:
            return "The end date is before the start date.", "exc-ends"
        if not dates["starts_on"] <= dates["review_on"] <= dates["ends_on"]:
            return "The review date must fall between the start and end dates.", "exc-review"
        if dates["ends_on"] < self.today:
            return "The end date has already passed.", "exc-ends"
        kw.update(dates)
        if kind in NEEDS_RISK_ASSESSMENT:
            ref = self.value("exc-risk")
            if not ref:
                return "Give the risk assessment reference.", "exc-risk"
            if problem := bad_text(ref, "risk assessment reference"):
                return problem, "exc-risk"
            kw["risk_assessment_ref"] = ref
        return ExceptionForm(**kw, subject_label=label, agreed_with_label=agreed_label)

    def action_continue(self) -> None:
        checked = self.check()
        if isinstance(checked, tuple):
            message, widget = checked
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        self.confirm_step(checked, summary(checked))


def summary(f: ExceptionForm) -> str:
    kind = KINDS[f.kind] + (f": {MEDICAL_CATEGORIES[f.medical_category]}" if f.medical_category else "")
    lines = [
        "Record this exception?",
        "",
        f"For: {f.subject_label} ({f.subject_kind})",
        f"Kind: {kind}",
        f"Allowed: {f.allowed}",
        f"Where: {f.where}",
        "Conditions: " + ("; ".join(f.conditions) if f.conditions else "none"),
    ]
    if f.sanction:
        lines.append(f"Sanction for misuse: {f.sanction}")
    lines.append(f"Agreed with: {f.agreed_with_label or 'the person themselves'}, on {f.agreed_on.isoformat()}")
    lines.append(
        f"From {f.starts_on.isoformat()} until {f.ends_on.isoformat()} (inclusive), review on {f.review_on.isoformat()}"
    )
    if f.risk_assessment_ref:
        lines.append(f"Risk assessment: {f.risk_assessment_ref}")
    if f.subject_kind == "pupil":
        lines += ["", "It has effect only once the signed copy is back: print the agreement next (P)."]
    return "\n".join(lines)
