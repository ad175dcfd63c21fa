"""Record the search of a phone (leadership only, with consent), then confirm.

The phone may be in the tray, with its owner or confiscated: a search moves nothing. The
record is the DfE's ("Searching, screening and confiscation", 2022): the consent; the
witness, or why there was none; the grounds and the item sought; the location; others
present; what was found (its kind, never its content) and what was done with it; the
follow-up. That the parents were told is recorded apart, whenever it happens (F3 on the
phone's history: models.safeguarding.parents), not here.

Attributes down: the pupil's name, the contacts listed for the pupil as
``(contact id, label)`` pairs, the searcher's name (the witness must be someone else),
the time the form opened (``now``, naive UTC: its examples; every check reads the app's
clock), the phone's hold and state, and its latest event (``latest``: its time and kind). A
search is often written up after it happened: the form takes the day and time it happened
(empty: now, that is when Confirm is pressed; a time alone: today), not in the future and
not before the phone's latest event (``models.custody.ledger.time_order_problem``, the
ledger's own rule and words). The grounds and item sought must mean something, and the
outcome must fit what was found and where the phone is: the ledger's own functions
(``vague_problem``, ``search_outcome_problem``), checked on Enter and at Continue. Whatever
the ledger still refuses on Confirm, the form opens again as it was, everything typed, with
the refusal at the field it concerns (``kiosk.dialogs.two_step.ask``; :meth:`SearchDialog.refused_at`).
The dialog returns a
:class:`SearchRecord` whose fields are the keyword arguments of
``models.custody.ledger.record_search``, or None if cancelled. It never touches the
database, and it records only the fact of the search: nothing from the phone's contents.

Keys: Down/Up and Enter in each list (none is chosen until Down/Up), Enter after each
field (an empty witness goes to "no witness: why"), Enter on Continue and on Confirm. Esc goes back from the confirmation step, and cancels from the form.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from kiosk.actions.custody import SearchRecord
from kiosk.dialogs.parents_informed import DAY_LENGTH, TIME_LENGTH, parse_day, parse_time
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormNote, InOrderForm
from models.clock import local_to_utc, to_local
from models.custody.ledger import (
    FOLLOW_UP_LIMIT,
    FOUND_LIMIT,
    GROUNDS_LIMIT,
    ITEM_LIMIT,
    LOCATION_LIMIT,
    NO_WITNESS_LIMIT,
    OTHERS_LIMIT,
    SEARCH_OUTCOMES,
    WITNESS_LIMIT,
    Custody,
    consent_problem,
    no_witness_problem,
    search_outcome_problem,
    searcher_name,
    time_order_problem,
    vague_problem,
    witness_problem,
)
from models.dates import day_problem

OUTCOME_KEYS = tuple(SEARCH_OUTCOMES)
# The consent list, in order (models.custody.ledger.CONSENT_BY): given by the pupil, by a listed
# parent or carer; refused by the pupil, by a listed parent or carer (who is then picked).
CONSENT_KEYS = ("pupil", "parent", "refused_pupil", "refused_parent")
PARENT_CONSENTS = frozenset({1, 3})
NO_CONTENTS = (
    "Record only that the phone was searched, why, and what was done. Nothing from the phone's "
    "contents is recorded here: do not type any messages, images, names or numbers found on it."
)
# One way to record that the parents were told: its own record, whenever it happens.
PARENTS_HINT = "not yet; F3 on the phone's history records it."
CHOOSE_CONSENT = "Say who consented or refused: the pupil or a listed parent/carer."
CHOOSE_OUTCOME = "Choose the outcome (Down/Up, then Enter)."
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):?([0-5][0-9])$")


def parse_hhmm(text: str, now: dt.datetime) -> dt.datetime | None:
    """``HH:MM`` (or ``HHMM``) today in the school's time zone, as naive UTC; None if malformed."""
    match = _HHMM.match(text.strip())
    if match is None:
        return None
    day = to_local(now).date()
    local = dt.datetime.combine(day, dt.time(int(match.group(1)), int(match.group(2))))
    return local_to_utc(local)


WHEN_LABEL = "When it happened: day DD/MM/YYYY, time HH:MM (empty: now)"
NO_TIME = "Give the time of the search as HH:MM, e.g. 14:05."
FUTURE = "The time of the search is in the future."  # models.custody.ledger.record_search's words


