"""Hand a phone to the police (officer, reference, time, a warning that it cannot be undone),
and record its return from the police (:class:`PoliceReturnDialog`).

Attributes down: the pupil's name, the current time (``now``, naive UTC; the hand-over's
Day and Time boxes default to it, and are read as the parents-told and police-call forms
read theirs) and the phone's latest event
(``latest``: its time and kind), before which the hand-over may not be dated
(``models.custody.ledger.time_order_problem``, the domain's own rule and words). The dialog returns a
:class:`PoliceHandover`, or None if cancelled. It never touches the database: the
caller records it with ``models.custody.ledger.hand_to_police``, after which nothing but the
phone's return from the police can be recorded for it.

Keys: Enter after each field, Enter on Continue, Enter on Confirm. Esc goes back from
the confirmation step, and cancels from the form.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from kiosk.actions.custody import PoliceHandover, PoliceReturn
from kiosk.actions.parents import PoliceCall
from kiosk.dialogs.parents_informed import (
    DAY_EXAMPLE,
    DAY_LENGTH,
    TIME_EXAMPLE,
    TIME_LENGTH,
    about_the_time,
    day_problem,
    parse_day_time,
    time_problem,
    when_problem,
)
from kiosk.dialogs.two_step import DockedTwoStepDialog
from kiosk.widgets.in_order import FORM_BINDINGS, FieldsInTurn, FormInput
from models.clock import local_from_utc_naive, to_local
from models.custody.ledger import time_order_problem

FINAL = (
    "This cannot be undone. Once the hand-over is recorded nothing more can be recorded for this "
    "phone until the police return it. Check every detail with the officer first."
)
# A member of staff's own device (kiosk.screens.staff_devices) is "device", not "phone".
STAFF_DEVICE_FINAL = FINAL.replace("this phone", "this device")
FUTURE_GRACE = dt.timedelta(minutes=5)  # models.custody.ledger.hand_to_police allows the same


HANDOVER_FIELDS = (
    # widget id, message when empty, what (for control characters)
    ("police-officer", "Give the officer's name.", "officer's name"),
    ("police-number", "Give the officer's number (collar or warrant number).", "officer's number"),
    ("police-reference", "Give the police reference (force reference or crime number).", "police reference"),
    ("police-day", "Give the day of the hand-over as DD/MM/YYYY.", "day"),
    ("police-time", "Give the time of the hand-over as HH:MM.", "time"),
)
HANDOVER_DAY, HANDOVER_TIME = "Day handed over", "Time handed over"  # the boxes' labels, and their messages' words
RETURN_DAY, RETURN_TIME = "Day returned", "Time returned"


def day_and_time(
    day: str, time: str, words: tuple[str, str], now: dt.datetime, latest: tuple[dt.datetime, str] | None, future: str
) -> tuple[dt.datetime | None, str, str]:
    """A day box and a time box read as the parents-told and police-call forms read theirs
    (``parents_informed.parse_day_time``): the moment (naive UTC), or None with the one line
    that says what is wrong and which box ("day" or "time") to put right. ``future``: the
    domain's words for a time after now (it allows five minutes, for a clock a little slow)."""
    if problem := day_problem(day, words[0]):
        return None, problem, "day"
    if problem := time_problem(time, words[1]):
        return None, problem, "time"
    at = parse_day_time(day, time)
    assert at is not None  # both read above
    if at > now + FUTURE_GRACE:
        return None, future, "time"
    if latest is not None and (problem := time_order_problem(at, *latest)):
        return None, problem, "time"
    return at, "", ""


