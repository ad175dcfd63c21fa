"""Issue 15: consistency means every phone brought in was handed in.

Day marks (absent, no phone today), the MIS attendance import, compliance counting only
the pupils in school with a phone, phones kept overnight, and breaches. Each expected
figure is worked out here from the ledger and the marks themselves (plain queries), not
from the report code.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from models.audit import chain as audit
from models.clock import SCHOOL_TZ, day_bounds, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied, RuleViolation, ValidationError
from models.reports import compliance, phones
from models.reports.phones import CheckStatus, class_checklist, class_progress
from models.school import attendance
from models.store.tables import AuditEntry, CustodyEvent, DayMark, Device, Pupil
from tests.school import build

MON, TUE, WED = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)
DATA = Path(__file__).resolve().parent.parent / "data"


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


@pytest.fixture
def school(database):
    return build(now=at(MON - dt.timedelta(days=7), 7))


def pid(adno):
    return Pupil.get(Pupil.admission_no == adno).id


def oak(report, day):
    return next(r for r in report.class_days if r.date == day and r.class_name == "Oak")


def handed_by_ledger(day):
    """Admission numbers with a hand-in on ``day`` that was not undone, straight from the ledger."""
    start, end = day_bounds(day, SCHOOL_TZ)
    undone = {e.reverses_id for e in CustodyEvent.select().where(CustodyEvent.kind == "reversal")}
    return {
        Pupil.get_by_id(Device.get_by_id(e.device_id).pupil_id).admission_no
        for e in CustodyEvent.select().where(
            (CustodyEvent.kind == "handed_in") & (CustodyEvent.at >= start) & (CustodyEvent.at < end)
        )
        if e.id not in undone
    }


def marks_by_table(day):
    """admission number -> the latest mark for ``day`` (withdrawn included), from the table."""
    out = {}
    for m in DayMark.select().where(DayMark.day == day).order_by(DayMark.id):
        out[Pupil.get_by_id(m.pupil_id).admission_no] = m.mark
    return out


# ---------------------------------------------------------------- marks and the figures


def test_absent_and_no_phone_pupils_are_not_expected(school):
    custody.hand_in(school.codes["000001"], school.office, now=at(MON, 8, 30))
    custody.hand_in(school.codes["000004"], school.office, now=at(MON, 8, 31))
    attendance.mark_day(school.oak, pid("000002"), MON, attendance.ABSENT, now=at(MON, 8, 40))
    attendance.mark_day(school.office, pid("000003"), MON, attendance.NO_PHONE, now=at(MON, 8, 41))
    handed, marks = handed_by_ledger(MON), marks_by_table(MON)
    oak_pupils = {"000001", "000002", "000003"}
    expected = {a for a in oak_pupils if a in handed or marks.get(a) not in ("absent", "no_phone")}
    report = compliance.compliance(MON, MON, now=at(MON, 16))
    row = oak(report, MON)
    assert (row.handed_in, row.expected, row.absent, row.no_phone) == (len(handed & oak_pupils), len(expected), 1, 1)
    assert row.rate == 100.0
    progress = {p.class_name: p for p in class_progress(MON)}
    assert (progress["Oak"].handed_in, progress["Oak"].expected) == (1, 1)
    assert (progress["Oak"].absent, progress["Oak"].no_phone) == (1, 1)
    # The next day Monday comes from the cache: still the same figures.
    for cache in (True, False):
        later = compliance.compliance(MON, TUE, now=at(TUE, 9), cache=cache)
        assert oak(later, MON) == row


def test_the_hand_in_wins_over_a_no_phone_mark_which_stays_in_the_record(school):
    attendance.mark_day(school.oak, pid("000003"), MON, attendance.NO_PHONE, now=at(MON, 8, 30))
    custody.hand_in(school.codes["000003"], school.office, now=at(MON, 8, 45))
    row = oak(compliance.compliance(MON, MON, now=at(MON, 16)), MON)
    assert "000003" in handed_by_ledger(MON)
    assert (row.handed_in, row.expected, row.no_phone) == (1, 3, 0)
    assert marks_by_table(MON) == {"000003": "no_phone"}  # the mark stays
    rows = {r.admission_no: r for r in class_checklist("Oak", MON)}
    assert rows["000003"].status == CheckStatus.IN_SLOT


def test_a_mark_on_a_cached_day_changes_that_day(school):
    custody.hand_in(school.codes["000001"], school.office, now=at(MON, 8, 30))
    before = compliance.compliance(MON, TUE, now=at(TUE, 9))
    assert oak(before, MON).expected == 3
    attendance.mark_day(school.office, pid("000002"), MON, attendance.ABSENT, now=at(TUE, 9, 5))
    for cache in (True, False):
        after = compliance.compliance(MON, TUE, now=at(TUE, 9, 10), cache=cache)
        assert (oak(after, MON).expected, oak(after, MON).absent) == (2, 1)


def test_a_correction_is_a_new_mark_or_a_withdrawal_with_a_reason(school):
    ben = pid("000002")
    attendance.mark_day(school.oak, ben, MON, attendance.ABSENT, now=at(MON, 8, 30))
    with pytest.raises(RuleViolation, match="already marked absent"):
        attendance.mark_day(school.oak, ben, MON, attendance.ABSENT, now=at(MON, 8, 31))
    attendance.mark_day(school.oak, ben, MON, attendance.NO_PHONE, now=at(MON, 9, 0))  # he came in after all
    assert phones.marks_on(MON) == {ben: attendance.NO_PHONE}
    with pytest.raises(ValidationError, match="reason"):
        attendance.mark_day(school.oak, ben, MON, attendance.WITHDRAWN, reason="  ", now=at(MON, 9, 1))
    done = attendance.mark_day(school.oak, ben, MON, attendance.WITHDRAWN, reason="had his phone", now=at(MON, 9, 2))
    assert "withdrawn" in done.line
    assert phones.marks_on(MON) == {}
    with pytest.raises(RuleViolation, match="no mark"):
        attendance.mark_day(school.oak, ben, MON, attendance.WITHDRAWN, reason="again", now=at(MON, 9, 3))
    assert [m.mark for m in DayMark.select().order_by(DayMark.id)] == ["absent", "no_phone", "withdrawn"]
    entries = list(AuditEntry.select().where(AuditEntry.action == "attendance.mark").order_by(AuditEntry.seq))
    assert len(entries) == 3
    for e in entries:
        details = json.loads(e.details)
        assert details["pupil_id"] == ben and details["day"] == MON.isoformat()
        assert "Ben" not in e.details and "phone" not in e.details.replace("no_phone", "")  # ids and codes only
    assert audit.verify().ok


def test_who_may_mark(school):
    attendance.mark_day(school.oak, pid("000001"), MON, attendance.ABSENT, now=at(MON, 8))
    with pytest.raises(PermissionDenied, match="own class"):
        attendance.mark_day(school.oak, pid("000004"), MON, attendance.ABSENT, now=at(MON, 8))
    attendance.mark_day(school.deputy, pid("000004"), MON, attendance.ABSENT, now=at(MON, 8))
    attendance.mark_day(school.office, pid("000005"), MON, attendance.NO_PHONE, now=at(MON, 8))
    with pytest.raises(PermissionDenied):
        attendance.mark_day(school.admin, pid("000002"), MON, attendance.ABSENT, now=at(MON, 8))
    with pytest.raises(ValidationError, match="not come yet"):
        attendance.mark_day(school.office, pid("000002"), TUE, attendance.ABSENT, now=at(MON, 8))


# ---------------------------------------------------------------- kept overnight


def test_a_phone_kept_overnight_counts_as_handed_in_the_next_day(school):
    for adno in ("000001", "000002", "000003"):
        custody.hand_in(school.codes[adno], school.office, now=at(MON, 8, 30))
    for adno in ("000001", "000002"):
        custody.release(school.codes[adno], school.office, now=at(MON, 15, 10))
    custody.hand_in(school.codes["000001"], school.office, now=at(TUE, 8, 30))
    # Cara's phone stayed in the tray: on Tuesday it is held as the day begins.
    assert custody.state_of(resolve(school.codes["000003"]).device.id).state == custody.IN_TRAY
    for cache in (True, False):
        report = compliance.compliance(MON, WED, now=at(WED, 9), cache=cache)
        assert (oak(report, TUE).handed_in, oak(report, TUE).expected) == (2, 3)
    assert {p.class_name: p.handed_in for p in class_progress(TUE)}["Oak"] == 2  # Tuesday's progress too
    # Both given back on Tuesday afternoon (Cara's recorded on Wednesday morning, dated
    # Tuesday): on Wednesday neither counts, and Tuesday still does.
    custody.release(school.codes["000001"], school.office, now=at(TUE, 15, 10))
    custody.release(school.codes["000003"], school.office, now=at(TUE, 15, 20))
    for cache in (True, False):
        report = compliance.compliance(MON, WED, now=at(WED, 9, 5), cache=cache)
        # (Wednesday, nothing scanned yet, is no school day: its figures are today's table's.)
        today = next(r for r in report.today if r.class_name == "Oak")
        assert WED not in report.school_days and today.date == WED
        assert today.handed_in == 0 and oak(report, TUE).handed_in == 2


def test_a_phone_confiscated_and_not_collected_counts_and_one_with_the_police_does_not(school):
    from models.school.people import contacts_of

    ava, ben = resolve(school.codes["000001"]).device.id, resolve(school.codes["000002"]).device.id
    custody.confiscate(
        ava, school.oak, category="behaviour", reason="Used in class", policy="MTP 6", now=at(MON, 10)
    )  # off her
    custody.hand_in(school.codes["000002"], school.office, now=at(MON, 8, 30))
    custody.confiscate(
        ben, school.head, category="behaviour", reason="Filming", policy="MTP 6", now=at(MON, 11)
    )  # in the tray
    custody.hand_to_police(ben, school.head, officer="PC Ng, 4521", force_reference="K/1", now=at(MON, 14))
    for day in (TUE, WED):  # Beech scans: a school day
        custody.hand_in(school.codes["000004"], school.office, now=at(day, 8, 30))
        if day == TUE:
            custody.release(school.codes["000004"], school.office, now=at(day, 15, 5))
    # Tuesday: Ava's phone still held for a parent (counts); Ben's is with the police (does not).
    for cache in (True, False):
        report = compliance.compliance(MON, WED, now=at(WED, 9), cache=cache)
        assert oak(report, MON).handed_in == 1  # Ben's hand-in; Ava's phone was taken off her
        assert oak(report, TUE).handed_in == 1
    mum = contacts_of(pid("000001"))[0]
    custody.release_to_contact(ava, school.office, contact_id=mum.id, id_seen=True, now=at(TUE, 15))
    report = compliance.compliance(MON, WED, now=at(WED, 9, 5))
    assert (oak(report, TUE).handed_in, oak(report, WED).handed_in) == (1, 0)
    assert phones.held_at(day_bounds(TUE, SCHOOL_TZ)[0]) == {ava: pid("000001")}
    assert phones.held_at(day_bounds(WED, SCHOOL_TZ)[0]) == {}


# ---------------------------------------------------------------- breaches


def test_breaches_per_class_and_repeat_pupils(school):
    ava, dan = resolve(school.codes["000001"]).device.id, resolve(school.codes["000004"]).device.id
    mum = None
    for day in (MON, TUE):
        custody.confiscate(
            ava, school.oak, category="behaviour", reason="Used in class", policy="MTP 6", now=at(day, 10)
        )
        from models.school.people import contacts_of

        mum = contacts_of(pid("000001"))[0]
        custody.release_to_contact(ava, school.office, contact_id=mum.id, id_seen=True, now=at(day, 15))
    wrong = custody.confiscate(
        dan, school.head, category="behaviour", reason="Used at lunch", policy="MTP 6", now=at(TUE, 12)
    )
    custody.reverse(wrong.id, school.head, reason="wrong pupil", now=at(TUE, 12, 5))
    custody.confiscate(dan, school.head, category="behaviour", reason="Used at lunch", policy="MTP 6", now=at(WED, 12))
    # From the ledger: confiscations not undone, per class, in Mon..Tue.
    undone = {e.reverses_id for e in CustodyEvent.select().where(CustodyEvent.kind == "reversal")}
    start, end = day_bounds(MON, SCHOOL_TZ)[0], day_bounds(TUE, SCHOOL_TZ)[1]
    conf = [
        e
        for e in CustodyEvent.select().where(
            (CustodyEvent.kind == "confiscated") & (CustodyEvent.at >= start) & (CustodyEvent.at < end)
        )
        if e.id not in undone
    ]
    assert len(conf) == 2
    found = compliance.breaches(MON, TUE)
    assert [(c.class_name, c.breaches, c.pupils) for c in found.per_class] == [("Oak", 2, 1)]
    assert [(r.name, r.class_name, r.breaches, r.last) for r in found.repeat] == [("Ava Patel", "Oak", 2, TUE)]
    assert found.without_names().repeat[0].name == ""
    week = compliance.compliance(MON, WED, now=at(WED, 16)).breaches
    assert week is not None and [(c.class_name, c.breaches) for c in week.per_class] == [("Beech", 1), ("Oak", 2)]
    assert week.total == 3 and len(week.repeat) == 1


# ---------------------------------------------------------------- the attendance import


def test_the_marks_are_the_same_words_in_both_areas():
    assert (attendance.ABSENT, attendance.NO_PHONE, attendance.WITHDRAWN) == (
        phones.MARK_ABSENT,
        phones.MARK_NO_PHONE,
        phones.MARK_WITHDRAWN,
    )


def test_the_sample_attendance_file_parses():
    parsed = attendance.parse_attendance(DATA / "attendance-sample.csv", today=dt.date(2026, 12, 7))
    assert parsed.errors == []
    assert parsed.rows and all(r.day == dt.date(2026, 11, 9) for r in parsed.rows)


def _csv(*lines):
    return ("Adno,Date,Mark\n" + "\n".join(lines) + "\n").encode()


def test_import_marks_absences_reports_bad_rows_and_is_idempotent(school):
    data = _csv(
        "000001,09/11/2026,/",
        "000002,09/11/2026,I",  # illness: absent
        "000003,2026-11-09,L",  # late: present
        "000004,09/11/2026,",  # no code
        "999999,09/11/2026,N",  # nobody
        "000005,31/11/2026,N",  # no such date
        "000005,10/11/2026,/",  # the future, on Monday
    )
    parsed = attendance.parse_attendance(data, today=MON)
    done = attendance.import_attendance(school.office, parsed, now=at(MON, 10))
    assert (done.absent, done.withdrawn) == (1, 0)
    assert [e.split(":")[0] for e in done.errors] == ["line 5", "line 6", "line 7", "line 8"]
    assert all("\n" not in e for e in done.errors)
    assert phones.marks_on(MON) == {pid("000002"): attendance.ABSENT}
    rows, head = DayMark.select().count(), audit.head()
    again = attendance.import_attendance(school.office, attendance.parse_attendance(data, today=MON), now=at(MON, 11))
    assert (again.absent, again.withdrawn) == (0, 0)
    assert (DayMark.select().count(), audit.head()) == (rows, head)  # nothing changed, not even the log


def test_am_and_pm_sessions_and_corrections_from_the_register(school):
    header = "Adno,Legal Surname,Legal Forename,Reg,Date,AM,PM\n"
    first = header + "000001,Patel,Ava,Oak,09/11/2026,N,N\n000002,Jones,Ben,Oak,09/11/2026,/,M\n"
    attendance.import_attendance(school.office, attendance.parse_attendance(first.encode(), today=MON), now=at(MON, 10))
    assert phones.marks_on(MON) == {pid("000001"): attendance.ABSENT}  # Ben came in the morning
    # The register corrected: Ava arrived late. The import withdraws its own absence.
    fixed = header + "000001,Patel,Ava,Oak,09/11/2026,L,\\\n"
    done = attendance.import_attendance(
        school.office, attendance.parse_attendance(fixed.encode(), today=MON), now=at(MON, 11)
    )
    assert done.withdrawn == 1 and phones.marks_on(MON) == {}
    # Staff's word at the kiosk that day stands over the import.
    attendance.mark_day(school.oak, pid("000002"), MON, attendance.NO_PHONE, now=at(MON, 12))
    absent = header + "000002,Jones,Ben,Oak,09/11/2026,I,I\n"
    done = attendance.import_attendance(
        school.office, attendance.parse_attendance(absent.encode(), today=MON), now=at(MON, 13)
    )
    assert done.unchanged == 1 and phones.marks_on(MON) == {pid("000002"): attendance.NO_PHONE}


def test_only_the_office_or_admin_imports(school):
    parsed = attendance.parse_attendance(_csv("000002,09/11/2026,I"), today=MON)
    with pytest.raises(PermissionDenied):
        attendance.import_attendance(school.oak, parsed, now=at(MON, 10))
    attendance.import_attendance(school.admin, parsed, now=at(MON, 10))


def test_a_file_that_is_not_an_attendance_file_is_one_line():
    with pytest.raises(attendance.AttendanceFileError, match="no 'Date' heading"):
        attendance.parse_attendance(b"Adno,Mark\n000001,/\n", today=MON)
    with pytest.raises(attendance.AttendanceFileError, match="does not exist"):
        attendance.parse_attendance("/nonexistent/attendance.csv", today=MON)


# ---------------------------------------------------------------- the upgrade


def test_a_version_10_database_gets_day_marks_and_a_fresh_cache(database):
    from models.clock import utcnow
    from models.store.db import close_db, db
    from models.store.tables import ComplianceDay, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database
    from tests.oldschema import written_as

    with written_as(10):
        school = build(now=at(MON - dt.timedelta(days=7), 7))
        custody.hand_in(school.codes["000002"], school.office, now=at(MON, 8, 30))
        compliance.compliance(MON, TUE, now=at(TUE, 9))  # fills the cache (as version 10 would)
    assert ComplianceDay.select().count() == 1
    db.drop_tables([DayMark])
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="created", applied_at=utcnow())
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST
    assert ComplianceDay.select().count() == 0  # counted again, with phones kept overnight
    attendance.mark_day(school.office, pid("000001"), MON, attendance.ABSENT, now=at(TUE, 9))
    assert audit.verify().ok


# ---------------------------------------------------------------- records duties


def test_day_marks_are_in_subject_access_erased_with_the_pupil_and_purged(school):
    from models.config import Settings
    from models.records import duties as records

    old = MON - dt.timedelta(days=98)  # Monday 3 August 2026: marked on that day (a mark is at most 30 days back)
    attendance.mark_day(school.office, pid("000003"), old, attendance.ABSENT, now=at(old, 8))
    attendance.mark_day(school.office, pid("000003"), MON, attendance.NO_PHONE, now=at(MON, 8))
    attendance.mark_day(school.office, pid("000002"), MON, attendance.ABSENT, now=at(MON, 8))
    export = records.subject_access(records.pupil_subject("000003"), now=at(MON, 9))
    rows = export.sections["day_marks"]
    assert sorted(r["mark"] for r in rows) == ["absent", "no_phone"]
    retention = dict(Settings().retention_days)  # hand_ins: 60 days
    done = records.purge(retention, now=at(MON, 10))
    assert done.deleted["day_marks"] == 1
    records.erase(records.pupil_subject("000003"), now=at(MON, 11))
    assert [Pupil.get_by_id(m.pupil_id).admission_no for m in DayMark.select()] == ["000002"]
    assert audit.verify().ok


def test_the_shared_sims_style_attendance_export_parses():
    """The SIMS-style export in the shared samples: 1,050 rows over five days; a pupil is
    absent on a day when neither session has a present code (counted here from the text)."""
    import csv
    import os

    from tests.conftest import SAMPLES

    path = Path(os.environ.get("KIOSK_SAMPLES_DIR") or SAMPLES) / "attendance-sims-style.csv"
    if not path.exists():
        pytest.skip(f"sample not found at {path} (set KIOSK_SAMPLES_DIR to the samples folder)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        records = list(csv.DictReader(fh))
    absent = sum(1 for r in records if not {r["AM"], r["PM"]} & {"/", "\\", "L"})
    parsed = attendance.parse_attendance(path, today=dt.date(2026, 12, 7))
    assert parsed.errors == [] and len(parsed.rows) == len(records)
    assert sum(not r.present for r in parsed.rows) == absent


def test_the_compliance_screen_names_repeat_breaches_only_for_leadership_the_dsl_and_the_head(school):
    from kiosk.actions.reports import load_compliance
    from kiosk.session import SignedIn
    from models.config import Settings
    from models.school.people import contacts_of

    ava = resolve(school.codes["000001"]).device.id
    mum = contacts_of(pid("000001"))[0]
    for day in (MON, TUE):
        custody.hand_in(school.codes["000004"], school.office, now=at(day, 8, 30))  # a school day
        custody.confiscate(
            ava, school.oak, category="behaviour", reason="Used in class", policy="MTP 6", now=at(day, 10)
        )
        custody.release_to_contact(ava, school.office, contact_id=mum.id, id_seen=True, now=at(day, 15))
    seen = {}
    for who in (school.office, school.oak, school.deputy, school.head):
        try:
            data = load_compliance(SignedIn.of(who), Settings(), at(TUE, 16))
        except PermissionDenied:
            seen[who.username] = None  # a teacher does not see reports at all
            continue
        assert data.breaches is not None and data.breaches.total == 2
        seen[who.username] = [r.name for r in data.breaches.repeat]
    assert seen == {"office": [""], "oak": None, "deputy": ["Ava Patel"], "head": ["Ava Patel"]}


def test_a_search_of_a_phone_with_its_owner_does_not_count_it_as_kept_overnight(school):
    """A search with consent leaves the phone where it is (issue 15, item 2): searched while
    with its owner, it was not held, that evening or the next morning."""
    from models.school.people import contacts_of

    ava = resolve(school.codes["000001"]).device.id
    for adno in ("000002", "000003"):  # a school day for Oak
        custody.hand_in(school.codes[adno], school.office, now=at(MON, 8, 30))
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    custody.record_search(
        ava,
        school.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Mr Head",
        grounds="Reported filming",
        item_sought="a video of a pupil",
        location="the deputy's office",
        outcome="nothing_found",
        now=at(MON, 16),
    )
    assert custody.state_of(ava).state == custody.OUT
    for adno in ("000002", "000003"):
        custody.release(school.codes[adno], school.office, now=at(MON, 15, 10))
        custody.hand_in(school.codes[adno], school.office, now=at(TUE, 8, 30))
    for cache in (True, False):
        report = compliance.compliance(MON, WED, now=at(WED, 9), cache=cache)
        assert oak(report, TUE).handed_in == 2, cache
    assert 1 not in {p for p in phones.held_at(local_to_utc(dt.datetime.combine(TUE, dt.time(0)))).values()}
