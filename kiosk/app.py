"""The Textual application and its factory.

``create_app`` is the one way to build the app: the CLI and the tests both use it, and
inject the settings, the clock, the printer and the camera source. Screens get what
they need as constructor arguments (attributes down) and report back with messages
(messages up); blocking work runs in thread workers (``kiosk.workers``).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from kiosk.logfile import configure_logging, log_error, log_path  # noqa: F401 - re-exported
from kiosk.session import Services, SignedIn  # noqa: F401 - re-exported: the app is built from them
from kiosk.textual_compat import CalmErrorsApp, keep_pastes_whole, show_toggle_state
from models.clock import Clock
from models.config import Settings

log = logging.getLogger("kiosk")


class PrintRound(Message):
    """From the print worker: one round of sending the outbox."""

    def __init__(self, sent: int, failed: int, in_doubt: int, error: str | None) -> None:
        super().__init__()
        self.sent, self.failed, self.in_doubt, self.error = sent, failed, in_doubt, error


ALERT_TITLE = "Safeguarding alert"
ANCHOR_SOON_POLL = 2.0  # seconds: how soon a safeguarding record is anchored (kiosk.app.KioskApp.anchor_if_wanted)
RECORDS_CHECK_EVERY = 3600.0  # seconds between the app's own audit checks (kiosk.app.KioskApp.check_records)


class KioskApp(CalmErrorsApp):
    CSS_PATH = "app.tcss"
    raise_in_tests = True  # headless runs re-raise unexpected errors so pytest sees them
    TITLE = "Reception kiosk"
    BINDINGS = [
        Binding("ctrl+q", "request_quit", "Quit", id="app.quit", show=False, priority=True),
        Binding("ctrl+c", "request_quit", "Quit", id="app.interrupt", show=False, priority=True),
        Binding("ctrl+z", "ignore", show=False, id="app.suspend", priority=True),
        Binding("f12", "lock", "Lock", id="app.lock", priority=True),
    ]

    def __init__(
        self,
        services: Services,
        *,
        start: str | None = None,
        kiosk_mode: bool = False,
        cursor_blink: bool = True,
        print_worker: bool = True,
        records_check: bool | None = None,
    ) -> None:
        super().__init__()
        keep_pastes_whole()  # a paste holding an escape sequence arrives whole and in order
        show_toggle_state()  # an unticked box draws an empty mark, not the same one in another colour
        self.print_worker = print_worker
        self.outbox = None  # kiosk.print_worker.OutboxWorker, while the app runs
        self.printer_offline: str | None = None  # the printer's last error, while it is offline
        # The audit check run in the background (check_records): at start and every
        # RECORDS_CHECK_EVERY seconds; by default whenever the other background work runs.
        self.records_check = print_worker if records_check is None else records_check
        self.records_checked_at = None  # the clock's time of the last check that ran to the end
        self.records_failed_at = None  # ...and when that check failed (None: it passed)
        self._records_checking = False
        self._records_again = False  # asked for while one ran: one more once it ends
        self._stop_background = threading.Event()  # ends the print and checkpoint loops, and stops the records' check
        self._closing_anchored = False
        self.services = services
        self.start_screen = start
        # A terminal that opens on visitor self-service stands where the public can reach it:
        # kiosk mode whatever was asked (quitting needs the admin PIN, even once staff sign in).
        self.kiosk_mode = kiosk_mode or start == "visitor"
        self.cursor_blink = cursor_blink
        self.signed_in: SignedIn | None = None
        # Who locked the terminal (F12 or idle): their screens wait beneath the sign-in screen,
        # with what those screens asked for meanwhile (dialogs to open, notices: ``held``).
        self.locked_by: SignedIn | None = None
        self.held: list[tuple[str, Any, Any]] = []
        # Two-step forms confirmed and kept off the screen until what they answered is recorded
        # (refused, one opens again as it was: kiosk.dialogs.two_step.ask).
        self.kept_forms: set[Any] = set()
        # The DSL's immediate alerts (a radicalisation concern, an allegation, a confiscation for
        # suspected nude or semi-nude images) raised anywhere on this database: checked on the
        # idle timer, each told once per person (check_alerts).
        self.alerted: set[tuple[int, str]] = set()
        self.last_alert_check = 0.0
        self.alert_shown = False  # a safeguarding alert notification is up: the next key takes it away
        # Wrong slip codes at this terminal's public screen: guessing them is slowed down
        # (kept by the app, so reopening the screen does not start the count again).
        from kiosk.actions.visitors import SlipGuard

        self.slip_guard = SlipGuard()
        self.last_input = time.monotonic()
        self.last_collection = time.monotonic()
        self.collections = 0  # full garbage collections run by collect_garbage()
        self.collection_timer = None
        self.sub_title = services.settings.school_name

    # ------------------------------------------------------------ life cycle

    def on_mount(self) -> None:
        from kiosk.screens.login import LoginScreen

        self.push_screen(LoginScreen(surface="visitor" if self.start_screen == "visitor" else "reception"))
        if self.start_screen == "visitor":  # a terminal for visitors: staff press F10, then sign in
            self.open_self_service()
        self.set_interval(1.0, self._check_idle, name="idle-lock")
        if self.print_worker:
            self.start_printing()
            self.start_checkpoints()
            self.set_interval(300.0, self.anchor_if_due, name="audit-anchor")
            self.set_interval(ANCHOR_SOON_POLL, self.anchor_if_wanted, name="audit-anchor-soon")
            self.check_database_file()
        if self.records_check:
            self.check_records()
            self.set_interval(RECORDS_CHECK_EVERY, self.check_records, name="records-check")

    def check_records(self) -> None:
        """The audit check (kiosk.actions.records.records_check, what ``kiosk audit verify``
        checks) in a thread worker: a record edited outside the kiosk puts a red line on the
        Home of those who answer for the records until a later check passes. A check that
        cannot run is logged and changes nothing: it is not a tamper.

        Run at start, every RECORDS_CHECK_EVERY seconds, and as staff sign in or unlock the
        terminal (:meth:`sign_in`): never two at once. Asked for while one runs, it runs once
        more after it (what was edited meanwhile may have been read before the edit)."""
        if self._records_checking:
            self._records_again = True  # the one running may have read past the change already
            return
        self._records_checking = True
        self._records_again = False
        tz = self.services.settings.tz
        clock = self.services.clock

        stop = self._stop_background  # set as the app closes: the check stops between batches

        def work() -> None:
            from kiosk.actions.records import records_check
            from models.store.db import close_db, stoppable
            from models.store.stopping import CheckStopped

            ok: bool | None = None
            try:
                with stoppable(stop):
                    ok = records_check(tz)
            except CheckStopped:  # quitting does not wait for a check in progress: no answer
                log.info("The records' audit check stopped: the app is closing")
            except Exception:  # noqa: BLE001 - a check that cannot run is not a tamper
                log.exception("The records' audit check failed to run")
            finally:
                close_db()  # this thread's connection only
                try:
                    self.call_from_thread(self.records_checked, ok, clock.now())
                except RuntimeError:  # the app has closed meanwhile
                    pass

        self.run_worker(work, thread=True, exit_on_error=False, group="records-check", name="records-check")

    def records_checked(self, ok: bool | None, at: Any) -> None:
        """The background check's answer (None: it did not run): Home shows or clears its line."""
        self._records_checking = False
        if self._records_again and not self._stop_background.is_set():
            self.check_records()  # asked for while it ran
        if ok is None:
            return
        self.records_checked_at = at
        if ok:
            self.records_failed_at = None
        elif self.records_failed_at is None:
            self.records_failed_at = at
            log.error("The records' audit check FAILED: run kiosk audit verify")
        from kiosk.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.show_records_check()

    def check_database_file(self) -> None:
        """SQLite's quick integrity check, once, in the background: a damaged file gets no
        more writes (models.store.db.integrity_problems marks it) and the office is told."""

        def work() -> None:
            from models.store.db import close_db, damaged, integrity_problems

            try:
                if integrity_problems(quick=True):
                    self.call_from_thread(
                        self.notify,
                        damaged() or "The database file is damaged.",
                        title="Database",
                        severity="error",
                        timeout=30,
                        markup=False,
                    )
            except Exception:  # noqa: BLE001 - the check is a safeguard, not a condition of running
                log.exception("Database integrity check failed to run")
            finally:
                close_db()  # this thread's connection only

        self.run_worker(work, thread=True, exit_on_error=False, group="integrity", name="integrity")

    def anchor_if_wanted(self) -> None:
        """Within seconds of a confiscation, a search, a police hand-over, a concern or an undo
        (models.audit.chain.ANCHOR_SOON_ACTIONS), not at the five-minute check: the newest
        safeguarding records cannot be cut from the end of the log before they are anchored."""
        from models.audit.chain import anchor_soon_wanted

        if anchor_soon_wanted():
            self.anchor_if_due(why="recorded")

    def anchor_if_due(self, why: str | None = None) -> None:
        """The audit anchors (models.audit.anchors): the daily one, and, at every check (every
        five minutes), one if the log moved since the last; with ``why``, an anchor now if
        the log moved (the terminal locked after the school day)."""
        from models.audit import anchors

        path = anchors.configured()
        if path is None:
            return

        def work() -> None:
            try:
                if why is None:
                    now = self.services.clock.now()
                    if anchors.write_if_due(path, now, self.services.settings.tz) is None:
                        # And whenever the log moved since the last anchor: a search or a
                        # concern recorded this morning cannot be cut from a copy unseen
                        # for longer than the timer's few minutes.
                        anchors.write_if_moved(path, why="interval", now=now)
                else:
                    anchors.write_if_moved(path, why=why, now=self.services.clock.now())
            except Exception:  # noqa: BLE001 - retried at the next check; scanning is unaffected
                log.exception("Daily audit anchor not written")
            finally:
                from models.store.db import close_db

                close_db()  # this thread's connection only

        self.run_worker(work, thread=True, exit_on_error=False, group="anchor", name="anchor")

    def before_exit(self) -> None:
        # Textual waits for thread workers before it sends Unmount: stop the print and
        # checkpoint loops first, or quitting would wait for their next round.
        self.stop_background()
        self.anchor_on_close()

    def anchor_on_close(self) -> None:
        """Closing: anchor the log if it moved since the last anchor, so the day's newest
        records cannot be cut without a trace (models.audit.anchors.write_if_moved)."""
        from models.audit import anchors

        path = anchors.configured()
        if path is None or self._closing_anchored:
            return
        self._closing_anchored = True
        try:
            anchors.write_if_moved(path, why="closed", now=self.services.clock.now())
        except Exception:  # noqa: BLE001 - closing must not fail; the next start's daily anchor follows
            log.exception("Audit anchor on closing not written")

    def on_unmount(self) -> None:
        self.stop_background()
        self.anchor_on_close()

    def stop_background(self) -> None:
        """End the background loops (the print outbox sender and the WAL checkpoints), and stop
        a records' check in progress (models.store.stopping): quitting does not wait for them."""
        if self.outbox is not None:
            self.outbox.stop(timeout=0)
        self._stop_background.set()

    def start_checkpoints(self, every: float = 1.0, quiet: float = 1.5, backlog: int = 500) -> None:
        """SQLite: checkpoint the write-ahead log here, not in a scan's commit.

        It runs when there are new commits and nobody has pressed a key for ``quiet``
        seconds (a checkpoint's sync to disk would otherwise delay the next scan's
        commit), or at once after ``backlog`` commits, so a long scanning session
        cannot grow the log without bound.
        """
        from models.store.db import checkpoint, commits, defer_checkpoints

        if not defer_checkpoints():
            return

        def loop() -> None:
            from models.store.db import db

            done = commits()
            try:
                while not self._stop_background.wait(every):
                    try:
                        now = commits()
                        idle = time.monotonic() - self.last_input >= quiet
                        if now != done and (idle or now - done >= backlog):
                            checkpoint()
                            done = now
                    except Exception:  # noqa: BLE001 - a failed checkpoint is retried; commits are unaffected
                        log.exception("WAL checkpoint failed")
            finally:
                if db.obj is not None and not db.obj.is_closed():
                    db.obj.close()  # this thread's connection only

        self.run_worker(loop, thread=True, exit_on_error=False, group="checkpoint", name="checkpoint")

    # ------------------------------------------------------------ printing

    def start_printing(self) -> None:
        """Send the print outbox from a thread worker; the UI never waits on the printer."""
        from kiosk.print_worker import OutboxWorker

        spec = self.services.printer_spec

        def report(r) -> None:
            self.post_message(PrintRound(len(r.sent), len(r.failed), len(r.in_doubt), r.error))

        self.outbox = OutboxWorker(spec, now=self.services.clock.now, on_round=report)
        self.run_worker(self.outbox.run, thread=True, exit_on_error=False, group="printer", name="printer")

    def print_jobs_added(self) -> None:
        """A screen committed print jobs: wake the print worker now."""
        if self.outbox is not None:
            self.outbox.notify()

    def on_print_round(self, message: PrintRound) -> None:
        if message.error and self.printer_offline is None:
            self.printer_offline = message.error
            self.notify(
                f"Printer offline: {message.error} Slips wait in the outbox and print when it is back.",
                title="Printer",
                severity="warning",
                timeout=10,
                markup=False,
            )
        elif not message.error and message.sent and self.printer_offline is not None:
            self.printer_offline = None
            self.notify("The printer is back: waiting slips have printed.", title="Printer", markup=False)
        if message.in_doubt:
            self.notify(
                f"{message.in_doubt} print job(s) may not have printed: check the printer and reprint "
                "from the visitor list if needed.",
                title="Printer",
                severity="warning",
                markup=False,
            )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = time.monotonic()
        if isinstance(event, events.Key) and event.key == "ctrl+j" and not event.is_forwarded:
            # A newline is an Enter typed before the terminal was switched to raw mode (keys typed
            # as `kiosk run` starts: the terminal turned their Enter into a newline). Read as
            # ctrl+j, it moved nothing on and a PIN typed next joined the username, in plain text.
            event = events.Key("enter", "\r")
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded and self.alert_shown:
            # The safeguarding alert goes at the next key (which still goes where it was typed):
            # shown for 20 s, it covered the fields of a form at 80x24 and hid what was typed.
            # Nothing is lost: Home's alert line stays until the concern is opened.
            from kiosk.textual_compat import unnotify_titled

            self.alert_shown = False
            unnotify_titled(self, ALERT_TITLE)
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded and self.screen_stack:
            # A form may move the focus before the key is sent on to the focused field: here, in
            # the order the keys arrive (each field has its own queue, so a move made later, by a
            # field or the screen, lets the next keys overtake or land in the wrong field).
            arriving = getattr(self.screen_stack[-1], "key_arriving", None)
            if arriving is not None:
                arriving(event)
        await super().on_event(event)

    def _check_idle(self) -> None:
        if time.monotonic() - self.last_input >= self.GC_QUIET:
            self.collect_garbage()
        if self.signed_in is None:
            return
        if time.monotonic() - self.last_input >= self.services.settings.idle_lock_seconds:
            self.lock("Locked after a period without use.")
            return
        self.check_alerts()

    # ------------------------------------------------------------ the DSL's immediate alerts

    ALERT_EVERY = 10.0  # seconds between looks for a radicalisation concern or an allegation

    def check_alerts(self) -> None:
        """For the DSL (and the chair, for an allegation about the headteacher): a notification
        when a radicalisation concern, an allegation or a confiscation for suspected nude or
        semi-nude images is raised, here or at another terminal
        on the same database, and Home's alert line refreshed. Never its details."""
        who = self.signed_in
        if who is None or not (who.may("view_concerns") or who.may("view_head_allegations")):
            return
        if time.monotonic() - self.last_alert_check < self.ALERT_EVERY:
            return
        self.last_alert_check = time.monotonic()

        def work() -> None:
            from kiosk.actions.safeguarding import urgent_alerts
            from kiosk.workers import run_guarded
            from models.store.db import close_db

            try:
                alerts, _, _ = run_guarded(urgent_alerts, who)
            finally:
                close_db()  # this thread's connection only
            if alerts:
                self.call_from_thread(self.show_alerts, who, alerts)

        self.run_worker(work, thread=True, exit_on_error=False, group="alerts", name="alerts")

    def show_alerts(self, who: SignedIn, alerts: list[tuple[str, str]]) -> None:
        from kiosk.screens.home import HomeScreen

        if self.signed_in != who:
            return  # signed out meanwhile: not for whoever is here now
        new = [(cid, words) for cid, words in alerts if (who.id, cid) not in self.alerted]
        for cid, words in new:
            self.alerted.add((who.id, cid))
            self.notify(
                f"{words[0].upper()}{words[1:]}: raised and not yet opened. Open Safeguarding (S at Home).",
                title=ALERT_TITLE,
                severity="error",
                timeout=20,  # or until the next key; Home's alert line stays until it is opened
                markup=False,
            )
            self.alert_shown = True
        if new and isinstance(self.screen, HomeScreen):
            self.screen.refresh_summary()

    # ------------------------------------------------------------ garbage collection

    GC_QUIET = 1.5  # seconds without a key press: a quiet moment
    GC_EVERY = 5.0  # while scanning, at most one full collection this often

    def collect_garbage(self, *, every: float = 0.0) -> bool:
        """Run Python's full garbage collection now, if there is anything for it to do.

        Textual's drawing leaves reference cycles (every line it crops keeps itself in
        its own cache), which only the full collection frees; left to Python it runs
        whenever enough has piled up, which during scanning means in the middle of
        one: an 8-50 ms pause. The kiosk runs it instead at moments nobody is waiting:
        when no key has been pressed for ``GC_QUIET`` seconds, and just after a scan's
        result has been drawn (at most every ``GC_EVERY`` seconds; the next scan is
        then furthest away). ``kiosk run`` also makes Python's own full collections
        ten times rarer (kiosk.cli.tune_for_scanning). Returns True if it ran.
        """
        now = time.monotonic()
        if gc.get_count()[2] == 0 or now - self.last_collection < every:
            return False  # nothing has reached the oldest generation since the last one
        gc.collect()
        self.last_collection = time.monotonic()
        self.collections += 1
        return True

    GC_AFTER_SCAN = 0.05  # seconds after a result: the frame showing it has been written

    def collect_garbage_after_scan(self) -> None:
        """Called by the scan screens with a result: collect once it is on the screen
        (a frame is drawn within a few ms; collecting before would delay the result)."""
        if self.collection_timer is None:
            self.collection_timer = self.set_timer(self.GC_AFTER_SCAN, self._collect_after_scan)

    def _collect_after_scan(self) -> None:
        self.collection_timer = None
        if time.monotonic() - self.last_input >= self.GC_AFTER_SCAN:  # not while a scan is coming in
            self.collect_garbage(every=self.GC_EVERY)

    # ------------------------------------------------------------ session

    def sign_in(self, who: SignedIn) -> None:
        """``who`` has signed in: back where they were if it was they who locked the terminal
        (the same account with the same roles: :attr:`locked_by`), otherwise Home, with
        nothing of the previous person's beneath it (their unsaved forms are discarded)."""
        from kiosk.screens.home import HomeScreen

        locked_by, held = self.locked_by, self.held
        self.locked_by, self.held = None, []
        self.signed_in = who
        self.last_input = time.monotonic()
        if self.records_check:  # a record edited since the last check: on Home now, not within the hour
            self.check_records()
        if locked_by is not None and locked_by == who and self.is_lock_screen(self.screen):
            self.pop_screen()  # the sign-in screen: their screens, as they left them
            self.catch_up(held)
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        for form in list(self.kept_forms):  # the last person's forms: never shown to this one
            form.let_go()
        self.switch_screen(HomeScreen(who, start=None if self.start_screen == "visitor" else self.start_screen))

    def lock(self, reason: str = "") -> None:
        """End the signed-in session: the sign-in screen covers everything.

        The screens stay beneath it, as they were (scans on their way are saved and shown),
        for the same person to sign in again (:meth:`sign_in`); nothing beneath it can be
        seen or reached meanwhile, nor come back over it (:meth:`push_screen`,
        :meth:`pop_screen`, :meth:`notify`).
        """
        import datetime as dt

        from kiosk.screens.login import LoginScreen
        from models.audit.anchors import END_OF_DAY

        if (
            self.signed_in is not None
            and self.services.clock.now().replace(tzinfo=dt.UTC).astimezone(self.services.settings.tz).time()
            >= END_OF_DAY
        ):
            self.anchor_if_due(why="locked")  # after the school day: the records so far, anchored
        who, self.signed_in = self.signed_in, None
        self.clear_notifications()  # what the last person did is not for whoever comes next
        surface = "visitor" if self.start_screen == "visitor" else "reception"
        if who is not None and self.locked_by is None:
            self.locked_by, self.held = who, []
            self.push_screen(LoginScreen(notice=reason, surface=surface, lock=True))
        elif who is None:
            # Nobody to keep anything for (an error while signed out): start again at the sign-in screen.
            self.locked_by, self.held = None, []
            while len(self.screen_stack) > 2:
                self.pop_screen()
            self.switch_screen(LoginScreen(notice=reason, surface=surface))
        if self.start_screen == "visitor":
            self.open_self_service()

    # ------------------------------------------------------------ while locked

    def is_lock_screen(self, screen: Screen[Any]) -> bool:
        from kiosk.screens.login import LoginScreen

        return isinstance(screen, LoginScreen) and screen.lock

    def screen_behind_lock(self) -> Screen[Any] | None:
        """The screen beneath the sign-in screen of a lock whose handler (or its widget's) is
        running now: a worker's answer, a timer, a key already on its way when F12 came."""
        from kiosk.textual_compat import acting_pump

        if self.locked_by is None:
            return None
        pump = acting_pump()
        if pump is None or pump is self:
            return None
        try:
            screen = pump if isinstance(pump, Screen) else pump.screen
        except Exception:  # noqa: BLE001 - a widget no longer on any screen: nothing of it is shown
            return None
        stack = self.screen_stack
        locks = [i for i, s in enumerate(stack) if self.is_lock_screen(s)]
        if locks and screen in stack and stack.index(screen) < locks[0]:
            return screen
        return None

    def push_screen(self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False) -> Any:
        """While locked, only the sign-in screen, the public visitor screen and the quit dialog
        open; a screen or dialog opened from beneath the lock waits for the person who locked."""
        from textual.await_complete import AwaitComplete

        if self.locked_by is not None and not self.shown_while_locked(screen):
            if wait_for_dismiss:  # a worker waiting for the answer: none comes while locked
                import asyncio

                refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                refused.cancel()
                return refused
            self.held.append(("push", screen, callback))
            return AwaitComplete.nothing()
        return super().push_screen(screen, callback, wait_for_dismiss)

    def shown_while_locked(self, screen: Any) -> bool:
        from kiosk.dialogs.admin_pin import AdminPinDialog
        from kiosk.screens.login import LoginScreen
        from kiosk.screens.visitor_self import VisitorSelfServiceScreen

        return isinstance(screen, (LoginScreen, VisitorSelfServiceScreen, AdminPinDialog))

    def pop_screen(self) -> Any:
        """A dialog beneath the lock closing (its Enter was on its way when F12 came) would
        close the screen on top, the sign-in screen: it closes when its person is back."""
        from textual.await_complete import AwaitComplete

        if (behind := self.screen_behind_lock()) is not None:
            self.held.append(("pop", behind, None))
            return AwaitComplete.nothing()
        return super().pop_screen()

    def notify(self, message: str, *, title: str = "", severity: Any = "information", **kw: Any) -> None:
        """A notice from a screen beneath the lock (a result that came back) is for the person
        who locked, not whoever is at the sign-in screen: it waits for them."""
        if self.screen_behind_lock() is not None:
            self.held.append(("notify", (message, title, severity, kw), None))
            return
        super().notify(message, title=title, severity=severity, **kw)

    def catch_up(self, held: list[tuple[str, Any, Any]]) -> None:
        """What the screens beneath the lock asked for while it was locked, in order."""
        for kind, what, callback in held:
            if kind == "push":
                self.push_screen(what, callback)
            elif kind == "pop":
                if self.screen is what:
                    self.pop_screen()
            else:
                message, title, severity, kw = what
                self.notify(message, title=title, severity=severity, **kw)

    # ------------------------------------------------------------ visitor self-service

    def open_self_service(self) -> None:
        from kiosk.screens.visitor_self import VisitorSelfServiceScreen

        if not isinstance(self.screen, VisitorSelfServiceScreen):
            self.push_screen(VisitorSelfServiceScreen())

    def leave_self_service(self) -> None:
        from kiosk.screens.login import LoginScreen
        from kiosk.screens.visitor_self import VisitorSelfServiceScreen

        if isinstance(self.screen, VisitorSelfServiceScreen):
            self.pop_screen()
            if isinstance(self.screen, LoginScreen):
                # Reached from the public screen: its wrong PINs are the visitor screen's, until
                # someone signs in (then the next sign-in screen is the reception's again).
                self.screen.surface = "visitor"

    def _login_surface(self) -> str | None:
        from kiosk.screens.login import LoginScreen

        for screen in self.screen_stack:
            if isinstance(screen, LoginScreen):
                return screen.surface
        return None

    def in_self_service(self) -> bool:
        from kiosk.screens.visitor_self import VisitorSelfServiceScreen

        return any(isinstance(s, VisitorSelfServiceScreen) for s in self.screen_stack)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.signed_in is not None  # nothing to lock at the sign-in or visitor screens
        return True

    def action_lock(self) -> None:
        if self.signed_in is not None:
            self.lock("Signed out.")

    def action_ignore(self) -> None:
        """ctrl+z would suspend the app and leave a shell: never at reception."""

    def action_request_quit(self) -> None:
        # A visitor at the self-service screen never closes the app, nor at the staff sign-in
        # it leads to (F10) while no one is signed in: an admin PIN is needed.
        public = self.in_self_service() or (self.signed_in is None and self._login_surface() == "visitor")
        if not self.kiosk_mode and not public:
            self.exit()
            return
        from kiosk.dialogs.admin_pin import AdminPinDialog

        if not any(isinstance(s, AdminPinDialog) for s in self.screen_stack):
            surface = "visitor" if self.in_self_service() or self._login_surface() == "visitor" else "reception"
            self.push_screen(AdminPinDialog(surface), self._quit_if_allowed)

    def _quit_if_allowed(self, allowed: bool | None) -> None:
        if allowed:
            self.exit()

    def palette_allowed(self) -> bool:
        """Staff only: never on the login screen, in kiosk mode or in a visitor's hands."""
        return self.signed_in is not None and not self.kiosk_mode and not self.in_self_service()

    def action_command_palette(self) -> None:
        if self.palette_allowed():
            super().action_command_palette()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's screenshot writes an SVG into the working directory (and fails where
        # that is not writable): not something reception needs from the palette.
        # Its Quit closed the app at once: it goes the way Ctrl+C and Ctrl+Q go (an admin PIN
        # wherever the kiosk is public), never round them.
        for command in super().get_system_commands(screen):
            if command.title.lower().startswith("screenshot"):
                continue
            if command.callback == self.action_quit:
                yield SystemCommand(command.title, "Close the kiosk (as Ctrl+C)", self.action_request_quit)
            else:
                yield command

    # ------------------------------------------------------------ errors

    def on_unexpected_error(self, error: Exception) -> bool:
        """Log an unexpected error, show a calm message and carry on: never a traceback."""
        log_error(error)
        if self.is_headless and self.raise_in_tests and not self.failed_before:
            return False  # under test, let pytest see the failure
        try:
            self.notify(
                "Something went wrong. Nothing was half-saved; the screen has been reset.",
                title="Sorry",
                severity="error",
                timeout=8,
            )
            if self.signed_in is not None:
                self.call_later(self.sign_in, self.signed_in)
            else:
                self.call_later(self.lock, "")
        except Exception as again:  # noqa: BLE001
            log_error(again)
            self.exit_quietly(1)  # the details are in the log, never on the reception screen
        return True


