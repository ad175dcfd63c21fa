"""Compliance at a glance: is the phone policy followed consistently?

For a range of local days: per class per school day, the pupils whose phone was
handed in set against the pupils with a registered phone, with pupils under an agreed
exception counted separately (neither expected nor counted as handed in); the last 30
school days as a series for a chart; and the phones not collected: held now, for a range
that ends today; for a range wholly in the past, those still held at the end of each of its
school days, read from the ledger (not today's, which would answer another question).

**School days** are weekdays (Monday to Friday) on which at least one phone was handed
in, the range's last day like any other: today is one once its first phone is handed in
(before that, its per-class table shows, apart from the figures). Holidays, INSET and
closure days have no hand-ins and so are left out rather than shown as 0 %, which would
hide real lapses among false ones. A weekday when the office scanned nothing at all is
therefore also left out, even if phones kept from the day before count as handed in on
it: the report says so in its notes. The trust's compliance and the governors' figures
count the same days (:meth:`_Ledger.school_days`).

**Expected** on a day: active pupils with an active registered phone registered by
the end of that day, in the class they are in now (the roster keeps no history of
class moves or of pupils leaving: a pupil who has left is not counted on past days
either).

Consistency means every phone brought in was handed in. **Counted** on a day: those
expected less the pupils marked absent or "no phone today" (models.school.attendance)
and the pupils under an agreed exception (each shown beside the figures). A pupil whose
phone was handed in that day, or was still held by the school when the day began (kept
overnight, or confiscated and not yet collected), counts as handed in, whatever mark
they have: the hand-in wins.

**Breaches** (:func:`breaches`): confiscations of pupils' phones in the range, per class,
and the pupils with two or more (repeat breaches). :func:`is_breach` is the one rule of
what counts: every confiscation, but one for child protection or suspected nude images
(a safeguarding step: the pupil may be the one harmed).

**Visitors not signed out**: visits that began on a day in the range and were not
signed out by the end of that local day (still signed in, or signed out on a later
day, e.g. by the office the next morning). Today's visits count only once today is
over: a visitor still in the building at 10:00 has not failed to sign out yet.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from peewee import JOIN, SqliteDatabase, fn

from models.audit.chain import PURGE_ACTION
from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, day_bounds, local_day, to_local, utcnow
from models.custody.ledger import CONFISCATED_EV, HANDED_IN, NUDE_IMAGES, REVERSAL
from models.errors import StorageError, ValidationError
from models.policy.agreed import PUPIL, in_effect
from models.reports.phones import (
    _GIVES_BACK,
    _HOLDS,
    _NEUTRAL,
    MARK_ABSENT,
    MARK_NO_PHONE,
    UncollectedPhone,
    held_count,
    marks_in_force,
    not_collected_on,
    uncollected,
)
from models.reports.phones import held_at as _held_at
from models.store import compiled
from models.store.db import db
from models.store.tables import (
    AgreedException,
    AuditEntry,
    AuditHead,
    ComplianceDay,
    ComplianceMark,
    CustodyEvent,
    Device,
    Pupil,
    SchoolClass,
    Visit,
)

CHART_DAYS = 30
MAX_RANGE_DAYS = 400
NOTES = (
    "School days are weekdays on which at least one phone was handed in (today too, once its first phone "
    "is in); holidays and closures are left out.",
    "Pupils with an agreed exception are shown separately and are neither expected nor counted as handed in.",
    "Expected: pupils in school with a phone. Pupils marked absent or 'no phone today' are left out (one who "
    "hands a phone in counts as handed in); a phone still held from the day before counts as handed in.",
    "Breaches: confiscations of pupils' phones in the period, per class; repeat: a pupil with 2 or more.",
    "Visitors not signed out: visits not signed out by the end of the day they began (today's count once "
    "today is over).",
)


@dataclass(frozen=True, slots=True)
class ClassDay:
    """One class on one school day: phones handed in against pupils expected to hand one in."""

    date: dt.date
    class_name: str
    handed_in: int
    expected: int  # pupils with a registered phone, less those under an agreed exception
    exceptions: int  # pupils under an agreed exception who keep their phone (one who hands it in counts as usual)
    rate: float | None  # percent, one decimal; None when nobody is expected
    absent: int = 0  # pupils with a phone marked absent (and no hand-in): not expected
    no_phone: int = 0  # pupils in school marked "no phone today" (and no hand-in): not expected

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "class": self.class_name,
            "handed_in": self.handed_in,
            "expected": self.expected,
            "exceptions": self.exceptions,
            "absent": self.absent,
            "no_phone": self.no_phone,
            "rate": self.rate,
        }


def _setters(cls: type) -> tuple[Any, ...]:
    """The slot setters of a frozen dataclass, in field order: :func:`_class_day` makes its
    rows with them (the generated ``__init__`` of a frozen class costs several times more, and a
    report of a term is ten thousand rows)."""
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


_CLASS_DAY_SET = _setters(ClassDay)
assert [f.name for f in fields(ClassDay)] == [
    "date", "class_name", "handed_in", "expected", "exceptions", "rate", "absent", "no_phone"
]  # fmt: skip


def _class_day(
    day: dt.date,
    class_name: str,
    handed_in: int,
    expected: int,
    exceptions: int,
    rate: float | None,
    absent: int,
    no_phone: int,
    _new: Any = object.__new__,
    _set: tuple[Any, ...] = _CLASS_DAY_SET,
) -> ClassDay:
    """``ClassDay(day, class_name, ...)``, the same row (equal, hashed alike), made faster."""
    row = _new(ClassDay)
    _set[0](row, day)
    _set[1](row, class_name)
    _set[2](row, handed_in)
    _set[3](row, expected)
    _set[4](row, exceptions)
    _set[5](row, rate)
    _set[6](row, absent)
    _set[7](row, no_phone)
    return row


@dataclass(frozen=True, slots=True)
class DayTotal:
    """One school day, all classes together (as :class:`ClassDay`)."""

    date: dt.date
    handed_in: int
    expected: int
    exceptions: int
    rate: float | None
    absent: int = 0
    no_phone: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "handed_in": self.handed_in,
            "expected": self.expected,
            "exceptions": self.exceptions,
            "absent": self.absent,
            "no_phone": self.no_phone,
            "rate": self.rate,
        }


@dataclass(frozen=True, slots=True)
class Totals:
    """The whole range: phones handed in against phones expected, over its school days."""

    handed_in: int
    expected: int
    rate: float | None
    school_days: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "handed_in": self.handed_in,
            "expected": self.expected,
            "rate": self.rate,
            "school_days": self.school_days,
        }


@dataclass(frozen=True, slots=True)
class LateVisitor:
    """A visit not signed out by the end of the local day it began (:func:`visitors_not_signed_out`)."""

    date: dt.date  # the local day the visit began
    badge: str
    name: str
    organisation: str
    visitor_type: str  # models.config.VISITOR_TYPES
    signed_in: dt.datetime  # local
    signed_out: dt.datetime | None  # local; None while still signed in

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "badge": self.badge,
            "name": self.name,
            "organisation": self.organisation,
            "type": self.visitor_type,
            "signed_in": self.signed_in.strftime("%H:%M"),
            "signed_out": self.signed_out.strftime("%Y-%m-%d %H:%M") if self.signed_out else "",
        }


@dataclass(frozen=True, slots=True)
class ClassBreaches:
    """A class's breaches in the period (:func:`breaches`)."""

    class_name: str
    breaches: int  # confiscations of the class's pupils' phones (not undone)
    pupils: int  # how many pupils they were

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.class_name, "breaches": self.breaches, "pupils": self.pupils}


