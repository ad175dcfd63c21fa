"""The audit chain names the first entry that was edited, removed or reordered."""

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.store.db import db
from models.store.tables import AuditEntry, AuditHead
from tests.school import NOW, build


@pytest.fixture
def chain(database):
    school = build()
    for code in school.codes.values():
        custody.hand_in(code, school.office, now=NOW)
    report = audit.verify()
    assert report.ok, report.problems
    return report.entries


def test_intact_chain_verifies(chain):
    assert chain == AuditEntry.select().count() > 10


def test_edited_entry_is_named(chain):
    AuditEntry.update(details='{"event_id":999}').where(AuditEntry.seq == 7).execute()
    report = audit.verify()
    assert not report.ok and report.first_bad_seq == 7
    assert report.problems[0] == "Entry 7 was edited: its content no longer matches its hash."


def test_edited_actor_is_named(chain):
    AuditEntry.update(actor="staff:99").where(AuditEntry.seq == 3).execute()
    assert audit.verify().first_bad_seq == 3


def test_removed_entry_is_named(chain):
    AuditEntry.delete().where(AuditEntry.seq == 5).execute()
    report = audit.verify()
    assert report.first_bad_seq == 5
    assert "Entry 5 is missing" in report.problems[0]


def test_reordered_entries_are_named(chain):
    # Swap the contents of entries 4 and 5 (keeping their seq numbers).
    e4, e5 = AuditEntry.get_by_id(4), AuditEntry.get_by_id(5)
    fields = ("at", "actor", "action", "entity", "entity_id", "details", "prev_hash", "hash")
    with db.atomic():
        AuditEntry.update({getattr(AuditEntry, f): getattr(e5, f) for f in fields}).where(AuditEntry.seq == 4).execute()
        AuditEntry.update({getattr(AuditEntry, f): getattr(e4, f) for f in fields}).where(AuditEntry.seq == 5).execute()
    report = audit.verify()
    assert report.first_bad_seq == 4
    assert "entries were removed or reordered" in report.problems[0]


def test_truncated_tail_is_reported(chain):
    AuditEntry.delete().where(AuditEntry.seq > chain - 3).execute()
    report = audit.verify()
    assert not report.ok
    assert f"The log is cut short: entries {chain - 2}–{chain} are missing from the end." in report.problems


def test_truncated_tail_with_head_rewritten_is_still_reported(chain):
    AuditEntry.delete().where(AuditEntry.seq > chain - 3).execute()
    last = AuditEntry.get_by_id(chain - 3)
    AuditHead.update(seq=last.seq, hash=last.hash).execute()
    report = audit.verify()
    assert not report.ok
    assert any("refers to entry" in p and "the log was cut short" in p for p in report.problems)


def test_entries_hold_ids_not_names(chain):
    for e in AuditEntry.select():
        assert "Patel" not in e.details and "Ava" not in e.details
