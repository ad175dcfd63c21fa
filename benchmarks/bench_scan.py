"""Drive the real kiosk in a pseudo-terminal and time scanning and start-up.

Nothing is mocked: ``python -m kiosk.cli run --start hand-in`` runs as a child process
on a pty (TERM=xterm-256color), on the demo school in a temporary SQLite database
(WAL, synchronous=FULL) with a fresh KIOSK_DATA_DIR. Keys go in as bytes, as a USB
keyboard-wedge scanner sends them; what the app draws is read back from the pty.

1. Burst: N valid codes typed back to back (written in large chunks). The database is
   polled until N new ``handed_in`` events exist. Reported: committed events, codes
   merged / split / dropped (the ledger's ordered ``label_code`` list against what
   was typed, and the on-screen scan counter), and scans per second from the first
   byte written to the last commit seen.
2. Human pace: one scan every 200-400 ms (seeded random gaps, 300 ms on average);
   latency is from writing the code and its terminator to the pupil's name
   appearing in the terminal output (ANSI stripped). The gaps are random because a
   fixed one is a whole number of Textual's frame periods (300 ms is 18 frames at
   60 fps, 72 at 240), so every scan would arrive at the same point of the frame
   clock and a run would measure that one phase, lucky or unlucky, 200 times over.
3. Start-up: from spawning ``kiosk run`` to "Staff sign-in" appearing; median of 5.

    python benchmarks/bench_scan.py [--quick] [--keep DIR]

The demo school has about 120 phones; the set-up adds pupils (classes Maple01...,
30 a class, each with its own tray of 30 slots) with one registered phone each, so
there are enough distinct codes that are all still out of the tray.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import re
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLS, ROWS = 120, 40
CLASS_SIZE = 30
FIRST_SERIAL = 900000  # bench labels: K900000... (demo codes are random; clashes are skipped)
# CSI, OSC, DCS/APC/PM strings, and two-byte escapes.
ANSI = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")
COUNTER = re.compile(rb"(\d+) scans?\b")


def strip_ansi(data: bytes) -> bytes:
    return ANSI.sub(b"", data)


# --------------------------------------------------------------------------- the terminal


class Terminal:
    """The kiosk as a child process on a pty: write keys, wait for text in its output."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int | None = None, rows: int | None = None) -> None:
        """`cols` x `rows`: the pty's size (COLS x ROWS unless given, read when called)."""
        master, slave = os.openpty()
        size = (ROWS if rows is None else rows, COLS if cols is None else cols)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.fd = master
        self.chunks: list[tuple[float, bytes]] = []  # (time read, bytes), in order
        self.closed = False
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        """Drain the pty continuously (a full pty would stall the app's output)."""
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the child has gone
                data = b""
            now = time.perf_counter()
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.chunks.append((now, data))
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.chunks)

    def write(self, data: bytes) -> float:
        """Write all of data; return the time the write began."""
        start = time.perf_counter()
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        return start

    def wait_for(self, text: str | bytes, since: int = 0, timeout: float = 10.0, tail: int = 1 << 18) -> float:
        """The time of the chunk in which `text` first appears after chunk `since` (ANSI stripped).

        Only the last `tail` bytes are searched at each step, so long outputs stay cheap.
        """
        needle = text.encode() if isinstance(text, str) else text
        deadline = time.perf_counter() + timeout
        window = b""
        i = since
        with self.cond:
            while True:
                while i < len(self.chunks):
                    at, data = self.chunks[i]
                    i += 1
                    window = (window + data)[-tail:]
                    if needle in strip_ansi(window):
                        return at
                if self.closed:
                    raise RuntimeError(f"the kiosk exited before showing {needle!r}: {self.text_tail()!r}")
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"{needle!r} did not appear within {timeout} s")
                self.cond.wait(left)

    def text_tail(self, size: int = 1 << 16) -> str:
        with self.cond:
            raw = b"".join(data for _, data in self.chunks[-64:])
        return strip_ansi(raw[-size:]).decode("utf-8", "replace")

    def quiet(self, period: float = 0.15, timeout: float = 5.0) -> None:
        """Wait until the app has drawn nothing for `period` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            seen = self.mark()
            time.sleep(period)
            if self.mark() == seen:
                return

    def close(self) -> None:
        """Quit with ctrl+q as a person would; kill only if the app does not exit."""
        if self.proc.poll() is None:
            try:
                self.write(b"\x11")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=2)
        os.close(self.fd)


# --------------------------------------------------------------------------- the school


@dataclass
class School:
    folder: Path
    db: Path
    config: Path
    env: dict[str, str]
    codes: list[str] = field(default_factory=list)  # fresh phones, all out of the tray
    names: dict[str, str] = field(default_factory=dict)  # code -> unique surname token shown on screen


def make_school(folder: Path, phones: int) -> School:
    """The demo school plus `phones` pupils with one registered phone each, in classes with trays."""
    data = folder / "data"
    data.mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KIOSK_CONFIG", "KIOSK_DATABASE_URL", "KIOSK_PIN", "KIOSK_PRINTER")
    }
    env.update(
        KIOSK_DATA_DIR=str(data),
        XDG_CONFIG_HOME=str(folder / "config"),
        TERM="xterm-256color",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        PYTHONPATH=str(ROOT),
    )
    db_path = folder / "bench.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--db", str(db_path)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    from models.config import DEMO_CONFIG, load_settings
    from models.custody import codes
    from models.custody.devices import register_pupil_device
    from models.custody.trays import TraySpec, sync_trays
    from models.school.people import import_roster
    from models.school.roster import RosterResult, RosterRow
    from models.store.db import close_db, db
    from models.store.tables import Label
    from models.upkeep.opening import open_database

    classes = -(-phones // CLASS_SIZE)
    rows = [
        RosterRow(
            line=i + 2,
            admission_no=f"B{i:05d}",
            first_name="Pupil",
            last_name=f"N{i:04d}",
            year_group=6,
            class_name=f"Maple{i // CLASS_SIZE + 1:02d}",
            dob=None,
            contacts=(),
        )
        for i in range(phones)
    ]
    trays = [TraySpec(f"M{c + 1:02d}", CLASS_SIZE, f"Maple{c + 1:02d}") for c in range(classes)]
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text += "".join(f'\n[[trays]]\nname = "{t.name}"\nslots = {t.slots}\nclass = "{t.school_class}"\n' for t in trays)
    config = folder / "config.toml"
    config.write_text(text, encoding="utf-8")

    school = School(folder, db_path, config, env)
    from models.store import pinkey

    before = pinkey.configured()
    pinkey.configure(data / pinkey.FILE_NAME)  # the key `kiosk demo` made: the audit chain's too
    open_database(db_path)
    try:
        import_roster(RosterResult(rows=rows, errors=[], warnings=[], source_format="bench"), actor="bench")
        sync_trays(load_settings(config).trays, actor="bench")
        taken = {label.code for label in Label.select(Label.code)}
        serial = FIRST_SERIAL
        with db.atomic():  # one commit for the set-up, not one fsync per phone
            for row in rows:
                while (code := codes.make_code("K", serial)) in taken:
                    serial += 1
                serial += 1
                register_pupil_device(row.admission_no, actor="bench", code=code)
                school.codes.append(code)
                school.names[code] = row.last_name
    finally:
        close_db()
        pinkey.configure(before)
    return school


def school_from_db(source: Path, folder: Path, need: int) -> School:
    """A copy of a database made by ``benchmarks/gen_db.py`` (5,000 pupils, 1M events),
    with its trays in a config file and `need` phones that are out of the tray."""
    import shutil

    data = folder / "data"
    data.mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KIOSK_CONFIG", "KIOSK_DATABASE_URL", "KIOSK_PIN", "KIOSK_PRINTER")
    }
    env.update(
        KIOSK_DATA_DIR=str(data),
        XDG_CONFIG_HOME=str(folder / "config"),
        TERM="xterm-256color",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        PYTHONPATH=str(ROOT),
    )
    db_path = folder / "bench.sqlite3"
    shutil.copyfile(source, db_path)
    from benchmarks.fault_school import share_pin_key

    share_pin_key(data)  # its PINs were hashed with this machine's PIN key, where gen_db.py ran
    # Write the copy out now (and anything else left dirty, e.g. by gen_db.py). Left to
    # the kernel, its 500 MB of dirty pages are flushed about 30 s later
    # (vm.dirty_expire_centisecs), in the middle of the timed scans, and a scan's sync
    # to disk then waits behind them: the benchmark would be timing its own set-up (a
    # paced run showed single 70-100 ms commits exactly then, and none after a sync).
    os.sync()
    conn = sqlite3.connect(db_path)
    try:
        trays = conn.execute(
            "SELECT t.name, t.slots, c.name FROM tray t LEFT JOIN school_class c "
            "ON c.id = t.school_class_id WHERE t.active ORDER BY t.position, t.name"
        ).fetchall()
        rows = conn.execute(
            "SELECT l.code, p.first_name || ' ' || p.last_name FROM label l "
            "JOIN device d ON d.id = l.device_id JOIN pupil p ON p.id = d.pupil_id "
            "JOIN device_state s ON s.device_id = d.id "
            "WHERE s.state = 'out' AND l.revoked_at IS NULL AND d.active ORDER BY l.id"
        ).fetchall()
    finally:
        conn.close()
    text = 'school_name = "Benchmark School"\n' + "".join(
        f'\n[[trays]]\nname = "{name}"\nslots = {slots}\n' + (f'class = "{cls}"\n' if cls else "")
        for name, slots, cls in trays
    )
    config = folder / "config.toml"
    config.write_text(text, encoding="utf-8")
    school = School(folder, db_path, config, env)
    seen_names: set[str] = set()
    for code, name in rows:  # a name that appears only once, so the latency probe is not fooled
        if name not in seen_names:
            seen_names.add(name)
            school.codes.append(code)
            school.names[code] = name
        if len(school.codes) >= need:
            break
    if len(school.codes) < need:
        raise SystemExit(
            f"{source} has only {len(school.codes)} phones out of the tray with distinct names; need {need}."
        )
    return school


def start_kiosk(school: School, start: str | None = "hand-in") -> Terminal:
    argv = [sys.executable, "-m", "kiosk.cli", "run", "--db", str(school.db), "--config", str(school.config)]
    if start:
        argv += ["--start", start]
    return Terminal(argv, school.env)


def sign_in(term: Terminal) -> None:
    """Sign in as office (the demo office PIN) and wait for the hand-in screen.

    The username and the PIN go in as two writes: written as one, "office\r482916\r"
    leaves "office482916" in the username field (the focus moves to the PIN field only
    when the Submitted message is handled, after the next keys have arrived).
    """
    term.wait_for("Staff sign-in", timeout=30)
    term.quiet()
    term.write(b"office\r")
    term.quiet()
    mark = term.mark()
    from models.upkeep.demo import DEMO_PINS

    term.write(DEMO_PINS["office"].encode() + b"\r")
    term.wait_for("Morning hand-in", since=mark, timeout=30)
    term.quiet()


class Ledger:
    """Read-only view of the kiosk's database from outside the app (WAL: no blocking)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)

    def last_id(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM custody_event").fetchone()[0]

    def handed_in_since(self, after_id: int) -> int:
        return self.conn.execute(
            "SELECT COUNT(*) FROM custody_event WHERE kind = 'handed_in' AND id > ?", (after_id,)
        ).fetchone()[0]

    def codes_since(self, after_id: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT label_code FROM custody_event WHERE kind = 'handed_in' AND id > ? ORDER BY id", (after_id,)
        )
        return [r[0] for r in rows]

    def pragma(self, name: str):
        return self.conn.execute(f"PRAGMA {name}").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- the measurements


def bench_burst(school: School, codes: list[str], timeout: float = 300.0) -> dict:
    """Type `codes` back to back; wait until each has a committed hand-in."""
    term = start_kiosk(school)
    ledger = Ledger(school.db)
    try:
        sign_in(term)
        base = ledger.last_id()
        payload = b"".join(code.encode() + b"\r" for code in codes)
        first = term.write(payload)  # blocks while the pty buffer is full: the app reads at its pace
        written = time.perf_counter()
        last_count, last_change, committed = 0, time.perf_counter(), 0
        while True:
            committed = ledger.handed_in_since(base)
            now = time.perf_counter()
            if committed != last_count:
                last_count, last_change = committed, now
            if committed >= len(codes) or now - last_change > 20 or now - first > timeout:
                break
            time.sleep(0.002)
        last_commit = last_change
        try:  # the on-screen counter: a merge shows fewer scans, a split more
            term.wait_for(f"{len(codes)} scans", since=max(0, term.mark() - 256), timeout=10)
            screen_scans = len(codes)
        except TimeoutError:
            found = COUNTER.findall(strip_ansi(term.text_tail().encode()))
            screen_scans = int(found[-1]) if found else -1
        got = ledger.codes_since(base)
        journal = ledger.pragma(
            "journal_mode"
        )  # a property of the file; synchronous=FULL is per connection (models/store/db.py)
    finally:
        term.close()
        ledger.close()
    typed = list(codes)
    dropped = [c for c in typed if c not in set(got)]
    extra = [c for c in got if c not in set(typed)]
    return {
        "typed": len(typed),
        "committed": len(got),
        "in_order": got == typed,
        "dropped": len(dropped),
        "unexpected": len(extra),
        "screen_scans": screen_scans,
        "merged": max(0, len(typed) - screen_scans) if screen_scans >= 0 else None,
        "split": max(0, screen_scans - len(typed)) if screen_scans >= 0 else None,
        "write_s": written - first,
        "seconds": last_commit - first,
        "per_second": len(got) / (last_commit - first) if got else 0.0,
        "journal_mode": journal,
    }


def bench_latency(school: School, codes: list[str], pace: float = 0.3, seed: int = 1) -> dict:
    """One scan every `pace` seconds on average (uniform 2/3 to 4/3 of it, seeded);
    time from writing it to the pupil's name on screen."""
    import random

    gaps = random.Random(seed)
    term = start_kiosk(school)
    latencies: list[float] = []
    try:
        sign_in(term)
        for code in codes:
            mark = term.mark()
            sent = term.write(code.encode() + b"\r")
            shown = term.wait_for(school.names[code], since=mark, timeout=10)
            latencies.append((shown - sent) * 1000)
            time.sleep(max(0.0, sent + gaps.uniform(pace * 2 / 3, pace * 4 / 3) - time.perf_counter()))
    finally:
        term.close()
    ordered = sorted(latencies)
    return {
        "scans": len(latencies),
        "p50_ms": statistics.median(ordered),
        "p90_ms": percentile(ordered, 90),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1],
        "latencies": latencies,
    }


