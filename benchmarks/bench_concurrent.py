"""Four ``kiosk scan`` processes hand in phones into one database at the same time.

    python -m benchmarks.bench_concurrent [--writers 4] [--scans 500] [--postgres URL]

Each writer gets every fourth code (so all four compete for the same trays and the
same audit chain), all are started together and fed their codes as fast as they take
them. Afterwards: every process exited 0, every result line is ``OK``, no output or
error line mentions "locked" or "busy", there are writers x scans ``handed_in`` events,
and the database is sound (benchmarks/fault_school.check_database).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_kill import scan_env  # noqa: E402
from benchmarks.fault_school import check_database, handed_in_count, make_school, wipe_postgres  # noqa: E402


def run_concurrent(url: str, writers: int = 4, scans: int = 500, *, folder: Path) -> dict:
    codes = make_school(url, writers * scans)
    before = handed_in_count(url)
    env = scan_env(folder)
    procs = []
    t0 = time.perf_counter()
    for w in range(writers):
        mine = codes[w::writers]
        procs.append(
            (
                subprocess.Popen(
                    [sys.executable, "-m", "kiosk.cli", "scan", "--mode", "hand-in", "--as", "office", "--db", url],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=ROOT,
                ),
                mine,
            )
        )
    outputs = []
    results: dict[int, tuple[bytes, bytes]] = {}

    def talk(i: int, proc: subprocess.Popen, mine: list[str]) -> None:
        results[i] = proc.communicate("".join(c + "\n" for c in mine).encode(), timeout=600)

    threads = [threading.Thread(target=talk, args=(i, p, m)) for i, (p, m) in enumerate(procs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    for i, (proc, _mine) in enumerate(procs):
        out, err = results[i]
        outputs.append((proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
    lines = [ln for _, out, _ in outputs for ln in out.splitlines()]
    not_ok = [ln for ln in lines if not ln.startswith("OK ")]
    locked = [
        ln
        for _, out, err in outputs
        for ln in (out + err).splitlines()
        if "locked" in ln.lower() or "busy" in ln.lower()
    ]
    events = handed_in_count(url) - before
    problems = check_database(url)
    return {
        "writers": writers,
        "scans_each": scans,
        "exit_codes": [rc for rc, _, _ in outputs],
        "ok_lines": len(lines) - len(not_ok),
        "not_ok": not_ok[:5],
        "locked_or_busy_lines": locked[:5],
        "stderr": [err.strip()[:200] for _, _, err in outputs if err.strip()],
        "events": events,
        "problems": problems[:5],
        "seconds": seconds,
        "scans_per_second": events / seconds,
    }


def passed(r: dict) -> bool:
    expected = r["writers"] * r["scans_each"]
    return (
        all(rc == 0 for rc in r["exit_codes"])
        and r["ok_lines"] == expected
        and r["events"] == expected
        and not r["locked_or_busy_lines"]
        and not r["problems"]
        and not r["stderr"]
    )


def rows_for_table(r: dict, where: str) -> list[tuple[str, str, str, str, str]]:
    n = r["writers"] * r["scans_each"]
    return [
        (
            "concurrent writers",
            f"{where}: {r['writers']} kiosk scan processes x {r['scans_each']}: events committed",
            f"{r['events']:,}",
            f"{n:,}",
            "yes" if r["events"] == n else "**no**",
        ),
        (
            "concurrent writers",
            f'{where}: "locked"/"busy" shown to a person; results not OK; database faults',
            f"{len(r['locked_or_busy_lines'])} / {n - r['ok_lines']} / {len(r['problems'])}",
            "0 / 0 / 0",
            "yes" if passed(r) else "**no**",
        ),
        (
            "concurrent writers",
            f"{where}: scans per second, all writers together",
            f"{r['scans_per_second']:.0f}",
            "",
            "",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_concurrent", description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this throw-away PostgreSQL database (its contents are dropped)"
    )
    args = parser.parse_args(argv)
    out = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-conc-") as scratch:
        folder = Path(scratch)
        out["SQLite"] = run_concurrent(str(folder / "conc.sqlite3"), args.writers, args.scans, folder=folder)
        if args.postgres:
            wipe_postgres(args.postgres)
            out["PostgreSQL"] = run_concurrent(args.postgres, args.writers, args.scans, folder=folder)
    print(json.dumps(out, indent=2))
    for where, r in out.items():
        for row in rows_for_table(r, where):
            print(" | ".join(row))
    return 0 if all(passed(r) for r in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