def when_searched(
    day_text: str, time_text: str, now: dt.datetime, latest: tuple[dt.datetime, str] | None
) -> tuple[dt.datetime | None, str, str]:
    """The time a search happened, from the day and time typed (naive UTC; None: now), or a
    one-line problem and the field to put right. Empty day: today; both empty: now."""
    day_text, time_text = day_text.strip(), time_text.strip()
    if not day_text and not time_text:
        return None, "", ""
    day = to_local(now).date()
    if day_text:
        parsed = parse_day(day_text)
        if parsed is None:  # models.dates: the shared reading and words
            return None, day_problem(day_text, "day of the search", day), "search-day"
        day = parsed
    time = parse_time(time_text)
    if time is None:
        return None, NO_TIME, "search-time"
    at = local_to_utc(dt.datetime.combine(day, time))
    if at.replace(second=0, microsecond=0) > now.replace(second=0, microsecond=0):
        return None, FUTURE, "search-time" if not day_text or day == to_local(now).date() else "search-day"
    if latest is not None and (problem := time_order_problem(at, *latest)):
        return None, problem, "search-time"
    return at, "", ""


class SearchDialog(InOrderForm, DockedTwoStepDialog[SearchRecord]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "search"
    CONFIRM_LABEL = "Confirm search record"
    CONFIRM_VARIANT = "warning"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="search.back")]

    def __init__(
        self,
        pupil_name: str,
        contacts: list[tuple[int, str]],
        searcher: str,
        now: dt.datetime,
        hold: str = "",
        latest: tuple[dt.datetime, str] | None = None,
        *,
        state: str | None = None,
        roles: frozenset[str] = frozenset(),
        police_contacted: bool = False,
    ) -> None:
        super().__init__()
        self.police_contacted = police_contacted  # the police were called about it: nothing deleted
        # where the phone is (models.custody.ledger's states; None: unknown): some outcomes are refused
        self.state = state
        # the searcher's: only the headteacher searches when consent was refused, and "the
        # headteacher" is no witness to the head's own search
        self.roles = roles
        self.latest = latest  # the phone's latest event (time, kind): the search may not be dated before it
        self.hold = hold  # held for the DSL (models.custody.dsl_hold.HOLDS): some outcomes are refused
        self.pupil_name = pupil_name
        self.contacts = list(contacts)
        self.searcher = searcher
        self.now = now  # when the form opened: its examples (every check reads the clock: current())

    def dialog_title(self) -> str:
        return f"Record a search of {self.pupil_name}'s phone"

    def compose_head(self) -> ComposeResult:
        yield Static(NO_CONTENTS, id="search-reminder", classes="dialog-warning")

    def compose_form(self) -> ComposeResult:
        yield Label("Consent given by (or refused by)")
        # No default: Enter before Down/Up recorded "the pupil" for someone who had not chosen.
        with UnchosenRadioSet(id="search-consent"):
            yield RadioButton(Content(f"The pupil, {self.pupil_name}"))
            yield RadioButton(Content("A parent or carer listed for the pupil"))
            yield RadioButton(Content("Refused by the pupil"))
            yield RadioButton(Content("Refused by a parent or carer listed"))
        yield Label("Which parent or carer (when one consented or refused)")
        with UnchosenRadioSet(id="search-contact", disabled=True):  # the first Down: the first listed
            for _contact_id, label in self.contacts:
                yield RadioButton(Content(label))
        if not self.contacts:
            yield Static(f"No parent or carer is listed for {self.pupil_name}.", id="search-no-contacts", markup=False)
        yield Label(f"Witness (someone other than {searcher_name(self.searcher)})", markup=False)
        yield FormInput(
            id="search-witness",
            placeholder="Witness's name",
            max_length=WITNESS_LIMIT,
        )
        yield Label("No witness? Why not (only when there was none)")
        yield FormInput(
            id="search-no-witness",
            placeholder="Why there was no witness",
            max_length=NO_WITNESS_LIMIT,
        )
        yield Label("Grounds for the search (required)")
        yield FormNote(id="search-grounds", placeholder="Why the phone was searched", max_length=GROUNDS_LIMIT)
        yield Label("Item sought (required)")
        yield FormInput(
            id="search-item",
            placeholder="What was being looked for",
            max_length=ITEM_LIMIT,
        )
        yield Label("Where the search took place (required)")
        yield FormInput(
            id="search-location",
            placeholder="e.g. the headteacher's office",
            max_length=LOCATION_LIMIT,
        )
        yield Label(WHEN_LABEL, id="search-when-label")
        today = to_local(self.now)
        yield FormInput(
            id="search-day",
            placeholder=f"e.g. {today:%d/%m/%Y}",
            max_length=DAY_LENGTH,  # what is typed is kept, and a wrong form said in one line
        )
        yield FormInput(
            id="search-time",
            placeholder="e.g. 14:05",
            max_length=TIME_LENGTH,
        )
        yield Label("Others present (optional)")
        yield FormInput(
            id="search-others",
            placeholder="Names and roles",
            max_length=OTHERS_LIMIT,
        )
        yield Label('Found (its kind, not content; none: empty and "nothing found")')
        yield FormInput(
            id="search-found",
            placeholder="e.g. an image of another pupil",
            max_length=FOUND_LIMIT,
        )
        yield Label("Outcome: what was done with it")
        with UnchosenRadioSet(id="search-outcome"):  # no default either
            for text in SEARCH_OUTCOMES.values():
                yield RadioButton(Content(text[:1].upper() + text[1:]))
        yield Label("Follow-up (optional)")
        yield FormInput(
            id="search-follow-up",
            placeholder="e.g. DSL to speak to parents",
            max_length=FOLLOW_UP_LIMIT,
        )

    def on_mount(self) -> None:
        self.query_one("#search-consent", RadioSet).focus()

    def refused_at(self, error: str) -> str:
        """The field to put right for the ledger's refusal on Confirm: where the form's own
        checks (the ledger's rules) now point; else the time for a time refused (the phone's
        order, the roster), else the outcome (the phone moved meanwhile, or is held)."""
        _, _, widget = self.build()
        if widget:
            return widget
        if error == FUTURE or error.startswith("That time"):
            return "search-time"
        return "search-outcome"

    def current(self) -> dt.datetime:
        """The time now (naive UTC): the form may stay open a while."""
        return self.app.services.clock.now()

    # ------------------------------------------------------------ form

    def value(self, widget_id: str) -> str:
        field = self.query_one(f"#{widget_id}")
        assert isinstance(field, (Input, FormNote))
        return field.value.strip()

    def pressed(self, widget_id: str) -> int:
        return self.query_one(f"#{widget_id}", RadioSet).pressed_index

    def build(self) -> tuple[SearchRecord | None, str, str]:
        """The record, or None with the first problem's message and the widget to fix."""
        consent = self.pressed("search-consent")
        if consent < 0:
            return None, CHOOSE_CONSENT, "search-consent"
        contact_id = None
        if consent in PARENT_CONSENTS:
            if not self.contacts:
                return (
                    None,
                    (
                        f"No parent or carer is listed for {self.pupil_name}, so only the pupil's consent "
                        "(or refusal) can be recorded."
                    ),
                    "search-consent",
                )
            index = self.pressed("search-contact")
            if index < 0:
                return (
                    None,
                    (f"Pick the parent or carer who consented (or refused) from those listed for {self.pupil_name}."),
                    "search-contact",
                )
            contact_id = self.contacts[index][0]
        witness, no_witness = self.value("search-witness"), self.value("search-no-witness")
        if not witness and not no_witness:
            return None, "Give the witness's name, or the reason there was no witness.", "search-witness"
        if witness and no_witness:
            return None, "Give the witness's name or the reason there was no witness, not both.", "search-no-witness"
        if witness and (problem := witness_problem(witness, self.searcher, self.roles)):
            return None, problem, "search-witness"
        if no_witness and (problem := no_witness_problem(no_witness, self.searcher)):
            return None, problem, "search-no-witness"
        grounds = self.value("search-grounds")
        if not grounds:
            return None, "Give the grounds for the search.", "search-grounds"
        if problem := vague_problem("grounds", grounds):
            return None, problem, "search-grounds"
        item, location = self.value("search-item"), self.value("search-location")
        if not item:
            return None, "Give the item sought.", "search-item"
        if problem := vague_problem("item_sought", item):
            return None, problem, "search-item"
        if not location:
            return None, "Give the place of the search.", "search-location"
        if problem := vague_problem("location", location):
            return None, problem, "search-location"
        searched_at, problem, widget = when_searched(
            self.value("search-day"), self.value("search-time"), self.current(), self.latest
        )
        if problem:
            return None, problem, widget
        others, found, follow_up = (
            self.value("search-others"),
            self.value("search-found"),
            self.value("search-follow-up"),
        )
        for widget, field in self.VAGUE.items():  # the optional ones, said in words when given
            if problem := vague_problem(field, self.value(widget)):
                return None, problem, widget
        for text, what, widget in (
            (witness, "witness's name", "search-witness"),
            (no_witness, "reason there was no witness", "search-no-witness"),
            (grounds, "grounds", "search-grounds"),
            (item, "item sought", "search-item"),
            (location, "place of the search", "search-location"),
            (others, "others present", "search-others"),
            (found, "what was found", "search-found"),
            (follow_up, "follow-up", "search-follow-up"),
        ):
            if problem := bad_text(text, what, multiline=widget == "search-grounds"):
                return None, problem, widget
        outcome = self.pressed("search-outcome")
        if outcome < 0:
            return None, CHOOSE_OUTCOME, "search-outcome"
        if refused := self.outcome_problem():
            return None, *refused
        record = SearchRecord(
            consent_by=CONSENT_KEYS[consent],
            consent_contact_id=contact_id,
            witness=witness or None,
            grounds=grounds,
            outcome=OUTCOME_KEYS[outcome],
            item_sought=item,
            location=location,
            no_witness_reason=no_witness or None,
            others_present=others or None,
            found_what=found or None,
            follow_up=follow_up or None,
            searched_at=searched_at,
        )
        return record, "", ""

    def outcome_problem(self) -> tuple[str, str] | None:
        """The ledger's own rules and words, before anything is confirmed: what was found against
        what was done with it and, where the phone is known, against where it is. None, or the
        refusal and the widget to put right."""
        outcome = self.pressed("search-outcome")
        if outcome < 0:
            return None
        where = Custody(self.state, hold=self.hold) if self.state else None
        if refused := search_outcome_problem(
            OUTCOME_KEYS[outcome], self.value("search-found"), where, police_contacted=self.police_contacted
        ):
            field, exc = refused
            return str(exc), "search-found" if field == "found_what" else "search-outcome"
        consent = self.pressed("search-consent")
        if consent >= 0 and (
            problem := consent_problem(
                CONSENT_KEYS[consent], OUTCOME_KEYS[outcome], self.roles, self.value("search-follow-up")
            )
        ):
            field, words = problem  # (a refusal with no follow-up: said as the outcome is chosen, at the follow-up)
            return words, "search-follow-up" if field == "follow_up" else "search-outcome"
        return None

    # ------------------------------------------------------------ Enter, field by field (InOrderForm)

    FOLLOWING: ClassVar[dict[str, str]] = {
        "search-contact": "search-witness",
        "search-witness": "search-grounds",
        "search-no-witness": "search-grounds",
        "search-grounds": "search-item",
        "search-item": "search-location",
        "search-location": "search-day",
        "search-day": "search-time",
        "search-time": "search-others",
        "search-others": "search-found",
        "search-found": "search-outcome",
        "search-outcome": "search-follow-up",
    }

    EMPTY: ClassVar[dict[str, str]] = {
        "search-no-witness": "Give the witness's name (Shift+Tab), or why there was none.",
        "search-grounds": "Give the grounds for the search.",
        "search-item": "Give the item sought.",
        "search-location": "Give the place of the search.",
    }

    # The fields said in words (models.custody.ledger.SEARCH_WORDS): checked on Enter and at Continue.
    VAGUE: ClassVar[dict[str, str]] = {
        "search-no-witness": "no_witness_reason",
        "search-grounds": "grounds",
        "search-item": "item_sought",
        "search-location": "location",
        "search-found": "found_what",
        "search-follow-up": "follow_up",
    }

    def form_next(self, field: str, index: int | None) -> str | None:
        if field == "search-witness" and self.settled(field) and not self.value(field):
            self.say("No witness: say why there was none.")  # an empty witness: the reason instead
            return "search-no-witness"
        if field == "search-no-witness" and self.value("search-witness"):
            return "search-grounds"  # a witness was named: no reason needed
        if field in self.EMPTY and self.settled(field) and not self.value(field):
            self.say(self.EMPTY[field])  # nothing on its way to it: stay
            return None
        if (
            field in self.VAGUE
            and self.settled(field)
            and (problem := vague_problem(self.VAGUE[field], self.value(field)))
        ):
            self.say(problem)
            return None
        self.say("")
        if field == "search-consent" and index is not None:
            contacts = self.query_one("#search-contact", RadioSet)
            contacts.disabled = index not in PARENT_CONSENTS or not self.contacts
            if index in PARENT_CONSENTS and not self.contacts:
                self.say(f"No parent or carer is listed for {self.pupil_name}: only the pupil can consent.")
                return None
            if not contacts.disabled:
                self.say("Down/Up and Enter: who consented?" if index == 1 else "Down/Up and Enter: who refused?")
                return "search-contact"
            return "search-witness"
        return self.FOLLOWING.get(field)

    def form_unchosen(self, field: str) -> None:
        if field == "search-consent":
            self.say(CHOOSE_CONSENT)
        elif field == "search-outcome":
            self.say(CHOOSE_OUTCOME)
        elif field == "search-contact":
            self.say("Down/Up and Enter: who consented (or refused)?")

    def form_entered(self, field: str) -> None:
        if field == "search-no-witness" and self.value("search-witness"):
            return
        if field == "search-witness" and (problem := witness_problem(self.value(field), self.searcher, self.roles)):
            self.say(problem)  # the searcher named as witness: said here, not at Continue
            self.set_focus(self.query_one(f"#{field}"))
        elif field in self.EMPTY and not self.value(field):
            self.say(self.EMPTY[field])
            self.set_focus(self.query_one(f"#{field}"))
        elif field in self.VAGUE and (problem := vague_problem(self.VAGUE[field], self.value(field))):
            self.say(problem)  # too short to mean anything: said here, kept to be put right
            self.set_focus(self.query_one(f"#{field}"))
        elif field == "search-time":  # the day and time are checked at once (they stay to be put right)
            _, problem, widget = when_searched(
                self.value("search-day"), self.value("search-time"), self.current(), self.latest
            )
            if problem:
                self.say(problem)
                self.set_focus(self.query_one(f"#{widget}"))
        elif field == "search-outcome" and (refused := self.outcome_problem()):
            self.say(refused[0])  # said as it is chosen, where it is put right
            self.set_focus(self.query_one(f"#{refused[1]}"))
        elif field == "search-follow-up":
            self.action_continue()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A choice made with Space or the mouse (Enter's is dealt with as it arrives)."""
        event.stop()
        if event.radio_set.has_focus:
            following = self.form_next(event.radio_set.id or "", event.index)
            if following is not None:
                self.query_one(f"#{following}").focus()

    @staticmethod
    def when_words(at: dt.datetime | None) -> str:
        if at is None:  # dated when Confirm is pressed: not the time the form (or this step) was shown
            return "now (when you confirm)"
        return to_local(at).strftime("%H:%M on %a %d %b").replace(" 0", " ")

    def action_continue(self) -> None:
        record, message, widget = self.build()
        if record is None:
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        witnessed = record.witness or f"none ({record.no_witness_reason})"
        if record.consent_by in ("parent", "refused_parent"):
            consent = dict(self.contacts)[record.consent_contact_id]
        else:
            consent = f"the pupil, {self.pupil_name}"
        if record.consent_by in ("refused_pupil", "refused_parent"):
            consent = f"refused by {consent}"
        self.confirm_step(
            record,
            (
                f"Record this search of {self.pupil_name}'s phone?\n\n"
                f"Searched by: {self.searcher}\n"
                f"Consent: {consent}\n"
                f"Witness: {witnessed}\n"
                f"Where: {record.location}\n"
                f"When: {self.when_words(record.searched_at)}\n"
                f"Others present: {record.others_present or 'none'}\n"
                f"Grounds: {record.grounds}\n"
                f"Item sought: {record.item_sought}\n"
                f"Found: {record.found_what or 'nothing'}\n"
                f"Outcome: {SEARCH_OUTCOMES[record.outcome]}\n"
                f"Follow-up: {record.follow_up or 'none'}\n"
                f"Parents informed: {PARENTS_HINT}\n"
                "Nothing from the phone's contents is recorded."
            ),
        )
