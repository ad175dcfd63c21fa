"""Parents informed as an event, and contacts with the police (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.safeguarding import concerns, parents
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import AuditEntry, ParentsInformed, PoliceContact, Staff
from tests.school import NOW, build

T = dt.timedelta


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Ms DSL", [auth.DSL], "390417", now=NOW)
    return s


def device(school, adno="000001") -> int:
    return resolve(school.codes[adno]).device.id


def confiscated_by(school, who, adno="000001", at=NOW):
    return custody.confiscate(device(school, adno), who, category="behaviour", reason="filming", policy="MST 6", now=at)


def mother(adno_pupil_id):
    return contacts_of(adno_pupil_id)[0]


def tell(school, actor, event, **kw):
    args = dict(event_id=event.id, told_at=NOW + T(minutes=20), how="phone", now=NOW + T(hours=1))
    if "parent_name" not in kw:
        args["contact_id"] = contacts_of(event.device.pupil_id)[0].id
    args.update(kw)
    return parents.record_informed(actor, **args)


# ---------------------------------------------------------------- parents informed


def test_a_confiscation_waits_until_its_parents_are_told_then_it_leaves_the_list(school):
    event = confiscated_by(school, school.oak)
    assert [w.event_id for w in parents.waiting(school.head)] == [event.id]
    row = tell(school, school.oak, event)  # the teacher who confiscated it may record it
    assert (row.event_id, row.how, row.recorded_by_id) == (event.id, "phone", school.oak.id)
    assert parents.waiting(school.head) == []
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert entry.action == "parents.informed" and "Priya" not in entry.details


def test_a_search_with_its_parents_informed_time_does_not_wait(school):
    dev = device(school)
    confiscation = confiscated_by(school, school.head)
    tell(school, school.head, confiscation)
    custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Ms W", item_sought="a video", location="the office", grounds="Reported image", outcome="nothing_found",
        parents_informed_at=NOW + T(minutes=2), parents_informed_how="phone", now=NOW + T(minutes=5),
    )  # fmt: skip
    assert parents.waiting(school.head) == []
    search = custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Ms W", item_sought="a video", location="the office", grounds="Reported video", outcome="nothing_found",
        now=NOW + T(minutes=6),
    )  # fmt: skip
    assert [w.kind for w in parents.waiting(school.deputy)] == ["search"]
    tell(school, school.deputy, search, how="in_person")
    assert parents.waiting(school.deputy) == []


def test_only_leadership_the_dsl_and_the_head_see_what_is_waiting(school):
    confiscated_by(school, school.oak)
    for who in (school.office, school.oak, school.admin):
        with pytest.raises(PermissionDenied):
            parents.waiting(who)
    assert len(parents.waiting(school.dsl)) == 1


def test_undone_confiscations_and_visitors_phones_do_not_wait(school):
    event = confiscated_by(school, school.head)
    custody.reverse(event.id, school.head, reason="wrong pupil", now=NOW + T(minutes=1))
    assert parents.waiting(school.head) == []
    with pytest.raises(RuleViolation, match="undone"):
        tell(school, school.head, event)


def test_who_may_add_an_entry_is_whoever_may_read_the_details(school):
    event = confiscated_by(school, school.oak)
    for who in (school.office, school.beech_teacher, school.admin):
        with pytest.raises(PermissionDenied):
            tell(school, who, event)
    tell(school, school.deputy, event)


def test_the_time_is_any_past_day_never_before_the_confiscation_nor_in_the_future(school):
    event = confiscated_by(school, school.head)
    with pytest.raises(ValidationError, match="before the confiscation"):
        tell(school, school.head, event, told_at=NOW - T(minutes=1))
    with pytest.raises(ValidationError, match="future"):
        tell(school, school.head, event, told_at=NOW + T(hours=2))
    row = tell(school, school.head, event, told_at=NOW + T(days=3), now=NOW + T(days=4))  # added days later
    assert row.told_at == NOW + T(days=3)


def test_a_parent_is_a_listed_contact_or_a_name_typed_and_how_is_from_the_list(school):
    event = confiscated_by(school, school.head)
    ben_mother = contacts_of(device_pupil(school, "000002"))[0]
    with pytest.raises(RuleViolation, match="listed for Ava Patel"):
        tell(school, school.head, event, contact_id=ben_mother.id)
    with pytest.raises(ValidationError):
        tell(school, school.head, event, contact_id=None)
    with pytest.raises(ValidationError, match="how"):
        tell(school, school.head, event, how="pigeon")
    row = tell(school, school.head, event, parent_name="Aunt Sally", told_by_name="Mrs Office", how="text")
    assert (row.contact_id, row.parent_name, row.told_by_name) == (None, "Aunt Sally", "Mrs Office")
    line = parents.informed_line(row)
    assert "Aunt Sally told by text message by Mrs Office" in line


def device_pupil(school, adno):
    return resolve(school.codes[adno]).device.pupil_id


def test_a_correction_is_a_new_entry_with_its_reason(school):
    event = confiscated_by(school, school.head)
    first = tell(school, school.head, event)
    with pytest.raises(ValidationError, match="reason"):
        tell(school, school.head, event, corrects_id=first.id)
    second = tell(school, school.head, event, corrects_id=first.id, note="it was the father", how="in_person")
    assert ParentsInformed.get_by_id(first.id).how == "phone"  # the first is kept as it was
    assert second.corrects_id == first.id
    other = confiscated_by(school, school.head, adno="000002")
    with pytest.raises(NotFound):
        tell(school, school.head, other, corrects_id=first.id, note="Spoke to parents")


def test_concerns_parents_informed_by_those_who_may_see_the_concern(school):
    pupil_id = device_pupil(school, "000001")
    concern = concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil_id, what="upset", now=NOW)
    args = dict(concern_id=concern.id, contact_id=contacts_of(pupil_id)[0].id, told_at=NOW, how="email")
    with pytest.raises(PermissionDenied):
        parents.record_informed(school.oak, **args, now=NOW + T(hours=1))
    row = parents.record_informed(school.dsl, **args, now=NOW + T(hours=1))
    assert row.concern_id == concern.id
    assert any("parents informed" in line for line in parents.concern_lines(concern.id, school.head))


def test_the_phone_history_shows_entries_only_to_readers_of_the_details(school):
    event = confiscated_by(school, school.deputy)
    tell(school, school.deputy, event)
    assert any(
        "Priya Patel (Mother) told by phone" in line for line in parents.phone_lines(event.device_id, school.head)
    )
    assert parents.phone_lines(event.device_id, school.office) == []


# ---------------------------------------------------------------- the police


def test_a_contact_with_the_police_about_a_phone_before_any_hand_over(school):
    dev = device(school)
    row = parents.record_police_contact(
        school.deputy, device_id=dev, line="101", reference="KP-2611-0042", called_at=NOW, now=NOW + T(minutes=5)
    )
    assert (row.line, row.reference, row.device_id) == ("101", "KP-2611-0042", dev)
    full = parents.phone_lines(dev, school.head)
    assert any("police contacted on 101 by Deputy, reference KP-2611-0042" in line for line in full)
    withheld = parents.phone_lines(dev, school.office)
    assert withheld and "KP-2611" not in withheld[0] and "police contacted" in withheld[0]
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert entry.action == "police.contact" and "KP-2611" not in entry.details


def test_police_contacts_the_rules(school):
    dev = device(school)
    ok = dict(device_id=dev, line="999", reference="INC 77", called_at=NOW, now=NOW + T(minutes=5))
    for who in (school.office, school.oak, school.admin):
        with pytest.raises(PermissionDenied):
            parents.record_police_contact(who, **ok)
    with pytest.raises(ValidationError, match="101 or 999"):
        parents.record_police_contact(school.head, **{**ok, "line": "112"})
    with pytest.raises(ValidationError):
        parents.record_police_contact(school.head, **{**ok, "reference": " "})
    with pytest.raises(ValidationError, match="future"):
        parents.record_police_contact(school.head, **{**ok, "called_at": NOW + T(hours=1)})
    with pytest.raises(ValidationError, match="phone, a concern"):
        parents.record_police_contact(school.head, **{**ok, "device_id": None})
    pupil_id = device_pupil(school, "000001")
    concern = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil_id, what="Upset after a group chat", now=NOW
    )
    with pytest.raises(ValidationError, match="before the concern"):
        parents.record_police_contact(school.head, **{**ok, "concern_id": concern.id, "called_at": NOW - T(hours=1)})
    row = parents.record_police_contact(school.head, **{**ok, "concern_id": concern.id})
    assert row.concern_id == concern.id and row.device_id == dev
    assert PoliceContact.select().count() == 1
    assert audit.verify().ok


def test_the_new_rows_go_with_what_they_are_about_when_a_pupil_is_erased(school):
    from models.records import duties

    event = confiscated_by(school, school.head)
    tell(school, school.head, event)
    parents.record_police_contact(
        school.head, device_id=event.device_id, line="101", reference="R1", called_at=NOW, now=NOW + T(minutes=5)
    )
    contact = contacts_of(event.device.pupil_id)[0]
    custody.release_to_contact(
        event.device_id, school.office, contact_id=contact.id, id_seen=True, now=NOW + T(hours=1)
    )
    out = duties.subject_access(duties.pupil_subject("000001"), actor=school.head, now=NOW + T(hours=2))
    assert out.sections["parents_informed"] and out.sections["police_contacts"]
    staff_out = duties.subject_access(duties.staff_subject("head"), actor=school.head, now=NOW + T(hours=2))
    assert staff_out.sections["parents_informed"] and staff_out.sections["police_contacts"]
    duties.erase(duties.pupil_subject("000001"), actor=school.head, now=NOW + T(hours=2))
    assert ParentsInformed.select().count() == 0 and PoliceContact.select().count() == 0
    assert audit.verify().ok
    assert Staff.select().count() >= 7


def test_a_purge_takes_the_entries_with_the_confiscation_and_the_log_still_verifies(school):
    from models.config import Settings
    from models.records import duties

    event = confiscated_by(school, school.head)
    tell(school, school.head, event)
    parents.record_police_contact(
        school.head, device_id=event.device_id, line="101", reference="R1", called_at=NOW, now=NOW + T(minutes=5)
    )
    contact = contacts_of(event.device.pupil_id)[0]
    custody.release_to_contact(
        event.device_id, school.office, contact_id=contact.id, id_seen=True, now=NOW + T(hours=1)
    )
    days = dict(Settings().retention_days)
    later = NOW + T(days=max(days.values()) * 2 + 400)
    duties.purge(days, actor=school.head, now=later, pause=0)
    assert ParentsInformed.select().where(ParentsInformed.event == event.id).count() == 0
    report = audit.verify()
    assert report.ok and report.rows_checked, report


def test_a_version_10_database_upgrades_keeps_its_data_and_takes_the_new_records(database):
    from models.store.db import close_db, db
    from models.store.tables import INFORMED_MODELS, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database

    school = build()
    event = confiscated_by(school, school.head)
    db.drop_tables(INFORMED_MODELS)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="created", applied_at=NOW)
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST >= 11
    head = Staff.get(Staff.username == "head")
    assert [w.event_id for w in parents.waiting(head)] == [event.id]
    row = parents.record_informed(
        head, event_id=event.id, parent_name="Gran", told_at=NOW, how="phone", now=NOW + T(minutes=1)
    )
    assert ParentsInformed.get_by_id(row.id).parent_name == "Gran"
    assert audit.verify().ok


def test_an_entry_edited_outside_the_kiosk_is_reported_by_audit_verify(school):
    from models.store.db import db, is_sqlite

    def sql(text, *args):
        db.execute_sql(text if is_sqlite() else text.replace("?", "%s"), args)

    event = confiscated_by(school, school.head)
    row = tell(school, school.head, event)
    call = parents.record_police_contact(
        school.head, device_id=event.device_id, line="101", reference="R1", called_at=NOW, now=NOW + T(minutes=5)
    )
    assert audit.verify().ok
    sql("UPDATE parents_informed SET how = 'letter' WHERE id = ?", row.id)  # fmt: skip
    report = audit.verify()
    assert not report.ok and any("parents informed entry" in p for p in report.problems), report.problems
    sql("UPDATE parents_informed SET how = 'phone' WHERE id = ?", row.id)  # fmt: skip
    sql("DELETE FROM police_contact WHERE id = ?", call.id)  # fmt: skip
    report = audit.verify()
    assert not report.ok and any("police contact" in p for p in report.problems), report.problems
