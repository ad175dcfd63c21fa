"""The records registry: the people records are about (:class:`Subject`), the kinds of
record (:class:`RecordKind`) and what they share. Plain definitions that
:mod:`models.records.duties` (the duties: purge, subject access, erasure) and
:mod:`models.records.kinds` (the kinds beyond pupils, phones, staff and the log) both use.

:data:`KINDS` is filled by :mod:`models.records.duties` from an explicit, ordered list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from models.config import CHILD_PROTECTION_KEY, CHILD_PROTECTION_YEARS
from models.records.holds import Hold
from models.store.tables import Device, Pupil

_T = TypeVar("_T")

PUPIL, VISITOR, STAFF = "pupil", "visitor", "staff"
EVERYONE = frozenset({PUPIL, STAFF, VISITOR})  # every kind of subject: a kind whose records may be about anyone


def counted(counts: Mapping[str, int]) -> str:
    """Counts by kind name (a SAR's sections, what a purge or an erasure deleted) in words:
    "3 custody events, 0 concerns"."""
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())


# ---------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subject:
    """One person whose records are exported or erased.

    ``key`` is what was typed (admission number, visitor name, username); ``row_id``
    the id of their own row where there is one (pupil, staff), for audit entries.
    """

    kind: str  # pupil | visitor | staff
    key: str
    row_id: int | None = None
    device_ids: tuple[int, ...] | None = None  # their phones, fixed before erasing starts
    row_ids: tuple[tuple[str, tuple[int, ...]], ...] | None = None  # other rows of theirs (ROW_OWNERS), ditto
    # Concerns about them that whoever exports may not see (models.staff.concern_access): left
    # out of a subject access export, with what hangs off them (models.records.duties.subject_access).
    withheld_concerns: tuple[int, ...] = ()

    def with_devices(self) -> Subject:
        """This subject with its phones and rows looked up now, so erasing one kind cannot hide them."""
        found: tuple[tuple[str, tuple[int, ...]], ...] = ()
        subject = replace(self, row_ids=found)
        for table, rows_owner in ROW_OWNERS.get(self.kind, {}).items():  # in order: each may use those before it
            found = (*found, (table, tuple(rows_owner(subject))))
            subject = replace(subject, row_ids=found)
        device_owner = DEVICE_OWNERS.get(self.kind)
        return replace(subject, device_ids=tuple(device_owner(subject)) if device_owner is not None else ())

    def ids(self, table: str) -> tuple[int, ...]:
        """The ids of this person's rows in ``table`` (a ROW_OWNERS key), fixed by :meth:`with_devices`."""
        if self.row_ids is None:
            return self.with_devices().ids(table)
        return dict(self.row_ids).get(table, ())

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"


# ---------------------------------------------------------------- the registry


@dataclass
class PurgeContext:
    now: dt.datetime
    retention_days: Mapping[str, int]
    holds: list[Hold] = field(default_factory=list)  # what purge_units found kept under a legal hold
    marks: dict[str, Any] = field(default_factory=dict)  # what purge_units saw (e.g. the newest event id)

    def cutoff(self, key: str) -> dt.datetime:
        """Records whose age-deciding date is before this have expired."""
        return self.now - dt.timedelta(days=self.retention_days[key])

    @property
    def child_protection_years(self) -> int:
        """Years after a pupil's date of birth a child protection record is kept: the IRMS
        25, or more if configured; never fewer, whatever the caller passes."""
        asked = self.retention_days.get(CHILD_PROTECTION_KEY, CHILD_PROTECTION_YEARS)
        return max(CHILD_PROTECTION_YEARS, int(asked))

    def past_child_protection(self, dob: dt.date | None) -> bool:
        """Whether a child protection record of a pupil born on ``dob`` may go (the flat
        period is checked too, by the caller): never when the date of birth is unknown."""
        if dob is None:
            return False
        return self.now.date() >= add_years(dob, self.child_protection_years)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 1 March (the later day: keep, not lose)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def pupil_dobs(pupil_ids: Iterable[int]) -> dict[int, dt.date | None]:
    """Each pupil's date of birth (None: not known); a pupil not on file is left out."""
    wanted = sorted(set(pupil_ids))
    out: dict[int, dt.date | None] = {}
    for chunk in chunks(wanted, 500):
        out.update((p.id, p.dob) for p in Pupil.select(Pupil.id, Pupil.dob).where(Pupil.id.in_(chunk)))
    return out


@dataclass
class PurgePart:
    """What one kind would delete (counts per retention key) and keeps under hold."""

    deletes: dict[str, int] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)
    apply: Callable[[], None] | None = None  # does the deleting, inside the purge's tx
    notes: dict[str, Any] = field(default_factory=dict)  # ids/codes for the audit entry
    again: list[tuple[Any, int]] = field(default_factory=list)  # units (and cost) with more to delete in a later batch


