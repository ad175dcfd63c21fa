"""Issue 15 (h3): a search is often written up after it happened. ``record_search`` takes
the time it happened (``searched_at``; None: now), keeps it on the event, and the audit
entry keeps both times: when it was recorded (the entry's own time) and when it happened.

The rules are the ledger's: not in the future; not before the phone's latest event (the
confiscation or hand-in it relates to, when there is one); not before the pupil was on the
roster; and what follows the search (a police hand-over, parents told) is checked against
the time it happened."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import RuleViolation, ValidationError
from models.safeguarding import parents
from models.store.tables import AuditEntry, CustodyEvent
from tests.school import build

# NOW: Thursday 12 November 2026, 08:30 (GMT: local time is UTC); the pupils join the roster then.


def at(hh: int, mm: int, day: int = 12) -> dt.datetime:
    return dt.datetime(2026, 11, day, hh, mm)


@pytest.fixture
def school(database):
    return build()


def dev_of(school, adno="000001") -> int:
    return resolve(school.codes[adno]).device.id


def search(school, dev, *, searched_at, now, outcome="nothing_found", found=None):
    return custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Mrs Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        found_what=found,
        outcome=outcome,
        searched_at=searched_at,
        now=now,
    )


def confiscated(school, when=at(11, 5)) -> int:
    dev = dev_of(school)
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=when)
    return dev


def counts():
    return CustodyEvent.select().count(), AuditEntry.select().count()


def test_a_search_written_up_later_keeps_the_time_it_happened_and_the_audit_keeps_both(school):
    dev = confiscated(school)
    event = search(school, dev, searched_at=at(11, 20), now=at(15, 40))
    assert CustodyEvent.get_by_id(event.id).at == at(11, 20)
    entry = AuditEntry.get(AuditEntry.seq == event.audit_seq)
    assert entry.action == "custody.searched"
    assert entry.at.startswith("2026-11-12T15:40")  # when it was recorded
    details = json.loads(entry.details)
    assert details["searched_at"].startswith("2026-11-12 11:20")  # when it happened
    assert custody.verify_states() == []


def test_no_time_given_is_now(school):
    dev = confiscated(school)
    event = search(school, dev, searched_at=None, now=at(11, 30))
    assert CustodyEvent.get_by_id(event.id).at == at(11, 30)
    assert "searched_at" not in json.loads(AuditEntry.get(AuditEntry.seq == event.audit_seq).details)


def test_a_search_in_the_future_is_refused_and_nothing_is_recorded(school):
    dev = confiscated(school)
    before = counts()
    with pytest.raises(ValidationError) as err:
        search(school, dev, searched_at=at(12, 1), now=at(12, 0))
    assert str(err.value) == "The time of the search is in the future."
    assert counts() == before
    search(school, dev, searched_at=at(12, 0), now=at(12, 0))  # this minute is not the future


def test_a_search_before_the_confiscation_is_refused_in_the_ledgers_words(school):
    dev = confiscated(school, at(11, 5))
    before = counts()
    with pytest.raises(custody.OutOfOrder) as err:
        search(school, dev, searched_at=at(10, 50), now=at(15, 0))
    assert str(err.value) == "That time is before the confiscation at 11:05; enter 11:05 or later."
    assert counts() == before


def test_a_search_with_consent_and_no_confiscation_may_be_back_dated_after_the_hand_in(school):
    dev = dev_of(school)
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    event = search(school, dev, searched_at=at(9, 10), now=at(13, 0))
    assert event.at == at(9, 10) and custody.state_of(dev).state == custody.IN_TRAY
    other = dev_of(school, "000002")
    custody.hand_in(school.codes["000002"], school.office, now=at(8, 40))
    with pytest.raises(custody.OutOfOrder, match="^That time is before the hand-in at 08:40; enter 08:40 or later.$"):
        search(school, other, searched_at=at(8, 39), now=at(13, 5))


def test_a_search_of_a_phone_with_no_events_is_not_before_the_pupil_was_on_the_roster(school):
    dev = dev_of(school, "000002")  # never handed in: with its owner
    before = counts()
    with pytest.raises(RuleViolation) as err:
        search(school, dev, searched_at=at(8, 0, day=11), now=at(13, 0))
    assert str(err.value) == (
        "That time is before Ben Jones was added to the school's records (08:30 on Thu 12 Nov); enter 08:30 or later."
    )
    assert counts() == before
    assert search(school, dev, searched_at=at(8, 30), now=at(13, 0)).at == at(8, 30)


def test_a_police_hand_over_is_checked_against_when_the_search_happened(school):
    dev = confiscated(school)
    search(school, dev, searched_at=at(11, 20), now=at(15, 0), outcome="passed_to_police", found="an image")
    with pytest.raises(custody.OutOfOrder) as err:
        custody.hand_to_police(
            dev, school.head, officer="PC Ng 4521", force_reference="K/1", handed_at=at(11, 15), now=at(15, 5)
        )
    assert str(err.value) == "That time is before the search at 11:20; enter 11:20 or later."
    # after the search happened, though before it was written up: allowed
    ev = custody.hand_to_police(
        dev, school.head, officer="PC Ng 4521", force_reference="K/1", handed_at=at(11, 45), now=at(15, 5)
    )
    assert ev.at == at(11, 45)
    assert custody.verify_states() == []


def test_a_back_dated_search_may_not_go_before_a_later_event(school):
    """The ledger is in time order: a search written up after a hand-over cannot be dated before it."""
    dev = confiscated(school)
    custody.hand_to_police(dev, school.head, officer="PC Ng 4521", force_reference="K/1", now=at(12, 0))
    custody.return_from_police(dev, school.head, officer="PC Ng 4521", reference="K/1", now=at(14, 0))
    with pytest.raises(custody.OutOfOrder, match="before the return from the police at 14:00|before the .* at 14:00"):
        search(school, dev, searched_at=at(11, 30), now=at(15, 0))


def test_parents_may_be_told_after_the_search_happened_though_before_it_was_written_up(school):
    dev = confiscated(school)
    event = search(school, dev, searched_at=at(11, 20), now=at(15, 0))
    with pytest.raises(ValidationError, match="before the search"):
        parents.record_informed(
            school.deputy, told_at=at(11, 10), how="phone", event_id=event.id, parent_name="Mrs Patel", now=at(15, 5)
        )
    parents.record_informed(
        school.deputy, told_at=at(12, 0), how="phone", event_id=event.id, parent_name="Mrs Patel", now=at(15, 5)
    )
