"""The scan field: fed by a USB keyboard-wedge scanner or by hand.

A scanner types a code and a terminator (Enter or Tab) far faster than a person, and
in continuous mode the next code follows at once. ``Input.Submitted`` is posted and
handled later, by which time the next code's first keys may already be in the field,
so a naive handler merges codes. Here the key handler that sees the terminator takes
the value and clears the field before any later key is processed; the code travels on
in a message.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input

MAX_SCAN = 64  # a label code is 8 characters; anything longer is junk (still rejected politely)


class ScanInput(Input):
    class Scanned(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, terminators: tuple[str, ...] = ("enter",), **kwargs) -> None:
        super().__init__(max_length=MAX_SCAN, **kwargs)
        self.terminators = terminators

    async def _on_key(self, event: events.Key) -> None:
        if event.key in self.terminators:
            event.stop()
            event.prevent_default()
            text = self.value
            self.value = ""
            if text.strip():
                self.post_message(self.Scanned(text))
            return
        await super()._on_key(event)
