"""The print outbox: printing never blocks a visit and never loses or repeats a job.

A job is the rendered ESC/POS bytes of one document, written to ``PrintJob`` by
:func:`enqueue` inside the caller's transaction (the visit and its slip commit
together, or neither does). A sender, :func:`send_pending` (called by the app's print
worker, ``kiosk.print_worker``, and by the CLI, which give it the transport), delivers
due jobs with a short timeout:

1. **claim**: in its own transaction the job goes ``pending -> sending`` (a
   conditional update, so two terminals never claim the same job), ``attempts`` + 1;
2. **send** the bytes (the ``send`` it was given, in practice ``printing.send``, at
   most ``timeout`` seconds, no database lock held);
3. **record**: ``sending -> sent``; or, on a PrintError, back to ``pending`` with
   ``next_attempt_at`` pushed back (5 s, 10 s, 20 s … capped at 5 minutes) and the
   error kept for the office. After a failure the rest of that round waits too: the
   printer is offline, and jobs stay in order.

A ``sent`` job is never sent again; a reprint is a *new* job (:func:`reprint`),
audited.

**The in-doubt rule (a crash mid-send).** If the process dies between the claim and
the record, the job is left in ``sending`` and nobody knows whether the paper came
out. Such a job (claimed more than :data:`CLAIM_LEASE` ago, longer than any send can
take) becomes ``in_doubt`` and is *not* sent again automatically: at most once, so
no slip ever prints twice. The office sees it in :func:`printer_status` and the job
list, and reprints it if the paper did not come out. A visit never depends on its
slip: it is committed before any printing starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import utcnow
from models.errors import NotFound, RuleViolation
from models.store.tables import PrintJob


class PrintStatus(StrEnum):
    """Where a print job is (stored as the text value)."""

    PENDING = "pending"
    SENDING = "sending"  # handed to the printer; not yet known to have printed
    SENT = "sent"
    IN_DOUBT = "in_doubt"  # the send was cut off: it may or may not have printed
    CANCELLED = "cancelled"


PENDING, SENDING, SENT, IN_DOUBT, CANCELLED = (
    PrintStatus.PENDING,
    PrintStatus.SENDING,
    PrintStatus.SENT,
    PrintStatus.IN_DOUBT,
    PrintStatus.CANCELLED,
)
STATUS_WORDS: dict[str, str] = {
    PENDING: "waiting",
    SENDING: "printing",
    SENT: "printed",
    IN_DOUBT: "in doubt",
    CANCELLED: "cancelled",
}
KINDS = ("slip", "labels", "roll_call", "test", "other")
BACKOFF_BASE = dt.timedelta(seconds=5)
BACKOFF_CAP = dt.timedelta(minutes=5)
CLAIM_LEASE = dt.timedelta(seconds=120)
DEFAULT_TIMEOUT_S = 3.0
MAX_PER_ROUND = 20


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failed tries: 5 s, 10 s, 20 s … 5 min."""
    n = max(attempts, 1) - 1
    if n >= 10:
        return BACKOFF_CAP
    return min(BACKOFF_BASE * (2**n), BACKOFF_CAP)


def enqueue(
    data: bytes,
    *,
    kind: str,
    printer_url: str,
    ref: str = "",
    title: str = "",
    actor: object = None,
    now: dt.datetime | None = None,
    reprint_of: int | None = None,
) -> PrintJob:
    """Add a job; call inside the transaction of the record it prints (it joins it)."""
    now = now or utcnow()
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValueError("a print job needs the rendered bytes")
    if kind not in KINDS:
        raise ValueError(f"unknown print job kind {kind!r}")
    with write_tx():
        job = PrintJob.create(
            kind=kind,
            ref=ref[:40],
            title=title[:200],
            printer_url=printer_url,
            data=bytes(data),
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            reprint_of=reprint_of,
        )
        details = {"kind": kind, "ref": ref[:40], "bytes": len(data)}
        if reprint_of is not None:
            details["reprint_of"] = reprint_of
        audit.append(actor, "print.enqueue", "print_job", job.id, details, now)
    return job


# ---------------------------------------------------------------- sending


@dataclass
class SendReport:
    sent: list[int]
    failed: list[int]
    in_doubt: list[int]
    error: str | None = None  # the printer's error this round, if any

    @property
    def ok(self) -> bool:
        return not self.failed


def recover_in_doubt(now: dt.datetime | None = None) -> list[int]:
    """Jobs left ``sending`` longer than the lease (a crash mid-send) become ``in_doubt``."""
    now = now or utcnow()
    stale = [
        j.id
        for j in PrintJob.select(PrintJob.id).where(
            (PrintJob.status == SENDING) & (PrintJob.claimed_at < now - CLAIM_LEASE)
        )
    ]
    marked = []
    for job_id in stale:
        with write_tx():
            n = PrintJob.update(status=IN_DOUBT).where((PrintJob.id == job_id) & (PrintJob.status == SENDING)).execute()
            if n:
                audit.append(None, "print.in_doubt", "print_job", job_id, {}, now)
                marked.append(job_id)
    return marked


