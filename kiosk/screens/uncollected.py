"""Phones not collected: every phone the school still holds, by slot, for the office."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions.reports import print_end_of_day_slip, uncollected
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.custody.ledger import CONFISCATED
from models.reports.phones import OVERNIGHT, STAFF_DEVICE_OWNER, UncollectedPhone

CONFISCATED_MARK = "CONFISCATED"  # the summary says who may collect it (the column must fit 80 columns)


def counts_text(rows: list[UncollectedPhone]) -> tuple[str, str]:
    """The totals line and the per-class line."""
    if not rows:
        return "Every phone has been collected: the school holds none.", ""
    staff = sum(1 for r in rows if r.pupil == STAFF_DEVICE_OWNER)  # held for the LADO or the police
    confiscated = sum(1 for r in rows if r.held_as == CONFISCATED) - staff
    in_tray = len(rows) - confiscated - staff
    phones = f"{len(rows)} {'phone' if len(rows) == 1 else 'phones'}"
    who = " (to a listed parent or carer only)" if confiscated else ""
    total = f"{phones} not collected: {in_tray} in the tray, {confiscated} confiscated{who}."
    if staff:
        total += f" {staff} staff {'device' if staff == 1 else 'devices'} held for the DSL."
    overnight = sum(1 for r in rows if r.overnight)
    if overnight:
        total += f" {overnight} kept {OVERNIGHT.lower()} (since before today)."
    overflow = [r for r in rows if r.overflow]
    if overflow:  # phones with no slot: held in the configured overflow place
        total += f" {len(overflow)} in {overflow[0].slot} (no free slot): add slots to the trays."
    per_class: dict[str, int] = {}
    for r in rows:
        name = r.class_name or ("Staff devices" if r.pupil == STAFF_DEVICE_OWNER else "Visitors")
        per_class[name] = per_class.get(name, 0) + 1
    return total, "By class: " + " · ".join(f"{name} {n}" for name, n in sorted(per_class.items()))


def _since(value, today) -> str:
    """Short, to fit 80 columns: "08:41" today, "4 Dec 08:41" before (the slip has it in full)."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return str(value)
    if value.date() == today:
        return value.strftime("%H:%M")
    return f"{value.day} {value:%b %H:%M}"


class UncollectedScreen(DbWork, Screen[None]):
    CSS_PATH = "uncollected.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="uncollected.back"),
        Binding("f5,r", "refresh_list(True)", "Refresh", id="uncollected.refresh"),
        Binding("f9,p", "print_slip", "Print end-of-day slip", id="uncollected.print"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list[UncollectedPhone] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Phones not collected")
        with Vertical(id="uncollected-body"):
            yield Static("Phones not collected", id="uncollected-title")
            yield Static("Loading…", id="uncollected-summary", markup=False)
            yield Static("", id="uncollected-classes", markup=False)
            yield Table(id="uncollected", cursor_type="row", zebra_stripes=True)
            yield Static("", id="uncollected-updated", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#uncollected", DataTable)
        table.add_columns("Slot", "Pupil", "Class", "Code", "State", "Since")
        table.focus()
        self.action_refresh_list()

    def on_screen_resume(self) -> None:
        self.action_refresh_list()

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        self.db(uncollected, self.who, self.app.services.clock.now(), then=self.show_rows, latest="rows")

    def db_failed(self, failure: Failure) -> None:
        self.query_one("#uncollected-summary", Static).update(failure.message)

    def action_print_slip(self) -> None:
        services = self.app.services
        printer = services.printer_spec  # the printer the print worker sends to
        self.query_one("#uncollected-updated", Static).update("Printing the end-of-day slip…")
        now = services.clock.now()
        args = (self.who, printer, services.settings.school_name, now)
        self.db(print_end_of_day_slip, *args, then=self.printed, failed=self.printed)

    def printed(self, outcome: str | Failure) -> None:
        text = outcome.message if isinstance(outcome, Failure) else outcome
        self.query_one("#uncollected-updated", Static).update(text)

    def show_rows(self, rows: list[UncollectedPhone]) -> None:
        from models.clock import to_local

        self.rows = rows
        table = self.query_one("#uncollected", DataTable)
        table.clear()
        today = to_local(self.app.services.clock.now()).date()
        for i, r in enumerate(self.rows):
            state = CONFISCATED_MARK if r.held_as == CONFISCATED else r.state_text
            if r.overnight:  # kept since before today: in words, so it shows without colour
                state = f"{state} · {OVERNIGHT}"
            table.add_row(
                Text(r.slot),
                Text(r.pupil),
                Text(r.class_name),
                Text(r.code),
                Text(state),
                Text(_since(r.since, today)),
                key=str(i),
            )
        total, per_class = counts_text(self.rows)
        self.query_one("#uncollected-summary", Static).update(total)
        self.query_one("#uncollected-classes", Static).update(per_class)
        self.query_one("#uncollected-summary").set_class(not self.rows, "all-collected")
        updated = to_local(self.app.services.clock.now()).strftime("%H:%M")
        self.query_one("#uncollected-updated", Static).update(
            f"As of {updated}. F5 or R to refresh, F9 or P to print the end-of-day slip, Esc to go back."
        )
