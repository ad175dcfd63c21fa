"""Walk finding (issue 14): a teacher refused an undo was told they "may hand in phones
only for their own class", and the office "may not confiscate a phone", when what they
tried was an undo. The refusal names what was tried."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied
from tests.school import NOW, build


def test_undo_refusals_say_undo(database):
    s = build()
    beech = s.codes["000004"]
    hand_in = custody.hand_in(beech, s.office, now=NOW)
    with pytest.raises(PermissionDenied) as refused:
        custody.reverse(hand_in.event_id, s.oak, reason="Wrong phone", now=NOW + dt.timedelta(minutes=1))
    assert str(refused.value) == "Oak Teacher may undo a hand-in only for their own class, not Beech."

    dev = resolve(s.codes["000001"]).device.id
    taken = custody.confiscate(
        dev, s.deputy, category="behaviour", reason="Used in class", policy="MST 6", now=NOW + dt.timedelta(minutes=2)
    )
    with pytest.raises(PermissionDenied) as refused:
        custody.reverse(taken.id, s.admin, reason="Mistake", now=NOW + dt.timedelta(minutes=3))
    assert str(refused.value) == "Admin (admin) may not undo a confiscation."


def test_every_kind_of_event_has_a_noun_for_its_refusals():
    """A returned visitor's phone crashed the history screen: the undo check named the
    event from a table that lacked 'returned to the visitor'."""
    assert set(custody.EVENT_ACTION) <= set(custody.EVENT_NOUNS)


def test_a_blocked_release_names_the_pupil_and_class_for_the_log(database):
    """New-user walk (issue 14): the release log's row for a confiscated phone had empty
    Pupil and Class columns ("K4714972  BLOCKED: Jacob Hughes:…")."""
    from models.errors import RuleViolation

    s = build()
    code = s.codes["000001"]
    custody.hand_in(code, s.office, now=NOW)
    custody.confiscate(
        resolve(code).device.id, s.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW
    )
    with pytest.raises(RuleViolation) as blocked:
        custody.release(code, s.office, now=NOW + dt.timedelta(hours=6))
    assert (blocked.value.owner, blocked.value.class_name) == ("Ava Patel", "Oak")
