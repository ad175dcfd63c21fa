"""Trays and slots: where a handed-in phone goes.

The rule: a pupil's phone goes to the first free slot of the tray reserved for their
class; a pupil whose class has no tray (and a visitor) gets the first free slot of the
shared trays, in tray order. A full tray is never an over-filled slot: the unique index
on ``(tray, slot_no)`` makes a double-booked slot impossible even if this code were
wrong.

A full tray never blocks the record either: the office has the phone whether or not a
slot is free. :func:`place_for` then gives no slot, and the phone is recorded in the
*overflow place* that the configuration names (``overflow_place``), held there like a
slot (released, confiscated, moved to a slot when one is free) until the office adds
slots. A held phone with no slot is in the overflow place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import utcnow
from models.config import DEFAULT_OVERFLOW_PLACE, TraySpec, check_overflow_place
from models.errors import ConfigError, TrayFull, ValidationError
from models.store.tables import DeviceState, SchoolClass, Tray

_TRAY_NAME = re.compile(r"^[A-Za-z0-9]{1,12}$")
MAX_SLOTS = 500
_overflow = [DEFAULT_OVERFLOW_PLACE]  # set from the configuration at start (set_overflow_place)


def set_overflow_place(name: str) -> None:
    """Name the place where phones go when no slot is free (from ``overflow_place``)."""
    _overflow[0] = check_overflow_place(name)


def overflow_place() -> str:
    return _overflow[0]


def slot_name(tray_name: str, slot_no: int | None) -> str:
    return "" if slot_no is None else f"{tray_name}-{slot_no:02d}"


def place_name(tray: Tray | None, slot_no: int | None) -> str:
    """Where a held phone is, for a sentence: "slot B-07", or the overflow place."""
    if tray is None or slot_no is None:
        return overflow_place()
    return f"slot {slot_name(tray.name, slot_no)}"


def held_place(tray_name: str | None, slot_no: int | None) -> str:
    """Where a held phone is, for a column: "B-07", or the overflow place."""
    if tray_name is None or slot_no is None:
        return overflow_place()
    return slot_name(tray_name, slot_no)


def parse_slot(text: str) -> tuple[Tray, int]:
    match = re.match(r"^\s*([A-Za-z0-9]{1,12})\s*-\s*(\d{1,3})\s*$", text or "")
    if not match:
        raise ValidationError(f"{text!r} is not a slot: write it like B-07.")
    tray = Tray.get_or_none((Tray.name == match.group(1).upper()) | (Tray.name == match.group(1)))
    if tray is None or not tray.active:
        raise ValidationError(f"There is no tray {match.group(1)!r}.")
    slot_no = int(match.group(2))
    if not 1 <= slot_no <= tray.slots:
        raise ValidationError(f"Tray {tray.name} has slots 1 to {tray.slots}.")
    return tray, slot_no


def used_slots(tray: Tray) -> set[int]:
    rows = DeviceState.select(DeviceState.slot_no).where(
        (DeviceState.tray == tray) & DeviceState.slot_no.is_null(False)
    )
    return {r.slot_no for r in rows if r.slot_no is not None}


def first_free(tray: Tray) -> int | None:
    """The lowest free slot of ``tray``, found by the database in one indexed query.

    The candidates are slot 1 and the slot after each used one; the lowest candidate
    inside the tray that is not itself used is the first gap. (Reading every used
    slot into Python cost milliseconds per scan on a full tray.)
    """
    database = DeviceState._meta.database
    table = DeviceState._meta.table_name
    p = database.param
    sql = (
        f"SELECT MIN(n) FROM (SELECT 1 AS n UNION ALL "
        f"SELECT slot_no + 1 FROM {table} WHERE tray_id = {p} AND slot_no IS NOT NULL) AS cand "
        f"WHERE n <= {p} AND n NOT IN (SELECT slot_no FROM {table} WHERE tray_id = {p} AND slot_no IS NOT NULL)"
    )
    row = database.execute_sql(sql, (tray.id, tray.slots, tray.id)).fetchone()
    return row[0] if row and row[0] is not None else None


def assign_slot(school_class_id: int | None) -> tuple[Tray, int]:
    """Pick a slot by the rule above; call inside the write transaction."""
    if school_class_id is not None:
        own = list(
            Tray.select()
            .where((Tray.school_class == school_class_id) & (Tray.active == True))  # noqa: E712
            .order_by(Tray.position, Tray.name)
        )
        if own:
            for tray in own:
                slot = first_free(tray)
                if slot is not None:
                    return tray, slot
            names = ", ".join(t.name for t in own)
            total = sum(t.slots for t in own)
            raise TrayFull(f"Tray {names} is full: all {total} slots are in use. Nothing was recorded.")
    shared = list(
        Tray.select()
        .where(Tray.school_class.is_null() & (Tray.active == True))  # noqa: E712
        .order_by(Tray.position, Tray.name)
    )
    if not shared:
        if not Tray.select().where(Tray.active == True).exists():  # noqa: E712
            raise TrayFull("No trays are set up: add [[trays]] to the configuration. Nothing was recorded.")
        raise TrayFull("This class has no tray and there is no shared tray. Nothing was recorded.")
    for tray in shared:
        slot = first_free(tray)
        if slot is not None:
            return tray, slot
    raise TrayFull("All shared trays are full. Nothing was recorded.")


def place_for(school_class_id: int | None) -> tuple[Tray | None, int | None]:
    """A slot by the rule above, or ``(None, None)``: no slot is free, so the overflow place."""
    try:
        return assign_slot(school_class_id)
    except TrayFull:
        return None, None


def slot_is_free(tray: Tray, slot_no: int) -> bool:
    return not DeviceState.select().where((DeviceState.tray == tray) & (DeviceState.slot_no == slot_no)).exists()


def validate_specs(specs: Iterable[TraySpec]) -> list[TraySpec]:
    seen: set[str] = set()
    out = []
    for spec in specs:
        if not _TRAY_NAME.match(spec.name or ""):
            raise ConfigError(f"Tray name {spec.name!r} must be 1 to 12 letters or digits.")
        if spec.name.upper() in seen:
            raise ConfigError(f"Tray {spec.name!r} is listed twice.")
        seen.add(spec.name.upper())
        if not isinstance(spec.slots, int) or not 1 <= spec.slots <= MAX_SLOTS:
            raise ConfigError(f"Tray {spec.name} must have 1 to {MAX_SLOTS} slots.")
        out.append(spec)
    return out


def sync_trays(specs: Iterable[TraySpec], *, actor: object = None, now: dt.datetime | None = None) -> list[str]:
    """Make the trays in the database match the configuration; return what changed.

    Shrinking a tray below an occupied slot, or removing a tray that still holds a
    phone, is refused: the phones must be moved first.
    """
    now = now or utcnow()
    specs = validate_specs(specs)
    changes: list[str] = []
    with write_tx():
        existing = {t.name: t for t in Tray.select()}
        for position, spec in enumerate(specs):
            cls = None
            if spec.school_class:
                cls = SchoolClass.get_or_none(SchoolClass.name == spec.school_class)
                if cls is None:
                    raise ConfigError(
                        f"Tray {spec.name} is for class {spec.school_class!r}, which is not in the roster."
                    )
            tray = existing.pop(spec.name, None)
            if tray is None:
                tray = Tray.create(name=spec.name, slots=spec.slots, school_class=cls, position=position)
                changes.append(f"added tray {spec.name} ({spec.slots} slots)")
                audit.append(
                    actor, "tray.add", "tray", tray.id, {"slots": spec.slots, "class_id": cls.id if cls else None}, now
                )
                continue
            wanted = (spec.slots, cls.id if cls else None, position, True)
            have = (tray.slots, tray.school_class_id, tray.position, tray.active)
            if wanted == have:
                continue
            if spec.slots < tray.slots:
                high = [n for n in used_slots(tray) if n > spec.slots]
                if high:
                    raise ConfigError(
                        f"Tray {spec.name} cannot shrink to {spec.slots} slots: slot {slot_name(spec.name, max(high))} holds a phone."
                    )
            Tray.update(slots=spec.slots, school_class=cls, position=position, active=True).where(
                Tray.id == tray.id
            ).execute()
            changes.append(f"updated tray {spec.name}")
            audit.append(
                actor, "tray.update", "tray", tray.id, {"slots": spec.slots, "class_id": cls.id if cls else None}, now
            )
        for tray in existing.values():
            if not tray.active:
                continue
            if used_slots(tray):
                raise ConfigError(f"Tray {tray.name} is no longer configured but still holds phones: move them first.")
            Tray.update(active=False).where(Tray.id == tray.id).execute()
            changes.append(f"retired tray {tray.name}")
            audit.append(actor, "tray.retire", "tray", tray.id, {}, now)
    return changes
