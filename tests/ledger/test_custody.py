"""The custody ledger's rules, each with the message a person sees."""

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import codes
from models.custody import ledger as custody
from models.custody.devices import register_pupil_device, resolve, revoke_label
from models.errors import (
    InvalidCode,
    PermissionDenied,
    RevokedCode,
    RuleViolation,
    UnknownCode,
    ValidationError,
)
from models.school.people import contacts_of
from models.staff.auth import DETAIL_ROLES
from models.store.tables import AuditEntry, CustodyEvent, DeviceState, Pupil
from tests.school import NOW, build

T = NOW


def later(minutes):
    return T + dt.timedelta(minutes=minutes)


@pytest.fixture
def school(database):
    return build()


def device_of(school, adno):
    return resolve(school.codes[adno]).device.id


def test_hand_in_assigns_the_class_tray_and_says_where(school):
    out = custody.hand_in(school.codes["000001"], school.office, now=T)
    assert out.outcome == "OK"
    assert out.line() == f"OK {school.codes['000001']} Ava Patel Oak slot B-01"
    out2 = custody.hand_in(school.codes["000002"], school.office, now=later(1))
    assert out2.slot == "B-02"


def test_pupil_without_class_tray_gets_next_free_shared_slot(school):
    assert custody.hand_in(school.codes["000004"], school.office, now=T).slot == "C-01"
    assert custody.hand_in(school.codes["000005"], school.office, now=T).slot == "C-02"


def test_second_hand_in_is_idempotent_already_in_slot(school):
    custody.hand_in(school.codes["000001"], school.office, now=T)
    before = CustodyEvent.select().count()
    again = custody.hand_in(school.codes["000001"], school.office, now=later(1))
    assert again.outcome == "DUPLICATE"
    assert again.message == "already in slot B-01"
    assert CustodyEvent.select().count() == before


def test_freed_slot_is_reused_lowest_first(school):
    custody.hand_in(school.codes["000001"], school.office, now=T)
    custody.hand_in(school.codes["000002"], school.office, now=T)
    custody.release(school.codes["000001"], school.office, now=later(5))
    assert custody.hand_in(school.codes["000003"], school.office, now=later(6)).slot == "B-01"


def test_full_tray_never_blocks_the_record_the_phone_goes_to_the_overflow_place(database):
    school = build(slots_oak=2)
    custody.hand_in(school.codes["000001"], school.office, now=T)
    custody.hand_in(school.codes["000002"], school.office, now=T)
    events = CustodyEvent.select().count()
    out = custody.hand_in(school.codes["000003"], school.office, now=T)  # issue 11 item 15: no TrayFull
    assert out.outcome == "OK" and out.overflow and out.slot == "Office overflow box"
    assert CustodyEvent.select().count() == events + 1
    row = DeviceState.get(DeviceState.device == device_of(school, "000003"))
    assert (row.state, row.tray_id, row.slot_no) == ("in_tray", None, None)


def test_invalid_unknown_and_revoked_codes(school):
    good = school.codes["000001"]
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidCode, match="check digit is wrong"):
        custody.hand_in(misread, school.office, now=T)
    unknown = codes.make_code("K", 999999)
    assert not any(unknown == c for c in school.codes.values())
    with pytest.raises(UnknownCode) as err:
        custody.hand_in(unknown, school.office, now=T)
    assert str(err.value) == f"{unknown} is not registered to any phone."
    old = school.codes["000001"]
    new = revoke_label(old, actor="test", reason="lost", now=T)
    with pytest.raises(RevokedCode) as err:
        custody.hand_in(old, school.office, now=T)
    assert str(err.value) == f"Label {old} was revoked on 2026-11-12 and replaced by {new.code}: use the new label."
    assert err.value.replaced_by == new.code
    assert custody.hand_in(new.code, school.office, now=T).outcome == "OK"


def test_revoked_without_replacement(school):
    old = school.codes["000002"]
    assert revoke_label(old, actor="test", reissue=False, now=T) is None
    with pytest.raises(RevokedCode, match="not replaced: register the phone again"):
        resolve(old)
    with pytest.raises(ValidationError, match="already revoked"):
        revoke_label(old, actor="test", now=T)


