"""A form, then a summary to confirm: the shape of every safeguarding dialog.

A subclass sets ``PREFIX`` and has widgets named ``{PREFIX}-error``,
``{PREFIX}-summary`` and the buttons ``{PREFIX}-continue``, ``-cancel``, ``-yes`` and
``-back``; it implements ``action_continue``, which checks the form and calls
:meth:`confirm_step` with the result and its summary. Esc goes back from the summary
and cancels from the form. Nothing is returned until the summary is confirmed. Esc on a
form where something was typed asks once first (:class:`KeepsWhatWasTyped`, shared with the
one-step staff dialogs): a second Esc cancels; typing on means the next Esc asks again. An
untouched form closes on one Esc.

Opened with :func:`ask`, a form whose answer is then refused when it is recorded (the
ledger's rules, checked again on Confirm: something recorded meanwhile at another desk)
opens again exactly as it was, everything typed and chosen, with the refusal in its line at
the field to put right (:meth:`TwoStepDialog.refused_at`); the caller records the answer with
the pair :meth:`TwoStepDialog.recording` gives it.

:class:`DockedTwoStepDialog` composes all of that itself (the title and warnings at the
top, the help line and buttons docked at the bottom so they show even at 80×24): a
subclass gives only its title, its form and the confirm button's words. Every two-step
dialog uses it; a few are not docked (``BOX_CLASSES`` without "docked"): the follow-up
and the visitor concern are short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioSet, Select, Static, TextArea

from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.workers import Failure
from models.errors import KioskError
from models.text import Evidence

T = TypeVar("T")

ASK_ESC = "Press Esc again to throw away what you typed, or carry on."


def form_values(screen: Widget) -> tuple[object, ...]:
    """What the form's fields hold: the text typed, the options and boxes chosen."""
    values: list[object] = []
    for field in screen.query("Input, TextArea, RadioSet, Checkbox"):
        if isinstance(field, Input):
            values.append(field.value)
        elif isinstance(field, TextArea):
            values.append(field.text)
        elif isinstance(field, RadioSet):
            values.append(field.pressed_index)
        elif isinstance(field, Checkbox):
            values.append(field.value)
    return tuple(values)


def bad_text(value: str, what: str, *, multiline: bool = False, words: Evidence | None = None) -> str | None:
    """The message for text with control characters in it, or None. A free-text field
    (``multiline``) may hold line breaks. ``words``: a field of a safeguarding record that
    must be said in words (the domain's own rule, asked at Continue so that "x" is refused at
    its field, not after the summary)."""
    if any(not (ch.isprintable() or (multiline and ch == "\n")) for ch in value):
        return f"The {what} contains control characters."
    return words.problem(value) if words is not None else None


