"""Helpers for Pilot tests: a frozen clock, no cursor blink, waiting on workers (no sleeps)."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Static

from kiosk.app import create_app
from models.clock import FrozenClock
from models.config import Settings
from models.custody.trays import TraySpec
from tests.school import NOW, build


def settings(**kw) -> Settings:
    return Settings(school_name="Test School", trays=[TraySpec("B", 30, "Oak"), TraySpec("C", 10)], **kw)


def make_app(**kw):
    kw.setdefault("print_worker", False)  # tests that print start it themselves
    return create_app(settings(), clock=FrozenClock(NOW), cursor_blink=False, **kw)


LONG_LIVED = ("scanner", "printer", "checkpoint")  # worker groups that run until their screen or the app closes


async def settle(pilot):
    """Wait for every finite worker (not the scan lane or the print loop) and a quiet message queue."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for worker in [w for w in pilot.app.workers if w.group not in LONG_LIVED]:
        try:
            await worker.wait()
        except (WorkerCancelled, WorkerFailed):
            pass  # a worker of a screen that has gone: nothing to wait for
    await pilot.pause()


async def drawn(pilot, seconds: float = 60.0):
    """Settle until the screen has nothing left to do, twice in a row.

    A result may start another worker; a DataTable sizes its columns on the next idle
    after rows are added; the footer recomposes after the screen's next refresh. Each
    leaves the screen looking finished for a moment. ``pilot.pause()`` alone judges
    "idle" by the process's CPU time, which a busy CI machine fools (a starved process
    looks idle), so this also checks Textual's own to-do lists: workers, message
    queues, pending layout and repaint, and callbacks waiting for a refresh.

    The wait is bounded by wall-clock time, not by a count of rounds: a loaded CI
    machine may need many more rounds than a quiet one, but never a minute.
    """
    deadline = time.monotonic() + seconds
    quiet_rounds = 0
    while time.monotonic() < deadline:
        await settle(pilot)
        quiet_rounds = quiet_rounds + 1 if _quiet(pilot.app) else 0
        if quiet_rounds >= 2:
            return
    raise AssertionError(f"the screen did not settle within {seconds:.0f} s")


def _quiet(app) -> bool:
    from kiosk.textual_compat import queues_empty, screen_settled

    screen = app.screen
    if any(w.group not in LONG_LIVED and not w.is_finished for w in app.workers):
        return False
    if not screen_settled(screen):
        return False
    return queues_empty([app, *screen.walk_children(with_self=True)])


def burst(app, keys):
    """Send key events through the driver back to back, as a scanner in continuous mode does.

    (``pilot.press`` waits for the app to go idle after every key, which no scanner does.)
    """
    from kiosk.textual_compat import send_key_as_driver

    for key in keys:
        send_key_as_driver(app, key)


async def scans_done(pilot, n, seconds: float = 60.0):
    """Wait until the scan screen has shown ``n`` results, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while pilot.app.screen.count < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {pilot.app.screen.count} of {n} scans shown after {seconds:.0f} s")
        await pilot.pause()


async def quiet(pilot, seconds: float = 60.0) -> None:
    """Settle until no database worker is left (a result may start another), for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        await settle(pilot)
        if not [w for w in pilot.app.workers if w.group != "scanner" and not w.is_finished]:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"database workers were still running after {seconds:.0f} s")


async def until(pilot, condition, seconds: float = 60.0, what: str = "the condition") -> None:
    """Pause until ``condition()`` holds, for at most ``seconds`` of wall-clock time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds:.0f} s")
        await pilot.pause()


async def sign_in(pilot, username, pin):
    await pilot.press(*username, "enter", *pin, "enter")
    await settle(pilot)


def text(app, selector) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.fixture
def school(database):
    return build()
