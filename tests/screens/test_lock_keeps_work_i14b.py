"""Issue 14, item 11: locking (F12 or the idle lock) keeps the locked person's work.

The sign-in screen covers everything; the same person signing in again is back where they
were (the hand-in log, a half-typed dialog); anyone else starts at Home with nothing of the
previous person's screens beneath it. Real key presses, a frozen clock, the idle lock driven
by calling its handler (never by waiting).
"""

from __future__ import annotations

import dataclasses

from textual.widgets import Input

from kiosk.app import create_app
from kiosk.textual_compat import notices
from kiosk.widgets.scan_log import ScanLog
from models.clock import FrozenClock
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, scans_done, settings, settle, sign_in, text, until
from tests.school import NOW

SIZE = (80, 24)


def names(app) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


def tasks(app) -> list[str]:
    return [b.id for b in app.screen.query(".task") if b.id and b.id.startswith("task-")]


async def locked(pilot) -> None:
    await settle(pilot)
    app = pilot.app
    assert app.signed_in is None
    assert type(app.screen).__name__ == "LoginScreen"
    assert app.check_action("lock", ()) is False  # nothing more to lock
    assert app.palette_allowed() is False
    assert str(app.screen.query_one("#login-title").render()) == "Staff sign-in"  # one message: the notice
    box = app.screen.query_one("#login-box")
    assert box.region.bottom <= app.size.height - 1  # the whole form above the footer, at 80x24 too


async def hand_in_two(pilot, school):
    await sign_in(pilot, "office", DEMO_PINS["office"])
    await pilot.press("h")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "HandInScreen"
    await pilot.press(*school.codes["000001"], "enter", *school.codes["000002"], "enter")
    await scans_done(pilot, 2)
    return pilot.app.screen


