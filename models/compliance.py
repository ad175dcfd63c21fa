"""Compliance at a glance: is the phone policy followed consistently?

For a range of local days: per class per school day, the pupils whose phone was
handed in set against the pupils with a registered phone, with pupils under an agreed
exception counted separately (neither expected nor counted as handed in); the last 30
school days as a series for a chart; and the phones not collected.

**School days** are weekdays (Monday to Friday) on which at least one phone was handed
in, plus the last day of the range when it is a weekday (so today shows before the
first scan). Holidays, INSET and closure days have no hand-ins and so are left out
rather than shown as 0 %, which would hide real lapses among false ones. A weekday
when the office scanned nothing at all is therefore also left out: the report says so
in its notes.

**Expected** on a day: active pupils with an active registered phone registered by
the end of that day, in the class they are in now (the roster keeps no history of
class moves or of pupils leaving: a pupil who has left is not counted on past days
either).

**Visitors not signed out**: visits that began on a day in the range and were not
signed out by the end of that local day (still signed in, or signed out on a later
day, e.g. by the office the next morning). Today's visits count only once today is
over: a visitor still in the building at 10:00 has not failed to sign out yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .clock import SCHOOL_TZ, day_bounds, local_day, to_local, utcnow
from .errors import ValidationError
from .exceptions import PUPIL, in_effect
from .reports import uncollected
from .tables import AgreedException, CustodyEvent, Device, Pupil, SchoolClass, Visit

CHART_DAYS = 30
MAX_RANGE_DAYS = 400
NOTES = (
    "School days are weekdays on which at least one phone was handed in (plus the last day of the range "
    "if a weekday); holidays and closures are left out.",
    "Pupils with an agreed exception are shown separately and are neither expected nor counted as handed in.",
    "Visitors not signed out: visits not signed out by the end of the day they began (today's count once "
    "today is over).",
)


@dataclass
class ComplianceReport:
    from_day: dt.date
    to_day: dt.date
    school_days: list[dt.date]
    class_days: list[dict[str, Any]]  # date, class, handed_in, expected, exceptions, rate
    daily: list[dict[str, Any]]  # per school day in the range, all classes
    last_30: list[dict[str, Any]]  # the 30 school days ending at to_day, all classes
    today: list[dict[str, Any]]  # per class on to_day
    not_collected: list[dict[str, Any]]
    visitors_not_signed_out: int | None = None
    visitors_not_signed_out_rows: list[dict[str, Any]] = field(default_factory=list)  # date, badge, name, ...
    notes: tuple[str, ...] = field(default=NOTES)

    @property
    def totals(self) -> dict[str, Any]:
        handed = sum(d["handed_in"] for d in self.daily)
        expected = sum(d["expected"] for d in self.daily)
        return {"handed_in": handed, "expected": expected, "rate": _rate(handed, expected),
                "school_days": len(self.school_days)}

    def as_dict(self) -> dict[str, Any]:
        def days(rows):
            return [{**r, "date": r["date"].isoformat()} for r in rows]

        return {
            "from": self.from_day.isoformat(), "to": self.to_day.isoformat(),
            "school_days": [d.isoformat() for d in self.school_days],
            "totals": self.totals, "today": days(self.today), "class_days": days(self.class_days),
            "daily": days(self.daily), "last_30_school_days": days(self.last_30),
            "not_collected": self.not_collected, "visitors_not_signed_out": self.visitors_not_signed_out,
            "visitors_not_signed_out_rows": self.visitors_not_signed_out_rows,
            "notes": list(self.notes),
        }


def _rate(handed: int, expected: int) -> float | None:
    return round(100.0 * handed / expected, 1) if expected else None


def _weekdays(a: dt.date, b: dt.date) -> list[dt.date]:
    out, d = [], a
    while d <= b:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


class _Ledger:
    """Hand-ins, phones and exceptions over a span of days, read once."""

    def __init__(self, first: dt.date, last: dt.date, tz) -> None:
        self.tz = tz
        start, _ = day_bounds(first, tz)
        _, end = day_bounds(last, tz)
        reversed_ids = CustodyEvent.select(CustodyEvent.reverses).where(
            (CustodyEvent.kind == "reversal") & (CustodyEvent.at >= start)
        )
        self.handed: dict[dt.date, set[int]] = {}
        self.active_days: set[dt.date] = set()
        for at, pupil_id in (
            CustodyEvent.select(CustodyEvent.at, Device.pupil)
            .join(Device, on=(CustodyEvent.device == Device.id))
            .where(
                (CustodyEvent.kind == "handed_in") & (CustodyEvent.at >= start) & (CustodyEvent.at < end)
                & CustodyEvent.id.not_in(reversed_ids)
            )
            .tuples()
        ):
            day = to_local(at, tz).date()
            self.active_days.add(day)
            if pupil_id is not None:
                self.handed.setdefault(day, set()).add(pupil_id)
        # pupil -> (class name, first registration of a current phone)
        self.phones: dict[int, tuple[str, dt.datetime]] = {}
        for pupil_id, class_name, registered in (
            Device.select(Device.pupil, SchoolClass.name, Device.registered_at)
            .join(Pupil, on=(Device.pupil == Pupil.id))
            .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
            .where((Device.active == True) & (Pupil.active == True))  # noqa: E712
            .tuples()
        ):
            seen = self.phones.get(pupil_id)
            if seen is None or registered < seen[1]:
                self.phones[pupil_id] = (class_name, registered)
        self.classes = sorted({c for c, _ in self.phones.values()})
        self.exceptions = list(
            AgreedException.select().where(
                (AgreedException.subject_kind == PUPIL) & (AgreedException.starts_on <= last)
                & (AgreedException.ends_on >= first)
            )
        )

    def excepted(self, day: dt.date) -> set[int]:
        return {e.pupil_id for e in self.exceptions if in_effect(e, day)}

    def by_class(self, day: dt.date) -> list[dict[str, Any]]:
        _, end = day_bounds(day, self.tz)
        excepted = self.excepted(day)
        handed = self.handed.get(day, set())
        counts = {c: {"handed_in": 0, "expected": 0, "exceptions": 0} for c in self.classes}
        for pupil_id, (class_name, registered) in self.phones.items():
            if registered >= end:
                continue
            row = counts[class_name]
            if pupil_id in excepted:
                row["exceptions"] += 1
            else:
                row["expected"] += 1
                row["handed_in"] += pupil_id in handed
        return [
            {"date": day, "class": c, **n, "rate": _rate(n["handed_in"], n["expected"])}
            for c, n in counts.items()
        ]

    def school_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = [d for d in _weekdays(first, last) if d in self.active_days]
        if last.weekday() < 5 and (not days or days[-1] != last):
            days.append(last)
        return days


def visitors_not_signed_out(from_day: dt.date, to_day: dt.date, *, now: dt.datetime, tz=SCHOOL_TZ) -> list[dict[str, Any]]:
    """Visits begun on a local day in the range and not signed out by that day's end (see the module).

    One row per visit, oldest first: date, badge, name, organisation, type, signed_in
    (local HH:MM) and signed_out (local "YYYY-MM-DD HH:MM", or "" while still signed in).
    """
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    rows = []
    query = Visit.select().where((Visit.signed_in_at >= start) & (Visit.signed_in_at < end)).order_by(
        Visit.signed_in_at, Visit.id)
    for v in query:
        day = to_local(v.signed_in_at, tz).date()
        _, day_end = day_bounds(day, tz)
        if now < day_end:
            continue  # the day is not over yet
        if v.signed_out_at is not None and v.signed_out_at < day_end:
            continue
        rows.append({
            "date": day.isoformat(), "badge": v.badge_number, "name": v.name, "organisation": v.organisation,
            "type": v.visitor_type, "signed_in": to_local(v.signed_in_at, tz).strftime("%H:%M"),
            "signed_out": to_local(v.signed_out_at, tz).strftime("%Y-%m-%d %H:%M") if v.signed_out_at else "",
        })
    return rows


def _total(day: dt.date, rows: list[dict[str, Any]]) -> dict[str, Any]:
    handed = sum(r["handed_in"] for r in rows)
    expected = sum(r["expected"] for r in rows)
    return {"date": day, "handed_in": handed, "expected": expected,
            "exceptions": sum(r["exceptions"] for r in rows), "rate": _rate(handed, expected)}


def _chart_start(to_day: dt.date, tz) -> dt.date:
    """The first day of the window in which to find the last 30 school days."""
    first_event = CustodyEvent.select(CustodyEvent.at).order_by(CustodyEvent.at).first()
    earliest = to_local(first_event.at, tz).date() if first_event else to_day
    # 30 school days fit in 30 weeks even with every holiday of a school year between.
    return max(earliest, to_day - dt.timedelta(weeks=CHART_DAYS))


def compliance(
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
) -> ComplianceReport:
    """The compliance figures for ``from_day``..``to_day`` (local, inclusive).

    Defaults: ``to_day`` is today; ``from_day`` is the first of the last 30 school days.
    """
    now = now or utcnow()
    to_day = to_day or local_day(now, tz)
    chart_first = _chart_start(to_day, tz)
    if from_day is not None and from_day > to_day:
        raise ValidationError("The start date is after the end date.")
    if from_day is not None and (to_day - from_day).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Give a range of at most {MAX_RANGE_DAYS} days.")
    first = min(chart_first, from_day) if from_day else chart_first
    ledger = _Ledger(first, to_day, tz)
    chart_days = ledger.school_days(chart_first, to_day)[-CHART_DAYS:]
    if from_day is None:
        from_day = chart_days[0] if chart_days else to_day
    days = ledger.school_days(from_day, to_day)
    per_day = {d: ledger.by_class(d) for d in sorted(set(days) | set(chart_days))}
    class_days = [row for d in days for row in per_day[d]]
    today = per_day[to_day] if to_day in per_day else ledger.by_class(to_day)
    late = visitors_not_signed_out(from_day, to_day, now=now, tz=tz)
    return ComplianceReport(
        from_day=from_day, to_day=to_day, school_days=days, class_days=class_days,
        daily=[_total(d, per_day[d]) for d in days],
        last_30=[_total(d, per_day[d]) for d in chart_days],
        today=today, not_collected=uncollected(now, tz),
        visitors_not_signed_out=len(late), visitors_not_signed_out_rows=late,
    )


def chart(rows: list[dict[str, Any]], width: int = 40) -> list[str]:
    """A plain-text bar chart of daily hand-in rates: one line per school day."""
    lines = []
    for r in rows:
        rate = r["rate"]
        bar = "#" * round((rate or 0) * width / 100)
        figure = "  n/a" if rate is None else f"{rate:5.1f}%"
        lines.append(f"{r['date'].isoformat()} {r['date'].strftime('%a')} {figure} {bar.ljust(width)} "
                     f"{r['handed_in']}/{r['expected']}" + (f" +{r['exceptions']} exc." if r["exceptions"] else ""))
    return lines