class KeepsWhatWasTyped:
    """Mixed into every staff dialog that takes typed input (ahead of its Screen class).

    Esc where something was typed or chosen since the dialog was shown asks once first
    (:data:`ASK_ESC`, in the dialog's own line): a second Esc cancels; typing on means the next
    Esc asks again. An untouched dialog closes on one Esc. (Not the public visitor screen, where
    Esc goes back a step and never out: nothing is lost there, and nobody is held.)

    The dialog's line (:meth:`say`) goes back to its help once the field it was about changes:
    an old error no longer stays on screen, moving from field to field, after it was put right.
    The field a line is about is the one with the focus when the next key arrives (a dialog
    puts the focus on the field to put right as it says so)."""

    LINE: ClassVar[str] = ".dialog-error"  # the dialog's one line

    shown_values: tuple[object, ...] | None = None  # the fields as first shown (before the first key)
    asked_at: tuple[object, ...] | None = None  # the fields when Esc asked
    said: list[Any] | None = None  # [what the line says, the id of the field it is about (None: not known yet)]
    first_line: str | None = None  # what the line said before anything was said in it

    def key_arriving(self, event: events.Key | events.Paste) -> None:
        """Called by the app as each key arrives: the fields as they were before the first key
        (what was filled in for the user is not "typed"), and the field the line is about."""
        screen: Any = self
        if self.shown_values is None:
            self.shown_values = form_values(screen)
        if self.said is not None and self.said[1] is None:
            focused = screen.focused
            self.said[1] = focused.id if focused is not None and focused.id else ""

    def line(self) -> Static:
        screen: Any = self
        return screen.query_one(self.LINE, Static)

    def help_line(self) -> str:
        """What the line goes back to once the field it was about changes."""
        return self.first_line or ""

    def say(self, text: str) -> None:
        line = self.line()
        if self.first_line is None:
            self.first_line = str(line.render())
        line.update(text)
        self.said = [text, None] if text else None

    def field_changed(self, field: Widget) -> None:
        said = self.said
        if said is not None and said[1] and field.id == said[1]:
            self.said = None
            self.line().update(self.help_line())

    # Textual calls each class's handler along the MRO: these run beside the dialog's own.
    def on_input_changed(self, event: Input.Changed) -> None:
        self.field_changed(event.input)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.field_changed(event.text_area)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.field_changed(event.radio_set)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.field_changed(event.checkbox)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.field_changed(event.select)

    def typed_in(self) -> bool:
        """Something was typed or chosen in the dialog since it was shown."""
        screen: Any = self
        return self.shown_values is not None and form_values(screen) != self.shown_values

    def escape_asks(self) -> bool:
        """Esc: True when it asks first (something typed, and not asked about as it is now)."""
        screen: Any = self
        values = form_values(screen)
        if self.typed_in() and values != self.asked_at:
            self.asked_at = values
            self.say(ASK_ESC)
            return True
        return False

    def action_escape(self) -> None:
        """Esc in a one-step dialog: asks first when something was typed, else cancels. An Enter
        typed before it and not yet acted on (an InOrderForm's) is acted on first."""
        if not self.behind_enters(self.action_escape_now):
            self.action_escape_now()

    def action_escape_now(self) -> None:
        if not self.escape_asks():
            self.action_cancel()

    summary_coming: list[Callable[[], Any]] | None = None  # Continue is looking something up: keys wait

    def behind_enters(self, callback: Callable[[], Any]) -> bool:
        """True when ``callback`` waits for Enters typed before it (kiosk.widgets.in_order.
        InOrderForm.after_entries), or for the summary Continue is looking up
        (:meth:`summary_lookup`): the key then acts on what they left on screen."""
        if self.summary_coming is not None:
            self.summary_coming.append(callback)
            return True
        later = getattr(self, "after_entries", None)
        return bool(later is not None and later(callback))

    def summary_lookup(self) -> None:
        """Continue looks something up before the summary (a worker): Esc typed meanwhile waits
        for it (:meth:`summary_looked_up`), to go back from the summary it brings."""
        self.summary_coming = []

    def summary_looked_up(self) -> None:
        """The summary is shown (or was not: the lookup failed): the keys that waited, in turn."""
        waiting, self.summary_coming = self.summary_coming or [], None
        for callback in waiting:
            callback()

    def action_cancel(self) -> None:
        screen: Any = self
        screen.dismiss(None)


