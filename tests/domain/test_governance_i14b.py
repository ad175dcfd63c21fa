"""Records the policies ask for in writing (issue 15): the register of staff's pre-existing
relationships, the school's policies with their review dates, staff's acknowledgements,
and the headteacher's reminders on Home. SQLite, and PostgreSQL when it is configured."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from models.audit import chain as audit
from models.config import Settings
from models.errors import ConfigError, NotFound, PermissionDenied, RuleViolation, ValidationError
from models.governance import policies, relationships
from models.policy.rules import load_rules, parse_rules
from models.staff import auth
from models.store.tables import (
    AuditEntry,
    PolicyAcknowledgement,
    Pupil,
    RelationshipReview,
    SchoolPolicy,
    Staff,
    StaffRelationship,
)
from tests.school import NOW, build

TODAY = dt.date(2026, 11, 12)


def d(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def school(database):
    built = build()
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    return built


def pupil(adno: str) -> Pupil:
    return Pupil.get(Pupil.admission_no == adno)


def record(school, actor=None, **over):
    args = dict(
        staff_id=school.oak.id,
        pupil_id=pupil("000001").id,
        nature="relative",
        described="aunt",
        dsl_advice="Keep to professional contact in school; no messages on social media.",
        discussed_on=d(-2),
        review_on=d(90),
        now=NOW,
    )
    args.update(over)
    return relationships.record(actor or school.dsl, **args)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq))


# ---------------------------------------------------------------- relationships


def test_the_dsl_or_the_head_records_a_relationship_with_a_pupil_or_a_family(school):
    rel = record(school)
    assert (rel.staff_id, rel.pupil_id, rel.family, rel.recorded_by_id) == (
        school.oak.id,
        pupil("000001").id,
        None,
        school.dsl.id,
    )
    fam = record(school, school.head, staff_id=school.office.id, pupil_id=None, family="  The   Morgan family ")
    assert fam.family == "The Morgan family" and relationships.with_whom(fam) == "The Morgan family"
    (entry,) = [e for e in entries("relationship.record") if e.entity_id == str(rel.id)]
    details = json.loads(entry.details)
    assert details == {
        "staff_id": school.oak.id,
        "pupil_id": pupil("000001").id,
        "nature": "relative",
        "discussed_on": d(-2).isoformat(),
        "review_on": d(90).isoformat(),
    }
    assert "aunt" not in entry.details and "social media" not in entry.details  # the log outlives an erasure
    assert audit.verify().ok


@pytest.mark.parametrize("who", ["office", "oak", "deputy", "admin"])
def test_nobody_else_may_record_review_end_or_read_the_register(school, who):
    actor = getattr(school, who)
    with pytest.raises(PermissionDenied, match="may not record staff's pre-existing relationships"):
        record(school, actor)
    rel = record(school)
    with pytest.raises(PermissionDenied):
        relationships.review(rel.id, actor, note="Spoke to parents", next_review_on=d(30), now=NOW)
    with pytest.raises(PermissionDenied):
        relationships.end(rel.id, actor, reason="Phone out in class", now=NOW)
    with pytest.raises(PermissionDenied, match="may not see the register of staff relationships"):
        relationships.list_relationships(actor)


@pytest.mark.parametrize(
    ("over", "error", "words"),
    [
        ({"nature": "cousin"}, ValidationError, "Choose the nature"),
        ({"family": "The Morgans"}, ValidationError, "either the pupil or the family"),
        ({"pupil_id": None}, ValidationError, "either the pupil or the family"),
        ({"dsl_advice": "  "}, ValidationError, "Give the DSL's advice"),
        ({"described": "a\nb"}, ValidationError, "control characters"),
        ({"discussed_on": d(1)}, ValidationError, "is in the future"),
        ({"review_on": TODAY}, ValidationError, "after today and within a year"),
        ({"review_on": d(400)}, ValidationError, "after today and within a year"),
        ({"review_on": dt.datetime(2027, 1, 1)}, ValidationError, "as a date"),
        ({"staff_id": 9999}, NotFound, "member of staff"),
        ({"pupil_id": 9999}, NotFound, "Choose the pupil"),
    ],
)
def test_a_bad_entry_is_refused_in_one_line_and_nothing_is_written(school, over, error, words):
    with pytest.raises(error, match=words) as refused:
        record(school, **over)
    assert "\n" not in str(refused.value)
    assert StaffRelationship.select().count() == 0 and not entries("relationship.record")


def test_the_same_relationship_twice_is_refused_until_the_first_is_ended(school):
    rel = record(school)
    with pytest.raises(RuleViolation, match=f"already on the register \\(number {rel.id}\\): review it instead"):
        record(school)
    fam = record(school, pupil_id=None, family="The Morgans")
    with pytest.raises(RuleViolation, match="already on the register"):
        record(school, pupil_id=None, family="the  MORGANS")
    relationships.end(fam.id, school.dsl, reason="Moved away", now=NOW)
    assert record(school, pupil_id=None, family="The Morgans").id != fam.id


def test_a_review_is_appended_and_moves_the_review_date_an_end_keeps_the_record(school):
    rel = record(school)
    later = NOW + dt.timedelta(days=80)
    after = relationships.review(rel.id, school.head, note="Still appropriate.", next_review_on=d(200), now=later)
    assert after.review_on == d(200)
    (row,) = relationships.reviews_of(after)
    assert (row.note, row.next_review_on, row.reviewed_by_id) == ("Still appropriate.", d(200), school.head.id)
    with pytest.raises(ValidationError, match="after today"):
        relationships.review(rel.id, school.dsl, note="Spoke to parents", next_review_on=d(80), now=later)
    ended = relationships.end(rel.id, school.dsl, reason="The pupil left the school.", now=later)
    assert ended.ended_by_id == school.dsl.id and ended.end_reason == "The pupil left the school."
    assert StaffRelationship.get_by_id(rel.id).dsl_advice.startswith("Keep to professional")  # kept as given
    with pytest.raises(RuleViolation, match="already ended"):
        relationships.end(rel.id, school.dsl, reason="again", now=later)
    with pytest.raises(RuleViolation, match="nothing to review"):
        relationships.review(rel.id, school.dsl, note="Spoke to parents", next_review_on=d(200), now=later)
    with pytest.raises(NotFound):
        relationships.end(9999, school.dsl, reason="Phone out in class", now=later)
    assert [e.action for e in AuditEntry.select().where(AuditEntry.entity == "staff_relationship")] == [
        "relationship.record",
        "relationship.review",
        "relationship.end",
    ]
    assert RelationshipReview.select().count() == 1
    assert relationships.list_relationships(school.dsl) == []
    assert [r.id for r in relationships.list_relationships(school.dsl, include_ended=True)] == [rel.id]
    assert audit.verify().ok


def test_relationships_due_for_review(school):
    soon = record(school, review_on=d(10))
    record(school, staff_id=school.office.id, review_on=d(100))
    assert [r.id for r in relationships.due_for_review(TODAY, 30)] == [soon.id]
    assert relationships.status_on(soon, TODAY, 30) == relationships.REVIEW_DUE


# ---------------------------------------------------------------- policies


def add_policy(school, key="online-safety", **over):
    args = dict(
        key=key,
        name="Online safety policy",
        version="2026-09",
        approved_on=dt.date(2026, 9, 1),
        next_review_on=dt.date(2027, 9, 1),
        now=NOW,
    )
    args.update(over)
    return policies.add_policy(school.head, **args)


def test_the_head_puts_a_policy_on_the_register_reviewed_at_least_annually(school):
    p = add_policy(school)
    assert (p.key, p.version, p.next_review_on) == ("online-safety", "2026-09", dt.date(2027, 9, 1))
    with pytest.raises(ValidationError, match="within a year of it \\(by 2027-09-01\\)"):
        add_policy(school, key="other", next_review_on=dt.date(2027, 9, 2))
    with pytest.raises(ValidationError, match="approved is in the future"):
        add_policy(school, key="other", approved_on=d(1), next_review_on=d(100))
    with pytest.raises(ValidationError, match="short name"):
        add_policy(school, key="Device Rules")
    with pytest.raises(ValidationError, match="short name"):
        add_policy(school, key="device-rules")
    with pytest.raises(RuleViolation, match="already on the register"):
        add_policy(school)
    with pytest.raises(PermissionDenied):
        policies.add_policy(
            school.dsl,
            key="x-policy",
            name="X",
            version="1",
            approved_on=TODAY,
            next_review_on=d(30),
            now=NOW,
        )


def test_a_review_sets_the_version_and_dates_and_the_log_keeps_what_they_were(school):
    add_policy(school)
    later = NOW + dt.timedelta(days=10)
    p = policies.record_review(
        school.head,
        "online-safety",
        version="2026-11",
        approved_on=d(10),
        next_review_on=d(300),
        now=later,
    )
    assert (p.version, p.approved_on, p.next_review_on, p.updated_by_id) == (
        "2026-11",
        d(10),
        d(300),
        school.head.id,
    )
    (entry,) = entries("policy.review")
    assert json.loads(entry.details)["before"] == {
        "version": "2026-09",
        "approved_on": "2026-09-01",
        "next_review_on": "2027-09-01",
    }
    with pytest.raises(ValidationError, match="cannot be approved before that"):
        policies.record_review(
            school.head, "online-safety", version="x", approved_on=d(5), next_review_on=d(30), now=later
        )
    with pytest.raises(NotFound, match="no policy 'nope' on the register \\(it has: online-safety\\)"):
        policies.record_review(school.head, "nope", version="x", approved_on=d(10), next_review_on=d(30), now=later)
    with pytest.raises(PermissionDenied):
        policies.record_review(
            school.office, "online-safety", version="x", approved_on=d(10), next_review_on=d(30), now=later
        )


def test_acknowledgements_at_the_kiosk_and_on_paper(school):
    add_policy(school)
    at_kiosk = policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=NOW)
    assert (at_kiosk.version, at_kiosk.acknowledged_on, at_kiosk.how) == ("2026-09", TODAY, "kiosk")
    with pytest.raises(PermissionDenied, match="for themselves"):
        policies.acknowledge(school.office, "online-safety", staff_id=school.oak.id, how="kiosk", now=NOW)
    with pytest.raises(ValidationError, match="made today"):
        policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", on=d(-3), now=NOW)
    paper = policies.acknowledge(
        school.office, "online-safety", staff_id=school.deputy.id, how="paper", on=dt.date(2026, 9, 3), now=NOW
    )
    assert (paper.recorded_by_id, paper.acknowledged_on) == (school.office.id, dt.date(2026, 9, 3))
    with pytest.raises(PermissionDenied, match="may not record a signed policy acknowledgement"):
        policies.acknowledge(school.oak, "online-safety", staff_id=school.deputy.id, how="paper", now=NOW)
    with pytest.raises(ValidationError, match="signed before then was of an older version"):
        policies.acknowledge(
            school.office, "online-safety", staff_id=school.admin.id, how="paper", on=dt.date(2026, 8, 30), now=NOW
        )
    with pytest.raises(ValidationError, match="in the future"):
        policies.acknowledge(school.office, "online-safety", staff_id=school.admin.id, how="paper", on=d(1), now=NOW)
    with pytest.raises(RuleViolation, match="already recorded"):
        policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=NOW)
    with pytest.raises(ValidationError, match="Say how"):
        policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="email", now=NOW)
    assert PolicyAcknowledgement.select().count() == 2
    assert audit.verify().ok


def test_who_is_overdue_never_not_since_the_current_version_or_over_a_year_ago(school):
    add_policy(school, approved_on=dt.date(2025, 9, 1), next_review_on=dt.date(2026, 9, 1), version="2025-09")
    add_policy(
        school, key="mobile", name="Mobile technology policy", staff_acknowledge=False
    )  # not acknowledged by staff
    ack = dict(how="paper", now=NOW)
    policies.acknowledge(school.office, "online-safety", staff_id=school.oak.id, on=dt.date(2025, 11, 12), **ack)
    policies.acknowledge(
        school.office, "online-safety", staff_id=school.beech_teacher.id, on=dt.date(2025, 11, 13), **ack
    )
    policies.acknowledge(school.office, "online-safety", staff_id=school.deputy.id, on=dt.date(2026, 1, 5), **ack)
    policies.record_review(
        school.head,
        "online-safety",
        version="2026-09",
        approved_on=dt.date(2026, 9, 1),
        next_review_on=dt.date(2027, 9, 1),
        now=NOW,
    )
    policies.acknowledge(school.office, "online-safety", staff_id=school.office.id, on=dt.date(2026, 9, 2), **ack)
    late = {o.username: o for o in policies.overdue(TODAY)}
    assert set(late) == {"oak", "beech", "deputy", "head", "admin", "dsl"}  # office acknowledged the current version
    assert late["head"].why == "never acknowledged"
    assert late["deputy"].why == "not since version 2026-09"
    assert all(o.policy_key == "online-safety" for o in late.values())
    # the same version a year on: overdue the day it is a year old
    assert {o.username for o in policies.overdue(dt.date(2027, 9, 2))} >= {"office"}
    assert "office" not in {o.username for o in policies.overdue(dt.date(2027, 9, 1))}
    Staff.update(active=False).where(Staff.username == "admin").execute()
    assert "admin" not in {o.username for o in policies.overdue(TODAY)}


def test_no_policies_means_no_one_is_overdue(school):
    assert policies.overdue(TODAY) == []


# ---------------------------------------------------------------- review reminders and the device rules


RULES = """---
version: 2027-01
review: {review}
---
## In short
- a
- b
- c
"""


def test_the_device_rules_carry_a_checked_review_date():
    assert load_rules().review_on == dt.date(2027, 9, 1)  # the asset
    assert parse_rules(RULES.format(review="2027-01-31")).review_on == dt.date(2027, 1, 31)
    with pytest.raises(ConfigError, match="review date '31/01/2027' is not a date: write it as YYYY-MM-DD"):
        parse_rules(RULES.format(review="31/01/2027"))
    with pytest.raises(ConfigError, match="review date 2199-01-01 is out of range"):
        parse_rules(RULES.format(review="2199-01-01"))
    assert parse_rules(RULES.replace("review: {review}\n", "")).review_on is None  # an older file still loads


def test_the_reminder_names_policies_and_the_device_rules_due_within_30_days_or_overdue(school):
    add_policy(school, key="a-due", name="A", approved_on=dt.date(2026, 1, 1), next_review_on=d(20))
    add_policy(school, key="b-late", name="B", approved_on=dt.date(2025, 11, 9), next_review_on=d(-3))
    add_policy(school, key="c-later", name="C", approved_on=dt.date(2026, 9, 1), next_review_on=d(31))
    rules = parse_rules(RULES.format(review=d(5).isoformat()))
    due = policies.reviews_due(TODAY, rules)
    assert [r.key for r in due] == ["b-late", "device-rules", "a-due"]
    assert due[0].words(TODAY) == "B: review overdue since 2026-11-09"
    assert due[1].words(TODAY) == "Device rules for visitors: review due 2026-11-17"
    no_date = policies.reviews_due(TODAY, parse_rules(RULES.replace("review: {review}\n", "")))
    assert no_date[0].next_review_on is None and "no review date" in no_date[0].words(TODAY)
    assert [r.key for r in policies.reviews_due(TODAY, load_rules())] == ["b-late", "a-due"]


def _home(school, who, settings=None):
    from kiosk.actions.reports import home_summary
    from kiosk.session import SignedIn

    return home_summary(SignedIn.of(who), NOW, settings or Settings(), None).splitlines()


def test_home_tells_the_head_of_policy_reviews_and_overdue_acknowledgements(school):
    assert not [line for line in _home(school, school.head) if "olic" in line]  # nothing on the register yet
    add_policy(school, approved_on=dt.date(2025, 11, 20), next_review_on=d(8), version="2025-11")
    lines = _home(school, school.head)
    assert "Policy reviews due: 1; staff yet to acknowledge policies: 7." in lines
    assert not [line for line in _home(school, school.office) if "olic" in line]  # for the headteacher
    late_rules = dataclasses.replace(Settings(), device_rules_path=_rules_file(school, "2026-11-01"))
    lines = _home(school, school.head, late_rules)
    assert "Policy reviews due: 2 (1 late); staff yet to acknowledge policies: 7." in lines
    for username in ("office", "oak", "beech", "deputy", "head", "admin", "dsl"):
        member = Staff.get(Staff.username == username)
        policies.acknowledge(member, "online-safety", staff_id=member.id, how="kiosk", now=NOW)
    assert "Policy reviews due: 2 (1 late)." in _home(school, school.head, late_rules)
    policies.record_review(
        school.head, "online-safety", version="2026-11", approved_on=TODAY, next_review_on=d(300), now=NOW
    )
    assert "Staff yet to acknowledge policies: 7." in _home(school, school.head)
    record(school, review_on=d(3))
    assert "Staff relationships due for review: 1." in _home(school, school.dsl)
    ours = [line for line in _home(school, school.head, late_rules) if "olic" in line or "relationships" in line]
    assert ours and all(len(line) <= 72 for line in ours)  # one row each of Home at 80x24


def _rules_file(school, review):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "rules.md"
    path.write_text(RULES.format(review=review), encoding="utf-8")
    return path


# ---------------------------------------------------------------- upgrade


def test_a_version_9_database_upgrades_and_keeps_its_data(database):
    from models.store.db import close_db, db
    from models.store.tables import GOVERNANCE_MODELS, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database

    school = build()
    db.drop_tables(GOVERNANCE_MODELS)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=9, description="created", applied_at=NOW)
    assert migrations.current_version() == 9
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST >= 10
    assert Staff.select().count() == 6 and SchoolPolicy.select().count() == 0
    school.dsl = Staff.get(Staff.username == "head")
    rel = record(school, school.dsl)
    add_policy(school)
    assert StaffRelationship.get_by_id(rel.id).described == "aunt"
    assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == list(
        range(9, migrations.LATEST + 1)
    )
    assert audit.verify().ok


# ---------------------------------------------------------------- the demo


@pytest.mark.parametrize("when", [NOW, dt.datetime(2027, 2, 28, 9, 0), dt.datetime(2026, 9, 1, 7, 0)])
def test_the_demo_has_the_two_policies_with_current_dates_and_a_reminder_for_the_head(sqlite_db, when):
    from kiosk.actions.reports import home_summary
    from kiosk.session import SignedIn
    from models.clock import local_day
    from models.config import DEMO_CONFIG, load_settings
    from models.upkeep.demo import create_demo

    settings = load_settings(DEMO_CONFIG)
    create_demo(settings, now=when)
    today = local_day(when)
    register = {p.key: p for p in policies.list_policies()}
    assert set(register) == {"mobile-technology", "online-safety"}
    assert all(today - dt.timedelta(days=366) < p.approved_on <= today < p.next_review_on for p in register.values())
    assert [r.key for r in policies.reviews_due(today, load_rules())] == ["online-safety"]
    assert [(o.username, o.policy_key) for o in policies.overdue(today)] == [("admin", "online-safety")]
    (rel,) = relationships.list_relationships(Staff.get(Staff.username == "head"))
    assert rel.staff.username == "oak" and rel.pupil_id is not None
    head = SignedIn.of(Staff.get(Staff.username == "head"))
    assert (
        "Policy reviews due: 1; staff yet to acknowledge policies: 1."
        in home_summary(head, when, settings, None).splitlines()
    )
    assert audit.verify().ok
