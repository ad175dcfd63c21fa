"""The running list of scans on the hand-in and release screens: newest first.

A DataTable re-rendered its visible cells on every new row, which cost tens of
milliseconds a frame once a few dozen scans were listed, and so delayed the next
result. This widget keeps every row (the whole session's list) but draws each line
once per width from a cache; a new scan at the top repaints only this widget. The
mouse wheel scrolls back through older rows; the scan field keeps the focus.

Every cell is data, drawn as plain text, so "[bold]" in a name is shown, not obeyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from kiosk.widgets.table import fit
from models.errors import ScanOutcome

COLUMNS = (("#", 5), ("Time", 9), ("Code", 10), ("Pupil", 24), ("Class", 11))  # then "Result", the rest


@dataclass(frozen=True)
class LogRow:
    seq: str
    time: str
    code: str
    pupil: str
    class_name: str
    result: str
    outcome: str  # a ScanOutcome, or "UNDONE" (a hand-in undone): picks the colour of the result

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return (self.seq, self.time, self.code, self.pupil, self.class_name, self.result)


PUPIL, PUPIL_MIN, RESULT_MIN = 3, 14, 24  # the Pupil column gives way to the Result at narrow widths


def _fit(text: str, width: int) -> str:
    """Cut or padded to ``width`` terminal cells (an emoji is two: counting characters put
    the columns after it out of line)."""
    return fit("".join(ch if ch.isprintable() else "?" for ch in text), width)


def widths(width: int) -> list[int]:
    """The columns' widths for a log ``width`` cells wide, then the Result's: at 80 columns the
    Pupil column narrows so the result word ("NOT REGISTERED") is never cut."""
    sizes = [w for _, w in COLUMNS]
    short = RESULT_MIN - (width - sum(sizes) - len(sizes))
    if short > 0:
        sizes[PUPIL] = max(PUPIL_MIN, sizes[PUPIL] - short)
    return [*sizes, max(0, width - sum(sizes) - len(sizes))]


class ScanLog(Widget, can_focus=False):
    DEFAULT_CSS = """
    ScanLog {
        height: 1fr;
        background: $surface;
    }
    ScanLog > .scan-log--header {
        text-style: bold;
        background: $panel;
    }
    ScanLog > .scan-log--ok { color: $text-success; }
    ScanLog > .scan-log--duplicate { color: $text-accent; }
    ScanLog > .scan-log--warning { color: $text-warning; }
    ScanLog > .scan-log--error { color: $text-error; }
    ScanLog > .scan-log--exception { color: $text-secondary; }
    """
    COMPONENT_CLASSES = {
        "scan-log--header",
        "scan-log--ok",
        "scan-log--duplicate",
        "scan-log--warning",
        "scan-log--error",
        "scan-log--exception",
    }
    OUTCOME_CLASS = {
        ScanOutcome.OK: "scan-log--ok",
        ScanOutcome.DUPLICATE: "scan-log--duplicate",
        ScanOutcome.NOT_HANDED_IN: "scan-log--duplicate",
        ScanOutcome.UNKNOWN: "scan-log--warning",
        ScanOutcome.REVOKED: "scan-log--warning",
        ScanOutcome.INVALID: "scan-log--error",
        ScanOutcome.BLOCKED: "scan-log--error",
        ScanOutcome.EXCEPTION: "scan-log--exception",
        ScanOutcome.NOT_PUPIL: "scan-log--warning",
        "UNDONE": "scan-log--duplicate",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[LogRow] = []  # oldest first
        self.scrolled_back = 0  # rows scrolled back from the newest
        self._cache: dict[tuple[int, int], Strip] = {}

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def add(self, row: LogRow) -> None:
        self.rows.append(row)
        if self.scrolled_back:
            self.scrolled_back += 1  # someone is reading older rows: keep them still
        self.refresh()

    def replace(self, seq: str, row: LogRow) -> bool:
        """Redraw the row of scan ``seq`` as ``row`` (e.g. after an undo); False if it is not listed."""
        for index in range(len(self.rows) - 1, -1, -1):
            if self.rows[index].seq == seq:
                self.rows[index] = row
                for key in [k for k in self._cache if k[0] == index]:
                    del self._cache[key]
                self.refresh()
                return True
        return False

    def clear(self) -> None:
        self.rows.clear()
        self._cache.clear()
        self.scrolled_back = 0
        self.refresh()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scrolled_back = min(self.scrolled_back + 3, max(0, len(self.rows) - 1))
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scrolled_back = max(0, self.scrolled_back - 3)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def _line(self, cells: tuple[str, ...], width: int, style: Style, result_style: Style) -> Strip:
        segments = []
        *sizes, rest = widths(width)
        for w, text in zip(sizes, cells[:-1], strict=True):
            segments.append(Segment(_fit(text, w) + " ", style))
        segments.append(Segment(_fit(cells[-1], rest), result_style))
        return Strip(segments).adjust_cell_length(width, style)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        base = self.rich_style
        if y == 0:
            key = (-1, width)
            if key not in self._cache:
                header = self.get_component_rich_style("scan-log--header")
                self._cache[key] = self._line(
                    tuple(c for c, _ in COLUMNS) + ("Result",), width, base + header, base + header
                )
            return self._cache[key]
        index = len(self.rows) - self.scrolled_back - y  # newest first
        if index < 0 or index >= len(self.rows):
            return Strip.blank(width, base)
        key = (index, width)
        strip = self._cache.get(key)
        if strip is None:
            row = self.rows[index]
            colour = self.get_component_rich_style(self.OUTCOME_CLASS.get(row.outcome, "scan-log--error"))
            strip = self._cache[key] = self._line(row.cells(), width, base, base + colour)
        return strip
