"""Issue 11, items 7 and 15, in the domain: what a scan may record, and where a phone goes.

* Only K codes are pupils' phones: an S (slip) or V (visitor's phone) code is never
  registered to a pupil, handed in or released as one, and the refusal says what the code
  is and where to use it.
* A full tray never blocks the record: the phone goes to the configured overflow place.
"""

from __future__ import annotations

import pytest

from models.audit import chain as audit
from models.custody import codes
from models.custody import ledger as custody
from models.custody.devices import register_pupil_device
from models.errors import KioskError, ValidationError
from models.staff.auth import DETAIL_ROLES
from models.store.tables import CustodyEvent, Device, Label
from tests.school import NOW, build

SLIP = codes.make_code("S", 121367)
VISITOR = codes.make_code("V", 345678)


@pytest.fixture
def school(database):
    return build()


# ---------------------------------------------------------------- item 7: only K codes are pupils' phones


@pytest.mark.parametrize("code, what", [(SLIP, "visitor's slip"), (VISITOR, "visitor's phone label")])
def test_a_slip_or_visitor_code_is_never_registered_to_a_pupil(school, code, what):
    with pytest.raises(ValidationError) as err:
        register_pupil_device("000003", actor=school.office, code=code, now=NOW)
    assert str(err.value) == f"{code} is a {what}, not a pupil's phone label: only K labels are registered to pupils."
    assert not Label.select().where(Label.code == code).exists()
    assert Device.select().where(Device.pupil == 3).count() == 1  # Cara's one phone, nothing added


@pytest.mark.parametrize("operation", [custody.hand_in, custody.release])
def test_a_slip_scanned_at_hand_in_or_release_says_what_it_is_and_where_to_use_it(school, operation):
    before = CustodyEvent.select().count()
    with pytest.raises(KioskError) as err:
        operation(SLIP, school.office, now=NOW)
    assert str(err.value) == f"{SLIP} is a visitor's slip: sign visitors out on the Visitors screen."
    assert err.value.outcome == "NOT_PUPIL"
    assert CustodyEvent.select().count() == before


@pytest.mark.parametrize("operation", [custody.hand_in, custody.release])
def test_a_visitor_label_scanned_at_hand_in_or_release_points_to_the_visitors_screen(school, operation):
    with pytest.raises(KioskError) as err:
        operation(VISITOR, school.office, now=NOW)
    assert str(err.value) == (
        f"{VISITOR} is a visitor's phone label: receive and return visitors' phones on the Visitors screen."
    )
    assert err.value.outcome == "NOT_PUPIL"


def test_a_registered_visitor_phone_is_not_handed_in_as_a_pupils_phone(school):
    # A V label on a visitor's device: whatever its state, hand-in refuses it before looking it up.
    from models.audit.tx import write_tx

    with write_tx():  # as the kiosk writes it, so the audit binds the rows (verify checks that below)
        device = Device.create(kind="visitor", description="phone", registered_at=NOW)
        Label.create(code=VISITOR, device=device, issued_at=NOW)
    before = CustodyEvent.select().count()
    with pytest.raises(KioskError, match="visitor's phone label"):
        custody.hand_in(VISITOR, school.office, now=NOW)
    assert CustodyEvent.select().count() == before
    assert custody.verify_states() == [] and audit.verify().ok


# ---------------------------------------------------------------- item 15: a full tray never blocks the record


@pytest.fixture
def full_school(database):
    from models.custody import trays

    trays.set_overflow_place("Office cupboard, box O")
    school = build(slots_oak=2, shared_slots=1)
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    yield school
    trays.set_overflow_place(trays.DEFAULT_OVERFLOW_PLACE)


def _later(minutes):
    import datetime as dt

    return NOW + dt.timedelta(minutes=minutes)