class PoliceDialog(FieldsInTurn, DockedTwoStepDialog[PoliceHandover]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "police"
    CONFIRM_LABEL = "Confirm: handed to police"
    CONFIRM_VARIANT = "error"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="police.back")]
    FIELDS = tuple(field for field, _, _ in HANDOVER_FIELDS)

    def __init__(
        self,
        pupil_name: str,
        now: dt.datetime,
        latest: tuple[dt.datetime, str] | None = None,
        *,
        thing: str = "phone",
    ) -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.thing = thing  # "phone", or "device" for a member of staff's own
        self.now = now
        self.latest = latest  # the phone's latest event (time, kind): the hand-over may not be dated before it

    def dialog_title(self) -> str:
        return f"Hand {self.pupil_name}'s {self.thing} to the police"

    def compose_head(self) -> ComposeResult:
        yield Static(
            FINAL if self.thing == "phone" else STAFF_DEVICE_FINAL, id="police-warning", classes="dialog-warning"
        )

    def compose_form(self) -> ComposeResult:
        yield Label("Officer's name (required)")
        yield FormInput(
            id="police-officer",
            placeholder="e.g. PC Jane Smith",
            max_length=70,
        )
        yield Label("Officer's number (required)")
        yield FormInput(
            id="police-number",
            placeholder="Collar or warrant number",
            max_length=20,
        )
        yield Label("Police reference (required)")
        yield FormInput(
            id="police-reference",
            placeholder="Force reference or crime number",
            max_length=60,
        )
        # Each box its own label, and no characters dropped as they are typed (as "Parents told").
        local = to_local(self.now)
        yield Label(f"{HANDOVER_DAY} (DD/MM/YYYY)")
        yield FormInput(local.strftime("%d/%m/%Y"), id="police-day", placeholder=DAY_EXAMPLE, max_length=DAY_LENGTH)
        yield Label(f"{HANDOVER_TIME} (HH:MM)")
        yield FormInput(local.strftime("%H:%M"), id="police-time", placeholder=TIME_EXAMPLE, max_length=TIME_LENGTH)

    def on_mount(self) -> None:
        self.query_one("#police-officer", Input).focus()

    def refused_at(self, error: str) -> str:
        """What the ledger refuses on Confirm is the time (a record made meanwhile, dated after it)."""
        return "police-time"

    # ------------------------------------------------------------ form

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def build(self) -> tuple[PoliceHandover | None, str, str]:
        """The hand-over, or None with the first problem's message and the widget to fix."""
        for widget, empty, what in HANDOVER_FIELDS:
            text = self.value(widget)
            if not text:
                return None, empty, widget
            if any(not ch.isprintable() for ch in text):
                return None, f"The {what} contains control characters.", widget
        handed_at, problem, box = self.when()
        if handed_at is None:
            return None, problem, f"police-{box}"
        handover = PoliceHandover(
            self.value("police-officer"), self.value("police-number"), self.value("police-reference"), handed_at
        )
        return handover, "", ""

    def when(self) -> tuple[dt.datetime | None, str, str]:
        return day_and_time(
            self.value("police-day"),
            self.value("police-time"),
            (HANDOVER_DAY, HANDOVER_TIME),
            self.now,
            self.latest,
            "The hand-over time is in the future.",
        )

    def field_problem(self, field: str) -> str:
        """Enter in a field: it may not be empty; the day and the time are read at once (the
        rest is checked on Continue)."""
        if not self.value(field):
            return next(empty for widget, empty, _ in HANDOVER_FIELDS if widget == field)
        if field == "police-day":
            return day_problem(self.value(field), HANDOVER_DAY)
        if field == "police-time":
            return self.when()[1]
        return ""

    def action_continue(self) -> None:
        handover, message, widget = self.build()
        if handover is None:
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        self.confirm_step(
            handover,
            (
                f"Record that {self.pupil_name}'s {self.thing} was handed to the police?\n\n"
                f"Officer: {handover.officer}\n"
                f"Reference: {handover.force_reference}\n"
                f"When: {local_from_utc_naive(handover.handed_at)}\n\n"
                f"It cannot be undone, and nothing more can be recorded for this {self.thing} until the police return it."
            ),
        )


RETURN_FIELDS = (
    # widget id, message when empty (None: optional), what (for control characters)
    ("return-officer", "Give the name and number of the officer who returned it.", "officer"),
    ("return-reference", "Give the police reference.", "police reference"),
    ("return-day", "Give the day of the return as DD/MM/YYYY.", "day"),
    ("return-time", "Give the time of the return as HH:MM.", "time"),
    ("return-next", None, "note of what happens next"),
)
RETURN_MEANING = (
    "The phone comes back into the school's hands, confiscated: the kiosk names a free slot "
    "(or the overflow place), and it goes only to a listed parent or carer, or back to the police."
)


