"""Issue 15's new-user walk (helper h1): five defects, each a domain rule.

1. A confiscation for suspected nude or semi-nude images alerts the DSL at once (online
   safety 11.1.1; UKCIS), as a Prevent concern and an allegation do.
2. The headteacher's own device (the head is the DSL) is handed to the police by the chair
   of governors, who holds it; the chair gains no police powers over anything else.
3. A call to the police about a phone held for the DSL is the DSL's (or the head's) to record.
5. A passcode or PIN is never written into the register of the school's devices (M4).
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger, school_devices
from models.custody.devices import resolve
from models.errors import PermissionDenied, ValidationError
from models.safeguarding import concerns, parents
from models.staff import auth
from tests.school import NOW, build

LATER = NOW + dt.timedelta(hours=1)
NUDE_ALERT = "a confiscation for suspected nude or semi-nude images"


@pytest.fixture
def school(database):
    built = build()  # its head is the headteacher and the DSL, as in the demo
    built.chair = auth.create_staff("chair", "Mrs C Chair (chair)", [auth.CHAIR], "591846", now=NOW)
    return built


def phone(school, adno="000001") -> int:
    return resolve(school.codes[adno]).device.id


def confiscate(school, category="nude_images", adno="000001", who=None) -> ledger.CustodyEvent:
    return ledger.confiscate(
        phone(school, adno), who or school.oak, category=category, reason="Shared an image", policy="OS 11.1", now=NOW
    )


# ---------------------------------------------------------------- 1. the DSL is alerted at once


def test_a_nude_images_confiscation_alerts_the_dsl_until_opened(school):
    confiscate(school, "behaviour", adno="000002")  # not urgent
    event = confiscate(school)
    assert concerns.urgent_custody_unseen(school.head) == [(event.id, NUDE_ALERT)]
    for who in (school.office, school.oak, school.deputy, school.admin, school.chair):
        assert concerns.urgent_custody_unseen(who) == []  # never the pupil, never for them
    concerns.mark_event_seen(event.id, school.head, now=LATER)
    assert concerns.urgent_custody_unseen(school.head) == []


def test_an_undone_nude_images_confiscation_no_longer_alerts(school):
    event = confiscate(school)
    ledger.reverse(event.id, school.head, reason="Wrong pupil", now=NOW + dt.timedelta(minutes=5))
    assert concerns.urgent_custody_unseen(school.head) == []


def test_the_alert_line_and_keys_come_from_the_actions_layer(school):
    from kiosk.actions.safeguarding import alert_line, urgent_alerts
    from kiosk.session import SignedIn

    prevent = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=1, what="Said things", category="radicalisation", now=NOW
    )
    event = confiscate(school)
    alerts = urgent_alerts(SignedIn.of(school.head))
    assert alerts == [
        (f"concern-{prevent.id}", "a radicalisation (Prevent) concern"),
        (f"custody-{event.id}", NUDE_ALERT),
    ]  # one key each: a concern's id and an event's never collide
    assert alert_line(alerts) == (
        "ALERT, not yet opened: a radicalisation (Prevent) concern; "
        "a confiscation for suspected nude or semi-nude images. Press S."
    )


# ---------------------------------------------------------------- 2. the head's device to the police


def held_heads_device(school) -> int:
    return school_devices.hold_staff_device(
        school.chair, staff_id=school.head.id, pending="police", reason="Allegation", description="iPhone", now=NOW
    ).device_id


def test_the_chair_hands_the_heads_own_device_to_the_police(school):
    device_id = held_heads_device(school)
    with pytest.raises(PermissionDenied, match="their own device"):
        school_devices.staff_device_to_police(school.head, device_id, officer="PC 1", force_reference="KP/1", now=LATER)
    event = school_devices.staff_device_to_police(
        school.chair, device_id, officer="PC 1", force_reference="KP/1", now=LATER
    )
    assert event.kind == ledger.POLICE_EV and ledger.state_of(device_id).state == ledger.POLICE
    with pytest.raises(PermissionDenied, match="their own device"):  # nor its return, by the head
        ledger.return_from_police(device_id, school.head, officer="PC 1", reference="KP/1", now=LATER)
    ledger.return_from_police(device_id, school.chair, officer="PC 1", reference="KP/1", now=LATER)
    assert ledger.state_of(device_id).state == ledger.CONFISCATED
    assert audit.verify().ok


def test_the_chair_has_no_police_powers_over_pupils_phones_or_other_staffs_devices(school):
    assert auth.CHAIR not in auth.PERMISSIONS["police"]
    ledger.hand_in(school.codes["000001"], school.office, now=NOW - dt.timedelta(minutes=30))
    confiscate(school, "behaviour")
    with pytest.raises(PermissionDenied):
        ledger.hand_to_police(phone(school), school.chair, officer="PC 1", force_reference="KP/1", now=LATER)
    oaks = school_devices.hold_staff_device(
        school.head, staff_id=school.oak.id, pending="police", reason="Phone out in class", description="phone", now=NOW
    ).device_id
    with pytest.raises(PermissionDenied):
        school_devices.staff_device_to_police(school.chair, oaks, officer="PC 1", force_reference="KP/1", now=LATER)
    assert ledger.state_of(phone(school)).state == ledger.CONFISCATED
    assert ledger.state_of(oaks).state == ledger.CONFISCATED


# ---------------------------------------------------------------- 3. the police call, held for the DSL


def test_a_call_to_the_police_about_a_phone_held_for_the_dsl_is_the_dsls(school):
    device_id = confiscate(school).device_id
    call = dict(device_id=device_id, line="101", reference="KP-1", called_at=NOW, now=LATER)
    with pytest.raises(PermissionDenied) as err:
        parents.record_police_contact(school.deputy, **call)
    assert str(err.value) == (
        "Held for the DSL: the DSL decides on the police and the parents (online safety 11.1.1): "
        "only the DSL or the headteacher may record a call to the police about it."
    )
    assert parents.record_police_contact(school.head, **call).id  # the DSL (the head, here)


def test_once_the_dsl_keeps_it_for_the_police_leadership_may_record_the_call(school):
    device_id = confiscate(school).device_id
    ledger.record_dsl_decision(device_id, school.head, decision="keep_for_police", note="CEOP", now=NOW)
    row = parents.record_police_contact(
        school.deputy, device_id=device_id, line="101", reference="KP-2", called_at=NOW, now=LATER
    )
    assert row.device_id == device_id


def test_a_phone_not_held_for_the_dsl_is_called_about_as_before(school):
    device_id = confiscate(school, "behaviour").device_id
    assert parents.record_police_contact(
        school.deputy, device_id=device_id, line="999", reference="KP-3", called_at=NOW, now=LATER
    ).id


# ---------------------------------------------------------------- 5. no passcode in the register

REFUSED = [
    "passcode 1234",
    "PIN: 482916",
    "code is 0000",
    "trips phone, pin 4829",
    "Password = 12345678",
    "unlock 9876",
    "unlock code: 2468",
    "1234 is the pin",
    "iPad (passcode: 135790)",
    "PIN-1357",
    "pin number 2580",
    "0000 passcode",
    "reset pin to 1111",
    # a walk (h8) got these past the first rule: spaced digits, a digit-like letter, number
    # words, "unlocks with", "lock"
    "unlock: 4 8 2 1",
    "Kingswood. Unlocks with 1234",
    "lock 9999",
    "code to open it 482l",
    "PIN four eight two one",
    "Y6 trip, the pin is 4821",
    "4-8-2-1",
]
ACCEPTED = [
    "iPad 7 (2019)",
    "serial 4F7Q2",
    "trips phone (Nokia, black case)",
    "passcode set by the office",
    "asset code 20191234",
    "barcode 50012345",
    "postcode 1234",
    "Samsung A12, model 2021",
    "pin badge 1234",
    "code 12",
    "locked in the office safe",
    "back on 12/12/2026 after the Kingswood trip",
    "Year 6 trip to Kingswood 2026",
    "one charger, two cables",
]


@pytest.mark.parametrize("text", REFUSED)
def test_text_holding_a_passcode_is_refused(text):
    problem = school_devices.passcode_problem(text, "device's description")
    assert problem is not None and "\n" not in problem
    assert problem.startswith("The device's description looks like it holds a passcode or PIN")


@pytest.mark.parametrize("text", ACCEPTED)
def test_text_with_no_passcode_is_accepted(text):
    assert school_devices.passcode_problem(text, "device's description") is None


def test_the_register_refuses_a_passcode_in_a_description_or_a_note(school):
    with pytest.raises(ValidationError, match="^The device's description looks like"):
        school_devices.add_device(
            school.admin,
            asset_tag="SCH-PH-01",
            kind="phone",
            description="trips phone, PIN 4829",
            passcode_set=True,
            now=NOW,
        )
    assert school_devices.register(school.admin, now=NOW) == []  # nothing recorded
    school_devices.add_device(
        school.admin, asset_tag="SCH-PH-01", kind="tablet", description="iPad 7 (2019)", passcode_set=True, now=NOW
    )
    with pytest.raises(ValidationError, match="^The note on the purpose looks like"):
        school_devices.lend(
            school.office,
            asset_tag="SCH-PH-01",
            staff_id=school.oak.id,
            purpose="other",
            purpose_note="Year 6 trip, code is 0000",
            due_on=NOW.date(),
            now=NOW,
        )
    school_devices.lend(
        school.office, asset_tag="SCH-PH-01", staff_id=school.oak.id, purpose="trip", due_on=NOW.date(), now=NOW
    )
    with pytest.raises(ValidationError, match="^The device's condition looks like"):
        school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="fine, reset pin to 1111", now=LATER)
