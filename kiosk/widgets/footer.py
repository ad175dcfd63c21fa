"""The kiosk's footer: the keys of the screen, and "^p palette" only where the palette
opens (a member of staff signed in, outside kiosk mode). It used to be shown at the
sign-in screen and in kiosk mode, where ctrl+p does nothing.

Every key and its word is readable at 80 columns (issue 14, item 6): Textual's footer is
one line, cut at the screen's edge ("f8 Retry p…", "f6 Hand in any", F12 gone), so when
the keys do not fit on one line they wrap, whole, onto a second (or third). The kiosk
uses no binding groups (Textual's footer would nest those in a group of its own).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widget import Widget
from textual.widgets import Footer

PALETTE = "-command-palette"


def key_width(key: Widget) -> int:
    """The cells a footer key takes (its key, its word and their padding, as Textual draws it)."""
    shown = getattr(key, "key_display", "")
    words = getattr(key, "description", "")
    width = cell_len(shown) + 2 + (cell_len(words) + 1 if words else 0)
    if key.has_class(PALETTE):
        width += 2  # the bar on its left and the space on its right
    return width


def rows_of(keys: Iterable[Widget], width: int) -> list[list[Widget]]:
    """The keys in lines of at most ``width`` cells, in order, never a key split."""
    rows: list[list[Widget]] = [[]]
    used = 0
    for key in keys:
        w = key_width(key)
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0
        rows[-1].append(key)
        used += w
    return rows if rows[0] else []


class FooterRow(HorizontalGroup):
    DEFAULT_CSS = """
    FooterRow {
        height: 1;
        width: 1fr;
    }
    """


class KioskFooter(Footer):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.laid_out_for: tuple[int, ...] = ()  # the number of keys on each line, as composed

    def on_mount(self) -> None:
        allowed = getattr(self.app, "palette_allowed", None)
        self.show_command_palette = bool(allowed()) if callable(allowed) else False

    def compose(self) -> ComposeResult:
        composed = list(super().compose())
        keys = [w for w in composed if not w.has_class(PALETTE)]
        palette = [w for w in composed if w.has_class(PALETTE)]
        rows = rows_of(keys, self.app.size.width - sum(key_width(p) for p in palette))
        self.laid_out_for = tuple(len(r) for r in rows)
        self.styles.layout = "vertical"
        self.styles.height = max(1, len(rows))
        for row in rows:
            with FooterRow():
                yield from row
        yield from palette

    def on_resize(self, event: events.Resize) -> None:
        keys = [w for w in self.query("FooterKey") if not w.has_class(PALETTE)]
        palette = sum(key_width(w) for w in self.query("FooterKey") if w.has_class(PALETTE))
        if tuple(len(r) for r in rows_of(keys, event.size.width - palette)) != self.laid_out_for:
            self.call_after_refresh(self.recompose)


REFRESHING = "Refreshing: reading the records again."


def refreshing(screen: Widget, pressed: bool) -> None:
    """F5 (Refresh) pressed: say so. A list read again that had not changed looked exactly as
    before, so the key seemed dead (issue 14, item 8); refreshed by the screen itself, nothing."""
    if pressed:
        screen.notify(REFRESHING, timeout=3)