@dataclass(frozen=True, slots=True)
class RepeatBreach:
    """A pupil with :data:`REPEAT_AT` or more breaches in the period."""

    pupil_id: int
    name: str  # "" when the reader may not see names (kiosk.actions withholds them)
    class_name: str
    breaches: int
    last: dt.date  # local day of the latest

    def to_dict(self) -> dict[str, Any]:
        return {
            "pupil_id": self.pupil_id,
            "name": self.name,
            "class": self.class_name,
            "breaches": self.breaches,
            "last": self.last.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Breaches:
    """Breaches of the phone policy (confiscations for use on site) over a range of days."""

    from_day: dt.date
    to_day: dt.date
    per_class: tuple[ClassBreaches, ...]  # every class with a breach, by name
    repeat: tuple[RepeatBreach, ...]  # most breaches first, then by class and name

    @property
    def total(self) -> int:
        return sum(c.breaches for c in self.per_class)

    def without_names(self) -> Breaches:
        return replace(self, repeat=tuple(replace(r, name="") for r in self.repeat))

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_day.isoformat(),
            "to": self.to_day.isoformat(),
            "total": self.total,
            "per_class": [c.to_dict() for c in self.per_class],
            "repeat": [r.to_dict() for r in self.repeat],
        }


REPEAT_AT = 2  # breaches in the period that make a pupil a repeat


# Confiscations that are safeguarding steps, not breaches of the phone policy: the pupil may
# be the one harmed (a phone taken for child protection, or for suspected nude images, is
# referred to the DSL: online safety 11.1.1). Counting them showed a likely victim to the
# governors as a repeat breacher (issue 15 walk).
NOT_BREACHES = frozenset({"child_protection", NUDE_IMAGES})


def is_breach(kind: str, reason_category: str | None = None) -> bool:
    """Whether a custody event counts as a breach: a confiscation of a pupil's phone, but
    not one for child protection or suspected nude images (:data:`NOT_BREACHES`)."""
    return kind == CONFISCATED_EV and reason_category not in NOT_BREACHES


def breaches(from_day: dt.date, to_day: dt.date, *, tz=SCHOOL_TZ) -> Breaches:
    """Confiscations of pupils' phones (not undone) on local days ``from_day``..``to_day``:
    per class (the pupil's class now), and the pupils with :data:`REPEAT_AT` or more."""
    query = _breach_query(
        from_day, to_day, tz, CustodyEvent.at, Pupil.id, Pupil.first_name, Pupil.last_name, SchoolClass.name
    )
    per_class: dict[str, list[int]] = {}
    per_pupil: dict[int, list[Any]] = {}
    for kind, category, at, pupil_id, first, last, class_name in query.iterator():
        if not is_breach(kind, category):
            continue
        per_class.setdefault(class_name, []).append(pupil_id)
        day = to_local(_naive(at), tz).date()
        seen = per_pupil.setdefault(pupil_id, [f"{first} {last}", class_name, 0, day])
        seen[2] += 1
        seen[3] = max(seen[3], day)
    repeat = sorted(
        (RepeatBreach(p, name, c, n, last) for p, (name, c, n, last) in per_pupil.items() if n >= REPEAT_AT),
        key=lambda r: (-r.breaches, r.class_name, r.name),
    )
    return Breaches(
        from_day,
        to_day,
        tuple(ClassBreaches(c, len(ids), len(set(ids))) for c, ids in sorted(per_class.items())),
        tuple(repeat),
    )


