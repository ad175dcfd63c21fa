"""Pupils' day marks (absent, no phone today) and the MIS attendance import: use cases
shared by the hand-in screen, the class checklist and ``kiosk attendance``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

# Who may see the names of the pupils with repeat breaches (the compliance screen and report).
NAMES_ROLES = frozenset({"leadership", "dsl", "headteacher"})


@dataclass(frozen=True, slots=True)
class MarkChoice:
    """A pupil not yet handed in today, offered for a mark (the hand-in screen's picker)."""

    admission_no: str
    line: str  # "Name · Class"


def mark_pupil(
    who: SignedIn, admission_no: str, mark: str, now: dt.datetime, reason: str | None = None, day: dt.date | None = None
) -> str:
    """Mark a pupil ``absent`` or ``no_phone`` today (or ``day``), or withdraw the mark in
    force (``withdrawn``, with a reason); the line to show."""
    from models.clock import local_day
    from models.errors import NotFound
    from models.school import attendance
    from models.store.tables import Pupil

    pupil: Any = Pupil.get_or_none(Pupil.admission_no == admission_no.strip())
    if pupil is None:
        raise NotFound(f"There is no pupil with admission number {admission_no.strip()[:20]}.")
    done = attendance.mark_day(staff_row(who), pupil.id, day or local_day(now), mark, reason=reason, now=now)
    return done.line


def not_handed_in(who: SignedIn, text: str, now: dt.datetime) -> tuple[MarkChoice, ...]:
    """Pupils matching ``text`` (name or admission number) whom this member of staff may mark:
    on roll, with a registered phone, not handed in today (their own classes, for a teacher)."""
    from models.clock import day_bounds, local_day
    from models.reports.phones import held_at
    from models.school.people import find_pupils
    from models.staff.auth import CLASS_SCOPED, PERMISSIONS, require, teaches
    from models.store.tables import Device

    staff = staff_row(who)
    require(staff, "mark_attendance")
    day = local_day(now)
    scoped = (who.roles & PERMISSIONS["mark_attendance"]) <= CLASS_SCOPED  # a teacher: their own classes
    found = [p for p in find_pupils(text, limit=40) if p.active]
    with_phone = {
        d.pupil_id
        for d in Device.select(Device.pupil).where(
            Device.pupil.in_([p.id for p in found]) & (Device.active == True)  # noqa: E712
        )
    }
    start, _ = day_bounds(day)
    held = set(held_at(start).values()) | _handed_today(day)
    out = []
    for p in found:
        if p.id not in with_phone or p.id in held:
            continue
        if scoped and not teaches(staff, p.school_class_id):
            continue
        out.append(MarkChoice(p.admission_no, f"{p.full_name} · {p.school_class.name}"))
    return tuple(out[:20])


def _handed_today(day: dt.date) -> set[int]:
    from models.clock import day_bounds
    from models.store.tables import CustodyEvent, Device

    start, end = day_bounds(day)
    undone = CustodyEvent.select(CustodyEvent.reverses).where(CustodyEvent.reverses.is_null(False))
    query: Any = (
        CustodyEvent.select(Device.pupil)
        .join(Device, on=(CustodyEvent.device == Device.id))
        .where(
            (CustodyEvent.kind == "handed_in")
            & (CustodyEvent.at >= start)
            & (CustodyEvent.at < end)
            & CustodyEvent.id.not_in(undone)
        )
        .tuples()
    )
    return {row[0] for row in query if row[0] is not None}


def read_attendance(path: str, today: dt.date) -> Any:
    """Parse an attendance CSV (models.school.attendance.parse_attendance); nothing written."""
    from models.school import attendance

    return attendance.parse_attendance(path, today=today)


def import_attendance(who: SignedIn, parsed: Any, now: dt.datetime) -> Any:
    """Apply a parsed attendance file (``import_attendance``: the office or the admin)."""
    from models.school import attendance

    return attendance.import_attendance(staff_row(who), parsed, now=now)


def may_see_names(who: SignedIn) -> bool:
    """Names of pupils with repeat breaches: leadership, the DSL and the headteacher only."""
    return bool(who.roles & NAMES_ROLES)
