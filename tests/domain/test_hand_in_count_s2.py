"""The hand-in screen's class count is honest (a new-user walk): "hand in anyway" for a
pupil with an agreed exception showed "Oak 26/25", the screen adding one to the phones
handed in but not to the pupils expected. The figures now come only from the domain
(``actions.custody.hand_in_progress`` over ``reports.class_progress``), which counts each
pupil once, in both numerator and denominator; never more handed in than expected."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions.custody import hand_in_progress
from models.custody import ledger as custody
from models.custody.codes import make_code
from models.custody.devices import register_pupil_device
from models.policy import agreed
from models.school.people import contacts_of
from models.store.tables import Pupil
from tests.school import NOW, build

TODAY = NOW.date()


@pytest.fixture
def school(database):
    return build()


def exception_for(school, adno: str) -> None:
    p = Pupil.get(Pupil.admission_no == adno)
    start = TODAY - dt.timedelta(days=1)
    exc = agreed.record(
        school.head,
        subject_kind="pupil",
        pupil_id=p.id,
        kind="medical_monitoring",
        medical_category="monitoring_device",
        allowed="Keeps her phone to read her sensor app.",
        where="In her bag on silent",
        sanction="Phone handed in for the day.",
        agreed_with_contact_id=contacts_of(p.id)[0].id,
        agreed_on=start,
        starts_on=start,
        review_on=TODAY + dt.timedelta(days=30),
        ends_on=TODAY + dt.timedelta(days=60),
        now=dt.datetime.combine(start, dt.time(9)),
    )
    agreed.mark_signed_copy(exc.id, school.office, now=dt.datetime.combine(start, dt.time(10)))


def counts() -> dict[str, tuple[int, int]]:
    return {c.class_name: (c.done, c.expected) for c in hand_in_progress(NOW)}


def test_hand_in_anyway_counts_in_both_figures(school):
    exception_for(school, "000001")
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    custody.hand_in(school.codes["000003"], school.office, now=NOW)
    assert counts()["Oak"] == (2, 2)  # Ava keeps her phone: not expected
    assert custody.hand_in(school.codes["000001"], school.office, now=NOW).outcome == "EXCEPTION"
    assert counts()["Oak"] == (2, 2)  # the scan alone records nothing
    assert custody.hand_in(school.codes["000001"], school.office, now=NOW, despite_exception=True).outcome == "OK"
    assert counts()["Oak"] == (3, 3)  # handed in anyway: counted in both, never 3/2


def test_a_second_phone_of_one_pupil_counts_once(school):
    second = register_pupil_device("000002", actor="test", code=make_code("K", 987650), now=NOW).code
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    assert custody.hand_in(second, school.office, now=NOW).outcome == "OK"
    assert counts()["Oak"] == (1, 3)  # pupils, not phones


def test_never_more_handed_in_than_expected(school):
    exception_for(school, "000001")
    for adno in ("000001", "000002", "000003", "000004"):
        custody.hand_in(school.codes[adno], school.office, now=NOW, despite_exception=True)
    for done, expected in counts().values():
        assert 0 <= done <= expected
