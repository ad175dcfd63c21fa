"""A radicalisation concern's Prevent referral and its outcomes (online safety policy 11.6:
the DSL is told at once and acts in line with the child protection policy; the Prevent
duty): recorded as the LADO referral of an allegation is, a dated, signed ConcernAction."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.errors import RuleViolation, ValidationError
from models.safeguarding import concerns
from models.store.tables import AuditEntry, Concern, ConcernAction, Pupil
from tests.school import NOW, build

TODAY = NOW.date()


@pytest.fixture
def school(database):
    return build()


def raised(school, category: str = "radicalisation", now: dt.datetime = NOW) -> Concern:
    pupil = Pupil.get(Pupil.admission_no == "000001").id
    return concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil, what="Shared extremist videos", category=category, now=now
    )


def test_the_dsl_records_a_prevent_referral_day_to_whom_and_reference(school):
    c = raised(school, now=NOW - dt.timedelta(days=2))  # a referral is never before the concern (issue 15)
    concerns.follow_up(
        c.id,
        school.head,
        note="Spoke to the Prevent lead",
        prevent_referred_on=TODAY - dt.timedelta(days=1),
        prevent_to="Kent Prevent team",
        prevent_reference="PRV/26/7",
        now=NOW,
    )
    [row] = concerns.actions_of(c.id)
    assert (row.kind, row.done_on, row.note, row.reference, row.recorded_by_id) == (
        concerns.PREVENT,
        TODAY - dt.timedelta(days=1),
        "Kent Prevent team",
        "PRV/26/7",
        school.head.id,
    )
    history = concerns.concern_history(c.id, school.head)
    assert any(
        "referred to Prevent on 2026-11-11 (to Kent Prevent team), reference PRV/26/7 (recorded by Head)" in line
        for line in history
    ), history
    [entry] = AuditEntry.select().where(AuditEntry.action == "concern.follow_up")
    details = json.loads(entry.details)
    assert details["prevent"] is True and "Kent" not in entry.details and "PRV" not in entry.details


def test_a_prevent_referral_needs_a_day_and_to_whom_and_is_for_radicalisation_only(school):
    c = raised(school)
    with pytest.raises(ValidationError, match="to whom"):
        concerns.follow_up(c.id, school.head, note="Spoke to parents", prevent_referred_on=TODAY, now=NOW)
    with pytest.raises(ValidationError, match="day of the Prevent referral"):
        concerns.follow_up(c.id, school.head, note="Spoke to parents", prevent_to="Kent Prevent team", now=NOW)
    with pytest.raises(ValidationError, match="future"):
        concerns.follow_up(
            c.id,
            school.head,
            note="Spoke to parents",
            prevent_referred_on=TODAY + dt.timedelta(days=1),
            prevent_to="P",
            now=NOW,
        )
    with pytest.raises(ValidationError, match="day of the Prevent referral"):
        concerns.follow_up(c.id, school.head, note="Spoke to parents", actions=[concerns.PREVENT], now=NOW)
    other = raised(school, "bullying")
    with pytest.raises(ValidationError, match="Only a radicalisation concern is referred to Prevent"):
        concerns.follow_up(
            other.id, school.head, note="Spoke to parents", prevent_referred_on=TODAY, prevent_to="P", now=NOW
        )
    assert not ConcernAction.select().exists()


def test_closing_as_referred_to_prevent_or_channel_needs_the_referral_recorded(school):
    c = raised(school)
    for outcome in ("prevent", "channel"):
        with pytest.raises(RuleViolation, match="Record the referral to Prevent"):
            concerns.follow_up(c.id, school.head, note="Done", close=True, outcome=outcome, now=NOW)
    concerns.follow_up(c.id, school.head, note="Referred", prevent_referred_on=TODAY, prevent_to="Kent Prevent team")
    closed = concerns.follow_up(c.id, school.head, note="Panel met", close=True, outcome="Taken to a Channel panel")
    assert closed.status == concerns.CLOSED and concerns.concern_outcome(closed) == "channel"
    assert concerns.OUTCOMES["prevent"] == "Referred to Prevent"
    # advice taken, nothing further: no referral needed
    d = raised(school)
    done = concerns.follow_up(
        d.id,
        school.head,
        note="Advice from the Prevent lead: no referral",
        actions=[concerns.ESS_ADVICE],
        close=True,
        outcome="prevent_advice",
        now=NOW,
    )
    assert concerns.concern_outcome(done) == "prevent_advice"
    assert concerns.OUTCOMES["prevent_advice"] == "No further action after Prevent advice"


def test_the_prevent_outcomes_are_offered_and_accepted_for_radicalisation_only(school):
    other = raised(school, "bullying")
    assert not set(concerns.outcomes_for(other)) & {"Referred to Prevent", "Taken to a Channel panel"}
    assert "Referred to Prevent" in concerns.outcomes_for(raised(school))
    with pytest.raises(ValidationError, match="radicalisation"):
        concerns.follow_up(
            other.id, school.head, note="Spoke to parents", close=True, outcome="prevent_advice", now=NOW
        )
    assert Concern.get_by_id(other.id).status == concerns.OPEN
