"""Issue 15 (a new-user walk): a concern's kind fits whom it is about, and a LADO or Prevent
referral is not dated before the concern was raised (nor in the future)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import ValidationError
from models.safeguarding import concerns
from models.store.tables import Concern, ConcernAction, Pupil
from tests.school import NOW, build

TODAY = NOW.date()


@pytest.fixture
def school(database):
    return build()


def raise_about(school, about: str, category: str, now: dt.datetime = NOW) -> Concern:
    who = {
        "pupil": dict(pupil_id=Pupil.get(Pupil.admission_no == "000001").id),
        "staff": dict(staff_id=school.deputy.id),
        "visitor": dict(name="Sam Visitor"),
    }[about]
    return concerns.raise_concern(school.oak, about_kind=about, what="Seen", category=category, now=now, **who)


# ---------------------------------------------------------------- 1. the kind fits the subject


@pytest.mark.parametrize("about", ["pupil", "staff"])
def test_visitor_device_use_is_a_kind_for_a_visitor_only(school, about):
    with pytest.raises(ValidationError) as refused:
        raise_about(school, about, "visitor_device")
    assert str(refused.value) == "Visitor device use is a kind for a concern about a visitor: choose another kind."
    assert not Concern.select().exists()
    assert raise_about(school, "visitor", "visitor_device").category == "visitor_device"


@pytest.mark.parametrize("about", ["pupil", "visitor"])
def test_staff_conduct_is_still_a_kind_for_staff_only(school, about):
    with pytest.raises(ValidationError, match="^Staff conduct is a kind for a concern about a member of staff"):
        raise_about(school, about, "staff_conduct")


def test_the_kinds_offered_for_each_subject(school):
    assert concerns.categories_for("pupil") == [
        c for c in concerns.CATEGORIES if c not in ("staff_conduct", "visitor_device")
    ]
    assert "visitor_device" not in concerns.categories_for("staff")
    assert "staff_conduct" in concerns.categories_for("staff")
    assert "visitor_device" in concerns.categories_for("visitor")
    assert "staff_conduct" not in concerns.categories_for("visitor")
    for about in concerns.ABOUT_KINDS:  # every kind offered is accepted; every other refused
        for code in concerns.CATEGORIES:
            fits = code in concerns.categories_for(about)
            assert (concerns.category_problem(code, about) is None) is fits, (about, code)
            if fits:
                raise_about(school, about, code)


def test_an_old_staff_concern_filed_as_visitor_device_use_still_reads(school):
    c = raise_about(school, "staff", "other")
    Concern.update(category="visitor_device").where(Concern.id == c.id).execute()  # as it was let in before
    assert concerns.kind_words(Concern.get_by_id(c.id)) == "allegation (visitor device use)"
    assert concerns.concern_history(c.id, school.head)
    concerns.follow_up(c.id, school.head, note="Read and followed up", now=NOW)


# ---------------------------------------------------------------- 2. referral days


def test_a_lado_referral_before_the_concern_was_raised_is_refused(school):
    raised_at = NOW  # 2026-11-12 08:30 UTC
    c = raise_about(school, "staff", "staff_conduct", now=raised_at)
    later = NOW + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        concerns.follow_up(
            c.id,
            school.head,
            note="Spoke to parents",
            lado_referred_on=TODAY - dt.timedelta(days=1),
            lado_reference="L1",
            now=later,
        )
    assert str(refused.value) == "The day of the LADO referral is before the concern was raised (2026-11-12)."
    with pytest.raises(ValidationError, match="LADO referral is in the future"):
        concerns.follow_up(
            c.id,
            school.head,
            note="Spoke to parents",
            lado_referred_on=later.date() + dt.timedelta(days=1),
            lado_reference="L1",
            now=later,
        )
    assert not ConcernAction.select().exists()
    concerns.follow_up(c.id, school.head, note="Phoned", lado_referred_on=TODAY, lado_reference="L1", now=later)
    assert [a.done_on for a in ConcernAction.select()] == [TODAY]


def test_a_prevent_referral_before_the_concern_was_raised_is_refused(school):
    c = raise_about(school, "pupil", "radicalisation")
    later = NOW + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        concerns.follow_up(
            c.id,
            school.head,
            note="Spoke to parents",
            prevent_referred_on=dt.date(2026, 11, 1),
            prevent_to="Kent Prevent",
            now=later,
        )
    assert str(refused.value) == "The day of the Prevent referral is before the concern was raised (2026-11-12)."
    assert not ConcernAction.select().exists()
    concerns.follow_up(
        c.id,
        school.head,
        note="Spoke to parents",
        prevent_referred_on=TODAY + dt.timedelta(days=1),
        prevent_to="Kent Prevent",
        now=later,
    )
    assert [a.done_on for a in ConcernAction.select()] == [TODAY + dt.timedelta(days=1)]


def test_the_raised_day_is_the_schools_day_not_utcs(school):
    """Raised at 23:30 UTC on 30 June is 00:30 on 1 July in the school's time: a referral on
    30 June is before it."""
    c = raise_about(school, "staff", "other", now=dt.datetime(2026, 6, 30, 23, 30))
    later = dt.datetime(2026, 7, 3, 9, 0)
    with pytest.raises(ValidationError, match=r"before the concern was raised \(2026-07-01\)"):
        concerns.follow_up(
            c.id,
            school.head,
            note="Spoke to parents",
            lado_referred_on=dt.date(2026, 6, 30),
            lado_reference="L1",
            now=later,
        )
    concerns.follow_up(
        c.id, school.head, note="Spoke to parents", lado_referred_on=dt.date(2026, 7, 1), lado_reference="L1", now=later
    )
