"""Every follow-up in the demo school is dated no earlier than what it follows (findings
after issue 15: search #143 had its parents told at 12:00, before the 12:10 search). The
demo is what a school is first shown, and the kiosk refuses such records when typed."""

from __future__ import annotations

import datetime as dt

import pytest

from models.config import DEMO_CONFIG, load_settings
from models.store.tables import (
    AgreedException,
    Concern,
    ConcernAction,
    ConcernSeen,
    CustodyEvent,
    CustodySeen,
    Device,
    Label,
    ParentsInformed,
    PoliceContact,
    RelationshipReview,
    SchoolDevice,
    SchoolDeviceEntry,
    StaffDevice,
    StaffRelationship,
    Visit,
)
from models.upkeep.demo import create_demo
from tests.school import NOW


def _out_of_order() -> list[str]:
    bad: list[str] = []

    def check(what: str, earlier, later) -> None:
        if earlier is not None and later is not None and later < earlier:
            bad.append(f"{what}: {later} is before {earlier}")

    registered = {d.id: d.registered_at for d in Device.select()}
    for lab in Label.select():
        check(f"label {lab.code} issued", registered[lab.device_id], lab.issued_at)
        check(f"label {lab.code} revoked", lab.issued_at, lab.revoked_at)
    events = {e.id: e for e in CustodyEvent.select().order_by(CustodyEvent.id)}
    last_at: dict[int, dt.datetime] = {}
    for e in events.values():
        check(f"custody event #{e.id} ({e.kind}) after the phone's registration", registered[e.device_id], e.at)
        check(f"custody event #{e.id} ({e.kind}) after the phone's previous event", last_at.get(e.device_id), e.at)
        last_at[e.device_id] = e.at
        check(f"parents told of #{e.id} ({e.kind}) on the record itself", e.at, e.parents_informed_at)
        if e.reverses_id is not None:
            check(f"undo #{e.id}", events[e.reverses_id].at, e.at)
    for s in CustodySeen.select():
        check(f"custody event #{s.event_id} seen", events[s.event_id].at, s.seen_at)
    concerns = {c.id: c for c in Concern.select()}
    for c in concerns.values():
        check(f"concern #{c.id} seen", c.raised_at, c.seen_at)
        check(f"concern #{c.id} followed up", c.raised_at, c.followed_up_at)
    for s in ConcernSeen.select():
        check(f"concern #{s.concern_id} opened", concerns[s.concern_id].raised_at, s.seen_at)
    for a in ConcernAction.select():
        check(f"concern #{a.concern_id} action recorded", concerns[a.concern_id].raised_at, a.recorded_at)
        raised = concerns[a.concern_id].raised_at
        check(f"concern #{a.concern_id} action done", raised.date(), a.done_on)
    for p in ParentsInformed.select():
        followed = events[p.event_id].at if p.event_id else concerns[p.concern_id].raised_at
        check(f"parents told (entry {p.id})", followed, p.told_at)
        check(f"parents told (entry {p.id}) recorded", p.told_at, p.recorded_at)
    for p in PoliceContact.select():
        if p.concern_id:
            check(f"police contact {p.id} about concern #{p.concern_id}", concerns[p.concern_id].raised_at, p.called_at)
        check(f"police contact {p.id} recorded", p.called_at, p.recorded_at)
    for v in Visit.select():
        check(f"visit {v.id} signed out", v.signed_in_at, v.signed_out_at)
    for x in AgreedException.select():
        check(f"exception {x.id} starts", x.agreed_on, x.starts_on)
        check(f"exception {x.id} review", x.starts_on, x.review_on)
        check(f"exception {x.id} ends", x.starts_on, x.ends_on)
        check(f"exception {x.id} signed copy", x.recorded_at, x.signed_copy_at)
        check(f"exception {x.id} revoked", x.recorded_at, x.revoked_at)
    relationships = {r.id: r for r in StaffRelationship.select()}
    for r in relationships.values():
        check(f"relationship {r.id} review", r.discussed_on, r.review_on)
        check(f"relationship {r.id} ended", r.recorded_at, r.ended_at)
    for rv in RelationshipReview.select():
        check(
            f"relationship {rv.relationship_id} reviewed", relationships[rv.relationship_id].recorded_at, rv.reviewed_at
        )
    school_registered = {d.id: d.registered_at for d in SchoolDevice.select()}
    entries = {x.id: x for x in SchoolDeviceEntry.select()}
    for x in entries.values():
        check(f"school device entry {x.id}", school_registered[x.device_id], x.at)
        if x.loan_id is not None:
            check(f"school device return {x.id}", entries[x.loan_id].at, x.at)
    for sd in StaffDevice.select():
        check(f"staff device {sd.device_id} held", registered[sd.device_id], sd.recorded_at)
    return bad


@pytest.mark.parametrize("now", [NOW, NOW.replace(hour=7, minute=0), NOW.replace(hour=16, minute=30)])
def test_every_demo_follow_up_is_dated_after_what_it_follows(sqlite_db, now):
    create_demo(load_settings(DEMO_CONFIG), now=now)
    assert CustodyEvent.select().where(CustodyEvent.parents_informed_at.is_null(False)).exists()  # search #143's kind
    assert _out_of_order() == []
