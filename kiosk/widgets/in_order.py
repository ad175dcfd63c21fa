"""Run something once every key already sent to a widget has been dealt with.

Textual gives each widget its own message queue. A key goes to the focused widget's
queue; what the widget does not take itself (Backspace in an Input, Up/Down in an
OptionList: its bindings) bubbles up through each parent's queue to the app, which runs
the binding. So "after the keys typed before this Enter" means after that whole path: a
callback that hops the same path, one queue at a time, arrives behind every such key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input, OptionList

from kiosk.textual_compat import KeyFirst


def after_keys(widget: Widget, callback: Callable[..., Any], *args: Any) -> None:
    """Call ``callback(*args)`` once the keys already sent to ``widget`` have been handled,
    by the widget itself or by a binding run as they bubbled up to the app."""
    path = [widget, *widget.ancestors]  # up to and including the app

    def hop(i: int) -> None:
        if i == len(path):
            callback(*args)
        elif not path[i].call_later(hop, i + 1):  # closed (the screen has gone): nothing to do
            return

    hop(0)


# A binding is run by the app once its key has bubbled up, for whatever has the focus by
# then: Backspace typed just before an Enter that moved the focus on rubbed out a character
# of the next field, and Down just before Enter moved nothing in the list. The form's fields
# take their editing keys themselves, in their own queue, in order with the characters.
INPUT_KEYS = {
    "backspace": "delete_left",
    "delete": "delete_right",
    "left": "cursor_left",
    "right": "cursor_right",
    "home": "home",
    "end": "end",
    "ctrl+a": "home",
    "ctrl+e": "end",
    "ctrl+d": "delete_right",
    "ctrl+left": "cursor_left_word",
    "ctrl+right": "cursor_right_word",
    "ctrl+w": "delete_left_word",
    "ctrl+u": "delete_left_all",  # (run late, it emptied the next field: in tmux, the organisation)
    "ctrl+k": "delete_right_all",
}
LIST_KEYS = {
    "up": "cursor_up",
    "down": "cursor_down",
    "home": "first",
    "end": "last",
    "pageup": "page_up",
    "pagedown": "page_down",
}


class FormInput(KeyFirst, Input):
    """An Input of a form whose editing keys are taken in order with its characters."""

    def take_key(self, event: events.Key) -> bool:
        action = INPUT_KEYS.get(event.key)
        if action is None:
            return False
        getattr(self, f"action_{action}")()
        return True


class FormOptionList(KeyFirst, OptionList):
    """An OptionList of a form whose moving keys are taken in order with the keys around them."""

    def take_key(self, event: events.Key) -> bool:
        action = LIST_KEYS.get(event.key)
        if action is None:
            return False
        getattr(self, f"action_{action}")()
        return True


class PinInput(FormInput):
    """The PIN box. Enter is taken in turn with the digits before it: as Input's binding it
    ran only once the key had gone round the app, after digits typed straight after it (a
    phone scanned just after signing in) had joined the PIN, and a right PIN failed."""

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))
