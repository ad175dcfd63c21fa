"""The scan field: fed by a USB keyboard-wedge scanner or by hand.

A scanner types a code and a terminator (Enter or Tab) far faster than a person, and
in continuous mode the next code follows at once. ``Input.Submitted`` is posted and
handled later, by which time the next code's first keys may already be in the field,
so a naive handler merges codes. Here the key handler that sees the terminator takes
the value and clears the field before any later key is processed; the code travels on
in a message.

It is a small widget of its own rather than a subclass of ``Input``: a scan field
needs no selection, cursor movement or undo, and ``Input`` spends about half a
millisecond of reactive bookkeeping on every key, which a scanner sending 2,000 keys
a second cannot afford. Each key here is one string operation and one repaint of a
single line.

Typed text is shown through :func:`models.custody.codes.printable`, so a control character
or a terminal escape sequence typed or pasted into the field is never echoed raw.
"""

from __future__ import annotations

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kiosk.textual_compat import KeyFirst, PasteFirst
from models.custody.codes import printable

MAX_SCAN = 64  # a label code is 8 characters; anything longer is junk (still rejected politely)
OVERFLOW = "…"  # appended to an over-long scan so it can never pass as a code


class ScanInput(KeyFirst, PasteFirst, Widget, can_focus=True):
    """A one-line field that turns each terminator into a :class:`Scanned` message."""

    DEFAULT_CSS = """
    ScanInput {
        height: 3;
        border: tall $border-blurred;
        background: $surface;
        padding: 0 1;
    }
    ScanInput:focus {
        border: tall $border;
    }
    ScanInput > .scan-input--placeholder {
        color: $text-disabled;
    }
    ScanInput > .scan-input--cursor {
        background: $foreground;
        color: $background;
    }
    """
    COMPONENT_CLASSES = {"scan-input--placeholder", "scan-input--cursor"}
    BINDINGS = [Binding("ctrl+u", "clear", "Clear", show=False, id="scan_input.clear")]

    class Scanned(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        *,
        terminators: tuple[str, ...] = ("enter",),
        placeholder: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.terminators = terminators
        self.placeholder = placeholder
        self._value = ""
        self._overflow = False

    # ------------------------------------------------------------ value

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, text: str) -> None:
        self._overflow = len(text) > MAX_SCAN
        self._value = text[:MAX_SCAN]
        self.refresh()

    def action_clear(self) -> None:
        self.value = ""

    def _take(self) -> str:
        text = self._value + (OVERFLOW if self._overflow else "")
        self._value = ""
        self._overflow = False
        self.refresh()
        return text

    # ------------------------------------------------------------ keys

    # KeyFirst: a key take_key takes is stopped; anything else (function keys, Escape,
    # Down …) goes on to the bindings.

    def take_key(self, event: events.Key) -> bool:
        """Apply one key to the field; True if it was the field's (typed text, backspace, terminator).

        Also called by a screen for keys that reached it before this field had the focus
        (typed while the screen was opening), so they are not lost.
        """
        key = event.key
        if key in self.terminators:
            text = self._take()
            if text.strip():
                self.post_message(self.Scanned(text))
            return True
        if key == "backspace":
            if self._value:
                self._value = self._value[:-1]
                self._overflow = False
                self.refresh()
            return True
        character = event.character
        if event.is_printable and character:
            if len(self._value) < MAX_SCAN:
                self._value += character
                self.refresh()
            else:
                self._overflow = True
            return True
        return False

    def take_paste(self, event: events.Paste) -> None:
        """Pasted text: each line that ends in a newline is one scan; the rest stays typed."""
        lines = event.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for i, line in enumerate(lines):
            if len(self._value) + len(line) > MAX_SCAN:
                self._overflow = True
            self._value = (self._value + line)[:MAX_SCAN]
            if i < len(lines) - 1:
                text = self._take()
                if text.strip():
                    self.post_message(self.Scanned(text))
        self.refresh()

    # ------------------------------------------------------------ drawing

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1

    def render_line(self, y: int) -> Strip:
        if y != 0:
            return Strip.blank(self.content_size.width, self.rich_style)
        base = self.rich_style
        width = self.content_size.width
        cursor = self.get_component_rich_style("scan-input--cursor") if self.has_focus else None
        room = max(0, width - 1)
        if not self._value and self.placeholder:
            segments = [
                Segment(self.placeholder[:room], base + self.get_component_rich_style("scan-input--placeholder"))
            ]
            if cursor is not None:
                segments.insert(0, Segment(" ", cursor))
        else:
            shown = printable(self._value, MAX_SCAN) + (OVERFLOW if self._overflow else "")
            if len(shown) > room:
                shown = shown[len(shown) - room :]
            segments = [Segment(shown, base)]
            if cursor is not None:
                segments.append(Segment(" ", cursor))
        return Strip(segments).adjust_cell_length(width, base).simplify()
