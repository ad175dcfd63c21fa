"""Pilot tests of the terminal: real key presses, frozen clock, no sleeps."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from kiosk.app import create_app
from kiosk.widgets.scan_log import ScanLog
from models.clock import FrozenClock
from models.config import Settings
from models.custody import ledger as custody
from models.custody.trays import TraySpec
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, scans_done, settings, settle, sign_in, text
from tests.school import NOW


@pytest.mark.both_engines
async def test_login_wrong_pin_then_right(school):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", "0000")
        assert text(app, "#login-message") == "Wrong username or PIN."
        assert app.signed_in is None
        await pilot.press(*DEMO_PINS["office"], "enter")
        await settle(pilot)
        assert app.signed_in.username == "office"
        assert type(app.screen).__name__ == "HomeScreen"


async def test_start_screen_opens_after_login(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HandInScreen"
        assert app.focused.id == "scan"


async def test_hand_in_shows_pupil_class_and_slot(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert "B-01" in str(app.screen.query_one("#outcome-slot").value)
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 2)
        assert text(app, "#outcome-word") == "ALREADY DONE"
        assert text(app, "#outcome-message") == "already in slot B-01"
        await pilot.press(*"K1", "enter")
        await scans_done(pilot, 3)
        assert text(app, "#outcome-word") == "INVALID CODE"
        assert text(app, "#counter") == "3 scans · 1 to check"


@pytest.mark.both_engines
async def test_three_hundred_scans_back_to_back_give_three_hundred_events_in_order(database, tmp_path):
    from models.custody import codes
    from models.custody.devices import register_pupil_device
    from models.school.people import import_roster
    from models.school.roster import RosterResult, RosterRow

    rows = [
        RosterRow(
            line=i + 2,
            admission_no=f"{i:06d}",
            first_name=f"P{i}",
            last_name="Test",
            year_group=6,
            class_name="Oak",
            dob=None,
            contacts=(),
        )
        for i in range(300)
    ]
    import_roster(RosterResult(rows=rows, errors=[], warnings=[], source_format="test"), now=NOW)
    from models.custody.trays import sync_trays
    from models.staff import auth

    sync_trays([TraySpec("B", 300, "Oak")], now=NOW)
    auth.create_staff("office", "Office", [auth.OFFICE], DEMO_PINS["office"], now=NOW)
    scan_codes = [
        register_pupil_device(r.admission_no, actor="t", code=codes.make_code("K", 100000 + i), now=NOW).code
        for i, r in enumerate(rows)
    ]
    app = create_app(
        Settings(trays=[TraySpec("B", 300, "Oak")]), clock=FrozenClock(NOW), cursor_blink=False, start="hand-in"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        keys = [k for code in scan_codes for k in (*code, "enter")]
        burst(app, keys)
        await scans_done(pilot, 300)
        events = list(CustodyEvent.select().where(CustodyEvent.kind == "handed_in").order_by(CustodyEvent.id))
        assert [e.label_code for e in events] == scan_codes
        assert app.screen.query_one("#log", ScanLog).row_count == 300
        assert all(r.outcome == "OK" for r in app.screen.results)


@pytest.mark.both_engines
async def test_undo_last_scan_records_a_reversal(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        await pilot.press("f2")
        await pilot.press("enter")  # empty reason is refused
        assert "Give a reason" in text(app, "#reason-error")
        await pilot.press(*"wrong phone", "enter")
        await settle(pilot)
        last = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
        assert last.kind == "reversal" and last.note == "wrong phone"
        assert custody.state_of(last.device_id).state == "out"


@pytest.mark.both_engines
async def test_unknown_code_can_be_registered_by_name_search(school):
    from models.custody import codes

    new_code = codes.make_code("K", 555555)
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*new_code, "enter")
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        await pilot.press("f3")
        await pilot.press(*"Cara")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await scans_done(pilot, 2)
        assert text(app, "#outcome-who") == "Cara Smith · Oak"
        assert text(app, "#outcome-word") == "HANDED IN"


async def test_each_role_sees_only_its_tasks(school):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        assert [b.id for b in app.screen.query(".task") if b.id.startswith("task-")] == [
            "task-uncollected",
            "task-safeguarding",  # "Concerns you raised": anyone may raise one, and read it back (f1s6)
            "task-compliance",
            "task-school-devices",  # admin keeps the register of school devices (issue 15)
        ]
        await pilot.press("h")
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("l")
        await settle(pilot)
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        assert [b.id for b in app.screen.query(".task") if b.id.startswith("task-")] == [
            "task-hand-in",
            "task-release",
            "task-checklist",
            "task-history",
            "task-safeguarding",  # the concerns she raised, as she raised them (f1s6)
        ]


async def test_idle_lock(school):
    app = create_app(settings(idle_lock_seconds=15), clock=FrozenClock(NOW), cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        app.last_input -= 60
        app._check_idle()
        await pilot.pause()
        assert app.signed_in is None
        assert type(app.screen).__name__ == "LoginScreen"
        assert text(app, "#login-message") == "Locked after a period without use."


async def test_kiosk_mode_quit_needs_admin_pin(school):
    app = make_app(kiosk_mode=True)
    async with app.run_test(size=(100, 30)) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+z"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running
        assert type(app.screen).__name__ == "AdminPinDialog"
        await pilot.press(*"office", "enter", *DEMO_PINS["office"], "enter")
        await settle(pilot)
        assert app.is_running
        # Only an admin's PIN is checked there: the office's right PIN gets the words of a wrong one.
        assert str(app.screen.query_one("#admin-message", Static).render()) == "Wrong username or PIN."
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.press(*"admin", "enter", *DEMO_PINS["admin"], "enter")
        await settle(pilot)
        assert not app.is_running


async def test_factory_opens_the_database_and_an_empty_school_says_what_to_do(tmp_path):
    from models.store.db import close_db

    app = create_app(Settings(), database=str(tmp_path / "empty.sqlite3"), clock=FrozenClock(NOW), cursor_blink=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert text(app, "#login-message").startswith("No staff accounts yet: add one with `kiosk staff add`")
    finally:
        close_db()
