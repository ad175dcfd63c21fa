"""The print outbox against real (loopback) printers that misbehave.

A printer that refuses the connection, never answers, or drops it mid-job leaves the
job in the outbox; when the printer comes back the job is sent exactly once. Waiting
is bounded by socket timeouts and threading.Event, never sleep().
"""

from __future__ import annotations

import datetime as dt
import socket
import struct
import threading

import pytest

import printing
from kiosk.print_worker import OutboxWorker
from models import outbox
from models.audit import chain as audit
from models.audit.tx import write_tx
from models.config import Settings
from models.errors import NotFound, RuleViolation
from models.policy.rules import load_rules
from models.store.tables import AuditEntry, PrintJob, Visit
from models.visitors import visits as visitors
from tests.conftest import NOW
from tests.school import build

SLIP = printing.visitor_slip(
    school_name="Test Primary",
    visitor_name="Jo Bloggs",
    organisation="",
    time_in=dt.datetime(2026, 11, 12, 8, 30),
    badge_number="001",
    supervised=True,
    device_rules=list(load_rules().short),
    dsl_name="Ms D Lead",
    report_concern="Tell the office.",
    signout_code="S0000013",
)


class Printer:
    """A raw-TCP printer on 127.0.0.1 whose behaviour changes per connection.

    ``behaviours`` is consumed one per connection (the last repeats): "print" reads
    to EOF, keeps the job and closes; "silent" reads but never confirms (holds the
    connection open until closed); "drop" reads a few bytes then resets. While
    ``refusing`` the socket is bound but not listening, so connections are refused.
    """

    def __init__(self, *behaviours: str, refusing: bool = False) -> None:
        self.behaviours = list(behaviours) or ["print"]
        self.jobs: list[bytes] = []
        self.connections = 0
        self.got_job = threading.Event()
        self.release = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.thread: threading.Thread | None = None
        if not refusing:
            self.come_back()

    @property
    def url(self) -> str:
        return f"network://127.0.0.1:{self.port}?timeout_s=0.5"

    def come_back(self, *behaviours: str) -> None:
        if behaviours:
            self.behaviours = list(behaviours)
        if self.thread is None:
            self.sock.listen(8)
            self.thread = threading.Thread(target=self._serve, daemon=True)
            self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.release.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            behaviour = self.behaviours.pop(0) if len(self.behaviours) > 1 else self.behaviours[0]
            self.connections += 1
            t = threading.Thread(target=self._handle, args=(conn, behaviour), daemon=True)
            t.start()
            self.threads.append(t)

    def _handle(self, conn: socket.socket, behaviour: str) -> None:
        with conn:
            conn.settimeout(5)
            try:
                if behaviour == "print":
                    chunks = []
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                    self.jobs.append(b"".join(chunks))
                    self.got_job.set()
                elif behaviour == "silent":
                    while conn.recv(65536):
                        pass
                    self.release.wait(5)
                elif behaviour == "drop":
                    conn.recv(16)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass

    def close(self) -> None:
        self.release.set()
        if self.thread is not None:
            self.thread.join(5)
        for t in self.threads:
            t.join(6)
        self.sock.close()


@pytest.fixture
def school(database):
    yield build()


def enqueue(data: bytes, url: str, *, ref: str = "test", now: dt.datetime = NOW) -> PrintJob:
    with write_tx():
        return outbox.enqueue(data, kind="slip", printer_url=outbox.printer_url_of(url), ref=ref, now=now)


def status(job_id: int) -> PrintJob:
    return PrintJob.get_by_id(job_id)


# ---------------------------------------------------------------- delivery


def test_delivered_bytes_match_python_escpos_network_streaming(school):
    """The outbox's bytes are what python-escpos's Network printer streams for the slip."""
    from escpos.printer import Network

    data = printing.to_bytes(SLIP, 80)
    server = Printer("print")
    try:
        job = enqueue(data, server.url)
        report = outbox.send_pending(printing.send, server.url, NOW, timeout=2)
        assert report.sent == [job.id] and status(job.id).status == outbox.SENT
        assert server.got_job.wait(5)
        streamed = Printer("print")
        try:
            p = Network("127.0.0.1", streamed.port, timeout=2)
            p.open()
            printing.render_escpos(SLIP, p, 80)
            p.close()
            assert streamed.got_job.wait(5)
        finally:
            streamed.close()
    finally:
        server.close()
    assert server.jobs == [data] == streamed.jobs
    # sent is final: later rounds send nothing
    assert outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(hours=1)).sent == []


