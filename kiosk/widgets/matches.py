"""A search field over a list of matches: what every name picker shares.

Typing fills the list. Nothing is highlighted unless exactly one match can be chosen, so
the first Down from the field highlights the FIRST match. (It used to skip it: the first
match was highlighted already, Down moved past it, and Enter chose the second pupil.)
Enter takes the highlighted match; with several and none highlighted, the screen asks.
Where choosing is optional (the office's returning visitors: a new visitor is just as
likely), ``highlight_one=False`` highlights nothing even for one match, so Enter never
takes someone else's details unasked.
"""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option


def _choosable(box: OptionList) -> list[int]:
    return [i for i in range(box.option_count) if not box.get_option_at_index(i).disabled]


def show_matches(box: OptionList, options: list[Option], *, highlight_one: bool = True) -> None:
    """Fill ``box``; highlight the match only when there is exactly one (and ``highlight_one``)."""
    box.clear_options()
    box.add_options(options)
    choosable = _choosable(box)
    box.highlighted = choosable[0] if len(choosable) == 1 and highlight_one else None


def step(box: OptionList, key: str) -> None:
    """Down or Up typed in the search field: the first Down highlights the first match."""
    choosable = _choosable(box)
    if not choosable:
        return
    if box.highlighted is None:
        box.highlighted = choosable[0] if key == "down" else choosable[-1]
    elif key == "down":
        box.action_cursor_down()
    else:
        box.action_cursor_up()


def chosen(box: OptionList) -> Option | None:
    """The highlighted match, or None."""
    if box.highlighted is None or not box.option_count:
        return None
    return box.get_option_at_index(box.highlighted)


from kiosk.widgets.folding import CHOSEN, fold  # noqa: E402 - ● before the chosen person's name (a staff or contact picker)

UNCHOSEN = "  "


def picker_options(rows: list[tuple[int, str]], chosen: int | None = None) -> list[Option]:
    """A picker's rows (never read as markup), the chosen one marked ●, the others spaced alike."""
    from textual.content import Content

    return [Option(Content((CHOSEN if i == chosen else UNCHOSEN) + text), id=str(i)) for i, text in rows]


def mark_chosen(box: OptionList, rows: list[tuple[int, str]], chosen: int) -> None:
    """Mark ``chosen`` (a row id) with ●, and only it; the highlight stays where it is."""
    for option in picker_options(rows, chosen):
        box.replace_option_prompt(option.id or "", option.prompt)
    if not box.has_focus:  # chosen with Enter, the form having moved on already: folded to it
        fold(box, True)


SEVERAL = "Several match: Down/Up to choose, then Enter."
