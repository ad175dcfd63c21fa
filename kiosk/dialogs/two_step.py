"""A form, then a summary to confirm: the shape of every safeguarding dialog.

A subclass sets ``PREFIX`` and composes widgets named ``{PREFIX}-error``,
``{PREFIX}-summary`` and the buttons ``{PREFIX}-continue``, ``-cancel``, ``-yes`` and
``-back``; it implements ``action_continue``, which checks the form and calls
:meth:`confirm_step` with the result and its summary. Esc goes back from the summary
and cancels from the form. Nothing is returned until the summary is confirmed.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.widgets.blink import FieldsBlinkAsTheAppSays

T = TypeVar("T")


def bad_text(value: str, what: str) -> str | None:
    """The message for text with control characters in it, or None."""
    if any(not ch.isprintable() for ch in value):
        return f"The {what} contains control characters."
    return None


class TwoStepDialog(FieldsBlinkAsTheAppSays, ModalScreen[T | None], Generic[T]):
    CSS_PATH = "dialogs.tcss"
    PREFIX = ""

    def __init__(self) -> None:
        super().__init__()
        self.result: T | None = None

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

    def confirm_step(self, result: T, summary: str) -> None:
        """Show the summary of ``result`` and wait for Confirm."""
        self.result = result
        self.query_one(f"#{self.PREFIX}-summary", Static).update(summary)
        self.add_class("confirming")
        self.query_one(f"#{self.PREFIX}-yes", Button).focus()

    def action_confirm(self) -> None:
        if self.result is not None and self.has_class("confirming"):
            self.dismiss(self.result)

    def action_back(self) -> None:
        if self.has_class("confirming"):
            self.remove_class("confirming")
            self.result = None
            self.say("Nothing recorded yet. Change anything (Shift+Tab), then Continue.")
            self.query_one(f"#{self.PREFIX}-continue", Button).focus()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
