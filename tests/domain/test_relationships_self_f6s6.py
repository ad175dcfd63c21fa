"""A tester walking issue 15: the head (also the DSL) recorded her own pre-existing
relationship with her own advice; and a review date a year and a day ahead was accepted.

Nobody records, reviews or ends their own relationship (as nobody holds their own device):
the chair of governors records the headteacher's, the DSL (or the headteacher) everyone
else's; a DSL's own is for the headteacher. The next review is at most one year after the
day it was discussed (add) or reviewed (review): the policies' rule, one_year_after."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import PermissionDenied, ValidationError
from models.governance import relationships
from models.staff import auth
from models.store.tables import Pupil, StaffRelationship
from tests.school import NOW, build

TODAY = dt.date(2026, 11, 12)  # NOW's day (tests.school)


def d(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)  # type: ignore[attr-defined]
    s.chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "947261", now=NOW)  # type: ignore[attr-defined]
    return s


def record(actor, staff, **over):
    args = dict(
        staff_id=staff.id,
        pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
        nature="relative",
        described="aunt",
        dsl_advice="Keep to professional contact in school.",
        discussed_on=TODAY,
        review_on=d(90),
        now=NOW,
    )
    args.update(over)
    return relationships.record(actor, **args)


def test_the_head_may_not_record_her_own_the_chair_records_it(school):
    with pytest.raises(PermissionDenied) as refused:
        record(school.head, school.head)
    line = str(refused.value)
    assert "\n" not in line and "own" in line and "chair of governors" in line
    assert StaffRelationship.select().count() == 0
    rel = record(school.chair, school.head)  # the chair of governors records the head's
    assert rel.recorded_by_id == school.chair.id
    with pytest.raises(PermissionDenied, match="own"):
        relationships.review(rel.id, school.head, note="fine", next_review_on=d(100), now=NOW)
    with pytest.raises(PermissionDenied, match="own"):
        relationships.end(rel.id, school.head, reason="x", now=NOW)
    relationships.review(rel.id, school.chair, note="fine", next_review_on=d(100), now=NOW)
    # a DSL who is not the headteacher may record the head's too (as with her device)
    record(school.dsl, school.head, pupil_id=None, family="The Morgan family")


def test_a_dsl_may_not_record_their_own_the_headteacher_does(school):
    with pytest.raises(PermissionDenied) as refused:
        record(school.dsl, school.dsl)
    assert "own" in str(refused.value) and "headteacher" in str(refused.value)
    record(school.head, school.dsl)


def test_the_chair_records_only_the_headteachers(school):
    with pytest.raises(PermissionDenied, match="chair of governors records only the headteacher's"):
        record(school.chair, school.oak)
    rel = record(school.dsl, school.oak)
    with pytest.raises(PermissionDenied, match="chair of governors records only the headteacher's"):
        relationships.review(rel.id, school.chair, note="x", next_review_on=d(30), now=NOW)
    mine = record(school.chair, school.head, pupil_id=None, family="The Morgan family")
    assert [r.id for r in relationships.list_relationships(school.chair)] == [mine.id]  # the head's only
    assert {r.id for r in relationships.list_relationships(school.dsl)} == {rel.id, mine.id}


def test_a_year_and_a_day_is_refused_a_year_exactly_is_accepted(school):
    year = dt.date(2027, 11, 12)
    with pytest.raises(ValidationError, match="within a year") as refused:
        record(school.dsl, school.oak, review_on=year + dt.timedelta(days=1))
    assert "2027-11-12" in str(refused.value) and "\n" not in str(refused.value)
    rel = record(school.dsl, school.oak, review_on=year)
    with pytest.raises(ValidationError, match="within a year"):
        relationships.review(rel.id, school.dsl, note="x", next_review_on=year + dt.timedelta(days=1), now=NOW)
    relationships.review(rel.id, school.dsl, note="x", next_review_on=year, now=NOW)


def test_the_year_runs_from_the_day_it_was_discussed(school):
    with pytest.raises(ValidationError, match="within a year of the day it was discussed"):
        record(school.dsl, school.oak, discussed_on=d(-30), review_on=d(340))
    record(school.dsl, school.oak, discussed_on=d(-30), review_on=d(335))  # 2027-10-13: a year after 2026-10-13
