"""Issue 12 on screen: an empty PIN is not an attempt; the visitor screen's F10 sign-in and its
quit dialog are their own surface, so guessing there never slows the reception; only an admin
closes the kiosk; the demo school (only) shows its PINs; bursts are shown to the office and an
admin unlocks an account from Home."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Static

from models.config import DEMO_CONFIG, load_settings
from models.staff import auth
from models.store.tables import AuditEntry, AuthFailure, Staff
from models.upkeep.demo import DEMO_PINS, create_demo
from tests.pilot import make_app, settle, sign_in, text, until
from tests.school import NOW

SIZES = [(80, 24), (110, 32)]


@pytest.mark.parametrize("size", SIZES)
async def test_enter_on_an_empty_pin_is_not_an_attempt(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        for _ in range(6):
            await sign_in(pilot, "office", "")
            assert text(app, "#login-message") == "Type your PIN."
            await pilot.press("escape")
        assert AuthFailure.select().count() == 0
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HomeScreen"


@pytest.mark.both_engines
async def test_guessing_at_the_visitor_screen_never_slows_the_reception(school):
    visitor = make_app(start="visitor")
    async with visitor.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(visitor.screen).__name__ == "VisitorSelfServiceScreen"
        await pilot.press("f10")
        await settle(pilot)
        assert type(visitor.screen).__name__ == "LoginScreen"
        for username in ["office", "admin", "head", "office"]:
            await sign_in(pilot, username, "480001")
            await pilot.press("escape")
        await sign_in(pilot, "office", DEMO_PINS["office"])  # even the right PIN waits here now
        assert text(visitor, "#login-message").startswith("Too many wrong PINs here: wait")
        assert type(visitor.screen).__name__ == "LoginScreen"
    assert {f.surface for f in AuthFailure.select()} == {auth.VISITOR}
    reception = make_app()  # the reception's own sign-in (same machine, same moment)
    async with reception.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(reception.screen).__name__ == "HomeScreen"


async def test_the_visitor_screens_quit_dialog_takes_only_an_admin(school):
    app = make_app(start="visitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "AdminPinDialog"
        await pilot.press(*"office", "enter", *DEMO_PINS["office"], "enter")
        await settle(pilot)
        assert str(app.screen.query_one("#admin-message", Static).render()) == "Wrong username or PIN."
        await pilot.press("enter")  # the PIN box is empty again: Enter is not an attempt
        await settle(pilot)
        assert str(app.screen.query_one("#admin-message", Static).render()) == "Type your PIN."
        failures = list(AuthFailure.select())
        assert [(f.surface, f.staff_id) for f in failures] == [(auth.VISITOR, None)]  # the office's count: untouched
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.press(*"admin", "enter", *DEMO_PINS["admin"], "enter")
        await settle(pilot)
        assert not app.is_running


@pytest.mark.parametrize("start", ["visitor", None])
async def test_the_staff_sign_in_reached_from_the_visitor_screen_does_not_quit_without_an_admin(school, start):
    """helper-31: F10 at the public screen, then Ctrl+C or Ctrl+Q, closed the app to the shell."""
    app = make_app(start=start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if start is None:
            await pilot.press("f2")  # the reception opens the public screen for a visitor
            await settle(pilot)
        assert type(app.screen).__name__ == "VisitorSelfServiceScreen"
        await pilot.press("f10")
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        for key in ("ctrl+c", "ctrl+q"):
            await pilot.press(key)
            await settle(pilot)
            assert app.is_running
        assert type(app.screen).__name__ == "AdminPinDialog"
        await pilot.press("escape")
        await settle(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("ctrl+q")
        await settle(pilot)
        if start == "visitor":  # issue 14 item 4: a visitors' terminal is kiosk mode, staff or not
            assert app.is_running and type(app.screen).__name__ == "AdminPinDialog"
        else:  # staff signed in may close an unlocked reception terminal
            assert not app.is_running


@pytest.mark.parametrize("size", SIZES)
async def test_only_the_demo_school_shows_its_pins(database, size):
    create_demo(load_settings(str(DEMO_CONFIG)), now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one("#login-demo").display, 30, "the demo PINs")
        await until(pilot, lambda: app.screen.query_one("#login-demo").region.height > 0, 30, "the demo PINs drawn")
        line = text(app, "#login-demo")
        assert all(f"{user} {pin}" in line for user, pin in DEMO_PINS.items())
        box = app.screen.query_one("#login-demo")
        assert box.region.bottom <= size[1] - 1 and box.region.height >= 1  # on screen, above the footer
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_real_school_does_not_show_pins(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#login-demo").display
        assert "PIN" not in text(app, "#login-demo")


@pytest.mark.both_engines
async def test_the_office_sees_a_burst_and_an_admin_unlocks_an_account(school):
    at = NOW - dt.timedelta(minutes=3)
    for _ in range(9):  # someone at the visitor screen, as fast as allowed (2 minutes 6 seconds)
        _n, not_before = auth._backoff(auth.this_terminal(), auth.VISITOR, at)
        at = max(at, not_before or at)
        with pytest.raises(auth.AuthError):
            auth.authenticate("nobody", "480001", now=at, surface=auth.VISITOR)
    for i in range(auth.DAILY_CAP):  # and the deputy's account has had its fill today
        with pytest.raises(auth.AuthError):
            auth.authenticate("deputy", "480001", now=NOW + dt.timedelta(seconds=i), terminal=f"pc{i}")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        summary = text(app, "#home-summary")
        assert "9 wrong PINs at the visitor screen since 08:27." in summary
        assert "Refusing PINs after 50 wrong ones today: deputy (an admin can unlock them)." in summary
        await pilot.press("a")  # not the office's key
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("l")
        await settle(pilot)
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        assert "deputy (an admin can unlock them: press A)." in text(app, "#home-summary")
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "UnlockDialog"
        assert "deputy" in text(app, "#unlock-capped")
        await pilot.press("enter")  # the only account refusing PINs is filled in
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert "deputy" not in text(app, "#home-summary")
    deputy = Staff.get(Staff.username == "deputy")
    entry = AuditEntry.select().where(AuditEntry.action == "auth.unlock").get()
    assert entry.entity_id == str(deputy.id) and entry.actor == f"staff:{Staff.get(Staff.username == 'admin').id}"
    assert auth.authenticate("deputy", DEMO_PINS["deputy"], now=NOW + dt.timedelta(minutes=5), surface=auth.RECEPTION)


@pytest.mark.parametrize("size", SIZES)
async def test_leaving_the_sign_in_for_the_visitor_screen_clears_it(school, size):
    """F10, a wrong PIN for deputy, F2 back: the next F10 shows an empty form and no message."""
    from textual.widgets import Input

    app = make_app(start="visitor")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await sign_in(pilot, "deputy", "480001")
        assert text(app, "#login-message") == auth.WRONG
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "VisitorSelfServiceScreen"
        await pilot.press("f10")
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert app.screen.query_one("#username", Input).value == ""
        assert app.screen.query_one("#pin", Input).value == ""
        assert text(app, "#login-message") == ""
        assert app.screen.focused is app.screen.query_one("#username", Input)


@pytest.mark.parametrize("size", SIZES)
async def test_an_admin_sets_a_new_pin_in_the_unlock_dialog(school, size):
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "UnlockDialog"
        await pilot.press(*"oak", "tab", *"123456", "enter")  # a run of digits: refused, kept
        await settle(pilot)
        assert type(app.screen).__name__ == "UnlockDialog"
        assert "too easy to guess" in text(app, "#unlock-error")
        assert app.screen.query_one("#unlock-user", Input).value == "oak"
        app.screen.query_one("#unlock-pin", Input).value = ""
        await pilot.press(*"271845", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
    assert AuditEntry.select().where(AuditEntry.action == "staff.set_pin").count() == 1
    assert auth.authenticate("oak", "271845", now=NOW + dt.timedelta(minutes=5), surface=auth.RECEPTION)


@pytest.mark.parametrize("between", ["tab", "enter"])
async def test_a_sign_in_typed_in_one_burst_lands_in_the_right_fields(school, between):
    """Typed fast (or by a password manager), the keys after Tab reached the username
    field before the focus moved: "office482916", and no sign-in."""
    from tests.pilot import burst, until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, [*"office", between, *DEMO_PINS["office"], "enter"])
        await until(
            pilot,
            lambda: type(app.screen).__name__ == "HomeScreen" or "PIN" in text(app, "#login-message"),
            what="the sign-in to finish",
        )
        assert type(app.screen).__name__ == "HomeScreen", text(app, "#login-message")


async def test_the_refusal_of_an_account_changed_outside_the_kiosk_is_shown_whole(school, database):
    from models.store.db import close_db
    from models.upkeep.opening import open_database
    from tests.attacks.test_tamper import Insider

    url = database
    close_db()
    Insider(url)("UPDATE staff SET roles = 'office,admin,dsl,headteacher' WHERE username = 'office'")
    open_database(url)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await until(pilot, lambda: "outside" in text(app, "#login-message"), what="the refusal")
        from tests.svg_text import cells, text_of

        screen = " ".join(text_of(r).strip(" │") for r in cells(app.export_screenshot()).values())
        assert "an admin must run kiosk audit verify." in " ".join(screen.split()), screen


async def test_keys_typed_while_a_right_pin_is_checked_are_not_a_second_attempt(school, monkeypatch):
    """helper-31: office, Enter, PIN, Enter, then a phone's code straight away (a scan after
    signing in): the code's digits went into the emptied PIN box, its Enter checked them,
    and a right PIN ended as "Wrong username or PIN." with a wrong PIN counted."""
    import threading

    from kiosk.actions import accounts

    release = threading.Event()
    real = accounts.sign_in

    def slow(*args):  # the PIN check is still running while the next keys arrive
        assert release.wait(timeout=10)
        return real(*args)

    monkeypatch.setattr(accounts, "sign_in", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"office", "enter", *DEMO_PINS["office"], "enter", *"K2637309", "enter")
        release.set()
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert AuthFailure.select().count() == 0
        assert app.signed_in.username == "office"


async def test_the_pin_checked_is_the_one_enter_submitted(school):
    """helper-33, in tmux: office, Enter, PIN, Enter, then a phone's code in one burst. The
    PIN box's Enter was its binding, run once the key had gone round the app, after the
    code's digits had joined the PIN: "482916107622" was checked, a wrong PIN counted."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"office", "enter")
        box = app.screen.query_one("#pin")
        assert app.focused is box
        for key in [*DEMO_PINS["office"], "enter", *"1076228", "enter"]:  # queued at once, as a burst arrives
            box.post_message(events.Key(key, key if len(key) == 1 else None))
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", seconds=20)
        assert AuthFailure.select().count() == 0
