"""Agreed exceptions: who may record them, what they hold, when they have effect."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.policy import agreed
from models.reports import phones as reports
from models.school.people import contacts_of
from models.store.tables import AgreedException, AuditEntry, Pupil, Staff
from printing import to_text
from tests.school import NOW, build

TODAY = dt.date(2026, 11, 12)  # Thursday; NOW is 08:30 on it


def d(days):
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def school(database):
    return build()


def pupil(adno):
    return Pupil.get(Pupil.admission_no == adno)


def pupil_exception(school, adno="000001", *, signed=True, signed_at=None, now=NOW, **over):
    p = pupil(adno)
    args = dict(
        subject_kind="pupil",
        pupil_id=p.id,
        kind="medical_monitoring",
        medical_category="monitoring_device",
        allowed="Keeps her phone to read her sensor app.",
        where="In her bag on silent; out only in the medical room",
        conditions=["No photos or messaging", "Teacher may check the screen"],
        sanction="Phone handed in at the office for the rest of the day; parents called.",
        agreed_with_contact_id=contacts_of(p.id)[0].id,
        agreed_on=d(-1),
        starts_on=d(0),
        review_on=d(30),
        ends_on=d(60),
        now=now,
    )
    args.update(over)
    exc = agreed.record(school.head, **args)
    if signed:
        exc = agreed.mark_signed_copy(exc.id, school.office, received_at=signed_at, now=now)
    return exc


def visitor_exception(school, **over):
    args = dict(
        subject_kind="organisation",
        organisation="Kent  Educational Psychology",
        kind="multi_agency",
        allowed="Phones for case notes and calls to the team.",
        where="Meeting room and staff room only",
        agreed_with="Dr S Khan, team lead",
        agreed_on=d(-5),
        starts_on=d(-5),
        review_on=d(2),
        ends_on=d(3),
        now=NOW,
    )
    args.update(over)
    return agreed.record(school.head, **args)


# ---------------------------------------------------------------- who may record


@pytest.mark.parametrize("who", ["office", "oak", "deputy", "admin"])
def test_only_the_headteacher_records_an_exception(school, who):
    with pytest.raises(PermissionDenied, match="may not record exceptions"):
        agreed.record(
            getattr(school, who),
            subject_kind="organisation",
            organisation="NHS",
            kind="multi_agency",
            allowed="x",
            where="y",
            agreed_on=d(0),
            starts_on=d(0),
            review_on=d(1),
            ends_on=d(2),
            now=NOW,
        )
    assert AgreedException.select().count() == 0


def test_record_keeps_everything_and_audits_ids_only(school):
    exc = pupil_exception(school, signed=False)
    stored = AgreedException.get_by_id(exc.id)
    assert stored.pupil.admission_no == "000001" and stored.kind == "medical_monitoring"
    assert stored.medical_category == "monitoring_device"
    assert agreed.conditions_of(stored) == ["No photos or messaging", "Teacher may check the screen"]
    assert agreed.agreed_with_name(stored) == "Priya Patel (Mother)"
    assert (stored.starts_on, stored.review_on, stored.ends_on) == (d(0), d(30), d(60))
    assert stored.recorded_by_id == school.head.id and stored.recorded_at == NOW
    entry = AuditEntry.select().where(AuditEntry.action == "exception.record").get()
    details = json.loads(entry.details)
    assert details["pupil_id"] == stored.pupil_id and details["medical_category"] == "monitoring_device"
    text = entry.details.lower()
    assert "patel" not in text and "sensor" not in text and "bag" not in text
    assert audit.verify().ok


# ---------------------------------------------------------------- validation


def base_org(**over):
    args = dict(
        subject_kind="organisation",
        organisation="NHS school nursing",
        kind="multi_agency",
        allowed="Phones for calls to the team",
        where="Medical room",
        agreed_on=d(0),
        starts_on=d(0),
        review_on=d(5),
        ends_on=d(10),
        now=NOW,
    )
    args.update(over)
    return args


@pytest.mark.parametrize(
    "over, message",
    [
        (dict(kind="medical_monitoring"), "Choose the medical category"),
        (dict(kind="medical_monitoring", medical_category="type 1 diabetes"), "never write a diagnosis"),
        (dict(medical_category="monitoring_device"), "belongs only to a medical monitoring"),
        (dict(kind="remote_learning", subject_kind="staff", organisation=None), "risk assessment reference"),
        (dict(kind="young_carer"), "cannot be for an organisation"),
        (dict(kind="holiday"), "Choose the kind"),
        (dict(subject_kind="parent"), "Say who the exception is for"),
        (dict(allowed="  "), "Give the description of what is allowed"),
        (dict(allowed="x" * 501), "too long"),
        (dict(where="room\x07"), "control characters"),
        (dict(where="room\nand hall"), "on one line"),
        (dict(organisation=None), "Give the organisation"),
        (dict(agreed_on=d(1), starts_on=d(1)), "in the future"),
        (dict(agreed_on=d(0), starts_on=d(-1)), "agreed before it starts"),
        (dict(ends_on=d(-1), starts_on=d(-3), agreed_on=d(-3), review_on=d(-2)), "already passed"),
        (dict(ends_on=d(3), review_on=d(5)), "review date must fall between"),
        (dict(starts_on=d(5), ends_on=d(4), review_on=d(4)), "end date is before the start"),
        (dict(starts_on=NOW), "as a date"),
        (dict(visitor_name="Dr Khan"), "names no single visitor"),
        (dict(conditions=[f"c{i}" for i in range(11)]), "at most 10 conditions"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(school, over, message):
    with pytest.raises(ValidationError, match=message):
        agreed.record(school.head, **base_org(**over))
    assert AgreedException.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "exception.record").exists()


def test_remote_learning_with_a_risk_assessment_reference_is_accepted(school):
    exc = agreed.record(
        school.head,
        **base_org(
            subject_kind="staff",
            organisation=None,
            staff_id=school.oak.id,
            kind="remote_learning",
            risk_assessment_ref="RA-2026-14",
        ),
    )
    assert exc.risk_assessment_ref == "RA-2026-14"
    assert agreed.active_for_staff(school.oak.id, TODAY).id == exc.id


def test_a_pupil_exception_needs_a_sanction_and_who_agreed(school):
    with pytest.raises(ValidationError, match="sanction for misuse"):
        pupil_exception(school, sanction="")
    with pytest.raises(ValidationError, match="Say which parent or carer of Ava Patel agreed"):
        pupil_exception(school, agreed_with_contact_id=None)
    other_pupils_contact = contacts_of(pupil("000002").id)[0].id
    with pytest.raises(RuleViolation, match="from those listed for Ava Patel"):
        pupil_exception(school, agreed_with_contact_id=other_pupils_contact)
    with pytest.raises(NotFound, match="Choose the pupil"):
        pupil_exception(school, pupil_id=99999)
    assert AgreedException.select().count() == 0
    exc = pupil_exception(school, agreed_with_contact_id=None, agreed_with="Aunt (kinship carer)")
    assert agreed.agreed_with_name(exc) == "Aunt (kinship carer)"


def test_overlapping_exception_of_the_same_kind_is_refused(school):
    pupil_exception(school)
    with pytest.raises(RuleViolation, match="already has a medical monitoring exception"):
        pupil_exception(school, starts_on=d(10), review_on=d(20), ends_on=d(90))
    # another kind, or after the first ends, is fine
    pupil_exception(school, kind="young_carer", medical_category=None)
    pupil_exception(school, agreed_on=d(0), starts_on=d(61), review_on=d(70), ends_on=d(90))


# ---------------------------------------------------------------- effect


def test_pupil_exception_has_effect_only_from_start_to_end_date_inclusive(school):
    exc = pupil_exception(school, starts_on=d(1), review_on=d(5), ends_on=d(7), agreed_on=d(0))
    pid = exc.pupil_id
    assert agreed.active_for_pupil(pid, d(0)) is None
    assert agreed.active_for_pupil(pid, d(1)).id == exc.id
    assert agreed.active_for_pupil(pid, d(7)).id == exc.id
    assert agreed.active_for_pupil(pid, d(8)) is None
    assert agreed.active_pupil_ids(d(3)) == {pid}
    assert agreed.active_pupil_ids(d(8)) == set()
    assert agreed.status_on(exc, d(0)) == agreed.NOT_STARTED
    assert agreed.status_on(exc, d(8)) == agreed.ENDED


def test_pupil_exception_waits_for_the_signed_copy(school):
    exc = pupil_exception(school, signed=False)
    assert agreed.active_for_pupil(exc.pupil_id, TODAY) is None
    assert agreed.status_on(exc, TODAY) == agreed.AWAITING_SIGNATURE
    with pytest.raises(PermissionDenied):
        agreed.mark_signed_copy(exc.id, school.oak, now=NOW)
    agreed.mark_signed_copy(exc.id, school.office, now=NOW + dt.timedelta(days=2))
    assert agreed.active_for_pupil(exc.pupil_id, d(1)) is None  # not back yet on that day
    assert agreed.active_for_pupil(exc.pupil_id, d(2)).id == exc.id
    with pytest.raises(RuleViolation, match="already recorded"):
        agreed.mark_signed_copy(exc.id, school.head, now=NOW + dt.timedelta(days=3))


def test_revoking_keeps_the_record_and_ends_the_effect_that_day(school):
    exc = pupil_exception(school, starts_on=d(-3), agreed_on=d(-3), signed_at=NOW - dt.timedelta(days=3))
    with pytest.raises(PermissionDenied):
        agreed.revoke(exc.id, school.deputy, reason="misuse", now=NOW)
    with pytest.raises(ValidationError, match="Give the reason"):
        agreed.revoke(exc.id, school.head, reason=" ", now=NOW)
    agreed.revoke(exc.id, school.head, reason="Photos taken in class", now=NOW + dt.timedelta(hours=2))
    stored = AgreedException.get_by_id(exc.id)
    assert stored.revoked_by_id == school.head.id and stored.revoke_reason == "Photos taken in class"
    assert agreed.active_for_pupil(exc.pupil_id, TODAY) is None
    assert agreed.active_for_pupil(exc.pupil_id, d(-1)).id == exc.id  # history is unchanged
    assert agreed.status_on(stored, TODAY) == agreed.REVOKED
    with pytest.raises(RuleViolation, match="already revoked"):
        agreed.revoke(exc.id, school.head, reason="again", now=NOW)
    entry = AuditEntry.select().where(AuditEntry.action == "exception.revoke").get()
    assert "Photos" not in entry.details


def test_visitor_found_by_name_or_organisation_case_and_space_insensitively(school):
    org = visitor_exception(school)
    person = agreed.record(
        school.head,
        subject_kind="visitor",
        visitor_name="Siobhán  Ó Briain",
        organisation="KCC SEND",
        kind="emergency_use",
        allowed="May take a call from her child's school",
        where="Reception only",
        agreed_on=d(0),
        starts_on=d(0),
        review_on=d(0),
        ends_on=d(0),
        now=NOW,
    )
    assert agreed.active_for_visitor(" siobhán ó  BRIAIN ", "", TODAY).id == person.id
    assert agreed.active_for_visitor("Siobhan O Briain", "", TODAY) is None  # accents matter
    assert agreed.active_for_visitor("Anyone", "kent educational   psychology", TODAY).id == org.id
    assert agreed.active_for_visitor("Anyone", "Kent Educational", TODAY) is None
    assert agreed.active_for_visitor("Siobhán Ó Briain", "KCC SEND", d(1)) is None  # ended
    assert agreed.active_for_visitor("Anyone", "Kent Educational Psychology", d(4)) is None
    assert agreed.active_for_visitor("", "", TODAY) is None
    # a named person's own exception comes before their organisation's
    assert agreed.active_for_visitor("Siobhán Ó Briain", "Kent Educational Psychology", TODAY).id == person.id


def test_due_for_review_within_days_includes_overdue_excludes_revoked_and_ended(school):
    # Recorded on earlier days: one recorded today is not yet due (tests/domain/test_review_due_i14b.py).
    a = pupil_exception(school, review_on=d(10), now=NOW - dt.timedelta(days=1))
    b = visitor_exception(school, now=NOW - dt.timedelta(days=5))  # review d(2)
    c = agreed.record(
        school.head,
        **base_org(
            organisation="Overdue Ltd",
            agreed_on=d(-20),
            starts_on=d(-20),
            review_on=d(-1),
            ends_on=d(20),
            now=NOW - dt.timedelta(days=20),
        ),
    )
    gone = agreed.record(school.head, **base_org(organisation="Gone Ltd", review_on=d(1)))
    agreed.revoke(gone.id, school.head, reason="no longer visiting", now=NOW)
    assert [e.id for e in agreed.due_for_review(TODAY, 7)] == [c.id, b.id]
    assert [e.id for e in agreed.due_for_review(TODAY, 10)] == [c.id, b.id, a.id]
    assert [e.id for e in agreed.due_for_review(d(4), 30)] == [c.id, a.id]  # b has ended
    agreed.record_review(c.id, school.head, next_review_on=d(15), now=NOW)
    assert [e.id for e in agreed.due_for_review(TODAY, 7)] == [b.id]
    with pytest.raises(ValidationError, match="no later than the end date"):
        agreed.record_review(c.id, school.head, next_review_on=d(40), now=NOW)
    assert [e.id for e in agreed.ending_within(TODAY, 5)] == [b.id]


def test_a_review_refuses_bad_dates_other_roles_and_revoked_exceptions(school):
    exc = pupil_exception(school)  # ends d(60)
    for bad, message in (
        (TODAY, "The next review must be after today and no later than the end date, 2027-01-11."),
        (d(61), "The next review must be after today and no later than the end date, 2027-01-11."),
        ("2026-12-01", "Give the next review date as a date."),
    ):
        with pytest.raises(ValidationError) as caught:
            agreed.record_review(exc.id, school.head, next_review_on=bad, now=NOW)
        assert caught.value.message == message
    with pytest.raises(PermissionDenied):
        agreed.record_review(exc.id, school.office, next_review_on=d(20), now=NOW)
    assert AgreedException.get_by_id(exc.id).review_on == d(30)  # nothing changed
    agreed.revoke(exc.id, school.head, reason="ended early", now=NOW)
    with pytest.raises(RuleViolation, match="revoked: there is nothing to review"):
        agreed.record_review(exc.id, school.head, next_review_on=d(20), now=NOW)
    assert agreed.record_review(visitor_exception(school).id, school.head, next_review_on=d(3), now=NOW).review_on == d(
        3
    )  # the end date itself is allowed


def test_agreement_document_has_signature_lines_and_the_category_not_a_diagnosis(school):
    exc = pupil_exception(school)
    text = to_text(agreed.agreement_document(exc, school_name="Mereworth CP School", headteacher_name="Miss A Lavelle"))
    text = " ".join(text.split())
    for expected in (
        "Phone exception agreement",
        "Ava Patel",
        "Oak",
        "medical monitoring",
        "reads a medical sensor",
        "No photos or messaging",
        "Learner",
        "Parent/carer",
        "Priya Patel",
        "Headteacher",
        "Miss A Lavelle",
        "rest of the day",
    ):
        assert expected in text, expected
    org = visitor_exception(school)
    text = " ".join(to_text(agreed.agreement_document(org, school_name="Mereworth CP School")).split())
    assert "Kent Educational Psychology" in text
    assert "Learner" not in text and "For the organisation" in text and "Head" in text


# ---------------------------------------------------------------- effects in reports


def test_checklist_and_progress_count_an_exception_apart(school):
    ava = pupil("000001")
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    before = {r.class_name: r for r in reports.class_progress(TODAY)}
    assert before["Oak"] == reports.ClassProgress("Oak", handed_in=1, expected=3, exceptions=0)
    row = next(r for r in reports.class_checklist("Oak", TODAY) if r.admission_no == "000001")
    assert row.status == reports.CHECK_NOT_HANDED_IN

    exc = pupil_exception(school)
    after = {r.class_name: r for r in reports.class_progress(TODAY)}
    assert after["Oak"] == reports.ClassProgress("Oak", handed_in=1, expected=2, exceptions=1)
    assert after["Beech"].exceptions == 0
    row = next(r for r in reports.class_checklist("Oak", TODAY) if r.admission_no == "000001")
    assert row.status == reports.CHECK_EXCEPTION and row.exception_id == exc.id
    assert "medical monitoring" in row.text and "2027-01-11" in row.text
    assert agreed.scan_note(ava.id, TODAY).startswith("Agreed exception: medical monitoring")
    # a pupil under an exception who hands in anyway is in a slot, and not counted twice
    assert custody.hand_in(school.codes["000001"], school.office, now=NOW).outcome == "EXCEPTION"
    custody.hand_in(school.codes["000001"], school.office, now=NOW, despite_exception=True)
    row = next(r for r in reports.class_checklist("Oak", TODAY) if r.admission_no == "000001")
    assert row.status == reports.CHECK_IN_SLOT
    # Walk finding (issue 14): Home then still said the pupil "keeps their phone". A pupil
    # who hands in anyway is counted as handed in and expected, like any other; the
    # exceptions are those who keep their phone.
    assert {r.class_name: r for r in reports.class_progress(TODAY)}["Oak"] == reports.ClassProgress(
        "Oak", handed_in=2, expected=3, exceptions=0
    )
    from models.reports import compliance

    [oak_today] = [r for r in compliance.compliance(now=NOW, cache=False).today if r.class_name == "Oak"]
    assert (oak_today.handed_in, oak_today.expected, oak_today.exceptions) == (2, 3, 0)  # the same figures
    # after the end date it counts as not handed in again
    assert agreed.scan_note(ava.id, d(61)) is None
    assert {r.class_name: r for r in reports.class_progress(d(61))}["Oak"].exceptions == 0


# ---------------------------------------------------------------- schema upgrade


def test_a_version_1_database_upgrades_and_keeps_its_data(database):
    from models.clock import utcnow
    from models.store.db import close_db, db
    from models.store.tables import EXCEPTION_MODELS, VISITOR_MODELS, Concern, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database
    from tests.oldschema import LATER_THAN_1, written_as

    with written_as(1):
        school = build()
        custody.hand_in(school.codes["000002"], school.office, now=NOW)
    # make it a version-1 database: no new tables, stamped 1
    db.drop_tables([*LATER_THAN_1, *EXCEPTION_MODELS, *VISITOR_MODELS])
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=1, description="created", applied_at=utcnow())
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST
    assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == list(
        range(1, migrations.LATEST + 1)
    )
    assert Concern.select().count() == 0
    staff = SimpleNamespace(head=Staff.get(Staff.username == "head"), office=Staff.get(Staff.username == "office"))
    exc = pupil_exception(staff)
    assert agreed.active_for_pupil(exc.pupil_id, TODAY).id == exc.id
    assert {r.class_name: r for r in reports.class_progress(TODAY)}["Oak"] == reports.ClassProgress(
        "Oak", handed_in=1, expected=2, exceptions=1
    )
    assert audit.verify().ok
