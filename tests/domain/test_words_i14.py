"""Issue 14, item 14: the words a newcomer reads."""

from __future__ import annotations

import datetime as dt

from kiosk.actions.access import not_allowed
from kiosk.session import SignedIn
from models.staff import auth


def test_a_name_that_says_its_role_is_not_given_a_second_pair():
    patel = SignedIn(1, "office", "Mrs J Patel (office)", frozenset({auth.OFFICE}))
    assert not_allowed(patel, "record_exception") == "Mrs J Patel (office) may not record exceptions."
    head = SignedIn(2, "head", "Mr A Head", frozenset({auth.HEADTEACHER, auth.DSL}))
    assert not_allowed(head, "manage_staff") == "Mr A Head (headteacher, DSL) may not manage staff."


def test_a_new_exception_is_not_review_due_on_the_day_it_is_made(school):
    """Its review date within 14 days made it "review due" the moment it was recorded."""
    import datetime as dt

    from kiosk.actions import agreed
    from models.policy import agreed as ex
    from models.school.people import contacts_of
    from models.store.tables import Pupil
    from tests.school import NOW

    today = NOW.date()

    def record(adno: str, review_in: int, made_ago: int):
        p = Pupil.get(Pupil.admission_no == adno)
        return ex.record(
            school.head,
            subject_kind="pupil",
            kind="medical_monitoring",
            medical_category="monitoring_device",
            allowed="Read the glucose monitor app",
            where="Medical room",
            agreed_on=today - dt.timedelta(days=made_ago),
            starts_on=today - dt.timedelta(days=made_ago),
            review_on=today + dt.timedelta(days=review_in),
            ends_on=today + dt.timedelta(days=60),
            pupil_id=p.id,
            sanction="Exception withdrawn",
            agreed_with_contact_id=contacts_of(p.id)[0].id,
            now=NOW - dt.timedelta(days=made_ago),
        )

    new = record("000001", review_in=7, made_ago=0)
    older = record("000002", review_in=7, made_ago=10)
    today_review = ex.record(
        school.head,
        subject_kind="visitor",
        kind="emergency_use",
        allowed="Take calls",
        where="Reception only",
        agreed_on=today,
        starts_on=today,
        review_on=today,
        ends_on=today + dt.timedelta(days=5),
        visitor_name="Grace Hopper",
        now=NOW,
    )
    rows = {r.id: r for r in agreed.load_exceptions(SignedIn.of(school.head), NOW)}
    assert rows[new.id].due is False and "review due" not in rows[new.id].status_text
    assert rows[older.id].due is True and rows[older.id].status_text.endswith("review due")
    assert rows[today_review.id].due is True  # the head set the review for today itself


def test_the_review_dialog_says_was_due_only_for_a_date_in_the_past():
    import dataclasses

    from kiosk.actions.agreed import ExceptionRow, review_summary

    fields = {f.name: "" for f in dataclasses.fields(ExceptionRow)}
    row = ExceptionRow(**{**fields, "kind_text": "Medical", "ends_on": "2027-07-20", "review_on": "2026-12-18"})
    assert review_summary(row, dt.date(2026, 12, 13)) == "Medical, until 2027-07-20; next review 2026-12-18."
    assert review_summary(row, dt.date(2026, 12, 18)) == "Medical, until 2027-07-20; review is due today."
    assert review_summary(row, dt.date(2026, 12, 19)) == "Medical, until 2027-07-20; review was due 2026-12-18."
