"""Visitors: sign-in with the rules and the phone question, sign-out, on-site lists.

Runs on SQLite, and on PostgreSQL when KIOSK_TEST_POSTGRES is set. The clock is
frozen at conftest's NOW (Thursday 12 November 2026, 08:30 London = UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

import printing
from models.audit import chain as audit
from models.config import Settings, VisitorChecks
from models.custody import codes
from models.custody import ledger as custody
from models.errors import InvalidCode, KioskError, NotFound, PermissionDenied, RuleViolation, ValidationError
from models.policy.rules import load_rules
from models.store.tables import AuditEntry, CustodyEvent, Device, DeviceState, Label, PrintJob, Visit, Visitor
from models.visitors import visits as visitors
from tests.conftest import NOW
from tests.school import build

RULES = load_rules()


@pytest.fixture
def school(database):
    printing.clear_dummy_jobs()
    yield build()
    printing.clear_dummy_jobs()


@pytest.fixture
def settings():
    return Settings(
        school_name="Test Primary",
        dsl_name="Ms D Lead",
        report_concern="Tell the office at once.",
        printer={"url": "dummy://slips", "paper_mm": 80, "profile": "default"},
    )


def sign_in(settings, **kw):
    data = dict(
        settings=settings,
        rules=RULES,
        rules_accepted=True,
        name="Jo Bloggs",
        organisation="",
        visitor_type="parent_carer",
        purpose="Parents' meeting",
        visiting="Mrs Smith",
        phone="car_or_off",
        now=NOW,
    )
    data.update(kw)
    return visitors.sign_in(**data)


def staff_sign_in(settings, school, **kw):
    data = dict(
        actor=school.office,
        name="Ann Lee",
        organisation="Kent County Council",
        visitor_type="professional",
        id_seen=True,
        dbs_assured=True,
        dbs_confirmed_by="KCC HR, letter of assurance",
    )
    data.update(kw)
    return sign_in(settings, **data)


def counts():
    return (
        Visit.select().count(),
        Visitor.select().count(),
        PrintJob.select().count(),
        CustodyEvent.select().count(),
        Device.select().count(),
        AuditEntry.select().count(),
    )


# ---------------------------------------------------------------- sign-in


def test_self_service_sign_in_writes_visit_audit_and_slip_together(school, settings):
    before = counts()
    r = sign_in(settings, car_reg="ab12 cde")
    v = r.visit
    assert (v.name, v.organisation, v.visitor_type, v.badge_number) == ("Jo Bloggs", "", "parent_carer", "001")
    assert v.car_reg == "AB12CDE" and v.signed_in_by_id is None and v.signed_in_at == NOW
    assert (v.rules_version, v.rules_sha256, v.rules_accepted_at) == ("2026-09", RULES.sha256, NOW)
    assert RULES.sha256 == hashlib.sha256(RULES.text.encode("utf-8")).hexdigest()
    assert v.supervised is True  # parent/carer default
    assert codes.is_valid(r.slip_code) and r.slip_code[0] == "S"
    after = counts()
    assert after[0] - before[0] == 1 and after[1] - before[1] == 1 and after[2] - before[2] == 1
    assert after[3] == before[3]  # no phone in the tray
    entry = AuditEntry.select().where(AuditEntry.action == "visit.sign_in").get()
    assert entry.actor == "self-service" and "Jo" not in entry.details and "Bloggs" not in entry.details
    job = PrintJob.get_by_id(r.print_job_id)
    assert (job.status, job.kind, job.ref, job.printer_url) == ("pending", "slip", f"visit:{v.id}", "dummy://slips")
    text = " ".join(printing.to_text(_slip_doc(settings, r), 48).split())
    assert "Jo Bloggs" in text
    assert audit.verify().ok


def _slip_doc(settings, r):
    v = r.visit
    return printing.visitor_slip(
        school_name=settings.school_name,
        visitor_name=v.name,
        organisation=v.organisation,
        time_in=dt.datetime(2026, 11, 12, 8, 30),
        badge_number=v.badge_number,
        supervised=v.supervised,
        device_rules=list(RULES.short),
        dsl_name=settings.dsl_name,
        report_concern=settings.report_concern,
        signout_code=v.slip_code,
        visiting=v.visiting,
    )


def test_the_slip_in_the_outbox_is_the_rendered_slip_with_every_field(school, settings):
    r = sign_in(settings, organisation="Acme Windows")
    job = PrintJob.get_by_id(r.print_job_id)
    assert bytes(job.data) == printing.to_bytes(_slip_doc(settings, r), 80)
    text = " ".join(printing.to_text(_slip_doc(settings, r), 48).split())
    for phrase in (
        "Test Primary",
        "Jo Bloggs",
        "Acme Windows",
        "Thu 12 Nov 2026 08:30",
        "Badge: 001",
        "SUPERVISED",
        RULES.short[0],
        "Designated Safeguarding Lead: Ms D Lead",
        "Tell the office at once.",
        f"[QR: {r.slip_code}]",
    ):
        assert phrase in text, phrase


def test_phone_in_the_tray_is_handed_in_under_a_visitor_label(school, settings):
    r = sign_in(settings, phone="tray", actor=school.office)
    assert r.slot == "C-01"  # the shared tray: visitors have no class
    assert r.phone_label.startswith("V") and codes.is_valid(r.phone_label)
    device = Device.get_by_id(r.visit.device_id)
    assert device.kind == "visitor" and device.pupil_id is None
    state = DeviceState.get_by_id(device.id)
    assert state.state == custody.IN_TRAY
    ev = CustodyEvent.get(CustodyEvent.device == device.id)
    assert ev.kind == custody.HANDED_IN and ev.actor_id == school.office.id and ev.label_code == r.phone_label
    assert custody.verify_states() == [] and audit.verify().ok
    # the V-label scans like any label: the tray knows where the phone is
    with pytest.raises(RuleViolation, match="already in the tray"):
        custody.hand_in_visitor_phone(device.id, school.office, r.phone_label, now=NOW)


def test_sign_out_by_slip_returns_the_phone_in_the_same_transaction(school, settings):
    r = sign_in(settings, phone="tray", actor=school.office)
    later = NOW + dt.timedelta(hours=2)
    out = visitors.sign_out(slip_code=r.slip_code.lower() + "\n", actor=school.office, now=later)
    assert out.slot == "C-01" and "give back the phone from slot C-01" in out.line()
    v = Visit.get_by_id(r.visit.id)
    assert v.signed_out_at == later and v.signed_out_by_id == school.office.id
    assert DeviceState.get_by_id(v.device_id).state == custody.OUT
    label = Label.get(Label.code == r.phone_label)
    assert label.revoked_at == later and label.revoke_reason == "returned to the visitor"
    assert custody.verify_states() == [] and audit.verify().ok
    with pytest.raises(RuleViolation, match="already signed out at 10:30"):
        visitors.sign_out(visit_id=v.id, actor=school.office, now=later)


def test_sign_out_by_picking_the_name_as_staff(school, settings):
    r = staff_sign_in(settings, school)
    out = visitors.sign_out(visit_id=r.visit.id, actor=school.office, now=NOW + dt.timedelta(hours=1))
    assert out.visit.signed_out_by_id == school.office.id and out.slot == ""
    with pytest.raises(PermissionDenied):
        visitors.sign_out(visit_id=sign_in(settings).visit.id, actor=school.oak, now=NOW)


def test_sign_out_refuses_what_is_not_a_slip(school, settings):
    sign_in(settings)
    with pytest.raises(InvalidCode, match="not a visitor slip"):
        visitors.sign_out(slip_code="hello", now=NOW)
    with pytest.raises(InvalidCode, match="is a phone label, not a visitor slip"):
        visitors.sign_out(slip_code=school.codes["000001"], now=NOW)
    with pytest.raises(NotFound, match="No visit has slip"):
        visitors.sign_out(slip_code=codes.make_code("S", 1), now=NOW)
    with pytest.raises(ValidationError):
        visitors.sign_out(now=NOW)


def test_a_visitor_phone_given_to_the_police_stays_held_at_sign_out(school, settings):
    """A visitor's phone cannot be confiscated (tests/domain/test_visitor_phone_powers_i14b.py),
    but one in the tray can go to the police, and sign-out then says where it is."""
    r = sign_in(settings, phone="tray", actor=school.office)
    custody.hand_to_police(
        r.visit.device_id,
        school.deputy,
        officer="PC 1234 Lee",
        force_reference="KNT-26-0001",
        now=NOW + dt.timedelta(minutes=30),
    )
    out = visitors.sign_out(visit_id=r.visit.id, actor=school.office, now=NOW + dt.timedelta(hours=1))
    assert out.slot == "" and out.phone_held == custody.POLICE and "see the DSL" in out.line()
    assert DeviceState.get_by_id(r.visit.device_id).state == custody.POLICE
    assert Label.get(Label.code == r.phone_label).revoked_at is None  # still identifies the held phone


BAD_INPUT = [
    (dict(name=""), ValidationError, "Please give the name."),
    (dict(name="   "), ValidationError, "Please give the name."),
    (dict(name="x" * 500), ValidationError, "The name is too long (500 characters; at most 100)."),
    (dict(organisation="o" * 500), ValidationError, "The organisation is too long (500 characters; at most 100)."),
    (dict(purpose="p" * 500), ValidationError, "The purpose of your visit is too long (500 characters; at most 200)."),
    (dict(visiting="v" * 500), ValidationError, "too long (500 characters; at most 100)."),
    (dict(name="Jo\x1b[2JBloggs"), ValidationError, "The name contains control characters: type it again."),
    (dict(visiting="Mrs\tSmith"), ValidationError, "contains control characters"),
    (dict(purpose="a\nb"), ValidationError, "contains control characters"),
    (dict(car_reg="AB12\x00CDE"), ValidationError, "The car registration contains control characters"),
    (dict(car_reg="TOO-LONG-REG-123"), ValidationError, "A car registration is up to 10 letters and digits"),
    (dict(rules_accepted=False), RuleViolation, "Please read the device rules and accept them to sign in."),
    (dict(rules_accepted=None), RuleViolation, "accept them"),
    (dict(visitor_type="spy"), ValidationError, "Choose the kind of visitor"),
    (dict(phone="pocket"), ValidationError, "Say where your phone is"),
    (
        dict(visitor_type="contractor"),
        RuleViolation,
        "A contractor is signed in by the office (ID and checks): please see the office.",
    ),
    (dict(supervised=False), RuleViolation, "Only the office can change whether a visitor is supervised."),
]


@pytest.mark.parametrize("kw, exc, message", BAD_INPUT)
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(school, settings, kw, exc, message):
    before = counts()
    with pytest.raises(exc) as info:
        sign_in(settings, **{"phone": "tray", **kw})
    assert message in str(info.value)
    assert "\n" not in str(info.value) and isinstance(info.value, KioskError)
    assert counts() == before


def test_a_failure_late_in_the_transaction_rolls_everything_back(school, settings, monkeypatch):
    """The slip's print job fails last: the visitor, visit, phone device/label and its receipt are all undone.

    (A full tray no longer fails: the phone goes to the overflow place.)
    """
    from models import outbox

    def refuse(*args, **kwargs):
        raise KioskError("The print queue is full.")

    monkeypatch.setattr(outbox, "enqueue", refuse)
    before = counts()
    with pytest.raises(KioskError, match="print queue is full"):
        sign_in(settings, phone="tray", actor=school.office)
    assert counts() == before
    assert Label.select().where(Label.code.startswith("V")).count() == 0


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(id_seen=False), "Check the photo ID of a professional or multi-agency and confirm it was seen."),
        (dict(dbs_assured=False), "needs DBS assurance from their employer"),
        (dict(dbs_assured=None), "needs DBS assurance"),
        (dict(dbs_confirmed_by=""), "Say who confirmed the DBS assurance"),
        (dict(dbs_confirmed_by="x" * 500), "too long (500 characters; at most 100)"),
    ],
)
def test_staff_checks_follow_the_visitor_type(school, settings, kw, message):
    before = counts()
    with pytest.raises(KioskError, match=message.replace("(", r"\(").replace(")", r"\)")):
        staff_sign_in(settings, school, **kw)
    assert counts() == before


def test_checks_come_from_config(school, settings):
    settings.visitor_checks["parent_carer"] = VisitorChecks(id_seen=True, dbs_assured=False, supervised=True)
    with pytest.raises(RuleViolation, match="please see the office"):
        sign_in(settings)
    r = sign_in(settings, actor=school.office, id_seen=True)
    assert r.visit.id_seen is True and r.visit.dbs_assured is None and r.visit.signed_in_by_id == school.office.id
    settings.visitor_checks["contractor"] = VisitorChecks(False, False, supervised=False)
    r2 = sign_in(settings, name="Bob Builder", organisation="Build Co", visitor_type="contractor")
    assert r2.supervised is False and r2.visit.signed_in_by_id is None


def test_staff_may_change_the_band_and_record_dbs_for_any_type(school, settings):
    r = staff_sign_in(settings, school, supervised=True)
    assert r.visit.supervised is True and r.visit.dbs_confirmed_by == "KCC HR, letter of assurance"
    r2 = sign_in(
        settings,
        actor=school.office,
        name="Gov Ernor",
        visitor_type="parent_carer",
        dbs_assured=True,
        dbs_confirmed_by="Kent governor services",
    )
    assert r2.visit.dbs_assured is True
    with pytest.raises(PermissionDenied):
        sign_in(settings, actor=school.oak, name="Someone Else")


def test_badge_numbers_count_up_each_day(school, settings):
    a = sign_in(settings, name="A One")
    b = sign_in(settings, name="B Two")
    visitors.sign_out(slip_code=a.slip_code, now=NOW + dt.timedelta(hours=1))
    c = sign_in(settings, name="C Three", now=NOW + dt.timedelta(days=1))
    # B Two was never signed out: 002 is still on a badge in the building.
    assert (a.badge_number, b.badge_number, c.badge_number) == ("001", "002", "001")
    d = sign_in(settings, name="D Four", now=NOW + dt.timedelta(days=1, minutes=1))
    assert d.badge_number == "003"
    e = sign_in(settings, name="E Five", now=NOW + dt.timedelta(days=1, minutes=2))
    assert e.badge_number == "004"  # not 003 again
    assert len({a.slip_code, b.slip_code, c.slip_code, d.slip_code, e.slip_code}) == 5


def test_a_visitor_cannot_be_signed_in_twice(school, settings):
    r = sign_in(settings)
    with pytest.raises(RuleViolation, match=r"Jo Bloggs is already signed in \(badge 001\): sign out first."):
        sign_in(settings, name="jo  bloggs", actor=school.office)
    visitors.sign_out(slip_code=r.slip_code, now=NOW + dt.timedelta(hours=1))
    again = sign_in(settings, actor=school.office, now=NOW + dt.timedelta(hours=2))  # the office finds them by name
    assert again.visitor.id == r.visitor.id and Visitor.select().count() == 1


def test_phone_exception_without_a_recorded_exception_asks_for_the_office(school, settings):
    # Without a matching record the answer is always this (matching: see the end of this file).
    before = counts()
    with pytest.raises(RuleViolation) as info:
        sign_in(settings, phone="exception")
    assert str(info.value) == "No agreed exception found for you: please see the office."
    assert counts() == before


# ---------------------------------------------------------------- returning visitors


def test_returning_visitors_by_three_letters_and_by_slip(school, settings):
    first = staff_sign_in(settings, school, name="Siobhán Ó Briain", car_reg="KX70 ABC")
    visitors.sign_out(visit_id=first.visit.id, actor=school.office, now=NOW + dt.timedelta(hours=1))
    sign_in(settings, name="Brian Jones", now=NOW + dt.timedelta(hours=2))
    assert visitors.find_returning("si") == []  # type-ahead waits for three letters
    assert [v.name for v in visitors.find_returning("sio")] == ["Siobhán Ó Briain"]
    assert [v.name for v in visitors.find_returning("BRI")] == ["Brian Jones", "Siobhán Ó Briain"]  # newest first
    assert visitors.find_returning("obh") == []  # a word must start with it
    assert [v.name for v in visitors.find_returning("ó br")] == ["Siobhán Ó Briain"]
    assert visitors.find_returning("%%%") == [] and visitors.find_returning("bri\x1b") == []
    # scanning the old slip finds the visit; signing in again reuses the visitor record
    old = visitors.find_by_slip_code(first.slip_code)
    again = staff_sign_in(
        settings,
        school,
        visitor_id=old.visitor_id,
        name=old.name,
        organisation=old.organisation,
        now=NOW + dt.timedelta(days=7),
    )
    assert again.visitor.id == first.visitor.id and again.visitor.car_reg == "KX70ABC"
    assert again.visitor.last_visit_at == NOW + dt.timedelta(days=7)
    with pytest.raises(NotFound):
        staff_sign_in(settings, school, visitor_id=9999, name="Ghost")


# ---------------------------------------------------------------- on site, flagged, roll call


def test_on_site_flagged_and_roll_call(school, settings):
    settings.visitor_flag_time = dt.time(16, 30)
    a = sign_in(settings, name="Amy Zed", phone="tray", actor=school.office)
    b = staff_sign_in(settings, school, now=NOW + dt.timedelta(hours=1))
    c = sign_in(settings, name="Cat Young", now=NOW + dt.timedelta(hours=2))
    visitors.sign_out(slip_code=c.slip_code, now=NOW + dt.timedelta(hours=3))
    noon = NOW + dt.timedelta(hours=4)
    rows = visitors.on_site(settings, noon)
    assert [r.name for r in rows] == ["Amy Zed", "Ann Lee"]
    assert rows[0].slot == "C-01" and rows[1].slot == "" and not any(r.flagged for r in rows)
    assert visitors.flagged(settings, noon) == []
    # 16:29 London (GMT in November): not yet; 16:30: both flagged
    assert visitors.flagged(settings, dt.datetime(2026, 11, 12, 16, 29)) == []
    late = visitors.flagged(settings, dt.datetime(2026, 11, 12, 16, 30))
    assert {r.visit_id for r in late} == {a.visit.id, b.visit.id}
    # a visit left open from yesterday is flagged all day today
    assert all(r.flagged for r in visitors.on_site(settings, NOW + dt.timedelta(days=1)))
    # roll call: by surname
    names = [r.name for r in visitors.roll_call_rows(settings, noon)]
    assert names == ["Ann Lee", "Amy Zed"]
    text = " ".join(printing.to_text(visitors.roll_call_document(settings, noon), 48).split())
    assert "FIRE ROLL CALL" in text and "[ ] Ann Lee" in text and "Total visitors on site: 2" in text
    job_id = visitors.print_roll_call(settings, actor=school.office, now=noon)
    assert PrintJob.get_by_id(job_id).kind == "roll_call"


def test_flag_time_follows_british_summer_time(school, settings):
    summer = dt.datetime(2026, 6, 10, 8, 0)  # 09:00 BST
    sign_in(settings, now=summer)
    assert visitors.flagged(settings, dt.datetime(2026, 6, 10, 15, 29)) == []  # 16:29 BST
    assert len(visitors.flagged(settings, dt.datetime(2026, 6, 10, 15, 30))) == 1


def test_reprint_slip_makes_a_new_audited_job(school, settings):
    r = sign_in(settings)
    job_id = visitors.reprint_slip(r.visit.id, actor=school.office, now=NOW)
    job = PrintJob.get_by_id(job_id)
    assert job.reprint_of_id == r.print_job_id and bytes(job.data) == bytes(PrintJob.get_by_id(r.print_job_id).data)
    assert (
        AuditEntry.select()
        .where((AuditEntry.action == "print.enqueue") & (AuditEntry.entity_id == str(job_id)))
        .exists()
    )
    with pytest.raises(NotFound):
        visitors.reprint_slip(9999, now=NOW)


def test_the_demo_school_has_visitors(database):
    from models.config import DEMO_CONFIG, load_settings
    from models.upkeep.demo import create_demo

    settings = load_settings(DEMO_CONFIG)
    afternoon = NOW + dt.timedelta(hours=6)  # 14:30 on a Thursday
    create_demo(settings, now=afternoon, history_days=2)
    rows = visitors.on_site(settings, afternoon)
    assert [r.name for r in rows] == ["Gary Mills", "Dave Collins", "Dr Amara Okafor"]
    assert [r.flagged for r in rows] == [True, False, False]  # Gary is still in from yesterday
    assert rows[1].phone_choice == "tray" and rows[1].slot.startswith("C-")
    assert Visit.select().where(Visit.signed_out_at.is_null(False)).count() == 2
    assert PrintJob.select().where(PrintJob.status != "sent").count() == 0  # the dummy printer took the slips
    assert custody.verify_states() == [] and audit.verify().ok


# ---------------------------------------------------------------- agreed exceptions at sign-in (after the merge)


def _exception(school, **over):
    from models.policy import agreed

    day = NOW.date()
    args = dict(
        kind="multi_agency",
        allowed="Phone for calls to the team",
        where="Meeting room only",
        agreed_on=day - dt.timedelta(days=3),
        starts_on=day - dt.timedelta(days=3),
        review_on=day,
        ends_on=day + dt.timedelta(days=2),
        now=NOW - dt.timedelta(days=3),
    )
    args.update(over)
    return agreed.record(school.head, **args)


@pytest.mark.parametrize("who", ["named", "organisation"])
def test_an_agreed_exception_lets_the_visitor_sign_in_and_is_stored_on_the_visit(school, settings, who):
    if who == "named":
        exc = _exception(school, subject_kind="visitor", visitor_name="Ann  LEE")
    else:
        exc = _exception(school, subject_kind="organisation", organisation="kent county  council")
    r = staff_sign_in(settings, school, phone="exception")
    assert r.visit.phone_choice == "exception" and r.visit.exception_id == exc.id and r.visit.device_id is None
    entry = AuditEntry.select().where(AuditEntry.action == "visit.sign_in").get()
    assert f'"exception_id":{exc.id}' in entry.details.replace(" ", "")


def test_a_named_exception_comes_before_the_organisations(school, settings):
    org = _exception(school, subject_kind="organisation", organisation="Kent County Council")
    own = _exception(school, subject_kind="visitor", visitor_name="Ann Lee", organisation="Kent County Council")
    assert staff_sign_in(settings, school, phone="exception").visit.exception_id == own.id
    other = staff_sign_in(settings, school, phone="exception", name="Bob Smith")
    assert other.visit.exception_id == org.id


def test_a_revoked_or_ended_exception_is_refused_and_writes_nothing(school, settings):
    from models.policy import agreed

    exc = _exception(school, subject_kind="visitor", visitor_name="Ann Lee")
    agreed.revoke(exc.id, school.head, reason="Misused", now=NOW - dt.timedelta(hours=1))
    before = counts()
    with pytest.raises(RuleViolation) as info:
        staff_sign_in(settings, school, phone="exception")
    assert str(info.value) == "No agreed exception found for you: please see the office."
    assert counts() == before
    _exception(school, subject_kind="organisation", organisation="Kent County Council")  # ends on NOW + 2 days
    assert staff_sign_in(settings, school, phone="exception", now=NOW + dt.timedelta(days=2)).visit.exception_id
    with pytest.raises(RuleViolation, match="No agreed exception found for you: please see the office."):
        staff_sign_in(settings, school, phone="exception", name="Cy Late", now=NOW + dt.timedelta(days=3))
    with pytest.raises(RuleViolation, match="No agreed exception found for you"):  # before it starts
        staff_sign_in(settings, school, phone="exception", name="Di Early", now=NOW - dt.timedelta(days=4))


def test_clean_details_names_the_first_wrong_field_in_form_order():
    from models.visitors.visits import DetailError, clean_details

    good = {
        "name": "  Jo   Bloggs ",
        "organisation": "",
        "purpose": "Meeting",
        "visiting": "Mrs Khan",
        "car_reg": "ab12 cde",
    }
    assert clean_details(**good) == {
        "name": "Jo Bloggs",
        "organisation": "",
        "purpose": "Meeting",
        "visiting": "Mrs Khan",
        "car_reg": "AB12CDE",
    }
    for field, bad, message in (
        ("name", " ", "Please give the name."),
        ("purpose", "x\x1b[2J", "The purpose of your visit contains control characters: type it again."),
        ("visiting", "", "Please give the name of the person you are visiting."),
        ("car_reg", "TOO-LONG-REG-123", "A car registration is up to 10 letters and digits, e.g. AB12 CDE."),
    ):
        with pytest.raises(DetailError) as caught:
            clean_details(**{**good, field: bad})
        assert (caught.value.field, caught.value.message) == (field, message)
    with pytest.raises(DetailError) as caught:  # two wrong: the first in form order is named
        clean_details(**{**good, "name": "", "car_reg": "!!"})
    assert caught.value.field == "name"