def test_enqueue_joins_the_callers_transaction(school):
    with pytest.raises(RuntimeError):
        with write_tx():
            outbox.enqueue(b"slip", kind="slip", printer_url="dummy://", now=NOW)
            raise RuntimeError("the visit failed")
    assert PrintJob.select().count() == 0
    with pytest.raises(ValueError):
        outbox.enqueue(b"", kind="slip", printer_url="dummy://", now=NOW)
    with pytest.raises(ValueError):
        outbox.enqueue(b"x", kind="poster", printer_url="dummy://", now=NOW)


@pytest.mark.parametrize("fault", ["refuse", "silent", "drop"])
def test_a_faulty_printer_keeps_the_job_until_it_comes_back_then_prints_it_once(school, fault):
    data = printing.to_bytes(SLIP, 80)
    server = Printer(
        *({"silent": ["silent", "print"], "drop": ["drop", "print"]}.get(fault, ["print"])), refusing=fault == "refuse"
    )
    try:
        job = enqueue(data, server.url)
        report = outbox.send_pending(printing.send, server.url, NOW, timeout=0.5)
        assert report.failed == [job.id] and report.sent == []
        row = status(job.id)
        assert row.status == outbox.PENDING and row.attempts == 1 and row.sent_at is None
        assert row.next_attempt_at == NOW + dt.timedelta(seconds=5)
        expected = {
            "refuse": "refused the connection",
            "silent": "did not confirm the job",
            "drop": "dropped the connection",
        }[fault]
        assert expected in row.last_error and expected in report.error
        st = outbox.printer_status(server.url)
        assert st.online is False and expected in st.line() and st.waiting == 1
        # not due yet: the back-off holds it
        assert outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(seconds=4)).sent == []
        if fault == "refuse":
            server.come_back("print")
        report = outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(seconds=5), timeout=2)
        assert report.sent == [job.id]
        assert server.got_job.wait(5)
        row = status(job.id)
        assert row.status == outbox.SENT and row.attempts == 2
        assert outbox.printer_status(server.url).online is True
        for later in (60, 3600):
            assert (
                outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(seconds=later), timeout=2).sent == []
            )
    finally:
        server.close()
    assert server.jobs == [data]  # exactly once
    assert audit.verify().ok


def test_jobs_wait_in_order_behind_an_offline_printer(school):
    server = Printer(refusing=True)
    try:
        jobs = [enqueue(f"job {i}".encode(), server.url, ref=f"t{i}") for i in range(3)]
        report = outbox.send_pending(printing.send, server.url, NOW, timeout=0.5)
        assert report.failed == [jobs[0].id]
        assert [status(j.id).attempts for j in jobs] == [1, 0, 0]  # one try per round, not three
        server.come_back("print")
        report = outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(minutes=1), timeout=2)
        assert report.sent == [j.id for j in jobs]
    finally:
        server.close()
    assert server.jobs == [b"job 0", b"job 1", b"job 2"]


def test_back_off_doubles_up_to_five_minutes():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 6, 7, 30)] == [5, 10, 20, 40, 160, 300, 300]


def test_a_crash_mid_send_leaves_the_job_in_doubt_and_it_is_never_resent_by_itself(school):
    server = Printer("print")
    try:
        job = enqueue(b"slip bytes", server.url)
        assert outbox._claim(job.id, NOW)  # the process dies here, before the result is recorded
        assert not outbox._claim(job.id, NOW)  # and nobody else can claim it meanwhile
        assert outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(seconds=30)).sent == []
        assert status(job.id).status == outbox.SENDING  # still within the lease: maybe printing now
        report = outbox.send_pending(printing.send, server.url, NOW + outbox.CLAIM_LEASE + dt.timedelta(seconds=1))
        assert report.in_doubt == [job.id] and report.sent == []
        assert status(job.id).status == outbox.IN_DOUBT
        st = outbox.printer_status(server.url)
        assert st.in_doubt == 1 and "in doubt: check the paper and reprint" in st.line()
        assert outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(hours=1)).sent == []
        assert server.connections == 0
        # the office checks the paper, and reprints: a new, audited job
        again = outbox.reprint(job.id, actor=school.office, now=NOW + dt.timedelta(hours=1))
        assert again.id != job.id and again.reprint_of_id == job.id
        assert outbox.send_pending(printing.send, server.url, NOW + dt.timedelta(hours=1), timeout=2).sent == [again.id]
        assert server.got_job.wait(5)
    finally:
        server.close()
    assert server.jobs == [b"slip bytes"]
    assert AuditEntry.select().where(AuditEntry.action == "print.in_doubt").count() == 1