def _claim(job_id: int, now: dt.datetime) -> bool:
    with write_tx():
        n = (
            PrintJob.update(status=SENDING, claimed_at=now, attempts=PrintJob.attempts + 1)
            .where((PrintJob.id == job_id) & (PrintJob.status == PENDING))
            .execute()
        )
        if n:
            audit.append(None, "print.claim", "print_job", job_id, {}, now)
        return bool(n)


def _done(job_id: int, now: dt.datetime) -> None:
    with write_tx():
        PrintJob.update(status=SENT, sent_at=now, last_error=None).where(
            (PrintJob.id == job_id) & (PrintJob.status == SENDING)
        ).execute()
        audit.append(None, "print.sent", "print_job", job_id, {}, now)


def _failed(job_id: int, reason: str, message: str, now: dt.datetime) -> None:
    with write_tx():
        job = PrintJob.get_by_id(job_id)
        PrintJob.update(
            status=PENDING,
            next_attempt_at=now + backoff(job.attempts),
            last_failed_at=now,
            last_error=message[:300],
        ).where((PrintJob.id == job_id) & (PrintJob.status == SENDING)).execute()
        audit.append(None, "print.failed", "print_job", job_id, {"reason": reason, "attempt": job.attempts}, now)


def due_jobs(printer_url: str | None, now: dt.datetime, limit: int = MAX_PER_ROUND) -> list[PrintJob]:
    query = PrintJob.select(PrintJob.id, PrintJob.printer_url).where(
        (PrintJob.status == PENDING) & (PrintJob.next_attempt_at <= now)
    )
    if printer_url is not None:
        query = query.where(PrintJob.printer_url == printer_url)
    return list(query.order_by(PrintJob.id).limit(limit))


def send_pending(
    send: Callable[[Any, bytes, float], None],
    printer_spec,
    now: dt.datetime | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    limit: int = MAX_PER_ROUND,
) -> SendReport:
    """Send the due jobs for ``printer_spec`` (a PrinterSpec, its URL or a config dict).

    ``send(spec, data, timeout)`` is the transport, given by the caller (the app, the CLI:
    ``printing.send``; a test: anything): the domain keeps the jobs' states and the audit
    trail, and does no I/O of its own. A :class:`printing.PrintError` from it is a failed
    attempt. ``now`` decides which jobs are due; ``clock`` (default: ``now`` throughout)
    stamps the outcome of each send. Returns which jobs went, failed or were found in doubt.
    """
    from printing import PrintError, PrinterSpec  # noqa: PLC0415 - keep models light

    spec = _spec(printer_spec, PrinterSpec)
    now = now or utcnow()
    stamp = clock or (lambda: now)
    report = SendReport([], [], recover_in_doubt(now))
    for row in due_jobs(spec.to_url(), now, limit):
        if not _claim(row.id, stamp()):
            continue  # another terminal took it
        job = PrintJob.get_by_id(row.id)
        try:
            send(spec, bytes(job.data), timeout)
        except PrintError as exc:
            _failed(job.id, exc.reason, str(exc), stamp())
            report.failed.append(job.id)
            report.error = str(exc)
            break  # the printer is offline: the rest wait their turn
        _done(job.id, stamp())
        report.sent.append(job.id)
    return report


def _spec(printer_spec, cls):
    if isinstance(printer_spec, cls):
        return printer_spec
    if isinstance(printer_spec, str):
        return cls.from_url(printer_spec)
    return cls.from_config(printer_spec)


def printer_url_of(printer_config) -> str:
    """The canonical URL a job for this printer is stored under."""
    from printing import PrinterSpec  # noqa: PLC0415

    return _spec(printer_config, PrinterSpec).to_url()


# ---------------------------------------------------------------- office actions


def reprint(
    job_id: int, *, actor: object = None, now: dt.datetime | None = None, printer_url: str | None = None
) -> PrintJob:
    """A new job with the same bytes (e.g. an in-doubt slip that did not come out)."""
    now = now or utcnow()
    _require_print(actor)
    with write_tx():
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if job is None:
            raise NotFound(f"There is no print job {job_id}.")
        return enqueue(
            bytes(job.data),
            kind=job.kind,
            printer_url=printer_url or job.printer_url,
            ref=job.ref,
            title=job.title,
            actor=actor,
            now=now,
            reprint_of=job.id,
        )


def retry_now(job_id: int | None = None, *, actor: object = None, now: dt.datetime | None = None) -> int:
    """Make waiting jobs (or one job) due at once instead of after their back-off."""
    now = now or utcnow()
    _require_print(actor)
    with write_tx():
        query = PrintJob.update(next_attempt_at=now).where(PrintJob.status == PENDING)
        if job_id is not None:
            job = PrintJob.get_or_none(PrintJob.id == job_id)
            if job is None:
                raise NotFound(f"There is no print job {job_id}.")
            if job.status != PENDING:
                raise RuleViolation(
                    f"Print job {job_id} is {STATUS_WORDS[job.status]}: only a waiting job can be retried (reprint it instead)."
                )
            query = query.where(PrintJob.id == job_id)
        n = query.execute()
        audit.append(actor, "print.retry", "print_job", job_id if job_id is not None else "*", {"jobs": n}, now)
    return n


