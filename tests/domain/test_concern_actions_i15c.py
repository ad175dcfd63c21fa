"""Issue 15 (helper C): the kinds of concern, a concern's structured actions, closing as
referred to the LADO, lessons learnt, immediate alerts, and custody events seen by the DSL.

Online safety policy 10 and 11; mobile technology policy 7 and 9; KCSIE Part 4.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import AuditEntry, Concern, ConcernAction, CustodySeen, Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    return build()


def pid(adno: str) -> int:
    return Pupil.get(Pupil.admission_no == adno).id


def about_pupil(school, category: str = "bullying", who=None) -> Concern:
    return concerns.raise_concern(
        who or school.oak, about_kind="pupil", pupil_id=pid("000001"), what="Messages", category=category, now=NOW
    )


def allegation(school, subject: Staff) -> Concern:
    return concerns.raise_concern(
        school.office, about_kind="staff", staff_id=subject.id, what="Photo of a pupil", category="other", now=NOW
    )


def chair() -> Staff:
    return auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)


# ---------------------------------------------------------------- the kinds of concern


def test_the_kinds_follow_the_policies_and_old_kinds_still_read(school):
    assert list(concerns.CATEGORIES) == [
        "phone_breach",
        "bullying",
        "nude_images",
        "sexual_abuse",
        "radicalisation",
        "staff_conduct",
        "visitor_device",
        "other",
    ]
    assert concerns.CATEGORIES["radicalisation"] == "radicalisation (Prevent)"
    for code in concerns.CATEGORIES:
        if code not in ("staff_conduct", "visitor_device"):  # (kinds for a member of staff, a visitor)
            assert about_pupil(school, code).category == code
    with pytest.raises(ValidationError, match="Choose the kind of concern"):
        about_pupil(school, "online_safety")  # an old kind is never chosen now
    old = about_pupil(school)
    Concern.update(category="online_safety").where(Concern.id == old.id).execute()  # as schema 10 wrote it
    assert concerns.kind_words(Concern.get_by_id(old.id)) == "online safety (an earlier kind)"
    feed = concerns.safeguarding_feed(TODAY, TODAY, kind="online_safety")
    assert [e.concern_id for e in feed] == [old.id]
    assert "online safety (an earlier kind)" in concerns.concern_history(old.id)[0]


def test_a_concern_about_staff_is_an_allegation_whatever_its_kind(school):
    c = concerns.raise_concern(
        school.office,
        about_kind="staff",
        staff_id=school.oak.id,
        what="Upset after a group chat",
        category="bullying",
        now=NOW,
    )
    assert concerns.is_allegation(c) and concerns.kind_words(c) == "allegation (bullying or cyberbullying)"
    assert concerns.is_urgent(c)


# ---------------------------------------------------------------- structured actions


def test_each_action_is_its_own_dated_signed_row_and_the_audit_names_ids_only(school):
    c = about_pupil(school)
    concerns.follow_up(
        c.id,
        school.head,
        note="Rang mum; asked the ESS",
        actions=[concerns.EARLY_HELP, concerns.ESS_ADVICE, concerns.EARLY_HELP],  # parents told: f6s6
        now=NOW,
    )
    rows = concerns.actions_of(c.id)
    assert [(r.kind, r.done_on, r.recorded_by_id) for r in rows] == [
        ("early_help", TODAY, school.head.id),
        ("ess_advice", TODAY, school.head.id),
    ]
    concerns.follow_up(c.id, school.head, note="Referred", actions=[concerns.SOCIAL_CARE], now=LATER)
    assert [r.kind for r in concerns.actions_of(c.id)] == ["early_help", "ess_advice", "social_care"]
    history = concerns.concern_history(c.id, school.head)
    assert "2026-11-12 08:30  early help on 2026-11-12 (recorded by Head)" in history
    assert any("advice sought from the Education Safeguarding Service" in line for line in history)
    details = [json.loads(a.details) for a in AuditEntry.select().where(AuditEntry.action == "concern.follow_up")]
    assert details[0]["action_ids"] == [rows[0].id, rows[1].id]
    assert all("parents" not in a.details and "ess" not in a.details for a in AuditEntry.select())
    assert set(concerns.ACTIONS) == {
        "parents_told",
        "social_care",
        "early_help",
        "lado",
        "police",
        "ess_advice",
        "prevent",
    }


def test_an_unknown_action_or_a_lado_action_without_its_day_and_reference_is_refused(school):
    c = about_pupil(school)
    with pytest.raises(ValidationError, match="Unknown action"):
        concerns.follow_up(c.id, school.head, note="Spoke to parents", actions=["told_the_press"], now=NOW)
    a = allegation(school, school.oak)
    with pytest.raises(ValidationError, match="Give the day of the LADO referral"):
        concerns.follow_up(a.id, school.head, note="Spoke to parents", actions=[concerns.LADO], now=NOW)
    assert not ConcernAction.select().exists() and Concern.get_by_id(c.id).follow_up_note is None


def test_closing_as_referred_to_the_lado_needs_a_recorded_referral(school):
    a = allegation(school, school.oak)
    with pytest.raises(RuleViolation) as err:
        concerns.follow_up(a.id, school.head, note="Done", close=True, outcome="Referred to the LADO", now=NOW)
    assert str(err.value) == (
        "Record the referral to the LADO (the day and the LADO's reference) before closing as referred to the LADO."
    )
    assert Concern.get_by_id(a.id).status == concerns.OPEN and not ConcernAction.select().exists()
    closed = concerns.follow_up(
        a.id,
        school.head,
        note="Phoned the LADO",
        close=True,
        outcome="lado",  # the code works as well as the words
        lado_referred_on=TODAY,
        lado_reference="LADO/26/4",
        now=NOW,
    )
    assert closed.status == concerns.CLOSED
    rows = concerns.actions_of(a.id)
    assert [(r.kind, r.done_on, r.reference, r.outcome) for r in rows] == [
        ("lado", TODAY, "LADO/26/4", None),
        ("closed", TODAY, None, "lado"),
    ]
    assert concerns.concern_outcome(closed) == "lado"
    # a referral recorded in an earlier follow-up is enough
    b = allegation(school, school.deputy)
    concerns.follow_up(b.id, school.head, note="Phoned", lado_referred_on=TODAY, lado_reference="L2", now=NOW)
    assert concerns.follow_up(b.id, school.head, note="Closed", close=True, outcome="Referred to the LADO").status == (
        concerns.CLOSED
    )


def test_a_pupil_concern_cannot_be_closed_as_referred_to_the_lado(school):
    c = about_pupil(school)
    with pytest.raises(RuleViolation, match="Record the referral to the LADO"):
        concerns.follow_up(
            c.id, school.head, note="Spoke to parents", close=True, outcome="Referred to the LADO", now=NOW
        )


def test_the_outcome_of_a_concern_closed_before_outcomes_were_rows_is_read_from_its_note(school):
    c = about_pupil(school)
    concerns.follow_up(c.id, school.head, note="Spoke to parents", close=True, outcome="Early help offered", now=NOW)
    ConcernAction.delete().execute()  # as a schema 10 kiosk left it: the outcome in the note only
    assert concerns.concern_outcome(Concern.get_by_id(c.id)) == "early_help"
    assert concerns.concern_outcome(about_pupil(school)) is None
    assert concerns.OUTCOMES["lado"] == "Referred to the LADO" and concerns.CLOSE_OUTCOMES[0] == "No further action"


# ---------------------------------------------------------------- lessons learnt


def test_those_who_may_see_a_closed_concern_record_lessons_learnt_on_it(school):
    c = about_pupil(school)
    with pytest.raises(RuleViolation, match="once the concern is closed"):
        concerns.record_lessons(c.id, school.head, "Brief staff", now=NOW)
    concerns.follow_up(c.id, school.head, note="Done", close=True, outcome="Resolved in school", now=NOW)
    for who in (school.office, school.oak):
        with pytest.raises(PermissionDenied, match="may not record lessons learnt"):
            concerns.record_lessons(c.id, who, "Brief staff", now=NOW)
    dsl = auth.create_staff("dsl", "Mrs D Lead", [auth.DSL], "317460", now=NOW)
    with pytest.raises(ValidationError):
        concerns.record_lessons(c.id, dsl, "   ", now=NOW)
    first = concerns.record_lessons(c.id, dsl, "Remind staff of the group chat rules", now=NOW)
    second = concerns.record_lessons(c.id, school.head, "Add to the PSHE plan", now=LATER)
    assert [(r.kind, r.recorded_by_id) for r in concerns.actions_of(c.id)][-2:] == [
        ("lessons", dsl.id),
        ("lessons", school.head.id),
    ]
    assert first.id < second.id  # appended, never edited
    history = concerns.concern_history(c.id, school.head)
    assert any(line.endswith("lessons learnt, by Mrs D Lead: Remind staff of the group chat rules") for line in history)
    entry = AuditEntry.select().where(AuditEntry.action == "concern.lessons").order_by(AuditEntry.seq).first()
    assert "Remind" not in entry.details and json.loads(entry.details)["action_id"] == first.id


def test_nobody_acts_on_a_concern_they_may_not_see(school):
    """Lessons, a follow-up, closing, seen: only by someone the feed would show the concern to;
    anyone else is told there is no such concern (not that it exists, nor that it is closed)."""
    about_deputy = allegation(school, school.deputy)
    about_head = allegation(school, school.head)
    about_child = about_pupil(school)
    governor = chair()
    concerns.follow_up(
        about_deputy.id, school.head, note="Spoke to parents", close=True, outcome="No further action", now=NOW
    )
    concerns.follow_up(
        about_head.id, governor, note="Spoke to parents", close=True, outcome="No further action", now=NOW
    )
    concerns.follow_up(
        about_child.id, school.head, note="Spoke to parents", close=True, outcome="No further action", now=NOW
    )
    refused = [
        (about_deputy, school.deputy),  # about themself
        (about_head, school.head),  # the head, about the head
        (about_head, school.deputy),  # leadership: never one about the head
        (about_child, governor),  # the chair sees allegations about the head only
    ]
    for c, who in refused:
        with pytest.raises(NotFound, match="^There is no such concern.$"):
            concerns.record_lessons(c.id, who, "Brief staff", now=NOW)
    open_one = allegation(school, school.head)
    with pytest.raises(NotFound, match="^There is no such concern.$"):
        concerns.follow_up(open_one.id, school.head, note="Spoke to parents", now=NOW)
    with pytest.raises(NotFound, match="^There is no such concern.$"):
        concerns.follow_up(
            open_one.id, school.head, note="Spoke to parents", close=True, outcome="No further action", now=NOW
        )
    with pytest.raises(NotFound, match="^There is no such concern.$"):
        concerns.mark_seen(open_one.id, school.head, now=NOW)
    with pytest.raises(NotFound, match="^There is no such concern.$"):
        concerns.mark_seen(open_one.id, school.deputy, now=NOW)  # leadership: never one about the head
    with pytest.raises(PermissionDenied, match="may not follow up safeguarding concerns"):
        concerns.follow_up(
            open_one.id, school.deputy, note="Spoke to parents", now=NOW
        )  # the DSL's: refused before any look-up
    with pytest.raises(PermissionDenied, match="may not see safeguarding concerns"):
        concerns.mark_seen(open_one.id, school.office, now=NOW)  # the office sees no concern at all
    # leadership debriefs a closed concern it may see (mobile technology policy 9; g3)
    assert concerns.record_lessons(about_child.id, school.deputy, "Debrief", now=NOW).recorded_by_id == school.deputy.id
    # the chair, who owns an allegation about the headteacher, records its lessons learnt
    row = concerns.record_lessons(about_head.id, governor, "Tighten the code of conduct", now=NOW)
    assert row.recorded_by_id == governor.id
    assert not [a for a in concerns.actions_of(about_head.id) if a.recorded_by_id != governor.id]


# ---------------------------------------------------------------- immediate alerts


def test_a_radicalisation_concern_or_an_allegation_alerts_the_dsl_until_opened(school):
    assert concerns.urgent_unseen(school.head) == []
    about_pupil(school, "bullying")  # not urgent
    prevent = about_pupil(school, "radicalisation", who=school.office)
    about_oak = allegation(school, school.oak)
    assert concerns.urgent_unseen(school.head) == [
        (prevent.id, "a radicalisation (Prevent) concern"),
        (about_oak.id, "an allegation about a member of staff"),
    ]
    for who in (school.office, school.oak, school.deputy):
        assert concerns.urgent_unseen(who) == []
    assert concerns.urgent_unseen(school.oak) == []  # never about themself
    concerns.mark_seen(prevent.id, school.head, now=LATER)
    assert concerns.urgent_unseen(school.head) == [(about_oak.id, "an allegation about a member of staff")]


def test_an_allegation_about_the_head_alerts_the_chair_never_the_head(school):
    governor = chair()
    about_head = allegation(school, school.head)
    assert concerns.urgent_unseen(school.head) == []
    assert concerns.urgent_unseen(governor) == [(about_head.id, "an allegation about the headteacher")]
    concerns.mark_seen(about_head.id, governor, now=LATER)
    assert concerns.urgent_unseen(governor) == []


# ---------------------------------------------------------------- custody events seen by the DSL


def confiscation(school) -> custody.CustodyEvent:
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=30))
    return custody.confiscate(
        resolve(code).device.id,
        school.deputy,
        category="behaviour",
        reason="Filming",
        policy="MST 6",
        now=NOW - dt.timedelta(minutes=5),
    )


def test_a_confiscation_is_unseen_until_the_dsl_opens_it(school):
    event = confiscation(school)
    assert concerns.unseen_events_count(school.head) == 1
    assert concerns.unseen_events_count(school.office) == 0  # not theirs to see
    [entry] = concerns.safeguarding_feed(TODAY, TODAY, kind="confiscation", actor=school.head)
    assert entry.event_id == event.id and entry.seen is False
    with pytest.raises(PermissionDenied):
        concerns.mark_event_seen(event.id, school.office, now=NOW)
    assert concerns.mark_event_seen(event.id, school.head, now=NOW) is True
    assert concerns.mark_event_seen(event.id, school.head, now=LATER) is False  # once per person
    assert [(m.event_id, m.seen_by_id, m.seen_at) for m in CustodySeen.select()] == [(event.id, school.head.id, NOW)]
    assert concerns.unseen_events_count(school.head) == 0
    [entry] = concerns.safeguarding_feed(TODAY, TODAY, kind="confiscation", actor=school.head)
    assert entry.seen is True
    hand_in = custody.CustodyEvent.get((custody.CustodyEvent.kind == custody.HANDED_IN))
    with pytest.raises(NotFound):
        concerns.mark_event_seen(hand_in.id, school.head, now=NOW)  # not a feed entry
    assert audit.verify().ok


def test_a_record_is_seen_by_the_person_who_made_it(school):
    """The head's own confiscation is not NEW in her own feed, nor counted or alerted to her
    as unseen; the DSL, who has not opened it, still sees it NEW."""
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=30))
    event = custody.confiscate(
        resolve(code).device.id,
        school.head,
        category=custody.NUDE_IMAGES,
        reason="Image shared",
        policy="MST 6",
        now=NOW - dt.timedelta(minutes=5),
    )
    dsl = auth.create_staff("dsl", "Mrs D Lead", [auth.DSL], "317460", now=NOW)
    [own] = concerns.safeguarding_feed(TODAY, TODAY, kind="confiscation", actor=school.head)
    assert own.event_id == event.id and own.seen is True
    assert concerns.unseen_events_count(school.head) == 0
    assert concerns.urgent_custody_unseen(school.head) == []
    [theirs] = concerns.safeguarding_feed(TODAY, TODAY, kind="confiscation", actor=dsl)
    assert theirs.seen is False
    assert concerns.unseen_events_count(dsl) == 1 and [e for e, _ in concerns.urgent_custody_unseen(dsl)] == [event.id]


def test_closing_as_a_referral_needs_the_referral_one_rule_for_form_and_ledger(school):
    assert concerns.missing_referral("lado", []).startswith("Record the referral to the LADO")
    assert concerns.missing_referral("Referred to the LADO", [concerns.LADO]) is None
    assert concerns.missing_referral("channel", [concerns.LADO]).startswith("Record the referral to Prevent")
    assert concerns.missing_referral("No further action", []) is None
    c = allegation(school, school.oak)
    with pytest.raises(RuleViolation, match="Record the referral to the LADO"):
        concerns.follow_up(c.id, school.head, note="Spoke to parents", close=True, outcome="lado", now=NOW)
    concerns.follow_up(c.id, school.head, note="Rang", lado_referred_on=TODAY, lado_reference="L/1", now=NOW)
    assert concerns.referrals_of(c.id) == {concerns.LADO}
    concerns.follow_up(c.id, school.head, note="Done", close=True, outcome="lado", now=NOW)


def test_the_feed_kinds_come_from_one_map(school):
    assert concerns.FEED_KINDS == {
        "concern": "concern",
        **{feed: words for feed, words in concerns.CUSTODY_FEED.values()},
        # a search event whose consent was refused and was not searched: a kind of its own (f1s6)
        "not_searched": "not searched: consent refused",
    }
    assert set(concerns.CUSTODY_FEED) == {
        custody.CONFISCATED_EV,
        custody.SEARCHED,
        custody.POLICE_EV,
        custody.POLICE_RETURNED,
        custody.DSL_DECISION,
    }


# ---------------------------------------------------------------- records


def test_erasing_a_pupil_takes_their_concerns_actions_and_seen_marks_and_verifies(school):
    from models.records import duties as records

    event = confiscation(school)
    concerns.mark_event_seen(event.id, school.head, now=NOW)
    c = about_pupil(school)
    concerns.follow_up(
        c.id, school.head, note="Done", actions=[concerns.ESS_ADVICE], close=True, outcome="No further action"
    )
    concerns.record_lessons(c.id, school.head, "Brief staff", now=NOW)
    from models.school.people import contacts_of

    contact = contacts_of(pid("000001"))[0]
    custody.release_to_contact(
        resolve(school.codes["000001"]).device.id, school.office, contact_id=contact.id, id_seen=True, now=LATER
    )
    export = records.subject_access(records.pupil_subject("000001"), now=NOW)
    [row] = export.sections["concerns"]
    assert "ess_advice" in row["actions"] and "lessons" in row["actions"] and "Brief staff" in row["actions"]
    assert audit.verify().ok
    result = records.erase(records.pupil_subject("000001"), now=LATER)
    assert result.deleted["concerns"] == 1 and result.deleted["custody_events"] == 3
    assert not ConcernAction.select().exists() and not CustodySeen.select().exists()
    assert audit.verify().ok


# ---------------------------------------------------------------- the upgrade, and tamper evidence


def test_a_version_10_database_upgrades_and_its_new_rows_are_bound(database):
    from models.store.db import close_db, db
    from models.store.tables import CONCERN_ACTION_MODELS, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database
    from tests.oldschema import written_as

    with written_as(10):
        school = build()
        c = about_pupil(school)
        event = confiscation(school)
    db.drop_tables(CONCERN_ACTION_MODELS)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="created", applied_at=NOW)
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST
    assert SchemaVersion.select().where(SchemaVersion.version == 11).exists()
    head = Staff.get(Staff.username == "head")
    assert concerns.unseen_events_count(head) == 0  # from before the upgrade that kept marks: seen (no flood)
    concerns.follow_up(c.id, head, note="Rang mum", actions=[concerns.ESS_ADVICE], now=LATER)
    concerns.mark_event_seen(event.id, head, now=LATER)
    assert audit.verify().ok
    db.execute_sql("UPDATE concern_action SET kind = 'early_help'")  # edited outside the kiosk
    assert not audit.verify().ok


def test_a_seen_mark_deleted_outside_the_kiosk_is_caught(school):
    event = confiscation(school)
    concerns.mark_event_seen(event.id, school.head, now=NOW)
    assert audit.verify().ok
    from models.store.db import db

    db.execute_sql("DELETE FROM custody_seen")
    assert not audit.verify().ok


def test_staff_conduct_is_a_kind_only_for_a_concern_about_a_member_of_staff(school):
    """New-user walk (issue 15): a concern about a pupil could be filed as "staff conduct or
    allegation" (and then offered the LADO)."""
    from models.errors import ValidationError
    from models.store.tables import Pupil

    pupil = Pupil.get(Pupil.admission_no == "000001").id
    with pytest.raises(ValidationError, match="Staff conduct"):
        concerns.raise_concern(
            school.office,
            about_kind="pupil",
            pupil_id=pupil,
            category="staff_conduct",
            what="Upset after a group chat",
            now=NOW,
        )
    c = concerns.raise_concern(
        school.office,
        about_kind="staff",
        staff_id=school.oak.id,
        category="staff_conduct",
        what="Upset after a group chat",
        now=NOW,
    )
    assert concerns.is_allegation(c)


def test_a_nude_images_concern_alerts_the_dsl_at_once_as_the_confiscation_does(school):
    # h1 walk: a confiscation for suspected nude images alerts the DSL; a concern of that kind
    # did not (UKCIS 2024: "the DSL should be informed immediately")
    nudes = about_pupil(school, "nude_images", who=school.office)
    assert concerns.is_urgent(nudes)
    assert concerns.urgent_unseen(school.head) == [(nudes.id, "a nude or semi-nude images concern")]
    assert concerns.urgent_unseen(school.office) == []
