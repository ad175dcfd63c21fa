"""Concerns for the DSL and the DSL's safeguarding feed."""

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.safeguarding import concerns
from models.school.people import contacts_of
from models.staff.auth import DETAIL_ROLES
from models.store.tables import AuditEntry, Concern, Pupil
from tests.school import NOW, build

TODAY = dt.date(2026, 11, 12)


@pytest.fixture
def school(database):
    return build()


def pid(adno):
    return Pupil.get(Pupil.admission_no == adno).id


def device(school, adno):
    return resolve(school.codes[adno]).device.id


@pytest.mark.parametrize("who", ["office", "oak", "deputy", "head", "admin"])
def test_any_member_of_staff_raises_a_concern(school, who):
    c = concerns.raise_concern(
        getattr(school, who), about_kind="pupil", pupil_id=pid("000004"), what="Seen filming in the playground", now=NOW
    )
    assert c.status == concerns.OPEN and c.seen_at is None
    assert concerns.unseen_count() == 1


def test_concern_about_staff_and_visitor_and_audit_carries_no_text(school):
    concerns.raise_concern(
        school.office,
        about_kind="staff",
        staff_id=school.oak.id,
        category="phone_breach",
        what="Used personal phone in class",
        now=NOW,
    )
    v = concerns.raise_concern(
        school.office,
        about_kind="visitor",
        visit_id=17,
        name="Mr K Contractor",
        what="Photographed the hall during assembly",
        now=NOW,
    )
    assert concerns.subject_of(v) == "Mr K Contractor"
    entries = list(AuditEntry.select().where(AuditEntry.action == "concern.raise"))
    assert len(entries) == 2
    assert '"visit_id":17' in entries[1].details
    for e in entries:
        assert "personal" not in e.details and "Photographed" not in e.details and "Contractor" not in e.details
    assert audit.verify().ok


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(about_kind="parent", what="Upset after a group chat"), "Say who the concern is about"),
        (dict(about_kind="pupil", what="Upset after a group chat", category="gossip"), "Choose the kind of concern"),
        (dict(about_kind="pupil", what=" "), "Give the description of what happened"),
        (dict(about_kind="pupil", what="Upset after a group chat" * 2001), "too long"),
        (dict(about_kind="pupil", what="a\x1bb"), "control characters"),
        (dict(about_kind="visitor", what="Upset after a group chat"), "Give the visitor's name or pick their visit"),
        (dict(about_kind="visitor", what="Upset after a group chat", visit_id=0), "That is not a visit"),
        (dict(about_kind="visitor", what="Upset after a group chat", name="A\nB"), "on one line"),
        (dict(about_kind="staff", what="Upset after a group chat", pupil_id=1), "Only a concern about a pupil"),
        (dict(about_kind="pupil", what="Upset after a group chat", name="Ava"), "names them from the list"),
    ],
)
def test_bad_concerns_are_refused_and_nothing_is_written(school, args, message):
    with pytest.raises(ValidationError, match=message):
        concerns.raise_concern(school.office, now=NOW, **args)
    assert Concern.select().count() == 0


def test_unknown_people_and_mismatched_phone_are_refused(school):
    with pytest.raises(NotFound, match="Choose the pupil"):
        concerns.raise_concern(
            school.office, about_kind="pupil", pupil_id=999, what="Upset after a group chat", now=NOW
        )
    with pytest.raises(NotFound, match="Choose the member of staff"):
        concerns.raise_concern(
            school.office, about_kind="staff", staff_id=999, what="Upset after a group chat", now=NOW
        )
    with pytest.raises(RuleViolation, match="not registered to Ava Patel"):
        concerns.raise_concern(
            school.office,
            about_kind="pupil",
            pupil_id=pid("000001"),
            device_id=device(school, "000002"),
            what="Upset after a group chat",
            now=NOW,
        )
    assert Concern.select().count() == 0