class TwoStepDialog(KeepsWhatWasTyped, FieldsBlinkAsTheAppSays, ModalScreen[T | None], Generic[T]):
    CSS_PATH = "dialogs.tcss"
    PREFIX = ""

    def __init__(self) -> None:
        super().__init__()
        self.result: T | None = None
        self.answered: Callable[[T | None], Any] | None = None  # given its answer, when opened with ask()

    def line(self) -> Static:
        return self.query_one(f"#{self.PREFIX}-error", Static)

    def help_line(self) -> str:
        return str(getattr(self, "HELP", ""))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "continue": self.action_continue,
            "cancel": self.action_cancel,
            "yes": self.action_confirm,
            "back": self.action_back,
        }
        actions[(event.button.id or "").removeprefix(f"{self.PREFIX}-")]()

    def action_continue(self) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    # Its fields keep text longer than their limit (kiosk.widgets.in_order.keeps_long_text):
    # the summary is not shown until every one is short enough.
    KEEPS_LONG_TEXT: ClassVar[bool] = True

    def confirm_step(self, result: T, summary: str) -> None:
        """Show the summary of ``result`` and wait for Confirm (not while a field is too long)."""
        from kiosk.widgets.in_order import FormInput, FormNote, too_long

        if (problem := too_long(self.query(f"{FormInput.__name__}, {FormNote.__name__}"))) is not None:
            field, message = problem
            self.say(message)
            field.focus()
            return
        self.result = result
        self.query_one(f"#{self.PREFIX}-summary", Static).update(summary)
        self.add_class("confirming")
        self.query_one(f"#{self.PREFIX}-yes", Button).focus()
        self.call_after_refresh(self.fit_form)

    def action_confirm(self) -> None:
        if self.result is not None and self.has_class("confirming"):
            if self.answered is not None and not self.app.is_screen_installed(self):
                # Kept (off the screen) until what it answered is recorded: refused, it opens again.
                self.app.install_screen(self, f"kept-form-{id(self)}")
                kept = getattr(self.app, "kept_forms", None)
                if kept is not None:
                    kept.add(self)
            self.dismiss(self.result)

    def action_back(self) -> None:
        """Esc: back from the summary to the form; on the form, asks first when something was
        typed (:meth:`escape_asks`), else cancels. Each Esc acts on what is on screen when its
        turn comes: after the Enters typed before it (:meth:`behind_enters`), so Enter, Esc, Esc
        typed fast do what they do typed slowly (the summary, back to the form, ask)."""
        if not self.behind_enters(self.action_back_now):
            self.action_back_now()

    def action_back_now(self) -> None:
        if self.has_class("confirming"):
            self.remove_class("confirming")
            self.call_after_refresh(self.fit_form)
            self.result = None
            self.say("Nothing recorded yet. Change anything (Shift+Tab), then Continue.")
            self.query_one(f"#{self.PREFIX}-continue", Button).focus()
        elif not self.escape_asks():
            self.action_cancel()

    def fit_form(self) -> None:
        """Sized to the room there is (DockedTwoStepDialog): nothing to do here."""

    # ------------------------------------------------------------ refused on Confirm: the form again, as it was

    def take_answer(self, result: T | None) -> None:
        if result is None:
            self.let_go()
        if self.answered is not None:
            self.answered(result)

    def recording(
        self, then: Callable[[Any], Any], failed: Callable[[Failure], Any]
    ) -> tuple[Callable[[Any], None], Callable[[Failure], None]]:
        """``then`` and ``failed`` for the call that records this form's answer: recorded, the
        form is let go; refused, ``failed`` shows the refusal where it always did, and the form
        opens again as it was (:meth:`open_again`)."""

        def done(value: Any) -> None:
            self.let_go()
            then(value)

        def refused(failure: Failure) -> None:
            failed(failure)
            self.open_again(failure)

        return done, refused

    def open_again(self, failure: Failure) -> None:
        """What the form answered was refused on Confirm: it opens again with everything typed and
        chosen, the refusal in its line and the focus on the field to put right
        (:meth:`refused_at`). A crash (not a refusal) does not: its calm line says nothing was
        changed, and the form goes."""
        app = self.app
        if not failure.refused_as(KioskError) or not app.is_screen_installed(self):
            self.let_go()
            return
        self.remove_class("confirming")
        self.result = None
        self.asked_at = None
        app.push_screen(self, self.take_answer)
        self.say(failure.message)
        self.query_one(f"#{self.refused_at(failure.message)}").focus()
        self.call_after_refresh(self.fit_form)

    def refused_at(self, error: str) -> str:
        """The id of the field to put right for ``error``, what was refused on Confirm: the
        form's first field, unless the form knows better."""
        for field in self.query(f"#{self.PREFIX}-form").first().query("Input, TextArea, RadioSet, Select, OptionList"):
            if field.focusable and field.id:
                return field.id
        return f"{self.PREFIX}-continue"

    def let_go(self) -> None:
        """Done with it: no longer kept for a refusal; gone from the app once off the screen."""
        app = self.app
        kept = getattr(app, "kept_forms", None)
        if kept is not None:
            kept.discard(self)
        if app.is_screen_installed(self) and self not in app.screen_stack:
            app.uninstall_screen(self)
            if self.is_attached:
                self.remove()


