"""The kiosk's tables: a DataTable that never keeps rows drawn before its columns were
measured (see :class:`kiosk.textual_compat.RemeasuringDataTable`)."""

from __future__ import annotations

from kiosk.textual_compat import RemeasuringDataTable


class Table(RemeasuringDataTable):
    pass
