"""Reports: the day report's fast path says exactly what the chain of custody says."""

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import phones as reports
from models.school.people import contacts_of
from models.staff.auth import DETAIL_ROLES
from models.store.tables import CustodyEvent, Pupil, Tray
from tests.school import NOW, build


def at(minutes):
    return NOW + dt.timedelta(minutes=minutes)


@pytest.fixture
def busy_day(database):
    s = build()
    dev = {adno: resolve(code).device.id for adno, code in s.codes.items()}
    for i, code in enumerate(s.codes.values()):
        custody.hand_in(code, s.office, now=at(i))
    custody.confiscate(
        dev["000001"], s.deputy, category="behaviour", reason="Used in class", policy="MST 6", now=at(10)
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    custody.record_search(
        dev["000001"],
        s.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        now=at(20),
    )
    custody.release_to_contact(dev["000001"], s.office, contact_id=mum.id, id_seen=True, now=at(30))
    custody.move(dev["000002"], s.office, tray_id=Tray.get(Tray.name == "B").id, slot_no=20, now=at(40))
    custody.release(s.codes["000002"], s.office, now=at(50))
    custody.release(s.codes["000003"], s.office, now=at(55))
    last = custody.release(s.codes["000004"], s.office, now=at(60))
    custody.reverse(last.event_id, s.office, reason="Scanned the wrong phone", now=at(61))
    custody.confiscate(
        dev["000005"], s.head, category=custody.NUDE_IMAGES, reason="Image shared", policy="OS 11.1", now=at(70)
    )
    custody.record_dsl_decision(dev["000005"], s.head, decision="keep_for_police", note="Police called", now=at(75))
    custody.hand_to_police(dev["000005"], s.head, officer="PC 123 Smith", force_reference="AB/1", now=at(80))
    custody.return_from_police(dev["000005"], s.head, officer="DC 9 Jones", reference="AB/1", now=at(85))
    return s


def _visitor_phone_in_and_back(s) -> None:
    """A visitor's phone, received and returned by the office."""
    from models.config import Settings
    from models.policy.rules import load_rules
    from models.visitors import visits as visitors

    settings = Settings(printer={"url": "dummy://report", "paper_mm": 80, "profile": "default"})
    r = visitors.sign_in(
        settings=settings,
        rules=load_rules(),
        rules_accepted=True,
        name="Dave Collins",
        organisation="",
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Office",
        phone="tray",
        now=at(90),
    )
    visitors.phone_action(code=r.phone_label, actor=s.office, now=at(91))
    visitors.sign_out(slip_code=r.slip_code, actor=s.office, now=at(95))


def _staff_device_held_and_given_back(s) -> None:
    """A member of staff's device held for the LADO, then given back (issue 15)."""
    from models.custody import school_devices

    held = school_devices.hold_staff_device(
        s.head, staff_id=s.oak.id, pending="lado", reason="Allegation", description="phone", now=at(100)
    )
    school_devices.return_to_staff(s.head, held.device_id, decision="LADO: no further action", now=at(110))


def test_day_report_lists_every_event_once_in_order_with_the_ledger_wording(busy_day):
    _visitor_phone_in_and_back(busy_day)
    _staff_device_held_and_given_back(busy_day)
    rows = reports.day(
        NOW.date(), reader=busy_day.head
    )  # the head may read oak's held device (m3: a report for nobody leaves staff devices out)
    events = list(CustodyEvent.select().order_by(CustodyEvent.at, CustodyEvent.id))
    assert [r["event_id"] for r in rows] == [e.id for e in events]
    assert {r["kind"] for r in rows} == set(custody.EVENT_WORDS)  # every kind is covered here
    for row, e in zip(rows, events, strict=True):
        full = custody.describe_event(CustodyEvent.get_by_id(e.id), reader=busy_day.head)
        assert row["detail"] == full.split("  ", 1)[1].rsplit("  (by", 1)[0]
        assert row["time"] == full.split("  ", 1)[0]
        assert row["by"] == e.actor.username
    first = rows[0]
    assert (first["pupil"], first["class"], first["admission_no"], first["slot"]) == (
        "Ava Patel",
        "Oak",
        "000001",
        "B-01",
    )
    assert first["event"] == "handed in" and first["detail"] == "handed in, slot B-01"
    released = next(r for r in rows if r["kind"] == "released_to_pupil")
    assert released["detail"] == "released to pupil from slot B-20" and released["code"] == busy_day.codes["000002"]
    returned = next(r for r in rows if r["kind"] == "returned_to_visitor")
    assert (returned["pupil"], returned["class"], returned["event"], returned["by"]) == (
        "Dave Collins (visitor)",
        "visitor",
        "returned to the visitor",
        "office",
    )


def test_day_report_keeps_to_the_local_day(busy_day):
    assert reports.day(NOW.date() + dt.timedelta(days=1), reader=DETAIL_ROLES) == []
    assert reports.day(NOW.date() - dt.timedelta(days=1), reader=DETAIL_ROLES) == []


def test_every_row_of_the_day_report_names_the_phones_label(busy_day):
    """Walk finding (issue 14): `report day` left CODE blank for a confiscation, search,
    police hand-over, move or undo (events not made by a scan), so the day's record did not
    say which phone they were about. Every row gives the code the phone carried."""
    rows = reports.day(NOW.date(), reader=DETAIL_ROLES)
    by_adno = {adno: code for adno, code in busy_day.codes.items()}
    blank = [(r["event"], r["admission_no"]) for r in rows if not r["code"]]
    assert blank == []
    for r in rows:
        if r["admission_no"]:
            assert r["code"] == by_adno[r["admission_no"]], r


def test_since_is_when_the_phone_entered_its_state_not_its_latest_event(database):
    """Walk finding (issue 14): the uncollected list's "Since" showed the time of the
    latest event (a move, a search), not when the phone was handed in or confiscated."""
    from models.clock import to_local

    s = build()
    dev = {adno: resolve(code).device.id for adno, code in s.codes.items()}
    custody.hand_in(s.codes["000001"], s.office, now=at(0))
    custody.hand_in(s.codes["000002"], s.office, now=at(1))
    custody.move(dev["000001"], s.office, tray_id=Tray.get(Tray.name == "B").id, slot_no=20, now=at(30))
    custody.confiscate(
        dev["000002"], s.deputy, category="behaviour", reason="Used in class", policy="MST 6", now=at(40)
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000002").id)[0]
    custody.record_search(
        dev["000002"],
        s.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        now=at(50),
    )
    since = {r.admission_no: r.since for r in reports.uncollected(at(60))}
    assert since["000001"] == to_local(at(0)).replace(tzinfo=since["000001"].tzinfo)
    assert since["000002"] == to_local(at(40)).replace(tzinfo=since["000002"].tzinfo)
