"""Parents informed: which parent or carer, who told them, when (any past day) and how.

Attributes down: the pupil's name, what they were told about (``about``: its words and its
time, naive UTC; the time told may not be before it), the pupil's listed parents and carers,
the name of the member of staff recording it (who told them, unless another name is typed)
and the time now. Returns a :class:`ParentsTold`, or None if cancelled; it never touches the
database: the caller records it (``models.safeguarding.parents.record_informed``), which
checks every rule again.

Keys: Enter after each field (the last one goes on to the summary), Enter on Confirm. Esc
goes back from the summary, and cancels from the form. The parent or carer is the number of
a listed one, or a name typed when none fits; how is a word of the list (its first letters do).
"""

from __future__ import annotations

import datetime as dt
import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from kiosk.actions.parents import ParentsTold
from kiosk.dialogs.two_step import DockedTwoStepDialog
from kiosk.widgets.in_order import FORM_BINDINGS, FieldsInTurn, FormInput
from models.clock import local_from_utc_naive, local_to_utc, to_local
from models.dates import DAY_FORMAT, parse_day
from models.dates import day_problem as no_day

_HHMM = re.compile(r"^([01]?[0-9]|2[0-3])[:.]?([0-5][0-9])$")
# Examples, said as such: the boxes hold today's day and time, and show these once emptied.
EXAMPLE_DAY = dt.date(2026, 11, 12)
DAY_EXAMPLE = f"e.g. {EXAMPLE_DAY:%d/%m/%Y}"
TIME_EXAMPLE = "e.g. 08:15"
# Room for what is typed wrong ("12/11/2026 8:15"): kept, and said in one line, never cut.
DAY_LENGTH = 20
TIME_LENGTH = 10
# The ways of telling, as typed (models.safeguarding.parents.HOW): a word, or its first letters.
HOW_WORDS = {
    "phone": "phone",
    "in person": "in_person",
    "letter": "letter",
    "email": "email",
    "text": "text",
    "other": "other",
}


def parse_time(text: str) -> dt.time | None:
    """A time typed HH:MM (or HH.MM, or HHMM); None if malformed."""
    match = _HHMM.match(text.strip())
    return None if match is None else dt.time(int(match.group(1)), int(match.group(2)))


def parse_day_time(day_text: str, time_text: str) -> dt.datetime | None:
    """A local day (as :func:`models.dates.parse_day` reads it) and time (HH:MM) as naive UTC;
    None if malformed."""
    day, time = parse_day(day_text), parse_time(time_text)
    if day is None or time is None:
        return None
    return local_to_utc(dt.datetime.combine(day, time))


def day_problem(text: str, words: str) -> str:
    """One line when the day box (labelled ``words``, e.g. "Day told") holds no day, or "": the
    shared reading and words (models.dates: "There is no 31 February 2026.")."""
    return no_day(text, words.lower(), EXAMPLE_DAY)


def time_problem(text: str, words: str) -> str:
    """One line when the time box (labelled ``words``) holds no time, or ""."""
    return "" if parse_time(text) else f"Give the {words.lower()} as HH:MM, {TIME_EXAMPLE}."


def when_problem(at: dt.datetime | None, now: dt.datetime, since: dt.datetime | None, what: str) -> str:
    """Why a day and time typed cannot be used (in the domain's words), or ""."""
    if at is None:
        return f"Give the day as {DAY_FORMAT} and the time as HH:MM."
    minute = at.replace(second=0, microsecond=0)
    if minute > now.replace(second=0, microsecond=0):
        return "That time is in the future."
    if since is not None and minute < since.replace(second=0, microsecond=0):
        return (
            f"That is before the {what} ({local_from_utc_naive(since)}): enter {local_from_utc_naive(since)} or later."
        )
    return ""


def about_the_time(error: str) -> bool:
    """A refusal about when it happened (in the future, before what it is about)."""
    return any(word in error.lower() for word in ("time", "before", "future", "day"))


def how_of(text: str) -> str | None:
    """The HOW key for a word typed ("phone", "in person", "e" for email...), or None."""
    typed = " ".join(text.lower().split())
    if not typed:
        return None
    found = [key for word, key in HOW_WORDS.items() if word.startswith(typed)]
    return found[0] if len(found) == 1 else None


PARENTS_FIELDS = ("parents-who", "parents-by", "parents-day", "parents-time", "parents-how", "parents-note")


