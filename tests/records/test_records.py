"""Records duties: retention purge, subject access and erasure (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile

import peewee
import pytest

from models.audit import chain as audit
from models.config import Settings
from models.custody import ledger as custody
from models.errors import KioskError, NotFound, PermissionDenied, RuleViolation, StorageError
from models.records import duties as records
from models.school.people import contacts_of
from models.store.db import db
from models.store.tables import (
    ALL_MODELS,
    AuditEntry,
    AuditHead,
    BaseModel,
    Contact,
    CustodyEvent,
    Device,
    DeviceState,
    Label,
    Pupil,
)
from tests.ledger.test_ledger_properties import ACTORS, ADNOS, apply
from tests.records.test_retention_irms_i14b import set_dob
from tests.school import NOW, build

RETENTION = dict(Settings().retention_days)  # hand_ins 60, confiscations 2190, audit 2190
DAY = dt.timedelta(days=1)
OLD = NOW - 100 * DAY  # past the 60-day hand-in period, within the 6-year ones
NOTHING = {
    key: 0
    for key in (
        "hand_ins",
        "confiscations",
        "visits",
        "visitors",
        "visitor_phones",
        "print_jobs",
        "exceptions",
        "concerns",
        "staff_relationships",
        "policy_acknowledgements",
        "school_device_loans",
        "day_marks",
        "audit",
    )
}


def ago(days: float, hours: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours)


@pytest.fixture
def school(database):
    return build(now=NOW - 400 * DAY)


def device_of(school, adno):
    return Device.get(Device.pupil == Pupil.get(Pupil.admission_no == adno).id)


def events_of(device_id):
    return list(CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id))


def assert_consistent():
    assert custody.verify_states() == []
    report = audit.verify()
    assert report.ok, report.problems
    for s in DeviceState.select():  # never pointing at a deleted event
        if s.last_event_id is not None:
            assert CustodyEvent.get_or_none(CustodyEvent.id == s.last_event_id) is not None


def day_in_and_out(school, adno, days_ago):
    code = school.codes[adno]
    custody.hand_in(code, school.office, now=ago(days_ago, 2))
    custody.release(code, school.office, now=ago(days_ago, -5))


# ---------------------------------------------------------------- purge


def test_purge_deletes_expired_routine_hand_ins_and_keeps_recent(school):
    ava = device_of(school, "000001")
    day_in_and_out(school, "000001", 100)
    day_in_and_out(school, "000001", 99)
    day_in_and_out(school, "000001", 10)
    recent = [e.id for e in events_of(ava.id)][-2:]

    dry = records.purge(RETENTION, dry_run=True, now=NOW)
    assert dry.deleted == {**NOTHING, "hand_ins": 4}
    assert len(events_of(ava.id)) == 6  # a dry run changes nothing
    seq_before = audit.head()[0]

    done = records.purge(RETENTION, now=NOW)
    assert done.deleted == dry.deleted
    assert [e.id for e in events_of(ava.id)] == recent
    assert DeviceState.get_by_id(ava.id).last_event_id == recent[-1]
    assert_consistent()
    entry = AuditEntry.get_by_id(done.audit_seq)
    assert done.audit_seq == seq_before + 1
    assert entry.action == "records.purge"
    assert json.loads(entry.details)["deleted"] == {**NOTHING, "hand_ins": 4}

    again = records.purge(RETENTION, now=NOW)
    assert again.deleted["hand_ins"] == 0


def test_a_whole_expired_history_goes_and_the_projection_forgets_it(school):
    cara = device_of(school, "000003")
    day_in_and_out(school, "000003", 80)
    assert DeviceState.get_by_id(cara.id).last_event_id is not None
    records.purge(RETENTION, now=NOW)
    assert events_of(cara.id) == []
    state = DeviceState.get_by_id(cara.id)
    assert (state.state, state.last_event_id, state.slot_no) == ("out", None, None)
    assert_consistent()
    custody.hand_in(school.codes["000003"], school.office, now=NOW)  # the phone carries on as normal
    assert_consistent()


def test_legal_holds_are_kept_and_listed(school):
    dan, ella, ben, ava = (device_of(school, a) for a in ("000004", "000005", "000002", "000001"))
    day_in_and_out(school, "000004", 300)
    custody.confiscate(dan.id, school.deputy, category="behaviour", reason="photos", policy="MTP 6", now=ago(200))
    custody.hand_to_police(dan.id, school.head, officer="PC 1234", force_reference="KENT/1", now=ago(199))
    custody.confiscate(
        ella.id, school.deputy, category="behaviour", reason="in class", policy="MTP 3", now=ago(150)
    )  # still held
    custody.hand_in(school.codes["000002"], school.office, now=ago(90))  # never collected: still in the tray
    custody.confiscate(ava.id, school.deputy, category="behaviour", reason="in class", policy="MTP 3", now=ago(100))
    contact = contacts_of(ava.pupil_id)[0]
    custody.release_to_contact(ava.id, school.office, contact_id=contact.id, id_seen=True, now=ago(99))
    before = {d.id: len(events_of(d.id)) for d in (dan, ella, ben, ava)}

    result = records.purge(RETENTION, now=NOW)

    after = {d.id: len(events_of(d.id)) for d in (dan, ella, ben, ava)}
    assert after == before  # police, held, in tray, and a confiscation within its 6 years
    held = {(h.entity_id, h.code) for h in result.holds}
    assert held == {(dan.id, "police"), (ella.id, "confiscated"), (ben.id, "in_tray")}
    assert "police" in " ".join(result.lines())
    details = json.loads(AuditEntry.get_by_id(result.audit_seq).details)
    assert {(h["id"], h["why"]) for h in details["holds"]} == held
    assert_consistent()


def test_a_confiscation_episode_expires_on_the_confiscations_period(school):
    ava = device_of(school, "000001")
    retention = {**RETENTION, "confiscations": 90}
    # An adult's date of birth, so the search's own rule (date of birth + 25 years) has passed
    # and the confiscations period decides (tests/records/test_retention_irms_i14b.py has the rule).
    set_dob("000001", dt.date(1990, 1, 1), ago(101))
    custody.confiscate(ava.id, school.deputy, category="behaviour", reason="in class", policy="MTP 3", now=ago(100, 3))
    custody.record_search(
        ava.id,
        school.deputy,
        consent_by="pupil",
        witness="Mr W",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        now=ago(100, 2),
    )
    custody.release_to_contact(
        ava.id, school.office, contact_id=contacts_of(ava.pupil_id)[0].id, id_seen=True, now=ago(100, 1)
    )
    day_in_and_out(school, "000001", 80)
    kept_by_default = records.purge(RETENTION, dry_run=True, now=NOW)
    assert kept_by_default.deleted == {**NOTHING, "hand_ins": 2}
    result = records.purge(retention, now=NOW)
    assert result.deleted == {**NOTHING, "hand_ins": 2, "confiscations": 3}
    assert events_of(ava.id) == []
    assert_consistent()


def test_an_undo_reaching_into_the_past_keeps_what_it_depends_on(school):
    ben, cara = device_of(school, "000002"), device_of(school, "000003")
    day_in_and_out(school, "000002", 100)
    release = events_of(ben.id)[-1]
    custody.reverse(release.id, school.head, reason="scanned by mistake", now=ago(1))  # back in the tray
    # Cara: an old mistake undone at the time, then released: one expired unit of four.
    code = school.codes["000003"]
    custody.hand_in(code, school.office, now=ago(100, 3))
    custody.release(code, school.office, now=ago(100, 2))
    custody.reverse(events_of(cara.id)[-1].id, school.office, reason="oops", now=ago(100, 2))
    custody.release(code, school.office, now=ago(100, 1))

    result = records.purge(RETENTION, now=NOW)
    assert len(events_of(ben.id)) == 3  # the release is undone by a recent event: all kept
    assert events_of(cara.id) == []
    assert result.deleted["hand_ins"] == 4
    assert_consistent()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_histories_replay_the_same_after_purge(database, seed):
    school = build(slots_oak=3, shared_slots=4, now=NOW - 400 * DAY)
    rng = random.Random(seed)
    at = NOW - 200 * DAY
    for _ in range(120):
        at += dt.timedelta(hours=rng.choice([1, 5, 30]))
        kind = rng.choice(
            ["hand_in", "release", "release", "hand_in", "confiscate", "to_contact", "search", "undo", "move"]
        )
        step = (kind, rng.choice(ADNOS), rng.choice(ACTORS))
        if kind == "to_contact":
            step += (True,)
        if kind == "move":
            step = (kind, step[1], rng.randint(1, 4))
        try:
            apply(school, step, at)
        except KioskError:
            pass
    before = {d.id: custody.replay(events_of(d.id)).custody for d in Device.select()}
    total = CustodyEvent.select().count()
    result = records.purge({**RETENTION, "confiscations": 120}, now=NOW)
    after = {d.id: custody.replay(events_of(d.id)).custody for d in Device.select()}
    assert after == before
    assert CustodyEvent.select().count() == total - result.deleted["hand_ins"] - result.deleted["confiscations"]
    assert result.deleted["hand_ins"] > 0
    assert_consistent()


def test_a_failed_purge_leaves_nothing_half_done(school, monkeypatch):
    day_in_and_out(school, "000001", 100)
    count = CustodyEvent.select().count()
    entries = AuditEntry.select().count()

    def broken(*args, **kwargs):
        raise StorageError("The disk is full or failing: nothing was saved.")

    monkeypatch.setattr(records.audit, "append", broken)
    with pytest.raises(StorageError):
        records.purge(RETENTION, now=NOW)
    assert CustodyEvent.select().count() == count
    assert AuditEntry.select().count() == entries


def test_purge_needs_every_retention_period(school):
    with pytest.raises(KioskError, match="No retention period is set for hand_ins"):
        records.purge({k: v for k, v in RETENTION.items() if k != "hand_ins"}, now=NOW)


def test_purge_and_erase_need_the_records_permission(school):
    with pytest.raises(PermissionDenied, match="may not purge records past their retention period"):
        records.purge(RETENTION, actor=school.office, now=NOW)
    with pytest.raises(PermissionDenied):
        records.erase(records.pupil_subject("000003"), actor=school.office, now=NOW)
    assert records.purge(RETENTION, actor=school.head, now=NOW).audit_seq


# ---------------------------------------------------------------- audit retention


@pytest.fixture
def old_school(database):
    school = build(now=NOW - 3000 * DAY)
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW - 2900 * DAY)
    custody.release(code, school.office, now=NOW - 2900 * DAY + dt.timedelta(hours=7))
    day_in_and_out(school, "000001", 5)
    return school


def test_expired_audit_entries_go_and_the_chain_still_verifies(old_school):
    total = AuditEntry.select().count()
    result = records.purge(RETENTION, now=NOW)
    remaining = list(AuditEntry.select().order_by(AuditEntry.seq))
    assert result.deleted["audit"] == total - 2  # the two recent custody entries stay
    assert len(remaining) == 3  # ... plus the purge's own entry
    anchor = audit.anchor()
    assert anchor[0] == remaining[0].seq - 1 and remaining[0].prev_hash == anchor[1]
    assert json.loads(remaining[-1].details)["audit_anchor"] == list(anchor)
    assert_consistent()
    # A second purge later keeps the chain verifiable from the same anchor.
    records.purge(RETENTION, now=NOW + DAY)
    assert audit.verify().ok


def test_entries_removed_after_a_purge_are_still_noticed(old_school):
    records.purge(RETENTION, now=NOW)
    first = AuditEntry.select().order_by(AuditEntry.seq).first()
    AuditEntry.delete().where(AuditEntry.seq == first.seq).execute()
    report = audit.verify()
    assert not report.ok and report.first_bad_seq == first.seq


def test_an_anchor_moved_outside_a_purge_is_noticed(old_school):
    records.purge(RETENTION, now=NOW)
    first = AuditEntry.select().order_by(AuditEntry.seq).first()
    AuditEntry.delete().where(AuditEntry.seq == first.seq).execute()
    AuditHead.update(seq=first.seq, hash=first.hash).where(AuditHead.id == audit.ANCHOR_ID).execute()
    report = audit.verify()
    assert not report.ok
    assert "does not match the one the last purge recorded" in report.problems[0]


def test_an_anchor_without_a_purge_is_noticed(database):
    school = build(now=NOW)
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    first = AuditEntry.get_by_id(1)
    AuditEntry.delete().where(AuditEntry.seq == 1).execute()
    audit.set_anchor(first.seq, first.hash)
    assert not audit.verify().ok


# ---------------------------------------------------------------- subject access


@pytest.fixture
def history(school):
    ava = device_of(school, "000001")
    day_in_and_out(school, "000001", 3)
    day_in_and_out(school, "000002", 3)
    custody.confiscate(
        ava.id, school.deputy, category="behaviour", reason="Filming at break", policy="MTP 6", now=ago(2, 3)
    )
    priya = contacts_of(ava.pupil_id)[0]
    custody.record_search(
        ava.id,
        school.deputy,
        consent_by="parent",
        consent_contact_id=priya.id,
        witness="Mr Witness",
        item_sought="messages",
        location="the office",
        grounds="Reported filming",
        found_what="an image of another pupil",
        outcome="pupil_asked_to_delete",
        now=ago(2, 2),
    )
    custody.release_to_contact(ava.id, school.office, contact_id=priya.id, id_seen=True, now=ago(2, 1))
    return school


def test_sar_holds_everything_about_the_pupil_and_nothing_else(history, tmp_path):
    subject = records.pupil_subject("000001")
    export = records.subject_access(subject, now=NOW)
    s = export.sections
    assert [r["admission_no"] for r in s["pupil"]] == ["000001"]
    assert s["pupil"][0]["first_name"] == "Ava" and s["pupil"][0]["class"] == "Oak"
    assert {r["name"] for r in s["contacts"]} == {"Priya Patel", "Raj Patel"}
    assert len(s["devices"]) == 1 and s["labels"][0]["code"] == history.codes["000001"]
    kinds = [r["kind"] for r in s["custody_events"]]
    assert kinds == ["handed_in", "released_to_pupil", "confiscated", "searched", "released_to_contact"]
    search = s["custody_events"][3]
    assert (search["witness"], search["grounds"], search["by"]) == ("Mr Witness", "Reported filming", "Deputy")
    ava_events = {str(r["id"]) for r in s["custody_events"]}
    actions = {r["action"] for r in s["audit"]}
    assert {"roster.import", "device.register", "custody.confiscated", "custody.searched"} <= actions
    assert {r["entity_id"] for r in s["audit"] if r["entity"] == "custody_event"} == ava_events
    ben = device_of(history, "000002")
    assert all(r["device_id"] != ben.id for r in s["custody_events"])
    assert "staff" not in s  # staff accounts are not the pupil's data
    records.write_sar(export, tmp_path / "ava.zip")  # audited once written
    sar_entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert (sar_entry.action, sar_entry.entity, sar_entry.entity_id) == ("records.sar", "pupil", str(subject.row_id))
    assert "Ava" not in sar_entry.details and "000001" not in sar_entry.details


def test_sar_writes_a_zip_and_a_folder_of_json_and_csv(history, tmp_path):
    export = records.subject_access(records.pupil_subject("000001"), now=NOW)
    zpath = records.write_sar(export, tmp_path / "ava.zip")
    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
        assert names == {
            "sar.json",
            "pupil.csv",
            "contacts.csv",
            "devices.csv",
            "labels.csv",
            "custody_events.csv",
            "exceptions.csv",
            "concerns.csv",
            "staff_relationships.csv",
            "day_marks.csv",
            "parents_informed.csv",  # issue 15: parents told of a confiscation, search or concern
            "police_contacts.csv",  # issue 15: calls to the police about the phone or a concern
            "audit.csv",
        }
        data = json.loads(zf.read("sar.json"))
        rows = list(csv.DictReader(io.StringIO(zf.read("custody_events.csv").decode("utf-8-sig"))))
    assert data["subject"] == {"kind": "pupil", "key": "000001"}
    assert len(data["records"]["custody_events"]["rows"]) == len(rows) == 5
    assert rows[2]["reason"] == "Filming at break"
    folder = records.write_sar(export, tmp_path / "ava")
    assert (folder / "pupil.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith(str(export.subject.row_id))
    with pytest.raises(KioskError, match="already exists"):
        records.write_sar(export, zpath)


def test_sar_for_unknown_pupil_visitor_and_staff(history):
    with pytest.raises(NotFound, match="No pupil has admission number '999999'"):
        records.pupil_subject("999999")
    with pytest.raises(NotFound, match="No visitor called 'Mr Visitor' is on record"):
        records.visitor_subject("Mr  Visitor")
    with pytest.raises(KioskError, match="control characters"):
        records.pupil_subject("0001\x1b")
    export = records.subject_access(records.staff_subject("deputy"), now=NOW)
    assert export.sections["staff"][0]["username"] == "deputy"
    assert "pin_hash" not in export.sections["staff"][0]
    assert {"custody.confiscated", "custody.searched", "staff.create"} <= {
        r["action"] for r in export.sections["audit"]
    }
    with pytest.raises(RuleViolation, match="chain of custody must show who acted"):
        records.erase(records.staff_subject("deputy"), now=NOW)


# ---------------------------------------------------------------- erasure


def test_erase_is_refused_under_a_legal_hold(school):
    dan, ella = device_of(school, "000004"), device_of(school, "000005")
    custody.confiscate(dan.id, school.deputy, category="behaviour", reason="photos", policy="MTP 6", now=ago(2))
    custody.hand_to_police(dan.id, school.head, officer="PC 1234", force_reference="KENT/1", now=ago(1))
    custody.confiscate(ella.id, school.deputy, category="behaviour", reason="in class", policy="MTP 3", now=ago(1))
    counts = {m.__name__: m.select().count() for m in (Pupil, Contact, Device, Label, CustodyEvent)}
    head = audit.head()
    with pytest.raises(
        RuleViolation,
        match="^Pupil 000004 cannot be erased yet: their phone was handed to the police: its record is evidence. Nothing was erased.$",
    ):
        records.erase(records.pupil_subject("000004"), now=NOW)
    with pytest.raises(
        RuleViolation,
        match="^Pupil 000005 cannot be erased yet: their phone is confiscated and still held by the school: return it first. Nothing was erased.$",
    ):
        records.erase(records.pupil_subject("000005"), now=NOW)
    assert {m.__name__: m.select().count() for m in (Pupil, Contact, Device, Label, CustodyEvent)} == counts
    assert audit.head() == head


def test_erase_then_sar_finds_nothing(history):
    subject = records.pupil_subject("000001")
    pupil_id = subject.row_id
    device_ids = [d.id for d in Device.select().where(Device.pupil == pupil_id)]
    others = CustodyEvent.select().where(CustodyEvent.device.not_in(device_ids)).count()
    result = records.erase(subject, now=NOW)
    assert result.deleted["pupil"] == 1 and result.deleted["contacts"] == 2 and result.deleted["custody_events"] == 5
    assert "Erased pupil 000001" in result.line()
    with pytest.raises(NotFound):
        records.pupil_subject("000001")
    assert not Contact.select().where(Contact.pupil == pupil_id).exists()
    assert not Device.select().where(Device.id.in_(device_ids)).exists()
    assert not Label.select().where(Label.device.in_(device_ids)).exists()
    assert not CustodyEvent.select().where(CustodyEvent.device.in_(device_ids)).exists()
    assert CustodyEvent.select().count() == others
    for e in AuditEntry.select():  # what is left names ids only
        assert "Ava" not in e.details and "Patel" not in e.details and "000001" not in e.details
    entry = AuditEntry.get_by_id(result.audit_seq)
    assert (entry.action, entry.entity, entry.entity_id) == ("records.erase", "pupil", str(pupil_id))
    assert_consistent()
    assert records.pupil_subject("000002").row_id  # the others are untouched


def test_a_failed_erase_leaves_nothing_half_done(history, monkeypatch):
    def broken(self, subject):
        raise StorageError("The disk is full or failing: nothing was saved.")

    monkeypatch.setattr(records.PupilKind, "erase", broken)  # runs last, after the ledger is gone
    counts = {m.__name__: m.select().count() for m in (Pupil, Contact, Device, Label, CustodyEvent, AuditEntry)}
    with pytest.raises(StorageError):
        records.erase(records.pupil_subject("000001"), now=NOW)
    assert {m.__name__: m.select().count() for m in (Pupil, Contact, Device, Label, CustodyEvent, AuditEntry)} == counts
    assert_consistent()


# ---------------------------------------------------------------- never stored


def test_schema_holds_no_photographs_or_device_contents():
    assert records.never_stored_problems(ALL_MODELS) == []


def test_the_never_stored_check_catches_such_a_column():
    class Bad(BaseModel):
        id_document_photo = peewee.BlobField(null=True)
        phone_contents = peewee.TextField(null=True)

        class Meta:
            database = db

    problems = records.never_stored_problems([Bad])
    assert "Bad.id_document_photo can hold binary data" in problems
    assert "Bad.id_document_photo is named like a photograph or device content" in problems
    assert "Bad.phone_contents is named like a photograph or device content" in problems