def test_office_actions_retry_cancel_and_list(school):
    job = enqueue(b"a", "dummy://office?offline=1")
    other = enqueue(b"b", "dummy://office?offline=1")
    outbox.send_pending(printing.send, "dummy://office?offline=1", NOW)
    assert status(job.id).next_attempt_at > NOW
    assert outbox.retry_now(job.id, actor=school.office, now=NOW) == 1
    assert status(job.id).next_attempt_at == NOW
    outbox.cancel(other.id, actor=school.office, now=NOW)
    with pytest.raises(RuleViolation, match="cancelled: it cannot be cancelled"):
        outbox.cancel(other.id, actor=school.office, now=NOW)
    with pytest.raises(RuleViolation, match="only a waiting job can be retried"):
        outbox.retry_now(other.id, actor=school.office, now=NOW)
    with pytest.raises(NotFound):
        outbox.reprint(999, actor=school.office, now=NOW)
    rows = outbox.jobs()
    assert [r.id for r in rows] == [other.id, job.id] and rows[0].status == "cancelled"
    assert "offline" in rows[1].last_error


def test_jobs_for_another_printer_are_left_alone(school):
    printing.clear_dummy_jobs()
    enqueue(b"for a", "dummy://a")
    enqueue(b"for b", "dummy://b")
    assert len(outbox.send_pending(printing.send, "dummy://a", NOW).sent) == 1
    assert printing.dummy_jobs("a") == [b"for a"] and printing.dummy_jobs("b") == []
    printing.clear_dummy_jobs()


def test_a_visit_is_never_lost_because_the_printer_failed(school):
    server = Printer(refusing=True)
    try:
        settings = Settings(printer={"url": server.url, "paper_mm": 58, "profile": "default"})
        r = visitors.sign_in(
            settings=settings,
            rules=load_rules(),
            rules_accepted=True,
            name="Jo Bloggs",
            organisation="",
            visitor_type="parent_carer",
            purpose="Meeting",
            visiting="Mrs Smith",
            phone="car_or_off",
            now=NOW,
        )
        report = outbox.send_pending(printing.send, settings.printer, NOW, timeout=0.5)
        assert report.failed == [r.print_job_id]
        assert Visit.get_by_id(r.visit.id).signed_out_at is None  # the visit stands
        assert [row.visit_id for row in visitors.on_site(settings, NOW)] == [r.visit.id]
        server.come_back("print")
        assert outbox.send_pending(printing.send, settings.printer, NOW + dt.timedelta(seconds=5), timeout=2).sent == [
            r.print_job_id
        ]
        assert server.got_job.wait(5)
    finally:
        server.close()
    assert server.jobs == [bytes(PrintJob.get_by_id(r.print_job_id).data)]
    assert server.jobs[0].startswith(b"\x1b@\x1bt\x13")  # CP858 pinned, 58 mm render


def test_the_worker_thread_prints_when_notified(school):
    server = Printer("print")
    rounds: list[outbox.SendReport] = []
    sent = threading.Event()

    def on_round(report):
        rounds.append(report)
        if report.sent:
            sent.set()

    worker = OutboxWorker(server.url, now=lambda: NOW, interval=30, timeout=2, on_round=on_round).start()
    try:
        job = enqueue(b"from the worker", server.url)
        worker.notify()
        assert sent.wait(10), worker.last_exception
        assert server.got_job.wait(5)
    finally:
        worker.stop()
        server.close()
    assert server.jobs == [b"from the worker"]
    assert status(job.id).status == outbox.SENT and worker.last_exception is None


def test_the_outbox_sends_through_the_transport_it_is_given_and_does_no_io_itself(school):
    """Issue 13 item 5: the app and the CLI inject the transport; the domain keeps the states."""
    from printing import PrintError

    first = enqueue(b"slip one", "dummy://desk")
    second = enqueue(b"slip two", "dummy://desk")
    sent: list[tuple[str, bytes, float]] = []

    def transport(spec, data: bytes, timeout: float) -> None:
        sent.append((spec.to_url(), data, timeout))

    report = outbox.send_pending(transport, "dummy://desk", NOW, timeout=1.5)
    assert report.sent == [first.id, second.id]
    assert sent == [("dummy://desk", b"slip one", 1.5), ("dummy://desk", b"slip two", 1.5)]
    assert printing.dummy_jobs("dummy://desk") == []  # nothing reached the real (dummy) printer

    third = enqueue(b"slip three", "dummy://desk")

    def offline(spec, data: bytes, timeout: float) -> None:
        raise PrintError("The printer did not answer.", reason="offline")

    report = outbox.send_pending(offline, "dummy://desk", NOW)
    assert report.failed == [third.id] and PrintJob.get_by_id(third.id).status == outbox.PENDING
