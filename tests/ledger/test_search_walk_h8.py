"""A walk (h8) of issue 15's search record: what a search may say happened next, against
where the phone is and what the search found (online safety 11.1.1; UKCIS 2024; DfE
"Searching, screening and confiscation", 2022: data is never deleted from a device that may
go to the police, and the school holds a phone it passes to them)."""

from __future__ import annotations

import pytest

from models.custody import ledger as custody
from models.errors import RuleViolation
from models.store.tables import CustodyEvent
from tests.ledger.test_search_when_h3 import at, dev_of, search


@pytest.fixture
def school(database):
    from tests.school import build

    return build()


def held_for_dsl(school) -> int:
    dev = dev_of(school)
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    custody.confiscate(
        dev,
        school.office,
        category=custody.NUDE_IMAGES,
        reason="Pupil reported an image",
        policy="OS 11.1.1",
        now=at(10, 0),
    )
    return dev


def test_a_phone_held_for_the_dsl_is_not_returned_as_it_was_by_a_search(school):
    dev = held_for_dsl(school)
    before = CustodyEvent.select().count()
    with pytest.raises(RuleViolation, match="Held for the DSL"):
        custody.record_search(
            dev,
            school.head,  # the DSL: the one who may search a phone held for the DSL
            consent_by="pupil",
            witness="Mr T Okoro",
            item_sought="images",
            location="the office",
            grounds="Reported image",
            found_what="a photo",
            outcome="returned",
            now=at(11, 0),
        )
    assert CustodyEvent.select().count() == before


@pytest.mark.parametrize("found", ["a nude selfie", "Semi-nude image", "naked photos", "indecent image of a pupil"])
@pytest.mark.parametrize("outcome", ["content_deleted", "pupil_asked_to_delete", "returned"])
def test_a_search_that_found_a_nude_image_neither_deletes_nor_returns_it(school, found, outcome):
    dev = dev_of(school)  # with its owner: not confiscated, not held
    with pytest.raises(RuleViolation, match="confiscate it for the DSL") as err:
        search(school, dev, searched_at=None, now=at(11, 0), outcome=outcome, found=found)
    assert "\n" not in str(err.value)
    assert not CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).exists()


def test_a_phone_with_its_owner_is_not_passed_to_the_police_by_a_search(school):
    dev = dev_of(school)
    with pytest.raises(RuleViolation, match="confiscate it first"):
        search(school, dev, searched_at=None, now=at(11, 0), outcome="passed_to_police", found="threats")
    custody.hand_in(school.codes["000001"], school.office, now=at(11, 5))
    assert search(school, dev, searched_at=None, now=at(11, 10), outcome="passed_to_police", found="threats")
