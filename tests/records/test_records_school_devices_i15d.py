"""Records duties for staff and school devices (issue 15): a member of staff's subject access
holds the school devices lent to them (or received by them) and their own device held for the
LADO or the police; the purge takes old returned loans; a staff device's history is never purged."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.config import Settings
from models.custody import school_devices
from models.records import duties as records
from models.staff import auth
from models.store.tables import CustodyEvent, SchoolDeviceEntry
from tests.school import NOW, build

DAY = dt.timedelta(days=1)
RETENTION = dict(Settings().retention_days)
START = NOW - 3000 * DAY  # long enough ago for the six-year periods to pass


@pytest.fixture
def school(database):
    built = build(now=START)
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=START)
    return built


def _loan(school, tag, now, returned=None):
    school_devices.add_device(
        school.admin, asset_tag=tag, kind="phone", description="trips", passcode_set=True, now=now
    )
    loan = school_devices.lend(
        school.office, asset_tag=tag, staff_id=school.oak.id, purpose="trip", due_on=now.date() + DAY, now=now
    )
    if returned is not None:
        school_devices.take_back(school.deputy, asset_tag=tag, condition="fine", now=returned)
    return loan


def test_a_staff_members_subject_access_holds_their_loans_and_their_device_held(school):
    _loan(school, "SCH-PH-01", NOW - 2 * DAY, returned=NOW - DAY)
    held = school_devices.hold_staff_device(
        school.dsl, staff_id=school.oak.id, pending="police", reason="IIOC", description="black iPhone", now=NOW
    )
    oak = records.subject_access(records.staff_subject("oak"), now=NOW)
    assert [(r["asset_tag"], r["kind"], r["borrower"]) for r in oak.sections["school_device_loans"]] == [
        ("SCH-PH-01", "loan", "Oak Teacher"),
        ("SCH-PH-01", "return", ""),
    ]
    [dev] = oak.sections["staff_devices"]
    assert (dev["device_id"], dev["pending"], dev["description"]) == (held.device_id, "police", "black iPhone")
    deputy = records.subject_access(records.staff_subject("deputy"), now=NOW)
    assert [r["received_by"] for r in deputy.sections["school_device_loans"]] == ["", "Deputy"]
    assert deputy.sections["staff_devices"] == []


def test_purge_takes_old_returned_loans_and_never_a_staff_devices_history(school):
    _loan(school, "SCH-PH-01", START, returned=START + DAY)
    open_loan = _loan(school, "SCH-PH-02", START)  # never returned: kept
    recent = _loan(school, "SCH-PH-03", NOW - 10 * DAY, returned=NOW - 5 * DAY)
    held = school_devices.hold_staff_device(
        school.dsl, staff_id=school.oak.id, pending="lado", reason="LADO", now=START
    )
    school_devices.return_to_staff(school.dsl, held.device_id, decision="No further action", now=START + DAY)
    dry = records.purge(RETENTION, now=NOW, dry_run=True)
    assert dry.deleted["school_device_loans"] == 2 and dry.deleted["hand_ins"] == 0
    done = records.purge(RETENTION, now=NOW)
    assert done.deleted == dry.deleted
    assert {e.id for e in SchoolDeviceEntry.select().where(SchoolDeviceEntry.kind == "loan")} == {
        open_loan.id,
        recent.id,
    }
    assert CustodyEvent.select().where(CustodyEvent.device == held.device_id).count() == 2
    assert audit.verify().ok
