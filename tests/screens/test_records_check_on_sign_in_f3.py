"""Home's records' check runs when staff sign in and when the locked terminal is unlocked, not only
at start and hourly (issue 15, f3): a record edited outside the kiosk while it ran was not seen for
up to an hour. The check stays a thread worker (the sign-in is never held up) and never runs twice
at once: asked again while one runs, it runs once more after it. A frozen clock: no hour passes,
so only the sign-in can have run the check; no sleeps, bounded waits on the worker."""

from __future__ import annotations

import threading

from kiosk.actions import records as records_actions
from kiosk.actions.records import RECORDS_CHECK_FAILED
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.db import db
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW


def _confiscated(school) -> int:
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW)
    custody.confiscate(
        resolve(code).device.id, school.office, category="behaviour", reason="Filming", policy="M6", now=NOW
    )
    return CustodyEvent.select().order_by(CustodyEvent.id.desc()).get().id


def _forge(event_id: int) -> None:
    db.obj.execute_sql("update custody_event set grounds = 'forged' where id = %d" % event_id)  # noqa: S608


def _red(app) -> bool:
    return RECORDS_CHECK_FAILED in text(app, "#home-records")


async def test_signing_in_checks_the_records_again(school):
    event = _confiscated(school)
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_checked_at is not None, what="the check at start")
        assert app.records_failed_at is None
        _forge(event)  # while the sign-in screen waits
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await until(pilot, lambda: app.records_failed_at is not None, 20, "the check at sign-in to fail")
        await quiet(pilot)
        assert _red(app) and app.screen.query_one("#home-records").has_class("shown")


async def test_unlocking_checks_the_records_again(school):
    event = _confiscated(school)
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_checked_at is not None, what="the check at start")
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        assert not _red(app)
        await pilot.press("f12")  # locked: the sign-in screen covers Home
        await quiet(pilot)
        assert app.locked_by is not None
        _forge(event)
        await sign_in(pilot, "head", DEMO_PINS["head"])  # the same person: back to Home as it was
        await until(pilot, lambda: app.records_failed_at is not None, 20, "the check at unlock to fail")
        await quiet(pilot)
        assert type(app.screen).__name__ == "HomeScreen" and _red(app)


async def test_never_two_checks_at_once_and_one_asked_meanwhile_runs_after(school, monkeypatch):
    gate = threading.Event()
    lock = threading.Lock()
    running, most, runs = [0], [0], [0]

    def held_check(tz) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            runs[0] += 1
        gate.wait(30)  # (a thread's wait on the test's say-so, not a sleep)
        with lock:
            running[0] -= 1
        return True

    monkeypatch.setattr(records_actions, "records_check", held_check)
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: runs[0] == 1, 20, "the check at start to begin")
        await pilot.press(*"head", "enter", *DEMO_PINS["head"], "enter")  # signed in while it runs
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", 20, "Home")
        app.check_records()  # and asked once more
        checks = [w for w in app.workers if w.group == "records-check" and not w.is_finished]
        assert len(checks) == 1 and runs[0] == 1  # the sign-in was not held up, and nothing ran beside it
        gate.set()
        await until(pilot, lambda: runs[0] == 2, 20, "one more check after it")
        await quiet(pilot)
        assert most[0] == 1 and runs[0] == 2  # the two asked meanwhile: one check, after the first
        assert app.records_failed_at is None and app.records_checked_at is not None
