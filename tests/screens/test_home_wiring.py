"""How the screens are reached: Home's keys per role, a concern from Home, the
summary of what needs each role's attention, and the way in and out of visitor
self-service (which never leaves the app and never reaches a staff screen)."""

from __future__ import annotations

import pytest

from kiosk.dialogs.admin_pin import AdminPinDialog
from models.safeguarding import concerns
from models.store.tables import Concern
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, settle, sign_in, text
from tests.school import NOW


def screen(app) -> str:
    return type(app.screen).__name__


@pytest.mark.parametrize(
    "user,pin,key,expected",
    [
        ("office", DEMO_PINS["office"], "v", "VisitorsScreen"),
        ("office", DEMO_PINS["office"], "e", "ExceptionsScreen"),
        ("office", DEMO_PINS["office"], "k", "ComplianceScreen"),
        ("head", DEMO_PINS["head"], "s", "SafeguardingScreen"),
        ("head", DEMO_PINS["head"], "e", "ExceptionsScreen"),
        ("oak", DEMO_PINS["oak"], "v", "HomeScreen"),  # a teacher has no visitor desk
        ("oak", DEMO_PINS["oak"], "s", "SafeguardingScreen"),  # the concerns she raised only (f1s6)
        ("office", DEMO_PINS["office"], "s", "SafeguardingScreen"),  # likewise (f1s6)
        ("admin", DEMO_PINS["admin"], "e", "HomeScreen"),
    ],
)
async def test_home_keys_open_only_the_roles_own_screens(school, user, pin, key, expected):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, user, pin)
        await pilot.press(key)
        await settle(pilot)
        assert screen(app) == expected


@pytest.mark.both_engines
async def test_any_staff_raises_a_concern_from_home_and_the_dsl_sees_it_counted(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("n")
        await settle(pilot)
        assert screen(app) == "RaiseConcernDialog"
        await pilot.press("escape")  # cancelled: nothing recorded
        await settle(pilot)
        assert screen(app) == "HomeScreen" and Concern.select().count() == 0
    concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=1, what="Phone out in the playground", now=NOW)
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await settle(pilot)
        assert "Concerns not yet seen by the DSL: 1" in text(app, "#home-summary")
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:  # the office is not told about concerns
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        summary = text(app, "#home-summary")
        assert "Concerns" not in summary and "Visitors on site: 0." in summary


async def test_f2_at_sign_in_opens_self_service_and_f10_goes_back(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        assert "Visitors: press F2" in text(app, "#login-visitors")
        await pilot.press("f2")
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen"
        await pilot.press("f12", "ctrl+p", "ctrl+z")
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen" and app.signed_in is None
        await pilot.press("escape")  # the first step: back to the sign-in it came from
        await settle(pilot)
        assert screen(app) == "LoginScreen" and app.signed_in is None
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert screen(app) == "LoginScreen"


async def test_quitting_from_self_service_needs_the_admin_pin_even_outside_kiosk_mode(school):
    app = make_app(kiosk_mode=False)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, AdminPinDialog) and app.is_running
        await pilot.press("escape")
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen"


async def test_a_visitors_terminal_starts_in_self_service_and_returns_there_after_lock(school):
    app = make_app(start="visitor")
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen"
        await pilot.press("f10")
        await settle(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert screen(app) == "HomeScreen"  # not thrown back into self-service
        await pilot.press("f12")
        await settle(pilot)
        assert screen(app) == "VisitorSelfServiceScreen" and app.signed_in is None


async def test_lock_is_hidden_when_nobody_is_signed_in(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        assert app.check_action("lock", ()) is False
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.check_action("lock", ()) is True


async def test_a_half_filled_visitor_form_is_cleared_after_a_while(school, monkeypatch):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"Jane")
        await settle(pilot)
        self_service = app.screen
        self_service._reset_if_abandoned()  # just typed: kept
        assert self_service.query_one("#self-name").value == "Jane"
        app.last_input -= self_service.IDLE_RESET_SECONDS + 1  # ...then nobody touches it
        self_service._reset_if_abandoned()
        await settle(pilot)
        assert self_service.query_one("#self-name").value == ""


@pytest.mark.both_engines
async def test_home_reports_on_the_printer_the_jobs_go_to_the_injected_one(school, tmp_path):
    """Issue 13 item 4: Home read the settings' printer while the app printed to the injected one."""
    from models import outbox
    from printing import PrinterSpec

    injected = PrinterSpec.from_url(f"file://{tmp_path / 'slips.bin'}")
    outbox.enqueue(b"slip", kind="other", printer_url=injected.to_url(), now=NOW)
    app = make_app(printer=injected)
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        assert "1 job waiting." in text(app, "#home-summary")


async def test_a_concern_raised_from_home_is_recorded_by_whoever_is_signed_in(school):
    """Home records the dialog's form as the person signed in, and says so."""
    from kiosk.actions.safeguarding import ConcernForm

    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await settle(pilot)
        app.screen._raise(ConcernForm("pupil", "other", "Filming in the playground", pupil_id=1))
        await settle(pilot)
        [concern] = Concern.select()
        assert concern.raised_by_id == school.oak.id and concern.what == "Filming in the playground"
