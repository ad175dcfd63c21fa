"""Compliance at a glance (``view_reports``): is the phone policy followed consistently?

Today's hand-in rate per class: phones handed in against the pupils in school with a
phone (pupils marked absent or "no phone today" and pupils under an agreed exception
shown beside, not expected; a phone kept overnight counts as handed in), the breaches
(confiscations) per class over the report's days and the pupils with two or more (named
for leadership, the DSL and the headteacher only), the last 30 school days as a bar
chart drawn in the terminal, the phones the school still holds and the visitors not
signed out. The figures are ``models.reports.compliance.compliance()``: the same as
``kiosk report compliance``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions.reports import Compliance, load_compliance
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.custody.ledger import CONFISCATED
from models.reports.compliance import DayTotal
from models.text import how_many

CHART_HEIGHT = 8  # rows of the bar chart; each row is 8 steps of a block
_BLOCKS = " ▁▂▃▄▅▆▇█"


def rate_text(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1f}%"


def bar_chart(rows: list[DayTotal], height: int = CHART_HEIGHT) -> list[str]:
    """Daily hand-in rates as vertical bars, one 2-wide column per school day.

    ``height`` rows of eighth-blocks, a y axis (100 %, 50 %, 0 %) and the day of the
    month under each bar; a day with nobody expected shows "·" at the bottom.
    """
    steps = height * 8
    levels = [None if r.rate is None else round(r.rate * steps / 100) for r in rows]
    lines = []
    for line in range(height, 0, -1):
        floor = (line - 1) * 8
        cells = []
        for level in levels:
            if level is None:
                cells.append("··" if line == 1 else "  ")
            else:
                cells.append(_BLOCKS[max(0, min(8, level - floor))] * 2)
        axis = "100%" if line == height else "  0%" if line == 1 else " 50%" if line == height // 2 else "    "
        lines.append(f"{axis} │" + " ".join(cells))
    lines.append("     └" + "─" * max(0, len(rows) * 3 - 1))
    lines.append("      " + " ".join(f"{r.date.day:02d}" for r in rows))
    return lines


def days_that_fit(rows: list[DayTotal], width: int) -> list[DayTotal]:
    """The latest days whose bars fit in ``width`` columns (6 for the axis, 3 a day)."""
    n = max(1, (width - 6 + 1) // 3)
    return rows[-n:]


def breaches_text(data: Compliance) -> str:
    """The breaches over the report's days, and the pupils with repeat breaches (named only
    for leadership, the DSL and the headteacher)."""
    b = data.breaches
    if b is None:
        return ""
    period = f"{b.from_day.isoformat()} to {b.to_day.isoformat()}"
    text = f"Breaches (confiscations), {period}: {b.total}."
    if not b.repeat:
        return text + " Repeat breaches (2 or more): none."
    if data.names:
        names = ", ".join(f"{r.name} ({r.class_name}) {r.breaches}" for r in b.repeat[:6])
        more = f" and {len(b.repeat) - 6} more" if len(b.repeat) > 6 else ""
        return text + f" Repeat breaches (2 or more): {names}{more}."
    n = len(b.repeat)
    return text + (
        f" Repeat breaches (2 or more): {n} {'pupil' if n == 1 else 'pupils'} "
        "(names for leadership, the DSL and the headteacher)."
    )


class ComplianceScreen(DbWork, Screen[None]):
    CSS_PATH = "compliance.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="compliance.back"),
        Binding("f5,r", "refresh_report(True)", "Refresh", id="compliance.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.data: Compliance | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Compliance at a glance")
        with VerticalScroll(id="comp-body"):
            yield Static("Loading…", id="comp-summary", markup=False)
            yield Table(id="comp-classes", cursor_type="row", zebra_stripes=True)
            yield Static("", id="comp-breaches", markup=False)
            yield Static("", id="comp-chart-title", markup=False)
            yield Static("", id="comp-chart", markup=False)
            yield Static("", id="comp-uncollected", markup=False)
            yield Static("", id="comp-visitors", markup=False)
            yield Static("", id="comp-note", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#comp-classes", DataTable)
        table.add_columns("Class", "Handed in", "Expected", "Rate", "Exception", "Absent", "No phone", "Breaches")
        table.focus()
        self.action_refresh_report()

    def on_screen_resume(self) -> None:
        self.action_refresh_report()

    def action_refresh_report(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        services = self.app.services
        self.db(load_compliance, self.who, services.settings, services.clock.now(), then=self.show, latest="report")

    def db_failed(self, failure: Failure) -> None:
        self.query_one("#comp-summary", Static).update(failure.message)

    def on_resize(self) -> None:
        if self.data is not None:
            self.show_chart()

    def show_chart(self) -> None:
        assert self.data is not None
        data = self.data
        # The latest school days that fit across the screen (30 need 96 columns), beside
        # the body's padding (2) and its scroll bar (2) when the page is taller than the screen.
        width = self.size.width - 4
        days = days_that_fit(data.last_30, width)
        if days:
            title = (
                f"Hand-in rate, last {len(days)} school {'day' if len(days) == 1 else 'days'} "
                f"({days[0].date.isoformat()} to {days[-1].date.isoformat()}), all classes:"
            )
            chart = "\n".join(bar_chart(days))
        else:
            title, chart = "No school days with hand-ins yet: nothing to chart.", ""
        self.query_one("#comp-chart-title", Static).update(title)
        self.query_one("#comp-chart", Static).update(chart)

    def show(self, data: Compliance) -> None:
        self.data = data
        handed = sum(c.handed_in for c in data.classes)
        expected = sum(c.expected for c in data.classes)
        excepted = sum(c.exceptions for c in data.classes)
        absent = sum(c.absent for c in data.classes)
        no_phone = sum(c.no_phone for c in data.classes)
        rate = rate_text(round(100.0 * handed / expected, 1) if expected else None)
        self.query_one("#comp-summary", Static).update(
            f"Today, {data.today.strftime('%A %d %B %Y')}: {handed} of {how_many(expected, 'phone')} brought in "
            f"{'was' if expected == 1 else 'were'} handed in "
            f"({rate}). Not expected: {absent} absent, {no_phone} with no phone today, {excepted} with an agreed "
            "exception."
        )
        per_class = {b.class_name: b.breaches for b in data.breaches.per_class} if data.breaches else {}
        table = self.query_one("#comp-classes", DataTable)
        table.clear()
        for c in data.classes:
            table.add_row(
                Text(c.class_name),
                Text(str(c.handed_in), justify="right"),
                Text(str(c.expected), justify="right"),
                Text(rate_text(c.rate), justify="right"),
                Text(str(c.exceptions), justify="right"),
                Text(str(c.absent), justify="right"),
                Text(str(c.no_phone), justify="right"),
                Text(str(per_class.get(c.class_name, 0)), justify="right"),
            )
        self.query_one("#comp-breaches", Static).update(breaches_text(data))
        self.show_chart()
        held = data.not_collected
        confiscated = sum(1 for r in held if r.held_as == CONFISCATED)
        if held:
            names = ", ".join(
                f"{r.slot or '-'} {r.pupil}" + (" (confiscated)" if r.held_as == CONFISCATED else "") for r in held[:6]
            )
            more = f" and {len(held) - 6} more" if len(held) > 6 else ""
            uncollected = f"Phones not collected: {len(held)} ({confiscated} confiscated): {names}{more}."
        else:
            uncollected = "Phones not collected: none."
        self.query_one("#comp-uncollected", Static).update(uncollected)
        if data.visitors:
            names = ", ".join(f"{n}" + (f" ({o})" if o else "") + f" in since {t}" for n, o, t in data.visitors[:4])
            more = f" and {len(data.visitors) - 4} more" if len(data.visitors) > 4 else ""
            visitors = f"Visitors not signed out: {len(data.visitors)}: {names}{more}."
        else:
            visitors = "Visitors not signed out: none."
        self.query_one("#comp-visitors", Static).update(visitors)
        self.query_one("#comp-note", Static).update(
            "School days are weekdays with hand-ins (holidays left out). The same figures: kiosk report compliance. "
            "F5 or R to refresh, Esc to go back."
        )
