"""Snapshot of the Staff devices held screen (issue 15), at 110x32 and at the 80x24 console: a
frozen clock, the headteacher's view of two staff devices (one held for the LADO, one with the
police) and none of their own (held by the chair of governors, not shown to them)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import school_devices
from models.staff import auth
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app
from tests.school import NOW
from tests.snapshots.test_snapshots import login


@pytest.fixture
def snap_staff_devices(sqlite_db):
    from tests.school import build

    school = build()
    chair = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    earlier = NOW - dt.timedelta(hours=2)
    school_devices.hold_staff_device(
        school.head,
        staff_id=school.oak.id,
        pending="lado",
        reason="Policy 11.3",
        description="black iPhone",
        now=earlier,
    )
    police = school_devices.hold_staff_device(
        school.head,
        staff_id=school.beech_teacher.id,
        pending="police",
        reason="Policy 11.3",
        description="Samsung tablet",
        now=earlier,
    )
    school_devices.staff_device_to_police(
        school.head, police.device_id, officer="PC Ng, number 4521", force_reference="K/1", now=NOW
    )
    school_devices.hold_staff_device(
        chair, staff_id=school.head.id, pending="lado", reason="KCSIE 4", description="head's phone", now=NOW
    )
    return school


@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
def test_staff_devices_held(snap_compare, snap_staff_devices, size):
    app = make_app(start="staff-devices")
    assert snap_compare(app, terminal_size=size, run_before=login("head", DEMO_PINS["head"]))
