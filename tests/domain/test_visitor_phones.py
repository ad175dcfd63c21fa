"""Issue 11: visitors' phones, sign-out, exceptions and earlier days, without the UI.

Only staff receive or return a visitor's phone, and every receipt and return names
them; a slot is free only after the return; the phone carries the visitor's name;
self-service needs the visitor's own slip; an organisation's exception is confirmed by
the office with ID seen; a visit from an earlier day is signed out at the time the
office gives. Runs on SQLite, and on PostgreSQL when KIOSK_TEST_POSTGRES is set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import KioskError, PermissionDenied, RuleViolation, ValidationError
from models.reports import phones as reports
from models.staff.auth import DETAIL_ROLES
from models.store.tables import AuditEntry, CustodyEvent, Device, DeviceState, Label, Visit, Visitor
from models.visitors import visits as visitors
from tests.conftest import NOW
from tests.domain.test_visitors import (  # noqa: F401 - fixtures
    _exception,
    school,  # noqa: F401 - fixture
    settings,
    sign_in,
    staff_sign_in,
)

LATER = NOW + dt.timedelta(hours=2)


def visitor_events(device_id: int) -> list[CustodyEvent]:
    return list(CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id))


def every_visitor_receipt_and_return_names_staff() -> None:
    rows = (
        CustodyEvent.select()
        .join(Device, on=(CustodyEvent.device == Device.id))
        .where(
            (Device.kind == "visitor") & CustodyEvent.kind.in_([custody.HANDED_IN, custody.RETURNED, custody.RELEASED])
        )
    )
    for e in rows:
        assert e.kind != custody.RELEASED, "a visitor's phone is returned, never released to a pupil"
        assert e.actor_id is not None, f"event {e.id} ({e.kind}) names nobody"


def checks() -> None:
    every_visitor_receipt_and_return_names_staff()
    assert custody.verify_states() == [] and audit.verify().ok


# ---------------------------------------------------------------- item 2: received and returned by staff


def test_self_service_hand_in_is_only_a_promise_the_office_receives_it(school, settings):
    r = sign_in(settings, phone="tray")
    assert r.phone_pending and r.slot == "" and r.phone_label.startswith("V")
    assert visitor_events(r.visit.device_id) == []  # nothing received yet
    assert DeviceState.get_by_id(r.visit.device_id).slot_no is None
    [row] = visitors.on_site(settings, LATER)
    assert row.phone_state == visitors.PENDING and row.phone_words == "to hand in"
    # the office scans the V label it applies: received into a slot, by the office
    done = visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW + dt.timedelta(minutes=2))
    assert done.received and done.slot == "C-01" and "Received Jo Bloggs's phone" in done.line()
    [ev] = visitor_events(r.visit.device_id)
    assert ev.kind == custody.HANDED_IN and ev.actor_id == school.office.id
    assert visitors.on_site(settings, LATER)[0].phone_words == "slot C-01"
    checks()


def test_the_receipt_and_return_cannot_be_done_by_nobody(school, settings):
    r = sign_in(settings, phone="tray")
    with pytest.raises(RuleViolation, match="Only a member of staff"):
        custody.hand_in_visitor_phone(r.visit.device_id, None, r.phone_label, now=NOW)
    with pytest.raises(RuleViolation, match="Only a member of staff"):
        visitors.phone_action(code=r.phone_label, actor=None, now=NOW)
    with pytest.raises(PermissionDenied):
        visitors.phone_action(code=r.phone_label, actor=school.oak, now=NOW)
    assert visitor_events(r.visit.device_id) == []
    checks()


def test_self_service_sign_out_keeps_the_phone_held_and_its_slot_taken(school, settings):
    r = sign_in(settings, phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    out = visitors.sign_out(slip_code=r.slip_code, now=LATER)
    assert out.slot == "" and out.collect_slot == "C-01" and "until the office returns it" in out.line()
    assert Visit.get_by_id(r.visit.id).signed_out_at == LATER
    state = DeviceState.get_by_id(r.visit.device_id)
    assert state.state == custody.IN_TRAY and state.slot_no == 1  # still held: not released by nobody
    assert Label.get(Label.code == r.phone_label).revoked_at is None
    # the next visitor's phone does not go into C-01
    nxt = sign_in(settings, name="Di Next", phone="tray", now=LATER)
    assert visitors.phone_action(visit_id=nxt.visit.id, actor=school.office, now=LATER).slot == "C-02"
    # the office's list still shows the phone to return; the roll call does not show the visitor
    assert [row.name for row in visitors.roll_call_rows(settings, LATER)] == ["Di Next"]
    [waiting] = visitors.phones_to_return(settings, LATER)
    assert waiting.name == "Jo Bloggs" and waiting.signed_out and waiting.phone_words == "slot C-01: to return"
    # the office returns it (acting from the list): named, and the slot is free again
    back = visitors.phone_action(visit_id=r.visit.id, actor=school.office, now=LATER + dt.timedelta(minutes=1))
    assert not back.received and back.slot == "C-01"
    ev = visitor_events(r.visit.device_id)[-1]
    assert ev.kind == custody.RETURNED and ev.actor_id == school.office.id
    assert DeviceState.get_by_id(r.visit.device_id).slot_no is None
    assert Label.get(Label.code == r.phone_label).revoke_reason == "returned to the visitor"
    assert visitors.phones_to_return(settings, LATER) == []
    third = sign_in(settings, name="Ed Third", phone="tray", now=LATER)
    assert visitors.phone_action(visit_id=third.visit.id, actor=school.office, now=LATER).slot == "C-01"
    checks()


def test_scanning_the_label_again_returns_it_and_a_spent_label_says_where_the_visitor_is(school, settings):
    r = staff_sign_in(settings, school, phone="tray")
    assert r.slot == "C-01" and not r.phone_pending  # the office took it at sign-in: received by them
    assert visitor_events(r.visit.device_id)[0].actor_id == school.office.id
    back = visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    assert not back.received and "Returned Ann Lee's phone" in back.line()
    with pytest.raises(RuleViolation) as again:  # helper-38: it said "the visit is over" of a visitor still in
        visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    assert str(again.value) == (
        f"Label {r.phone_label} was returned to the visitor: Ann Lee has the phone back and is still signed in."
    )
    visitors.sign_out(visit_id=r.visit.id, actor=school.office, now=LATER)
    with pytest.raises(RuleViolation, match="^Label .* was returned to the visitor: Ann Lee's visit is over.$"):
        visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    checks()


def test_office_sign_out_returns_the_phone_named_and_a_promised_phone_just_ends(school, settings):
    r = sign_in(settings, phone="tray")
    visitors.phone_action(visit_id=r.visit.id, actor=school.office, now=NOW)
    out = visitors.sign_out(slip_code=r.slip_code, actor=school.office, now=LATER)
    assert out.slot == "C-01" and "returned to the visitor" in out.line()
    ev = visitor_events(r.visit.device_id)[-1]
    assert ev.kind == custody.RETURNED and ev.actor_id == school.office.id
    never = sign_in(settings, name="Pat Promise", phone="tray", now=LATER)
    visitors.sign_out(slip_code=never.slip_code, now=LATER + dt.timedelta(hours=1))
    assert visitor_events(never.visit.device_id) == []  # never received: nothing to return
    assert not Device.get_by_id(never.visit.device_id).active
    assert Label.get(Label.code == never.phone_label).revoked_at is not None
    entry = AuditEntry.select().where(AuditEntry.action == "visit.sign_out").order_by(AuditEntry.seq.desc()).get()
    assert "phone_not_received" in entry.details
    checks()


def test_a_visitors_phone_carries_their_name_in_reports_and_scans(school, settings):
    r = sign_in(settings, name="Dave Collins", phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    found = resolve(r.phone_label)
    assert (found.owner, found.class_name) == ("Dave Collins", "visitor")  # "Dave Collins · visitor" on a scan
    [held] = [row for row in reports.uncollected(LATER) if row.code == r.phone_label]
    assert held.pupil == "Dave Collins (visitor)"
    visitors.sign_out(slip_code=r.slip_code, actor=school.office, now=LATER)
    rows = [
        row
        for row in reports.day(NOW.date(), reader=DETAIL_ROLES)
        if row["code"] == r.phone_label or row["pupil"].startswith("Dave")
    ]
    assert [(row["event"], row["pupil"], row["by"]) for row in rows] == [
        ("handed in", "Dave Collins (visitor)", "office"),
        ("returned to the visitor", "Dave Collins (visitor)", "office"),
    ]
    assert "released to pupil" not in " ".join(row["detail"] for row in rows)
    assert "returned to the visitor from slot C-01" in custody.describe_event(
        visitor_events(r.visit.device_id)[-1], reader=DETAIL_ROLES
    )


# ---------------------------------------------------------------- item 3: the public screen needs the slip


def test_self_service_cannot_sign_out_by_picking_a_visit(school, settings):
    r = sign_in(settings, name="Dave Collins")
    with pytest.raises(RuleViolation) as info:
        visitors.sign_out(visit_id=r.visit.id, now=LATER)
    assert str(info.value) == visitors.SLIP_NEEDED
    assert Visit.get_by_id(r.visit.id).signed_out_at is None
    assert [row.name for row in visitors.roll_call_rows(settings, LATER)] == ["Dave Collins"]


def test_self_service_says_nothing_about_someone_already_signed_in(school, settings):
    dave = sign_in(settings, name="Dave Collins", car_reg="DC01 ABC")
    other = sign_in(settings, name="dave collins", car_reg="XX99 XXX")  # whoever types his name
    assert other.visitor.id != dave.visitor.id  # a typed name never finds, nor changes, anyone's record
    assert Visitor.get_by_id(dave.visitor.id).car_reg == "DC01ABC"
    assert [r.name for r in visitors.on_site(settings, LATER)] == ["Dave Collins", "dave collins"]  # both recorded
    # the visitor's own slip does find them: then they may hear they are in already
    visitors.sign_out(slip_code=dave.slip_code, now=NOW + dt.timedelta(minutes=1))
    again = sign_in(settings, name="Dave Collins", visitor_id=dave.visitor.id, now=NOW + dt.timedelta(minutes=2))
    assert again.visitor.id == dave.visitor.id
    with pytest.raises(RuleViolation, match="You are signed in already"):
        sign_in(settings, name="Dave Collins", visitor_id=dave.visitor.id, now=NOW + dt.timedelta(minutes=3))


# ---------------------------------------------------------------- item 5: an organisation's exception


def test_an_organisations_exception_typed_at_self_service_waits_for_the_office(school, settings):
    exc = _exception(school, subject_kind="organisation", organisation="Kent Educational Psychology Service")
    r = sign_in(settings, name="Mallory Parent", organisation="Kent Educational Psychology Service", phone="exception")
    v = Visit.get_by_id(r.visit.id)
    assert v.phone_choice == visitors.EXCEPTION_PENDING and v.exception_id is None and v.id_seen is False
    assert r.exception_pending
    [row] = visitors.on_site(settings, LATER)
    assert row.phone_words == "exception: confirm"
    with pytest.raises(RuleViolation, match="photo ID"):
        visitors.confirm_exception(v.id, actor=school.office, id_seen=False, now=LATER)
    with pytest.raises(RuleViolation, match="Only a member of staff"):
        visitors.confirm_exception(v.id, actor=None, id_seen=True, now=LATER)
    done = visitors.confirm_exception(v.id, actor=school.office, id_seen=True, now=LATER)
    assert (done.phone_choice, done.exception_id, done.id_seen) == ("exception", exc.id, True)
    with pytest.raises(RuleViolation, match="no exception waiting"):
        visitors.confirm_exception(v.id, actor=school.office, id_seen=True, now=LATER)
    assert audit.verify().ok


def test_a_named_exception_is_claimed_by_its_person_and_the_office_needs_id_for_an_organisations(school, settings):
    own = _exception(school, subject_kind="visitor", visitor_name="Jo Bloggs")
    assert sign_in(settings, phone="exception").visit.exception_id == own.id
    _exception(school, subject_kind="organisation", organisation="Kent County Council")
    with pytest.raises(RuleViolation, match="confirmed with photo ID"):
        sign_in(
            settings,
            actor=school.office,
            name="Max Other",
            organisation="Kent County Council",
            phone="exception",
            id_seen=False,
        )


# ---------------------------------------------------------------- item 14: a visit from an earlier day


def test_a_visit_from_an_earlier_day_is_signed_out_at_the_time_the_office_gives(school, settings):
    r = staff_sign_in(settings, school, name="Gary Mills", now=NOW + dt.timedelta(hours=5))  # 13:30
    next_morning = NOW + dt.timedelta(days=1)
    [row] = visitors.on_site(settings, next_morning)
    assert row.earlier_day and row.flagged
    with pytest.raises(RuleViolation, match="please see the office"):
        visitors.sign_out(slip_code=r.slip_code, now=next_morning)
    with pytest.raises(ValidationError, match="signed in at 13:30 on Thursday 12 November: give the time they left"):
        visitors.sign_out(visit_id=r.visit.id, actor=school.office, now=next_morning)
    with pytest.raises(ValidationError, match="cannot be before that"):
        visitors.sign_out(
            visit_id=r.visit.id, actor=school.office, now=next_morning, left_at=NOW + dt.timedelta(hours=4)
        )
    with pytest.raises(ValidationError, match="in the future"):
        visitors.sign_out(
            visit_id=r.visit.id, actor=school.office, now=next_morning, left_at=next_morning + dt.timedelta(hours=1)
        )
    assert Visit.get_by_id(r.visit.id).signed_out_at is None
    left = NOW + dt.timedelta(hours=7)  # 15:30 that day
    out = visitors.sign_out(visit_id=r.visit.id, actor=school.office, now=next_morning, left_at=left)
    assert out.visit.signed_out_at == left and out.visit.signed_out_by_id == school.office.id
    entry = AuditEntry.select().where(AuditEntry.action == "visit.sign_out").get()
    assert str(entry.at).startswith("2026-11-13T08:30") and "left_at_given" in entry.details


def test_a_visitors_phone_cannot_be_given_back_at_the_pupils_release(school, settings):
    """Item 7 of issue 11: a V label at the pupils' release screen says where to go; the
    phone stays held, still to return on the Visitors screen, and is returned there once."""
    r = sign_in(settings, phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    with pytest.raises(KioskError, match="Visitors screen"):
        custody.release(r.phone_label, school.office, now=NOW + dt.timedelta(minutes=5))
    [row] = visitors.on_site(settings, LATER)
    assert row.phone_state == custody.IN_TRAY
    visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    [row] = visitors.on_site(settings, LATER)
    assert row.phone_words == "returned"
    with pytest.raises(RuleViolation, match="was returned to the visitor"):  # the label is retired with the return
        visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)


def test_the_phone_history_names_the_visitor_and_the_return(school, settings):
    from kiosk.actions.custody import load_phone
    from kiosk.session import SignedIn

    r = sign_in(settings, name="Dave Collins", phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    visitors.sign_out(slip_code=r.slip_code, actor=school.office, now=LATER)
    view = load_phone(SignedIn.of(school.office), device_id=r.visit.device_id)
    assert view.owner == "Dave Collins (visitor)"
    assert "returned to the visitor from slot C-01" in view.chain[-1] and "(by Office" in view.chain[-1]
    assert "system" not in " ".join(view.chain)


def test_a_visitors_phone_with_every_shared_slot_taken_goes_to_the_overflow_place(school, settings):
    """Issue 11 item 15 for visitors: a full tray never blocks the record of a phone the office has."""
    from models.custody import trays

    place = None
    for n in range(60):  # more visitors than the test school has shared slots
        r = sign_in(settings, name=f"Visitor {n}", phone="tray", now=NOW + dt.timedelta(minutes=n))
        done = visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW + dt.timedelta(minutes=n))
        if done.slot == trays.overflow_place():
            place = done.slot
            break
    assert place is not None, "the shared slots never filled"
    [row] = [x for x in visitors.on_site(settings, LATER) if x.name == f"Visitor {n}"]
    assert row.slot == trays.overflow_place()
    event = CustodyEvent.select().where(CustodyEvent.device == r.visit.device_id).get()
    assert event.tray_id is None and event.note == f"overflow: {trays.overflow_place()}"
    returned = visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    assert returned.slot == trays.overflow_place()
    assert custody.state_of(r.visit.device_id).state == custody.OUT
    assert returned.line().startswith(f"Returned Visitor {n}'s phone ({r.phone_label}) from {trays.overflow_place()}:")
