"""WAL checkpoints off the scan path: the terminal app defers them to a background
thread, so no scan's commit pays for copying the log back into the database."""

from __future__ import annotations

import threading
import time

from models.custody import ledger as custody
from models.store.db import checkpoint, commits, db, defer_checkpoints, is_sqlite
from tests.school import NOW, build


def test_deferred_checkpoints_leave_the_log_to_the_background_checkpoint(sqlite_db):
    school = build()
    assert defer_checkpoints() is True
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    before = commits()
    for adno in ("000001", "000002", "000003"):
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    assert commits() == before + 3  # what tells the checkpoint loop there is work
    busy, frames, done = checkpoint()
    assert busy == 0 and frames > 0 and done == frames  # everything copied back, by us
    assert checkpoint()[0] == 0  # again: nothing new, nothing busy
    assert custody.state_of(custody.resolve(school.codes["000001"]).device.id).state == custody.IN_TRAY


async def test_the_app_runs_the_checkpoint_loop_and_stops_it_on_exit(school):
    from tests.pilot import make_app

    before = set(threading.enumerate())
    app = make_app(print_worker=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        loops = [w for w in app.workers if w.group == "checkpoint"]
        if is_sqlite():
            assert loops
            assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        else:  # PostgreSQL has no write-ahead log of ours to tend
            assert not loops
    # asyncio's idle executor threads are the test loop's, not the app's.
    started = [t for t in threading.enumerate() if t not in before and not t.name.startswith("asyncio_")]
    deadline = time.monotonic() + 10
    for thread in started:  # wait on each thread's own end, bounded
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    left = [t for t in started if t.is_alive()]
    assert not left, f"still running after the app quit: {left}"
