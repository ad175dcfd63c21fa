"""Issue 15 follow-up (g4), item 4, in the domain: the records' check stops soon after it is
asked to (the app is closing), between batches, and a long SQLite statement is interrupted;
a stopped check has no answer, and an interruption is never taken for a damaged file."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from kiosk.actions.records import records_check
from models.audit import chain as audit
from models.audit import integrity
from models.custody import ledger as custody
from models.store import db as store
from models.store.db import stoppable
from models.store.stopping import CheckStopped
from tests.school import NOW, build


@pytest.fixture
def school(database):
    school = build()
    for i in range(1, 3):  # a few hundred entries: several of verify's batches (STOP_EVERY made small)
        code = school.codes[f"00000{i}"]
        for day in range(50):
            custody.hand_in(code, school.office, now=NOW + dt.timedelta(days=day))
            custody.release(code, school.office, now=NOW + dt.timedelta(days=day, hours=7))
    return school


def test_a_check_asked_to_stop_before_it_starts_does_not_run(school):
    stop = threading.Event()
    stop.set()
    with pytest.raises(CheckStopped), stoppable(stop):
        records_check(dt.timezone.utc)


def test_the_check_stops_between_batches_once_asked(school, monkeypatch):
    monkeypatch.setattr(audit, "STOP_EVERY", 50)
    stop = threading.Event()
    walked = []
    apply = integrity.Coverage.apply

    def counting(self, seq, action, rows_text):
        walked.append(seq)
        if len(walked) == 60:
            stop.set()  # the app starts to close, part way through the log
        return apply(self, seq, action, rows_text)

    monkeypatch.setattr(integrity.Coverage, "apply", counting)
    total = audit.head()[0]
    assert total > 2 * audit.STOP_EVERY
    with pytest.raises(CheckStopped), stoppable(stop):
        records_check(dt.timezone.utc)
    assert 60 <= len(walked) <= 60 + audit.STOP_EVERY < total  # stopped at the next look, not at the end
    stop.clear()
    with stoppable(stop):  # not asked to stop: the whole check runs, and passes
        assert records_check(dt.timezone.utc) is True


def test_a_long_sqlite_statement_is_interrupted_and_not_taken_for_damage(database, monkeypatch):
    if not store.is_sqlite():
        pytest.skip("SQLite's progress handler")
    slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c"
    with pytest.raises(CheckStopped), stoppable(stop_soon := threading.Event()):
        stop_soon.set()  # asked as the statement is about to run: the progress handler interrupts it
        store.db.execute_sql(slow).fetchall()
    from models.store import stopping

    monkeypatch.setattr(stopping, "PROGRESS_EVERY", 1)  # SQLite's own check of a small file is over at once
    with pytest.raises(CheckStopped), stoppable(stop_later := threading.Event()):
        stop_later.set()
        store.integrity_problems()
    assert store.damaged() is None
    assert store.db.execute_sql("select 1").fetchall() == [(1,)]  # the connection still works
