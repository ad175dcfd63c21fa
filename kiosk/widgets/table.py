"""The kiosk's tables: Textual's DataTable, without a race that left columns cut short.

DataTable measures its columns on the first idle after rows are added, but caches the
lines it draws under a counter that measuring does not change. When the screen
refreshes between the rows arriving and that idle (a busy machine, a timer), the
lines are drawn with the old, narrow widths and then kept: the DSL's feed could sit
showing "2026  conc  Ava P" until the cursor moved. Measuring now moves the counter
on, so the next frame draws the rows again at their real widths.

This reaches into DataTable's private state; textual is pinned to 8.2, and
tests/test_table.py shows the upstream behaviour, so an upgrade that fixes or changes
it fails that test rather than passing silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1  # the key of every render cache: drop lines drawn before measuring
        self.refresh()
