"""What both visitor sign-in screens share: the details, their checks, the look-ups.

No widgets here. :func:`check_details` runs the domain's own line checks
(``models.visitors.visits``) before anything is sent, so a visitor hears about an empty
name or a 500-character purpose on the form, not after accepting the rules; the
domain checks everything again when it signs the visitor in. The look-ups the
screens run in workers (the returning visitors, the device rules) and the details'
dataclasses live in :mod:`kiosk.actions.visitors`.
"""

from __future__ import annotations

import datetime as dt

from kiosk.actions.visitors import Details
from models.config import VISITOR_TYPE_NAMES, VISITOR_TYPES, Settings, VisitorChecks

# Input boxes take more than any limit so over-long text is refused with a message,
# never silently cut short.
INPUT_MAX = 1000


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
    from models.visitors.visits import DetailError, clean_details

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


def local_time(utc: dt.datetime, settings: Settings) -> str:
    from models.clock import to_local

    return to_local(utc, settings.tz).strftime("%H:%M")