def test_dsl_sees_and_follows_up_and_others_may_not(school):
    c = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=pid("000001"),
        what="Upset by messages",
        category="bullying",
        now=NOW,
    )
    for who in (school.office, school.oak, school.deputy, school.admin):
        with pytest.raises(PermissionDenied):
            concerns.follow_up(c.id, who, note="Spoke to parents", now=NOW)
    for who in (school.office, school.oak, school.admin):  # leadership reads concerns (g3)
        with pytest.raises(PermissionDenied, match="see safeguarding concerns"):
            concerns.mark_seen(c.id, who, now=NOW)
        # the feed lists for them only the concerns they raised (f1s6): oak's, as she raised it
        raised = [c.id] if who == school.oak else []
        assert [e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, actor=who)] == raised
    later = NOW + dt.timedelta(hours=1)
    seen = concerns.mark_seen(c.id, school.head, now=later)
    assert seen.seen_at == later and seen.seen_by_id == school.head.id
    assert concerns.unseen_count() == 0
    concerns.mark_seen(c.id, school.head, now=later + dt.timedelta(hours=1))  # again: nothing changes
    assert Concern.get_by_id(c.id).seen_at == later
    assert AuditEntry.select().where(AuditEntry.action == "concern.seen").count() == 1

    with pytest.raises(ValidationError, match="Give the follow-up note"):
        concerns.follow_up(c.id, school.head, note="", now=later)
    kept = concerns.follow_up(c.id, school.head, note="Spoke to parents", close=False, now=later)
    assert kept.status == concerns.OPEN
    done = concerns.follow_up(
        c.id,
        school.head,
        note="Referred to early help",
        close=True,
        outcome="Early help offered",
        now=later + dt.timedelta(days=1),
    )
    assert done.status == concerns.CLOSED and done.followed_up_by_id == school.head.id
    assert done.follow_up_note.splitlines()[0].endswith("Head: Spoke to parents")
    assert "Referred to early help" in done.follow_up_note
    with pytest.raises(RuleViolation, match="already closed"):
        concerns.follow_up(c.id, school.head, note="more", now=later)
    history = concerns.concern_history(c.id)
    assert history[0].startswith("2026-11-12 08:30") and "Upset by messages" in history[0]
    assert history[-1] == "closed" and any("seen by Head" in line for line in history)
    assert all("Spoke" not in e.details for e in AuditEntry.select())


def test_follow_up_marks_an_unseen_concern_seen(school):
    c = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=pid("000001"), what="Upset after a group chat", now=NOW
    )
    concerns.follow_up(c.id, school.head, note="Dealt with", close=True, outcome="Resolved in school", now=NOW)
    assert concerns.unseen_count() == 0 and concerns.open_count() == 0


def _history(school):
    """Two days of safeguarding events for the feed."""
    ava, dan = device(school, "000001"), device(school, "000004")
    yday = NOW - dt.timedelta(days=1)
    custody.confiscate(ava, school.oak, category="behaviour", reason="Filming in class", policy="MTP 6", now=yday)
    contact = contacts_of(pid("000001"))[0]
    custody.record_search(
        ava,
        school.deputy,
        consent_by="parent",
        consent_contact_id=contact.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported video",
        found_what="an image of another pupil",
        outcome="content_deleted",
        now=yday + dt.timedelta(hours=1),
    )
    conf = custody.confiscate(
        dan, school.head, category="behaviour", reason="Messaging in assembly", policy="MTP 6", now=NOW
    )
    custody.reverse(conf.id, school.head, reason="wrong pupil", now=NOW + dt.timedelta(minutes=5))
    custody.confiscate(
        dan,
        school.head,
        category="behaviour",
        reason="Messaging in assembly",
        policy="MTP 6",
        now=NOW + dt.timedelta(minutes=6),
    )
    custody.hand_to_police(
        dan, school.head, officer="PC 123 Smith", force_reference="KENT/26/1", now=NOW + dt.timedelta(hours=1)
    )
    c1 = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=pid("000001"),
        device_id=ava,
        what="Video of another pupil shared",
        category="bullying",
        now=yday + dt.timedelta(hours=2),
    )
    c2 = concerns.raise_concern(
        school.office, about_kind="visitor", name="Mr K", what="Phone out in the hall", now=NOW + dt.timedelta(hours=2)
    )
    c3 = concerns.raise_concern(
        school.office,
        about_kind="staff",
        staff_id=school.oak.id,
        what="Phone in lesson",
        now=NOW - dt.timedelta(days=10),
    )
    return ava, dan, conf, c1, c2, c3


