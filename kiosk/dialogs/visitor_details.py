"""What both visitor sign-in screens share: the details, their checks, the look-ups.

No widgets here. :func:`check_details` runs the domain's own line checks
(``models.visitors``) before anything is sent, so a visitor hears about an empty
name or a 500-character purpose on the form, not after accepting the rules; the
domain checks everything again when it signs the visitor in. The worker functions
return plain data (tuples, dicts), never model objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.config import VISITOR_TYPE_NAMES, VISITOR_TYPES, Settings, VisitorChecks

# Input boxes take more than any limit so over-long text is refused with a message,
# never silently cut short.
INPUT_MAX = 1000


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
    """A returning visitor offered by the type-ahead."""

    id: int
    name: str
    organisation: str
    visitor_type: str
    car_reg: str

    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


SUFFIXES = {
    "name": "name",
    "organisation": "organisation",
    "purpose": "purpose",
    "visiting": "visiting",
    "car_reg": "car",
}  # a detail's field -> the suffix of its input's id


def checks_for(settings: Settings, visitor_type: str) -> VisitorChecks:
    return settings.visitor_checks.get(visitor_type) or VisitorChecks()


def needs_office(settings: Settings, visitor_type: str) -> bool:
    """Self-service cannot sign this type in: the office must see ID or confirm DBS."""
    checks = checks_for(settings, visitor_type)
    return checks.id_seen or checks.dbs_assured


def type_name(visitor_type: str) -> str:
    return VISITOR_TYPE_NAMES.get(visitor_type, visitor_type)


def check_details(details: Details) -> tuple[str, str] | None:
    """The first problem with the details as (one-line message, field suffix), or None."""
    from models.visitors import DetailError, clean_details

    try:
        clean_details(
            name=details.name,
            organisation=details.organisation,
            purpose=details.purpose,
            visiting=details.visiting,
            car_reg=details.car_reg,
        )
    except DetailError as exc:
        return exc.message, SUFFIXES[exc.field]
    if details.visitor_type not in VISITOR_TYPES:
        return "Choose the kind of visitor (Down/Up, then Enter).", "type"
    return None


# ---------------------------------------------------------------- worker functions


def returning_visitors(prefix: str) -> list[Returning]:
    """Type-ahead: returning visitors whose name starts with ``prefix`` (3+ letters)."""
    from models.visitors import find_returning

    return [
        Returning(v.id, v.name, v.organisation, v.visitor_type, v.car_reg or "")
        for v in find_returning(prefix, limit=5)
    ]


def load_rules(settings: Settings):
    """The device rules the settings point at (a frozen DeviceRules: plain data)."""
    from models.rules import rules_for

    return rules_for(settings)


def local_time(utc: dt.datetime, settings: Settings) -> str:
    from models.clock import to_local

    return to_local(utc, settings.tz).strftime("%H:%M")
