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
    from models.store.tables import Staff

    return Staff.get_by_id(who.id)
