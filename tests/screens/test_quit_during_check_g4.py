"""Issue 15 follow-up (g4), item 4, with real keys: Ctrl+Q while the app's records' check is
running (its thread worker, at start) closes the app without waiting for the check to end: the
check stops at its next look at the stop flag, and gives no answer. No sleeps: the check is
held on its first entry until the app asks it to stop (bounded), then counted."""

from __future__ import annotations

import threading

from models.audit import chain as audit
from models.audit import integrity
from tests.pilot import make_app, until


async def test_quitting_stops_a_records_check_in_progress(school, monkeypatch):
    started = threading.Event()
    walked: list[int] = []
    apply = integrity.Coverage.apply
    app = make_app(records_check=True)

    def a_long_check(self, seq, action, rows_text):
        walked.append(seq)
        if len(walked) == 1:
            started.set()
            app._stop_background.wait(60)  # a long check: still on its first batch when Ctrl+Q comes
        return apply(self, seq, action, rows_text)

    monkeypatch.setattr(integrity.Coverage, "apply", a_long_check)
    monkeypatch.setattr(audit, "STOP_EVERY", 1)
    total = audit.head()[0]
    assert total > 3
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, started.is_set, what="the records' check to start")
        await pilot.press("ctrl+q")
    assert app.return_code in (0, None)
    assert len(walked) <= 2 < total  # it stopped there: it did not walk the rest of the log
    assert app.records_checked_at is None and app.records_failed_at is None  # no answer, not a failure
