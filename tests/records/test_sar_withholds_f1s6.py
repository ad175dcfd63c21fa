"""A subject access export holds only what whoever makes it may read (f1s6, findings 1a and 1b).

* A member of staff's own device held for the LADO or the police follows the staff-device rule
  (``models.custody.staff_device_access.may_read``): the headteacher never reads her own held
  device, nor an admin anyone's. Its register row, the audit entries about it (the chair's
  ``staff_device.register {"staff_id": …}``) and its events are withheld from such an export,
  counted, with who must review them (the chair of governors for the head's device).
* A search's, a confiscation's and a police hand-over's details (grounds, consent, outcome, what
  was found) on a pupil's phone are withheld unless the exporter may read them
  (``models.staff.auth.may_read_details``): the event stays, its details go, counted, for the DSL.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from kiosk.actions import records as records_actions
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody import school_devices
from models.custody.devices import resolve
from models.records import duties
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import Pupil
from tests.school import NOW, build

H = dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    s = build()
    s.chair = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    return s


def _hold_heads_device(school):
    return school_devices.hold_staff_device(
        school.chair, staff_id=school.head.id, pending="lado", reason="HEAD-DEVICE-SECRET", now=NOW
    )


def _text(export) -> str:
    return json.dumps(export.as_json(), default=str)


def test_the_heads_export_of_the_chair_leaves_out_the_heads_own_held_device(school):
    held = _hold_heads_device(school)
    export = duties.subject_access(duties.staff_subject("chair"), actor=school.head, now=NOW + H)
    text = _text(export)
    assert "staff_device.register" not in text
    assert f'"staff_id": {school.head.id}' not in text and "HEAD-DEVICE-SECRET" not in text
    assert not [r for r in export.sections["audit"] if r["action"].startswith(("staff_device.", "custody."))]
    assert export.withheld.staff_devices == {"the chair of governors": (held.device_id,)}
    assert export.withheld.count == 1
    statement = export.withheld.statement()
    assert "WITHHELD: 1 member of staff's own device held for the LADO or the police" in statement
    assert f"the chair of governors: 1 (device #{held.device_id})" in statement
    assert export.as_json()["withheld"]["staff_devices"] == [
        {"reviewer": "the chair of governors", "device_ids": [held.device_id]}
    ]


def test_the_head_cannot_export_her_own_held_device_and_the_admin_neither(school):
    held = _hold_heads_device(school)
    for actor in (school.head, school.admin):
        export = duties.subject_access(duties.staff_subject("head"), actor=actor, now=NOW + H)
        assert export.sections["staff_devices"] == []
        assert export.withheld.staff_devices == {"the chair of governors": (held.device_id,)}
    # the chair may read it; the domain's own use (no person) withholds nothing
    assert duties.subject_access(duties.staff_subject("chair"), now=NOW + H).withheld.count == 0
    whole = duties.subject_access(duties.staff_subject("head"), now=NOW + H)
    assert [r["device_id"] for r in whole.sections["staff_devices"]] == [held.device_id]


def test_a_teachers_held_device_is_exported_by_the_head_and_withheld_from_the_admin(school):
    held = school_devices.hold_staff_device(
        school.head, staff_id=school.oak.id, pending="police", reason="IIOC", description="black iPhone", now=NOW
    )
    by_head = duties.subject_access(duties.staff_subject("oak"), actor=school.head, now=NOW + H)
    assert [r["device_id"] for r in by_head.sections["staff_devices"]] == [held.device_id]
    assert by_head.withheld.count == 0
    by_admin = duties.subject_access(duties.staff_subject("oak"), actor=school.admin, now=NOW + H)
    assert by_admin.sections["staff_devices"] == []
    assert by_admin.withheld.staff_devices == {"the DSL": (held.device_id,)}
    assert "black iPhone" not in _text(by_admin)
    # the head's own export (as the actor of the hold) is hers to read: nothing withheld
    own = duties.subject_access(duties.staff_subject("head"), actor=school.head, now=NOW + H)
    assert any(r["action"] == "staff_device.register" for r in own.sections["audit"])


def _searched(school) -> tuple[int, int]:
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    conf = custody.confiscate(
        dev, school.oak, category="behaviour", reason="REASON-SECRET filming", policy="MTP 6", now=NOW + H
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    search = custody.record_search(
        dev,
        school.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="ITEM-SECRET",
        location="the office",
        grounds="GROUNDS-SECRET",
        found_what="FOUND-SECRET image",
        outcome="content_deleted",
        follow_up="FOLLOW-SECRET",
        now=NOW + 2 * H,
    )
    return conf.id, search.id


SECRETS = ("REASON-SECRET", "GROUNDS-SECRET", "ITEM-SECRET", "FOUND-SECRET", "FOLLOW-SECRET", "content_deleted")


def test_an_admins_export_of_a_pupil_withholds_search_and_confiscation_details(school):
    conf_id, search_id = _searched(school)
    export = duties.subject_access(duties.pupil_subject("000001"), actor=school.admin, now=NOW + 3 * H)
    text = _text(export)
    for secret in SECRETS:
        assert secret not in text, secret
    rows = {r["id"]: r for r in export.sections["custody_events"]}
    assert rows[search_id]["kind"] == "searched" and rows[search_id]["grounds"] is None
    assert rows[search_id]["consent_by"] is None and rows[search_id]["found_what"] is None
    assert rows[conf_id]["kind"] == "confiscated" and rows[conf_id]["reason"] is None
    assert rows[conf_id]["slot_no"] is not None  # where the phone is held stays
    assert export.withheld.details == {"the DSL": (conf_id, search_id)}
    statement = export.withheld.statement()
    assert "WITHHELD: the details of 2 searches, confiscations or police hand-overs" in statement
    assert f"the DSL: 2 (event #{conf_id}, event #{search_id})" in statement
    # the audit entries of those events keep what happened, not the outcome
    audit_rows = [r for r in export.sections["audit"] if r["entity"] == "custody_event"]
    assert audit_rows and all("outcome" not in r["details"] for r in audit_rows)


def test_the_head_exports_the_details_whole(school):
    _searched(school)
    export = duties.subject_access(duties.pupil_subject("000001"), actor=school.head, now=NOW + 3 * H)
    text = _text(export)
    for secret in SECRETS:
        assert secret in text, secret
    assert export.withheld.count == 0 and "WITHHELD" not in export.as_json()["note"]


def test_the_sar_command_says_what_details_it_withheld(school, tmp_path):
    _, search_id = _searched(school)
    done = records_actions.subject_access(
        SignedIn.of(school.admin), records_actions.subject(pupil="000001"), str(tmp_path / "a.zip"), NOW + 3 * H
    )
    assert "WITHHELD: the details of 2 searches" in done.withheld and "review them: the DSL: 2" in done.withheld
    with zipfile.ZipFile(done.path) as z:
        assert "WITHHELD.txt" in z.namelist()
        assert all(b"GROUNDS-SECRET" not in z.read(n) for n in z.namelist())