def breach_count(from_day: dt.date, to_day: dt.date, *, tz=SCHOOL_TZ) -> int:
    """``breaches(from_day, to_day).total``, counted without reading the pupils."""
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    rows = compiled.execute(
        ("breach kinds and categories", start, end), lambda: _breach_query(from_day, to_day, tz)
    ).fetchall()
    return sum(1 for kind, category in rows if is_breach(kind, category))


def _breach_query(from_day: dt.date, to_day: dt.date, tz, *columns: Any) -> Any:
    """Confiscations (not undone) of pupils' phones in the range: the kind and reason
    category (for :func:`is_breach`), then ``columns``."""
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    undone = CustodyEvent.alias()
    return (
        CustodyEvent.select(CustodyEvent.kind, CustodyEvent.category, *columns)
        .join(Device, on=(CustodyEvent.device == Device.id))
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .where(
            (CustodyEvent.kind == CONFISCATED_EV)
            & (CustodyEvent.at >= start)
            & (CustodyEvent.at < end)
            & ~fn.EXISTS(undone.select(undone.id).where(undone.reverses == CustodyEvent.id))
        )
        .tuples()
    )


@dataclass(frozen=True)
class ComplianceReport:
    from_day: dt.date
    to_day: dt.date
    school_days: list[dt.date]
    class_days: list[ClassDay]
    daily: list[DayTotal]  # per school day in the range, all classes
    last_30: list[DayTotal]  # the 30 school days ending at to_day, all classes
    today: list[ClassDay]  # per class on to_day
    not_collected: list[UncollectedPhone]
    visitors_not_signed_out: int | None = None
    visitors_not_signed_out_rows: list[LateVisitor] = field(default_factory=list)
    notes: tuple[str, ...] = field(default=NOTES)
    breaches: Breaches | None = None  # over from_day..to_day
    # The range ends today: ``not_collected`` is the phones held now (today is not over). A
    # range wholly in the past: the phones still held at the end of each of its school days,
    # one row per phone per day, from the ledger (models.reports.phones.not_collected_on).
    ends_today: bool = True

    @property
    def totals(self) -> Totals:
        handed = sum(d.handed_in for d in self.daily)
        expected = sum(d.expected for d in self.daily)
        return Totals(handed, expected, _rate(handed, expected), len(self.school_days))

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_day.isoformat(),
            "to": self.to_day.isoformat(),
            "school_days": [d.isoformat() for d in self.school_days],
            "totals": self.totals.to_dict(),
            "today": [r.to_dict() for r in self.today],
            "class_days": [r.to_dict() for r in self.class_days],
            "daily": [r.to_dict() for r in self.daily],
            "last_30_school_days": [r.to_dict() for r in self.last_30],
            "not_collected_when": "now" if self.ends_today else "end_of_each_school_day",
            "not_collected": [
                {**r.to_dict(), "date": r.day.isoformat() if r.day else None} for r in self.not_collected
            ],
            "visitors_not_signed_out": self.visitors_not_signed_out,
            "visitors_not_signed_out_rows": [r.to_dict() for r in self.visitors_not_signed_out_rows],
            "breaches": self.breaches.to_dict() if self.breaches is not None else None,
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


def _days_with_bounds(days: list[dt.date], tz) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    return [(d, *day_bounds(d, tz)) for d in days]


def _scan(days: list[dt.date], tz) -> dict[dt.date, tuple[bool, int]]:
    """From the ledger: per local day, (any hand-in at all, bitmap of pupils counted as handed in).

    A pupil counts as handed in on a day when their phone was handed in that day (a hand-in
    undone later does not count), or when the school already held it as the day began:
    kept overnight, or longer (confiscated and not yet collected). One read of the phones
    held as each run of nearby days begins, then the run's events in order.
    """
    out: dict[dt.date, tuple[bool, int]] = {}
    if not days:
        return out
    runs: list[list[dt.date]] = [[days[0]]]
    for d in days[1:]:
        if (d - runs[-1][-1]).days <= 3:
            runs[-1].append(d)
        else:
            runs.append([d])
    undone = CustodyEvent.alias()
    for run in runs:
        bounds = _days_with_bounds(run, tz)
        run_start, run_end = bounds[0][1], bounds[-1][2]
        query = (
            CustodyEvent.select(CustodyEvent.at, CustodyEvent.kind, CustodyEvent.device, Device.pupil)
            .join(Device, on=(CustodyEvent.device == Device.id))
            .where(
                (CustodyEvent.at >= run_start)
                & (CustodyEvent.at < run_end)
                & (CustodyEvent.kind != REVERSAL)
                & ~fn.EXISTS(undone.select(undone.id).where(undone.reverses == CustodyEvent.id))
            )
            .order_by(CustodyEvent.at, CustodyEvent.id)
            .tuples()
        )
        # Raw rows (SQLite gives text times): a school day is thousands of hand-ins.
        rows = db.execute(query).fetchall()
        if CustodyEvent.select(CustodyEvent.id).where(CustodyEvent.at >= run_end).exists():
            held = _held_at(run_start)
        else:  # nothing after the run (today, most often): its rows are every event since it began
            neutral = _NEUTRAL
            held = _held_at(run_start, {r[2]: r[1] for r in reversed(rows) if r[1] not in neutral})
        i, last = 0, len(bounds) - 1
        for j, (day, start, end) in enumerate(bounds):
            while i < len(rows) and _naive(rows[i][0]) < start:  # a weekend between two days of the run
                _step(held, rows[i])
                i += 1
            pupils = set(held.values())
            active = False
            if j == last:  # the rest are this day's (the query ends with it), and no day follows to step into
                for _, kind, _, pupil_id in rows[i:]:
                    if kind == HANDED_IN:
                        active = True
                        if pupil_id is not None:
                            pupils.add(pupil_id)
            else:
                while i < len(rows) and _naive(rows[i][0]) < end:
                    if rows[i][1] == HANDED_IN:
                        active = True
                        if rows[i][3] is not None:
                            pupils.add(rows[i][3])
                    _step(held, rows[i])
                    i += 1
            out[day] = (active, _bitmap(pupils))
    return out