def test_release_and_already_released(school):
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=T)
    out = custody.release(code, school.office, now=later(400))
    assert out.outcome == "OK" and out.message == "released from slot B-01"
    again = custody.release(code, school.office, now=later(401))
    assert again.outcome == "DUPLICATE" and again.message.startswith("already released at ")
    never = custody.release(school.codes["000002"], school.office, now=later(402))
    # A new user's walk: a phone never handed in today was "ALREADY DONE" / DUPLICATE.
    assert never.outcome == "NOT_HANDED_IN" and never.message == "not handed in today: nothing to release"


def test_confiscated_phone_goes_only_to_a_listed_contact_with_id_seen(school):
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=T)
    dev = device_of(school, "000001")
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Filming in class", policy="MST 6", now=later(60)
    )
    with pytest.raises(RuleViolation) as err:
        custody.release(code, school.office, now=later(400))
    assert str(err.value) == "Ava Patel: Confiscated: parent/carer collection only (held in slot B-01)."
    other_pupils_contact = contacts_of(Pupil.get(Pupil.admission_no == "000002").id)[0]
    with pytest.raises(RuleViolation, match="goes only to a parent or carer listed for Ava Patel"):
        custody.release_to_contact(dev, school.office, contact_id=other_pupils_contact.id, id_seen=True, now=later(401))
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    with pytest.raises(ValidationError, match="Check Priya Patel's ID"):
        custody.release_to_contact(dev, school.office, contact_id=mum.id, id_seen=False, now=later(402))
    ev = custody.release_to_contact(dev, school.office, contact_id=mum.id, id_seen=True, now=later(403))
    assert ev.contact_id == mum.id and ev.id_seen
    assert custody.state_of(dev).state == "out"


def test_contact_not_allowed_to_collect(school):
    from models.store.tables import Contact

    dev = device_of(school, "000002")
    custody.hand_in(school.codes["000002"], school.office, now=T)
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=T)
    c = contacts_of(Pupil.get(Pupil.admission_no == "000002").id)[0]
    Contact.update(can_collect=False).where(Contact.id == c.id).execute()
    with pytest.raises(RuleViolation, match="may not collect"):
        custody.release_to_contact(dev, school.office, contact_id=c.id, id_seen=True, now=T)


def test_police_hand_over_is_final(school):
    code = school.codes["000001"]
    dev = device_of(school, "000001")
    custody.hand_in(code, school.office, now=T)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Suspected illegal image", policy="MST 6", now=later(10)
    )
    ev = custody.hand_to_police(
        dev, school.head, officer="PC 1234 Smith", force_reference="KENT/26/0001", now=later(20)
    )
    for attempt in (
        lambda: custody.release(code, school.office, now=later(30)),
        lambda: custody.release_to_contact(
            dev,
            school.office,
            contact_id=contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0].id,
            id_seen=True,
            now=later(30),
        ),
        lambda: custody.hand_in(code, school.office, now=later(30)),
        lambda: custody.reverse(ev.id, school.head, reason="mistake", now=later(31)),
    ):
        with pytest.raises(RuleViolation):
            attempt()
    with pytest.raises(RuleViolation, match="cannot be undone"):
        custody.reverse(ev.id, school.head, reason="mistake", now=later(31))
    assert custody.state_of(dev).state == "police"
    assert custody.state_of(dev).slot_no is None  # the slot is free again


