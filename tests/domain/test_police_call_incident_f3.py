"""A call to the police is about the incident, not about the latest thing done to the phone:
it is not dated before the phone came into the school's hands for it (the confiscation, or
the hand-in it is held from; a phone searched straight from its owner: the search), but it
may be before a later search. A call at 11:30 about a phone confiscated at 11:05 and searched
at 12:10 was refused as "before the search it is about" (walk, f3)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import ValidationError
from models.safeguarding import parents
from models.store.tables import PoliceContact
from tests.school import build


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime(2026, 11, 12, hh, mm)


def _search(school, dev, when):
    return custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Mrs Head", item_sought="messages",
        location="the office", grounds="Reported image", found_what=None, outcome="nothing_found",
        searched_at=when, now=at(15, 0),
    )  # fmt: skip


def _call(school, dev, when):
    return parents.record_police_contact(
        school.deputy, device_id=dev, line="101", reference="R1", called_at=when, now=at(15, 30)
    )


@pytest.fixture
def school(database):
    return build()


def test_a_call_after_the_confiscation_and_before_the_later_search_is_recorded(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=at(11, 5))
    _search(school, dev, at(12, 10))
    assert parents.police_call_about(dev) == (at(11, 5), "confiscation")
    with pytest.raises(ValidationError, match=r"^The time of the call is before the confiscation it is about"):
        _call(school, dev, at(11, 0))
    assert PoliceContact.select().count() == 0
    assert _call(school, dev, at(11, 30)).called_at == at(11, 30)


def test_a_call_about_a_phone_searched_from_the_tray_goes_back_to_its_hand_in(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    _search(school, dev, at(11, 20))
    assert parents.police_call_about(dev) == (at(8, 35), "hand-in")
    with pytest.raises(ValidationError, match="before the hand-in it is about"):
        _call(school, dev, at(8, 30))
    assert _call(school, dev, at(9, 0)).called_at == at(9, 0)


def test_a_call_about_a_phone_searched_straight_from_its_owner_goes_back_to_the_search(school):
    dev = resolve(school.codes["000002"]).device.id  # never handed in
    _search(school, dev, at(11, 20))
    assert parents.police_call_about(dev) == (at(11, 20), "search")
    with pytest.raises(ValidationError, match="before the search it is about"):
        _call(school, dev, at(11, 0))
