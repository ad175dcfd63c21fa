"""The day report and members of staff's own devices held (issue 15): that the chair held
the head's device, and that anyone held one at all, is for those who may read its details
(``models.custody.staff_device_access.may_read``), not for a report anyone may run."""

from __future__ import annotations

import pytest

from kiosk.actions import listings
from models.clock import SCHOOL_TZ, to_local
from models.custody import school_devices
from models.reports import phones as reports
from models.staff import auth
from tests.school import NOW, build


@pytest.fixture
def school(database):
    built = build(now=NOW)
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    built.chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "947261", now=NOW)
    return built


def _held_by(rows):
    return [(r["event"], r["by"]) for r in rows if r["class"] == "" and r["by"] in ("chair", "dsl")]


def test_the_open_day_report_lists_no_staff_device(school):
    school_devices.hold_staff_device(
        school.chair, staff_id=school.head.id, pending="police", reason="Phone out in class", now=NOW
    )
    school_devices.hold_staff_device(
        school.dsl, staff_id=school.oak.id, pending="lado", reason="Phone out in class", now=NOW
    )
    day = to_local(NOW, SCHOOL_TZ).date()
    everyone = reports.day(day, SCHOOL_TZ, reader=())
    assert _held_by(everyone) == []
    assert listings.day_events(day, SCHOOL_TZ) == everyone
    # Those who may read a hold see it; the head never sees the chair's hold of her own device.
    assert [r["by"] for r in reports.day(day, SCHOOL_TZ, reader=school.head) if r["by"] in ("chair", "dsl")] == ["dsl"]
    assert sorted(r["by"] for r in reports.day(day, SCHOOL_TZ, reader=school.dsl) if r["by"] in ("chair", "dsl")) == [
        "chair",
        "dsl",
    ]
    assert [r for r in reports.day(day, SCHOOL_TZ, reader=school.oak) if r["by"] in ("chair", "dsl")] == []


def test_the_heads_device_says_who_reads_it_without_naming_the_head(school):
    from models.custody import ledger
    from models.store.tables import CustodyEvent

    heads = school_devices.hold_staff_device(
        school.chair, staff_id=school.head.id, pending="police", reason="Phone out in class", now=NOW
    )
    oaks = school_devices.hold_staff_device(
        school.dsl, staff_id=school.oak.id, pending="lado", reason="Phone out in class", now=NOW
    )
    head_event = CustodyEvent.get(CustodyEvent.device == heads.device_id)
    oak_event = CustodyEvent.get(CustodyEvent.device == oaks.device_id)
    line = ledger.describe_event(head_event, reader=school.head)
    assert "details for the chair of governors and a DSL who is not the headteacher" in line
    assert "the DSL and the headteacher" not in line
    assert "details for the DSL and the headteacher" in ledger.describe_event(oak_event, reader=school.oak)
