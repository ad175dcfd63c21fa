"""Run the benchmarks and print one markdown table: ``python -m benchmarks [--quick]``.

- bench_scan: the real kiosk in a pseudo-terminal (burst throughput, latency at a
  human pace, start-up); see benchmarks/bench_scan.py.
- bench_print: a visitor slip rendered and sent to a loopback printer, directly and
  through the outbox (target <= 100 ms); see benchmarks/bench_print.py.
- bench_camera: kiosk.camera.Decoder on the shared sample frames
  (``../shared/samples/camera``, or ``$KIOSK_SAMPLES_DIR/camera``), if they are there.
- bench_queries: the reports on a 5,000-pupil, 1M-event database made by gen_db.py
  (``--big-db PATH`` reuses one; otherwise it is generated in a temporary folder).
- bench_purge: a scan's latency while a retention purge runs on that database (a copy),
  the purge's longest transaction, and those of an erasure and a 5,000-pupil roster import.
- bench_kill, bench_concurrent: kill -9 at random moments; four writers at once
  (``--postgres URL``: also on that empty, throw-away PostgreSQL database).
- bench_memory: RSS of the kiosk with the camera worker decoding.
- bench_trust: a trust of 30 schools, 12,000 pupils and 10M custody events on PostgreSQL
  (benchmarks/gen_trust.py; generated once into ``$KIOSK_BENCH_POSTGRES`` or ``--trust URL``,
  a throw-away database, then reused): scans at four schools at once, each report at one
  school, the trust-wide compliance. Skipped, with a line saying so, without a URL.
- bench_browser: keypress to paint through ``kiosk serve`` in headless chromium, if
  chromium, chromium-driver and selenium are there.

``--runs N`` repeats the scan benchmarks; the table then gives the median and the range.
Run from the repository root (``make bench`` does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TICK, CROSS = "yes", "**no**"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; {platform.system()} {platform.release()}"
    )


def reference_loop() -> float:
    """Seconds for 10 million additions in a pure-Python loop, best of 3: how fast this
    machine runs Python at the moment (a shared or virtual machine varies by a third
    over a day; every figure of the table moves with it)."""
    import time

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def samples_dir() -> Path:
    base = os.environ.get("KIOSK_SAMPLES_DIR")
    return (Path(base) if base else ROOT.parent / "shared" / "samples") / "camera"


def spread(values: list[float], fmt: str) -> str:
    """One figure, or the median and range of several runs."""
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def scan_rows(runs: list[dict], school: str = "demo school") -> list[tuple[str, str, str, str, str]]:
    from models.store.db import SQLITE_PRAGMAS

    sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(SQLITE_PRAGMAS.get("synchronous"), "?")
    bursts = [r["burst"] for r in runs]
    lats = [r["latency"] for r in runs]
    starts = [r["startup"] for r in runs]
    n = bursts[0]["typed"]
    committed = all(b["committed"] == b["typed"] and b["in_order"] for b in bursts)
    faults = [(b["merged"] or 0) + (b["split"] or 0) + b["dropped"] + b["unexpected"] for b in bursts]
    rate = [b["per_second"] for b in bursts]
    p50 = [lat["p50_ms"] for lat in lats]
    p99 = [lat["p99_ms"] for lat in lats]
    start = [s["median_s"] for s in starts]
    where = f"{school}: {n:,} codes back to back, WAL + synchronous={sync}"
    return [
        (
            "scan burst",
            f"committed events, in typed order ({where})",
            " / ".join(f"{b['committed']:,}/{b['typed']:,}" for b in bursts),
            "all",
            TICK if committed else CROSS,
        ),
        (
            "scan burst",
            "codes merged / split / dropped",
            " · ".join(f"{b['merged']}/{b['split']}/{b['dropped']}" for b in bursts),
            "0/0/0",
            TICK if not any(faults) else CROSS,
        ),
        (
            "scan burst",
            "scans per second, first byte to last commit",
            spread(rate, ".0f"),
            "≥ 200",
            TICK if statistics.median(rate) >= 200 else CROSS,
        ),
        (
            "scan latency",
            f"{school}: p50, write to name on screen ({lats[0]['scans']} scans, one per 200–400 ms)",
            spread(p50, ".1f") + " ms",
            "",
            "",
        ),
        ("scan latency", "p99", spread(p99, ".1f") + " ms", "≤ 30 ms", TICK if statistics.median(p99) <= 30 else CROSS),
        (
            "start-up",
            f"spawn to sign-in screen drawn, median of {starts[0]['runs']}",
            spread(start, ".3f") + " s",
            "≤ 0.6 s",
            TICK if statistics.median(start) <= 0.6 else CROSS,
        ),
    ]


def camera_rows(folder: Path, repeat: int, label: str = "sample frames") -> list[tuple[str, str, str, str, str]]:
    """Every decoder of bench_camera on one labelled set, in the same run."""
    import cv2

    from benchmarks import bench_camera

    truth = json.loads((folder / "truth.json").read_text())
    frames = {name: cv2.imread(str(folder / name), cv2.IMREAD_COLOR) for name in sorted(truth)}
    expected = sum(text is not None for text in truth.values())
    decoders: dict[str, Callable] = {}
    for name, read in bench_camera.decoders().items():
        try:
            read(next(iter(frames.values())))
        except ImportError:  # zxing-cpp is in the bench extra only
            continue
        decoders[name] = read
    rows = []
    for name, read in decoders.items():
        s = bench_camera.score(read, frames, truth, repeat)
        ours = name == "kiosk.camera.Decoder"
        rows.append(
            (
                "camera",
                f"{name}, {len(frames)} {label}",
                f"{s['hits']} / {expected} read, {s['wrong']} wrong, {s['median']:.1f} ms median ({s['p95']:.1f} p95)",
                "≥ zxing-cpp's reads, 0 wrong, ≤ 25 ms" if ours else "comparison",
                (TICK if s["wrong"] == 0 and s["median"] <= 25 else CROSS) if ours else "",
            )
        )
    return rows


def big_database(big_db: Path | None, scratch: Path, quick: bool) -> Path:
    """The 5,000-pupil, 1M-event SQLite database: ``--big-db`` if it exists, else generated."""
    from benchmarks import gen_db

    path = big_db
    if path is None or not path.exists():
        path = path or scratch / "big.sqlite3"
        events = 100_000 if quick else 1_000_000
        print(f"generating a {events:,}-event database at {path}…", file=sys.stderr, flush=True)
        gen_db.generate(str(path), events=events, log=lambda m: print(m, file=sys.stderr, flush=True))
    return path


def query_rows(path: Path, quick: bool) -> list[tuple[str, str, str, str, str]]:
    from benchmarks import bench_queries

    print("query benchmark…", file=sys.stderr, flush=True)
    return bench_queries.rows_for_table(bench_queries.run(str(path), 5 if quick else 20), "SQLite")


def fault_rows(quick: bool, postgres: str | None) -> list[tuple[str, str, str, str, str]]:
    import tempfile

    from benchmarks import bench_concurrent, bench_kill
    from benchmarks.fault_school import wipe_postgres

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    rows: list[tuple[str, str, str, str, str]] = []
    print("kill -9 benchmark…", file=sys.stderr, flush=True)
    scan = bench_kill.run_scan_kills(20 if quick else 500, log=log)
    tui = bench_kill.run_tui_kills(3 if quick else 500, log=log)
    pg = bench_kill.run_scan_kills(20 if quick else 500, log=log, postgres=postgres) if postgres else None
    rows += bench_kill.rows_for_table(scan, tui, pg)
    print("concurrent writers…", file=sys.stderr, flush=True)
    per = 50 if quick else 500
    with tempfile.TemporaryDirectory(prefix="kiosk-conc-") as scratch:
        folder = Path(scratch)
        r = bench_concurrent.run_concurrent(str(folder / "conc.sqlite3"), 4, per, folder=folder)
        rows += bench_concurrent.rows_for_table(r, "SQLite")
        if postgres:
            wipe_postgres(postgres)
            r = bench_concurrent.run_concurrent(postgres, 4, per, folder=folder)
            rows += bench_concurrent.rows_for_table(r, "PostgreSQL")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run: 100 burst scans, 30 paced, 2 start-ups")
    parser.add_argument("--runs", type=int, default=1, help="repeat the scan benchmarks N times")
    parser.add_argument("--no-scan", action="store_true", help="skip the terminal benchmarks")
    parser.add_argument("--no-camera", action="store_true", help="skip the camera decoder benchmark")
    parser.add_argument("--no-print", action="store_true", help="skip the slip printing benchmark")
    parser.add_argument("--no-queries", action="store_true", help="skip the big-database report timings")
    parser.add_argument("--no-purge", action="store_true", help="skip the scan-while-purging benchmark")
    parser.add_argument("--no-faults", action="store_true", help="skip kill -9 and concurrent writers")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory benchmark")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser (kiosk serve) benchmark")
    parser.add_argument("--no-trust", action="store_true", help="skip the trust-at-scale benchmark (PostgreSQL)")
    parser.add_argument(
        "--trust",
        metavar="URL",
        default=os.environ.get("KIOSK_BENCH_POSTGRES"),
        help="a throw-away PostgreSQL database for the trust at scale (default $KIOSK_BENCH_POSTGRES)",
    )
    parser.add_argument("--big-db", type=Path, help="a database made by benchmarks/gen_db.py (else one is generated)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a throw-away PostgreSQL database for the fault runs (its contents are dropped)",
    )
    args = parser.parse_args(argv)
    before = reference_loop()

    rows: list[tuple[str, str, str, str, str]] = []
    notes: list[str] = []
    scratch_dir = tempfile.TemporaryDirectory(prefix="kiosk-big-")
    big: Path | None = None
    if not (args.no_scan and args.no_queries and args.no_purge):
        big = big_database(args.big_db, Path(scratch_dir.name), args.quick)
    if not args.no_scan:
        from benchmarks import bench_scan

        for school, db in (("demo school", None), ("5,000 pupils, 1M events", big)):
            runs = []
            for i in range(max(1, args.runs)):
                print(f"scan benchmarks on the {school}, run {i + 1} of {args.runs}…", file=sys.stderr, flush=True)
                runs.append(bench_scan.run_all(quick=args.quick, big_db=db))
            rows += scan_rows(runs, school)
    if not args.no_print:
        from benchmarks import bench_print

        print("print benchmark…", file=sys.stderr, flush=True)
        rows += bench_print.rows(bench_print.run_all(runs=20 if args.quick else 50))
    if not args.no_camera:
        folder = samples_dir()
        if (folder / "truth.json").is_file():
            print("camera benchmark…", file=sys.stderr, flush=True)
            rows += camera_rows(folder, repeat=1 if args.quick else 3)
        else:
            notes.append(f"Camera sample frames skipped: none at {folder}.")
        from benchmarks import camera_set

        generated = Path(scratch_dir.name) / "camera-set"
        print("camera benchmark, generated frames…", file=sys.stderr, flush=True)
        camera_set.make_set(generated, n=60 if args.quick else 200)
        rows += camera_rows(
            generated,
            repeat=1,
            label="generated frames (rotation, perspective, blur, "
            "low contrast, JPEG noise, QR and Code 128, frames with no code)",
        )

    if not args.no_queries and big is not None:
        rows += query_rows(big, args.quick)
    if not args.no_purge and big is not None:
        from benchmarks import bench_purge

        print("purge benchmark…", file=sys.stderr, flush=True)
        where = "5,000 pupils, 100k events" if args.quick else "5,000 pupils, 1M events"
        rows += bench_purge.rows_for_table(
            bench_purge.run(big, log=lambda m: print(m, file=sys.stderr, flush=True)), where
        )
    if not args.no_faults:
        rows += fault_rows(args.quick, args.postgres)
    if not args.no_trust:
        if args.trust:
            from benchmarks import bench_trust

            print("trust at scale (PostgreSQL)…", file=sys.stderr, flush=True)
            rows += bench_trust.rows_for_table(
                bench_trust.run(
                    args.trust,
                    events=1_000_000 if args.quick else 10_000_000,
                    scans=50 if args.quick else 200,
                    repeat=10 if args.quick else 50,
                    any_size=args.quick,  # whatever trust is there (a quick run never regenerates 10M)
                    log=lambda m: print(m, file=sys.stderr, flush=True),
                )
            )
        else:
            notes.append(
                "Trust benchmark skipped: no PostgreSQL database for it "
                "(set KIOSK_BENCH_POSTGRES to a throw-away one, or give --trust URL)."
            )
    if not args.no_memory:
        folder = samples_dir()
        if folder.is_dir():
            from benchmarks import bench_memory

            print("memory benchmark…", file=sys.stderr, flush=True)
            rows += bench_memory.rows_for_table(bench_memory.run(folder, 5 if args.quick else 15))
        else:
            notes.append(f"Memory benchmark skipped: no sample frames at {folder}.")
    if not args.no_browser:
        from benchmarks import bench_browser

        if gaps := bench_browser.missing():
            notes.append(f"Browser benchmark skipped: needs {', '.join(gaps)}.")
        else:
            log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
            rows += bench_browser.rows_for_table(bench_browser.run(40 if args.quick else 200, log=log))

    print(f"Benchmarks, {dt.datetime.now():%Y-%m-%d %H:%M}{' (quick)' if args.quick else ''}")
    print(f"Machine: {machine()}")
    print(
        f"Reference loop (10M additions in pure Python, best of 3; lower is faster): before {before:.2f} s, "
        f"after {reference_loop():.2f} s\n"
    )
    print("| benchmark | measure | result | target | met |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(f"\n{note}")
    scratch_dir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
