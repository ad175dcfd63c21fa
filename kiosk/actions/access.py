"""Who may use the terminal: the admin's PIN that closes the kiosk.

(Signing in belongs here too.) These run before anyone is signed in, so they take no
``who``; ``models.staff.auth.authenticate`` checks the PIN, counts failures and slows down the
surface they were typed at.
"""

from __future__ import annotations

import datetime as dt


def check_admin_pin(username: str, pin: str, now: dt.datetime, surface: str) -> None:
    """Return when ``username`` is an admin and ``pin`` is theirs; refuse (AuthError) otherwise."""
    from models.staff.auth import authenticate

    # Only an admin's PIN is checked here; any other username gets the words of a wrong PIN,
    # and failures slow down only this surface (the visitor screen's), never an account.
    authenticate(username, pin, now=now, surface=surface, action="quit_kiosk")
