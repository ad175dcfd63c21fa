"""Nothing is deleted from a phone confiscated for suspected nude images, whatever the DSL
decided, nor from a phone the police have been called about (online safety 11.1.1; UKCIS;
DfE 2022: data is never deleted from a device going to the police).

A tester walking issue 15 recorded, after the DSL's "return to parents allowed" and a 999
call, a search with outcome "pupil asked to delete": it was accepted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import custody as custody_actions
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import RuleViolation
from models.safeguarding import parents
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import CustodyEvent, Pupil
from tests.school import NOW, build


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Des Lead", [auth.DSL], "271845", now=NOW)  # type: ignore[attr-defined]
    return s


def dev_of(school, adm="000001") -> int:
    return resolve(school.codes[adm]).device.id


def search(dev, who, at, outcome, found="a photo of a fight"):
    return custody.record_search(
        dev,
        who,
        now=at,
        consent_by="pupil",
        witness="Mrs Witness",
        grounds="Reported image",
        item_sought="an image",
        location="the office",
        found_what=found,
        outcome=outcome,
    )


@pytest.mark.parametrize("outcome", sorted(custody.DELETING))
def test_after_return_to_parents_allowed_nothing_is_deleted(school, outcome):
    dev = dev_of(school)
    custody.confiscate(dev, school.oak, category=custody.NUDE_IMAGES, reason="reported", policy="OS 11.1", now=NOW)
    custody.record_dsl_decision(dev, school.dsl, decision="return_to_parents", note="spoke to parents", now=later(1))
    with pytest.raises(RuleViolation) as err:
        search(dev, school.deputy, later(2), outcome)
    line = str(err.value)
    assert "\n" not in line and "deleted" in line
    assert "Held for the DSL" not in line  # the DSL has decided: it is no longer held for the DSL
    assert [e.kind for e in CustodyEvent.select()] == [custody.CONFISCATED_EV, custody.DSL_DECISION]
    # what was not deleting is still accepted
    search(dev, school.deputy, later(3), "kept")


def test_the_testers_walk_police_call_then_pupil_asked_to_delete(school):
    dev = dev_of(school)
    custody.confiscate(dev, school.oak, category=custody.NUDE_IMAGES, reason="reported", policy="OS 11.1", now=NOW)
    custody.record_dsl_decision(dev, school.dsl, decision="return_to_parents", note="spoke", now=later(1))
    parents.record_police_contact(
        school.dsl, line="999", reference="KP-1", called_at=later(2), device_id=dev, now=later(2)
    )
    with pytest.raises(RuleViolation, match="deleted"):
        search(dev, school.deputy, later(3), "pupil_asked_to_delete")


@pytest.mark.parametrize("outcome", sorted(custody.DELETING))
def test_a_police_contact_alone_refuses_a_deleting_outcome(school, outcome):
    dev = dev_of(school)  # behaviour, not nude images: but the police were called about it
    custody.confiscate(dev, school.oak, category="bullying", reason="messages", policy="M6", now=NOW)
    parents.record_police_contact(
        school.deputy, line="101", reference="KP-2", called_at=later(1), device_id=dev, now=later(1)
    )
    with pytest.raises(RuleViolation) as err:
        search(dev, school.deputy, later(2), outcome)
    line = str(err.value)
    assert "police" in line and "\n" not in line and "Held for the DSL" not in line
    search(dev, school.deputy, later(3), "kept")


def test_a_police_call_about_an_earlier_incident_does_not_bind_a_later_one(school):
    dev = dev_of(school)
    custody.confiscate(dev, school.oak, category="bullying", reason="messages", policy="M6", now=NOW)
    parents.record_police_contact(
        school.deputy, line="101", reference="KP-3", called_at=later(1), device_id=dev, now=later(1)
    )
    listed = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    custody.release_to_contact(dev, school.office, contact_id=listed.id, id_seen=True, now=later(2))
    custody.confiscate(dev, school.oak, category="behaviour", reason="used in class", policy="M6", now=later(60))
    search(dev, school.deputy, later(61), "pupil_asked_to_delete")  # a new incident: allowed


def test_without_a_hold_or_a_call_pupil_asked_to_delete_is_accepted(school):
    dev = dev_of(school)
    custody.confiscate(dev, school.oak, category="bullying", reason="messages", policy="M6", now=NOW)
    search(dev, school.deputy, later(1), "pupil_asked_to_delete")


def test_the_search_form_is_told_before_its_confirm_step(school):
    dev = dev_of(school)
    custody.confiscate(dev, school.oak, category="bullying", reason="messages", policy="M6", now=NOW)
    parents.record_police_contact(
        school.deputy, line="101", reference="KP-4", called_at=later(1), device_id=dev, now=later(1)
    )
    view = custody_actions.load_phone(SignedIn.of(school.deputy), device_id=dev)
    assert view.police_contacted
    where = custody.Custody(view.state, hold=view.hold)
    refused = custody.search_outcome_problem("pupil_asked_to_delete", "a photo", where, police_contacted=True)
    assert refused is not None and refused[0] == "outcome" and "police" in str(refused[1])
