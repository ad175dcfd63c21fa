"""The headteacher's own device, when the head is also the DSL, is held by the chair of
governors (KCSIE Part 4: an allegation about the head goes to the chair).

A new-user walk found `kiosk staff-devices hold --staff head --for lado` refused for every
role: the head may not hold their own, and nobody else had ``hold_staff_device``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger, school_devices
from models.errors import PermissionDenied
from models.staff import auth
from models.store.tables import DeviceState, StaffDevice
from tests.school import NOW, build


@pytest.fixture
def school(database):
    built = build()  # its head is the headteacher and the DSL, as in the demo
    built.chair = auth.create_staff("chair", "Mrs C Chair (chair)", [auth.CHAIR], "591846", now=NOW)
    return built


def hold(actor, owner, now=NOW):
    return school_devices.hold_staff_device(
        actor, staff_id=owner.id, pending="lado", reason="Allegation about the head", description="iPhone", now=now
    )


def test_the_chair_holds_returns_and_reads_the_heads_device(school):
    held = hold(school.chair, school.head)
    assert StaffDevice.get(StaffDevice.device == held.device_id).staff_id == school.head.id
    assert held.place.startswith("slot C-")
    [row] = school_devices.staff_devices(school.chair)
    assert (row.owner, row.pending) == ("Head", "LADO")
    [event] = [e for e in ledger.history(held.device_id) if e.kind == ledger.HELD_STAFF]
    assert "Allegation" in ledger.describe_event(event, reader=school.chair)
    assert "Allegation" not in ledger.describe_event(event, reader=school.head)  # never the head's own
    assert school_devices.staff_devices(school.head) == []
    school_devices.return_to_staff(
        school.chair, held.device_id, decision="LADO: no further action", now=NOW + dt.timedelta(hours=1)
    )
    assert DeviceState.get(DeviceState.device == held.device_id).state == ledger.OUT
    assert audit.verify().ok


def test_the_chair_holds_no_one_elses_device(school):
    with pytest.raises(PermissionDenied) as err:
        hold(school.chair, school.oak)
    line = str(err.value)
    assert "\n" not in line and line == (
        "The chair of governors holds only the headteacher's own device: ask the DSL or the headteacher."
    )


def test_the_head_still_never_holds_their_own_and_nobody_their_own(school):
    with pytest.raises(PermissionDenied, match="their own device"):
        hold(school.head, school.head)
    with pytest.raises(PermissionDenied, match="their own device"):
        hold(school.chair, school.chair)


def test_the_head_does_not_return_their_own_device_held_by_the_chair(school):
    held = hold(school.chair, school.head)
    with pytest.raises(PermissionDenied, match="their own device"):
        school_devices.return_to_staff(school.head, held.device_id, decision="mine", now=NOW + dt.timedelta(hours=1))
