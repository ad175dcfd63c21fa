"""The DSL's follow-up of a concern: a note, what was done, and whether it closes the concern.

Attributes down: a one-line description of the concern, whether it is an allegation
about a member of staff (then the form also has the LADO referral's day and reference),
and whether it is a radicalisation concern (then it has the Prevent referral's day, to
whom and reference, and the Prevent outcomes: ``concerns.outcomes_for``).
Returns a :class:`FollowUp`, or None if cancelled; the caller records it with
``models.safeguarding.concerns.follow_up``, which checks everything again (closing as
"Referred to the LADO" needs the referral recorded, now or before).

The concern stays open unless the DSL chooses an outcome to close it: a note with Enter,
Enter never closes a concern.

Keys: type the note; Tab to "What now" (Enter opens it, Down/Up and Enter choose; it comes
first so that it shows at 80x24 without scrolling), Tab through "Done" (Space ticks a
step), Tab on (the LADO's day and reference, for an allegation; the Prevent referral's day,
to whom and reference, for a radicalisation concern); Enter in the note goes
on; Enter on Confirm. Esc goes back from the summary, and cancels from the form.

:class:`LessonsDialog`: lessons learnt on a closed concern, one note (leadership, the DSL,
the headteacher).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.widgets.in_order import FORM_BINDINGS, FormCheckbox, FormInput, FormNote, InOrderForm
from models.clock import local_day
from models.dates import DAY_FORMAT, read_day
from models.safeguarding.concerns import (
    ACTIONS,
    LADO,
    LADO_REFERENCE_LIMIT,
    LESSONS_WORDS,
    NOT_TICKED,
    NOTE_LIMIT,
    NOTE_WORDS,
    OUTCOMES,
    PREVENT,
    PREVENT_OUTCOMES,
    PREVENT_REFERENCE_LIMIT,
    PREVENT_TO_LIMIT,
    REFERRALS,
    missing_referral,
    referral_day_problem,
)

KEEP_OPEN = "open"
TICKED = [code for code in ACTIONS if code not in REFERRALS]  # the LADO and Prevent referrals have their own fields


@dataclass(frozen=True)
class FollowUp:
    note: str
    close: bool
    outcome: str | None = None  # one of CLOSE_OUTCOMES when closing
    actions: tuple[str, ...] = ()  # codes of ACTIONS done
    lado: tuple[dt.date, str] | None = None  # an allegation's LADO referral: the day, the reference
    prevent: tuple[dt.date, str, str | None] | None = None  # the Prevent referral: day, to whom, reference


class FollowUpDialog(InOrderForm, DockedTwoStepDialog[FollowUp]):
    """Its keys are taken in order (:class:`InOrderForm`): Tab and Shift+Tab move on from
    any field of the form (the note, What now, a step's tick box, the referral's boxes) as
    the key arrives, so a burst of keys (a day, Tab, a name) lands in the right fields; Enter
    in a text field goes on to the summary once that field has every key typed before it.
    Enter on What now opens it, and on a tick box ticks it, as before."""

    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "follow"
    BOX_CLASSES = "dialog docked"  # the steps and the LADO fields: the form scrolls at 80x24
    CONFIRM_LABEL = "Confirm follow-up"
    # On a step's tick box Enter ticks it (as Space), so the help does not promise "Enter to go on".
    HELP = "Tab: the next field. Space or Enter ticks a step. Esc to cancel."
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="follow_up.back")]

    def __init__(
        self,
        about: str,
        allegation: bool = False,
        radicalisation: bool = False,
        referred: frozenset[str] = frozenset(),
        raised_on: dt.date | None = None,
    ) -> None:
        self.referred = referred  # the referrals (LADO, Prevent) recorded on the concern before
        self.raised_on = raised_on  # the school's day the concern was raised: no referral before it
        super().__init__()
        self.about = about
        self.allegation = allegation
        self.radicalisation = radicalisation

    def outcome_options(self) -> list[tuple[str, str]]:
        """What now: keep it open, or close it with an outcome (the Prevent ones for a
        radicalisation concern only)."""
        return [("Keep the concern open", KEEP_OPEN)] + [
            (f"Close it: {words}", words)
            for code, words in OUTCOMES.items()
            if self.radicalisation or code not in PREVENT_OUTCOMES
        ]

    def dialog_title(self) -> str:
        return "Follow up an allegation" if self.allegation else "Follow up a concern"

    def compose_head(self) -> ComposeResult:
        yield Static(self.about, id="follow-about", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("Follow-up note (what was done, who was told)")
        yield FormNote(id="follow-note", placeholder="Note (required)", max_length=NOTE_LIMIT)
        yield Label("What now", id="follow-outcome-label")
        yield Select(
            self.outcome_options(),
            value=KEEP_OPEN,
            allow_blank=False,
            id="follow-outcome",
        )
        yield Label("Done (Space ticks; each is recorded, dated, with your name)", id="follow-actions-label")
        with Vertical(id="follow-actions"):
            for code in TICKED:
                words = ACTIONS[code]
                yield FormCheckbox(words[0].upper() + words[1:], id=f"follow-act-{code}", classes="follow-act")
        if self.allegation:
            yield Label("Referred to the LADO: day and reference (give both, or neither)")
            with Horizontal(id="follow-lado"):
                with Vertical(classes="follow-lado-field"):
                    yield FormInput(id="follow-lado-day", placeholder=DAY_FORMAT, max_length=20)
                with Vertical(classes="follow-lado-field"):
                    yield FormInput(
                        id="follow-lado-ref", placeholder="LADO's reference", max_length=LADO_REFERENCE_LIMIT
                    )
        if self.radicalisation:
            yield Label("Referred to Prevent: the day, to whom, the reference (if any)")
            with Horizontal(id="follow-prevent"):
                with Vertical(classes="follow-prevent-field"):
                    yield FormInput(id="follow-prevent-day", placeholder=DAY_FORMAT, max_length=20)
                with Vertical(classes="follow-prevent-field"):
                    yield FormInput(id="follow-prevent-to", placeholder="To whom", max_length=PREVENT_TO_LIMIT)
                with Vertical(classes="follow-prevent-field"):
                    yield FormInput(
                        id="follow-prevent-ref", placeholder="Reference", max_length=PREVENT_REFERENCE_LIMIT
                    )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#follow-note", FormNote).focus()

    def refused_at(self, error: str) -> str:
        """Where a refusal on Confirm is put right: a referral's day, else What now (closed
        meanwhile, an outcome refused), else the note."""
        for word, field in (("LADO", "follow-lado-day"), ("Prevent", "follow-prevent-day")):
            if word in error and self.query(f"#{field}"):
                return field
        if "close" in error.lower() or "outcome" in error.lower():
            return "follow-outcome"
        return "follow-note"

    def form_field(self) -> Widget | None:
        """The focused field of the form: a text box, What now (closed: its open list is
        its own) or a step's tick box."""
        field = self.focused
        if isinstance(field, (FormInput, FormNote, Select, Checkbox)) and not field.disabled:
            return field
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "form_enter":  # What now opens, a tick box ticks: their own Enter
            return isinstance(self.form_field(), (FormInput, FormNote))
        if action == "form_radio":  # (no radio set here: Up and Down are What now's own)
            return False
        return super().check_action(action, parameters)

    def form_entered(self, field: str) -> None:
        """Enter in a text field, once it has every key typed before the Enter: the summary."""
        self.action_continue()

    def on_form_note_submitted(self, event: FormNote.Submitted) -> None:
        event.stop()
        self.action_continue()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    def lado(self) -> tuple[dt.date, str] | str | None:
        """The LADO referral typed, None if none, or what is wrong with it."""
        if not self.allegation:
            return None
        day_text = self.query_one("#follow-lado-day", Input).value.strip()
        ref = self.query_one("#follow-lado-ref", Input).value.strip()
        if not day_text and not ref:
            return None
        if not day_text or not ref:
            return "Give both the day of the LADO referral and the LADO's reference, or neither."
        today = local_day(self.app.services.clock.now())
        day = read_day(day_text, "day of the LADO referral", today)  # models.dates: as every form reads a day
        if isinstance(day, str):
            return day
        if day > today:  # said here, before Confirm, keeping the form
            return "The day of the LADO referral is in the future."
        if self.raised_on is not None and (problem := referral_day_problem(self.raised_on, lado=day, prevent=None)):
            return problem
        if problem := bad_text(ref, "LADO's reference"):
            return problem
        return day, ref

    def prevent_referral(self) -> tuple[dt.date, str, str | None] | str | None:
        """The Prevent referral typed, None if none, or what is wrong with it."""
        if not self.radicalisation:
            return None
        day_text = self.query_one("#follow-prevent-day", Input).value.strip()
        to = self.query_one("#follow-prevent-to", Input).value.strip()
        ref = self.query_one("#follow-prevent-ref", Input).value.strip()
        if not day_text and not to and not ref:
            return None
        if not day_text or not to:
            return "Give the day of the Prevent referral and to whom it went (the reference if there is one)."
        today = local_day(self.app.services.clock.now())
        day = read_day(day_text, "day of the Prevent referral", today)
        if isinstance(day, str):
            return day
        if day > today:
            return "The day of the Prevent referral is in the future."
        if self.raised_on is not None and (problem := referral_day_problem(self.raised_on, lado=None, prevent=day)):
            return problem
        for value, what in ((to, "name of who it went to"), (ref, "Prevent reference")):
            if value and (problem := bad_text(value, what)):
                return problem
        return day, to, ref or None

    def action_continue(self) -> None:
        note = self.query_one("#follow-note", FormNote).value.strip()
        problem = (
            "Write the follow-up note: it is kept with the concern."
            if not note
            else bad_text(note, "note", multiline=True, words=NOTE_WORDS)
        )
        if problem:
            self.say(problem)
            self.query_one("#follow-note", FormNote).focus()
            return
        lado = self.lado()
        if isinstance(lado, str):
            self.say(lado)
            self.query_one("#follow-lado-day", Input).focus()
            return
        prevent = self.prevent_referral()
        if isinstance(prevent, str):
            self.say(prevent)
            self.query_one("#follow-prevent-day", Input).focus()
            return
        choice = self.query_one("#follow-outcome", Select).value
        outcome = choice if isinstance(choice, str) and choice != KEEP_OPEN else None
        if outcome == OUTCOMES["lado"] and lado is None and not self.allegation:
            self.say("Only an allegation about a member of staff is referred to the LADO.")
            self.query_one("#follow-outcome", Select).focus()
            return
        now_referred = {code for code, given in ((LADO, lado), (PREVENT, prevent)) if given is not None}
        if outcome is not None and (problem := missing_referral(outcome, self.referred | now_referred)):
            self.say(problem)
            field = "#follow-prevent-day" if "Prevent" in problem else "#follow-lado-day"
            self.query_one(field if self.query(field) else "#follow-outcome").focus()
            return
        actions = tuple(code for code in TICKED if self.query_one(f"#follow-act-{code}", Checkbox).value)
        # "parents told": the parents-told form opens next, for who told them, when and how (f6s6)
        done = [
            ACTIONS[code] + (" (who, when and how: on the next form)" if code in NOT_TICKED else "") for code in actions
        ]
        if lado is not None:
            done.append(f"{ACTIONS[LADO]} on {lado[0].isoformat()}, reference {lado[1]}")
        if prevent is not None:
            ref = f", reference {prevent[2]}" if prevent[2] else ""
            done.append(f"{ACTIONS[PREVENT]} on {prevent[0].isoformat()} (to {prevent[1]}){ref}")
        self.confirm_step(
            FollowUp(note, outcome is not None, outcome, actions, lado, prevent),
            (
                f"Record this follow-up?\n\n{note}\n\n"
                + (f"Done: {'; '.join(done)}.\n\n" if done else "")
                + (f"The concern will be CLOSED: {outcome}." if outcome else "The concern stays open.")
            ),
        )


