"""Home: the signed-in member of staff's own tasks, and the state of the tray."""

from __future__ import annotations

import importlib
import string
from dataclasses import dataclass
from functools import partial

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.actions import accounts, devices_school, records, reports, safeguarding
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.custody.devices import HAND_IN_OFFER, hand_in_window_words, in_hand_in_window, route_home_scan
from models.staff.auth import capped_accounts


@dataclass(frozen=True)
class Task:
    key: str
    name: str  # also the --start value
    label: str
    permission: str
    target: str  # "module:Class", a Screen taking (who: SignedIn)


TASKS = (
    Task("h", "hand-in", "Morning hand-in", "hand_in", "kiosk.screens.hand_in:HandInScreen"),
    Task("r", "release", "End-of-day release", "release", "kiosk.screens.release:ReleaseScreen"),
    Task("c", "checklist", "Class checklist", "release", "kiosk.screens.checklist:ChecklistScreen"),
    Task("p", "history", "Phone history and safeguarding", "release_to_contact", "kiosk.screens.history:HistoryScreen"),
    Task("u", "uncollected", "Phones not collected", "view_reports", "kiosk.screens.uncollected:UncollectedScreen"),
    Task(
        "v",
        "visitors",
        "Visitors: sign in and out, who is on site",
        "visitors",
        "kiosk.screens.visitors:VisitorsScreen",
    ),
    Task(
        "e",
        "exceptions",
        "Exceptions agreed with the headteacher",
        "view_exceptions",
        "kiosk.screens.exceptions:ExceptionsScreen",
    ),
    Task(
        "s",
        "safeguarding",
        "Safeguarding: breaches and concerns",
        "read_concerns",
        "kiosk.screens.safeguarding:SafeguardingScreen",
    ),
    Task("k", "compliance", "Compliance at a glance", "view_reports", "kiosk.screens.compliance:ComplianceScreen"),
    Task(
        "d",
        "school-devices",
        "School devices: lend and take back",
        "view_school_devices",
        "kiosk.screens.school_devices:SchoolDevicesScreen",
    ),
    Task(
        "o",
        "staff-devices",
        "Staff devices held",
        "hold_staff_device",
        "kiosk.screens.staff_devices:StaffDevicesScreen",
    ),
    # The trust's own roles (issue 16): figures across the trust's schools, and the trust
    # DSL's feed across them (kiosk.screens.trust).
    Task(
        "t", "trust", "The trust's schools: compliance, phones held", "trust_reports", "kiosk.screens.trust:TrustScreen"
    ),
)


def allowed_tasks(who: SignedIn) -> list[Task]:
    return [
        t
        for t in TASKS
        if who.may(t.permission)
        or (t.name == "history" and (who.may("search") or who.may("police")))
        or (t.name == "safeguarding" and who.may("view_head_allegations"))  # the chair of governors
        or (t.name == "safeguarding" and who.may("raise_concern"))  # the concerns they raised (f1s6)
    ]


def task_label(task: Task, who: SignedIn) -> str:
    """The task's words for ``who``: the chair of governors, who sees only concerns about the
    headteacher (``view_head_allegations``, not ``read_concerns``), is not promised the DSL's
    "breaches and concerns"."""
    if task.name == "safeguarding" and not who.may("read_concerns") and who.may("view_head_allegations"):
        return "Concerns about the headteacher"
    if task.name == "safeguarding" and not who.may("read_concerns"):
        return "Concerns you raised"  # as they raised them, not the DSL's follow-up (f1s6)
    return task.label


CANCELLED = "Cancelled: nothing was recorded."  # what every cancelled form says
CODE_START = set(string.ascii_uppercase + string.digits)  # a scan starts so; Home's keys are lower case
# A scanner with caps lock on sends a code in lower case: k, v or s (Home's keys for Compliance, Visitors
# and Safeguarding) then digits at once. Such a key waits this long for a digit before it acts.
PREFIX_KEYS = {"k", "v", "s"}
HOLD_SECONDS = 0.12