def cancel(job_id: int, *, actor: object = None, now: dt.datetime | None = None) -> None:
    """Stop a waiting or in-doubt job from ever printing."""
    now = now or utcnow()
    _require_print(actor)
    with write_tx():
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if job is None:
            raise NotFound(f"There is no print job {job_id}.")
        if job.status not in (PENDING, IN_DOUBT):
            raise RuleViolation(f"Print job {job_id} is {STATUS_WORDS[job.status]}: it cannot be cancelled.")
        PrintJob.update(status=CANCELLED).where(PrintJob.id == job_id).execute()
        audit.append(actor, "print.cancel", "print_job", job_id, {"was": job.status}, now)


def _require_print(actor: object) -> None:
    from models.staff.auth import require  # noqa: PLC0415
    from models.store.tables import Staff  # noqa: PLC0415

    if isinstance(actor, Staff):
        require(actor, "print")


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    ref: str
    title: str
    status: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime
    last_error: str | None
    printer_url: str


def jobs(*, status: str | None = None, limit: int = 50) -> list[JobRow]:
    """The newest jobs first (without their bytes), for the office's print queue."""
    fields = [
        PrintJob.id,
        PrintJob.kind,
        PrintJob.ref,
        PrintJob.title,
        PrintJob.status,
        PrintJob.attempts,
        PrintJob.created_at,
        PrintJob.sent_at,
        PrintJob.next_attempt_at,
        PrintJob.last_error,
        PrintJob.printer_url,
    ]
    query = PrintJob.select(*fields)
    if status is not None:
        query = query.where(PrintJob.status == status)
    return [
        JobRow(
            j.id,
            j.kind,
            j.ref,
            j.title,
            j.status,
            j.attempts,
            j.created_at,
            j.sent_at,
            j.next_attempt_at,
            j.last_error,
            j.printer_url,
        )
        for j in query.order_by(PrintJob.id.desc()).limit(limit)
    ]


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None  # None: nothing printed or tried yet, and not probed
    last_error: str | None
    last_error_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    waiting: int
    in_doubt: int

    def line(self) -> str:
        """One line for the office's status bar."""
        if self.online is False:
            text = f"Printer offline: {self.last_error}" if self.last_error else "Printer offline."
        elif self.online is None:
            text = "Printer: nothing printed yet."
        else:
            text = "Printer online."
        if self.waiting:
            text += f" {self.waiting} job{'s' if self.waiting != 1 else ''} waiting."
        if self.in_doubt:
            text += f" {self.in_doubt} in doubt: check the paper and reprint if needed."
        return text


def printer_status(
    printer_spec=None, *, probe: Callable[[Any, float], bool] | None = None, timeout: float = 0.5
) -> PrinterStatus:
    """Online or offline, with the last error, from the outbox's own record of sends.

    The latest outcome decides: a failure newer than the last success means offline.
    With ``probe`` (``printing.is_online``, given by the caller) and a spec, the printer
    is also asked directly.
    """
    url = printer_url_of(printer_spec) if printer_spec is not None else None

    def scoped(query):
        return query.where(PrintJob.printer_url == url) if url is not None else query

    last_sent = (
        scoped(PrintJob.select(PrintJob.sent_at).where(PrintJob.sent_at.is_null(False)))
        .order_by(PrintJob.sent_at.desc())
        .first()
    )
    last_fail = (
        scoped(
            PrintJob.select(PrintJob.last_failed_at, PrintJob.last_error).where(PrintJob.last_failed_at.is_null(False))
        )
        .order_by(PrintJob.last_failed_at.desc())
        .first()
    )
    waiting = scoped(PrintJob.select().where(PrintJob.status.in_([PENDING, SENDING]))).count()
    doubt = scoped(PrintJob.select().where(PrintJob.status == IN_DOUBT)).count()
    sent_at = last_sent.sent_at if last_sent else None
    fail_at = last_fail.last_failed_at if last_fail else None
    if fail_at is not None and (sent_at is None or fail_at >= sent_at):
        online: bool | None = False
    elif sent_at is not None:
        online = True
    else:
        online = None
    if probe is not None and printer_spec is not None:
        from printing import PrinterSpec  # noqa: PLC0415

        online = probe(_spec(printer_spec, PrinterSpec), timeout)
    return PrinterStatus(
        online=online,
        last_error=last_fail.last_error if last_fail and online is False else None,
        last_error_at=fail_at if online is False else None,
        last_sent_at=sent_at,
        waiting=waiting,
        in_doubt=doubt,
    )
