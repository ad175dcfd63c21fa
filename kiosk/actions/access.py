"""Who may use the terminal: the admin's PIN that closes the kiosk.

(Signing in belongs here too.) These run before anyone is signed in, so they take no
``who``; ``models.staff.auth.authenticate`` checks the PIN, counts failures and slows down the
surface they were typed at.
"""

from __future__ import annotations

import datetime as dt

from kiosk.session import SignedIn


def check_admin_pin(username: str, pin: str, now: dt.datetime, surface: str) -> None:
    """Return when ``username`` is an admin and ``pin`` is theirs; refuse (AuthError) otherwise."""
    from models.staff.auth import authenticate

    # Only an admin's PIN is checked here; any other username gets the words of a wrong PIN,
    # and failures slow down only this surface (the visitor screen's), never an account.
    authenticate(username, pin, now=now, surface=surface, action="quit_kiosk")


def not_allowed(who: SignedIn, action: str) -> str:
    """The line a screen shows when the person signed in may not do ``action`` (their
    roles in brackets, unless their name already has a pair: "Mrs J Patel (office)")."""
    from models.staff.auth import not_allowed as words

    return words(who.display_name, who.roles, action)
