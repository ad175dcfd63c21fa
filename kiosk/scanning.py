"""The scan loop behind the hand-in and release screens and the class checklist.

Codes go into a queue in the order they were scanned; one thread worker takes them in
that order and commits them, and only then posts their results. So every code
becomes exactly one result, in order, and the screen never shows "handed in" for
something not yet durable.

Group commit: when codes arrive faster than one commit (a scanner in continuous mode,
a teacher emptying a class box), the worker takes every code already waiting, up to
:data:`BATCH`, and runs them in one transaction, each inside its own savepoint. A
refused scan rolls back only its savepoint; the batch then commits with one sync to
disk, and one :class:`ScansProcessed` message carries all its results. At a human
pace a batch is a single scan. If the commit itself fails (disk full, read-only),
every scan of the batch is reported as not saved: nothing is shown as handed in.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message
from textual.message_pump import MessagePump

from kiosk.workers import CALM, run_guarded
from models.custody.codes import printable
from models.errors import KioskError, ScanOutcome, StorageError

log = logging.getLogger("kiosk")


@dataclass(frozen=True)
class ScanResult:
    seq: int
    text: str  # what was scanned, made safe to show
    outcome: ScanOutcome
    code: str
    owner: str
    class_name: str
    slot: str
    message: str
    event_id: int | None
    device_id: int | None
    ms: float
    overflow: bool = False  # no slot was free: ``slot`` is the configured overflow place


BATCH = 64


class ScansProcessed(Message):
    """The results of one committed batch, in scan order."""

    def __init__(self, results: list[ScanResult]) -> None:
        super().__init__()
        self.results = results


class ScanPipeline:
    """One ordered lane from the scan field to the database and back."""

    def __init__(
        self,
        node: MessagePump,
        operation: Callable,
        staff_id: int,
        clock,
        submitted: Callable[[], object] | None = None,
    ) -> None:
        self.node = node
        self.operation = operation
        self.staff_id = staff_id
        self.clock = clock
        self.submitted = submitted  # called (on the UI thread) after each code is queued
        self.queue: queue.Queue = queue.Queue()
        self.seq = 0

    def start(self) -> None:
        self.node.run_worker(self._loop, thread=True, exit_on_error=False, group="scanner", name="scanner")

    def submit(self, text: str, **options) -> int:
        """Queue one code; ``options`` go to the operation (e.g. ``despite_exception``)."""
        self.seq += 1
        self.queue.put((self.seq, text, time.perf_counter(), options))
        if self.submitted is not None:
            self.submitted()  # e.g. "· 1 saving…": a scan is never silently on its way
        return self.seq

    def stop(self) -> None:
        self.queue.put(None)

    def _take_batch(self, first) -> tuple[list, bool]:
        """``first`` and every item already waiting (up to BATCH); True if the lane was stopped."""
        batch = [first]
        while len(batch) < BATCH:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit(self, batch: list, staff) -> list[tuple]:
        """Run the batch in one transaction; each scan's (value, error, exc) in order."""
        from models.audit.tx import write_tx

        outcomes: list[tuple] = []

        def body() -> None:
            outcomes.clear()
            with write_tx():
                for _seq, text, _started, options in batch:
                    try:
                        outcomes.append((self.operation(text, staff, now=self.clock.now(), **options), None, None))
                    except KioskError as exc:
                        outcomes.append((None, str(exc), exc))
                    except StorageError:
                        raise  # the transaction itself is broken: the whole batch fails
                    except Exception as exc:  # noqa: BLE001 - its savepoint is rolled back; logged
                        log.exception("unexpected error while scanning")
                        outcomes.append((None, CALM, exc))

        _, error, exc = run_guarded(body)
        if error is not None:
            return [(None, error, exc)] * len(batch)
        return outcomes

    def _loop(self) -> None:
        from textual.worker import get_current_worker

        from models.store.db import db
        from models.store.tables import Staff

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
                batch, stopped = self._take_batch(item)
                outcomes = self._commit(batch, staff)
                done = time.perf_counter()
                results = []
                for (seq, text, started, _options), (value, error, exc) in zip(batch, outcomes, strict=True):
                    ms = (done - started) * 1000
                    shown = printable(text.strip())
                    if error is None:
                        results.append(
                            ScanResult(
                                seq,
                                shown,
                                value.outcome,
                                value.code,
                                value.owner,
                                value.class_name,
                                value.slot,
                                value.message,
                                value.event_id,
                                value.device_id,
                                ms,
                                getattr(value, "overflow", False),
                            )
                        )
                    else:
                        outcome = getattr(exc, "outcome", ScanOutcome.BLOCKED)
                        results.append(
                            ScanResult(
                                seq,
                                shown,
                                outcome,
                                printable(text.strip().upper()),
                                getattr(exc, "owner", ""),  # a blocked phone: whose, and their class
                                getattr(exc, "class_name", ""),
                                "",
                                error,
                                None,
                                getattr(exc, "device_id", None),
                                ms,
                            )
                        )
                self.node.post_message(ScansProcessed(results))
                if stopped:
                    return
        finally:
            if not db.is_closed():
                db.close()