def _naive(at: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(at) if isinstance(at, str) else at


def _step(held: dict[int, int], row: tuple) -> None:
    _, kind, device_id, pupil_id = row
    if pupil_id is None:
        return  # a visitor's phone
    if kind in _HOLDS:
        held[device_id] = pupil_id
    elif kind in _GIVES_BACK:
        held.pop(device_id, None)


def _bitmap(ids: Iterable[int]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    buf = bytearray(max(ids) // 8 + 1)
    for i in ids:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def _blob(mask: int) -> bytes:
    return mask.to_bytes((mask.bit_length() + 7) // 8, "little")


_MARK_ID = 1
_FEW_LEFT_OUT = 64  # above this many pupils left out of a day, every class is counted from the bitmaps
_WIPING_ACTIONS = (PURGE_ACTION, "records.erase")  # they delete ledger rows


# Days not over yet, as read from the ledger at an audit head: (ledger, tz, day) ->
# (any hand-in, pupils' bitmap). In memory only, never a record; a few schools' today.
_open_days: dict[tuple, tuple[bool, int]] = {}
_OPEN_DAYS_KEPT = 64
_open_lock = threading.Lock()


def _audit_head() -> int:
    head = AuditHead.select(AuditHead.seq).order_by(AuditHead.id).first()
    return head.seq if head else 0


def _head_and_mark() -> tuple[int, int | None, tuple | None]:
    """The audit head's seq, the cache's mark (None: no mark) and what identifies the
    ledger as it is now (the database, the school's schema, the head's seq and hash), in
    one round trip."""
    p = db.param
    schema = "NULL" if isinstance(db.obj, SqliteDatabase) else "current_schema()"
    head_table = AuditHead._meta.table_name
    sql = (
        f"SELECT (SELECT seq FROM {head_table} ORDER BY id LIMIT 1), "
        f"(SELECT hash FROM {head_table} ORDER BY id LIMIT 1), "
        f"(SELECT audit_seq FROM {ComplianceMark._meta.table_name} WHERE id = {p}), {schema}"
    )
    head, digest, mark, where = db.execute_sql(sql, (_MARK_ID,)).fetchone()
    ledger = (db.obj.database, where, head, digest) if digest else None
    return head or 0, mark, ledger


def _refresh_cache(tz) -> tuple[int | None, tuple | None]:
    """Drop cached days that events since the last check touch; return the new mark.

    Every ledger row carries the audit seq of its entry, and the audit seq grows under
    the single write lock, so "events with a seq above the mark" are exactly the events
    written since. An event touches its own day and every later day (a phone the school
    holds as a day begins counts as handed in that day); a reversal touches the days from
    that of the event it undoes (however much later it is made); a back-dated event those
    from the day it is dated. A purge or an erasure deletes ledger rows: the whole cache goes.
    Returns None when the cache cannot be written (read-only database, say), with what
    identifies the ledger as it was read (:func:`_head_and_mark`).
    """
    head, mark, ledger = _head_and_mark()
    if mark is not None and mark == head:
        return mark, ledger
    try:
        with write_tx():
            head = _audit_head()
            mark_row = ComplianceMark.get_or_none(ComplianceMark.id == _MARK_ID)
            mark = mark_row.audit_seq if mark_row else 0
            wiped = (
                mark_row is None
                or head < mark
                or AuditEntry.select().where((AuditEntry.seq > mark) & AuditEntry.action.in_(_WIPING_ACTIONS)).exists()
            )
            if wiped:
                ComplianceDay.delete().execute()
            else:
                # An event changes its own day and every later one (a phone held as a day
                # begins counts as handed in); an undo changes the days from the undone event's.
                undone = CustodyEvent.alias()
                first = None
                for kind, at, undone_at in (
                    CustodyEvent.select(CustodyEvent.kind, CustodyEvent.at, undone.at)
                    .join(undone, JOIN.LEFT_OUTER, on=(CustodyEvent.reverses == undone.id))
                    .where(CustodyEvent.audit_seq > mark)
                    .tuples()
                    .iterator()
                ):
                    when = undone_at if kind == REVERSAL else at
                    if when is not None:
                        day = to_local(when, tz).date()
                        first = day if first is None or day < first else first
                if first is not None:
                    ComplianceDay.delete().where(ComplianceDay.day >= first).execute()
            ComplianceMark.insert(id=_MARK_ID, audit_seq=head).on_conflict(
                conflict_target=[ComplianceMark.id], update={ComplianceMark.audit_seq: head}
            ).execute()
            return head, ledger
    except StorageError:
        return None, ledger


def cache_problems(tz=SCHOOL_TZ) -> list[str]:
    """Each cached day that a replay of the ledger does not give (for ``kiosk audit verify``):
    the cache is a projection, not bound into the audit log, so it is checked by replay."""
    cached: dict[dt.date, tuple[bool, int]] = {}
    for d, active, pupils in (
        ComplianceDay.select(ComplianceDay.day, ComplianceDay.active, ComplianceDay.pupils).tuples().iterator()
    ):
        day = dt.date.fromisoformat(d) if isinstance(d, str) else d
        try:
            cached[day] = (bool(active), int.from_bytes(bytes(pupils or b""), "little"))
        except (TypeError, ValueError):
            cached[day] = (bool(active), -1)  # unreadable: never equal to a replay
    replay = _scan(sorted(cached), tz)
    return [
        f"Table compliance_day: the cached count for {day.isoformat()} does not match the ledger "
        "(edited outside the kiosk): the compliance report would show it wrongly."
        for day in sorted(cached)
        if replay.get(day) != cached[day]
    ]


def handed_in_by_day(
    days: list[dt.date], *, now: dt.datetime, tz=SCHOOL_TZ, cache: bool = True
) -> dict[dt.date, tuple[bool, int]]:
    """Per local day: (any phone handed in, bitmap of pupil ids handed in and not undone).

    Days whose end has passed (by ``now``) are kept in :class:`ComplianceDay` and read
    from there; the others are read from the ledger each time. ``cache=False`` reads
    everything from the ledger (for tests that compare the two).
    """
    days = sorted(set(days))
    if not days:
        return {}
    if not cache:
        return _scan(days, tz)
    mark, ledger = _refresh_cache(tz)
    out: dict[dt.date, tuple[bool, int]] = {}
    if mark is not None:
        for d, active, pupils in compiled.execute(
            ("cached days", days[0], days[-1]),
            lambda: ComplianceDay.select(ComplianceDay.day, ComplianceDay.active, ComplianceDay.pupils).where(
                (ComplianceDay.day >= days[0]) & (ComplianceDay.day <= days[-1])
            ),
        ).fetchall():
            if isinstance(d, str):
                d = dt.date.fromisoformat(d)
            out[d] = (bool(active), int.from_bytes(bytes(pupils), "little"))
    missing = [d for d in days if d not in out]
    closed = [d for d in missing if day_bounds(d, tz)[1] <= now]
    # A day not over yet (today) is read from the ledger, unless it was read at this same
    # audit head: every change the kiosk makes moves the head, in the same transaction.
    remembered = {
        d: _open_days[ledger, str(tz), d]
        for d in missing
        if ledger is not None and d not in closed and (ledger, str(tz), d) in _open_days
    }
    fresh = _scan([d for d in missing if d not in remembered], tz)
    if ledger is not None:
        with _open_lock:
            for d in fresh:
                if d not in closed:
                    if len(_open_days) >= _OPEN_DAYS_KEPT:
                        _open_days.clear()
                    _open_days[ledger, str(tz), d] = fresh[d]
    fresh.update(remembered)
    out.update(fresh)
    if mark is not None and closed:
        try:
            with write_tx():
                # Only if no one moved the mark meanwhile: what we read is then still current
                # (anything written since has a seq above the mark and is checked next time).
                row = ComplianceMark.get_or_none(ComplianceMark.id == _MARK_ID)
                if row is not None and row.audit_seq == mark:
                    have = {r.day for r in ComplianceDay.select(ComplianceDay.day).where(ComplianceDay.day.in_(closed))}
                    ComplianceDay.insert_many(
                        [
                            {"day": d, "active": fresh[d][0], "pupils": _blob(fresh[d][1])}
                            for d in closed
                            if d not in have
                        ]
                    ).execute() if len(have) < len(closed) else None
        except StorageError:
            pass
    return {d: out[d] for d in days}


@dataclass
class _Roster:
    """Who is expected: every pupil with a current phone, by class, as bitmaps."""

    classes: list[str]
    masks: dict[str, int]  # class -> bitmap of its pupils with a phone
    sizes: dict[str, int]
    class_of: dict[int, str]  # pupil id -> class
    everyone: int
    registered: list[dt.datetime]  # first registration of each pupil's current phone, ascending
    pupils_by_registration: list[int]
    _late: dict[int, int] = field(default_factory=dict)

    def late(self, end: dt.datetime) -> int:
        """Bitmap of pupils whose first current phone was registered at or after ``end``."""
        i = bisect_left(self.registered, end)
        mask = self._late.get(i)
        if mask is None:
            mask = self._late[i] = _bitmap(self.pupils_by_registration[i:])
        return mask


# The rosters last built, each with the raw rows it was built from: the phones change a
# few times a term, the report is asked for many times a day (and a trust's report asks it
# of each of its schools in turn), and comparing the rows costs a fraction of building the
# bitmaps again. A few are kept, the oldest replaced first (safe between threads: a lookup
# and an insert, each whole).
_ROSTERS_KEPT = 64
_rosters: dict[int, tuple[list, dict, _Roster]] = {}


def _roster(rows: list[tuple], class_names: dict[int, str]) -> _Roster:
    """The roster from (pupil id, class id, registered at) rows, one per current phone."""
    key = hash((tuple(rows), tuple(sorted(class_names.items()))))
    last = _rosters.get(key)
    if last is not None and last[0] == rows and last[1] == class_names:
        return last[2]
    first_phone: dict[int, tuple[int, Any]] = {}  # pupil -> (class id, first registration)
    for pupil_id, class_id, registered in rows:
        if isinstance(registered, str):
            registered = dt.datetime.fromisoformat(registered)
        seen = first_phone.get(pupil_id)
        if seen is None or registered < seen[1]:
            first_phone[pupil_id] = (class_id, registered)
    phones = [(pupil_id, class_names[class_id], registered) for pupil_id, (class_id, registered) in first_phone.items()]
    members: dict[str, list[int]] = {}
    for pupil_id, class_name, _ in phones:
        members.setdefault(class_name, []).append(pupil_id)
    classes = sorted(members)
    by_registration = sorted(phones, key=lambda p: p[2])
    roster = _Roster(
        classes=classes,
        masks={c: _bitmap(members[c]) for c in classes},
        sizes={c: len(members[c]) for c in classes},
        class_of={pupil_id: class_name for pupil_id, class_name, _ in phones},
        everyone=_bitmap(p for p, _, _ in phones),
        registered=[p[2] for p in by_registration],
        pupils_by_registration=[p[0] for p in by_registration],
        _late={len(phones): 0},
    )
    if len(_rosters) >= _ROSTERS_KEPT:
        _rosters.pop(next(iter(_rosters)), None)
    _rosters[key] = (rows, class_names, roster)
    return roster


class _Ledger:
    """Hand-ins (as pupil bitmaps per day), phones and exceptions over a span of days."""

    def __init__(self, first: dt.date, last: dt.date, tz, now: dt.datetime, cache: bool = True) -> None:
        self.tz = tz
        wanted = _weekdays(first, last)
        if last not in wanted:
            wanted.append(last)
        by_day = handed_in_by_day(wanted, now=now, tz=tz, cache=cache)
        self.handed = {d: mask for d, (_, mask) in by_day.items()}
        self.active_days = {d for d, (active, _) in by_day.items() if active}
        # Every current phone with its pupil's class. Not grouped in SQL: a plain join scans
        # the device table once, where GROUP BY walks an index and sorts (about 2.5x
        # slower on 4,000 phones).
        # The class's name comes with each row (one round trip, not two).
        named = compiled.execute(
            ("roster",),
            lambda: (
                Device.select(Device.pupil, Pupil.school_class, Device.registered_at, SchoolClass.name)
                .join(Pupil, on=(Device.pupil == Pupil.id))
                .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
                .where(
                    (Device.active == True)  # noqa: E712
                    & (Pupil.active == True)
                )
            ),  # noqa: E712
        ).fetchall()
        rows = [r[:3] for r in named]
        class_names: dict[int, str] = {r[1]: r[3] for r in named}
        roster = _roster(rows, class_names)
        self.classes, self.masks, self.sizes = roster.classes, roster.masks, roster.sizes
        self.class_of, self.everyone = roster.class_of, roster.everyone
        self.late = roster.late
        self.totals: dict[dt.date, DayTotal] = {}
        self._rates: dict[tuple[int, int], float | None] = {}
        sql, params = compiled.sql_of(
            ("exceptions", first, last),
            lambda: AgreedException.select().where(
                (AgreedException.subject_kind == PUPIL)
                & (AgreedException.starts_on <= last)
                & (AgreedException.ends_on >= first)
            ),
        )
        self.exceptions = list(AgreedException.raw(sql, *params))

        self.absent: dict[dt.date, int] = {}
        self.no_phone: dict[dt.date, int] = {}
        for d, marks in marks_in_force(first, last).items():
            self.absent[d] = _bitmap(p for p, m in marks.items() if m == MARK_ABSENT)
            self.no_phone[d] = _bitmap(p for p, m in marks.items() if m == MARK_NO_PHONE)

    def excepted(self, day: dt.date) -> int:
        return _bitmap(e.pupil_id for e in self.exceptions if in_effect(e, day) and e.pupil_id is not None)

    def day_total(self, day: dt.date) -> tuple[int, int, int, int, int]:
        """The day's figures over all classes (kept in ``totals``), and the bitmaps they are
        counted from: (handed, counted, excepted, absent, no_phone)."""
        _, end = day_bounds(day, self.tz)
        late = self.late(end)
        on_roll = self.everyone & ~late & ~self.handed.get(day, 0)  # those with a phone who did not hand it in
        # A pupil under an exception who handed the phone in anyway counts like anyone else
        # (as Home's figures do): the exceptions are the pupils who keep their phone. Then
        # the pupils marked absent, then those in school with no phone today: none of them
        # brought a phone to hand in. A hand-in wins over any of them.
        excepted = self.excepted(day) & on_roll
        absent = self.absent.get(day, 0) & on_roll & ~excepted
        no_phone = self.no_phone.get(day, 0) & on_roll & ~excepted & ~absent
        counted = self.everyone & ~late & ~excepted & ~absent & ~no_phone
        handed = self.handed.get(day, 0) & counted
        # The day's totals over all classes, straight from the bitmaps (the classes partition them).
        n_handed, n_counted = handed.bit_count(), counted.bit_count()
        self.totals[day] = DayTotal(
            day,
            n_handed,
            n_counted,
            excepted.bit_count(),
            _rate(n_handed, n_counted),
            absent.bit_count(),
            no_phone.bit_count(),
        )
        return handed, counted, excepted, absent, no_phone

    def by_class(self, day: dt.date) -> list[ClassDay]:
        handed, counted, excepted, absent, no_phone = self.day_total(day)
        masks, sizes, rates, make = self.masks, self.sizes, self._rates, _class_day
        # Classes with a pupil left out today (an exception, or a phone registered later):
        # only they need their expected and exception counts from the bitmaps.
        touched = self._classes_of(self.everyone & ~counted)
        rows = []
        for c in self.classes:  # hot: classes x days; one row each, ints and bit counts only
            mask = masks[c]
            n_absent = n_no_phone = 0
            if touched is None or c in touched:
                expected = (mask & counted).bit_count()
                exceptions = (mask & excepted).bit_count() if excepted else 0
                n_absent = (mask & absent).bit_count() if absent else 0
                n_no_phone = (mask & no_phone).bit_count() if no_phone else 0
            else:
                expected, exceptions = sizes[c], 0
            n = (mask & handed).bit_count() if handed else 0
            try:
                rate = rates[n, expected]
            except KeyError:  # round() is the slowest step of a row; class sizes repeat
                rate = rates[n, expected] = _rate(n, expected)
            rows.append(make(day, c, n, expected, exceptions, rate, n_absent, n_no_phone))
        return rows

    def _classes_of(self, pupils: int) -> set[str] | None:
        """The classes of the pupils in a bitmap; None (all of them) when there are many."""
        if pupils.bit_count() > _FEW_LEFT_OUT:
            return None
        out = set()
        while pupils:
            low = pupils & -pupils
            out.add(self.class_of[low.bit_length() - 1])
            pupils ^= low
        return out

    def school_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The weekdays with a hand-in, ``last`` like any other (the one rule of the school's
        report, the trust's and the governors')."""
        return [d for d in _weekdays(first, last) if d in self.active_days]


def _late(signed_in: dt.datetime, signed_out: dt.datetime | None, now: dt.datetime, tz) -> dt.date | None:
    """The local day a visit began, if it was not signed out by that day's end and the day
    is over (None: not one of :func:`visitors_not_signed_out`)."""
    day = to_local(signed_in, tz).date()
    _, day_end = day_bounds(day, tz)
    if now < day_end:
        return None  # the day is not over yet
    if signed_out is not None and signed_out < day_end:
        return None
    return day


def visitors_not_signed_out_count(from_day: dt.date, to_day: dt.date, *, now: dt.datetime, tz=SCHOOL_TZ) -> int:
    """``len(visitors_not_signed_out(...))``, counted from two columns of each visit."""
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    rows = compiled.execute(
        ("visit times", start, end),
        lambda: Visit.select(Visit.signed_in_at, Visit.signed_out_at).where(
            (Visit.signed_in_at >= start) & (Visit.signed_in_at < end)
        ),
    ).fetchall()
    return sum(1 for signed_in, signed_out in rows if _late(_when(signed_in), _when(signed_out), now, tz) is not None)


def _when(value: Any) -> Any:
    """A time as read by raw SQL (SQLite gives text) as the model would give it."""
    return Visit.signed_in_at.python_value(value) if value is not None else None


def visitors_not_signed_out(from_day: dt.date, to_day: dt.date, *, now: dt.datetime, tz=SCHOOL_TZ) -> list[LateVisitor]:
    """Visits begun on a local day in the range and not signed out by that day's end (see the module).

    One row per visit, oldest first.
    """
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    rows = []
    query = (
        Visit.select()
        .where((Visit.signed_in_at >= start) & (Visit.signed_in_at < end))
        .order_by(Visit.signed_in_at, Visit.id)
    )
    for v in query:
        day = _late(v.signed_in_at, v.signed_out_at, now, tz)
        if day is None:
            continue
        rows.append(
            LateVisitor(
                date=day,
                badge=v.badge_number,
                name=v.name,
                organisation=v.organisation,
                visitor_type=v.visitor_type,
                signed_in=to_local(v.signed_in_at, tz),
                signed_out=to_local(v.signed_out_at, tz) if v.signed_out_at is not None else None,
            )
        )
    return rows


def _chart_start(to_day: dt.date, tz) -> dt.date:
    """The first day of the window in which to find the last 30 school days."""
    first_event = CustodyEvent.select(CustodyEvent.at).order_by(CustodyEvent.at).first()
    earliest = to_local(first_event.at, tz).date() if first_event else to_day
    # 30 school days fit in 30 weeks even with every holiday of a school year between.
    return max(earliest, to_day - dt.timedelta(weeks=CHART_DAYS))


def check_range(from_day: dt.date | None, to_day: dt.date | None, now: dt.datetime, tz) -> dt.date:
    """The range's last day (today when none is given), checked: a range that ends (or
    starts) after today is refused, not read (the figures of a day to come are not known: a
    range in the future showed today's under a future date)."""
    today = local_day(now, tz)
    if from_day is not None and to_day is not None and from_day > to_day:
        raise ValidationError("The start date is after the end date.")
    if from_day is not None and from_day > today:
        raise ValidationError(f"The start date is after today ({today.isoformat()}): give a range up to today.")
    if to_day is not None and to_day > today:
        raise ValidationError(f"The end date is after today ({today.isoformat()}): give a range up to today.")
    to_day = to_day or today
    if from_day is not None and (to_day - from_day).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Give a range of at most {MAX_RANGE_DAYS} days.")
    return to_day


def compliance(
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    cache: bool = True,
) -> ComplianceReport:
    """The compliance figures for ``from_day``..``to_day`` (local, inclusive).

    Defaults: ``to_day`` is today; ``from_day`` is the first of the last 30 school days.
    """
    now = now or utcnow()
    to_day = check_range(from_day, to_day, now, tz)
    chart_first = _chart_start(to_day, tz)
    first = min(chart_first, from_day) if from_day else chart_first
    ledger = _Ledger(first, to_day, tz, now, cache)
    chart_days = ledger.school_days(chart_first, to_day)[-CHART_DAYS:]
    if from_day is None:
        from_day = chart_days[0] if chart_days else to_day
    days = ledger.school_days(from_day, to_day)
    per_day = {d: ledger.by_class(d) for d in days}
    for d in chart_days:  # the chart's days before the range: their totals only
        if d not in per_day:
            ledger.day_total(d)
    class_days = [row for d in days for row in per_day[d]]
    today = per_day[to_day] if to_day in per_day else ledger.by_class(to_day)
    late = visitors_not_signed_out(from_day, to_day, now=now, tz=tz)
    ends_today = to_day == local_day(now, tz)
    return ComplianceReport(
        from_day=from_day,
        to_day=to_day,
        school_days=days,
        class_days=class_days,
        daily=[ledger.totals[d] for d in days],
        last_30=[ledger.totals[d] for d in chart_days],
        today=today,
        not_collected=uncollected(now, tz) if ends_today else not_collected_on(days, tz),
        visitors_not_signed_out=len(late),
        visitors_not_signed_out_rows=late,
        breaches=breaches(from_day, to_day, tz=tz),
        ends_today=ends_today,
    )


def class_days(
    from_day: dt.date, to_day: dt.date, *, now: dt.datetime | None = None, tz=SCHOOL_TZ, cache: bool = True
) -> list[ClassDay]:
    """``compliance(from_day, to_day).class_days`` alone (the governors' weeks): the same
    days and rows, without the chart's 30 school days, the breaches, the visitors and the
    phones not collected."""
    now = now or utcnow()
    if from_day > to_day:
        raise ValidationError("The start date is after the end date.")
    if (to_day - from_day).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Give a range of at most {MAX_RANGE_DAYS} days.")
    ledger = _Ledger(from_day, to_day, tz, now, cache)
    return [row for d in ledger.school_days(from_day, to_day) for row in ledger.by_class(d)]


@dataclass(frozen=True, slots=True)
class Summary:
    """The compliance report's totals for a range, without its rows (:func:`summary`)."""

    from_day: dt.date
    to_day: dt.date
    school_days: int
    handed_in: int
    expected: int
    breaches: int
    not_collected: int  # held now; for a range wholly in the past, per phone per school day (as the report lists them)
    visitors_not_signed_out: int


def summary(
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    cache: bool = True,
) -> Summary:
    """The totals of :func:`compliance` for the same range (the trust-wide report's figures):
    the same days, rules and cache, but no per-class rows, no chart, and counts where the
    report has rows (its breaches, the phones not collected)."""
    now = now or utcnow()
    to_day = check_range(from_day, to_day, now, tz)
    if from_day is None:  # the report's default: the first of the last 30 school days
        chart_first = _chart_start(to_day, tz)
        ledger = _Ledger(chart_first, to_day, tz, now, cache)
        chart_days = ledger.school_days(chart_first, to_day)[-CHART_DAYS:]
        from_day = chart_days[0] if chart_days else to_day
    else:
        ledger = _Ledger(from_day, to_day, tz, now, cache)
    days = ledger.school_days(from_day, to_day)
    for d in days:
        ledger.day_total(d)
    return Summary(
        from_day=from_day,
        to_day=to_day,
        school_days=len(days),
        handed_in=sum(ledger.totals[d].handed_in for d in days),
        expected=sum(ledger.totals[d].expected for d in days),
        breaches=breach_count(from_day, to_day, tz=tz),
        not_collected=held_count() if to_day == local_day(now, tz) else len(not_collected_on(days, tz)),
        visitors_not_signed_out=visitors_not_signed_out_count(from_day, to_day, now=now, tz=tz),
    )


def chart(rows: list[DayTotal], width: int = 40) -> list[str]:
    """A plain-text bar chart of daily hand-in rates: one line per school day."""
    lines = []
    for r in rows:
        rate = r.rate
        bar = "#" * round((rate or 0) * width / 100)
        figure = "  n/a" if rate is None else f"{rate:5.1f}%"
        lines.append(
            f"{r.date.isoformat()} {r.date.strftime('%a')} {figure} {bar.ljust(width)} "
            f"{r.handed_in}/{r.expected}"
            + (f" +{r.exceptions} exc." if r.exceptions else "")
            + (f" {r.absent} abs." if r.absent else "")
            + (f" {r.no_phone} no ph." if r.no_phone else "")
        )
    return lines
