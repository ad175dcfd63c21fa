"""An event edited outside the kiosk (marked ALTERED: its row or its audit entry no longer
matches the audit chain) is never undone (findings after issue 15): undoing it would write
a reversal on top of a record nobody can vouch for. The refusal is one plain line."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import RuleViolation
from models.store.db import db
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build()


def test_an_altered_latest_event_is_not_undone_and_a_genuine_one_is(school):
    ava, ben = school.codes["000001"], school.codes["000002"]
    custody.hand_in(ava, school.office, now=NOW)
    custody.hand_in(ben, school.office, now=NOW)
    (altered,) = custody.history(resolve(ava).device.id)
    db.obj.execute_sql(f"update audit_entry set actor = 'staff:99' where seq = {altered.audit_seq}")  # noqa: S608
    later = NOW + dt.timedelta(minutes=5)
    with pytest.raises(RuleViolation) as refused:
        custody.check_undo(school.office, altered, now=later)
    assert "\n" not in str(refused.value) and "edited outside the kiosk" in str(refused.value)
    with pytest.raises(RuleViolation):
        custody.reverse(altered.id, school.office, reason="wrong phone", now=later)
    assert [e.kind for e in custody.history(resolve(ava).device.id)] == [custody.HANDED_IN]  # nothing written
    (genuine,) = custody.history(resolve(ben).device.id)
    custody.reverse(genuine.id, school.office, reason="wrong phone", now=later)
