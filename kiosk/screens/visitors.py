"""Visitors, for the office: who is on site, sign in and out, slips, roll call, concerns.

The list shows everyone signed in (badge, name, organisation, type, time in, with the
date for an earlier day, supervised, where their phone is) with visitors still in
after the configured time flagged, then those who have left while the office still
holds their phone ("LEFT", phone to return). Scan a slip's QR code into the scan field
(or press Enter on a row) to sign a visitor out: their phone is returned to them by
you, and the screen says which slot it comes from. Scan a visitor's V label to
receive their phone (a phone they said they would hand in) or to return it. A visit
from an earlier day asks for the time they left. The printer line shows the outbox
(waiting, offline, in doubt) from ``models.outbox``.

Keys: F2 sign a visitor in · Enter on a row sign out (or return the phone of one who
has left) · F3 the row's phone: receive it, return it, or confirm an organisation's
exception with ID seen · F4 reprint the row's slip · F6 report a concern about the
row's visitor's device use · F7 the fire roll call (on screen, and printed) · F8
retry printing now · F9 print the row's phone label (V code) · F5 refresh · Tab between the scan field and the list · Esc back. Actions a role may
not take are not offered; the domain checks again.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import visitors as act
from kiosk.actions.visitors import OfficeList, Scanned, StaffSignIn
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.dialogs.visitor_concern import VisitorConcernDialog
from kiosk.dialogs.visitor_sign_in import VisitorSignInDialog
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.table import Table, cap
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure

# Screen action -> the permission it needs (models.staff.auth.PERMISSIONS).
PERMISSION = {
    "sign_in": "visitors",
    "phone": "visitors",
    "roll_call": "visitors",
    "reprint": "print",
    "retry": "print",
    "phone_label": "print",
    "concern": "raise_concern",
}
PHONE_SHORT = {"tray": "handed in", "car_or_off": "car / off", "exception": "exception"}
FLAG_MARK = "STILL IN"
LEFT_MARK = "LEFT"  # signed out; their phone is still to return


# Column caps, so that one long name never pushes "In at", "Phone" and "Supervised" off an
# 80-column screen, and the whole row fits at 110 (the full name is in the visitor's dialog).
NAME_CAP, ORG_CAP = 24, 20
FULL_COLUMNS = ("Flag", "Badge", "Name", "In at", "Phone", "Supervised", "Organisation", "Type")
COMPACT_COLUMNS = ("Badge", "Name / organisation", "In at / phone", "Type / supervised")


def _cap(text: str, width: int) -> str:
    return cap(text, width)  # (in cells: an emoji in a name is two)


class VisitorsScreen(DbWork, Screen[None]):
    CSS_PATH = "visitors.tcss"
    AUTO_FOCUS = "#visitors-scan"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="visitors.back"),
        Binding("f2", "sign_in", "Sign in", id="visitors.sign_in"),
        Binding("f3", "phone", "Phone", id="visitors.phone"),
        Binding("f4", "reprint", "Reprint slip", id="visitors.reprint"),
        Binding("f5", "refresh_list(True)", "Refresh", id="visitors.refresh"),
        Binding("f6", "concern", "Concern", id="visitors.concern"),
        Binding("f7", "roll_call", "Roll call", id="visitors.roll_call"),
        Binding("f8", "retry", "Retry printer", id="visitors.retry"),
        Binding("f9", "phone_label", "V label", id="visitors.phone_label"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list = []  # models.visitors.visits.OnSiteRow, in table order
        self.rules = None
        self.compact = False  # two lines a visitor (the columns did not fit across)

    def compose(self) -> ComposeResult:
        yield TitleBar("Visitors")
        with Vertical(id="visitors-body"):
            yield Static("Loading…", id="visitors-summary", markup=False)
            yield Static("", id="visitors-printer", markup=False)
            yield ScanInput(
                id="visitors-scan",
                placeholder="Scan a slip to sign out, or a V label for a phone; Down: the list",
                terminators=self._terminators(),
            )
            yield Table(id="visitors-list", cursor_type="row", zebra_stripes=True)
            yield Static("", id="visitors-message", markup=False)
        yield KioskFooter()

    def _terminators(self) -> tuple[str, ...]:
        return self.app.services.settings.scan_terminators

    def on_mount(self) -> None:
        self.action_refresh_list()
        self.db(act.device_rules, self.app.services.settings, then=self.rules_loaded)
        self.set_interval(5.0, self.refresh_printer, name="visitors-printer")

    def on_screen_resume(self) -> None:
        self.action_refresh_list()

    def on_resize(self) -> None:
        if self.rows:
            self.show_rows(self.rows)

    def on_key(self, event: events.Key) -> None:
        """Down from the scan field goes to the list (as on the class checklist)."""
        if event.key == "down" and self.focused is self.query_one("#visitors-scan", ScanInput) and self.rows:
            event.stop()
            self.query_one("#visitors-list", DataTable).focus()

    @property
    def printer(self):
        services = self.app.services
        return services.printer if services.printer is not None else services.settings.printer

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = PERMISSION.get(action)
        if permission is not None and not self.who.may(permission):
            return False
        return True

    def say(self, text: str) -> None:
        self.query_one("#visitors-message", Static).update(text)

    def now(self):
        return self.app.services.clock.now()

    # ------------------------------------------------------------ loading

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def rules_loaded(self, rules) -> None:
        self.rules = rules

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        self.db(
            act.office_list,
            self.who,
            self.app.services.settings,
            self.printer,
            self.now(),
            then=self.loaded,
            failed=self.load_failed,
            latest="load",
        )

    def loaded(self, result: OfficeList) -> None:
        self.show_rows(result.rows)
        self.show_printer(result.printer)

    def load_failed(self, failure: Failure) -> None:
        self.query_one("#visitors-summary", Static).update(failure.message)

    def refresh_printer(self) -> None:
        self.db(act.printer_line, self.printer, then=self.show_printer, failed=self.printer_failed)

    def show_printer(self, line: str) -> None:
        self.query_one("#visitors-printer", Static).update(line)

    def printer_failed(self, failure: Failure) -> None:
        """The printer line stays as it was; the next tick tries again."""

    def done(self, line: str) -> None:
        """A change made (a phone, a sign-out, a concern): say so and refresh the list."""
        self.say(line)
        self.action_refresh_list()

    def printed(self, line: str) -> None:
        """A change that queued print jobs (a sign-in, a slip, the roll call, a retry)."""
        self.say(line)
        self.app.print_jobs_added()
        self.action_refresh_list()

    def show_rows(self, rows: list) -> None:
        from models.clock import to_local

        tz = self.app.services.settings.tz
        table = self.query_one("#visitors-list", DataTable)
        # Keep the cursor on the same visitor across a refresh (after a dialog, a reprint…).
        was = table.cursor_row
        keep = self.rows[was].visit_id if self.rows and 0 <= was < len(self.rows) else None
        self.rows = rows
        full = []
        for r in rows:
            mark = LEFT_MARK if r.signed_out else (FLAG_MARK if r.flagged else "")
            when = to_local(r.signed_in_at, tz)
            full.append(  # what the office acts on first; organisation and type last
                (
                    mark,
                    r.badge_number,
                    _cap(r.name, NAME_CAP),
                    when.strftime("%a %d %b %H:%M") if r.earlier_day else when.strftime("%H:%M"),
                    r.phone_words,
                    "supervised" if r.supervised else "unsupervised",
                    _cap(r.organisation, ORG_CAP),
                    r.type_name,
                )
            )
        # Eight columns in a row when they fit; otherwise two lines a visitor, so nothing is off
        # the right edge (80 columns, or long names and types at 110).
        needed = sum(max([cell_len(h), *(cell_len(row[i]) for row in full)]) + 2 for i, h in enumerate(FULL_COLUMNS))
        compact = needed > max(table.size.width, self.size.width - 2) - 2
        if compact != self.compact or not table.columns:
            self.compact = compact
            table.clear(columns=True)
            table.add_columns(*(COMPACT_COLUMNS if compact else FULL_COLUMNS))
        else:
            table.clear()
        for r, cells in zip(rows, full, strict=True):
            mark, badge, name, when_text, phone, supervised, org, _type = cells
            flag = Text(mark, style="bold")
            if compact:
                table.add_row(
                    Text(f"{badge}\n") + flag,
                    Text(f"{name}\n{org}"),
                    Text(f"{when_text}\n{phone}"),
                    Text(f"{r.type_short}\n{supervised}"),
                    key=str(r.visit_id),
                    height=2,
                )
            else:
                table.add_row(flag, *(Text(c) for c in cells[1:]), key=str(r.visit_id))
        if rows:
            index = next((i for i, r in enumerate(rows) if r.visit_id == keep), min(was, len(rows) - 1))
            table.move_cursor(row=index, animate=False)
        here = [r for r in rows if not r.signed_out]
        earlier = sum(1 for r in here if r.earlier_day)
        flagged = sum(1 for r in here if r.flagged and not r.earlier_day)
        to_return = len(rows) - len(here)
        summary = f"{len(here)} visitor{'' if len(here) == 1 else 's'} on site." if here else "No visitors on site."
        if earlier:
            summary += f" {earlier} signed in on an earlier day: sign them out with the time they left."
        if flagged:
            flag_time = self.app.services.settings.visitor_flag_time.strftime("%H:%M")
            summary += f" {flagged} still signed in after {flag_time}: check on them."
        if to_return:
            summary += f" {to_return} phone{'' if to_return == 1 else 's'} to return (LEFT)."
        self.query_one("#visitors-summary", Static).update(summary)

    def selected(self):
        """The highlighted visitor's row, or None (with a message)."""
        table = self.query_one("#visitors-list", DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            self.say(
                "No visitor is on site." if not self.rows else "Choose a visitor in the list first (Tab, Up/Down)."
            )
            return None
        return self.rows[table.cursor_row]

    # ------------------------------------------------------------ sign in / out

    def action_sign_in(self) -> None:
        if self.rules is None:
            self.say("The device rules could not be loaded, so visitors cannot be signed in: check the config.")
            return
        dialog = VisitorSignInDialog(self.app.services.settings, self.rules.version)
        ask(self.app, dialog, lambda result: self.signed_in(result, dialog))

    def signed_in(self, result: StaffSignIn | None, dialog: TwoStepDialog[Any]) -> None:
        if result is None:
            self.say("Nobody was signed in.")
            return
        self.say("Signing in…")
        then, failed = dialog.recording(self.printed, self.db_failed)  # refused: the form again, as it was
        args = (self.who, self.app.services.settings, self.rules, result, self.now())
        self.db(act.sign_in, *args, then=then, failed=failed)

    def on_scan_input_scanned(self, event: ScanInput.Scanned) -> None:
        event.stop()
        self.db(act.scan, self.who, self.app.services.settings, self.now(), event.text, then=self.scanned)

    def scanned(self, result: Scanned) -> None:
        if result.ask is not None:
            self.ask_left_at(result.ask.visit_id, result.ask.name, result.ask.signed_in_at)
            return
        self.done(result.line)

    def ask_left_at(self, visit_id: int, name: str, signed_in_at) -> None:
        """A visit from an earlier day: the office gives the time they left (never today's, silently)."""
        from kiosk.dialogs.visitor_left_at import LeftAtDialog
        from models.clock import local_to_utc, to_local

        tz = self.app.services.settings.tz
        signed_in = to_local(signed_in_at, tz).replace(tzinfo=None)
        now = to_local(self.now(), tz).replace(tzinfo=None)

        def answered(left) -> None:
            if left is None:
                self.say(f"{name} is still signed in.")
                return
            self.db(
                act.sign_out, self.who, self.now(), visit_id=visit_id, left_at=local_to_utc(left, tz), then=self.done
            )

        self.app.push_screen(LeftAtDialog(name, signed_in, now), answered)

    def action_phone(self) -> None:
        """The row's phone: receive it, return it, or confirm an organisation's exception (ID seen)."""
        row = self.selected()
        if row is None:
            return
        from kiosk.dialogs.confirm import ConfirmDialog
        from models.visitors.visits import EXCEPTION_PENDING, PENDING

        if row.slot:
            question, detail, yes = (
                f"Return {row.name}'s phone from {row.place}?",
                "Give it back to them now: it is recorded as returned by you.",
                "Returned",
            )
            work = act.phone
        elif row.phone_state == PENDING:
            question, detail, yes = (
                f"Receive {row.name}'s phone?",
                "Take it now and stick its V label on it: it is recorded as received by you, "
                "and the screen names its slot.",
                "Received",
            )
            work = act.phone
        elif row.phone_choice == EXCEPTION_PENDING:
            question, detail, yes = (
                f"Confirm {row.name}'s exception ({row.organisation})?",
                "Check their photo ID first: it is recorded as seen by you.",
                "ID seen",
            )
            work = act.confirm_exception
        else:
            self.say(f"{row.name}'s phone: {row.phone_words}. Nothing for the office to take or give back.")
            return

        def answered(yes_: bool | None) -> None:
            if yes_:
                self.db(work, self.who, row.visit_id, self.now(), then=self.done)
            else:
                self.say("Nothing was recorded.")

        self.app.push_screen(ConfirmDialog(question, detail, yes=yes), answered)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: ask first (a slip's scan needs no question: the visitor is there)."""
        event.stop()
        visit_id = int(event.row_key.value)
        row = next((r for r in self.rows if r.visit_id == visit_id), None)
        if row is None:
            return
        if row.signed_out:  # gone, phone still here: Enter returns it
            self.action_phone()
            return
        if row.earlier_day:
            self.ask_left_at(row.visit_id, row.name, row.signed_in_at)
            return
        from kiosk.dialogs.confirm import ConfirmDialog
        from models.visitors.visits import PENDING

        phone = f" Their phone in {row.place} is returned to them, recorded by you." if row.slot else ""
        if row.phone_state == PENDING:
            phone = " They said they would hand their phone in, but the office never received it."
        question = f"Sign out {row.name} (badge {row.badge_number})?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.db(act.sign_out, self.who, self.now(), visit_id=visit_id, then=self.done)
            else:
                self.say(f"{row.name} is still signed in.")

        self.app.push_screen(
            ConfirmDialog(question, f"Signed in at {self._time_in(row)}.{phone}", yes="Sign out"), answered
        )

    def _time_in(self, row) -> str:
        from models.clock import to_local

        tz = self.app.services.settings.tz
        when = to_local(row.signed_in_at, tz)
        same_day = when.date() == to_local(self.now(), tz).date()
        return when.strftime("%H:%M" if same_day else "%H:%M on %A %d %B")

    # ------------------------------------------------------------ printing and concerns

    def action_reprint(self) -> None:
        row = self.selected()
        if row is not None:
            self.db(act.reprint, self.who, row.visit_id, row.name, self.now(), then=self.printed)

    def action_roll_call(self) -> None:
        self.db(act.roll_call, self.who, self.app.services.settings, self.now(), then=self.show_roll_call)

    def show_roll_call(self, roll: act.RollCall) -> None:
        """The roll call on screen, with what happened to its printed copy."""
        from kiosk.screens.roll_call import RollCallScreen

        self.printed(roll.message)
        self.app.push_screen(RollCallScreen(roll))

    def action_phone_label(self) -> None:
        row = self.selected()
        if row is not None:
            args = (self.who, self.app.services.settings, row.visit_id, self.now())
            self.db(act.print_phone_label, *args, then=self.printed)

    def action_retry(self) -> None:
        self.db(act.retry_printing, self.who, self.now(), then=self.printed)

    def action_concern(self) -> None:
        row = self.selected()
        if row is None:
            return

        def record(what: str | None) -> None:
            if what is None:
                self.say("Cancelled: nothing was recorded.")  # as every cancelled form says
                return
            then, failed = dialog.recording(self.done, self.db_failed)  # refused: the form again, as it was
            self.db(act.concern, self.who, row.visit_id, row.name, what, self.now(), then=then, failed=failed)

        dialog = VisitorConcernDialog(row.name)
        ask(self.app, dialog, record)
