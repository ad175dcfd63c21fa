"""Journeys of the installed app (issue 14): `kiosk run --demo` in a real pseudo-terminal.

Each test starts the venv's own `kiosk` script (the installed entry point, not
`python -m`) on a pty of 80×24 or 110×32, on a fresh copy of the demo school in the
test's tmp folder (HOME, KIOSK_DATA_DIR and the XDG folders are all in it). Keys go in as
the bytes a keyboard or a keyboard-wedge scanner sends; what the app draws is read back
through pyte, a VT100 terminal emulator, as the lines a person sees.

The checks a person's eyes make:

* ``wait_for``: named texts are on the screen (a text wrapped over two lines counts:
  the lines are joined without the box-drawing characters); every wait is bounded.
* ``assert_footer``: every key in the footer is readable whole. Each item of the bottom
  line must be one of the app's own bindings, key and description in full (a cut item
  such as "f6 Hand in any" is not one), and the keys the step needs must be there.
* What a table or panel must show (a slot, a column, the next step) is asserted as the
  whole text: pyte keeps only what fits the terminal, so a text cut at the right edge,
  or behind "…", fails.

The demo school is made once per test session (per xdist worker) with `kiosk demo
--demo`, and copied for each test. What the demo holds today depends on the time of day
(its morning hand-in starts at 08:35), so the codes a test uses are looked up in the
copy, not written into the test.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyte
import pytest

from benchmarks.bench_scan import Terminal
from models.upkeep.demo import DEMO_PINS

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((110, 32), id="110x32")]
SMALL, LARGE = (80, 24), (110, 32)
KIOSK = Path(sys.executable).parent / "kiosk"  # the venv's installed entry point
STEP = 20.0  # seconds: a bound on each wait (generous: two CPUs shared with other tests)
START = 45.0  # the first screen, from spawning the process
LOOK = 8.0  # seconds: once the app has drawn a step, how long a check waits for what a person must read (a bound, not a pause: on a loaded CI machine a worker's rows came after 3 s)

KEYS = {
    "enter": b"\r",
    "tab": b"\t",
    "esc": b"\x1b",
    "space": b" ",
    "backspace": b"\x7f",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
    "f7": b"\x1b[18~",
    "f8": b"\x1b[19~",
    "f9": b"\x1b[20~",
    "f10": b"\x1b[21~",
    "f12": b"\x1b[24~",
    "ctrl+q": b"\x11",
}
# Box drawing, block and scrollbar characters: borders, not words.
FRAME = re.compile(r"[\u2500-\u259f]")


# --------------------------------------------------------------------------- the footer


@functools.cache
def footer_labels() -> frozenset[str]:
    """Every "key Description" the app's footer can show: its bindings, whole."""
    import importlib
    import inspect
    import pkgutil

    from textual.app import App
    from textual.binding import Binding

    names = ["kiosk.app"]
    for package in ("kiosk.screens", "kiosk.dialogs", "kiosk.widgets"):
        module = importlib.import_module(package)
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)]
    app = App()
    labels = set()
    for name in names:
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            for b in getattr(cls, "BINDINGS", None) or []:
                if isinstance(b, Binding) and b.show and b.description:
                    for key in b.key.split(","):
                        one = Binding(key.strip(), b.action, b.description, key_display=b.key_display)
                        labels.add(f"{app.get_key_display(one)} {b.description}")
    return frozenset(labels)


# --------------------------------------------------------------------------- the school


def school_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "TEXTUAL", "PYTEST_"))}
    env.update(
        HOME=str(folder / "home"),
        KIOSK_DATA_DIR=str(folder / "data"),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_DATA_HOME=str(folder / "xdg-data"),
        XDG_CACHE_HOME=str(folder / "cache"),
        TERM="xterm-256color",
    )
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


