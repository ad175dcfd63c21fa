"""Records duties for the records the policies ask for in writing (issue 15): subject access,
erasure and the retention purge cover staff's relationships (with their reviews) and their
acknowledgements of the policies. SQLite, and PostgreSQL when it is configured."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.config import Settings
from models.governance import policies, relationships
from models.records import duties as records
from models.store.tables import AuditEntry, PolicyAcknowledgement, Pupil, RelationshipReview, StaffRelationship
from tests.school import NOW, build

DAY = dt.timedelta(days=1)
RETENTION = dict(Settings().retention_days)
START = NOW - 3000 * DAY  # long enough ago for the six-year periods to pass


@pytest.fixture
def school(database):
    return build(now=START)


def _relationship(school, *, now, **over):
    args = dict(
        staff_id=school.oak.id,
        pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
        nature="family_friend",
        described="friend of Ava's mother",
        dsl_advice="Keep school matters in school.",
        discussed_on=now.date(),
        review_on=now.date() + 100 * DAY,
        now=now,
    )
    args.update(over)
    return relationships.record(school.head, **args)


def _policy(school, now):
    return policies.add_policy(
        school.head,
        key="online-safety",
        name="Online safety policy",
        version="v1",
        approved_on=now.date(),
        next_review_on=now.date() + 300 * DAY,
        now=now,
    )


def test_a_pupils_and_a_staff_members_subject_access_hold_the_relationship_and_acknowledgements(school):
    rel = _relationship(school, now=NOW)
    relationships.review(
        rel.id, school.head, note="Reviewed with Mr Okoro.", next_review_on=NOW.date() + 50 * DAY, now=NOW
    )
    _policy(school, NOW)
    policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=NOW)
    ava = records.subject_access(records.pupil_subject("000001"), now=NOW)
    (row,) = ava.sections["staff_relationships"]
    assert (row["staff"], row["described"], row["dsl_advice"]) == (
        "Oak Teacher",
        "friend of Ava's mother",
        "Keep school matters in school.",
    )
    assert "Reviewed with Mr Okoro." in row["reviews"]
    assert "policy_acknowledgements" not in ava.sections
    oak = records.subject_access(records.staff_subject("oak"), now=NOW)
    assert [r["id"] for r in oak.sections["staff_relationships"]] == [rel.id]
    assert [(r["policy"], r["version"], r["how"]) for r in oak.sections["policy_acknowledgements"]] == [
        ("Online safety policy", "v1", "kiosk")
    ]
    assert records.subject_access(records.staff_subject("deputy"), now=NOW).sections["staff_relationships"] == []


def test_a_family_named_as_text_is_found_by_a_visitors_request_and_erased_with_it(school):
    from models.records.base import Subject

    fam = _relationship(school, now=NOW, pupil_id=None, family="Priya  Patel")
    subject = Subject("visitor", "priya patel")
    assert [r["id"] for r in records.subject_access(subject, now=NOW).sections["staff_relationships"]] == [fam.id]
    assert records.erase(subject, now=NOW).deleted["staff_relationships"] == 1
    assert StaffRelationship.select().count() == 0
    assert audit.verify().ok


def test_erasing_the_pupil_deletes_the_relationships_naming_them_and_their_reviews(school):
    rel = _relationship(school, now=NOW)
    relationships.review(rel.id, school.head, note="Fine.", next_review_on=NOW.date() + 50 * DAY, now=NOW)
    other = _relationship(school, now=NOW, pupil_id=None, family="The Greens")
    result = records.erase(records.pupil_subject("000001"), now=NOW)
    assert result.deleted["staff_relationships"] == 1
    assert [r.id for r in StaffRelationship.select()] == [other.id] and RelationshipReview.select().count() == 0
    seq = result.audit_seq
    assert "friend of Ava" not in AuditEntry.get(AuditEntry.seq == seq).details
    assert audit.verify().ok


def test_purge_takes_relationships_ended_six_years_ago_and_old_acknowledgements(school):
    old = _relationship(school, now=START)
    relationships.review(old.id, school.head, note="Fine.", next_review_on=START.date() + 50 * DAY, now=START)
    relationships.end(old.id, school.head, reason="Ava left.", now=START + DAY)
    still_open = _relationship(school, now=START, staff_id=school.office.id)  # open: never purged
    recent = _relationship(school, now=NOW - 10 * DAY, staff_id=school.deputy.id)
    relationships.end(recent.id, school.head, reason="Moved away.", now=NOW - 5 * DAY)
    _policy(school, START)
    policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=START)
    policies.record_review(
        school.head,
        "online-safety",
        version="v2",
        approved_on=NOW.date() - 10 * DAY,
        next_review_on=NOW.date() + 300 * DAY,
        now=NOW - 10 * DAY,
    )
    fresh = policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=NOW)
    dry = records.purge(RETENTION, now=NOW, dry_run=True)
    assert (dry.deleted["staff_relationships"], dry.deleted["policy_acknowledgements"]) == (1, 1)
    done = records.purge(RETENTION, now=NOW)
    assert done.deleted == dry.deleted
    assert {r.id for r in StaffRelationship.select()} == {still_open.id, recent.id}
    assert RelationshipReview.select().count() == 0
    assert [a.id for a in PolicyAcknowledgement.select()] == [fresh.id]
    assert audit.verify().ok
