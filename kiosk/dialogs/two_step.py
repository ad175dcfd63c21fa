"""A form, then a summary to confirm: the shape of every safeguarding dialog.

A subclass sets ``PREFIX`` and has widgets named ``{PREFIX}-error``,
``{PREFIX}-summary`` and the buttons ``{PREFIX}-continue``, ``-cancel``, ``-yes`` and
``-back``; it implements ``action_continue``, which checks the form and calls
:meth:`confirm_step` with the result and its summary. Esc goes back from the summary
and cancels from the form. Nothing is returned until the summary is confirmed. Esc on a
form where something was typed asks once first (:data:`ASK_ESC`, in the form's own line):
a second Esc cancels; typing on means the next Esc asks again. An untouched form closes on
one Esc.

:class:`DockedTwoStepDialog` composes all of that itself (the title and warnings at the
top, the help line and buttons docked at the bottom so they show even at 80×24): a
subclass gives only its title, its form and the confirm button's words. Every two-step
dialog uses it; a few are not docked (``BOX_CLASSES`` without "docked"): the follow-up
and the visitor concern are short.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioSet, Static, TextArea

from kiosk.widgets.blink import FieldsBlinkAsTheAppSays

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


def bad_text(value: str, what: str, *, multiline: bool = False) -> str | None:
    """The message for text with control characters in it, or None. A free-text field
    (``multiline``) may hold line breaks."""
    if any(not (ch.isprintable() or (multiline and ch == "\n")) for ch in value):
        return f"The {what} contains control characters."
    return None


class TwoStepDialog(FieldsBlinkAsTheAppSays, ModalScreen[T | None], Generic[T]):
    CSS_PATH = "dialogs.tcss"
    PREFIX = ""

    def __init__(self) -> None:
        super().__init__()
        self.result: T | None = None
        self.shown_values: tuple[object, ...] | None = None  # the fields as first shown
        self.asked_at: tuple[object, ...] | None = None  # the fields when Esc asked

    def key_arriving(self, event: events.Key | events.Paste) -> None:
        """The fields as they were before the first key (what was filled in for the user is
        not "typed"). Called by the app as each key arrives."""
        if self.shown_values is None:
            self.shown_values = form_values(self)

    def say(self, text: str) -> None:
        self.query_one(f"#{self.PREFIX}-error", Static).update(text)

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
            self.dismiss(self.result)

    def action_back(self) -> None:
        if self.has_class("confirming"):
            self.remove_class("confirming")
            self.call_after_refresh(self.fit_form)
            self.result = None
            self.say("Nothing recorded yet. Change anything (Shift+Tab), then Continue.")
            self.query_one(f"#{self.PREFIX}-continue", Button).focus()
        elif self.typed_in() and form_values(self) != self.asked_at:
            self.asked_at = form_values(self)
            self.say(ASK_ESC)
        else:
            self.action_cancel()

    def typed_in(self) -> bool:
        """Something was typed or chosen in the form since it was shown."""
        return self.shown_values is not None and form_values(self) != self.shown_values

    def action_cancel(self) -> None:
        self.dismiss(None)


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
        docked = box.query_children(".dialog-head, .dialog-foot, .dialog-confirm-buttons")
        used = box.styles.gutter.height + sum(part.outer_size.height for part in docked if part.display)
        room = max(3, int(self.size.height * 0.95) - used)
        for part in box.query_children(".dialog-form, .dialog-confirm"):
            if part.styles.max_height is None or part.styles.max_height.value != room:
                part.styles.max_height = room

    def compose_foot(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(classes="dialog-foot"):  # docked: the help line and buttons show even at 80x24
            yield Static(self.HELP, id=f"{p}-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Continue", id=f"{p}-continue", variant="primary")
                yield Button("Cancel", id=f"{p}-cancel")
