"""Slip printing: render a visitor slip to ESC/POS and send it to a loopback printer.

Target: at most 100 ms from the slip's data to the printer confirming the job (the
raw-TCP printer reads to the end and closes, as a real one does). Two figures:

- ``render+send``: ``printing.render_for`` + ``printing.send`` (python-escpos is
  imported once beforehand, as the kiosk does at start-up);
- ``outbox``: the same through the outbox: enqueue in a transaction on SQLite
  (synchronous=FULL), then ``send_pending`` (claim, send, record).

Run alone with ``python -m benchmarks.bench_print`` or from ``python -m benchmarks``.
"""

from __future__ import annotations

import datetime as dt
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0


class _Printer:
    """Loopback raw-TCP printer: read each job to EOF, then close (the confirmation)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.jobs = 0
        self.bytes = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.bytes += len(chunk)
                self.jobs += 1

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def _slip(i: int):
    from models.policy.rules import load_rules
    from printing import visitor_slip

    return visitor_slip(
        school_name="Mereworth Community Primary School",
        visitor_name=f"Siobhán Ó Briain {i}",
        organisation="Kent County Council SEND team",
        time_in=dt.datetime(2026, 11, 12, 9, 5),
        badge_number=f"{i % 1000:03d}",
        supervised=bool(i % 2),
        device_rules=list(load_rules().short),
        dsl_name="Miss A Lavelle (Headteacher)",
        report_concern="Tell the office or the DSL straight away.",
        signout_code="S0000013",
        visiting="Mr Patel, Year 4",
    )


def _stats(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "max_ms": ms[-1],
        "runs": len(ms),
    }


def run_all(runs: int = 50) -> dict[str, dict[str, float]]:
    import printing
    from printing import warm_up

    warm_up()  # the kiosk imports python-escpos once; not part of each slip
    server = _Printer()
    try:
        spec = printing.PrinterSpec.from_url(f"network://127.0.0.1:{server.port}?timeout_s=2")
        direct = []
        for i in range(runs):
            t0 = time.perf_counter()
            printing.send(spec, printing.render_for(spec, _slip(i)))
            direct.append((time.perf_counter() - t0) * 1000)
        via_outbox = _outbox_runs(spec, runs)
    finally:
        server.close()
    return {"render+send": _stats(direct), "outbox": _stats(via_outbox), "printer_jobs": server.jobs}


def _outbox_runs(spec, runs: int) -> list[float]:
    import printing
    from models import outbox
    from models.audit.tx import write_tx
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    times = []
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        open_database(str(Path(tmp) / "bench.sqlite3"))
        try:
            url = spec.to_url()
            now = dt.datetime(2026, 11, 12, 9, 5)
            for i in range(runs):
                t0 = time.perf_counter()
                data = printing.render_for(spec, _slip(i))
                with write_tx():
                    outbox.enqueue(data, kind="slip", printer_url=url, ref=f"bench:{i}", now=now)
                report = outbox.send_pending(printing.send, spec, now, timeout=2)
                times.append((time.perf_counter() - t0) * 1000)
                if len(report.sent) != 1:
                    raise RuntimeError(f"bench job {i} was not printed: {report.error}")
        finally:
            close_db()
    return times


def rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    out = []
    for key, what in (
        ("render+send", "render a slip + send to a loopback printer"),
        ("outbox", "the same through the outbox (enqueue on SQLite, claim, send, record)"),
    ):
        s = result[key]
        ok = s["p95_ms"] <= TARGET_MS
        out.append(
            (
                "print",
                f"{what}, median / p95 of {s['runs']}",
                f"{s['median_ms']:.1f} / {s['p95_ms']:.1f} ms",
                f"≤ {TARGET_MS:.0f} ms",
                "yes" if ok else "**no**",
            )
        )
    return out


if __name__ == "__main__":
    res = run_all()
    for row in rows(res):
        print("| " + " | ".join(row) + " |")
