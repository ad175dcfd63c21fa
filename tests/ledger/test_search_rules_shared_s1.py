"""A new user's walk of the search form (s1): the search's rules that the ledger refused only at
Confirm are plain functions of the ledger (``search_outcome_problem``, ``vague_problem``), so the
form checks them before the confirm step in the ledger's own words; and grounds or an item sought
too short to mean anything ("x") are refused (DfE "Searching, screening and confiscation", 2022:
the grounds and the item sought are part of the record)."""

from __future__ import annotations

import pytest

from models.custody import ledger as custody
from models.errors import RuleViolation, ValidationError
from models.store.tables import CustodyEvent
from tests.ledger.test_search_walk_h8 import held_for_dsl
from tests.ledger.test_search_when_h3 import at, dev_of


@pytest.fixture
def school(database):
    from tests.school import build

    return build()


WITH_OWNER = custody.Custody()
IN_TRAY = custody.Custody(custody.IN_TRAY, 1, 1)
HELD = custody.Custody(custody.CONFISCATED, 1, 1, custody.HOLD_DSL)

REFUSED = [  # (where the phone is, outcome, found, the field to put right, the refusal's start)
    (WITH_OWNER, "content_deleted", "a nude selfie", "outcome", "Sounds like a nude image"),
    (IN_TRAY, "returned", "Semi-nude image", "outcome", "Sounds like a nude image"),
    (WITH_OWNER, "passed_to_police", "threats", "outcome", "The phone is with its owner: confiscate it first"),
    (HELD, "returned", "a photo", "outcome", "Held for the DSL: it is not returned"),
    (HELD, "pupil_asked_to_delete", "a photo", "outcome", "Held for the DSL: nothing may be deleted"),
    (IN_TRAY, "nothing_found", "a photo", "outcome", 'The outcome is "nothing found"'),
    (IN_TRAY, "kept", None, "found_what", "Say what kind of thing was found"),
]


@pytest.mark.parametrize(("cur", "outcome", "found", "field", "words"), REFUSED)
def test_the_outcome_rules_are_one_function_that_names_the_field(cur, outcome, found, field, words):
    problem = custody.search_outcome_problem(outcome, found, cur)
    assert problem is not None
    where, exc = problem
    assert where == field and str(exc).startswith(words) and "\n" not in str(exc)
    assert isinstance(exc, (RuleViolation, ValidationError))


@pytest.mark.parametrize(
    ("cur", "outcome", "found"),
    [(WITH_OWNER, "nothing_found", None), (IN_TRAY, "passed_to_police", "threats"), (HELD, "kept", "a nude image")],
)
def test_what_the_ledger_allows_the_function_allows(cur, outcome, found):
    assert custody.search_outcome_problem(outcome, found, cur) is None


def search(school, dev, *, grounds="Reported image", item="messages", outcome="nothing_found", found=None):
    return custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Mrs Head",
        item_sought=item,
        location="the office",
        grounds=grounds,
        found_what=found,
        outcome=outcome,
        now=at(11, 0),
    )


def test_the_ledger_refuses_in_the_functions_words(school):
    dev = dev_of(school)  # with its owner
    for outcome, found in (("passed_to_police", "threats"), ("content_deleted", "naked photos")):
        _, expected = custody.search_outcome_problem(outcome, found, WITH_OWNER)
        with pytest.raises(type(expected)) as err:
            search(school, dev, outcome=outcome, found=found)
        assert str(err.value) == str(expected)
    assert not CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).exists()


def test_a_held_phone_is_refused_in_the_functions_words(school):
    dev = held_for_dsl(school)
    _, expected = custody.search_outcome_problem("returned", "a photo", HELD)
    with pytest.raises(RuleViolation) as err:
        custody.record_search(
            dev,
            school.head,
            consent_by="pupil",
            witness="Mr T Okoro",
            item_sought="images",
            location="the office",
            grounds="Reported image",
            found_what="a photo",
            outcome="returned",
            now=at(11, 0),
        )
    assert str(err.value) == str(expected)


@pytest.mark.parametrize("text", ["x", "g2", "ab", "  a b  ", "???", "12345", "--"])
@pytest.mark.parametrize("field", ["grounds", "item_sought"])
def test_grounds_or_item_too_short_to_mean_anything_are_refused(school, text, field):
    dev = dev_of(school)
    words = custody.vague_problem(field, text)
    assert words is not None and "\n" not in words and "too short" in words
    kwargs = {"grounds": text} if field == "grounds" else {"item": text}
    with pytest.raises(ValidationError) as err:
        search(school, dev, **kwargs)
    assert str(err.value) == words
    assert not CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).exists()


@pytest.mark.parametrize("text", ["Reported image", "an image", "fight", "CCTV", "Q&A bot", "abc"])
def test_short_real_words_are_accepted(school, text):
    assert custody.vague_problem("grounds", text) is None and custody.vague_problem("item_sought", text) is None
    assert search(school, dev_of(school), grounds=text, item=text)