def test_a_phone_with_no_free_slot_is_recorded_in_the_overflow_place(full_school):
    from models.store.tables import AuditEntry, DeviceState

    school = full_school
    out = custody.hand_in(school.codes["000003"], school.office, now=_later(1))
    assert out.outcome == "OK" and out.overflow
    assert out.slot == "Office cupboard, box O"
    assert out.message == "No free slot: put it in Office cupboard, box O, and tell the office to add slots."
    device = custody.resolve(school.codes["000003"]).device.id
    row = DeviceState.get_by_id(device)
    assert (row.state, row.tray_id, row.slot_no) == ("in_tray", None, None)
    event = CustodyEvent.get(CustodyEvent.device == device)
    assert event.kind == "handed_in" and event.note == "overflow: Office cupboard, box O"
    assert AuditEntry.select().order_by(AuditEntry.seq.desc()).first().action == "custody.handed_in"
    assert "overflow: Office cupboard, box O" in custody.describe_event(event, reader=DETAIL_ROLES)
    # a second scan says where it is
    again = custody.hand_in(school.codes["000003"], school.office, now=_later(2))
    assert again.outcome == "DUPLICATE" and again.message == "already in Office cupboard, box O"
    assert custody.verify_states() == [] and audit.verify().ok


def test_many_phones_share_the_overflow_place_and_each_is_released(full_school):
    from models.reports import phones as reports

    school = full_school
    for i, adno in enumerate(("000003", "000004", "000005")):  # Beech has no tray; the shared tray has 1 slot
        custody.hand_in(school.codes[adno], school.office, now=_later(i))
    places = {r.pupil: r.slot for r in reports.uncollected(_later(10))}
    assert places["Cara Smith"] == "Office cupboard, box O"
    assert list(places.values()).count("Office cupboard, box O") == 2
    assert "C-01" in places.values()
    out = custody.release(school.codes["000003"], school.office, now=_later(20))
    assert out.outcome == "OK" and out.message == "released from Office cupboard, box O"
    assert custody.verify_states() == [] and audit.verify().ok


def test_an_overflow_phone_can_be_confiscated_searched_moved_to_a_slot_and_released_to_a_parent(full_school):
    from models.school.people import contacts_of
    from models.store.tables import DeviceState

    school = full_school
    custody.hand_in(school.codes["000003"], school.office, now=_later(1))
    cara = custody.resolve(school.codes["000003"]).device.id
    custody.confiscate(cara, school.deputy, category="behaviour", reason="used in class", policy="4.2", now=_later(2))
    row = DeviceState.get_by_id(cara)
    assert (row.state, row.tray_id) == ("confiscated", None)
    with pytest.raises(KioskError, match="Office cupboard, box O"):
        custody.release(school.codes["000003"], school.office, now=_later(3))
    custody.release(school.codes["000001"], school.office, now=_later(4))  # frees B-01
    from models.store.tables import Tray

    custody.move(cara, school.office, tray_id=Tray.get(Tray.name == "B").id, slot_no=1, now=_later(5))
    assert DeviceState.get_by_id(cara).slot_no == 1
    ava = custody.resolve(school.codes["000001"]).device.id
    custody.confiscate(
        ava, school.deputy, category="behaviour", reason="photos", policy="4.2", now=_later(6)
    )  # out: to overflow
    assert DeviceState.get_by_id(ava).tray_id is None
    mother = [c for c in contacts_of(1) if c.name == "Priya Patel"][0]
    custody.release_to_contact(ava, school.deputy, contact_id=mother.id, id_seen=True, now=_later(7))
    assert DeviceState.get_by_id(ava).state == "out"
    assert custody.verify_states() == [] and audit.verify().ok


def test_undo_of_an_overflow_hand_in_and_of_a_move_out_of_overflow(full_school):
    from models.store.tables import DeviceState, Tray

    school = full_school
    out = custody.hand_in(school.codes["000003"], school.office, now=_later(1))
    custody.reverse(out.event_id, school.office, reason="wrong phone", now=_later(2))
    cara = custody.resolve(school.codes["000003"]).device.id
    assert DeviceState.get_by_id(cara).state == "out"
    custody.hand_in(school.codes["000003"], school.office, now=_later(3))
    custody.release(school.codes["000002"], school.office, now=_later(4))
    moved = custody.move(cara, school.office, tray_id=Tray.get(Tray.name == "B").id, slot_no=2, now=_later(5))
    custody.reverse(moved.id, school.office, reason="wrong slot", now=_later(6))
    row = DeviceState.get_by_id(cara)
    assert (row.state, row.tray_id, row.slot_no) == ("in_tray", None, None)
    assert custody.verify_states() == [] and audit.verify().ok


