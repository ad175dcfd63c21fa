"""School devices: the school's own phones and tablets, lent to staff for trips and
residentials (mobile technology policy 4), overdue loans first. The office, the leadership
team and the headteacher lend and take back; admin sees the register (and keeps it from the
command line: ``kiosk school-devices add|retire``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import devices_school
from kiosk.actions.devices_school import SchoolDeviceLine
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure

CANCELLED = "Cancelled: nothing was recorded."
STATUS_TEXT = {"overdue": "OVERDUE", "on loan": "on loan", "available": "available", "retired": "retired"}


def summary_text(rows: list[SchoolDeviceLine]) -> str:
    if not rows:
        return "No school devices are on the register yet (admin: kiosk school-devices add)."
    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUS_TEXT}
    parts = [f"{counts['overdue']} OVERDUE"] if counts["overdue"] else []
    parts += [f"{counts['on loan']} on loan", f"{counts['available']} available"]
    return f"{len(rows)} school device{'s' if len(rows) != 1 else ''}: " + ", ".join(parts) + "."


class SchoolDevicesScreen(DbWork, Screen[None]):
    CSS_PATH = "school_devices.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="school_devices.back"),
        Binding("f2,l", "lend", "Lend", id="school_devices.lend"),
        Binding("f3,t", "take_back", "Take back", id="school_devices.take_back"),
        Binding("f5,r", "refresh_list(True)", "Refresh", id="school_devices.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list[SchoolDeviceLine] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("School devices")
        with Vertical(id="school-devices-body"):
            yield Static("Loading…", id="school-devices-summary", markup=False)
            yield Table(id="school-devices", cursor_type="row", zebra_stripes=True)
            yield Static("", id="school-devices-detail", markup=False)
            yield Static("", id="school-devices-said", markup=False)
        yield KioskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("lend", "take_back"):
            return devices_school.may_lend(self.who)
        return True

    def on_mount(self) -> None:
        table = self.query_one("#school-devices", DataTable)
        table.add_columns("Tag", "Kind", "Status", "Due back", "Passcode", "With")
        table.focus()
        self.action_refresh_list()

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        now = self.app.services.clock.now()
        self.db(devices_school.school_devices_list, self.who, now, then=self.show_rows, latest="rows")

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def say(self, text: str) -> None:
        self.query_one("#school-devices-said", Static).update(text)

    def show_rows(self, rows: list[SchoolDeviceLine]) -> None:
        table = self.query_one("#school-devices", DataTable)
        was = self.current()  # the cursor stays on the same device when the list sorts again
        keep = next(
            (i for i, r in enumerate(rows) if was is not None and r.asset_tag == was.asset_tag), table.cursor_row
        )
        self.rows = rows
        table.clear()
        for i, r in enumerate(rows):
            table.add_row(
                Text(r.asset_tag),
                Text(r.kind),
                Text(STATUS_TEXT[r.status], style="bold" if r.status == "overdue" else ""),
                Text(r.due_on),
                Text(r.passcode),
                Text(r.borrower),
                key=str(i),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#school-devices-summary", Static).update(summary_text(rows))
        self.show_detail()

    def current(self) -> SchoolDeviceLine | None:
        table = self.query_one("#school-devices", DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        r = self.current()
        if r is None:
            text = ""
        elif r.status in ("on loan", "overdue"):
            text = f"{r.asset_tag} {r.description}: lent {r.lent_on} ({r.purpose}). F3 (or T) to take it back."
        elif r.status == "available":
            text = f"{r.asset_tag} {r.description}: in the office. F2 (or L) to lend it to a member of staff."
        else:
            text = f"{r.asset_tag} {r.description}: retired."
        self.query_one("#school-devices-detail", Static).update(text)

    # ------------------------------------------------------------ lend

    def action_lend(self) -> None:
        r = self.current()
        if r is None or r.status != "available":
            self.say("Choose an available device to lend (Down/Up)." if r is None or r.status != "retired" else "")
            if r is not None and r.status == "retired":
                self.say(f"{r.asset_tag} is retired: it is not lent.")
            return
        self.db(devices_school.borrowers, self.who, then=lambda rows: self._ask_loan(r, rows))

    def _ask_loan(self, r: SchoolDeviceLine, rows: list[tuple[int, str]]) -> None:
        from kiosk.dialogs.school_devices import LoanDialog
        from models.clock import local_day

        today = local_day(self.app.services.clock.now())
        dialog = LoanDialog(r.asset_tag, r.description, rows, today, passcode_set=r.passcode == "set")
        ask(self.app, dialog, lambda f: self._lend(r, f, dialog))

    def _lend(self, r: SchoolDeviceLine, form, dialog: TwoStepDialog[Any]) -> None:
        if form is None:
            self.say(CANCELLED)
            return
        now = self.app.services.clock.now()
        then, failed = dialog.recording(self.done, self.not_done)  # refused: the form again, as it was
        self.db(
            devices_school.lend,
            self.who,
            asset_tag=r.asset_tag,
            staff_id=form.staff_id,
            purpose=form.purpose,
            purpose_note=form.note,
            due_on=form.due_on,
            now=now,
            then=then,
            failed=failed,
        )

    # ------------------------------------------------------------ take back

    def action_take_back(self) -> None:
        from kiosk.dialogs.school_devices import ReturnDialog

        r = self.current()
        if r is None or r.status not in ("on loan", "overdue"):
            self.say("Choose a device that is on loan (Down/Up).")
            return
        dialog = ReturnDialog(r.asset_tag, r.borrower, self.who.display_name)
        ask(self.app, dialog, lambda condition: self._take_back(r, condition, dialog))

    def _take_back(self, r: SchoolDeviceLine, condition: str | None, dialog: TwoStepDialog[Any]) -> None:
        if condition is None:
            self.say(CANCELLED)
            return
        now = self.app.services.clock.now()
        then, failed = dialog.recording(self.done, self.not_done)
        self.db(
            devices_school.take_back,
            self.who,
            asset_tag=r.asset_tag,
            condition=condition,
            now=now,
            then=then,
            failed=failed,
        )

    def done(self, line: str) -> None:
        self.say(line)
        self.action_refresh_list()

    def not_done(self, failure: Failure) -> None:
        self.say(failure.message)
        self.action_refresh_list()
