"""The app's print worker: sends the print outbox in a thread, so no screen waits on a printer.

The outbox itself (``models.outbox``) keeps the jobs' states and their audit trail and
does no I/O; this worker gives it the transport (``printing.send``) and the rhythm.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from models import outbox
from models.clock import utcnow
from models.outbox import SendReport


class OutboxWorker:
    """A daemon thread that calls :func:`models.outbox.send_pending` now and then (no Textual).

    ``notify()`` after committing a job wakes it at once; otherwise it looks every
    ``interval`` seconds (a failed job waits for its back-off). ``on_round`` (if
    given) receives each :class:`SendReport`, from the worker's thread. The worker
    uses its own database connection (peewee's connections are per thread).
    """

    def __init__(
        self,
        printer_spec,
        *,
        now: Callable[[], dt.datetime] = utcnow,
        interval: float = 2.0,
        timeout: float = outbox.DEFAULT_TIMEOUT_S,
        on_round: Callable[[SendReport], None] | None = None,
        send: Callable[[Any, bytes, float], None] | None = None,
    ) -> None:
        from printing import send as printing_send

        self.send = send or printing_send  # the transport: python-escpos, a socket, a file
        self.printer_spec = printer_spec
        self._now = now
        self.interval = interval
        self.timeout = timeout
        self.on_round = on_round
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SendReport | None = None
        self.last_exception: BaseException | None = None

    def start(self) -> OutboxWorker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="print-outbox", daemon=True)
            self._thread.start()
        return self

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """The loop itself, for a caller that owns the thread (the app's thread worker)."""
        self._run()

    def _run(self) -> None:
        from models.store.db import db

        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    report = outbox.send_pending(
                        self.send, self.printer_spec, self._now(), self.timeout, clock=self._now
                    )
                    self.last_report = report
                    if self.on_round is not None:
                        self.on_round(report)
                except Exception as exc:  # noqa: BLE001 - a worker must outlive a bad round
                    self.last_exception = exc
                self._wake.wait(self.interval)
        finally:
            if db.obj is not None and not db.obj.is_closed():
                db.obj.close()  # this thread's connection only
