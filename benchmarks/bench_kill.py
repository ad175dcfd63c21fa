"""Kill -9 the kiosk at random moments; after each kill the database must be sound.

    python -m benchmarks.bench_kill [--scan-runs 500] [--tui-runs 500] [--seed 9] [--postgres URL]

``kiosk scan`` (headless): one process per run, alternately hand-in and release of the
same 60 phones, all codes written to its stdin at once; SIGKILL after a random delay
(0.05 to 1.5 s from spawn: start-up, sign-in and mid-scan are all hit). A result line
read from its stdout before the kill is an *acknowledged* scan.

The TUI: ``kiosk run --start hand-in`` in a pty (benchmarks/bench_scan.py's Terminal
and school), signed in, 60 codes typed back to back, SIGKILL to its process group
after a random delay (0 to 0.8 s after the first key). A scan is acknowledged when
the pupil's name has been drawn (the screen shows it only after the commit). Each TUI
run hands in fresh phones; a new school is built when they run out.

After every kill: every acknowledged scan is in the database (the phone is in the
state the scan reported), PRAGMA integrity_check is ok, no phone is in two slots and
no slot holds two phones, ``custody.verify_states()`` is empty and the audit chain
verifies (benchmarks/fault_school.check_database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fault_school import PIN, check_database, make_school, share_pin_key, states, wipe_postgres  # noqa: E402

EXPECTED = {"hand-in": "in_tray", "release": "out"}


def scan_env(data_dir: Path) -> dict[str, str]:
    share_pin_key(data_dir)  # the school was made in this process, with its PIN key
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_CONFIG", "KIOSK_DATABASE_URL", "KIOSK_PRINTER")}
    env.update(
        KIOSK_PIN=PIN, KIOSK_DATA_DIR=str(data_dir), XDG_CONFIG_HOME=str(data_dir / "config"), PYTHONPATH=str(ROOT)
    )
    return env


def start_scan(db: str, mode: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "scan", "--mode", mode, "--as", "office", "--db", db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )


def kill_scan_once(
    db: str, codes: list[str], mode: str, delay: float, env: dict[str, str], after_acks: int = 0
) -> dict:
    """Start `kiosk scan`, feed it every code, SIGKILL it; check the database.

    The kill comes `delay` s after the start, or, with `after_acks`, as soon as that many
    scans have been acknowledged: mid-scan however slow the machine is (a kill timed from
    the start can land during start-up on a loaded machine, and then tests nothing).
    """
    proc = start_scan(db, mode, env)
    lines: list[str] = []
    enough = threading.Event()

    def read() -> None:
        for raw in proc.stdout:
            if raw.endswith(b"\n"):
                lines.append(raw.decode("utf-8", "replace"))
                if after_acks and len(lines) >= after_acks:
                    enough.set()
        enough.set()  # the output ended: the process finished or failed

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.stdin.write("".join(c + "\n" for c in codes).encode())
        proc.stdin.flush()
    except BrokenPipeError:
        pass
    if after_acks:
        if not enough.wait(timeout=120):
            problems_before = [f"no {after_acks} acknowledgements within 120 s"]
        else:
            problems_before = []
    else:
        problems_before = []
        time.sleep(delay)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=10)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        try:
            pipe.close()
        except OSError:
            pass
    acked = [ln.split()[1] for ln in lines if ln.split()[0] in ("OK", "DUPLICATE")]
    odd = [ln for ln in lines if ln.split()[0] not in ("OK", "DUPLICATE", "NOT_HANDED_IN")]
    problems = problems_before + [f"a scan answered {ln.strip()!r}" for ln in odd]
    if finished and stderr.strip():
        problems.append(f"kiosk scan failed before the kill: {stderr.strip()[:200]}")
    now = states(db, acked) if acked else {}
    problems += [
        f"{c} acknowledged ({mode}) but the database has it {now.get(c)}" for c in acked if now.get(c) != EXPECTED[mode]
    ]
    problems += check_database(db)
    return {"acked": len(acked), "problems": problems, "finished": finished}


def run_scan_kills(
    runs: int,
    seed: int = 9,
    folder: Path | None = None,
    phones: int = 60,
    max_delay: float = 1.5,
    log=None,
    postgres: str | None = None,
    mid_scan: bool = False,
) -> dict:
    """``postgres``: an empty, throw-away PostgreSQL database to use instead of a new
    SQLite file (its contents are dropped first). ``mid_scan``: each kill comes after a
    random number of acknowledged scans (1 to phones - 1), not after a random time."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kiosk-kill-") as scratch:
        base = folder or Path(scratch)
        db = postgres or str(base / "kill.sqlite3")
        if postgres:
            wipe_postgres(postgres)
        codes = make_school(db, phones)
        env = scan_env(base)
        acked, failures, finished, t0 = 0, [], 0, time.perf_counter()
        for i in range(runs):
            mode = "hand-in" if i % 2 == 0 else "release"
            delay, after = rng.uniform(0.05, max_delay), rng.randint(1, phones - 1)
            r = kill_scan_once(db, codes, mode, delay, env, after_acks=after if mid_scan else 0)
            acked += r["acked"]
            finished += r["finished"]
            if r["problems"]:
                failures.append((i, r["problems"][:5]))
            if log and (i + 1) % 50 == 0:
                log(f"  kiosk scan: {i + 1} kills, {acked} acknowledged scans, {len(failures)} failed checks")
        return {
            "runs": runs,
            "acked": acked,
            "failed_runs": len(failures),
            "failures": failures[:10],
            "finished_before_kill": finished,
            "seconds": time.perf_counter() - t0,
        }


