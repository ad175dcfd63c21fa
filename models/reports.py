"""Read-only reports: devices, the day's custody events, phones still held."""

from __future__ import annotations

from peewee import JOIN

import datetime as dt
from typing import Any

from .clock import SCHOOL_TZ, day_bounds, local_from_utc_naive, utcnow
from .custody import EVENT_WORDS, STATE_WORDS, describe_event
from .tables import CustodyEvent, Device, DeviceState, Label, Pupil, SchoolClass, Staff, Tray
from .trays import slot_name


def devices(class_name: str | None = None) -> list[dict[str, Any]]:
    """Every active pupil device with its current label and state."""
    query = (
        Device.select(Device, Pupil, SchoolClass, DeviceState, Label, Tray)
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id))
        .switch(Device)
        .join(DeviceState, on=(DeviceState.device == Device.id))
        .join(Tray, join_type=JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .switch(Device)
        .join(Label, join_type=JOIN.LEFT_OUTER, on=((Label.device == Device.id) & Label.revoked_at.is_null()))
        .where(Device.active == True)  # noqa: E712
        .order_by(SchoolClass.name, Pupil.last_name, Pupil.first_name, Device.id)
    )
    if class_name:
        query = query.where(SchoolClass.name == class_name)
    rows = []
    for d in query:
        st = d.devicestate
        label = getattr(d, "label", None)
        tray = getattr(st, "tray", None) if st.tray_id else None
        rows.append({
            "code": label.code if label and label.id else "",
            "admission_no": d.pupil.admission_no,
            "pupil": d.pupil.full_name,
            "class": d.pupil.school_class.name,
            "description": d.description,
            "state": st.state,
            "slot": slot_name(tray.name, st.slot_no) if tray else "",
        })
    return rows


def day(day: dt.date, tz=SCHOOL_TZ) -> list[dict[str, Any]]:
    """Every custody event of a local school day, in order."""
    start, end = day_bounds(day, tz)
    query = (
        CustodyEvent.select(CustodyEvent, Device, Pupil, SchoolClass, Staff)
        .join(Device)
        .join(Pupil, join_type=JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, join_type=JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .switch(CustodyEvent)
        .join(Staff, join_type=JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
        .where((CustodyEvent.at >= start) & (CustodyEvent.at < end))
        .order_by(CustodyEvent.at, CustodyEvent.id)
    )
    trays = {t.id: t.name for t in Tray.select()}
    out = []
    for e in query:
        pupil = e.device.pupil if e.device.pupil_id else None
        out.append({
            "event_id": e.id,
            "time": local_from_utc_naive(e.at, tz),
            "event": EVENT_WORDS.get(e.kind, e.kind),
            "kind": e.kind,
            "code": e.label_code or "",
            "admission_no": pupil.admission_no if pupil else "",
            "pupil": pupil.full_name if pupil else "",
            "class": pupil.school_class.name if pupil else "",
            "slot": slot_name(trays[e.tray_id], e.slot_no) if e.tray_id else "",
            "by": e.actor.username if e.actor_id else "system",
            "detail": describe_event(e).split("  ", 1)[1].rsplit("  (by", 1)[0],
        })
    return out


def uncollected(now: dt.datetime | None = None, tz=SCHOOL_TZ) -> list[dict[str, Any]]:
    """Phones the school still holds (in the tray or confiscated), by slot."""
    now = now or utcnow()
    query = (
        DeviceState.select(DeviceState, Device, Pupil, SchoolClass, Tray)
        .join(Device, on=(DeviceState.device == Device.id))
        .join(Pupil, join_type=JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
        .join(SchoolClass, join_type=JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .switch(DeviceState)
        .join(Tray, join_type=JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .where(DeviceState.state.in_(["in_tray", "confiscated"]))
        .order_by(Tray.position, Tray.name, DeviceState.slot_no)
    )
    labels = {
        l.device_id: l.code
        for l in Label.select(Label.device, Label.code).where(Label.revoked_at.is_null())
    }
    out = []
    for st in query:
        pupil = st.device.pupil if st.device.pupil_id else None
        out.append({
            "slot": slot_name(st.tray.name, st.slot_no) if st.tray_id else "",
            "code": labels.get(st.device_id, ""),
            "admission_no": pupil.admission_no if pupil else "",
            "pupil": pupil.full_name if pupil else "Visitor",
            "class": pupil.school_class.name if pupil else "",
            "state": STATE_WORDS[st.state],
            "since": local_from_utc_naive(st.since, tz),
        })
    return out