def test_feed_merges_concerns_and_custody_events_newest_first(school):
    ava, dan, conf, c1, c2, c3 = _history(school)
    feed = concerns.safeguarding_feed(TODAY - dt.timedelta(days=1), TODAY, actor=school.head)
    assert [(e.kind, e.device_id, e.concern_id) for e in feed] == [
        ("concern", None, c2.id),
        ("police", dan, None),
        ("confiscation", dan, None),
        ("confiscation", dan, None),
        ("concern", ava, c1.id),
        ("search", ava, None),
        ("confiscation", ava, None),
    ]
    undone = [e for e in feed if e.undone]
    assert len(undone) == 1 and undone[0].event_id == conf.id and undone[0].summary.endswith("(undone)")
    police = feed[1]
    assert police.subject == "Dan Brown" and police.class_name == "Beech" and "KENT/26/1" in police.summary
    assert feed[0].subject == "Mr K" and feed[0].about == "visitor" and feed[0].seen is False
    assert feed[4].status == "open" and feed[4].kind_text == "bullying or cyberbullying" and feed[4].class_name == "Oak"
    assert feed[0].as_dict()["at"].startswith("2026-11-12T10:30")
    # each entry opens its history
    assert any(
        "searched" in line
        for line in (custody.describe_event(e, reader=DETAIL_ROLES) for e in custody.history(feed[5].device_id))
    )
    assert "Video of another pupil" in concerns.concern_history(feed[4].concern_id)[0]


def test_feed_filters_by_date_class_and_kind(school):
    ava, dan, conf, c1, c2, c3 = _history(school)
    week = (TODAY - dt.timedelta(days=14), TODAY)
    assert {e.concern_id for e in concerns.safeguarding_feed(*week, kind="concern")} == {c1.id, c2.id, c3.id}
    assert [e.concern_id for e in concerns.safeguarding_feed(*week, kind="bullying")] == [c1.id]
    oak = concerns.safeguarding_feed(*week, class_name="Oak")
    assert {e.kind for e in oak} == {"concern", "confiscation", "search"} and all(e.class_name == "Oak" for e in oak)
    assert [e.kind for e in concerns.safeguarding_feed(*week, kind="police")] == ["police"]
    assert [e.kind for e in concerns.safeguarding_feed(*week, class_name="Beech", kind="search")] == []
    assert concerns.safeguarding_feed(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)) == []
    only_today = concerns.safeguarding_feed(TODAY, TODAY)
    assert c1.id not in {e.concern_id for e in only_today} and c2.id in {e.concern_id for e in only_today}
    with pytest.raises(ValidationError, match="Filter by one of"):
        concerns.safeguarding_feed(*week, kind="hand-ins")
    with pytest.raises(ValidationError, match="end date is before"):
        concerns.safeguarding_feed(TODAY, TODAY - dt.timedelta(days=1))


def test_a_follow_up_leaves_the_concern_open_unless_closed_deliberately_with_an_outcome(school):
    """Issue 14: a note with Enter, Enter closed the concern. Closing is a choice, with an outcome."""
    c = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=pid("000001"), what="Upset after a group chat", now=NOW
    )
    kept = concerns.follow_up(c.id, school.head, note="Spoke to Ava and her mother", now=NOW)
    assert kept.status == concerns.OPEN  # a note alone keeps it open
    with pytest.raises(ValidationError, match="Choose the outcome"):
        concerns.follow_up(c.id, school.head, note="Done", close=True, now=NOW)
    with pytest.raises(ValidationError, match="Choose the outcome"):
        concerns.follow_up(c.id, school.head, note="Done", close=True, outcome="Shrugged", now=NOW)
    with pytest.raises(ValidationError, match="only when closing"):
        concerns.follow_up(c.id, school.head, note="Done", outcome=concerns.CLOSE_OUTCOMES[0], now=NOW)
    assert Concern.get_by_id(c.id).status == concerns.OPEN  # nothing of the refusals was kept
    outcome = "Early help offered"
    assert outcome in concerns.CLOSE_OUTCOMES
    done = concerns.follow_up(c.id, school.head, note="Family agreed", close=True, outcome=outcome, now=NOW)
    assert done.status == concerns.CLOSED
    assert done.follow_up_note.splitlines()[-1].endswith("Head: Family agreed (closed: early help offered)")
    assert all("Family" not in e.details and "early help" not in e.details.lower() for e in AuditEntry.select())


def test_a_concern_about_a_visitor_is_shown_with_the_visitors_name(school):
    """A new user's walk: the office's concern about a visitor's phone showed as
    'visitor (visit 4)' in the DSL's feed."""
    from tests.screens.test_visitor_screens import self_sign_in_directly

    done = self_sign_in_directly(name="Dr Amara Okafor")
    c = concerns.raise_concern(school.office, about_kind="visitor", visit_id=done.visit.id, what="Filming", now=NOW)
    assert concerns.subject_of(c) == "Dr Amara Okafor"
