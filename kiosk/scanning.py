"""The scan loop behind the hand-in and release screens.

Codes go into a queue in the order they were scanned; one thread worker takes them in
that order, commits each one (its event and audit entry in one transaction), and only
then posts a :class:`ScanProcessed` message. So every code becomes exactly one result,
in order, and the screen never shows "handed in" for something not yet durable.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message
from textual.message_pump import MessagePump

from kiosk.work import run_guarded
from models.codes import printable


@dataclass(frozen=True)
class ScanResult:
    seq: int
    text: str  # what was scanned, made safe to show
    outcome: str  # OK | DUPLICATE | UNKNOWN | INVALID | REVOKED | BLOCKED
    code: str
    owner: str
    class_name: str
    slot: str
    message: str
    event_id: int | None
    device_id: int | None
    ms: float


class ScanProcessed(Message):
    def __init__(self, result: ScanResult) -> None:
        super().__init__()
        self.result = result


class ScanPipeline:
    """One ordered lane from the scan field to the database and back."""

    def __init__(self, node: MessagePump, operation: Callable, staff_id: int, clock) -> None:
        self.node = node
        self.operation = operation
        self.staff_id = staff_id
        self.clock = clock
        self.queue: queue.Queue = queue.Queue()
        self.seq = 0

    def start(self) -> None:
        self.node.run_worker(self._loop, thread=True, exit_on_error=False, group="scanner", name="scanner")

    def submit(self, text: str) -> int:
        self.seq += 1
        self.queue.put((self.seq, text, time.perf_counter()))
        return self.seq

    def stop(self) -> None:
        self.queue.put(None)

    def _loop(self) -> None:
        from textual.worker import get_current_worker

        from models.db import db
        from models.tables import Staff

        worker = get_current_worker()
        staff = Staff.get_by_id(self.staff_id)
        try:
            while True:
                try:
                    item = self.queue.get(timeout=0.2)
                except queue.Empty:
                    if worker.is_cancelled or not self.node.is_running:
                        return  # the screen or the app has gone
                    continue
                if item is None:
                    return
                seq, text, started = item
                value, error, exc = run_guarded(self.operation, text, staff, now=self.clock.now())
                ms = (time.perf_counter() - started) * 1000
                if error is None:
                    result = ScanResult(seq, printable(text.strip()), value.outcome, value.code, value.owner,
                                        value.class_name, value.slot, value.message, value.event_id, value.device_id, ms)
                else:
                    outcome = getattr(exc, "outcome", "BLOCKED")
                    result = ScanResult(seq, printable(text.strip()), outcome, printable(text.strip().upper()),
                                        "", "", "", error, None, getattr(exc, "device_id", None), ms)
                self.node.post_message(ScanProcessed(result))
        finally:
            if not db.is_closed():
                db.close()
