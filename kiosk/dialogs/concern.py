"""Raise a concern for the DSL about a pupil, a member of staff or a visitor.

Any member of staff may use it (``raise_concern``). Attributes down: nothing but an
optional title. The dialog looks up pupils and staff in thread workers and returns a
:class:`~kiosk.actions.safeguarding.ConcernForm`, or None if cancelled; the caller
records it with ``kiosk.actions.safeguarding.raise_concern`` (``models.safeguarding.concerns.raise_concern``,
which checks everything again).

Keys: Down/Up and Enter to choose who it is about, find them, choose the kind of
concern, type what happened and Enter; Enter on Confirm. Esc goes back from the
summary, and cancels from the form.
"""

from __future__ import annotations

from functools import partial

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static

from kiosk.actions.agreed import find_pupils, staff_list
from kiosk.actions.safeguarding import ConcernConfirmWords, ConcernForm, concern_confirm_words
from kiosk.dialogs.exception_form import options
from kiosk.dialogs.two_step import DockedTwoStepDialog, bad_text
from kiosk.textual_compat import UnchosenRadioSet, unpress
from kiosk.widgets import matches
from kiosk.widgets.in_order import FORM_BINDINGS, FormInput, FormNote, FormOptionList, InOrderForm
from kiosk.workers import DbWork, Failure
from models.safeguarding.concerns import (
    ABOUT_KINDS,
    CATEGORIES,
    NAME_LIMIT,
    WHAT_LIMIT,
    WHAT_WORDS,
    categories_for,
    category_problem,
)

ABOUT_WORDS = {"pupil": "A pupil", "staff": "A member of staff", "visitor": "A visitor"}


class PupilFind(FormInput):
    """The pupil search. Down/Up are taken here, in turn with the letters before them, and
    handed to the form with the text they were typed after: at the dialog they arrived only
    after an Enter typed straight after them had moved the focus on, and did nothing."""

    def take_key(self, event: events.Key) -> bool:
        if event.key in ("down", "up"):
            self.waiting = max(0, self.waiting - 1)
            dialog = self.screen
            if isinstance(dialog, RaiseConcernDialog):
                dialog.pupil_step(self.value, event.key)
            return True
        return super().take_key(event)

    def on_focus(self) -> None:
        dialog = self.screen
        if isinstance(dialog, RaiseConcernDialog):  # back to the search: an Enter before it is undone
            dialog.pick_when_found, dialog.continue_when_found = None, False


