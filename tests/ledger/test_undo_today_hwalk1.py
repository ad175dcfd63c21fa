"""Office staff and teachers undo only what was recorded today (the school's local day).

A new-user walk found that a teacher could undo a release recorded days before by someone
else: the ledger then said the phone had been in the tray ever since, and the day's
"handed in" figures and the governors' report counted a hand-in that never happened. An
older event is a correction of history: leadership or the headteacher, with a reason,
audited.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied
from models.store.tables import AuditEntry, CustodyEvent
from tests.school import NOW, build

DAY = dt.timedelta(days=1)


@pytest.fixture
def school(database):
    return build(now=NOW - 5 * DAY)


def device_of(school, adno):
    return resolve(school.codes[adno]).device.id


def released_three_days_ago(school):
    """Ben's phone handed in and released (by the office) on Monday; today is Thursday."""
    code = school.codes["000002"]
    custody.hand_in(code, school.office, now=NOW - 3 * DAY)
    return custody.release(code, school.office, now=NOW - 3 * DAY + dt.timedelta(hours=7))


@pytest.mark.parametrize("who", ["oak", "office"])
def test_a_teacher_or_the_office_may_not_undo_an_older_release(school, who):
    rel = released_three_days_ago(school)
    actor = getattr(school, who)
    with pytest.raises(PermissionDenied) as err:
        custody.reverse(rel.event_id, actor, reason="wrong phone", now=NOW)
    line = str(err.value)
    assert "\n" not in line and line.endswith(".")
    assert line == (
        "This release to the pupil was recorded on Mon 9 Nov, not today: only leadership or the headteacher "
        "may undo it now (a correction of history, with its reason)."
    )
    assert custody.state_of(rel.device_id).state == custody.OUT  # nothing written
    with pytest.raises(PermissionDenied):
        custody.check_undo(actor, CustodyEvent.get_by_id(rel.event_id), now=NOW)


def test_even_the_recorder_may_not_undo_their_own_older_action(school):
    rel = released_three_days_ago(school)
    with pytest.raises(PermissionDenied, match="not today"):
        custody.reverse(rel.event_id, school.office, reason="my mistake", now=NOW)


@pytest.mark.parametrize("who", ["deputy", "head"])
def test_leadership_or_the_head_correct_history_with_a_reason_audited(school, who):
    rel = released_three_days_ago(school)
    rev = custody.reverse(rel.event_id, getattr(school, who), reason="it stayed in the tray", now=NOW)
    assert custody.state_of(rel.device_id).state == custody.IN_TRAY
    assert rev.note == "it stayed in the tray"
    entry = AuditEntry.select().where(AuditEntry.action == "custody.reversal").order_by(AuditEntry.seq.desc()).first()
    assert json.loads(entry.details)["correction"] is True
    assert audit.verify().ok


def test_todays_mistakes_are_still_put_right_by_the_office_and_teachers(school):
    code = school.codes["000002"]
    out = custody.hand_in(code, school.office, now=NOW)
    rel = custody.release(code, school.oak, now=NOW + dt.timedelta(hours=6))
    custody.reverse(rel.event_id, school.office, reason="wrong phone", now=NOW + dt.timedelta(hours=6, minutes=1))
    entry = AuditEntry.select().where(AuditEntry.action == "custody.reversal").order_by(AuditEntry.seq.desc()).first()
    assert "correction" not in json.loads(entry.details)
    assert custody.state_of(out.device_id).state == custody.IN_TRAY


def test_the_day_is_the_schools_local_day(school):
    """In summer (BST) 23:10 UTC is ten past midnight the next day at the school."""
    code = school.codes["000002"]
    june = dt.datetime(2027, 6, 1, 22, 50)  # 23:50 on 1 June, local
    out = custody.hand_in(code, school.office, now=june)
    with pytest.raises(PermissionDenied, match="recorded on Tue 1 Jun, not today"):
        custody.reverse(out.event_id, school.office, reason="late", now=june + dt.timedelta(minutes=20))
    rel = custody.release(code, school.office, now=june + dt.timedelta(minutes=20))  # 00:10 on 2 June, local
    custody.reverse(rel.event_id, school.office, reason="wrong phone", now=dt.datetime(2027, 6, 2, 8, 0))


def test_a_teacher_is_refused_even_where_seniority_would_allow(school):
    """The day rule comes before the seniority rule: an equal may not undo an old hand-in either."""
    code = school.codes["000002"]
    out = custody.hand_in(code, school.office, now=NOW - DAY)
    with pytest.raises(PermissionDenied, match="not today: only leadership or the headteacher"):
        custody.reverse(out.event_id, school.oak, reason="wrong phone", now=NOW)
    # the day's figures are untouched: the hand-in still stands
    assert custody.state_of(out.device_id).state == custody.IN_TRAY