def test_search_rules(school):
    dev = device_of(school, "000001")
    kw = dict(
        consent_by="pupil",
        witness="Head",
        grounds="Reported image",
        item_sought="an image",
        location="the office",
        outcome="nothing_found",
    )
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=T)
    with pytest.raises(PermissionDenied, match="may not record a search"):
        custody.record_search(dev, school.office, now=T, **kw)
    with pytest.raises(PermissionDenied, match="may not record a search"):
        custody.record_search(dev, school.oak, now=T, **kw)
    with pytest.raises(ValidationError, match="witness must be someone other"):
        custody.record_search(dev, school.deputy, now=T, **{**kw, "witness": "deputy"})
    with pytest.raises(ValidationError, match="Give the witness's name"):
        custody.record_search(dev, school.deputy, now=T, **{**kw, "witness": "  "})
    with pytest.raises(ValidationError, match="Choose the outcome"):
        custody.record_search(dev, school.deputy, now=T, **{**kw, "outcome": "looked at photos"})
    with pytest.raises(RuleViolation, match="Pick the parent or carer who consented"):
        custody.record_search(dev, school.deputy, now=T, **{**kw, "consent_by": "parent"})
    with pytest.raises(ValidationError, match="both when and how"):
        custody.record_search(dev, school.deputy, now=T, parents_informed_how="phone", **kw)
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    ev = custody.record_search(
        dev,
        school.deputy,
        now=later(5),
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        found_what="an image of another pupil",
        outcome="pupil_asked_to_delete",
        parents_informed_at=later(4),
        parents_informed_how="telephone",
    )
    assert ev.kind == "searched" and custody.state_of(dev).state == "confiscated"
    line = custody.describe_event(ev, reader=DETAIL_ROLES)
    assert "consent Priya Patel, witness Head" in line and "pupil asked to delete" in line


def test_parents_cannot_be_informed_later_than_now(school):
    """The form refused it; the command line and any other caller did not. (A time before
    the confiscation is allowed: that is when it was recorded at the kiosk, and parents
    may be phoned from the classroom first.)"""
    dev = device_of(school, "000001")
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=later(10)
    )
    kw = dict(
        consent_by="pupil",
        witness="Head",
        grounds="Reported image",
        item_sought="an image",
        location="the office",
        outcome="nothing_found",
        parents_informed_how="telephone",
        now=later(15),
    )
    with pytest.raises(ValidationError, match="^The time the parents were informed is later than now.$"):
        custody.record_search(dev, school.deputy, parents_informed_at=later(60), **kw)
    assert not CustodyEvent.select().where(CustodyEvent.kind == "searched").exists()
    ev = custody.record_search(dev, school.deputy, parents_informed_at=later(-5), **kw)
    assert ev.parents_informed_at == later(-5)


def test_roles(school):
    code_oak = school.codes["000001"]
    code_beech = school.codes["000004"]
    with pytest.raises(PermissionDenied, match="Admin \\(admin\\) may not hand in phones"):
        custody.hand_in(code_oak, school.admin, now=T)
    with pytest.raises(PermissionDenied, match="only for their own class, not Beech"):
        custody.hand_in(code_beech, school.oak, now=T)
    assert custody.hand_in(code_oak, school.oak, now=T).outcome == "OK"
    custody.hand_in(code_beech, school.office, now=T)
    dev_beech = device_of(school, "000004")
    with pytest.raises(PermissionDenied, match="may not confiscate"):
        custody.confiscate(
            dev_beech, school.admin, category="behaviour", reason="Phone out in class", policy="p", now=T
        )
    # issue 15: any member of staff confiscates, a teacher any class's pupil
    custody.confiscate(dev_beech, school.oak, category="behaviour", reason="Phone out in class", policy="p", now=T)
    grandma = contacts_of(Pupil.get(Pupil.admission_no == "000004").id)[0]
    with pytest.raises(PermissionDenied, match="only for their own class, not Beech"):
        custody.release_to_contact(dev_beech, school.oak, contact_id=grandma.id, id_seen=True, now=T)
    with pytest.raises(PermissionDenied, match="may not hand a phone to the police"):
        custody.hand_to_police(dev_beech, school.office, officer="PC", force_reference="R", now=T)


def test_confiscating_a_phone_not_in_the_tray_gives_it_a_slot(school):
    dev = device_of(school, "000002")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Used at break", policy="MST 6", now=T)
    st = custody.state_of(dev)
    assert (st.state, st.slot_no) == ("confiscated", 1)
    with pytest.raises(RuleViolation, match="already confiscated"):
        custody.confiscate(dev, school.deputy, category="behaviour", reason="again", policy="MST 6", now=T)
    with pytest.raises(RuleViolation, match="Confiscated: parent/carer collection only"):
        custody.hand_in(school.codes["000002"], school.office, now=T)