class RecordKind:
    """One kind of record. Override what applies; the defaults do nothing."""

    name: str = ""  # file name of its SAR CSV, key in counts
    title: str = ""
    retention: tuple[str, ...] = ()  # keys of Settings.retention_days it uses
    subjects: frozenset[str] = frozenset()  # subject kinds it can export / erase
    identifies: bool = True  # False: only follows another kind's records (e.g. a person's phones)
    columns: tuple[str, ...] = ()  # SAR CSV columns
    purge_counts: tuple[str, ...] = ()  # the keys of what its purge counts (PurgePart.deletes)

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]] | None:
        """What purge may work through in separate short transactions: (unit, cost in rows
        read and deleted), found by a read outside any write transaction; None: the kind is
        purged in one go (:meth:`plan_purge` with no units). Each batch plans its units
        again inside its own transaction, so what changed meanwhile (a new legal hold) counts."""
        return None

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        """What to delete: of everything (``units`` None), or of those units only, deleting
        about ``limit`` rows at most (a unit with more left goes in ``PurgePart.again``)."""
        return PurgePart()

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        return []

    def holds_for(self, subject: Subject) -> list[Hold]:
        """Legal holds that must block erasing this subject."""
        return []

    def erase(self, subject: Subject) -> int:
        """Delete (or strip of personal fields) this subject's rows; return how many."""
        return 0


KINDS: list[RecordKind] = []  # filled by models.records.duties, from an explicit list


def iso(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def rows_of(query: Iterable[Any], columns: Iterable[str]) -> list[dict[str, Any]]:
    cols = tuple(columns)
    return [{c: iso(getattr(r, c)) for c in cols} for r in query]


def pupil_devices(subject: Subject) -> list[int]:
    return [d.id for d in Device.select(Device.id).where(Device.pupil == subject.row_id)]


# Whose phones are whose: subject kind -> the ids of the devices that are that person's.
# The devices, labels and custody kinds export, hold and erase through this, so a
# visitor's phones join a visitor's SAR once the visits kind registers VISITOR here.
DEVICE_OWNERS: dict[str, Callable[[Subject], list[int]]] = {PUPIL: pupil_devices}

# Other rows that are a person's and that several kinds need to find (e.g. a visitor's
# visits, found by name): subject kind -> {table: callable giving the row ids}. Looked
# up once, before erasing starts, so deleting one kind's rows cannot hide another's.
ROW_OWNERS: dict[str, dict[str, Callable[[Subject], Iterable[int]]]] = {}


def own_rows(tables: Mapping[str, Callable[[Subject], Iterable[int]]], kinds: Iterable[str] = EVERYONE) -> None:
    """Register ``tables`` ({table: its row ids of a subject}) in :data:`ROW_OWNERS` for each
    subject kind of ``kinds`` (every kind by default: the callable returns nothing for a kind
    its table does not hold), after those registered before (each may use them)."""
    for kind in sorted(kinds):
        ROW_OWNERS.setdefault(kind, {}).update(tables)


# Audit entries about a person beyond their pupil row and phones: each gets the subject
# and returns {entity: ids} (e.g. {"visit": [3, 4], "concern": [7]}).
AUDIT_REFS: list[Callable[[Subject], Mapping[str, Iterable[int]]]] = []


def pupil_device_ids(subject: Subject) -> list[int]:
    if subject.device_ids is None:
        subject = subject.with_devices()
    return list(subject.device_ids or ())


def chunks(items: list[_T], size: int) -> Iterable[list[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