def create_app(
    settings: Settings,
    *,
    database: str | None = None,
    clock: Clock | None = None,
    printer: Any = None,
    camera_source: Any = None,
    start: str | None = None,
    kiosk_mode: bool = False,
    cursor_blink: bool = True,
    print_worker: bool = True,
    records_check: bool | None = None,
) -> KioskApp:
    """Build the app. ``database`` (a URL or path) is opened here when given; otherwise
    the caller has already opened it (``models.upkeep.opening.open_database``)."""
    if database is not None:
        from models.upkeep.opening import open_database

        open_database(database)
    from kiosk.actions.trust import name_the_school

    name_the_school(settings)  # a trust's school with no name in its config: its registered name
    from models.custody.trays import set_overflow_place

    set_overflow_place(settings.overflow_place)  # where phones go when no slot is free
    if settings.pin_key_file is not None:  # [auth] key_file (the command line has set it already otherwise)
        from models.store import pinkey

        pinkey.configure(settings.pin_key_file)
    services = Services(settings=settings, clock=clock or Clock(), printer=printer, camera_source=camera_source)
    return KioskApp(
        services,
        start=start,
        kiosk_mode=kiosk_mode,
        cursor_blink=cursor_blink,
        print_worker=print_worker,
        records_check=records_check,
    )
