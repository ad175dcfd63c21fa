"""A phone's return from the police (issue 15): the only event that may follow a hand-over."""

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied, RuleViolation, ValidationError
from models.store.tables import CustodyEvent, DeviceState
from tests.school import NOW, build

T = dt.timedelta


@pytest.fixture
def school(database):
    return build()


def _with_police(school, adno="000001"):
    dev = resolve(school.codes[adno]).device
    custody.confiscate(dev.id, school.head, category="behaviour", reason="Phone out in class", policy="MST 6", now=NOW)
    custody.hand_to_police(dev.id, school.head, officer="PC 1 Lee", force_reference="KP/1", now=NOW + T(minutes=5))
    return dev


def _return(dev, actor, at, **kw):
    args = dict(officer="PC 2 Khan", reference="KP/1", next_steps="hold until the parents collect")
    args.update(kw)
    return custody.return_from_police(dev.id, actor, now=at, **args)


def test_the_step_rules_a_return_follows_only_a_hand_over():
    police = custody.Custody(custody.POLICE)
    after = custody.step(police, custody.POLICE_RETURNED, 1, 3)
    assert after == custody.Custody(custody.CONFISCATED, 1, 3)
    with pytest.raises(RuleViolation, match="nothing but its return from the police"):
        custody.step(police, custody.HANDED_IN)
    for state in (custody.OUT, custody.IN_TRAY, custody.CONFISCATED):
        with pytest.raises(RuleViolation, match="Only a phone with the police"):
            custody.step(custody.Custody(state, 1, 1), custody.POLICE_RETURNED, 1, 2)


def test_a_phone_returned_by_the_police_is_held_confiscated_in_a_free_slot(school):
    dev = _with_police(school)
    event = _return(dev, school.deputy, NOW + T(hours=2))
    row = DeviceState.get(DeviceState.device == dev.id)
    assert row.state == custody.CONFISCATED and row.slot_no is not None
    assert (event.tray_id, event.slot_no) == (row.tray_id, row.slot_no)
    assert event.officer == "PC 2 Khan" and event.force_reference == "KP/1"
    assert event.actor_id == school.deputy.id
    assert custody.verify_states() == []
    # it goes to a listed parent or carer like any confiscated phone
    with pytest.raises(RuleViolation, match="parent/carer collection only"):
        custody.release(school.codes["000001"], school.office, now=NOW + T(hours=3))


def test_with_no_free_slot_a_returned_phone_goes_to_the_overflow_place(database):
    school = build(slots_oak=1, shared_slots=1)
    dev = _with_police(school)
    for adno in ("000002", "000003"):  # the last two slots
        custody.hand_in(school.codes[adno], school.office, now=NOW + T(minutes=6))
    event = _return(dev, school.head, NOW + T(hours=1))
    assert event.slot_no is None and event.note.startswith(custody.OVERFLOW_NOTE)
    assert custody.overflow_place_of(dev.id) == event.note.removeprefix(custody.OVERFLOW_NOTE)
    assert custody.verify_states() == []


def test_only_a_phone_with_the_police_is_returned_from_them(school):
    dev = resolve(school.codes["000001"]).device
    custody.confiscate(dev.id, school.head, category="behaviour", reason="Phone out in class", policy="p", now=NOW)
    with pytest.raises(RuleViolation, match="Only a phone with the police"):
        _return(dev, school.head, NOW + T(minutes=1))


def test_who_may_record_a_return_leadership_the_dsl_and_the_head(school):
    dev = _with_police(school)
    for who in (school.office, school.oak, school.admin):
        with pytest.raises(PermissionDenied):
            _return(dev, who, NOW + T(hours=1))
    _return(dev, school.deputy, NOW + T(hours=1))


def test_the_return_names_the_officer_and_the_reference(school):
    dev = _with_police(school)
    with pytest.raises(ValidationError):
        _return(dev, school.head, NOW + T(hours=1), officer="  ")
    with pytest.raises(ValidationError):
        _return(dev, school.head, NOW + T(hours=1), reference="")
    event = _return(dev, school.head, NOW + T(hours=1), next_steps=None)  # what happens next: optional
    assert event.reason is None


def test_a_return_dated_before_the_hand_over_is_refused(school):
    dev = _with_police(school)
    with pytest.raises(custody.OutOfOrder, match="police hand-over"):
        custody.return_from_police(
            dev.id,
            school.head,
            officer="PC 2",
            reference="KP/1",
            returned_at=NOW + T(minutes=1),
            now=NOW + T(hours=1),
        )
    with pytest.raises(ValidationError, match="future"):
        custody.return_from_police(
            dev.id, school.head, officer="PC 2", reference="KP/1", returned_at=NOW + T(hours=3), now=NOW + T(hours=1)
        )


def test_undo_of_a_return_by_leadership_the_dsl_or_the_head_but_never_of_the_hand_over(school):
    dev = _with_police(school)
    event = _return(dev, school.head, NOW + T(hours=1))
    with pytest.raises(PermissionDenied):
        custody.reverse(event.id, school.office, reason="mistake", now=NOW + T(hours=2))
    with pytest.raises(PermissionDenied, match="at least as senior"):
        custody.reverse(event.id, school.deputy, reason="mistake", now=NOW + T(hours=2))
    custody.reverse(event.id, school.head, reason="mistake", now=NOW + T(hours=2))
    assert DeviceState.get(DeviceState.device == dev.id).state == custody.POLICE
    handover = custody.last_event_of(dev.id, custody.POLICE_EV)
    with pytest.raises(RuleViolation, match="cannot be undone"):
        custody.reverse(handover.id, school.head, reason="mistake", now=NOW + T(hours=3))
    assert custody.verify_states() == []


def test_after_a_return_the_phone_goes_to_a_parent_or_back_to_the_police(school):
    dev = _with_police(school)
    _return(dev, school.head, NOW + T(hours=1))
    contact = dev.pupil.contacts[0]
    custody.release_to_contact(dev.id, school.office, contact_id=contact.id, id_seen=True, now=NOW + T(hours=2))
    assert DeviceState.get(DeviceState.device == dev.id).state == custody.OUT


def test_the_details_of_a_return_are_for_readers_who_may_read_them(school):
    dev = _with_police(school)
    event = _return(dev, school.deputy, NOW + T(hours=1))
    event = CustodyEvent.get_by_id(event.id)
    full = custody.describe_event(event, reader=school.head)
    assert "PC 2 Khan" in full and "KP/1" in full and "hold until the parents collect" in full
    assert "returned by the police" in full
    withheld = custody.describe_event(event, reader=school.office)
    assert "PC 2 Khan" not in withheld and "KP/1" not in withheld and "parents collect" not in withheld
    assert "returned by the police" in withheld and "slot" in withheld  # where it is held: for everyone


def test_a_return_written_outside_the_kiosk_to_a_phone_not_with_the_police_is_reported(school):
    dev = resolve(school.codes["000001"]).device
    custody.confiscate(dev.id, school.head, category="behaviour", reason="Phone out in class", policy="p", now=NOW)
    CustodyEvent.insert(
        device=dev.id, kind=custody.POLICE_RETURNED, at=NOW + T(minutes=1), actor=school.head.id, audit_seq=99999
    ).execute()
    problems = custody.verify_states()
    assert any("Only a phone with the police" in p for p in problems)