def run_tui_kills(runs: int, seed: int = 9, folder: Path | None = None, per_run: int = 60, log=None) -> dict:
    from benchmarks import bench_scan

    rng = random.Random(seed)
    acked, failures, t0 = 0, [], time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kiosk-killtui-") as scratch:
        base = folder or Path(scratch)
        batch = 20  # runs per school
        school, fresh = None, []
        for i in range(runs):
            if len(fresh) < per_run:
                school = bench_scan.make_school(base / f"school{i}", per_run * batch)
                fresh = list(school.codes)
            codes, fresh = fresh[:per_run], fresh[per_run:]
            term = bench_scan.start_kiosk(school)
            try:
                bench_scan.sign_in(term)
                mark = term.mark()
                term.write(b"".join(c.encode() + b"\r" for c in codes))
                time.sleep(rng.uniform(0.0, 0.8))
                os.killpg(term.proc.pid, signal.SIGKILL)
                term.proc.wait()
                term.reader.join(timeout=5)
                with term.cond:
                    raw = b"".join(data for _, data in term.chunks[mark:])
                shown = bench_scan.strip_ansi(raw).decode("utf-8", "replace")
            finally:
                if term.proc.poll() is None:
                    term.proc.kill()
                    term.proc.wait()
                try:
                    os.close(term.fd)
                except OSError:
                    pass
            seen = [c for c in codes if school.names[c] in shown]
            now = states(school.db, seen) if seen else {}
            problems = [
                f"{c} shown as handed in but the database has it {now.get(c)}" for c in seen if now.get(c) != "in_tray"
            ]
            problems += check_database(school.db)
            acked += len(seen)
            if problems:
                failures.append((i, problems[:5]))
            if log and (i + 1) % 10 == 0:
                log(f"  TUI: {i + 1} kills, {acked} acknowledged scans, {len(failures)} failed checks")
    return {
        "runs": runs,
        "acked": acked,
        "failed_runs": len(failures),
        "failures": failures[:10],
        "seconds": time.perf_counter() - t0,
    }


def rows_for_table(
    scan: dict | None, tui: dict | None, pg_scan: dict | None = None
) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for name, r in (("kiosk scan", scan), ("TUI in a pty", tui), ("kiosk scan on PostgreSQL", pg_scan)):
        if r is None:
            continue
        enough = r["runs"] >= 500
        rows.append(
            (
                "kill -9",
                f"{name}: runs killed at random / acknowledged scans checked",
                f"{r['runs']:,} / {r['acked']:,}",
                "≥ 500 runs",
                "yes" if enough else "**no**",
            )
        )
        rows.append(
            (
                "kill -9",
                f"{name}: runs with a lost acknowledged scan, integrity, slot, ledger or audit fault",
                str(r["failed_runs"]),
                "0",
                "yes" if r["failed_runs"] == 0 else "**no**",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_kill", description=__doc__.splitlines()[0])
    parser.add_argument("--scan-runs", type=int, default=500)
    parser.add_argument("--tui-runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also kill `kiosk scan` on this empty, throw-away PostgreSQL database (its contents are dropped)",
    )
    args = parser.parse_args(argv)

    def log(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    scan = run_scan_kills(args.scan_runs, args.seed, log=log) if args.scan_runs else None
    tui = run_tui_kills(args.tui_runs, args.seed, log=log) if args.tui_runs else None
    pg = run_scan_kills(args.scan_runs, args.seed, log=log, postgres=args.postgres) if args.postgres else None
    print(json.dumps({"scan": scan, "tui": tui, "postgres": pg}, indent=2, default=str))
    for row in rows_for_table(scan, tui, pg):
        print(" | ".join(row))
    return 0 if all(r is None or r["failed_runs"] == 0 for r in (scan, tui, pg)) else 1


if __name__ == "__main__":
    sys.exit(main())
