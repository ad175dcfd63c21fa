"""The app's records' check on a big school: how long it takes, how soon it stops when asked
(the app closing), and scan latency while it runs against while it does not.

    python -m benchmarks.bench_records_check BIG.sqlite3 [--runs 3] [--scans 80] [--pace 0.3]

``BIG.sqlite3`` is made by ``benchmarks/gen_db.py`` (copied here, never changed). Measurements,
not tests:

1. In this process, on the copy: the check the app runs at start and hourly
   (``kiosk.actions.records.records_check``: the chain, every protected row, the anchors,
   the state against the ledger), timed end to end, ``--runs`` times. Then the stop: the
   check started in a thread, asked to stop (``models.store.stopping``) after 2 s; the time
   from asking to the thread's end.
2. The kiosk in a pty (``benchmarks.bench_scan.Terminal``) on the copy, signed in at the
   hand-in screen, via ``benchmarks/records_check_app.py``: "on", with the check run back to
   back in the app's thread worker (a new one half a second after the last ends); "off", with
   no check. The same number of scans at human pace (one every 2/3 to 4/3 of ``--pace``,
   seeded), each timed from writing the code and Enter to the pupil's name on screen.
   With the check on, only the scans written while a check was in progress (from the app's
   own log of each check's start and end) are counted as "during".
3. Quit: Ctrl+Q written while a check is in progress; the time until the process has exited.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_scan import Terminal, percentile, school_from_db, sign_in  # noqa: E402


def time_check(db_path: Path, runs: int) -> dict:
    from kiosk.actions.records import records_check
    from models.store.db import close_db, stoppable
    from models.store.stopping import CheckStopped
    from models.upkeep.opening import open_database

    tz = dt.timezone.utc
    open_database(db_path)
    try:
        seconds, answers = [], []
        for _ in range(runs):
            started = time.perf_counter()
            answers.append(records_check(tz))
            seconds.append(time.perf_counter() - started)
        close_db()

        stop = threading.Event()
        ended: list[float] = []
        outcome: list[str] = []

        def work() -> None:
            open_database(db_path)
            try:
                with stoppable(stop):
                    records_check(tz)
                outcome.append("finished")
            except CheckStopped:
                outcome.append("stopped")
            finally:
                close_db()
                ended.append(time.perf_counter())

        thread = threading.Thread(target=work)
        thread.start()
        time.sleep(2.0)
        asked = time.perf_counter()
        stop.set()
        thread.join()
        return {
            "runs": seconds,
            "median_s": statistics.median(seconds),
            "passed": answers,
            "stop_ms": (ended[0] - asked) * 1000,
            "stop_outcome": outcome[0],
        }
    finally:
        close_db()


def checks_from_log(path: Path) -> list[tuple[float, float]]:
    spans, start = [], None
    if not path.exists():
        return spans
    for line in path.read_text(encoding="ascii").splitlines():
        word, at = line.split()
        if word == "start":
            start = float(at)
        elif start is not None:
            spans.append((start, float(at)))
            start = None
    if start is not None:
        spans.append((start, float("inf")))
    return spans


def paced(school, mode: str, codes: list[str], pace: float, seed: int = 1) -> dict:
    log = school.folder / f"checks-{mode}.log"
    env = dict(school.env, KIOSK_BENCH_CHECK_LOG=str(log))
    argv = [sys.executable, str(ROOT / "benchmarks" / "records_check_app.py"), mode, "run"]
    argv += ["--db", str(school.db), "--config", str(school.config), "--start", "hand-in"]
    term = Terminal(argv, env)
    gaps = random.Random(seed)
    sent_at, latencies = [], []
    quit_ms = None
    try:
        sign_in(term)
        for code in codes:
            mark = term.mark()
            sent = term.write(code.encode() + b"\r")
            shown = term.wait_for(school.names[code], since=mark, timeout=30)
            sent_at.append(sent)
            latencies.append((shown - sent) * 1000)
            time.sleep(max(0.0, sent + gaps.uniform(pace * 2 / 3, pace * 4 / 3) - time.perf_counter()))
        if mode == "on":  # Ctrl+Q while a check is in progress
            deadline = time.perf_counter() + 120
            while time.perf_counter() < deadline:
                spans = checks_from_log(log)
                if spans and spans[-1][1] == float("inf") and time.perf_counter() - spans[-1][0] > 1.0:
                    break
                time.sleep(0.05)
            asked = term.write(b"\x11")
            term.proc.wait(timeout=600)
            quit_ms = (time.perf_counter() - asked) * 1000
    finally:
        term.close()
    spans = checks_from_log(log)
    during = [lat for at, lat in zip(sent_at, latencies, strict=True) if any(a <= at <= b for a, b in spans)]
    finished = [b - a for a, b in spans if b != float("inf")]
    return {
        "scans": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(sorted(latencies), 99),
        "during": len(during),
        "during_p50_ms": statistics.median(during) if during else None,
        "during_p99_ms": percentile(sorted(during), 99) if during else None,
        "checks_finished": len(finished),
        "check_in_app_s": statistics.median(finished) if finished else None,
        "quit_ms": quit_ms,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a SQLite database made by benchmarks/gen_db.py (copied, not changed)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scans", type=int, default=80)
    parser.add_argument("--pace", type=float, default=0.3)
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-check-") as scratch:
        school = school_from_db(args.db, Path(scratch) / "school", 2 * args.scans)
        from models.store import pinkey

        pinkey.configure(Path(school.env["KIOSK_DATA_DIR"]) / pinkey.FILE_NAME)  # the chain's key, as the app's
        check = time_check(school.db, args.runs)
        print(
            f"check: median {check['median_s']:.2f} s of {len(check['runs'])} "
            f"({', '.join(f'{s:.2f}' for s in check['runs'])}), passed {check['passed']}; "
            f"asked to stop after 2 s: {check['stop_outcome']} in {check['stop_ms']:.1f} ms"
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        off = paced(school, "off", school.codes[: args.scans], args.pace)
        print(f"scans, no check: p50 {off['p50_ms']:.1f} ms, p99 {off['p99_ms']:.1f} ms of {off['scans']}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        on = paced(school, "on", school.codes[args.scans : 2 * args.scans], args.pace)
        print(
            f"scans, check back to back: p50 {on['p50_ms']:.1f} ms, p99 {on['p99_ms']:.1f} ms of {on['scans']}; "
            f"written during a check: {on['during']}, p50 {on['during_p50_ms']} ms, p99 {on['during_p99_ms']} ms; "
            f"checks finished in the app: {on['checks_finished']}, median {on['check_in_app_s']} s; "
            f"Ctrl+Q during a check to exit: {on['quit_ms']:.0f} ms"
        )
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