@dataclass
class School:
    folder: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.folder / "data" / "demo.sqlite3"

    def query(self, sql: str, *args) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def one(self, sql: str, *args):
        rows = self.query(sql, *args)
        assert len(rows) == 1, rows
        return rows[0]

    def phones_out(self, class_name: str, n: int) -> list[tuple[str, str]]:
        """(code, "First Last") of n pupils of the class whose phone is out now and who
        have no agreed exception, in the class checklist's order (surname, first name)."""
        rows = self.query(
            "SELECT l.code, p.first_name || ' ' || p.last_name FROM pupil p "
            "JOIN school_class c ON c.id = p.school_class_id JOIN device d ON d.pupil_id = p.id "
            "JOIN label l ON l.device_id = d.id AND l.revoked_at IS NULL "
            "JOIN device_state s ON s.device_id = d.id "
            "WHERE c.name = ? AND s.state = 'out' AND d.active "
            "AND p.id NOT IN (SELECT pupil_id FROM agreed_exception WHERE pupil_id IS NOT NULL) "
            "ORDER BY p.last_name, p.first_name",
            class_name,
        )
        assert len(rows) >= n, rows
        return rows[:n]

    def first_phones(self, class_name: str, n: int) -> list[tuple[str, str]]:
        """(code, "First Last") of the first n pupils in the class checklist's order (surname,
        first name) who have a labelled phone and no agreed exception, wherever the phone is."""
        rows = self.query(
            "SELECT l.code, p.first_name || ' ' || p.last_name FROM pupil p "
            "JOIN school_class c ON c.id = p.school_class_id JOIN device d ON d.pupil_id = p.id "
            "JOIN label l ON l.device_id = d.id AND l.revoked_at IS NULL "
            "WHERE c.name = ? AND d.active "
            "AND p.id NOT IN (SELECT pupil_id FROM agreed_exception WHERE pupil_id IS NOT NULL) "
            "ORDER BY p.last_name, p.first_name",
            class_name,
        )
        assert len(rows) >= n, rows
        return rows[:n]

    def state_of(self, code: str) -> str:
        return self.one(
            "SELECT s.state FROM device_state s JOIN label l ON l.device_id = s.device_id WHERE l.code = ?", code
        )[0]

    def in_slots(self, class_name: str) -> int:
        """How many phones of the class are in a slot now."""
        return self.one(
            "SELECT COUNT(*) FROM device_state s JOIN device d ON d.id = s.device_id "
            "JOIN pupil p ON p.id = d.pupil_id JOIN school_class c ON c.id = p.school_class_id "
            "WHERE c.name = ? AND s.state = 'in_tray'",
            class_name,
        )[0]

    def excepted_pupil(self) -> tuple[str, str]:
        """(code, "First Last") of the demo's pupil with an agreed exception."""
        return self.one(
            "SELECT l.code, p.first_name || ' ' || p.last_name FROM agreed_exception e "
            "JOIN pupil p ON p.id = e.pupil_id JOIN device d ON d.pupil_id = p.id "
            "JOIN label l ON l.device_id = d.id AND l.revoked_at IS NULL "
            "WHERE e.revoked_at IS NULL"
        )

    def slot_of(self, code: str) -> str:
        """Where the phone of this label is now, as the screens say it ("slot B-03")."""
        tray, slot = self.one(
            "SELECT t.name, s.slot_no FROM label l JOIN device_state s ON s.device_id = l.device_id "
            "JOIN tray t ON t.id = s.tray_id WHERE l.code = ?",
            code,
        )
        return f"slot {tray}-{slot:02d}"

    def events(self, code: str) -> list[str]:
        """The kinds of custody event on this label's phone, oldest first."""
        return [
            kind
            for (kind,) in self.query(
                "SELECT e.kind FROM custody_event e JOIN label l ON l.device_id = e.device_id "
                "WHERE l.code = ? ORDER BY e.id",
                code,
            )
        ]

    def hand_in(self, *codes: str) -> None:
        """Phones handed in before the journey, with the installed `kiosk scan` as the office."""
        if not codes:
            return
        env = dict(self.env, KIOSK_PIN=DEMO_PINS["office"])
        done = subprocess.run(
            [str(KIOSK), "scan", "--demo", "--mode", "hand-in", "--as", "office"],
            input="".join(f"{c}\n" for c in codes),
            env=env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and done.stdout.count("OK") == len(codes), done.stdout + done.stderr

    def __post_init__(self) -> None:
        assert self.db.exists(), self.db


# --------------------------------------------------------------------------- the terminal


class Kiosk:
    """`kiosk run --demo` on a pty, read back through pyte."""

    def __init__(self, school: School, size: tuple[int, int]) -> None:
        self.school = school
        self.cols, self.rows = size
        self.screen = pyte.Screen(self.cols, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.fed = 0  # chunks of the pty's output fed to pyte so far
        self.term = Terminal([str(KIOSK), "run", "--demo"], school.env, cols=self.cols, rows=self.rows)

    # ------------------------------------------------------------ reading

    def _feed(self) -> None:
        with self.term.cond:
            chunks = self.term.chunks[self.fed :]
            self.fed += len(chunks)
        for _, data in chunks:
            self.stream.feed(data)

    def lines(self) -> list[str]:
        self._feed()
        return [line.rstrip() for line in self.screen.display]

    def dump(self) -> str:
        return "\n".join(f"{i:2d}|{line}" for i, line in enumerate(self.lines()))

    @staticmethod
    def _words(lines: list[str]) -> str:
        return " ".join(" ".join(FRAME.sub(" ", line).split()) for line in lines)

    def flat(self, lines: list[str] | None = None) -> str:
        """The screen's words, lines joined (so wrapped text reads as one), frames dropped."""
        return self._words(self.lines() if lines is None else lines)

    def shows(self, text: str) -> bool:
        return " ".join(text.split()) in self.flat()

    def wait_until(self, what: str, ok: Callable[[], bool], timeout: float = STEP) -> None:
        """Poll the screen until ok(); new output wakes the poll, and it gives up at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            if ok():
                return
            with self.term.cond:
                if self.term.closed and self.fed >= len(self.term.chunks):
                    raise AssertionError(f"the kiosk exited while waiting for {what}:\n{self.dump()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self.fed >= len(self.term.chunks):
                    self.term.cond.wait(min(left, 0.5))
        raise AssertionError(f"not on the screen within {timeout} s: {what}\n{self.dump()}")

    def wait_for(self, *texts: str, timeout: float = STEP) -> None:
        """Until every text is on the screen (each whole: a cut text never matches)."""
        self.wait_until(" + ".join(repr(t) for t in texts), lambda: all(self.shows(t) for t in texts), timeout)

    def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Until the app has drawn nothing for `quiet` seconds (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        with self.term.cond:
            seen, since = len(self.term.chunks), time.monotonic()
            while (now := time.monotonic()) < deadline and not self.term.closed:
                if len(self.term.chunks) != seen:
                    seen, since = len(self.term.chunks), now
                elif now - since >= quiet:
                    return
                self.term.cond.wait(min(quiet - (now - since), deadline - now))

    def assert_shows(self, *texts: str) -> None:
        """Each text is on the screen, whole, once the app has finished drawing (no long wait:
        what a person must read is either there or it is not)."""
        self.settle()
        try:
            self.wait_until("", lambda: all(self.shows(t) for t in texts), timeout=LOOK)
        except AssertionError:
            missing = [t for t in texts if not self.shows(t)]
            raise AssertionError(f"not readable on the screen: {missing}\n{self.dump()}") from None

    def wait_any(self, *texts: str, timeout: float = STEP) -> str:
        """The first of the texts to appear."""
        found: list[str] = []

        def ok() -> bool:
            found[:] = [t for t in texts if self.shows(t)]
            return bool(found)

        self.wait_until(" or ".join(repr(t) for t in texts), ok, timeout)
        return found[0]

    # ------------------------------------------------------------ the footer

    def footer(self) -> tuple[list[str], bool]:
        """The footer's items, and whether "^p palette" is shown at its right. The footer wraps
        onto more lines at narrow widths (issue 14): the bottom line, and each line above it
        whose items are all the app's own key labels."""
        known = footer_labels()
        every: list[str] = []
        palette = False
        self.footer_lines = 0
        for n, line in enumerate(reversed(self.lines()[-4:])):
            keys, _, right = line.partition("\u258f")  # "▏" before "^p palette"
            shown = "^p palette" in right or "^p palette" in keys
            items = [item for item in re.split(r"\s{2,}", keys.replace("^p palette", "").strip()) if item]
            if n and (not items or not all(item in known for item in items)):
                break
            every = items + every
            palette = palette or shown
            self.footer_lines = n + 1
        return every, palette

    def assert_footer(self, *needed: str, palette: bool | None = None) -> None:
        """Every footer item whole (one of the app's bindings), and the keys this step needs shown."""
        self.settle()
        try:
            self.wait_until("", lambda: all(n in self.footer()[0] for n in needed), timeout=LOOK)
        except AssertionError:
            pass
        items, shown = self.footer()
        missing = [n for n in needed if n not in items]
        assert not missing, f"footer keys not shown whole: {missing}\n{self.dump()}"
        known = footer_labels()
        cut = [item for item in items if item not in known]
        assert not cut, f"footer items cut or unknown: {cut}\n{self.dump()}"
        assert not any("\u2026" in line for line in self.lines()[-self.footer_lines :]), self.dump()
        if palette is not None:
            assert shown == palette, f"^p palette shown: {shown}, expected {palette}\n{self.dump()}"

    # ------------------------------------------------------------ keys

    def press(self, *keys: str) -> None:
        """Named keys (or single characters), one write each (a lone Escape must not run into the next key)."""
        for key in keys:
            self.term.write(KEYS[key] if len(key) > 1 else key.encode())

    def type(self, text: str) -> None:
        self.term.write(text.encode())

    def keys(self, *keys: str) -> None:
        """Keys at a person's pace: each once the app has drawn what the last one did."""
        for key in keys:
            self.press(key)
            self.settle()

    def fill(self, text: str) -> None:
        """Type into the field that has the focus, see it there, then Enter (at a person's pace)."""
        if text:
            self.type(text)
            self.wait_for(text)
        self.keys("enter")

    def sign_in(self, username: str) -> None:
        """At the staff sign-in: username, Enter, PIN, Enter; until Home says who is signed in."""
        self.wait_for("Staff sign-in", "Username", "PIN", timeout=START)
        self.type(username)
        self.wait_for(username)
        self.press("enter")
        self.type(DEMO_PINS[username])
        self.press("enter")
        shown = self.school.one("SELECT display_name FROM staff WHERE username = ?", username)[0]
        self.wait_for(f"Signed in: {shown}")

    def lock(self) -> None:
        """F12: back to the staff sign-in, as the next person finds it."""
        self.press("f12")
        self.wait_for("Staff sign-in", "Username")

    # ------------------------------------------------------------ the end

    def close(self) -> None:
        """Ctrl+Q (staff screens quit at once); a screen that asks for the admin PIN is ended."""
        proc = self.term.proc
        if proc.poll() is None:
            try:
                self.press("ctrl+q")
                proc.wait(timeout=1.5)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.term.reader.join(timeout=2)
        os.close(self.term.fd)
