"""Issue 15 follow-up (g4), item 3, in the domain: which custody events no longer match the
audit chain (someone with the database file edited the event, or its audit entry), judged
by the records' check's own tests (models.audit.chain.altered_rows), and agreeing with it."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.db import db
from models.store.tables import CustodyEvent
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build()


def _events(school):
    """Ava's phone handed in, released, handed in again; Ben's handed in."""
    ava, ben = school.codes["000001"], school.codes["000002"]
    custody.hand_in(ava, school.office, now=NOW)
    custody.release(ava, school.office, now=NOW + dt.timedelta(hours=7))
    custody.hand_in(ava, school.office, now=NOW + dt.timedelta(days=1))
    custody.hand_in(ben, school.office, now=NOW)
    return resolve(ava).device.id, resolve(ben).device.id


def _sql(text: str) -> None:
    db.obj.execute_sql(text)


def test_genuine_events_are_not_marked(school):
    ava, ben = _events(school)
    assert custody.altered_events(custody.history(ava)) == {}
    assert custody.altered_events(custody.history(ben)) == {}
    assert audit.verify().ok


def test_an_event_edited_in_the_file_is_marked_and_the_others_are_not(school):
    ava, _ = _events(school)
    first, released, again = (e.id for e in custody.history(ava))
    _sql(f"update custody_event set slot_no = 7 where id = {released}")  # noqa: S608
    assert custody.altered_events(custody.history(ava)) == {
        released: f"{custody.ALTERED} ({audit.ROW_ALTERED})",
    }
    report = audit.verify()
    assert not report.ok and any(f"custody event {released} was edited" in p for p in report.problems)


def test_an_event_whose_audit_entry_was_edited_is_marked(school):
    ava, ben = _events(school)
    ben_event = custody.history(ben)[0]
    _sql(f"update audit_entry set actor = 'someone else' where seq = {ben_event.audit_seq}")  # noqa: S608
    assert custody.altered_events(custody.history(ben)) == {ben_event.id: f"{custody.ALTERED} ({audit.ENTRY_ALTERED})"}
    assert custody.altered_events(custody.history(ava)) == {}
    report = audit.verify()
    assert report.first_bad_seq == ben_event.audit_seq


def test_an_event_pointed_at_another_entry_or_with_its_entry_removed_is_marked(school):
    ava, ben = _events(school)
    ava_first = custody.history(ava)[0]
    ben_event = custody.history(ben)[0]
    _sql(f"update custody_event set audit_seq = 1 where id = {ava_first.id}")  # noqa: S608
    assert custody.altered_events(custody.history(ava)) == {ava_first.id: f"{custody.ALTERED} ({audit.NOT_BOUND})"}
    newest = CustodyEvent.select().order_by(CustodyEvent.id.desc()).get()
    _sql(f"delete from audit_entry where seq = {ben_event.audit_seq}")  # noqa: S608
    marks = custody.altered_events(custody.history(ben))
    assert marks == {ben_event.id: f"{custody.ALTERED} ({audit.ENTRY_MISSING})"}
    assert newest.id == ben_event.id
    assert not audit.verify().ok
