"""Records duties for visits, visitors, print jobs, exceptions and concerns (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import printing
from kiosk.cli import main
from models.audit import chain as audit
from models.config import Settings
from models.custody import ledger as custody
from models.errors import NotFound, RuleViolation
from models.policy import agreed
from models.policy.rules import load_rules
from models.records import duties as records
from models.safeguarding import concerns
from models.staff.auth import HEADTEACHER, create_staff
from models.store.tables import (
    AgreedException,
    AuditEntry,
    Concern,
    CustodyEvent,
    Device,
    DeviceState,
    Label,
    PrintJob,
    Pupil,
    Staff,
    Visit,
    Visitor,
)
from models.visitors import visits as visitors
from tests.school import NOW, build

RULES = load_rules()
RETENTION = dict(Settings().retention_days)  # visits 365, hand_ins 60, exceptions/concerns/audit 2190
DAY = dt.timedelta(days=1)
SETTINGS = Settings(printer={"url": "dummy://slips", "paper_mm": 80, "profile": "default"})


def ago(days: float, hours: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours)


@pytest.fixture
def school(database):
    printing.clear_dummy_jobs()
    yield build(now=NOW - 3000 * DAY)
    printing.clear_dummy_jobs()


def visit(name="Jo Bloggs", *, at, out_after=6, phone="car_or_off", organisation="", **kw):
    data = dict(
        settings=SETTINGS,
        rules=RULES,
        rules_accepted=True,
        name=name,
        organisation=organisation,
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Mrs Smith",
        phone=phone,
        now=at,
    )
    data.update(kw)
    r = visitors.sign_in(**data)
    office = Staff.get(Staff.username == "office")
    if r.phone_pending:  # the office receives the phone the visitor promised
        visitors.phone_action(visit_id=r.visit.id, actor=office, now=at + dt.timedelta(minutes=5))
    if out_after is not None and r.visit.device_id:  # the office signs them out and returns it
        visitors.sign_out(visit_id=r.visit.id, actor=office, now=at + dt.timedelta(hours=out_after))
    elif out_after is not None:
        visitors.sign_out(slip_code=r.slip_code, now=at + dt.timedelta(hours=out_after))
    return r


def visitor_exception(school, name="Jo Bloggs", *, at=NOW, days=30, **over):
    day = at.date()
    args = dict(
        subject_kind="visitor",
        visitor_name=name,
        kind="medical_monitoring",
        medical_category="emergency_alert",
        allowed="Phone on for alerts",
        where="Office only",
        agreed_on=day,
        starts_on=day,
        review_on=day,
        ends_on=day + dt.timedelta(days=days),
        now=at,
    )
    args.update(over)
    return agreed.record(school.head, **args)


def assert_consistent():
    assert custody.verify_states() == []
    report = audit.verify()
    assert report.ok, report.problems


def no_name_in_audit(*words):
    for e in AuditEntry.select():
        for w in words:
            assert w not in e.details


# ---------------------------------------------------------------- subject access


@pytest.fixture
def jo(school):
    """Jo Bloggs: two visits (one with a phone in the tray), an exception, a concern; and Sam, someone else."""
    first = visit(at=ago(3), phone="tray")
    second = visit("jo  BLOGGS", at=ago(1), visitor_id=first.visitor.id)  # she scanned her old slip
    exc = visitor_exception(school, at=ago(2))
    concern = concerns.raise_concern(
        school.office,
        about_kind="visitor",
        visit_id=second.visit.id,
        what="Took a photo in the hall",
        category="phone_breach",
        now=ago(1, -1),
    )
    sam = visit("Sam Other", at=ago(1), phone="tray")
    return dict(first=first, second=second, exc=exc, concern=concern, sam=sam)


def test_visitor_sar_by_name_holds_visits_phone_slips_exception_and_concern(jo, tmp_path):
    subject = records.visitor_subject("  JO   bloggs ")
    export = records.subject_access(subject, now=NOW)
    s = export.sections
    assert [r["id"] for r in s["visitors"]] == [jo["first"].visitor.id]
    assert [r["id"] for r in s["visits"]] == [jo["first"].visit.id, jo["second"].visit.id]
    assert s["visits"][0]["signed_in_by"] == "self-service" and s["visits"][0]["phone_choice"] == "tray"
    assert {r["ref"] for r in s["print_jobs"]} == {f"visit:{jo['first'].visit.id}", f"visit:{jo['second'].visit.id}"}
    assert all("data" not in r for r in s["print_jobs"])
    phone = jo["first"].visit.device_id
    assert [r["id"] for r in s["devices"]] == [phone]
    assert [r["code"] for r in s["labels"]] == [jo["first"].phone_label]
    assert [r["kind"] for r in s["custody_events"]] == ["handed_in", "returned_to_visitor"]
    [exc] = s["exceptions"]
    assert exc["id"] == jo["exc"].id and exc["medical_category"] == "raises or receives medical emergency alerts"
    assert [r["id"] for r in s["concerns"]] == [jo["concern"].id] and s["concerns"][0][
        "what"
    ] == "Took a photo in the hall"
    audited = {(r["entity"], r["entity_id"]) for r in s["audit"]}
    assert ("visit", str(jo["second"].visit.id)) in audited and ("concern", str(jo["concern"].id)) in audited
    assert ("agreed_exception", str(jo["exc"].id)) in audited and ("device", str(phone)) in audited
    # Nothing of Sam's.
    sam = jo["sam"].visit
    assert sam.id not in {r["id"] for r in s["visits"]}
    assert sam.device_id not in {r["id"] for r in s["devices"]}
    assert ("visit", str(sam.id)) not in audited
    records.write_sar(export, tmp_path / "jo.zip")  # audited once written
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert (entry.action, entry.entity) == ("records.sar", "visitor") and "Bloggs" not in entry.details


def test_an_unknown_visitor_is_refused_and_a_concern_alone_is_found(school):
    with pytest.raises(NotFound, match="No visitor called 'Nobody Here' is on record"):
        records.visitor_subject("Nobody Here")
    concerns.raise_concern(school.office, about_kind="visitor", name="Pat  Walker", what="Filming at the gate", now=NOW)
    export = records.subject_access(records.visitor_subject("pat walker"), now=NOW)
    assert [r["what"] for r in export.sections["concerns"]] == ["Filming at the gate"]
    assert export.sections["visits"] == []


# ---------------------------------------------------------------- erasure


def test_visitor_erase_is_refused_while_a_concern_is_open_or_they_are_signed_in(jo, school):
    subject = records.visitor_subject("Jo Bloggs")
    head = audit.head()
    with pytest.raises(
        RuleViolation,
        match="^Visitor Jo Bloggs cannot be erased yet: they are named in a concern still open with the DSL: the DSL must close it first. Nothing was erased.$",
    ):
        records.erase(subject, now=NOW)
    concerns.follow_up(
        jo["concern"].id,
        school.head,
        note="Spoke to them; photo deleted.",
        close=True,
        outcome="Resolved in school",
        now=NOW,
    )
    visit("Jo Bloggs", at=NOW, out_after=None)  # back on site
    with pytest.raises(
        RuleViolation,
        match="^Visitor Jo Bloggs cannot be erased yet: they are still signed in: sign them out first. Nothing was erased.$",
    ):
        records.erase(subject, now=NOW + DAY)
    assert audit.head()[0] == head[0] + 3  # the follow-up and the sign-in only: refusals write nothing


def test_visitor_erase_removes_everything_and_the_cli_does_it_too(jo, school):
    concerns.follow_up(
        jo["concern"].id,
        school.head,
        note="Closed after a word with Jo Bloggs.",
        close=True,
        outcome="Resolved in school",
        now=NOW,
    )
    agreed.revoke(jo["exc"].id, school.head, reason="Jo Bloggs no longer needs it", now=NOW)
    phone = jo["first"].visit.device_id
    sam = jo["sam"]
    result = records.erase(records.visitor_subject("jo bloggs"), now=NOW)
    assert result.deleted["visits"] == 2 and result.deleted["visitors"] == 1 and result.deleted["print_jobs"] == 2
    assert result.deleted["exceptions"] == 1 and result.deleted["concerns"] == 1 and result.deleted["devices"] == 1
    assert result.deleted["custody_events"] == 2 and result.deleted["labels"] == 1
    assert not Visit.select().where(Visit.name.contains("Bloggs") | Visit.name.contains("BLOGGS")).exists()
    assert not Visitor.select().where(Visitor.name_key == "jo bloggs").exists()
    assert Device.get_or_none(Device.id == phone) is None and not Label.select().where(Label.device == phone).exists()
    assert AgreedException.select().count() == 0  # the revocation reason went with it
    assert Concern.select().count() == 0  # and the DSL's note
    no_name_in_audit("Bloggs", "BLOGGS")
    assert_consistent()
    # Sam is untouched.
    assert Visit.get_by_id(sam.visit.id).name == "Sam Other" and Device.get_by_id(sam.visit.device_id)
    assert PrintJob.select().where(PrintJob.ref == f"visit:{sam.visit.id}").exists()


def test_cli_sar_and_erase_for_a_visitor(database, tmp_path, capsys, monkeypatch):
    build(now=NOW - 10 * DAY)
    create_staff("records", "Records Head", [HEADTEACHER], "725649")
    monkeypatch.setenv("KIOSK_PIN", "725649")
    visit("Ann Lee", at=ago(2), phone="tray")
    out = tmp_path / "ann.zip"
    assert main(["sar", "--visitor", "ann lee", "--out", str(out), "--as", "records", "--db", database]) == 0
    assert "Subject access export for visitor ann lee" in capsys.readouterr().out and out.exists()
    assert main(["erase", "--visitor", "Ann Lee", "--yes", "--as", "records", "--db", database]) == 0
    assert (
        "Erased visitor Ann Lee: 1 devices, 1 labels, 2 custody events, 1 visitors, 1 visits, 1 print jobs"
        in capsys.readouterr().out
    )
    assert main(["erase", "--visitor", "Ann Lee", "--yes", "--as", "records", "--db", database]) != 0
    assert (
        capsys.readouterr().err.strip()
        == "Error: No visitor called 'Ann Lee' is on record: nothing is held under that name."
    )


def test_pupil_erase_takes_their_exceptions_and_closed_concerns_and_waits_for_open_ones(school):
    ava = Pupil.get(Pupil.admission_no == "000001")
    exc = agreed.record(
        school.head,
        subject_kind="pupil",
        pupil_id=ava.id,
        kind="young_carer",
        allowed="Phone at lunch",
        where="Office",
        sanction="Handed in",
        agreed_with="Priya Patel",
        agreed_on=NOW.date(),
        starts_on=NOW.date(),
        review_on=NOW.date(),
        ends_on=NOW.date() + 30 * DAY,
        now=NOW,
    )
    agreed.revoke(exc.id, school.head, reason="Mum is well again", now=NOW)
    device = Device.get(Device.pupil == ava.id)
    c = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=ava.id, device_id=device.id, what="Messaging in class", now=NOW
    )
    export = records.subject_access(records.pupil_subject("000001"), now=NOW)
    assert [r["revoke_reason"] for r in export.sections["exceptions"]] == ["Mum is well again"]
    assert [r["id"] for r in export.sections["concerns"]] == [c.id]
    with pytest.raises(
        RuleViolation,
        match="^Pupil 000001 cannot be erased yet: they are named in a concern still open with the DSL: the DSL must close it first. Nothing was erased.$",
    ):
        records.erase(records.pupil_subject("000001"), now=NOW)
    concerns.follow_up(
        c.id, school.head, note="Talked to Ava and her mum.", close=True, outcome="Resolved in school", now=NOW
    )
    result = records.erase(records.pupil_subject("000001"), now=NOW)
    assert result.deleted["exceptions"] == 1 and result.deleted["concerns"] == 1 and result.deleted["pupil"] == 1
    assert AgreedException.select().count() == 0 and Concern.select().count() == 0
    no_name_in_audit("Ava", "Mum is well", "Messaging")
    assert_consistent()


# ---------------------------------------------------------------- purge


def test_purge_of_visits_keeps_holds_and_the_audit_chain_verifies(school):
    old = visit("Old Visitor", at=ago(400), phone="tray")
    old_phone = old.visit.device_id
    concerned = visit("Con Cerned", at=ago(400))
    c = concerns.raise_concern(
        school.office, about_kind="visitor", visit_id=concerned.visit.id, what="Filmed pupils", now=ago(399)
    )
    stuck = visit("Never Out", at=ago(390), out_after=None)
    recent = visit("New Visitor", at=ago(10))
    again = visit("Back Again", at=ago(500))
    again2 = visit("Back Again", at=ago(20), visitor_id=again.visitor.id)  # returning (old slip): keeps the row
    roll = visitors.print_roll_call(SETTINGS, now=ago(380))

    dry = records.purge(RETENTION, dry_run=True, now=NOW)
    assert (dry.deleted["visits"], dry.deleted["visitors"], dry.deleted["print_jobs"]) == (2, 1, 1)
    assert Visit.select().count() == 6  # a dry run changes nothing
    result = records.purge(RETENTION, now=NOW)
    assert result.deleted == dry.deleted
    assert {v.id for v in Visit.select()} == {concerned.visit.id, stuck.visit.id, recent.visit.id, again2.visit.id}
    assert Visitor.get_or_none(Visitor.id == old.visitor.id) is None
    assert Visitor.get_by_id(again.visitor.id) and again2.visitor.id == again.visitor.id
    assert not PrintJob.select().where(PrintJob.ref.in_([f"visit:{old.visit.id}", f"visit:{again.visit.id}"])).exists()
    assert PrintJob.get_or_none(PrintJob.id == roll) is None
    assert PrintJob.select().where(PrintJob.ref == f"visit:{recent.visit.id}").exists()
    held = {(h.entity, h.entity_id, h.code) for h in result.holds}
    assert held == {("visit", concerned.visit.id, "open_concern"), ("visit", stuck.visit.id, "signed_in")}
    assert "never signed out" in " ".join(result.lines())
    details = json.loads(AuditEntry.get_by_id(result.audit_seq).details)
    assert (
        details["deleted"]["visits"] == 2
        and {"entity": "visit", "id": stuck.visit.id, "why": "signed_in"} in details["holds"]
    )
    # The old phone's custody went at the same purge; the phone itself at the next.
    assert not CustodyEvent.select().where(CustodyEvent.device == old_phone).exists()
    assert Device.get_or_none(Device.id == old_phone) is not None
    second = records.purge(RETENTION, now=NOW)
    assert second.deleted["visitor_phones"] == 1 and second.deleted["visits"] == 0
    assert (
        Device.get_or_none(Device.id == old_phone) is None
        and DeviceState.get_or_none(DeviceState.device == old_phone) is None
    )
    assert_consistent()
    # Closing the concern lets its visit go.
    concerns.follow_up(c.id, school.head, note="Done.", close=True, outcome="No further action", now=NOW)
    assert records.purge(RETENTION, now=NOW + DAY).deleted["visits"] == 1
    assert_consistent()


def test_a_visitors_phone_still_held_for_the_police_keeps_its_visit(school):
    r = visit("Phil Mer", at=ago(400), phone="tray", out_after=None)
    custody.hand_to_police(r.visit.device_id, school.deputy, officer="PC 3", force_reference="KENT/3", now=ago(400, -1))
    visitors.sign_out(slip_code=r.slip_code, now=ago(400, -2))
    result = records.purge(RETENTION, now=NOW)
    assert ("visit", r.visit.id, "phone_held") in {(h.entity, h.entity_id, h.code) for h in result.holds}
    assert Visit.get_by_id(r.visit.id) and result.deleted["visits"] == 0
    assert_consistent()


def test_purge_of_exceptions_by_end_or_revocation_date(school):
    visitor_exception(school, "Ended Long Ago", at=ago(500), days=100)  # ended 400 days ago
    revoked = visitor_exception(school, "Revoked Early", at=ago(500), days=600)  # would end in 100 days
    agreed.revoke(revoked.id, school.head, reason="Misused it", now=ago(450))
    running = visitor_exception(school, "Still Running", at=ago(500), days=600)
    late_end = visitor_exception(school, "Ends Soon", at=ago(500), days=480)  # ended 20 days ago
    result = records.purge({**RETENTION, "exceptions": 365}, now=NOW)
    assert result.deleted["exceptions"] == 2
    assert {e.id for e in AgreedException.select()} == {running.id, late_end.id}
    assert records.purge(RETENTION, now=NOW).deleted["exceptions"] == 0
    no_name_in_audit("Misused")
    assert_consistent()


def test_purge_of_concerns_keeps_open_ones_and_lists_them(school):
    ava = Pupil.get(Pupil.admission_no == "000001")
    device = Device.get(Device.pupil == ava.id)
    custody.hand_in(school.codes["000001"], school.office, now=ago(2500))
    custody.release(school.codes["000001"], school.office, now=ago(2500, -6))
    open_one = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=ava.id,
        device_id=device.id,
        what="Still being looked into",
        now=ago(2400),
    )
    # About a visitor: the six years alone (one about a pupil or a member of staff is kept
    # longer: tests/records/test_retention_irms_i14b.py).
    closed_old = concerns.raise_concern(
        school.oak, about_kind="visitor", name="Sam Visitor", what="Phone out in class", now=ago(2400)
    )
    concerns.follow_up(
        closed_old.id,
        school.head,
        note="Reminded of the policy.",
        close=True,
        outcome="No further action",
        now=ago(2300),
    )
    closed_late = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=ava.id, what="Upset after a group chat", now=ago(2400)
    )
    concerns.follow_up(
        closed_late.id,
        school.head,
        note="Followed up much later.",
        close=True,
        outcome="No further action",
        now=ago(100),
    )

    result = records.purge(RETENTION, now=NOW)
    assert result.deleted["concerns"] == 1
    assert {c.id for c in Concern.select()} == {open_one.id, closed_late.id}
    held = {(h.entity, h.entity_id, h.code) for h in result.holds}
    assert ("concern", open_one.id, "open_concern") in held
    assert ("device", device.id, "open_concern") in held  # its phone's old history is kept too
    assert CustodyEvent.select().where(CustodyEvent.device == device.id).count() == 2
    assert_consistent()
    concerns.follow_up(open_one.id, school.head, note="Closed.", close=True, outcome="No further action", now=NOW)
    later = records.purge(RETENTION, now=NOW + DAY)
    assert later.deleted["hand_ins"] == 2 and later.deleted["concerns"] == 0  # closed today: 6 years from now
    assert_consistent()


def test_purge_json_from_the_cli_lists_the_new_kinds(database, capsys):
    build(now=NOW - 10 * DAY)
    assert main(["purge", "--dry-run", "--format", "json", "--db", database]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"visits", "visitors", "visitor_phones", "print_jobs", "exceptions", "concerns"} <= set(data["deleted"])
    assert set(data["cutoffs"]) == {"hand_ins", "confiscations", "visits", "exceptions", "concerns", "audit"}


def test_the_concerns_retention_period_is_configurable(tmp_path):
    from models.config import ConfigError, load_settings

    assert Settings().retention_days["concerns"] == 2190
    cfg = tmp_path / "c.toml"
    cfg.write_text("[retention]\nconcerns_days = 400\n", encoding="utf-8")
    assert load_settings(cfg).retention_days["concerns"] == 400
    cfg.write_text("[retention]\nconcerns = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="retention.concerns must be a whole number of days"):
        load_settings(cfg)
