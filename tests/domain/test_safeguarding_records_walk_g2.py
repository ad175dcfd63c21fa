"""A user's walk of the safeguarding records (issue 15, g2), in the domain (no UI).

1. Free-text evidence is said in words (models.text.Evidence): "xxxxxxxxxxxx" is not grounds and
   "x" not a place, while a terse genuine entry ("Hall", "vape", "Year 6 classroom") is.
2. A refused consent is recordable (DfE "Searching, screening and confiscation", 2022): "not
   searched", with what was done next; searched all the same only by the headteacher.
3. "Kept by the school for the DSL" is refused on a phone still with its owner, by the shared
   ``search_outcome_problem``, and in the ledger where the phone is at the time of recording; a
   ledger recorded before the rule still replays.
6. A member of staff's device refused a return from (or a hand-over to) the police is told so in
   device words, not a pupil's phone's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.custody import ledger as custody
from models.custody import school_devices
from models.custody.devices import resolve
from models.errors import RuleViolation, ValidationError
from models.school.people import contacts_of
from models.store.tables import CustodyEvent
from models.text import Evidence
from tests.school import NOW, build

T = NOW + dt.timedelta(hours=2)


@pytest.fixture
def school(database):
    return build()


def dev(school, adno="000001") -> int:
    return resolve(school.codes[adno]).device.id


def in_tray(school, adno="000001") -> int:
    custody.hand_in(school.codes[adno], school.office, now=NOW)
    return dev(school, adno)


def search(school, device_id, actor=None, **change):
    fields = dict(
        consent_by="pupil",
        witness="Mrs Witness",
        grounds="Reported image of another pupil",
        item_sought="an image",
        location="the office",
        outcome="nothing_found",
        now=T,
    )
    fields.update(change)
    return custody.record_search(device_id, actor or school.deputy, **fields)


def searches() -> int:
    return CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).count()


# ---------------------------------------------------------------- 1. said in words


@pytest.mark.parametrize("text", ["xxxxxxxxxxxx", "x x x x", "aaaa bbbb", "hahahaha", "asdf", "qwerty", "!!!!", "1234"])
def test_letters_that_are_no_word_are_refused_in_one_line_naming_the_field(text):
    rule = Evidence("grounds", "say in words why the phone was searched", plural=True)
    problem = rule.problem(text)
    assert problem is not None and problem.startswith("The grounds are ") and "\n" not in problem
    with pytest.raises(ValidationError) as err:
        rule.check(text)
    assert str(err.value) == problem


@pytest.mark.parametrize("text", ["Hall", "Office", "vape", "Year 6 classroom", "CCTV", "Gym", "Loo", "IT suite"])
def test_a_terse_genuine_entry_passes(text):
    assert Evidence("item sought").problem(text) is None
    assert custody.vague_problem("location", text) is None


def test_a_place_may_be_one_word_but_not_one_letter():
    assert custody.vague_problem("location", "IT") is None
    assert (
        custody.vague_problem("location", "x")
        == "The place of the search is too short: say where, e.g. Hall or Office."
    )
    assert custody.vague_problem("location", "xxxx").startswith("The place of the search is not words")


@pytest.mark.parametrize(
    ("change", "starts"),
    [
        ({"grounds": "xxxxxxxxxxxx"}, "The grounds are not words"),
        ({"item_sought": "zzzzzz"}, "The item sought is not words"),
        ({"location": "x"}, "The place of the search is too short"),
        ({"location": "....."}, "The place of the search is too short"),
        ({"witness": None, "no_witness_reason": "nnnnn"}, "The reason there was no witness is not words"),
        ({"found_what": "ffff", "outcome": "returned"}, "The kind of thing found is not words"),
        ({"follow_up": "--- ---"}, "The follow-up is too short"),
    ],
)
def test_the_search_record_refuses_them_before_anything_is_written(school, change, starts):
    with pytest.raises(ValidationError) as err:
        search(school, in_tray(school), **change)
    assert str(err.value).startswith(starts) and "\n" not in str(err.value)
    assert searches() == 0


def test_the_search_record_takes_terse_genuine_words(school):
    event = search(school, in_tray(school), grounds="vaping in toilets", item_sought="vape", location="Hall")
    assert (event.grounds, event.item_sought, event.location) == ("vaping in toilets", "vape", "Hall")


# ---------------------------------------------------------------- 2. consent refused


def test_a_refusal_by_the_pupil_is_recorded_as_not_searched_with_what_was_done_next(school):
    d = in_tray(school)
    event = search(school, d, consent_by="refused_pupil", outcome="not_searched", follow_up="Parents phoned to collect")
    line = custody.describe_event(event, reader=school.deputy)
    assert "not searched, consent refused by the pupil" in line
    assert "outcome: not searched (consent refused)" in line and "follow-up: Parents phoned to collect" in line
    assert custody.state_of(d).state == custody.IN_TRAY  # nothing moves
    assert custody.verify_states() == [] and audit.verify().ok


def test_a_refusal_by_a_listed_parent_names_them(school):
    d = in_tray(school)
    mum = contacts_of(resolve(school.codes["000001"]).device.pupil_id)[0]
    with pytest.raises(RuleViolation, match="^Pick the parent or carer who refused from those listed"):
        search(school, d, consent_by="refused_parent", outcome="not_searched", follow_up="DSL told")
    event = search(
        school, d, consent_by="refused_parent", consent_contact_id=mum.id, outcome="not_searched", follow_up="DSL told"
    )
    assert f"not searched, consent refused by {mum.name}" in custody.describe_event(event, reader=school.deputy)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"consent_by": "refused_pupil"}, custody.REFUSED_NOT_SEARCHED),  # searched anyway, by leadership
        ({"consent_by": "refused_pupil", "outcome": "not_searched"}, custody.REFUSED_SAY_NEXT),
        ({"outcome": "not_searched", "follow_up": "Parents told"}, custody.NOT_SEARCHED_IS_FOR_REFUSAL),
        (
            {
                "consent_by": "refused_pupil",
                "outcome": "not_searched",
                "follow_up": "DSL told",
                "found_what": "an image",
            },
            custody.NOTHING_FOUND_UNSEARCHED,
        ),
    ],
)
def test_what_a_refusal_allows_is_refused_otherwise_in_one_line(school, change, words):
    with pytest.raises(ValidationError) as err:
        search(school, in_tray(school), **change)
    assert str(err.value) == words and "\n" not in words and len(words) <= 132  # two lines of the form
    assert searches() == 0


def test_only_the_headteacher_records_a_search_made_though_consent_was_refused(school):
    event = search(school, in_tray(school), school.head, consent_by="refused_pupil", outcome="nothing_found")
    assert "searched without consent, consent refused by the pupil" in custody.describe_event(event, reader=school.head)
    assert custody.consent_problem("refused_pupil", "nothing_found", school.deputy.role_set) is not None
    assert custody.consent_problem("refused_pupil", "nothing_found", school.head.role_set) is None


def test_old_records_with_consent_given_read_as_before(school):
    event = search(school, in_tray(school), consent_by="pupil")
    assert "searched, consent pupil, witness Mrs Witness" in custody.describe_event(event, reader=school.deputy)


# ---------------------------------------------------------------- 3. kept, with its owner


def test_kept_for_the_dsl_is_refused_on_a_phone_with_its_owner_by_the_shared_function(school):
    refused = custody.search_outcome_problem("kept", "an image", custody.Custody())
    assert refused is not None and refused[0] == "outcome"
    assert str(refused[1]).startswith("The phone is with its owner: confiscate it first")
    assert custody.search_outcome_problem("kept", "an image", custody.Custody(custody.IN_TRAY, 1, 1)) is None
    with pytest.raises(RuleViolation) as err:
        search(school, dev(school), found_what="an image", outcome="kept")  # with its owner
    assert str(err.value) == str(refused[1])
    assert searches() == 0


def test_the_ledger_checks_where_the_phone_is_when_it_records_not_before(school):
    d = in_tray(school)
    custody.release(school.codes["000001"], school.office, now=NOW + dt.timedelta(hours=1))  # gone home meanwhile
    with pytest.raises(RuleViolation, match="^The phone is with its owner"):
        search(school, d, found_what="an image", outcome="kept")
    assert searches() == 0


def test_a_ledger_recorded_before_the_rule_still_replays(school):
    """An old record of "kept" on a phone with its owner (the kiosk accepted it then) is history:
    the projection, the replay and the audit chain still agree."""
    d = dev(school)
    with write_tx():
        row = custody._state_row(d)
        custody._append(
            d, custody.SEARCHED, school.deputy, T, row=row, consent_by="pupil", grounds="old", outcome="kept"
        )
    assert custody.verify_states() == [] and audit.verify().ok
    assert custody.state_of(d).state == custody.OUT


# ---------------------------------------------------------------- 6. a member of staff's device


def held_staff_device(school) -> int:
    return school_devices.hold_staff_device(
        school.head, staff_id=school.oak.id, pending="police", reason="KCSIE Part 4", now=NOW
    ).device_id


def test_a_staff_device_not_with_the_police_is_refused_its_return_in_device_words(school):
    device = held_staff_device(school)
    refusals = []
    for then in ("held by the school", "given back"):
        with pytest.raises(RuleViolation) as err:
            school_devices.staff_device_from_police(school.head, device, officer="PC 1", reference="KP/1", now=T)
        refusals.append(str(err.value))
        if then == "held by the school":
            school_devices.return_to_staff(school.head, device, decision="No further action", now=T)
    for words in refusals:
        assert "member of staff's device" in words and "phone" not in words and "pupil" not in words, words
        assert "\n" not in words
    assert refusals[0] != refusals[1]


def test_a_staff_device_given_back_is_refused_a_hand_over_in_device_words(school):
    device = held_staff_device(school)
    school_devices.return_to_staff(school.head, device, decision="No further action", now=T)
    with pytest.raises(RuleViolation) as err:
        school_devices.staff_device_to_police(school.head, device, officer="PC 1", force_reference="KP/1", now=T)
    assert "member of staff's device" in str(err.value) and "phone" not in str(err.value)