class PoliceReturnDialog(FieldsInTurn, DockedTwoStepDialog[PoliceReturn]):
    """The police give a phone back: who returned it, the reference, when (a day and a time,
    not before the phone's latest event) and what happens next. Returns a :class:`PoliceReturn`, or None;
    the caller records it with ``models.custody.ledger.return_from_police``."""

    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "return"
    CONFIRM_LABEL = "Confirm: returned by the police"
    CONFIRM_VARIANT = "warning"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="police_return.back")]
    FIELDS = tuple(field for field, _, _ in RETURN_FIELDS)

    def __init__(
        self,
        pupil_name: str,
        now: dt.datetime,
        latest: tuple[dt.datetime, str] | None = None,
        *,
        reference: str = "",
        thing: str = "phone",
        meaning: str = RETURN_MEANING,
        after: str = "The phone is then held by the school, confiscated.",
    ) -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.thing = thing  # "phone", or "device" for a member of staff's own
        self.meaning = meaning  # what the return means for it
        self.after = after  # the summary's last line
        self.now = now
        self.latest = latest
        self.reference = reference  # the hand-over's reference, offered

    def dialog_title(self) -> str:
        return f"{self.pupil_name}'s {self.thing} returned by the police"

    def compose_head(self) -> ComposeResult:
        yield Static(self.meaning, id="return-meaning", classes="dialog-warning", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("Returned by (officer's name and number)")
        yield FormInput(id="return-officer", placeholder="e.g. PC Jane Smith 4521", max_length=100)
        yield Label("Police reference")
        yield FormInput(self.reference, id="return-reference", max_length=60)
        local = to_local(self.now)
        yield Label(f"{RETURN_DAY} (DD/MM/YYYY)")
        yield FormInput(local.strftime("%d/%m/%Y"), id="return-day", placeholder=DAY_EXAMPLE, max_length=DAY_LENGTH)
        yield Label(f"{RETURN_TIME} (HH:MM)")
        yield FormInput(local.strftime("%H:%M"), id="return-time", placeholder=TIME_EXAMPLE, max_length=TIME_LENGTH)
        yield Label("What happens next (optional)")
        yield FormInput(
            id="return-next",
            placeholder="e.g. keep until a parent collects",
            max_length=200,
        )

    def on_mount(self) -> None:
        self.query_one("#return-officer", Input).focus()

    def refused_at(self, error: str) -> str:
        """What the ledger refuses on Confirm is the time (a record made meanwhile, dated after it)."""
        return "return-time"

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def build(self) -> tuple[PoliceReturn | None, str, str]:
        for widget, empty, what in RETURN_FIELDS:
            text = self.value(widget)
            if not text and empty is not None:
                return None, empty, widget
            if any(not ch.isprintable() for ch in text):
                return None, f"The {what} contains control characters.", widget
        returned_at, problem, box = self.when()
        if returned_at is None:
            return None, problem, f"return-{box}"
        back = PoliceReturn(
            self.value("return-officer"),
            self.value("return-reference"),
            self.value("return-next") or None,
            returned_at,
        )
        return back, "", ""

    def when(self) -> tuple[dt.datetime | None, str, str]:
        return day_and_time(
            self.value("return-day"),
            self.value("return-time"),
            (RETURN_DAY, RETURN_TIME),
            self.now,
            self.latest,
            "The time of the return is in the future.",
        )

    def field_problem(self, field: str) -> str:
        """Enter in a field: a required one may not be empty; the time is checked at once, not
        only on Continue (it stays to be put right)."""
        empty = next(empty for widget, empty, _ in RETURN_FIELDS if widget == field)
        if not self.value(field) and empty is not None:
            return empty
        if field == "return-day":
            return day_problem(self.value(field), RETURN_DAY)
        if field == "return-time":
            return self.when()[1]
        return ""

    def action_continue(self) -> None:
        back, message, widget = self.build()
        if back is None:
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        self.confirm_step(
            back,
            (
                f"Record that the police returned {self.pupil_name}'s {self.thing}?\n\n"
                f"Returned by: {back.officer}\n"
                f"Reference: {back.reference}\n"
                f"When: {local_from_utc_naive(back.returned_at)}\n"
                f"Next: {back.next_steps or '(not given)'}\n\n"
                f"{self.after}"
            ),
        )


CONTACT_FIELDS = ("call-line", "call-reference", "call-by", "call-day", "call-time", "call-note")


class PoliceContactDialog(FieldsInTurn, DockedTwoStepDialog[PoliceCall]):
    """A call to the police about a phone (online safety policy 10: 101, or 999 when there is
    immediate danger or risk of harm), before or without a hand-over: the number called, the
    reference or incident number, who called, when (any past day) and a note. Returns a
    :class:`PoliceCall`, or None; the caller records it (``models.safeguarding.parents``)."""

    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "call"
    CONFIRM_LABEL = "Confirm: police contacted"
    CONFIRM_VARIANT = "warning"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="police_contact.back")]
    FIELDS = CONTACT_FIELDS

    def __init__(
        self, pupil_name: str, caller: str, now: dt.datetime, about: tuple[dt.datetime, str] | None = None
    ) -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.caller = caller
        self.now = now
        self.about = about  # the record the call is about (time, noun): not dated before it

    def dialog_title(self) -> str:
        return f"Police contacted about {self.pupil_name}'s phone"

    def compose_head(self) -> ComposeResult:
        yield Static(
            "101, or 999 if there is immediate danger or risk of harm. This records the call only: a hand-over is F8.",
            id="call-meaning",
            markup=False,
        )

    def compose_form(self) -> ComposeResult:
        yield Label("Number called (101 or 999)")
        yield FormInput("101", id="call-line", max_length=3, restrict=r"[0-9]*")
        yield Label("Reference or incident number")
        yield FormInput(id="call-reference", max_length=60)
        yield Label("Called by")
        yield FormInput(self.caller, id="call-by", max_length=100)
        local = to_local(self.now)
        yield Label("Day called (DD/MM/YYYY)")  # each its own label, as "Parents told"
        yield FormInput(local.strftime("%d/%m/%Y"), id="call-day", placeholder=DAY_EXAMPLE, max_length=DAY_LENGTH)
        yield Label("Time called (HH:MM)")
        yield FormInput(local.strftime("%H:%M"), id="call-time", placeholder=TIME_EXAMPLE, max_length=TIME_LENGTH)
        yield Label("Note (optional)")
        yield FormInput(id="call-note", max_length=500)

    def on_mount(self) -> None:
        self.query_one("#call-line", Input).focus()

    def refused_at(self, error: str) -> str:
        return "call-time" if about_the_time(error) else "call-reference"

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def field_problem(self, widget_id: str) -> str:
        text = self.value(widget_id)
        if any(not ch.isprintable() for ch in text):
            return "That field contains control characters."
        if widget_id == "call-line" and text not in ("101", "999"):
            return "Say which number was called: 101 or 999."
        if widget_id == "call-reference" and not text:
            return "Give the reference or incident number the police gave."
        if widget_id == "call-by" and not text:
            return "Say who called."
        if widget_id == "call-day":
            return day_problem(text, "Day called")
        if widget_id == "call-time":
            if problem := time_problem(text, "Time called"):
                return problem
            since, noun = self.about if self.about is not None else (None, "")
            return when_problem(parse_day_time(self.value("call-day"), text), self.now, since, noun)
        return ""

    def action_continue(self) -> None:
        for field in CONTACT_FIELDS:
            if problem := self.field_problem(field):
                self.say(problem)
                self.query_one(f"#{field}", Input).focus()
                return
        at = parse_day_time(self.value("call-day"), self.value("call-time"))
        assert at is not None  # checked above
        by = self.value("call-by")
        call = PoliceCall(
            line=self.value("call-line"),
            reference=self.value("call-reference"),
            called_at=at,
            called_by_name=None if by == self.caller else by,
            note=self.value("call-note") or None,
        )
        self.confirm_step(
            call,
            (
                f"Record that the police were contacted about {self.pupil_name}'s phone?\n\n"
                f"Number: {call.line}\n"
                f"Reference: {call.reference}\n"
                f"Called by: {by}\n"
                f"When: {local_from_utc_naive(at)}\n"
                f"Note: {call.note or '(none)'}"
            ),
        )