def bench_startup(school: School, runs: int = 5) -> dict:
    """Spawn `kiosk run` and time until the sign-in screen is drawn."""
    times = []
    for _ in range(runs):
        term = start_kiosk(school, start="hand-in")
        try:
            shown = term.wait_for("Staff sign-in", timeout=30)
            times.append(shown - term.spawned)
            term.quiet(0.1)
        finally:
            term.close()
    return {
        "runs": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "times": times,
    }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def run_all(quick: bool = False, keep: Path | None = None, big_db: Path | None = None) -> dict:
    """On the demo school (1,000 burst scans), or on a copy of a gen_db.py database
    (``big_db``: 2,000 burst scans, as issue 6 asks)."""
    burst_n, latency_n, startups = (100, 30, 2) if quick else (2000 if big_db else 1000, 200, 5)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        folder = (keep or Path(scratch)) / f"school-{dt.datetime.now():%H%M%S}"
        if big_db is not None:
            school = school_from_db(big_db, folder, burst_n + latency_n)
        else:
            school = make_school(folder, burst_n + latency_n)
        return {
            "database": str(big_db) if big_db else "demo school",
            "phones_added": len(school.codes),
            "startup": bench_startup(school, startups),
            "burst": bench_burst(school, school.codes[:burst_n]),
            "latency": bench_latency(school, school.codes[burst_n : burst_n + latency_n]),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 burst scans, 30 paced scans, 2 start-ups")
    parser.add_argument("--keep", type=Path, help="build the school under this folder and keep it")
    parser.add_argument(
        "--big-db", type=Path, help="a SQLite database made by benchmarks/gen_db.py (copied, not changed)"
    )
    args = parser.parse_args(argv)
    result = run_all(args.quick, args.keep, args.big_db)
    s, b, lat = result["startup"], result["burst"], result["latency"]
    print(f"start-up: median {s['median_s']:.3f} s of {s['runs']} ({', '.join(f'{t:.3f}' for t in s['times'])})")
    print(
        f"burst: {b['committed']}/{b['typed']} committed, in order {b['in_order']}, dropped {b['dropped']}, "
        f"merged {b['merged']}, split {b['split']}, {b['per_second']:.0f} scans/s over {b['seconds']:.2f} s "
        f"(bytes written in {b['write_s']:.2f} s)"
    )
    print(
        f"latency: {lat['scans']} scans, p50 {lat['p50_ms']:.1f} ms, p90 {lat['p90_ms']:.1f} ms, "
        f"p99 {lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
