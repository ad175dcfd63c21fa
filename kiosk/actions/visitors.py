"""Visitors: the office's list, signing in and out, phones, slips, the roll call, concerns.

The office's use cases take the member of staff signed in (:class:`SignedIn`) first and
check their permission here as the screen did; the domain (``models.visitors``) checks
everything again. The public self-service screen's use cases (``public_*``) take no
person: nobody is signed in there, and the domain allows a visitor only their own slip.
The printer is passed as the plain value the screen was given (a spec or URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.config import Settings
    from models.rules import DeviceRules


# ---------------------------------------------------------------- plain data


@dataclass(frozen=True)
class Details:
    """A visitor's details as typed (trimmed by the domain)."""

    name: str
    organisation: str
    visitor_type: str
    purpose: str
    visiting: str
    car_reg: str = ""
    visitor_id: int | None = None  # a returning visitor picked from the type-ahead


@dataclass(frozen=True)
class Returning:
    """A returning visitor offered by the type-ahead (or found by an old slip)."""

    id: int
    name: str
    organisation: str
    visitor_type: str
    car_reg: str

    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


@dataclass(frozen=True)
class StaffSignIn:
    """What the office's sign-in dialog gathered: the details and the checks made."""

    details: Details
    phone: str
    rules_accepted: bool
    id_seen: bool
    dbs_assured: bool | None  # None: not asked for this type and not ticked
    dbs_confirmed_by: str
    supervised: bool


# ---------------------------------------------------------------- shared look-ups


def device_rules(settings: Settings) -> DeviceRules:
    """The device rules the settings point at (a frozen DeviceRules: plain data)."""
    from models.rules import rules_for

    return rules_for(settings)


def returning_visitors(prefix: str) -> list[Returning]:
    """Type-ahead: returning visitors with a word of their name (or the name) starting with ``prefix``."""
    from models.visitors import find_returning

    typed = " ".join(prefix.split()).casefold()
    if len(typed) < 3:
        return []
    found = [
        Returning(v.id, v.name, v.organisation, v.visitor_type, v.car_reg or "")
        for v in find_returning(prefix, limit=5)
    ]
    return [r for r in found if any(w.startswith(typed) for w in [r.name.casefold(), *r.name.casefold().split()])]
