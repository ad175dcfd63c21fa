"""An audit entry's ``at`` never goes back along the chain: a caller's clock read before it
waited for the write lock (a screen's worker, a read across the trust) is recorded no
earlier than the entry before it."""

from __future__ import annotations

import datetime as dt

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.store.tables import AuditEntry
from tests.conftest import NOW


def test_at_is_monotonic_with_seq_within_a_site(sqlite_db):
    later, earlier = NOW + dt.timedelta(seconds=5), NOW + dt.timedelta(seconds=2)
    with write_tx():
        audit.append(None, "test.first", "test", 1, {}, later)
    with write_tx():
        audit.append(None, "test.second", "test", 2, {}, earlier)  # its clock read before it waited
    ats = [dt.datetime.fromisoformat(e.at) for e in AuditEntry.select().order_by(AuditEntry.seq)]
    assert ats == sorted(ats)
    assert audit.verify().ok