def test_undo_is_a_reversal_with_a_reason(school):
    code = school.codes["000001"]
    out = custody.hand_in(code, school.office, now=T)
    with pytest.raises(ValidationError, match="Give the reason"):
        custody.reverse(out.event_id, school.office, reason="", now=later(1))
    rev = custody.reverse(out.event_id, school.office, reason="scanned the wrong phone", now=later(1))
    assert rev.kind == "reversal" and rev.reverses_id == out.event_id
    assert custody.state_of(out.device_id).state == "out"
    assert CustodyEvent.get_by_id(out.event_id).kind == "handed_in"  # nothing edited
    with pytest.raises(RuleViolation, match="already been undone"):
        custody.reverse(out.event_id, school.office, reason="again", now=later(2))
    with pytest.raises(RuleViolation, match="A reversal cannot itself be undone"):
        custody.reverse(rev.id, school.office, reason="again", now=later(2))


def test_only_the_latest_action_can_be_undone(school):
    code = school.codes["000001"]
    first = custody.hand_in(code, school.office, now=T)
    custody.release(code, school.office, now=later(1))
    with pytest.raises(RuleViolation, match="Only the latest action"):
        custody.reverse(first.event_id, school.office, reason="Phone out in class", now=later(2))


def test_undo_release_refused_when_slot_taken_since(school):
    a, b = school.codes["000001"], school.codes["000002"]
    custody.hand_in(a, school.office, now=T)
    rel = custody.release(a, school.office, now=later(1))
    custody.hand_in(b, school.office, now=later(2))  # takes B-01
    with pytest.raises(RuleViolation, match="slot B-01 now holds another phone"):
        custody.reverse(rel.event_id, school.office, reason="released by mistake", now=later(3))


def test_undo_needs_the_permission_of_the_original_action(school):
    dev = device_of(school, "000001")
    ev = custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="p", now=T)
    with pytest.raises(PermissionDenied):
        custody.reverse(ev.id, school.office, reason="Phone out in class", now=later(1))
    custody.reverse(ev.id, school.deputy, reason="wrong pupil", now=later(1))
    assert custody.state_of(dev).state == "out"


def test_move_between_slots(school):
    out = custody.hand_in(school.codes["000001"], school.office, now=T)
    custody.hand_in(school.codes["000002"], school.office, now=T)
    from models.custody.trays import parse_slot

    tray, n = parse_slot("B-02")
    with pytest.raises(RuleViolation, match="Slot B-02 already holds another phone"):
        custody.move(out.device_id, school.office, tray_id=tray.id, slot_no=n, now=later(1))
    tray, n = parse_slot("c-05")
    custody.move(out.device_id, school.office, tray_id=tray.id, slot_no=n, now=later(1))
    assert custody.hand_in(school.codes["000001"], school.office, now=later(2)).message == "already in slot C-05"


def test_free_text_fields_are_checked(school):
    dev = device_of(school, "000001")
    with pytest.raises(ValidationError, match="control characters"):
        custody.confiscate(dev, school.deputy, category="behaviour", reason="bad\x1b[2J", policy="MST", now=T)
    with pytest.raises(ValidationError, match="too long"):
        custody.confiscate(
            dev, school.deputy, category="behaviour", reason="Phone out in class" * 501, policy="MST", now=T
        )
    with pytest.raises(ValidationError, match="Give the policy"):
        custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="", now=T)


def test_every_change_writes_an_audit_entry_in_the_same_transaction(school):
    before = AuditEntry.select().count()
    out = custody.hand_in(school.codes["000001"], school.office, now=T)
    ev = CustodyEvent.get_by_id(out.event_id)
    entry = AuditEntry.get_by_id(ev.audit_seq)
    assert entry.action == "custody.handed_in" and entry.entity_id == str(ev.id)
    assert AuditEntry.select().count() == before + 1
    assert audit.verify().ok
    assert custody.verify_states() == []


