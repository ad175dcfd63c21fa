"""Issue 15 items 1-3 and the DfE search record: any member of staff confiscates, with a
reason category; a search with consent needs no confiscation first; a phone confiscated
for suspected nude or semi-nude images is held for the DSL until the DSL decides; the
fuller search record (DfE "Searching, screening and confiscation", 2022)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied, RuleViolation, ValidationError
from models.school.people import contacts_of
from models.staff import auth
from models.staff.auth import DETAIL_ROLES
from models.store.db import close_db, db
from models.store.tables import AuditEntry, CustodyEvent, DeviceState, Pupil
from models.upkeep.opening import open_database
from tests.school import NOW, build

T = NOW


def later(minutes: int) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Des Lead", [auth.DSL], "271845", now=T)  # type: ignore[attr-defined]
    s.chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "358192", now=T)  # type: ignore[attr-defined]
    return s


def dev(school, adno: str) -> int:
    return resolve(school.codes[adno]).device.id


def mum(adno: str):
    return contacts_of(Pupil.get(Pupil.admission_no == adno).id)[0]


SEARCH = dict(
    consent_by="pupil",
    witness="Mrs Witness",
    grounds="Reported image of another pupil",
    item_sought="an image of another pupil",
    location="the headteacher's office",
    outcome="nothing_found",
)


# ---------------------------------------------------------------- item 1: any member of staff


def test_every_member_of_staff_may_confiscate_a_teacher_any_class(school):
    takers = [school.office, school.oak, school.deputy, school.head, school.dsl]
    for n, (who, adno) in enumerate(zip(takers, ["000004", "000005", "000001", "000002", "000003"], strict=True)):
        event = custody.confiscate(
            dev(school, adno), who, category="behaviour", reason="Phone out in class", policy="p", now=later(n)
        )
        assert event.kind == custody.CONFISCATED_EV
    # Oak's teacher took Ella's phone (Beech): any class, not only their own.
    assert custody.state_of(dev(school, "000005")).state == custody.CONFISCATED


@pytest.mark.parametrize("who", ["admin", "chair"])
def test_neither_the_it_admin_nor_the_chair_may_confiscate(school, who):
    staff = school.admin if who == "admin" else school.chair
    with pytest.raises(PermissionDenied, match="may not confiscate a phone"):
        custody.confiscate(
            dev(school, "000001"), staff, category="behaviour", reason="Phone out in class", policy="p", now=T
        )
    assert CustodyEvent.select().count() == 0


def test_a_confiscation_needs_a_category_from_the_list(school):
    for bad in (None, "", "rudeness"):
        with pytest.raises(ValidationError, match="Choose why the phone is confiscated"):
            custody.confiscate(
                dev(school, "000001"), school.office, category=bad, reason="Phone out in class", policy="p", now=T
            )
    assert CustodyEvent.select().count() == 0


def test_the_category_is_stored_audited_as_a_code_and_shown_to_those_who_read_details(school):
    event = custody.confiscate(
        dev(school, "000001"), school.oak, category="bullying", reason="Unkind messages", policy="MTP 6", now=T
    )
    assert CustodyEvent.get_by_id(event.id).category == "bullying"
    entry = AuditEntry.get(AuditEntry.action == "custody.confiscated")
    assert json.loads(entry.details)["category"] == "bullying"
    assert "Unkind" not in entry.details
    line = custody.describe_event(event, reader=DETAIL_ROLES)
    assert "confiscated (bullying; MTP 6): Unkind messages" in line
    withheld = custody.describe_event(event, reader={auth.OFFICE})
    assert "bullying" not in withheld and "details for leadership" in withheld
    assert "bullying" in custody.describe_event(event, reader=school.oak)  # who recorded it


# ---------------------------------------------------------------- item 2: search with consent


def test_a_phone_in_the_tray_is_searched_with_consent_and_stays_in_its_slot(school):
    custody.hand_in(school.codes["000001"], school.office, now=T)
    before = custody.state_of(dev(school, "000001"))
    where = (before.state, before.tray_id, before.slot_no)
    event = custody.record_search(dev(school, "000001"), school.deputy, now=later(5), **SEARCH)
    after = custody.state_of(dev(school, "000001"))
    assert (after.state, after.tray_id, after.slot_no) == where
    assert event.kind == custody.SEARCHED
    assert custody.release(school.codes["000001"], school.office, now=later(9)).outcome == "OK"
    assert custody.verify_states() == []


def test_a_phone_with_its_owner_is_searched_with_a_parents_consent(school):
    event = custody.record_search(
        dev(school, "000001"),
        school.head,
        now=T,
        **{**SEARCH, "consent_by": "parent", "consent_contact_id": mum("000001").id},
    )
    assert custody.state_of(dev(school, "000001")).state == custody.OUT
    assert event.tray_id is None and event.slot_no is None
    assert custody.verify_states() == []


def test_who_may_search_is_as_it_was(school):
    custody.hand_in(school.codes["000001"], school.office, now=T)
    for who in (school.office, school.oak, school.dsl, school.admin):
        with pytest.raises(PermissionDenied, match="may not record a search"):
            custody.record_search(dev(school, "000001"), who, now=later(1), **SEARCH)


# ---------------------------------------------------------------- item 3: nude or semi-nude images


def nudes(school, adno="000001", who=None):
    return custody.confiscate(
        dev(school, adno),
        who or school.office,
        category=custody.NUDE_IMAGES,
        reason="Pupil said an image was being shared",
        policy="Online safety 11.1",
        now=T,
    )


def test_a_phone_confiscated_for_nude_images_is_held_for_the_dsl(school):
    custody.hand_in(school.codes["000001"], school.office, now=T)
    nudes(school)
    d = dev(school, "000001")
    assert custody.state_of(d).dsl_hold == custody.HOLD_DSL
    with pytest.raises(RuleViolation, match="Held for the DSL"):
        custody.release_to_contact(d, school.head, contact_id=mum("000001").id, id_seen=True, now=later(1))
    with pytest.raises(RuleViolation):
        custody.release(school.codes["000001"], school.head, now=later(1))
    # (a search of a phone held for the DSL is the DSL's or the head's: the head here, who is both)
    for outcome in ("content_deleted", "pupil_asked_to_delete"):
        with pytest.raises(RuleViolation):
            custody.record_search(
                d, school.head, now=later(2), **{**SEARCH, "outcome": outcome, "found_what": "an image"}
            )
    assert custody.last_event_of(d, custody.SEARCHED) is None
    # a search that deletes nothing is recorded (the images are not looked at: nothing found)
    custody.record_search(d, school.head, now=later(3), **SEARCH)
    assert custody.state_of(d).dsl_hold == custody.HOLD_DSL


@pytest.mark.parametrize("who", ["office", "oak", "deputy", "admin", "chair"])
def test_only_the_dsl_or_the_head_records_the_decision(school, who):
    nudes(school)
    staff = {"office": school.office, "oak": school.oak, "deputy": school.deputy, "admin": school.admin}.get(
        who, school.chair
    )
    with pytest.raises(PermissionDenied, match="may not record the DSL's decision"):
        custody.record_dsl_decision(
            dev(school, "000001"), staff, decision="return_to_parents", note="Spoke to parents", now=later(1)
        )


def test_the_dsls_decision_lets_a_parent_collect_but_content_is_never_deleted(school):
    nudes(school)
    d = dev(school, "000001")
    event = custody.record_dsl_decision(
        d, school.dsl, decision="return_to_parents", note="Spoke to parents; no referral", now=later(5)
    )
    assert json.loads(AuditEntry.get(AuditEntry.action == "custody.dsl_decision").details)["decision"] == (
        "return_to_parents"
    )
    assert "Spoke" not in AuditEntry.get(AuditEntry.action == "custody.dsl_decision").details
    assert "DSL's decision: return to parents allowed: Spoke to parents" in custody.describe_event(
        event, reader=DETAIL_ROLES
    )
    assert "details for leadership" in custody.describe_event(event, reader={auth.OFFICE})
    with pytest.raises(RuleViolation, match="never deleted"):
        custody.record_search(
            d, school.deputy, now=later(6), **{**SEARCH, "outcome": "content_deleted", "found_what": "an image"}
        )
    # nor the pupil asked to delete it, whatever the DSL decided (a tester's walk, issue 15: f6s6)
    with pytest.raises(RuleViolation, match="never deleted"):
        custody.record_search(
            d, school.deputy, now=later(7), **{**SEARCH, "outcome": "pupil_asked_to_delete", "found_what": "an image"}
        )
    custody.record_search(d, school.deputy, now=later(7), **{**SEARCH, "outcome": "kept", "found_what": "an image"})
    custody.release_to_contact(d, school.office, contact_id=mum("000001").id, id_seen=True, now=later(8))
    assert custody.state_of(d).state == custody.OUT and custody.state_of(d).dsl_hold == ""
    assert custody.verify_states() == []


def test_kept_for_the_police_stays_held_until_the_police_take_it(school):
    nudes(school)
    d = dev(school, "000001")
    custody.record_dsl_decision(d, school.head, decision="keep_for_police", note="Police informed", now=later(5))
    with pytest.raises(RuleViolation, match="keep this phone for the police"):
        custody.release_to_contact(d, school.office, contact_id=mum("000001").id, id_seen=True, now=later(6))
    custody.hand_to_police(d, school.head, officer="PC 1 Lee", force_reference="KP/1", now=later(7))
    assert custody.verify_states() == []


def test_no_decision_without_a_hold(school):
    custody.confiscate(
        dev(school, "000001"), school.oak, category="behaviour", reason="Phone out in class", policy="p", now=T
    )
    with pytest.raises(RuleViolation, match="not held for the DSL"):
        custody.record_dsl_decision(
            dev(school, "000001"), school.dsl, decision="other", note="Spoke to parents", now=later(1)
        )
    with pytest.raises(ValidationError, match="Choose the decision"):
        custody.record_dsl_decision(
            dev(school, "000001"), school.dsl, decision="burn it", note="Spoke to parents", now=later(1)
        )


def test_undoing_the_decision_or_the_confiscation_is_for_the_dsl_or_the_head(school):
    taken = nudes(school, who=school.office)
    d = dev(school, "000001")
    with pytest.raises(PermissionDenied, match="may not undo this confiscation \\(the phone is held for the DSL\\)"):
        custody.reverse(taken.id, school.office, reason="mistake", now=later(1))  # even its recorder
    decided = custody.record_dsl_decision(
        d, school.dsl, decision="return_to_parents", note="Spoke to parents", now=later(2)
    )
    for who in (school.office, school.deputy):
        with pytest.raises(PermissionDenied):
            custody.reverse(decided.id, who, reason="mistake", now=later(3))
    custody.reverse(decided.id, school.head, reason="wrong phone", now=later(4))
    assert custody.state_of(d).dsl_hold == custody.HOLD_DSL  # held again
    with pytest.raises(RuleViolation, match="Held for the DSL"):
        custody.release_to_contact(d, school.office, contact_id=mum("000001").id, id_seen=True, now=later(5))
    custody.reverse(taken.id, school.dsl, reason="it was another pupil's phone", now=later(6))
    assert custody.state_of(d).state == custody.OUT and custody.state_of(d).dsl_hold == ""
    assert custody.verify_states() == []


def test_the_hold_is_derived_from_the_ledger_and_checked_by_verify(school):
    nudes(school)
    d = dev(school, "000001")
    events = list(CustodyEvent.select().where(CustodyEvent.device == d).order_by(CustodyEvent.id))
    assert custody.replay(events).custody.hold == custody.HOLD_DSL
    DeviceState.update(dsl_hold="").where(DeviceState.device == d).execute()  # lifted outside the kiosk
    problems = custody.verify_states()
    assert problems and f"device {d}" in problems[0]


def test_step_is_pure_and_says_why(school):
    held = custody.step(custody.Custody(), custody.CONFISCATED_EV, 1, 1, category=custody.NUDE_IMAGES)
    assert held.hold == custody.HOLD_DSL
    with pytest.raises(RuleViolation, match="Held for the DSL"):
        custody.step(held, custody.RELEASED_TO_CONTACT)
    decided = custody.step(held, custody.DSL_DECISION, outcome="other")
    assert decided.hold == custody.HOLD_DECIDED and decided.state == custody.CONFISCATED
    with pytest.raises(RuleViolation, match="never deleted"):
        custody.step(decided, custody.SEARCHED, outcome="content_deleted")
    moved = custody.step(held, custody.MOVED, 1, 2)
    assert moved.hold == custody.HOLD_DSL


# ---------------------------------------------------------------- item 4: the fuller search record


def test_a_witness_or_the_reason_there_was_none(school):
    d = dev(school, "000001")
    with pytest.raises(ValidationError, match="witness's name, or the reason there was no witness"):
        custody.record_search(d, school.deputy, now=T, **{**SEARCH, "witness": " "})
    with pytest.raises(ValidationError, match="not both"):
        custody.record_search(d, school.deputy, now=T, **{**SEARCH, "no_witness_reason": "urgent"})
    event = custody.record_search(
        d,
        school.deputy,
        now=T,
        **{**SEARCH, "witness": None, "no_witness_reason": "Urgent: risk of harm, no adult free"},
    )
    assert "no witness (Urgent: risk of harm, no adult free)" in custody.describe_event(event, reader=DETAIL_ROLES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item_sought": ""}, "Give the item sought"),
        ({"location": ""}, "Give the place of the search"),
        ({"outcome": "kept"}, "what kind of thing was found"),
        ({"found_what": "an image"}, "nothing found"),
    ],
)
def test_the_search_record_asks_for_what_the_dfe_lists(school, change, message):
    with pytest.raises(ValidationError, match=message):
        custody.record_search(dev(school, "000001"), school.deputy, now=T, **{**SEARCH, **change})
    assert CustodyEvent.select().count() == 0


def test_the_full_search_record_reads_back(school):
    # "kept by the school for the DSL": a phone the school holds (in the tray), not one with its owner
    custody.hand_in(school.codes["000001"], school.office, now=T)
    event = custody.record_search(
        dev(school, "000001"),
        school.deputy,
        now=T,
        **{
            **SEARCH,
            "others_present": "Class TA",
            "found_what": "messages about another pupil",
            "outcome": "kept",
            "follow_up": "DSL to speak to both families",
        },
    )
    line = custody.describe_event(event, reader=DETAIL_ROLES)
    for part in (
        "witness Mrs Witness",
        "in the headteacher's office",
        "looking for: an image of another pupil",
        "also present: Class TA",
        "found: messages about another pupil",
        "outcome: kept by the school for the DSL",
        "follow-up: DSL to speak to both families",
    ):
        assert part in line, (part, line)
    details = AuditEntry.get(AuditEntry.action == "custody.searched").details
    assert "messages" not in details and json.loads(details)["outcome"] == "kept"


# ---------------------------------------------------------------- schema 11 and tamper evidence


def test_a_schema_10_database_upgrades_and_its_new_columns_are_bound(tmp_path):
    from models.audit import integrity
    from models.store.tables import SchemaVersion
    from models.upkeep import migrations

    url = str(tmp_path / "ten.sqlite3")
    open_database(url)
    s = build()
    custody.hand_in(s.codes["000001"], s.office, now=T)
    for col in integrity.ADDED["custody_event"]:
        db.execute_sql(f'ALTER TABLE custody_event DROP COLUMN "{col}"')
    db.execute_sql('ALTER TABLE device_state DROP COLUMN "dsl_hold"')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="created", applied_at=T)
    close_db()
    open_database(url)
    assert migrations.current_version() == migrations.LATEST
    report = audit.verify()
    assert report.ok, report.problems
    s_office = auth.Staff.get(auth.Staff.username == "office")
    nudes_ev = custody.confiscate(
        resolve(s.codes["000002"]).device.id,
        s_office,
        category=custody.NUDE_IMAGES,
        reason="Phone out in class",
        policy="p",
        now=later(5),
    )
    assert audit.verify().ok and custody.verify_states() == []
    CustodyEvent.update(category="behaviour").where(CustodyEvent.id == nudes_ev.id).execute()  # hold hidden
    close_db()
    open_database(url)
    problems = audit.verify().problems
    assert any("custody_event" in p and "edited outside the kiosk" in p for p in problems), problems
    close_db()


def test_a_release_scan_of_a_held_phone_says_it_is_held_for_the_dsl(school):
    from kiosk.actions.custody import contact_offer
    from kiosk.session import SignedIn

    custody.hand_in(school.codes["000001"], school.office, now=T)
    d = nudes(school)
    with pytest.raises(RuleViolation, match=r"Held for the DSL: .*\(held in slot B-01\)"):
        custody.release(school.codes["000001"], school.office, now=later(1))
    office = SignedIn(school.office.id, "office", "Office", school.office.role_set)
    offer = contact_offer(office, d.device_id)
    assert offer.hold == custody.HOLD_DSL and not offer.collectable  # F4 at the release desk: not offered
    custody.record_dsl_decision(
        d.device_id, school.dsl, decision="return_to_parents", note="Spoke to parents", now=later(2)
    )
    assert contact_offer(office, d.device_id).collectable


def test_a_phone_held_for_the_dsl_is_not_described_as_for_a_parent_to_collect(school):
    """New-user walk (issue 15): the class checklist said "confiscated: parent collection" and a
    scan at Home "only a listed parent or carer may collect it" while the phone was held for
    the DSL. Until the DSL decides, it says so (and never why)."""
    from models.custody.devices import route_scan
    from models.reports.phones import class_checklist

    nudes(school)
    row = next(r for r in class_checklist("Oak", T.date()) if r.admission_no == "000001")
    assert "parent" not in row.text and "held for the DSL" in row.text, row.text
    _, said = route_scan(school.codes["000001"], frozenset({auth.OFFICE}))
    assert "parent" not in said and "held for the DSL" in said and "nude" not in said, said
    custody.record_dsl_decision(
        dev(school, "000001"), school.head, decision="return_to_parents", note="Spoke to parents", now=T
    )
    row = next(r for r in class_checklist("Oak", T.date()) if r.admission_no == "000001")
    assert "parent collection" in row.text