def ask(app: App[Any], dialog: TwoStepDialog[T], answered: Callable[[T | None], Any]) -> None:
    """Open ``dialog``; ``answered`` is given its answer (None: cancelled). The caller records the
    answer with the pair :meth:`TwoStepDialog.recording` gives it: refused, the form opens again
    exactly as it was, with the refusal at the field to put right."""
    dialog.answered = answered
    app.push_screen(dialog, dialog.take_answer)


class DockedTwoStepDialog(TwoStepDialog[T]):
    """The chrome composed once: a subclass yields its fields from :meth:`compose_form`."""

    BOX_CLASSES: ClassVar[str] = "dialog docked"
    HELP: ClassVar[str] = "Enter to go on, Esc to cancel."
    CONFIRM_LABEL: ClassVar[str] = "Confirm"
    CONFIRM_VARIANT: ClassVar[str] = "warning"

    def dialog_title(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def compose_head(self) -> ComposeResult:
        """Lines under the title (a warning, what the action means): none by default."""
        yield from ()

    def compose_form(self) -> ComposeResult:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(classes=self.BOX_CLASSES, id=f"{p}-box"):
            with Vertical(classes="dialog-head"):
                yield Static(self.dialog_title(), classes="dialog-title", markup=False)
                yield from self.compose_head()
            with VerticalScroll(classes="dialog-form", id=f"{p}-form"):
                yield from self.compose_form()
            yield from self.compose_foot()
            with VerticalScroll(classes="dialog-confirm"):
                yield Static("", id=f"{p}-summary", markup=False)
            with Horizontal(classes="dialog-buttons dialog-confirm-buttons"):
                yield Button(self.CONFIRM_LABEL, id=f"{p}-yes", variant=self.CONFIRM_VARIANT)  # type: ignore[arg-type]
                yield Button("Back", id=f"{p}-back")

    # The form (or the summary) between the docked head and foot is never taller than the
    # room between them: with a fixed height (24 rows for the wide dialogs) it ran on under
    # the foot at 80x24, and the field being typed in ("What happened") could not be seen.
    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_form)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_form)

    def fit_form(self) -> None:
        if "docked" not in self.BOX_CLASSES.split() or not self.is_attached:
            return
        box = self.query_one(f"#{self.PREFIX}-box")
        # What is docked in this step, by the step (the class), not by the parts' display: just
        # after Continue their styles may not have caught up yet. The Confirm buttons, docked
        # and not yet laid out, measure nothing: they are as tall as the form's buttons (the
        # same row of buttons). Uncounted, the summary's last lines ran on under them at 80x24,
        # cut off unseen. Measured again after the next refresh until the room settles.
        confirming = self.has_class("confirming")
        head = sum(part.outer_size.height for part in box.query_children(".dialog-head"))
        if confirming:
            buttons = box.query_children(".dialog-confirm-buttons").first()
            foot_buttons = box.query(".dialog-foot .dialog-buttons").first()
            foot = max(buttons.outer_size.height, foot_buttons.outer_size.height)
        else:
            foot = sum(part.outer_size.height for part in box.query_children(".dialog-foot"))
        used = box.styles.gutter.height + head + foot
        room = max(3, int(self.size.height * 0.95) - used)
        changed = False
        for part in box.query_children(".dialog-form, .dialog-confirm"):
            if part.styles.max_height is None or part.styles.max_height.value != room:
                part.styles.max_height = room
                changed = True
        if changed:
            self.call_after_refresh(self.fit_form)

    def compose_foot(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(classes="dialog-foot"):  # docked: the help line and buttons show even at 80x24
            yield Static(self.HELP, id=f"{p}-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Continue", id=f"{p}-continue", variant="primary")
                yield Button("Cancel", id=f"{p}-cancel")
