"""An interrupted demo can always be finished (issue 11, item 10).

The demo school is built in one transaction: an exception, ctrl+c or a SIGKILL part
way through leaves the database as empty as before, and the next ``kiosk demo`` (or
``kiosk run --demo``) builds it whole.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kiosk.cli import main
from models.config import DEMO_CONFIG, load_settings
from models.store.tables import AuditEntry, CustodyEvent, Device, Pupil, Staff, Visit
from models.upkeep import demo
from tests.conftest import REPO

WAIT_S = 120.0  # wall-clock bound on waiting for the child to reach its midpoint


def settings():
    return load_settings(str(DEMO_CONFIG))


def school_rows() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (Pupil, Staff, Device, CustodyEvent, Visit)}


EMPTY = {"Pupil": 0, "Staff": 0, "Device": 0, "CustodyEvent": 0, "Visit": 0}


@pytest.mark.parametrize("error", [RuntimeError("power cut"), KeyboardInterrupt()], ids=["exception", "ctrl-c"])
def test_an_interrupted_demo_leaves_nothing_and_runs_again(sqlite_db, monkeypatch, error):
    # SQLite only: an error raised in Python rolls the one transaction back on either engine;
    # what PostgreSQL does with a build cut off mid-transaction is the kill -9 test below
    # (each demo build on PostgreSQL costs about 10 s of CI).
    real = demo.custody.confiscate
    calls = []

    def interrupted(*args, **kwargs):  # the first confiscation: after roster, staff, phones and days of history
        calls.append(1)
        real(*args, **kwargs)
        raise error

    monkeypatch.setattr(demo.custody, "confiscate", interrupted)
    audit_before = AuditEntry.select().count()
    with pytest.raises(type(error)):
        demo.create_demo(settings())
    assert calls == [1]
    assert school_rows() == EMPTY and AuditEntry.select().count() == audit_before
    monkeypatch.undo()
    counts = demo.create_demo(settings())
    assert counts["pupils"] == 210 and counts["staff"] == 6  # with the chair of governors
    assert school_rows()["Pupil"] == 210


CHILD = textwrap.dedent("""
    import sys
    from models.upkeep import demo
    from models.config import DEMO_CONFIG, load_settings
    from models.upkeep.opening import open_database

    open_database(sys.argv[1])
    real = demo.custody.confiscate

    def pause(*args, **kwargs):
        real(*args, **kwargs)
        print("MIDPOINT", flush=True)
        sys.stdin.read()  # until killed

    demo.custody.confiscate = pause
    demo.create_demo(load_settings(str(DEMO_CONFIG)))
    print("FINISHED", flush=True)
""")


def _read_line(proc: subprocess.Popen, deadline: float) -> str:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, min(1.0, deadline - time.monotonic()))):
                return proc.stdout.readline().decode()
            if proc.poll() is not None:
                return proc.stdout.readline().decode()
    finally:
        sel.close()
    return ""


def test_a_demo_killed_midway_is_built_whole_by_the_next_run(database, capsys):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    try:
        line = _read_line(proc, time.monotonic() + WAIT_S)
        assert line.strip() == "MIDPOINT", (line, proc.stderr.read1().decode() if proc.poll() is not None else "")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT_S)
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    assert school_rows() == EMPTY  # the killed build left nothing behind
    assert main(["demo", "--db", database]) == 0
    assert capsys.readouterr().out.startswith("Demo school created: 210 pupils, 6 staff,")
    assert school_rows()["Staff"] == 6
    assert main(["demo", "--db", database]) != 0  # a finished demo is not built twice
    assert "already has a school" in capsys.readouterr().err


def test_the_demo_database_with_a_school_in_it_says_what_to_do(capsys):
    """A demo database left half-built by an older version: the refusal says how to start again."""
    from models.config import data_dir
    from models.store.db import close_db
    from models.upkeep.opening import open_database
    from tests.school import build

    path = data_dir() / "demo.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        open_database(str(path))
        build()
        close_db()
        assert main(["demo"]) != 0
        err = capsys.readouterr().err
        assert "already has a school in it" in err and f"delete {path}" in err and err.count("\n") == 1
    finally:
        close_db()
        for p in path.parent.glob("demo.sqlite3*"):
            p.unlink()


def test_ctrl_c_during_kiosk_demo_says_nothing_was_kept(sqlite_db, monkeypatch, capsys):
    database = sqlite_db  # SQLite only, as above: the words and exit code do not depend on the engine
    real = demo.custody.confiscate

    def ctrl_c(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(demo.custody, "confiscate", ctrl_c)
    assert main(["demo", "--db", database]) == 130
    err = capsys.readouterr().err
    assert err == "Stopped: the demo school was not created (nothing of it was kept). Run kiosk demo again.\n"
    monkeypatch.undo()
    assert school_rows() == EMPTY
    assert main(["demo", "--db", database]) == 0
