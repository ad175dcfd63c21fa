"""A member of staff's own device back from the police (issue 15): the ledger's return, for a
staff device only; the chair of governors records it for the headteacher's own device and no
one else's, and nobody records it for their own device."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger, school_devices
from models.custody.devices import resolve
from models.errors import NotFound, PermissionDenied
from models.staff import auth
from models.store.tables import DeviceState
from tests.school import NOW, build

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    built = build()  # its head is the headteacher and the DSL, as in the demo
    built.chair = auth.create_staff("chair", "Mrs C Chair (chair)", [auth.CHAIR], "591846", now=NOW)
    return built


def with_the_police(actor, owner) -> int:
    held = school_devices.hold_staff_device(
        actor, staff_id=owner.id, pending="police", reason="KCSIE Part 4", description="iPhone", now=NOW
    )
    school_devices.staff_device_to_police(
        actor, held.device_id, officer="PC Smith, number 123", force_reference="KP/1", now=NOW
    )
    return held.device_id


def back(actor, device_id):
    return school_devices.staff_device_from_police(
        actor, device_id, officer="PC Smith, number 123", reference="KP/1", next_steps="LADO decides", now=LATER
    )


def test_the_chair_records_the_heads_device_back_from_the_police(school):
    device = with_the_police(school.chair, school.head)
    event = back(school.chair, device)
    assert event.kind == ledger.POLICE_RETURNED
    assert DeviceState.get(DeviceState.device == device).state == ledger.CONFISCATED
    [row] = school_devices.staff_devices(school.chair)
    assert row.state.startswith("held in slot C-")
    school_devices.return_to_staff(school.chair, device, decision="No further action", now=LATER)
    assert DeviceState.get(DeviceState.device == device).state == ledger.OUT
    assert audit.verify().ok


def test_the_head_is_refused_on_their_own_device(school):
    device = with_the_police(school.chair, school.head)
    with pytest.raises(PermissionDenied) as err:
        back(school.head, device)
    assert "their own device" in str(err.value) and "\n" not in str(err.value)
    assert DeviceState.get(DeviceState.device == device).state == ledger.POLICE


def test_the_chair_is_refused_on_anyone_elses_device(school):
    device = with_the_police(school.head, school.oak)
    with pytest.raises(PermissionDenied) as err:
        back(school.chair, device)
    assert "\n" not in str(err.value)
    assert DeviceState.get(DeviceState.device == device).state == ledger.POLICE
    back(school.head, device)  # the head (with the police permission) may
    assert DeviceState.get(DeviceState.device == device).state == ledger.CONFISCATED


def test_a_pupils_phone_is_not_a_staff_device(school):
    phone = resolve(school.codes["000001"]).device.id
    with pytest.raises(NotFound, match="no such member of staff's device"):
        back(school.head, phone)
