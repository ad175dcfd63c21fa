"""Issue 15: a member of staff's device held for the LADO or the police (online safety 11.3),
and the register of the school's own phones and tablets (mobile technology policy 4;
online safety 9.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger, school_devices
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.staff import auth
from models.store.tables import (
    AuditEntry,
    CustodyEvent,
    Device,
    DeviceState,
    SchoolDevice,
    SchoolDeviceEntry,
    Staff,
    StaffDevice,
)
from tests.school import NOW, build

TODAY = dt.date(2026, 11, 12)


def d(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def school(database):
    built = build()
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    built.chair = auth.create_staff("chair", "Mrs C Chair (chair)", [auth.CHAIR], "591846", now=NOW)
    return built


def hold(school, actor=None, owner=None, **over):
    args = {
        "staff_id": (owner or school.oak).id,
        "pending": "lado",
        "reason": "Allegation under 11.3: quarantined until police advice.",
        "description": "black iPhone",
        "now": NOW,
    }
    args.update(over)
    return school_devices.hold_staff_device(actor or school.dsl, **args)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq))


# ---------------------------------------------------------------- a member of staff's device


def test_the_dsl_holds_a_staff_device_in_a_shared_slot_linked_to_the_staff_row(school):
    held = hold(school)
    device = Device.get_by_id(held.device_id)
    assert device.kind == "staff" and device.pupil_id is None
    assert StaffDevice.get(StaffDevice.device == device.id).staff_id == school.oak.id
    state = DeviceState.get(DeviceState.device == device.id)
    assert state.state == ledger.CONFISCATED and state.tray_id is not None and held.place.startswith("slot C-")
    event = CustodyEvent.get_by_id(held.event_id)
    assert event.kind == ledger.HELD_STAFF and event.policy == "LADO"
    [register] = entries("staff_device.register")
    assert "Allegation" not in register.details and "Allegation" not in entries("custody.held_staff_device")[0].details
    assert ledger.verify_states() == [] and audit.verify().ok


def test_no_free_slot_puts_a_staff_device_in_the_overflow_place(database):
    school = build(shared_slots=1)
    school.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    assert hold(school).place == "slot C-01"
    held = hold(school, owner=school.beech_teacher)
    state = DeviceState.get(DeviceState.device == held.device_id)
    assert state.slot_no is None and state.state == ledger.CONFISCATED
    assert held.place == ledger.overflow_place_of(held.device_id)


@pytest.mark.parametrize("who", ["office", "oak", "deputy", "admin", "chair"])
def test_only_the_dsl_and_the_head_hold_a_staff_device(school, who):
    owner = school.beech_teacher
    with pytest.raises(PermissionDenied):
        hold(school, getattr(school, who), owner=owner)
    assert Device.select().where(Device.kind == "staff").count() == 0


def test_nobody_holds_their_own_device_and_a_head_never_holds_a_heads(school):
    with pytest.raises(PermissionDenied, match="their own device"):
        hold(school, school.dsl, owner=school.dsl)
    with pytest.raises(PermissionDenied, match="their own device"):
        hold(school, school.head, owner=school.head)  # the demo's head is also a DSL
    co_head = auth.create_staff("cohead", "Co Head", [auth.HEADTEACHER, auth.DSL], "683920", now=NOW)
    with pytest.raises(PermissionDenied, match="not a headteacher"):
        hold(school, co_head, owner=school.head)
    held = hold(school, school.dsl, owner=school.head)  # a DSL who is not a headteacher may
    assert StaffDevice.get(StaffDevice.device == held.device_id).staff_id == school.head.id


def test_a_staff_device_is_never_released_confiscated_or_searched_as_a_pupils_phone(school):
    held = hold(school)
    with pytest.raises(RuleViolation, match="member of staff's device"):
        ledger.confiscate(
            held.device_id, school.head, category="behaviour", reason="Phone out in class", policy="y", now=NOW
        )
    with pytest.raises(RuleViolation, match="member of staff's device"):
        ledger.record_search(
            held.device_id,
            school.head,
            consent_by="pupil",
            witness="Deputy",
            item_sought="a video",
            location="the office",
            grounds="Reported image",
            outcome="nothing_found",
            now=NOW,
        )
    with pytest.raises(RuleViolation, match="does not belong to a pupil"):
        ledger.release_to_contact(held.device_id, school.head, contact_id=1, id_seen=True, now=NOW)
    assert DeviceState.get(DeviceState.device == held.device_id).state == ledger.CONFISCATED


def test_it_goes_back_to_the_member_of_staff_only_on_a_recorded_decision_by_the_dsl_or_head(school):
    held = hold(school)
    later = NOW + dt.timedelta(hours=2)
    for who in ("office", "deputy", "oak"):
        with pytest.raises(PermissionDenied):
            school_devices.return_to_staff(
                getattr(school, who), held.device_id, decision="LADO: no further action", now=later
            )
    with pytest.raises(ValidationError):
        school_devices.return_to_staff(school.dsl, held.device_id, decision="  ", now=later)
    event = school_devices.return_to_staff(school.dsl, held.device_id, decision="LADO: no further action", now=later)
    assert event.kind == ledger.RETURNED_TO_STAFF and event.reason == "LADO: no further action"
    assert DeviceState.get(DeviceState.device == held.device_id).state == ledger.OUT
    with pytest.raises(RuleViolation, match="not held"):
        school_devices.return_to_staff(school.dsl, held.device_id, decision="again", now=later)
    with pytest.raises(NotFound):  # a pupil's phone is not a staff device
        school_devices.return_to_staff(school.dsl, 1, decision="x", now=later)
    assert ledger.verify_states() == [] and audit.verify().ok


def test_it_is_handed_to_the_police_with_the_ledgers_hand_over_by_the_dsl_or_head_only(school):
    held = hold(school, pending="police")
    later = NOW + dt.timedelta(hours=1)
    with pytest.raises(PermissionDenied):  # leadership hands pupils' phones over, not staff's
        ledger.hand_to_police(held.device_id, school.deputy, officer="PC 1", force_reference="KP/1", now=later)
    ledger.hand_to_police(held.device_id, school.dsl, officer="PC 1", force_reference="KP/1", now=later)
    assert DeviceState.get(DeviceState.device == held.device_id).state == ledger.POLICE
    with pytest.raises(RuleViolation, match="police"):
        school_devices.return_to_staff(school.dsl, held.device_id, decision="x", now=later)


def test_the_staff_device_hand_over_is_for_staff_devices_only(school):
    held = hold(school)
    later = NOW + dt.timedelta(hours=1)
    with pytest.raises(NotFound):  # a pupil's phone goes to the police from its own history
        school_devices.staff_device_to_police(school.dsl, 1, officer="PC 1", force_reference="KP/1", now=later)
    with pytest.raises(PermissionDenied):
        school_devices.staff_device_to_police(
            school.deputy, held.device_id, officer="PC 1", force_reference="KP/1", now=later
        )
    event = school_devices.staff_device_to_police(
        school.head, held.device_id, officer="PC 1", force_reference="KP/1", now=later
    )
    assert event.kind == ledger.POLICE_EV and ledger.state_of(held.device_id).state == ledger.POLICE


def test_only_the_dsl_or_head_undoes_a_hold(school):
    held = hold(school)
    with pytest.raises(PermissionDenied):
        ledger.reverse(held.event_id, school.deputy, reason="wrong phone", now=NOW)
    ledger.reverse(held.event_id, school.dsl, reason="wrong phone", now=NOW)
    assert DeviceState.get(DeviceState.device == held.device_id).state == ledger.OUT


def test_its_details_are_for_the_dsl_and_head_and_the_chair_for_the_heads_device(school):
    held = hold(school)
    [event] = [e for e in ledger.history(held.device_id) if e.kind == ledger.HELD_STAFF]
    assert "Allegation" in ledger.describe_event(event, reader=school.dsl)
    assert "Allegation" in ledger.describe_event(event, reader=school.head)
    for reader in (school.deputy, school.office, school.oak, school.chair, {"leadership", "dsl"}):
        line = ledger.describe_event(event, reader=reader)
        assert "Allegation" not in line and "details for the DSL and the headteacher" in line
    assert [r.owner for r in school_devices.staff_devices(school.dsl)] == ["Oak Teacher"]
    assert school_devices.staff_devices(school.chair) == []
    with pytest.raises(PermissionDenied):
        school_devices.staff_devices(school.deputy)

    heads = hold(school, school.dsl, owner=school.head, now=NOW + dt.timedelta(minutes=5))
    [event] = [e for e in ledger.history(heads.device_id) if e.kind == ledger.HELD_STAFF]
    assert "Allegation" not in ledger.describe_event(event, reader=school.head)  # never the head's own
    assert "Allegation" in ledger.describe_event(event, reader=school.chair)
    assert [r.owner for r in school_devices.staff_devices(school.chair)] == ["Head"]
    assert [r.owner for r in school_devices.staff_devices(school.head)] == ["Oak Teacher"]


# ---------------------------------------------------------------- the school's own devices


def add(school, tag="SCH-PH-01", actor=None, **over):
    args = {"asset_tag": tag, "kind": "phone", "description": "trips phone (Nokia)", "passcode_set": True, "now": NOW}
    args.update(over)
    return school_devices.add_device(actor or school.admin, **args)


def lend(school, tag="SCH-PH-01", actor=None, **over):
    args = {"asset_tag": tag, "staff_id": school.oak.id, "purpose": "trip", "due_on": d(1), "now": NOW}
    args.update(over)
    return school_devices.lend(actor or school.office, **args)


def test_admin_and_the_head_keep_the_register_never_the_passcode(school):
    device = add(school, "sch-ph-01")
    assert device.asset_tag == "SCH-PH-01" and device.passcode_set is True
    add(school, "SCH-TAB-01", actor=school.head, kind="tablet", passcode_set=False)
    assert not any("passcode" in c and c != "passcode_set" for c in SchoolDevice._meta.columns)
    for who in ("office", "oak", "deputy", "dsl"):
        with pytest.raises(PermissionDenied):
            add(school, "SCH-PH-09", actor=getattr(school, who))
    with pytest.raises(RuleViolation, match="already on the register"):
        add(school, "SCH-PH-01")
    with pytest.raises(ValidationError):
        add(school, "SCH-PH-02", kind="laptop")
    with pytest.raises(ValidationError):
        add(school, "no tag!")
    assert [e.details for e in entries("school_device.add")][0] == '{"kind":"phone","passcode_set":true}'


def test_a_device_is_lent_to_a_member_of_staff_for_a_purpose_and_returned(school):
    add(school)
    loan = lend(school, purpose_note="Year 6 to Kingswood")
    assert loan.kind == "loan" and loan.staff_id == school.oak.id and loan.due_on == d(1)
    [row] = school_devices.register(school.office, now=NOW)
    assert (row.status, row.borrower, row.purpose) == ("on loan", "Oak Teacher", "school trip: Year 6 to Kingswood")
    back = school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="fine, charged", now=NOW)
    assert back.kind == "return" and back.loan_id == loan.id and back.received_by_id == school.office.id
    assert SchoolDeviceEntry.select().count() == 2  # appended, never changed
    assert SchoolDeviceEntry.get_by_id(loan.id).due_on == d(1)
    [row] = school_devices.register(school.office, now=NOW)
    assert row.status == "available" and row.borrower == ""
    assert "fine" not in entries("school_device.return")[0].details
    assert audit.verify().ok


@pytest.mark.parametrize("who", ["office", "deputy", "head"])
def test_the_office_leadership_and_head_lend_and_take_back(school, who):
    add(school)
    lend(school, actor=getattr(school, who))
    school_devices.take_back(getattr(school, who), asset_tag="SCH-PH-01", condition="ok", now=NOW)


@pytest.mark.parametrize("who", ["oak", "dsl", "admin", "chair"])
def test_nobody_else_lends_or_takes_back(school, who):
    add(school)
    with pytest.raises(PermissionDenied):
        lend(school, actor=getattr(school, who))
    lend(school)
    with pytest.raises(PermissionDenied):
        school_devices.take_back(getattr(school, who), asset_tag="SCH-PH-01", condition="ok", now=NOW)


def test_a_device_cannot_be_lent_twice_at_once(school):
    add(school)
    lend(school)
    with pytest.raises(RuleViolation, match="already on loan to Oak Teacher"):
        lend(school, staff_id=school.deputy.id)
    assert SchoolDeviceEntry.select().count() == 1


def test_lent_only_to_staff_for_a_known_purpose_due_back_within_limits(school):
    add(school)
    with pytest.raises(RuleViolation, match="only to a member of staff"):
        lend(school, staff_id=school.chair.id)
    with pytest.raises(NotFound):
        lend(school, staff_id=9999)  # a pupil or a visitor has no staff account
    with pytest.raises(ValidationError):
        lend(school, purpose="holiday")
    with pytest.raises(ValidationError, match="Say what"):
        lend(school, purpose="other")
    with pytest.raises(ValidationError):
        lend(school, due_on=d(-1))
    with pytest.raises(ValidationError):
        lend(school, due_on=d(61))
    with pytest.raises(NotFound):
        lend(school, "SCH-PH-99")
    assert SchoolDeviceEntry.select().count() == 0


def test_a_return_needs_a_loan_a_condition_and_a_receiver_who_takes_devices_back(school):
    add(school)
    with pytest.raises(RuleViolation, match="not on loan"):
        school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="ok", now=NOW)
    lend(school)
    with pytest.raises(ValidationError):
        school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition=" ", now=NOW)
    with pytest.raises(PermissionDenied):
        school_devices.take_back(
            school.office, asset_tag="SCH-PH-01", condition="ok", received_by_id=school.oak.id, now=NOW
        )
    back = school_devices.take_back(
        school.office, asset_tag="SCH-PH-01", condition="ok", received_by_id=school.deputy.id, now=NOW
    )
    assert back.received_by_id == school.deputy.id


def test_overdue_loans_are_listed_first(school):
    add(school, "SCH-PH-01")
    add(school, "SCH-PH-02")
    add(school, "SCH-TAB-01", kind="tablet")
    lend(school, "SCH-PH-02", due_on=d(3))
    lend(school, "SCH-TAB-01", due_on=d(1), staff_id=school.deputy.id)
    later = NOW + dt.timedelta(days=2)
    rows = school_devices.register(school.office, now=later)
    assert [(r.asset_tag, r.status) for r in rows] == [
        ("SCH-TAB-01", "overdue"),
        ("SCH-PH-02", "on loan"),
        ("SCH-PH-01", "available"),
    ]
    assert [r.asset_tag for r in school_devices.overdue(school.office, now=later)] == ["SCH-TAB-01"]
    assert school_devices.overdue_count(later) == 1 and school_devices.overdue_count(NOW) == 0
    with pytest.raises(PermissionDenied):
        school_devices.register(school.oak, now=later)


def test_retiring_a_device_keeps_it_and_stops_its_loans(school):
    add(school)
    lend(school)
    with pytest.raises(RuleViolation, match="on loan"):
        school_devices.retire(school.admin, asset_tag="SCH-PH-01", reason="screen cracked", now=NOW)
    school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="screen cracked", now=NOW)
    with pytest.raises(PermissionDenied):
        school_devices.retire(school.office, asset_tag="SCH-PH-01", reason="screen cracked", now=NOW)
    school_devices.retire(school.admin, asset_tag="SCH-PH-01", reason="screen cracked", now=NOW)
    with pytest.raises(RuleViolation, match="retired"):
        lend(school)
    with pytest.raises(RuleViolation, match="already retired"):
        school_devices.retire(school.head, asset_tag="SCH-PH-01", reason="again", now=NOW)
    [row] = school_devices.register(school.admin, now=NOW)
    assert row.status == "retired" and SchoolDevice.select().count() == 1


def test_an_edited_loan_is_caught_by_verify(school):
    add(school)
    loan = lend(school)
    assert audit.verify().ok
    SchoolDeviceEntry.update(staff=school.deputy.id).where(SchoolDeviceEntry.id == loan.id).execute()
    report = audit.verify()
    assert not report.ok and any("school device loan or return" in p for p in report.problems)


def test_a_version_10_database_upgrades_and_keeps_its_data(database):
    from models.store.db import close_db, db
    from models.store.tables import SCHOOL_DEVICE_MODELS, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database

    build()
    db.drop_tables(SCHOOL_DEVICE_MODELS)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="created", applied_at=NOW)
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST >= 11
    admin = Staff.get(Staff.username == "admin")
    school_devices.add_device(
        admin, asset_tag="SCH-PH-01", kind="phone", description="trips", passcode_set=True, now=NOW
    )
    assert SchoolDevice.select().count() == 1 and audit.verify().ok


def test_the_held_phones_list_keeps_the_slot_but_never_names_the_member_of_staff(school):
    from models.reports import phones

    held = hold(school)
    [row] = [r for r in phones.uncollected(NOW) if r.slot == held.place.removeprefix("slot ")]
    assert row.pupil == "Staff device (DSL)" and "Oak" not in row.pupil and row.code == ""


def test_the_dsls_feed_names_a_staff_devices_hand_over_as_a_staff_device_not_a_visitors(school):
    from models.safeguarding import concerns

    held = hold(school, pending="police")
    ledger.hand_to_police(held.device_id, school.dsl, officer="PC 1", force_reference="KP/1", now=NOW)
    [entry] = [e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.dsl) if e.device_id == held.device_id]
    assert (entry.subject, entry.about) == ("A member of staff's device", "staff")
    assert "Oak" not in entry.subject and "KP/1" in entry.detail


def test_the_feeds_history_of_a_staff_device_is_titled_as_a_staff_members(school):
    from kiosk.actions import safeguarding
    from kiosk.session import SignedIn

    held = hold(school, pending="police")
    history = safeguarding.open_entry(SignedIn.of(school.dsl), None, held.device_id, NOW)
    assert history.title == f"Chain of custody of a member of staff's phone (device {held.device_id})"
    assert any("held for the police: Allegation" in line for line in history.lines), history.lines


def test_the_it_admin_account_is_not_a_borrower_but_staff_who_also_administer_are(school):
    """Only staff who take a device out (office, teachers, leadership, the head, the DSL)
    borrow one: the IT admin account is for keeping the kiosk, not for trips."""
    add(school)
    with pytest.raises(RuleViolation, match="only to a member of staff"):
        lend(school, staff_id=school.admin.id)
    assert not school_devices.may_borrow(school.admin) and not school_devices.may_borrow(school.chair)
    both = auth.create_staff("both", "Ms B Both", [auth.TEACHER, auth.ADMIN], "605173", now=NOW)
    assert school_devices.may_borrow(both) and school_devices.may_borrow(school.office)
    lend(school, staff_id=both.id)


def test_lending_a_device_with_no_passcode_set_says_so_in_one_clear_line(school):
    """Mobile technology policy 4 (online safety 9.5): school devices "will be suitably
    protected via a passcode/password/PIN". The loan goes ahead (the register has no step to
    record a passcode set later, so refusing would strand the device), with a warning."""
    add(school)
    add(school, "SCH-TAB-01", kind="tablet", passcode_set=False)
    assert school_devices.passcode_warning("SCH-PH-01") is None
    line = school_devices.passcode_warning("sch-tab-01")
    assert line is not None and "\n" not in line
    assert line.startswith("Warning: SCH-TAB-01 has no passcode set") and "policy" in line
