"""Journeys of the installed app in a real pseudo-terminal (nothing mocked): the keys go
in as bytes, as a keyboard or a keyboard-wedge scanner sends them, and what the app
draws is read back. Every wait is bounded (``Terminal.wait_for``); no sleeps."""

from __future__ import annotations

import sqlite3

import pytest

from benchmarks.bench_scan import Terminal, make_school, start_kiosk
from models.upkeep.demo import DEMO_PINS


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    return make_school(tmp_path_factory.mktemp("pty-school"), phones=3)


def _handed_in(db, code: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM custody_event WHERE kind = 'handed_in' AND label_code = ?", (code,)
        ).fetchone()[0]
    finally:
        conn.close()


def test_h_and_a_code_typed_at_once_at_home_are_one_hand_in(school, monkeypatch):
    """helper-31, in tmux: `h` and a scan in one burst opened Morning hand-in with 0 scans;
    the code stayed in Home's hidden buffer and spoiled the next key there. (Written to a
    pty directly the keys did not split that way before the fix either: the race is
    pinned by tests/screens/test_scan_screens_i11.py; this keeps the whole journey honest.)"""
    from benchmarks import bench_scan

    monkeypatch.setattr(bench_scan, "COLS", 80)
    monkeypatch.setattr(bench_scan, "ROWS", 24)
    term: Terminal = start_kiosk(school, start=None)
    try:
        term.wait_for("Staff sign-in", timeout=30)
        term.write(b"office\r" + DEMO_PINS["office"].encode() + b"\r")  # one burst (the sign-in takes it)
        term.wait_for("registered phones handed in", timeout=30)  # Home, its summary drawn
        mark = term.mark()
        code = school.codes[0]
        term.write(b"h" + code.encode())  # as tmux send-keys sends them: the code, then Enter
        term.write(b"\r")
        term.wait_for(school.names[code], since=mark, timeout=30)
        term.wait_for("1 scan", since=mark, timeout=30)
        assert _handed_in(school.db, code) == 1
    finally:
        term.close()
