"""A record edited outside the kiosk before the app starts: the app's own records' check (a
background worker at start) finds it, and Home says so in red to the headteacher (and the
DSL, leadership, the admin), never to the office. No sleeps: bounded waits on the worker."""

from __future__ import annotations

from kiosk.actions.records import RECORDS_CHECK_FAILED
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.db import db
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW


def _forge(school) -> None:
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW)
    dev = resolve(code).device.id
    custody.confiscate(dev, school.office, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)
    event = CustodyEvent.select().order_by(CustodyEvent.id.desc()).get().id
    db.obj.execute_sql("update custody_event set grounds = 'forged', witness = 'Nobody' where id = %d" % event)  # noqa: S608


async def test_the_heads_home_says_the_records_check_failed(school):
    _forge(school)
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_failed_at is not None, what="the records' check to fail")
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await until(pilot, lambda: RECORDS_CHECK_FAILED in text(app, "#home-records"), what="Home's red line")
        line = text(app, "#home-records")
        assert "changed outside the kiosk" in line and "kiosk audit verify" in line
        assert app.screen.query_one("#home-records").has_class("shown")


async def test_the_offices_home_does_not(school):
    _forge(school)
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_failed_at is not None, what="the records' check to fail")
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        assert text(app, "#home-records") == ""
        assert not app.screen.query_one("#home-records").has_class("shown")


async def test_genuine_records_show_no_line(school):
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_checked_at is not None, what="the records' check to run")
        assert app.records_failed_at is None
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        assert text(app, "#home-records") == ""


async def test_the_line_stays_until_a_later_check_passes(school):
    _forge(school)
    event = CustodyEvent.select().order_by(CustodyEvent.id.desc()).get()
    app = make_app(records_check=True)
    async with app.run_test(size=(110, 32)) as pilot:
        await until(pilot, lambda: app.records_failed_at is not None, what="the records' check to fail")
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        assert RECORDS_CHECK_FAILED in text(app, "#home-records")
        # Put the row back as the kiosk wrote it; the next check passes and the line goes.
        db.obj.execute_sql("update custody_event set grounds = NULL, witness = NULL where id = %d" % event.id)  # noqa: S608
        app.check_records()
        await until(pilot, lambda: app.records_failed_at is None, what="the next check to pass")
        await quiet(pilot)
        assert text(app, "#home-records") == ""
        assert not app.screen.query_one("#home-records").has_class("shown")
