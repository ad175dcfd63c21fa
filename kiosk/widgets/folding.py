"""A pick-list folds to its chosen row once the focus leaves it, as a Select does.

At 80x24 a form scrolls on to keep the next field in view: a list just chosen from (the
confiscation's "Why", the concern's member of staff) was left cut off at the top of the form,
showing its LAST rows, so the chosen one could not be seen. Folded, a list is one row tall
and that row is the chosen one (a radio set's pressed option; a picker's row marked
:data:`CHOSEN`, as kiosk.widgets.matches marks it); it unfolds whenever it has the focus again (Shift+Tab
back to change it). A list with nothing chosen never folds. The rules are in app.tcss.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import OptionList, RadioSet

from kiosk.textual_compat import focused_in_view

FOLDED = "folded"
CHOSEN = "\u25cf "  # before the chosen row of a picker (kiosk.widgets.matches), as a radio list's ●


def chosen_row(widget: Widget) -> int | None:
    """The index of the row chosen in a pick-list, or None."""
    if isinstance(widget, RadioSet):
        return widget.pressed_index if widget.pressed_index >= 0 else None
    if isinstance(widget, OptionList):
        for index in range(widget.option_count):
            if str(widget.get_option_at_index(index).prompt).startswith(CHOSEN):
                return index
    return None


def fold(widget: Widget, folded: bool) -> None:
    """Fold ``widget`` to its chosen row (``folded``), or open it again."""
    row = chosen_row(widget) if folded else None
    widget.set_class(row is not None, FOLDED)
    if row is not None:
        if isinstance(widget, OptionList):
            widget.call_after_refresh(widget.scroll_to, y=row, animate=False)
        widget.scroll_visible(animate=False)  # in view with the field now being filled in, where both fit
        widget.call_after_refresh(focused_in_view, widget)