class RaiseConcernDialog(InOrderForm, DbWork, DockedTwoStepDialog[ConcernForm]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    PREFIX = "concern"
    CONFIRM_LABEL = "Confirm: tell the DSL"
    CONFIRM_VARIANT = "warning"
    BOX_CLASSES = "dialog wide-dialog docked"
    HELP = "Choose who it is about (Down/Up, then Enter). Esc to cancel."
    CSS_PATH = ["dialogs.tcss", "safeguarding.tcss"]
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "back", "Back / cancel", id="concern.back")]

    def __init__(self) -> None:
        super().__init__()
        self.pupil: tuple[int, str] | None = None
        self.staff: tuple[int, str] | None = None
        self.pupil_rows: dict[int, str] = {}
        self.staff_rows: dict[int, str] = {}
        # Keys typed faster than the pupils are looked up (issue 15: "Ava Cl", Down, Enter and
        # what happened, in one burst): kept until the list for what was typed comes.
        self.pupil_results_for = ""  # the search text the pupil list on screen answers
        self.pupil_steps: list[tuple[str, str]] = []  # (text typed, "down"/"up") before its list came
        self.pick_when_found: str | None = None  # Enter came before the list for this text: pick then
        self.continue_when_found = False  # ...and the form's last Enter after it: go on once picked

    def dialog_title(self) -> str:
        return "Raise a concern for the DSL"

    def compose_form(self) -> ComposeResult:
        yield Label("Who it is about")
        with UnchosenRadioSet(id="concern-about"):  # none highlighted: the first Down, the first
            for key in ABOUT_KINDS:
                yield RadioButton(Content(ABOUT_WORDS[key]))
        with Vertical(id="concern-pupil-box"):
            yield Label("Pupil: type part of the name, then Down/Up and Enter")
            yield PupilFind(id="concern-pupil-find", placeholder="Pupil's name or admission number", max_length=100)
            yield FormOptionList(id="concern-pupil-list")
            yield Static("", id="concern-pupil-chosen", markup=False)
        with Vertical(id="concern-staff-box"):
            yield Label("Member of staff: Down/Up and Enter")
            yield FormOptionList(id="concern-staff-list")
        with Vertical(id="concern-visitor-box"):
            yield Label("Visitor's name")
            yield FormInput(id="concern-visitor", placeholder="As they signed in", max_length=NAME_LIMIT)
        yield Label("Kind of concern")
        with UnchosenRadioSet(id="concern-category"):
            for text in CATEGORIES.values():
                yield RadioButton(Content(text[0].upper() + text[1:]))
        yield Label("What happened (facts: when, where, what was seen or said)")
        yield FormNote(id="concern-what", placeholder="What happened", max_length=WHAT_LIMIT)

    def help_line(self) -> str:
        """Once whom it is about is chosen, the line goes back to the plain help, not "Choose who"."""
        return DockedTwoStepDialog.HELP if self.about() is not None else self.HELP

    def on_mount(self) -> None:
        self.show_parts()
        self.query_one("#concern-about", RadioSet).focus()
        self.db(staff_list, then=self.show_staff)

    def about(self) -> str | None:
        i = self.query_one("#concern-about", RadioSet).pressed_index
        return ABOUT_KINDS[i] if i >= 0 else None

    def category(self) -> str | None:
        i = self.query_one("#concern-category", RadioSet).pressed_index
        return list(CATEGORIES)[i] if i >= 0 else None

    def show_parts(self, about: str | None = None) -> None:
        about = about or self.about()
        self.query_one("#concern-pupil-box").display = about == "pupil"
        self.query_one("#concern-staff-box").display = about == "staff"
        self.query_one("#concern-visitor-box").display = about == "visitor"
        self.show_kinds(about)

    def show_kinds(self, about: str | None) -> None:
        """Offer only the kinds that fit whom the concern is about (``categories_for``: staff
        conduct for a member of staff, visitor device use for a visitor); one chosen that no
        longer fits is unchosen. Down/Up skip the others (disabled as well as hidden)."""
        fits = set(categories_for(about))
        kinds = self.query_one("#concern-category", RadioSet)
        for code, button in zip(CATEGORIES, kinds.query(RadioButton), strict=True):
            fit = code in fits
            button.display = fit
            button.disabled = not fit
            if not fit and button.value:
                unpress(kinds)

    def show_who_sees(self) -> None:
        """The title and Confirm say who will see the concern as soon as whom it is about is
        known (the chair of governors, for the headteacher), not only at the summary: the
        words from the actions layer, as the summary's are."""
        about = self.about()
        staff_id = self.staff[0] if about == "staff" and self.staff is not None else None
        sketch = ConcernForm(about_kind=about or "pupil", category="", what="", staff_id=staff_id)
        self.db(concern_confirm_words, sketch, then=self.show_words, latest="who-sees")

    def show_words(self, words: ConcernConfirmWords) -> None:
        self.query_one(".dialog-title", Static).update(words.title)
        self.query_one("#concern-yes", Button).label = words.label

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A choice made with Space or the mouse (Enter's is dealt with as it arrives)."""
        event.stop()
        self.show_parts()
        if event.radio_set.id == "concern-about":
            self.show_who_sees()
        if event.radio_set.has_focus:
            following = self.form_next(event.radio_set.id or "", event.index)
            if following is not None:
                self.query_one(f"#{following}").focus()

    # ------------------------------------------------------------ Enter, field by field (InOrderForm)

    def form_next(self, field: str, index: int | None) -> str | None:
        if field == "concern-about" and index is not None:
            about = ABOUT_KINDS[index]
            self.show_parts(about)
            self.show_who_sees()
            self.say("")
            return {"pupil": "concern-pupil-find", "staff": "concern-staff-list", "visitor": "concern-visitor"}[about]
        if field in ("concern-pupil-find", "concern-pupil-list", "concern-staff-list", "concern-visitor"):
            return "concern-category"
        if field == "concern-category":
            self.say("")
            return "concern-what"
        return None

    def form_unchosen(self, field: str) -> None:
        if field == "concern-about":
            self.say("Choose who it is about (Down/Up, then Enter).")
        elif field == "concern-category":
            self.say("Choose the kind of concern (Down/Up, then Enter).")

    def pupil_pending(self, text: str) -> bool:
        """The pupils for ``text`` are still being looked up (or are yet to be)."""
        return len(text.strip()) >= 2 and text != self.pupil_results_for

    def pupil_step(self, text: str, key: str) -> None:
        """Down/Up in the pupil search, typed after ``text``: moves in its list, once it has come."""
        if self.pupil_pending(text):
            self.pupil_steps.append((text, key))
            return
        results = self.query_one("#concern-pupil-list", OptionList)
        if results.option_count:
            matches.step(results, key)

    def form_entered(self, field: str) -> None:
        if field == "concern-pupil-find":
            text = self.query_one("#concern-pupil-find", Input).value
            if self.pupil_pending(text):  # picked when its list comes (show_pupils); the focus has gone on
                self.pick_when_found = text
                return
            self.pick_when_found = None
            self.pick_found(text, move_back=True)
        elif field in ("concern-pupil-list", "concern-staff-list"):
            box = self.query_one(f"#{field}", OptionList)
            option = box.highlighted_option
            if option is None:
                self.say("Pick from the list (Down/Up, then Enter).")
                self.set_focus(box)
                return
            self.pick(field, int(option.id or 0))
        elif field == "concern-what":
            if self.pick_when_found is not None:  # the pupil is still being looked up: go on once picked
                self.continue_when_found = True
                return
            self.action_continue()

    def pick_found(self, text: str, *, move_back: bool) -> None:
        """Enter in the pupil search, its list for ``text`` on screen: pick the highlighted
        match, or say why not. ``move_back``: the focus goes back to the search (Enter came
        after the list; once it has come late, the keys typed since are going elsewhere)."""
        box = self.query_one("#concern-pupil-list", OptionList)
        if (option := matches.chosen(box)) is not None:
            self.pick("concern-pupil-list", int(option.id or 0))
            return
        if move_back:
            self.say(matches.SEVERAL if box.option_count else "Type part of the pupil's name, then pick them.")
            self.set_focus(self.query_one("#concern-pupil-find"))
        elif box.option_count:
            self.say(f"Several pupils match {text.strip()!r}: go back (Shift+Tab) and choose one.")
        else:
            self.say(f"No pupil found for {text.strip()!r}.")

    def set_list(self, selector: str, rows: list[tuple[int, str]]) -> None:
        box = self.query_one(selector, OptionList)
        box.clear_options()
        box.add_options(matches.picker_options(rows) if selector == "#concern-staff-list" else options(rows))
        box.highlighted = None  # the first Down highlights the first (it skipped to the second)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "concern-pupil-find":
            return
        event.stop()
        if len(event.value.strip()) >= 2:
            self.db(find_pupils, event.value, then=partial(self.show_pupils, event.value), latest="pupils")
        else:
            self.superseded("pupils")  # typed over: what was asked before is no longer wanted
            self.set_list("#concern-pupil-list", [])
            self.pupil_results_for = event.value

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def show_staff(self, rows: list[tuple[int, str]]) -> None:
        self.staff_rows = dict(rows)
        self.set_list("#concern-staff-list", rows)

    def show_pupils(self, text: str, rows: list[tuple[int, str]]) -> None:
        self.pupil_rows = dict(rows)
        box = self.query_one("#concern-pupil-list", OptionList)
        matches.show_matches(box, options(rows))
        self.pupil_results_for = text
        self.say(f"No pupil found for {text.strip()!r}." if not rows else "Down/Up to choose, Enter to pick.")
        # The keys typed after this text, before its list came, in the order typed.
        steps, self.pupil_steps = self.pupil_steps, []
        for typed, key in steps:
            if typed == text:
                if box.option_count:
                    matches.step(box, key)
            elif self.pupil_pending(typed):  # for a later search, still on its way
                self.pupil_steps.append((typed, key))
        if self.pick_when_found == text:
            self.pick_when_found = None
            self.pick_found(text, move_back=False)
            go_on, self.continue_when_found = self.continue_when_found, False
            if go_on:
                self.action_continue()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (Enter's is dealt with as it arrives)."""
        event.stop()
        self.pick(event.option_list.id or "", int(event.option.id or 0))
        self.query_one("#concern-category", RadioSet).focus()

    def pick(self, list_id: str, row_id: int) -> None:
        if list_id == "concern-pupil-list":
            self.pupil = (row_id, self.pupil_rows[row_id])
            self.query_one("#concern-pupil-chosen", Static).update(f"Chosen: {self.pupil[1]}")
        else:
            self.staff = (row_id, self.staff_rows[row_id])
            staff_list = self.query_one("#concern-staff-list", OptionList)
            matches.mark_chosen(staff_list, list(self.staff_rows.items()), row_id)
            self.show_who_sees()
        self.say("")

    def check(self) -> tuple[str, str] | ConcernForm:
        about = self.about()
        if about is None:
            return "Choose who the concern is about.", "concern-about"
        kw: dict = {"about_kind": about}
        if about == "pupil":
            if self.pupil is None:
                return "Find and pick the pupil (type part of the name, then Enter).", "concern-pupil-find"
            kw["pupil_id"], label = self.pupil
        elif about == "staff":
            if self.staff is None:
                return "Pick the member of staff from the list.", "concern-staff-list"
            kw["staff_id"], label = self.staff
        else:
            name = self.query_one("#concern-visitor", Input).value.strip()
            if not name:
                return "Give the visitor's name.", "concern-visitor"
            if problem := bad_text(name, "visitor's name"):
                return problem, "concern-visitor"
            kw["name"] = label = name
        category = self.category()
        if category is None:
            return "Choose the kind of concern.", "concern-category"
        if problem := category_problem(category, about):  # said before Confirm (the domain refuses it too)
            return problem, "concern-category"
        what = self.query_one("#concern-what", FormNote).value.strip()
        if not what:
            return "Say what happened.", "concern-what"
        if problem := bad_text(what, "description", multiline=True, words=WHAT_WORDS):
            return problem, "concern-what"
        return ConcernForm(category=category, what=what, subject_label=label, **kw)

    def refused_at(self, error: str) -> str:
        """Where a refusal on Confirm is put right: the description (not in words, too long),
        the kind (one that does not fit whom it is about), else the form's first field."""
        if "description" in error or "what happened" in error.lower():
            return "concern-what"
        if "kind" in error.lower() or "category" in error.lower():
            return "concern-category"
        return super().refused_at(error)

    def action_continue(self) -> None:
        checked = self.check()
        if isinstance(checked, tuple):
            message, widget = checked
            self.say(message)
            self.query_one(f"#{widget}").focus()
            return
        self.summary_lookup()  # Esc typed meanwhile goes back from the summary
        self.db(concern_confirm_words, checked, then=partial(self.confirm_concern, checked), failed=self.summary_failed)

    def summary_failed(self, failure: Failure) -> None:
        self.db_failed(failure)
        self.summary_looked_up()

    def confirm_concern(self, checked: ConcernForm, words: ConcernConfirmWords) -> None:
        """The summary, with the title and Confirm saying who will see it (the actions layer decides)."""
        self.show_words(words)
        try:
            self.show_summary(checked)
        finally:
            self.summary_looked_up()

    def show_summary(self, checked: ConcernForm) -> None:
        self.confirm_step(
            checked,
            (
                "Raise this concern?\n\n"  # who will see it is said once raised (concerns.goes_to)
                f"About: {checked.subject_label} ({checked.about_kind})\n"
                f"Kind: {CATEGORIES[checked.category]}\n"
                f"What happened: {checked.what}"
            ),
        )