class LessonsDialog(DockedTwoStepDialog[str]):
    """Lessons learnt on a closed concern: one note, appended (never edited)."""

    DEFAULT_CLASSES = "focus-cue"
    PREFIX = "lessons"
    BOX_CLASSES = "dialog"
    CONFIRM_LABEL = "Record lessons learnt"
    CONFIRM_VARIANT = "primary"
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [Binding("escape", "back", "Back / cancel", id="lessons.back")]

    def __init__(self, about: str) -> None:
        super().__init__()
        self.about = about

    def dialog_title(self) -> str:
        return "Lessons learnt"

    def compose_head(self) -> ComposeResult:
        yield Static(self.about, id="lessons-about", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("What was learnt, and what will change (policy, training, curriculum)")
        yield FormNote(id="lessons-note", placeholder="Lessons learnt (required)", max_length=NOTE_LIMIT)

    def on_mount(self) -> None:
        self.query_one("#lessons-note", FormNote).focus()

    def on_form_note_submitted(self, event: FormNote.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        text = self.query_one("#lessons-note", FormNote).value.strip()
        problem = "Write what was learnt." if not text else bad_text(text, "note", multiline=True, words=LESSONS_WORDS)
        if problem:
            self.say(problem)
            self.query_one("#lessons-note", FormNote).focus()
            return
        self.confirm_step(text, f"Record these lessons learnt? They are kept with the concern.\n\n{text}")