async def test_the_same_person_is_back_at_the_hand_in_with_its_log(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        hand_in = await hand_in_two(pilot, school)
        await pilot.press("f12")
        await locked(pilot)
        assert text(app, "#login-message") == "Signed out."
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.screen is hand_in  # the same screen, not a new one
        assert app.signed_in.username == "office"
        assert hand_in.query_one("#log", ScanLog).row_count == 2
        assert hand_in.count == 2 and text(app, "#counter") == "2 scans"
        assert app.focused.id == "scan"
        await pilot.press(*school.codes["000003"], "enter")  # and carries on scanning
        await scans_done(pilot, 3)
        assert hand_in.query_one("#log", ScanLog).row_count == 3
        await pilot.press("escape")  # Back still leads to Home
        await settle(pilot)
        assert names(app)[1:] == ["HomeScreen"]


async def test_scans_still_saving_when_locked_are_saved_and_shown_on_return(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        hand_in = app.screen
        assert type(hand_in).__name__ == "HandInScreen"
        burst(app, [*school.codes["000001"], "enter", *school.codes["000002"], "enter", "f12"])
        await until(pilot, lambda: hand_in.count == 2, 60, "both scans saved behind the lock")
        await locked(pilot)
        assert CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count() == 2
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.screen is hand_in
        assert hand_in.query_one("#log", ScanLog).row_count == 2


async def test_a_half_typed_confiscation_is_still_there_for_the_same_teacher(school):
    from models.custody import ledger as custody

    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        await pilot.press("f6")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "ConfiscateDialog"
        await pilot.press("down", "enter", *"Film")  # why: behaviour; then what happened
        await pilot.press("f12")
        await locked(pilot)
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        assert app.screen is dialog
        assert dialog.query_one("#confiscate-reason").value == "Film"
        assert app.focused.id == "confiscate-reason"
        await pilot.press(*"ing", "enter", "down", "enter", "enter")  # first policy (no default), Continue
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        last = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
        assert (last.kind, last.reason, last.actor_id) == ("confiscated", "Filming", school.oak.id)


async def test_someone_else_starts_at_home_and_cannot_reach_the_old_screens(school):
    from models.custody import ledger as custody

    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        await pilot.press("f6", "down", "enter", *"Secret")  # why: behaviour; then what happened
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfiscateDialog"
        await pilot.press("f12")
        await locked(pilot)
        await sign_in(pilot, "beech", "271845")  # another teacher (tests.school.BEECH_PIN)
        assert app.signed_in.username == "beech"
        assert names(app)[1:] == ["HomeScreen"]  # nothing of oak's beneath it
        assert app.screen.who.username == "beech"
        for key in ("escape", "escape", "backspace"):
            await pilot.press(key)
            await settle(pilot)
            assert names(app)[1:] == ["HomeScreen"]
        assert not any(isinstance(i, Input) and i.value == "Secret" for s in app.screen_stack for i in s.query(Input))
        assert CustodyEvent.select().where(CustodyEvent.kind == "confiscated").count() == 0
        # ...and when oak comes back, the work was not kept for them either: it was discarded.
        await pilot.press("f12")
        await locked(pilot)
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        assert names(app)[1:] == ["HomeScreen"] and app.screen.who.username == "oak"


async def test_a_teacher_locks_and_the_office_signs_in_with_the_offices_rights_only(school):
    from kiosk.screens.home import allowed_tasks
    from kiosk.session import SignedIn

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("p")  # the history screen, opened with oak's rights (oak's class only)
        await settle(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        await pilot.press("f12")
        await locked(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert names(app)[1:] == ["HomeScreen"]
        assert app.signed_in == SignedIn.of(school.office)
        assert [s.who for s in app.screen_stack if hasattr(s, "who")] == [app.signed_in]  # none of oak's
        assert tasks(app) == [f"task-{t.name}" for t in allowed_tasks(app.signed_in)]
        await pilot.press("v")  # the office's own task opens, as the office
        await settle(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen" and app.screen.who.username == "office"


async def test_the_returning_person_is_known_by_identity_and_roles_not_the_name(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        hand_in = app.screen
        await pilot.press("f12")
        await locked(pilot)
        # The account's roles changed while the terminal was locked: what was open then was
        # opened with the old ones, so the person starts again at Home with the new ones.
        app.locked_by = dataclasses.replace(app.locked_by, roles=app.locked_by.roles | {"dsl"})
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.screen is not hand_in
        assert names(app)[1:] == ["HomeScreen", "HandInScreen"]  # --start opens hand-in anew


async def test_the_idle_lock_keeps_the_work_too(school):
    app = create_app(settings(idle_lock_seconds=15), clock=FrozenClock(NOW), cursor_blink=False, print_worker=False)
    async with app.run_test(size=SIZE) as pilot:
        hand_in = await hand_in_two(pilot, school)
        app._check_idle()  # just used: not locked
        assert app.signed_in is not None
        app.last_input -= 60
        app._check_idle()
        await locked(pilot)
        assert text(app, "#login-message") == "Locked after a period without use."
        app.last_input -= 600
        app._check_idle()  # locked already: nothing more happens
        await settle(pilot)
        assert sum(type(s).__name__ == "LoginScreen" for s in app.screen_stack) == 1
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.screen is hand_in and hand_in.query_one("#log", ScanLog).row_count == 2


async def test_the_idle_lock_then_someone_else(school):
    app = create_app(settings(idle_lock_seconds=15), clock=FrozenClock(NOW), cursor_blink=False, print_worker=False)
    async with app.run_test(size=SIZE) as pilot:
        await hand_in_two(pilot, school)
        app.last_input -= 60
        app._check_idle()
        await locked(pilot)
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        assert names(app)[1:] == ["HomeScreen"] and app.screen.who.username == "oak"


async def test_a_dialog_a_hidden_screen_opens_waits_for_the_person_who_locked(school):
    """Home opens the unlock dialog once the database has answered: an answer arriving after
    the lock never puts the dialog over the sign-in screen."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        home = app.screen
        app.lock("Signed out.")
        await settle(pilot)
        home.action_unlock()  # its answer comes while the terminal is locked
        await quiet(pilot)
        await locked(pilot)
        assert "UnlockDialog" not in names(app)
        from kiosk.dialogs.reason import ReasonDialog

        answer = app.push_screen(ReasonDialog("Why?"), wait_for_dismiss=True)  # as a worker would wait
        assert answer.cancelled()  # no answer comes while locked, and nothing opened
        await locked(pilot)
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        assert type(app.screen).__name__ == "UnlockDialog"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is home
        # For someone else, what waited is dropped with the rest.
        app.lock("Signed out.")
        await settle(pilot)
        home.action_unlock()
        await quiet(pilot)
        await locked(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert names(app)[1:] == ["HomeScreen"]


async def test_a_dialog_closing_behind_the_lock_never_uncovers_the_screen(school):
    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        hand_in = app.screen
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        await pilot.press("f2", *"wrong phone")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "ReasonDialog"
        await pilot.press("f12")
        await locked(pilot)

        # Its Enter was already on its way when F12 arrived: the dialog closes behind the lock.
        def enter_arrives() -> None:  # as the dialog's own handler does: dismissed, not awaited
            dialog.dismiss("wrong phone")

        dialog.call_later(enter_arrives)
        await quiet(pilot)
        await locked(pilot)
        last = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
        assert (last.kind, last.note) == ("reversal", "wrong phone")  # the undo was still recorded
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert app.screen is hand_in
        assert names(app)[1:] == ["HomeScreen", "HandInScreen"]


async def test_a_notice_from_behind_the_lock_waits_for_the_person_who_locked(school):
    from kiosk.textual_compat import notices

    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        hand_in = app.screen
        await pilot.press("f12")
        await locked(pilot)
        hand_in.call_later(hand_in.notify, "Undone: Ava Patel's hand-in.")
        await settle(pilot)
        assert not any("Ava Patel" in n for n in notices(app))
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert any("Ava Patel" in n for n in notices(app))


async def test_a_visitors_terminal_shows_only_the_public_screen_after_a_lock(school):
    app = make_app(start="visitor")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("v")  # the visitor desk: a staff screen
        await settle(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen"
        await pilot.press("f12")
        await settle(pilot)
        assert type(app.screen).__name__ == "VisitorSelfServiceScreen" and app.signed_in is None
        for key in ("escape", "escape", "ctrl+p", "f12", "ctrl+z"):
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == "VisitorSelfServiceScreen"
        await pilot.press("f10")  # the staff sign-in: still nothing of the office's screens
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        for key in ("escape", "escape"):
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == "LoginScreen"
        await pilot.press("ctrl+q")  # kiosk mode: the admin PIN, whoever was signed in
        await settle(pilot)
        assert type(app.screen).__name__ == "AdminPinDialog" and app.is_running
        await pilot.press("escape")
        await settle(pilot)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "VisitorsScreen"  # the same person: back at the desk


async def test_a_notice_on_screen_is_gone_when_the_terminal_locks(school):
    """Helper walk (issue 14): a teacher's "Concern #N … raised" notice stayed over the
    sign-in screen after F12, and over the next person's screens: what someone else did is
    not for whoever comes to the terminal next. A notice still on its way waits for the
    person who locked (test above); one already shown is cleared."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        app.notify("Concern #7 about Ava Patel raised.")
        await settle(pilot)
        assert notices(app) == ["Concern #7 about Ava Patel raised."]
        await pilot.press("f12")
        await locked(pilot)
        assert notices(app) == []
