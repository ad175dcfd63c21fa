"""A phone held for the DSL (suspected nude or semi-nude images): the DSL decides on the
police and the parents, and nobody else searches it (online safety 11.1.1; UKCIS).

A new-user walk found that a deputy (leadership, not the DSL) could hand such a phone to
the police and record a search before the DSL's decision, and a teacher could record that
the parents were told, with no warning.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import custody as custody_actions
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied
from models.safeguarding import parents
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import CustodyEvent, ParentsInformed, Pupil
from tests.school import NOW, build


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Des Lead", [auth.DSL], "271845", now=NOW)  # type: ignore[attr-defined]
    return s


def held(school, who=None) -> tuple[int, CustodyEvent]:
    dev = resolve(school.codes["000001"]).device.id
    event = custody.confiscate(
        dev, who or school.oak, category=custody.NUDE_IMAGES, reason="reported image", policy="OS 11.1", now=NOW
    )
    return dev, event


SEARCH = dict(
    consent_by="pupil",
    witness="Mrs Witness",
    grounds="Reported image",
    item_sought="an image",
    location="the office",
    outcome="nothing_found",
)


def search(dev, who, at):
    return custody.record_search(dev, who, now=at, **SEARCH)


def police(dev, who, at):
    return custody.hand_to_police(dev, who, officer="PC 1", force_reference="KP/1", now=at)


def tell(event, who, at):
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    return parents.record_informed(who, told_at=at, how="phone", event_id=event.id, contact_id=mum.id, now=at)


def test_a_deputy_may_not_hand_it_to_the_police_nor_search_it_before_the_dsl_decides(school):
    dev, _ = held(school)
    with pytest.raises(PermissionDenied) as err:
        police(dev, school.deputy, later(1))
    line = str(err.value)
    assert line.startswith("Held for the DSL: the DSL decides") and "\n" not in line and line.endswith(".")
    with pytest.raises(PermissionDenied, match="^Held for the DSL: the DSL decides"):
        search(dev, school.deputy, later(2))
    assert [e.kind for e in CustodyEvent.select()] == [custody.CONFISCATED_EV]


def test_a_teacher_may_not_record_parents_told_before_the_dsl_decides(school):
    dev, event = held(school)  # recorded by Oak's teacher, who may read its details
    with pytest.raises(PermissionDenied, match="^Held for the DSL: the DSL decides"):
        tell(event, school.oak, later(1))
    with pytest.raises(PermissionDenied, match="^Held for the DSL: the DSL decides"):
        tell(event, school.deputy, later(1))
    assert ParentsInformed.select().count() == 0


@pytest.mark.parametrize("who", ["dsl", "head"])
def test_the_dsl_or_the_head_may(school, who):
    dev, event = held(school)
    actor = getattr(school, who)
    tell(event, actor, later(1))
    if auth.may(actor, "search"):  # a search is leadership's and the head's: not the DSL's alone
        search(dev, actor, later(2))
    police(dev, actor, later(3))
    assert custody.state_of(dev).state == custody.POLICE


def test_once_the_dsl_decided_the_others_may_again(school):
    dev, event = held(school)
    custody.record_dsl_decision(dev, school.dsl, decision="return_to_parents", note="spoke to parents", now=later(1))
    tell(event, school.oak, later(2))
    search(dev, school.deputy, later(3))
    police(dev, school.deputy, later(4))


def test_kept_for_the_police_the_deputy_hands_it_over_but_neither_searches_nor_tells(school):
    dev, event = held(school)
    custody.record_dsl_decision(dev, school.dsl, decision="keep_for_police", note="referred", now=later(1))
    with pytest.raises(PermissionDenied, match="the DSL decides"):
        search(dev, school.deputy, later(2))
    with pytest.raises(PermissionDenied, match="the DSL decides"):
        tell(event, school.oak, later(2))
    police(dev, school.deputy, later(3))  # the DSL's decision, carried out


def test_the_history_screen_is_told_the_same_line(school):
    dev, _ = held(school)
    deputy = SignedIn.of(school.deputy)
    view = custody_actions.load_phone(deputy, device_id=dev, now=later(1))
    assert view.refusals["police"].startswith("Held for the DSL: the DSL decides")
    assert view.refusals["search"].startswith("Held for the DSL: the DSL decides")
    oak = custody_actions.load_phone(SignedIn.of(school.oak), device_id=dev, now=later(1))
    assert oak.refusals["parents"].startswith("Held for the DSL: the DSL decides")
    head = custody_actions.load_phone(SignedIn.of(school.head), device_id=dev, now=later(1))
    assert not {"police", "search", "parents"} & set(head.refusals)
