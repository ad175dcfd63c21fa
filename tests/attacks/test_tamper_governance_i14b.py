"""An insider edits the records the policies ask for in writing (issue 15) with ``sqlite3`` or
``psql``: a relationship's advice softened or its end put back, a review note or an
acknowledgement inserted, a policy's review date pushed on. ``kiosk audit verify`` names
the table and the row, and exits non-zero."""

from __future__ import annotations

import datetime as dt

import pytest

from models.governance import policies, relationships
from models.store.db import close_db
from models.store.tables import Pupil
from tests.attacks.test_tamper import episode, later, verify  # noqa: F401  (fixtures)


@pytest.fixture
def records(episode):  # noqa: F811
    school = episode["school"]
    now = later(10)
    today = now.date()
    rel = relationships.record(
        school.head,
        staff_id=school.oak.id,
        pupil_id=Pupil.get(Pupil.admission_no == "000002").id,
        nature="neighbour",
        described="lives next door",
        dsl_advice="No lifts to school; no contact on social media.",
        discussed_on=today,
        review_on=today + dt.timedelta(days=60),
        now=now,
    )
    review = relationships.review(
        rel.id, school.head, note="Still fine.", next_review_on=today + dt.timedelta(days=90), now=now
    )
    policy = policies.add_policy(
        school.head,
        key="online-safety",
        name="Online safety policy",
        version="2026-09",
        approved_on=dt.date(2026, 9, 1),
        next_review_on=dt.date(2027, 9, 1),
        now=now,
    )
    ack = policies.acknowledge(school.oak, "online-safety", staff_id=school.oak.id, how="kiosk", now=now)
    close_db()
    return {
        **episode,
        "rel": rel.id,
        "review": relationships.reviews_of(review)[0].id,
        "policy": policy.id,
        "ack": ack.id,
    }


def test_untouched_records_verify(records, verify):  # noqa: F811
    code, text = verify(records["url"])
    assert code == 0, text


def test_a_relationships_advice_softened_is_caught(records, verify):  # noqa: F811
    records["insider"](f"UPDATE staff_relationship SET dsl_advice = 'None needed.' WHERE id = {records['rel']}")
    code, text = verify(records["url"])
    assert code != 0
    assert f"Table staff_relationship: staff relationship {records['rel']} was edited outside the kiosk" in text


def test_a_relationship_deleted_with_its_review_is_caught(records, verify):  # noqa: F811
    records["insider"](
        f"DELETE FROM relationship_review WHERE id = {records['review']}",
        f"DELETE FROM staff_relationship WHERE id = {records['rel']}",
    )
    code, text = verify(records["url"])
    assert code != 0
    assert (
        f"Table staff_relationship: staff relationship {records['rel']} is missing: deleted outside the kiosk" in text
    )
    assert f"Table relationship_review: relationship review {records['review']} is missing" in text


def test_a_review_note_edited_is_caught(records, verify):  # noqa: F811
    records["insider"](f"UPDATE relationship_review SET note = 'Ended.' WHERE id = {records['review']}")
    code, text = verify(records["url"])
    assert code != 0
    assert f"Table relationship_review: relationship review {records['review']} was edited outside the kiosk" in text


def test_a_policy_review_date_pushed_on_is_caught(records, verify):  # noqa: F811
    records["insider"](f"UPDATE school_policy SET next_review_on = '2029-09-01' WHERE id = {records['policy']}")
    code, text = verify(records["url"])
    assert code != 0
    assert f"Table school_policy: school policy {records['policy']} was edited outside the kiosk" in text


def test_an_acknowledgement_inserted_or_redated_is_caught(records, verify):  # noqa: F811
    school = records["school"]
    records["insider"](
        f"UPDATE policy_acknowledgement SET acknowledged_on = '2027-01-01' WHERE id = {records['ack']}",
        "INSERT INTO policy_acknowledgement (id, staff_id, policy_id, version, acknowledged_on, how, recorded_by_id, "
        f"recorded_at) VALUES (900, {school.deputy.id}, {records['policy']}, '2026-09', '2026-11-12', 'paper', "
        f"{school.office.id}, '2026-11-12 09:00:00')",
    )
    code, text = verify(records["url"])
    assert code != 0
    assert f"Table policy_acknowledgement: policy acknowledgement {records['ack']} was edited outside the kiosk" in text
    assert (
        "Table policy_acknowledgement: policy acknowledgement 900 has no audit entry: inserted outside the kiosk"
        in text
    )
