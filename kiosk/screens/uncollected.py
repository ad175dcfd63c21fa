"""Phones not collected: every phone the school still holds, by slot, for the office."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from kiosk.session import SignedIn
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbResult, call_db

CONFISCATED_MARK = "CONFISCATED"  # the summary says who may collect it (the column must fit 80 columns)


def _uncollected(staff_id: int, now) -> list[dict]:
    from models import reports
    from models.auth import require
    from models.tables import Staff

    require(Staff.get_by_id(staff_id), "view_reports")
    return reports.uncollected(now)


def _print_slip(staff_id: int, printer, school_name: str, now) -> str:
    from models import anchors, reports
    from models.tables import Staff

    job_id, anchor, problem = reports.end_of_day_slip(
        Staff.get_by_id(staff_id), printer=printer, school_name=school_name, anchors_path=anchors.configured(), now=now
    )
    kept = f"\nAudit anchor on the slip (keep it): {anchor.short()}" if anchor else ""  # one line: copied by hand
    if problem:
        kept = f"\nNo audit anchor on it: {problem}"
    return f"End-of-day slip queued for printing (job {job_id}).{kept}"


def counts_text(rows: list[dict]) -> tuple[str, str]:
    """The totals line and the per-class line."""
    if not rows:
        return "Every phone has been collected: the school holds none.", ""
    confiscated = sum(1 for r in rows if r["state"] == "confiscated")
    in_tray = len(rows) - confiscated
    phones = f"{len(rows)} {'phone' if len(rows) == 1 else 'phones'}"
    who = " (to a listed parent or carer only)" if confiscated else ""
    total = f"{phones} not collected: {in_tray} in the tray, {confiscated} confiscated{who}."
    overflow = [r for r in rows if r.get("overflow")]
    if overflow:  # phones with no slot: held in the configured overflow place
        total += f" {len(overflow)} in {overflow[0]['slot']} (no free slot): add slots to the trays."
    per_class: dict[str, int] = {}
    for r in rows:
        name = r["class"] or "Visitors"
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


class UncollectedScreen(Screen[None]):
    CSS_PATH = "uncollected.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="uncollected.back"),
        Binding("f5,r", "refresh_list", "Refresh", id="uncollected.refresh"),
        Binding("f9,p", "print_slip", "Print end-of-day slip", id="uncollected.print"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Phones not collected")
        with Vertical(id="uncollected-body"):
            yield Static("Phones not collected", id="uncollected-title")
            yield Static("Loading…", id="uncollected-summary", markup=False)
            yield Static("", id="uncollected-classes", markup=False)
            yield Table(id="uncollected", cursor_type="row", zebra_stripes=True)
            yield Static("", id="uncollected-updated", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#uncollected", DataTable)
        table.add_columns("Slot", "Pupil", "Class", "Code", "State", "Since")
        table.focus()
        self.action_refresh_list()

    def on_screen_resume(self) -> None:
        self.action_refresh_list()

    def action_refresh_list(self) -> None:
        call_db(self, "uncollected", _uncollected, self.who.id, self.app.services.clock.now())

    def action_print_slip(self) -> None:
        from kiosk.screens.exceptions import printer_spec

        services = self.app.services
        printer = printer_spec(services)  # the printer the print worker sends to
        self.query_one("#uncollected-updated", Static).update("Printing the end-of-day slip…")
        call_db(self, "print", _print_slip, self.who.id, printer, services.settings.school_name, services.clock.now())

    def on_db_result(self, result: DbResult) -> None:
        if result.tag == "print":
            self.query_one("#uncollected-updated", Static).update(result.value if result.ok else (result.error or ""))
            return
        if result.tag != "uncollected":
            return
        if not result.ok:
            self.query_one("#uncollected-summary", Static).update(result.error or "")
            return
        from models.clock import to_local

        self.rows = result.value
        table = self.query_one("#uncollected", DataTable)
        table.clear()
        today = to_local(self.app.services.clock.now()).date()
        for i, r in enumerate(self.rows):
            state = CONFISCATED_MARK if r["state"] == "confiscated" else r["state"]
            table.add_row(
                Text(r["slot"]),
                Text(r["pupil"]),
                Text(r["class"]),
                Text(r["code"]),
                Text(state),
                Text(_since(r["since"], today)),
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