def test_overflow_place_is_read_from_the_configuration_with_a_default(tmp_path):
    from models.config import Settings, load_settings
    from models.custody import trays
    from models.errors import ConfigError

    assert Settings().overflow_place == trays.DEFAULT_OVERFLOW_PLACE == "Office overflow box"
    path = tmp_path / "kiosk.toml"
    path.write_text('overflow_place = "Office cupboard, box O"\n', encoding="utf-8")
    assert load_settings(path).overflow_place == "Office cupboard, box O"
    for bad in ('overflow_place = ""', "overflow_place = 3", f'overflow_place = "{"x" * 81}"'):
        path.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="overflow_place"):
            load_settings(path)


# ---------------------------------------------------------------- item 13: where a code scanned at Home belongs


def test_route_scan_sends_a_phone_with_its_owner_to_hand_in_and_says_what_to_do_otherwise(school):
    from models.custody.devices import route_scan
    from models.staff import auth

    office = frozenset({auth.OFFICE})
    admin = frozenset({auth.ADMIN})
    ava, unknown = school.codes["000001"], codes.make_code("K", 555555)
    assert route_scan(ava, office) == ("hand-in", ava)
    assert route_scan(" " + ava.lower() + " ", office) == ("hand-in", ava)
    assert route_scan(unknown, office) == ("hand-in", unknown)  # the hand-in screen offers F3
    assert route_scan(SLIP, office) == (
        None,
        f"{SLIP} is a visitor's slip: press V for Visitors and scan it there to sign the visitor out.",
    )
    assert route_scan(VISITOR, office)[0] is None
    assert route_scan("hello", office) == (
        None,
        "Invalid code 'hello': a label code is a letter and 7 digits. Scan a phone's label again.",
    )
    assert route_scan(ava, admin) == (
        None,
        f"{ava} is Ava Patel's phone: your role does not hand phones in. "
        "Ask the office to scan it on the Morning hand-in screen.",
    )
    custody.hand_in(ava, school.office, now=NOW)
    assert route_scan(ava, office) == (
        None,
        "Ava Patel's phone is in slot B-01: press R for end-of-day release to give it back.",
    )
    custody.confiscate(
        custody.resolve(ava).device.id,
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="p",
        now=NOW,
    )
    assert route_scan(ava, office) == (
        None,
        "Ava Patel's phone is confiscated (held in slot B-01): only a listed parent or carer may collect it.",
    )
    assert CustodyEvent.select().count() == 2  # routing records nothing itself


def test_reports_name_the_overflow_place(full_school):
    from models.reports import phones as reports

    school = full_school
    custody.hand_in(school.codes["000003"], school.office, now=_later(1))
    cara = custody.resolve(school.codes["000003"]).device.id
    custody.confiscate(cara, school.deputy, category="behaviour", reason="used in class", policy="4.2", now=_later(2))
    rows = [r for r in reports.day(NOW.date(), reader=DETAIL_ROLES) if r["pupil"] == "Cara Smith"]
    assert [r["detail"] for r in rows] == [
        "handed in, overflow: Office cupboard, box O",
        "confiscated (behaviour; 4.2): used in class; held in Office cupboard, box O",
    ]
    check = {r.pupil: r for r in reports.class_checklist("Oak", NOW.date())}
    assert check["Cara Smith"].text == "confiscated: parent collection (Office cupboard, box O)"
    assert check["Ava Patel"].text == "in slot B-01"
    listed = {r["pupil"]: r["slot"] for r in reports.devices("Oak")}
    assert listed["Cara Smith"] == "Office cupboard, box O" and listed["Ava Patel"] == "B-01"