def test_nothing_from_the_device_contents_is_stored():
    fields = {f.name for f in CustodyEvent._meta.sorted_fields}
    assert not fields & {"content", "contents", "photo", "image", "messages", "files"}


def test_register_device_errors(school):
    with pytest.raises(Exception, match="No pupil has admission number '999'"):
        register_pupil_device("999", actor="test", now=T)
    with pytest.raises(ValidationError, match="already in use"):
        register_pupil_device("000001", actor="test", code=school.codes["000002"], now=T)
    with pytest.raises(PermissionDenied):
        register_pupil_device("000001", actor=school.oak, now=T)


def test_the_searcher_cannot_be_their_own_witness_however_the_name_is_typed(school):
    """A display name carries a role in brackets ("Miss A Lavelle (head, DSL)"): the witness is
    compared with the person's name, ignoring case, spacing, punctuation and a title."""
    from models.staff import auth

    head = auth.create_staff("lavelle", "Miss A Lavelle (head, DSL)", [auth.HEADTEACHER, auth.DSL], "271845", now=T)
    dev = device_of(school, "000001")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=T)
    kw = dict(
        consent_by="pupil",
        grounds="Reported image",
        item_sought="an image",
        location="the office",
        outcome="nothing_found",
    )
    for typed in (
        "Miss A Lavelle",
        "miss a lavelle",
        "  Miss  A.  Lavelle ",
        "A Lavelle",
        "Ms A Lavelle",
        "Dr. A Lavelle",
        "MISS A LAVELLE (head, DSL)",
        "Miss A-Lavelle",
    ):
        assert custody.witness_problem(typed, head.display_name) is not None, typed
        with pytest.raises(ValidationError, match="witness must be someone other than the person searching"):
            custody.record_search(dev, head, now=T, witness=typed, **kw)
    assert custody.searcher_name("Miss A Lavelle (head, DSL)") == "Miss A Lavelle"
    assert custody.searcher_name("IT admin") == "IT admin"
    assert [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == dev)] == ["confiscated"]
    for other in ("Mrs R Hughes", "Miss B Lavelle", "Mr B Lavelle"):
        assert custody.witness_problem(other, head.display_name) is None, other
    event = custody.record_search(dev, head, now=T, witness="Mrs R Hughes", **kw)
    assert event.witness == "Mrs R Hughes"


@pytest.mark.parametrize(
    ("searcher", "witness", "refused"),
    [
        ("Miss A Lavelle (head, DSL)", "Miss Lavelle", True),  # the initial dropped
        ("Miss A Lavelle (head, DSL)", "MISS a. lavelle (Headteacher)", True),
        ("Miss A Lavelle (head, DSL)", "Lavelle", True),
        ("Miss A Lavelle (head, DSL)", "Ms Anna Lavelle", True),  # the initial agrees with the first name
        ("Miss A Lavelle (head, DSL)", "lavelle, a", True),
        ("Miss Anna Lavelle", "Miss A Lavelle", True),
        ("Miss A Lavelle (head, DSL)", "Mr B Lavelle", False),  # different initials
        ("Miss Anna Lavelle", "Mr Ben Lavelle", False),
        ("Miss A Lavelle (head, DSL)", "Miss A Lavell", False),  # another surname
        ("Miss A Lavelle (head, DSL)", "Mrs R Hughes", False),
    ],
)
def test_the_searcher_is_not_their_own_witness_by_any_spelling(searcher, witness, refused):
    assert (custody.witness_problem(witness, searcher) is not None) is refused


def test_the_reason_there_was_no_witness_is_not_the_searchers_own_name():
    head = "Miss A Lavelle (head, DSL)"
    for reason in ("Miss Lavelle", "Miss A Lavelle", "a lavelle"):
        assert custody.no_witness_problem(reason, head) is not None, reason
    assert custody.no_witness_problem("No adult free at lunch; urgent risk", head) is None
