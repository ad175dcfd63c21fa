"""Confiscate a phone: why (a category), what happened and the policy breached, then a confirmation step.

Attributes down: the pupil's name and what confiscating this phone means (where it
is now and what happens to it), shown before anything is typed. The dialog returns a :class:`Confiscation`, or None
if cancelled; it never touches the database (the caller records the confiscation with
``models.custody.ledger.confiscate``, which checks everything again).

Keys: Down/Up and Enter to choose why (the category); type what happened and Enter;
Down/Up and Enter to choose the policy (none is chosen until then; with "Other", type its
name and Enter); Enter on Continue; Enter on Confirm. Esc goes back from the confirmation step, and cancels from the form.

Choosing "suspected nude or semi-nude images" shows at once what to do (online safety
policy 11.1.1; UKCIS "Sharing nudes and semi-nudes"): the phone is then held for the DSL.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from kiosk.actions.custody import Confiscation
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet, focused_in_view
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormNote, InOrderForm
from models.custody.ledger import (
    CATEGORIES,
    CONFISCATION_REASON,
    NUDE_GUIDANCE,
    NUDE_IMAGES,
    POLICY_LIMIT,
    REASON_LIMIT,
)

# Sections of the school's policies a confiscation can cite (mobile and smart technology
# policy sections 3 and 6; online safety policy 9.3). "Other" asks for the policy's name.
POLICIES = (
    "Mobile technology policy 3 (not used in class)",
    "Mobile technology policy 6 (learners' use)",
    "Online safety policy 9.3",
)
OTHER = "Other (name the policy)"
CATEGORY_KEYS = tuple(CATEGORIES)
NUDE_INDEX = CATEGORY_KEYS.index(NUDE_IMAGES)
CHOOSE_WHY = "Choose why the phone is confiscated (Down/Up, then Enter)."
CHOOSE_POLICY = "Choose the policy that was breached (Down/Up, then Enter)."


class ConfiscateDialog(InOrderForm, DockedTwoStepDialog[Confiscation]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "confiscate"
    CONFIRM_LABEL = "Confirm confiscation"
    CONFIRM_VARIANT = "warning"
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="confiscate.back")]

    def __init__(self, pupil_name: str, where: str = "") -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.where = where  # what confiscating this phone means, e.g. "This phone is in slot B-01. …"

    def dialog_title(self) -> str:
        return f"Confiscate {self.pupil_name}'s phone"

    def compose_head(self) -> ComposeResult:
        if self.where:
            yield Static(self.where, id="confiscate-where", classes="dialog-warning", markup=False)
        # Shown at once when "suspected nude or semi-nude images" is chosen (in place of the note above).
        yield Static(NUDE_GUIDANCE, id="confiscate-guidance", classes="dialog-warning", markup=False)

    def compose_form(self) -> ComposeResult:
        yield Label("Why (required)")
        # No default: Enter before Down/Up chose "behaviour" for someone who had not chosen.
        with UnchosenRadioSet(id="confiscate-category"):
            for text in CATEGORIES.values():
                yield RadioButton(Content(text[:1].upper() + text[1:]))
        yield Label("What happened (required)")
        yield FormNote(id="confiscate-reason", placeholder="What happened, briefly", max_length=REASON_LIMIT)
        yield Label("Policy breached")
        # No default either: Enter at once chose "Mobile technology policy 3" unasked.
        with UnchosenRadioSet(id="confiscate-policy"):
            for text in (*POLICIES, OTHER):
                yield RadioButton(Content(text))
        yield FormInput(
            id="confiscate-other",
            placeholder="Other: the policy and section",
            max_length=POLICY_LIMIT,
            disabled=True,
        )

    def on_mount(self) -> None:
        self.query_one("#confiscate-category", RadioSet).focus()

    # ------------------------------------------------------------ form

    def category(self) -> str | None:
        index = self.query_one("#confiscate-category", RadioSet).pressed_index
        return CATEGORY_KEYS[index] if index >= 0 else None

    def show_guidance(self, index: int) -> None:
        """What to do about suspected nude or semi-nude images, at once, when that is chosen."""
        self.set_class(index == NUDE_INDEX, "nude-images")
        self.call_after_refresh(self.fit_form)
        self.call_after_refresh(self.keep_focus_in_view)

    def keep_focus_in_view(self) -> None:
        """The field being typed in stays in view when the guidance above the form takes room,
        and the chosen Why (folded) with it where both fit (kiosk.textual_compat.focused_in_view)."""
        self.call_after_refresh(focused_in_view, self.query_one("#confiscate-category", RadioSet))

    def policy(self) -> str | None:
        index = self.query_one("#confiscate-policy", RadioSet).pressed_index
        if index < 0:
            return None
        if index < len(POLICIES):
            return POLICIES[index]
        return self.query_one("#confiscate-other", Input).value.strip()

    def check(self) -> tuple[str, str] | None:
        """The first problem with the form, as (message, widget id), or None."""
        if self.category() is None:
            return CHOOSE_WHY, "confiscate-category"
        reason = self.query_one("#confiscate-reason", FormNote).value.strip()
        if not reason:
            return "Give the reason for the confiscation.", "confiscate-reason"
        if problem := bad_text(reason, "reason", multiline=True, words=CONFISCATION_REASON):
            return problem, "confiscate-reason"
        policy = self.policy()
        if policy is None:
            return CHOOSE_POLICY, "confiscate-policy"
        if not policy:
            return "Name the policy that was breached.", "confiscate-other"
        if problem := bad_text(policy, "policy"):
            return problem, "confiscate-other"
        return None

    # ------------------------------------------------------------ Enter, field by field (InOrderForm)

    def form_next(self, field: str, index: int | None) -> str | None:
        if field == "confiscate-category" and index is not None:
            self.show_guidance(index)
            self.say("Type what happened, then Enter.")
            return "confiscate-reason"
        if field == "confiscate-reason":
            if self.settled(field) and not self.query_one("#confiscate-reason", FormNote).value.strip():
                self.say("Give the reason for the confiscation.")  # nothing on its way to it: stay
                return None
            self.say("Down/Up and Enter to choose the policy.")
            return "confiscate-policy"
        if field == "confiscate-policy" and index is not None:
            other = self.query_one("#confiscate-other", Input)
            other.disabled = index < len(POLICIES)
            return "confiscate-continue" if other.disabled else "confiscate-other"
        return None

    def form_unchosen(self, field: str) -> None:
        if field == "confiscate-category":
            self.say(CHOOSE_WHY)
        elif field == "confiscate-policy":
            self.say(CHOOSE_POLICY)

    def form_entered(self, field: str) -> None:
        if field == "confiscate-reason":
            if not self.query_one("#confiscate-reason", FormNote).value.strip():
                self.say("Give the reason for the confiscation.")
                self.set_focus(self.query_one("#confiscate-reason"))
        elif field == "confiscate-other":
            self.action_continue()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A choice made with Space or the mouse (Enter's is dealt with as it arrives)."""
        event.stop()
        if event.radio_set.id == "confiscate-category":
            self.show_guidance(event.index)  # shown at once, however it was chosen
            return
        following = self.form_next("confiscate-policy", event.index)
        if event.radio_set.has_focus and following is not None:
            self.query_one(f"#{following}").focus()

    def action_continue(self) -> None:
        problem = self.check()
        if problem is not None:
            message, widget = problem
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        policy, category = self.policy(), self.category()
        assert policy and category
        result = Confiscation(self.query_one("#confiscate-reason", FormNote).value.strip(), policy, category)
        nude = category == NUDE_IMAGES
        self.confirm_step(
            result,
            (
                f"Confiscate {self.pupil_name}'s phone?\n\n"
                f"Why: {CATEGORIES[category]}\n"
                f"What happened: {result.reason}\n"
                f"Policy: {result.policy}\n\n"
                # What it means, said again where it is confirmed (the note above the form is hidden
                # here). Held for the DSL, it is not a listed parent's to collect until the DSL
                # decides: said in two lines, under the guidance shown whole above it (dialogs.tcss),
                # so the whole summary fits at 80x24.
                + (
                    "The phone is held for the DSL in the office until the DSL decides: "
                    "not released to the pupil or a parent meanwhile."
                    if nude
                    else self.where
                    or "It will be held in the office and released only to a listed parent or carer, with ID seen."
                )
            ),
        )