class HomeScreen(DbWork, Screen[None]):
    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("h", "open('hand-in')", "Hand-in", show=False, id="home.hand_in"),
        Binding("r", "open('release')", "Release", show=False, id="home.release"),
        Binding("c", "open('checklist')", "Checklist", show=False, id="home.checklist"),
        Binding("p", "open('history')", "History", show=False, id="home.history"),
        Binding("u", "open('uncollected')", "Uncollected", show=False, id="home.uncollected"),
        Binding("v", "open('visitors')", "Visitors", show=False, id="home.visitors"),
        Binding("e", "open('exceptions')", "Exceptions", show=False, id="home.exceptions"),
        Binding("s", "open('safeguarding')", "Safeguarding", show=False, id="home.safeguarding"),
        Binding("k", "open('compliance')", "Compliance", show=False, id="home.compliance"),
        Binding("d", "open('school-devices')", "School devices", show=False, id="home.school_devices"),
        Binding("o", "open('staff-devices')", "Staff devices", show=False, id="home.staff_devices"),
        Binding("t", "open('trust')", "Trust", show=False, id="home.trust"),
        Binding("n", "raise_concern", "Raise a concern", id="home.raise_concern"),
        # Outside morning hand-in a scan at Home only looks the phone up: Y hands it in (route_home_scan).
        Binding("y", "hand_in_offered", "Hand it in", id="home.hand_in_offered"),
        Binding("a", "unlock", "Unlock an account", id="home.unlock"),
        Binding("l", "app.lock", "Sign out", id="home.sign_out"),
        # Home runs past the screen at 80x24 for a headteacher on a busy day: the rest is below.
        # (priority: the box's own PageDown, unshown, would otherwise take the key first)
        Binding("pagedown", "page(1)", "More below", id="home.page_down", priority=True),
        Binding("pageup", "page(-1)", "Back up", id="home.page_up", priority=True),
    ]

    def __init__(self, who: SignedIn, start: str | None = None) -> None:
        super().__init__()
        self.who = who
        self.start = start  # a task to open straight away (kiosk run --start)
        self.tasks = allowed_tasks(who)
        self.scanned = ""  # a code being scanned (or typed) at Home, until its terminator
        self.opened: Screen | None = None  # the scan screen Home opened for a scanned code
        self.carry: list[events.Key] = []  # keys typed at once with the one that opened a screen
        self.held: str | None = None  # k, v or s pressed at Home: a task key, or a lower-case scan's first letter
        self.held_count = 0  # numbers each hold, so a stale timer does nothing
        self.offered: str | None = None  # a code looked up outside morning hand-in: Y hands it in
        self.scans = 0  # scans ended at Home: only the latest one's look-up is offered

    @staticmethod
    def screen_for(name: str, who: SignedIn) -> Screen | None:
        for task in allowed_tasks(who):
            if task.name == name:
                module, cls = task.target.split(":")
                return getattr(importlib.import_module(module), cls)(who)
        return None

    def compose(self) -> ComposeResult:
        yield TitleBar("Home")
        with VerticalScroll(id="home-box", can_focus=False):
            yield Static(f"Signed in: {self.who.display_name}", id="home-who", markup=False)
            yield Static("", id="home-alert", markup=False)  # the DSL's: Prevent, an allegation, nude images
            yield Static("", id="home-records", markup=False)  # the app's audit check failed (kiosk.app.check_records)
            for task in self.tasks:
                yield Button(
                    Content(f"{task.key.upper()}  {task_label(task, self.who)}"), id=f"task-{task.name}", classes="task"
                )
            if not self.tasks:
                yield Static(
                    "No reception tasks for your role. Use the command line for administration.", id="home-none"
                )
            if self.who.may("raise_concern"):
                yield Button(Content("N  Raise a concern for the DSL"), id="home-raise-concern", classes="task")
            if self.who.may("manage_staff"):
                yield Button(Content("A  Unlock an account (too many wrong PINs)"), id="home-unlock", classes="task")
            yield Static("", id="home-scan", markup=False)
            yield Static("", id="home-summary")
            yield Static("", id="home-devices", markup=False)  # school devices overdue back from loan
        yield KioskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return any(t.name == parameters[0] for t in self.tasks)
        if action == "raise_concern":
            return self.who.may("raise_concern")
        if action == "unlock":
            return self.who.may("manage_staff")
        if action == "hand_in_offered":
            return self.offered is not None
        if action == "page":
            box = self.query("#home-box")
            if not box:
                return False
            scroll = box.first()
            return scroll.scroll_y < scroll.max_scroll_y if parameters[0] == 1 else scroll.scroll_y > 0
        return True

    def action_page(self, by: int) -> None:
        box = self.query_one("#home-box", VerticalScroll)
        if by > 0:
            box.scroll_page_down(animate=False)
        else:
            box.scroll_page_up(animate=False)
        self.call_after_refresh(self.refresh_bindings)

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_bindings)  # "More below" only when there is more

    def on_mount(self) -> None:
        self.show_records_check()
        self.refresh_summary()
        if self.start:
            self.call_after_refresh(self.open_start, self.start)

    def on_screen_resume(self) -> None:
        self.opened = None
        if self.scanned or self.offered:  # keys gathered (or a hand-in offered) before another screen: stale now
            self.scanned = ""
            self._offer(None)
            self._show_scan("")
        self.refresh_summary()

    def refresh_summary(self) -> None:
        services = self.app.services
        now = services.clock.now()
        args = (self.who, now, services.settings, services.printer_spec)
        self.db(reports.home_summary, *args, then=self.show_summary, failed=self.show_summary, latest="summary")
        self.db(
            devices_school.overdue_line, self.who, now, then=self.show_devices, failed=self.show_devices, latest="dev"
        )
        if self.who.may("view_concerns") or self.who.may("view_head_allegations"):
            self.db(safeguarding.home_alert, self.who, then=self.show_alert, latest="alert")

    def show_records_check(self) -> None:
        """While the app's last audit check failed: a red line for those who answer for the
        records (kiosk.actions.records.records_check_line), until a later check passes."""
        line = records.records_check_line(self.who, self.app.records_failed_at, self.app.services.settings.tz)
        shown = self.query_one("#home-records", Static)
        shown.update(line)
        shown.set_class(bool(line), "shown")
        self.call_after_refresh(self.refresh_bindings)

    def show_alert(self, line: str) -> None:
        """Until opened, the kind (never the details) of an urgent concern or confiscation (actions.safeguarding)."""
        alert = self.query_one("#home-alert", Static)
        alert.update(line)
        alert.set_class(bool(line), "shown")
        self.call_after_refresh(self.refresh_bindings)

    def show_devices(self, line: str | Failure | None) -> None:
        devices = self.query_one("#home-devices", Static)
        devices.update(line.message if isinstance(line, Failure) else line or "")
        devices.display = bool(line)
        self.call_after_refresh(self.refresh_bindings)

    def show_summary(self, text: str | Failure) -> None:
        self.query_one("#home-summary", Static).update(text.message if isinstance(text, Failure) else text)
        self.call_after_refresh(self.refresh_bindings)

    def db_failed(self, failure: Failure) -> None:
        self.notify(failure.message, severity="error", markup=False)

    def done(self, text: str) -> None:
        self.notify(text, severity="information", markup=False)
        self.refresh_summary()

    def not_done(self, failure: Failure) -> None:
        self.db_failed(failure)
        self.refresh_summary()

    # ------------------------------------------------------------ a concern, from any member of staff

    def action_raise_concern(self) -> None:
        from kiosk.dialogs.concern import RaiseConcernDialog
        from kiosk.dialogs.two_step import ask

        dialog = RaiseConcernDialog()
        ask(self.app, dialog, lambda form: self._raise(form, dialog))

    def _raise(self, form, dialog=None) -> None:
        if form is None:
            self.notify(CANCELLED, markup=False)  # as every other cancel says
            return
        from kiosk.actions.safeguarding import raise_concern

        now = self.app.services.clock.now()
        # refused: the form again, as it was (a form given with no dialog: the refusal is said only)
        then, failed = (self.done, self.not_done) if dialog is None else dialog.recording(self.done, self.not_done)
        self.db(raise_concern, self.who, form, now, then=then, failed=failed)

    # ------------------------------------------------------------ an admin unlocks an account

    def action_unlock(self) -> None:
        self.db(capped_accounts, self.app.services.clock.now(), then=self.choose_unlock)

    def choose_unlock(self, capped: list[str]) -> None:
        from kiosk.dialogs.unlock import UnlockDialog

        self.app.push_screen(UnlockDialog(capped), self._unlock)

    def _unlock(self, chosen: tuple[str, str] | None) -> None:
        if chosen:
            username, new_pin = chosen
            now = self.app.services.clock.now()
            self.db(accounts.unlock, self.who, username, now, new_pin, then=self.done, failed=self.not_done)

    # ------------------------------------------------------------ a code scanned at Home

    def on_key(self, event: events.Key) -> None:
        """No scan at Home is dropped: it is recorded on its screen, or Home says what to do.

        A key that reaches Home after it has opened a screen (``h`` and a scan at once)
        was typed for that screen: it is passed on, in order. At Home itself, a scanner's
        code (an upper-case letter or a digit first: Home's own keys are lower case) is
        gathered until its terminator and then routed by :func:`models.custody.devices.route_scan`.
        """
        # Not ``is_current``: that stays true while a screen pushed over Home is still opening.
        if self.app.screen is not self:
            top = self.app.screen
            if top is not self:
                event.stop()
                event.prevent_default()
                first = not self.carry
                keys = []
                if self.scanned:  # a code's first keys were gathered here before the screen opened:
                    gathered, self.scanned = self.scanned, ""  # they go with the rest, in order
                    self._show_scan("")
                    keys = [events.Key(c, c) for c in gathered]
                keys.append(events.Key(event.key, event.character))
                early = getattr(top, "early_keys", None)
                if early is not None and not self.carry:
                    early.extend(keys)  # a scan screen still opening takes them first, as it mounts
                    return
                self.carry.extend(keys)
                if first:  # once the screen has drawn (mounted, focus set), hand them over in order
                    top.call_after_refresh(self._hand_over, top)
            return
        terminators = self.app.services.settings.scan_terminators
        character = event.character
        if self.held is not None:
            letter, self.held = self.held, None
            if character and character.isdigit():  # a lower-case scan: k1234501
                self.scanned = letter.upper()
            else:
                self._task_key(letter)  # a person's key after all: act on it, then on this key
                if self.app.screen is not self:
                    self.on_key(event)  # typed at once with it: it belongs to the screen just opened
                    return
        elif not self.scanned and event.key not in PREFIX_KEYS and any(t.key == event.key for t in self.tasks):
            # A task's key opens its screen now, not as a binding once the key has bubbled up
            # to the app: by then the keys typed with it (h and a code at once) had reached
            # Home as a scan of their own, and the code's Enter the new screen.
            event.stop()
            event.prevent_default()
            self._task_key(event.key)
            return
        elif not self.scanned and event.key in PREFIX_KEYS:
            self.held = event.key
            self.held_count += 1
            self.run_worker(self._hold(self.held_count), group="home-key", exit_on_error=False)
            event.stop()
            event.prevent_default()
            return
        if self.scanned and event.key in terminators:
            text, self.scanned = self.scanned, ""
            self._offer(None)  # a new scan replaces what the last one offered
            self.scans += 1
            self._show_scan("Looking up " + text + "…")
            settings = self.app.services.settings
            now = self.app.services.clock.now()
            morning = in_hand_in_window(now, settings.hand_in_from, settings.hand_in_until, settings.tz)
            window = hand_in_window_words(now, settings.hand_in_from, settings.hand_in_until, settings.tz)
            self.db(
                route_home_scan,
                text,
                self.who.roles,
                morning=morning,
                window=window,
                then=partial(self.routed, self.scans),
                failed=self.not_routed,
            )
        elif self.scanned and event.key == "backspace":
            self.scanned = self.scanned[:-1]
            self._show_scan(self._typing())
        elif (self.scanned or self.offered) and event.key == "escape":
            self.scanned = ""
            self._offer(None)
            self._show_scan("")
        elif event.is_printable and character and (self.scanned or character in CODE_START):
            if len(self.scanned) < 64:
                self.scanned += character
            self._show_scan(self._typing())
        else:
            return
        event.stop()
        event.prevent_default()

    async def _hold(self, count: int) -> None:
        import asyncio

        await asyncio.sleep(HOLD_SECONDS)
        if self.held is not None and self.held_count == count:  # no digit followed: a person's key
            letter, self.held = self.held, None
            self._task_key(letter)

    def _task_key(self, letter: str) -> None:
        """Do what Home's key ``letter`` does for this member of staff (nothing if not theirs)."""
        for task in self.tasks:
            if task.key == letter:
                self.action_open(task.name)
                return

    def _hand_over(self, top: Screen) -> None:
        keys, self.carry = self.carry, []
        if top not in self.app.screen_stack:  # closed before it drew: nothing to give the keys to
            return
        target = top.focused or top  # a scan screen gives a key that reaches it to its scan field
        for key in keys:
            target.post_message(key)

    def _typing(self) -> str:
        from models.custody.codes import printable

        return f"Scanned: {printable(self.scanned)} (Enter to look it up, Esc to clear)" if self.scanned else ""

    def _show_scan(self, line: str) -> None:
        scan = self.query_one("#home-scan", Static)
        scan.update(line)
        scan.set_class(bool(line), "shown")

    def not_routed(self, failure: Failure) -> None:
        self._show_scan(failure.message)

    def routed(self, scan: int, answer: tuple[str | None, str | None, str]) -> None:
        route, code, line = answer
        if route == HAND_IN_OFFER and code is not None:
            if scan != self.scans:
                return  # a later scan at Home (its answer may come first) replaces this look-up
            # Outside morning hand-in: where the phone is, and a key of its own to hand it in.
            # A code typed with the key of a screen Home was opening (h and a code at once) is
            # that screen's, as in the morning: the person chose it.
            if self.opened is not None and self.app.screen is self.opened:
                self._routed("hand-in", code)
            elif self.app.screen is self:
                self._offer(code)
                self._show_scan(line)
            else:
                self._show_scan(f"{code} was scanned while another screen was open: scan it again.")
            return
        self._routed(route, code if route is not None else line)

    def _offer(self, code: str | None) -> None:
        if self.offered != code:
            self.offered = code
            self.refresh_bindings()

    def action_hand_in_offered(self) -> None:
        """Y after a look-up outside morning hand-in: the phone is handed in, on the hand-in
        screen (which shows the slot), as if scanned there."""
        code = self.offered
        if code is None:
            return
        self._offer(None)
        self._show_scan("")
        self._routed("hand-in", code)

    def _routed(self, route: str | None, value: str) -> None:
        if route is None:
            self._show_scan(value)
            self.app.bell()
            return
        self._show_scan("")
        top = self.app.screen
        if self.opened is not None and top is self.opened:
            pipeline = getattr(top, "pipeline", None)  # a second scan while the first opened the screen
            if pipeline is not None:
                pipeline.submit(value)
            else:
                top.pending.append(value)
            return
        if self.app.screen is not self:
            self._show_scan(f"{value} was scanned while another screen was open: scan it again.")
            return
        screen = self.screen_for(route, self.who)
        if screen is None:  # route_scan checked the role; the task list says the same
            self._show_scan(f"{value}: your role cannot open that screen.")
            return
        screen.pending.append(value)
        self.opened = screen
        self.app.push_screen(screen)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("task-"):
            self.action_open(event.button.id.removeprefix("task-"))
        elif event.button.id == "home-raise-concern":
            self.action_raise_concern()
        elif event.button.id == "home-unlock":
            self.action_unlock()

    def open_start(self, name: str) -> None:
        """``kiosk run --start``'s screen, or one line saying why Home stays."""
        if not any(t.name == name for t in self.tasks):
            what = next((t.label for t in TASKS if t.name == name), name)
            self.notify(
                f"{what.split(':')[0]}: not for your role, so Home is shown instead.", severity="warning", markup=False
            )
            return
        self.action_open(name)

    def action_open(self, name: str) -> None:
        screen = self.screen_for(name, self.who)
        if screen is not None:
            self.opened = screen  # a scan gathered here as it opens is recorded there
            self.app.push_screen(screen)
