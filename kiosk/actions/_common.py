"""What every area of the actions layer needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.store.tables import Staff


def staff_row(who: SignedIn) -> Staff:
    """The Staff row of the person signed in: call it in a worker thread.

    The one place the layer loads a member of staff; the domain's rules take the row.
    """
    from models.store.db import STORAGE_FAILURES, reset_if_disconnected, storage_error
    from models.store.tables import Staff

    try:
        return Staff.get_by_id(who.id)
    except STORAGE_FAILURES as exc:
        # As a write would: a lost connection (or a database gone read-only) is one plain
        # line, and the connection is dropped so that the next use case reconnects.
        reset_if_disconnected()
        raise storage_error(exc) from None
