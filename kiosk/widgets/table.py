"""The kiosk's tables: a DataTable that never keeps rows drawn before its columns were
measured (see :class:`kiosk.textual_compat.RemeasuringDataTable`), and text cut or padded
to a width in terminal cells."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from kiosk.textual_compat import RemeasuringDataTable


class Table(RemeasuringDataTable):
    pass


def cap(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, with "…" where it was cut.

    Cells, not characters: an emoji or a CJK character takes two, so counting with len()
    let a name with one in it push the columns after it out of line."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)).rstrip() + "…" if width > 0 else ""


def fit(text: str, width: int) -> str:
    """``text`` cut (see :func:`cap`) or padded with spaces to exactly ``width`` cells."""
    return set_cell_size(cap(text, width), width)