class ParentsInformedDialog(FieldsInTurn, DockedTwoStepDialog[ParentsTold]):
    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "parents"
    CONFIRM_LABEL = "Confirm: parents told"
    CONFIRM_VARIANT = "primary"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="parents.back")]
    FIELDS = PARENTS_FIELDS

    def __init__(
        self,
        pupil_name: str,
        about: tuple[str, dt.datetime],
        contacts: list[tuple[int, str]],
        recorder: str,
        now: dt.datetime,
    ) -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.about_words, self.about_at = about
        self.contacts = list(contacts)
        self.recorder = recorder
        self.now = now

    def dialog_title(self) -> str:
        return f"Parents of {self.pupil_name} told"

    def compose_head(self) -> ComposeResult:
        yield Static(f"About the {self.about_words}.", id="parents-about", markup=False)

    def compose_form(self) -> ComposeResult:
        listed = "  ".join(f"{i}. {label}" for i, (_, label) in enumerate(self.contacts, 1))
        yield Label("Parent or carer: the number of a listed one, or a name")
        yield Static(listed or "No parent or carer is listed: type the name.", id="parents-listed", markup=False)
        yield FormInput(id="parents-who", placeholder="e.g. 1, or a name", max_length=100)
        yield Label("Told by")
        yield FormInput(self.recorder, id="parents-by", max_length=100)
        local = to_local(self.now)
        # Each box its own label, and no characters dropped as they are typed: a time typed
        # in the day box (or "8.15" in the time box) lost its separators without a word.
        yield Label(f"Day told ({DAY_FORMAT})")
        yield FormInput(local.strftime("%d/%m/%Y"), id="parents-day", placeholder=DAY_EXAMPLE, max_length=DAY_LENGTH)
        yield Label("Time told (HH:MM)")
        yield FormInput(local.strftime("%H:%M"), id="parents-time", placeholder=TIME_EXAMPLE, max_length=TIME_LENGTH)
        yield Label("How: phone, in person, letter, email, text or other")
        # An example, said so: a bare "phone" in grey looked filled in, and Enter then said "Say how".
        yield FormInput(id="parents-how", placeholder="e.g. phone", max_length=20)
        yield Label("Note (optional; a correction's reason)")
        yield FormInput(id="parents-note", max_length=500)

    def on_mount(self) -> None:
        self.query_one("#parents-who", Input).focus()

    def refused_at(self, error: str) -> str:
        return "parents-time" if about_the_time(error) else "parents-who"

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def field_problem(self, widget_id: str) -> str:
        """What is wrong with one field, or ""."""
        text = self.value(widget_id)
        if any(not ch.isprintable() for ch in text):
            return "That field contains control characters."
        if widget_id == "parents-who" and not text:
            return "Type the number of a listed parent or carer, or the name of the one told."
        if widget_id == "parents-who" and text.isdigit() and not 1 <= int(text) <= len(self.contacts):
            return f"There is no parent or carer number {text}: type a listed number or a name."
        if widget_id == "parents-by" and not text:
            return "Say who told them."
        if widget_id == "parents-day":
            return day_problem(text, "Day told")
        if widget_id == "parents-time":
            if problem := time_problem(text, "Time told"):
                return problem
            at = parse_day_time(self.value("parents-day"), text)
            return when_problem(at, self.now, self.about_at, self.about_words.split(" at ")[0])
        if widget_id == "parents-how" and not text:
            return "How is empty: type how they were told (phone, in person, letter, email, text or other)."
        if widget_id == "parents-how" and how_of(text) is None:
            return "Say how: phone, in person, letter, email, text or other."
        return ""

    def action_continue(self) -> None:
        for field in PARENTS_FIELDS:
            if problem := self.field_problem(field):
                self.say(problem)
                self.query_one(f"#{field}", Input).focus()
                return
        who = self.value("parents-who")
        contact_id, parent_name, parent_words = None, None, who
        if who.isdigit():
            contact_id, parent_words = self.contacts[int(who) - 1]
        else:
            parent_name = who
        by = self.value("parents-by")
        at = parse_day_time(self.value("parents-day"), self.value("parents-time"))
        how = how_of(self.value("parents-how"))
        assert at is not None and how is not None  # checked above
        told = ParentsTold(
            told_at=at,
            how=how,
            contact_id=contact_id,
            parent_name=parent_name,
            told_by_name=None if by == self.recorder else by,
            note=self.value("parents-note") or None,
        )
        how_words = next(word for word, key in HOW_WORDS.items() if key == how)
        self.confirm_step(
            told,
            (
                f"Record that {parent_words} was told of the {self.about_words}?\n\n"
                f"Told by: {by}\n"
                f"When: {local_from_utc_naive(at)}\n"
                f"How: {how_words}\n"
                f"Note: {told.note or '(none)'}"
            ),
        )
