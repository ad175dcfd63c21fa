"""The trust (issue 16): figures across the trust's schools, for the trust's own roles.

For ``trust_reports`` (the trust lead, the trust safeguarding lead), held at site 1: each
school's compliance over the last 30 school days with the trust's total last
(``kiosk trust compliance``), and the phones each school holds now (counts, no names:
``kiosk trust uncollected``). For ``trust_safeguarding`` (the trust safeguarding lead
only), F shows every school's DSL feed instead, for today or (W) the last 7 days
(``kiosk trust feed``). Every read goes through :mod:`kiosk.actions.trust`, which
records it in site 1's audit log.

A school that is not read (its place empty, waiting for its records; or its tables gone)
keeps its row with "—" for its figures, and the line above the keys names it: the trust's
total is the schools read.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import trust
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table, cap
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.trust import SiteInfo
from models.trust.reports import SiteCompliance, SiteFeedEntry, SiteHeld

TRUST_ROW = "Trust total"  # the last row: the trust's schools together
# The compliance table's columns after the school's name: short headings, so that all of
# them fit 80 columns with a school's name beside them ("Held": the phones not collected,
# as the held table heads them).
COMPLIANCE_COLUMNS = ("School", "Days", "Handed", "Expected", "Rate", "Breaches", "Held")
MIN_SCHOOL = 12  # a school's name in the figures' tables takes the room left, at least this
FIGURES_EDGES = 2 + 2 + 2  # the box's padding, its scroll bar and the table's own
WEEK_DAYS = 7  # W: the feed over the last 7 days (today and the 6 before)
# The feed's columns fit the screen: capped names, and the summary takes what is left.
FEED_CAPS = {"school": 16, "kind": 13, "subject": 18, "by": 12}
MIN_SUMMARY = 12
MIN_NAME = 8
SCROLLBAR = 2
# Phones held: held = in tray + confiscated (the compliance table's "Held", not collected);
# overnight and in overflow are some of those (the title says so).
HELD_COLUMNS = ("School", "Held", "In tray", "Confiscated", "Overnight", "In overflow")
HELD_FIELDS = ("held", "in_tray", "confiscated", "overnight", "overflow")
NOT_READ = "—"  # a school not read: no figures (not zeros)


def not_read_line(site: SiteInfo, left_out_of: str = "the trust total") -> str:
    """A school the trust's figures (or the feed) leave out, in one line."""
    if site.lost:
        return f"Warning: {site.name}: {site.fault_text}; not in {left_out_of}. Run kiosk audit verify."
    return f"{site.name}: empty, waiting for its records; not in {left_out_of}."


def rate_text(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1f}%"


def feed_time(entry: SiteFeedEntry, week: bool) -> str:
    """ "08:41" for today; "Thu 08:41" over the week (the entry's own local time: within
    7 days the weekday names the day, and it fits 80 columns)."""
    text = entry.entry.time
    try:
        when = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return f"{when:%a %H:%M}" if week else f"{when:%H:%M}"


class TrustScreen(DbWork, Screen[None]):
    CSS_PATH = "trust.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="trust.back"),
        Binding("f5,r", "refresh_all(True)", "Refresh", id="trust.refresh"),
        Binding("f", "toggle_feed", "Feed/figures", id="trust.feed"),
        Binding("w", "toggle_week", "Today/7 days", id="trust.week"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.feed_shown = False
        self.week = False  # the feed: today (False) or the last 7 days
        self.entries: list[SiteFeedEntry] = []
        self.compliance_rows: list[SiteCompliance] | None = None  # the last read, drawn again on a resize
        self.held_rows: list[SiteHeld] | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("The trust's schools")
        with VerticalScroll(id="trust-figures"):
            yield Static("Loading…", id="trust-comp-title", markup=False)
            yield Table(id="trust-compliance", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Phones each school holds now (counts; names on each school's own list). "
                "Held = in tray + confiscated; overnight and in overflow are some of those, not more.",
                id="trust-held-title",
                markup=False,
            )
            yield Table(id="trust-held", cursor_type="row", zebra_stripes=True)
        with Vertical(id="trust-feed-box"):
            yield Static("", id="trust-feed-title", markup=False)
            yield Table(id="trust-feed", cursor_type="row", zebra_stripes=True)
            yield Static("", id="trust-feed-detail", markup=False)  # the highlighted entry, whole
        yield Static("", id="trust-gaps", markup=False)  # the schools not read, if any
        yield Static("", id="trust-status", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one("#trust-feed-box").display = False
        self.query_one("#trust-gaps").display = False
        self.query_one("#trust-compliance", DataTable).focus()

    def on_screen_resume(self) -> None:
        """Read on opening and on coming back (not on mount as well: each read across the
        trust is recorded, so reading twice would record it twice)."""
        self.action_refresh_all()

    def on_resize(self) -> None:
        """The tables' widths follow the screen's: drawn again from the last read (not read
        again, which would record another read across the trust)."""
        if self.compliance_rows is not None:
            self.show_compliance(self.compliance_rows)
        if self.held_rows is not None:
            self.show_held(self.held_rows)
        if self.feed_shown and self.entries:
            self.show_feed(self.entries)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_feed":
            return self.who.may("trust_safeguarding")
        if action == "toggle_week":
            return self.feed_shown
        return True

    # ------------------------------------------------------------ reading

    def action_refresh_all(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        services = self.app.services
        now = services.clock.now()
        if self.feed_shown:
            today = self.today()
            first = today - dt.timedelta(days=WEEK_DAYS - 1) if self.week else today
            self.db(trust.feed, self.who, first, today, services.settings, now, then=self.show_feed_read, latest="feed")
            return
        self.db(
            trust.compliance,
            self.who,
            None,
            None,
            services.settings,
            now,
            then=self.show_compliance,
            latest="compliance",
        )
        self.db(trust.uncollected, self.who, services.settings, now, then=self.show_held, latest="held")

    def today(self) -> dt.date:
        from models.clock import local_day

        services = self.app.services
        return local_day(services.clock.now(), services.settings.tz)

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def say(self, line: str) -> None:
        self.query_one("#trust-status", Static).update(line)

    def as_of(self) -> str:
        from models.clock import to_local

        services = self.app.services
        return to_local(services.clock.now(), services.settings.tz).strftime("%H:%M")

    def keys_line(self) -> str:
        feed = ", F the feed" if self.who.may("trust_safeguarding") else ""
        if self.feed_shown:
            return f"As of {self.as_of()}. W today / last 7 days, F the figures, Esc back."
        return f"As of {self.as_of()}. F5 or R to refresh{feed}, Esc to go back."

    # ------------------------------------------------------------ the figures

    def show_gaps(self, gone: list[SiteInfo], left_out_of: str = "the trust total") -> None:
        gaps = self.query_one("#trust-gaps", Static)
        gaps.update("\n".join(not_read_line(s, left_out_of) for s in gone))
        gaps.display = bool(gone)
        gaps.set_class(any(s.lost for s in gone), "-warning")

    def show_feed_gaps(self, gone: list[SiteInfo]) -> None:
        if self.feed_shown:  # (the figures, shown again meanwhile, say their own)
            self.show_gaps(gone, "the feed")

    def show_compliance(self, rows: list[SiteCompliance]) -> None:
        schools = rows[:-1]
        self.show_gaps([r.site for r in schools if not r.site.ready])
        n = len(schools)
        self.query_one("#trust-comp-title", Static).update(
            f"Compliance, last 30 school days: {n} {'school' if n == 1 else 'schools'} and the trust"
        )
        self.compliance_rows = rows
        table = self.query_one("#trust-compliance", DataTable)
        table.clear(columns=True)  # (the columns measured afresh: a resize may have narrowed them)
        table.add_columns(*COMPLIANCE_COLUMNS)
        figures = [
            [
                str(r.school_days),
                str(r.handed_in),
                str(r.expected),
                rate_text(r.rate),
                str(r.breaches),
                str(r.not_collected),
            ]
            if r.site.ready
            else [NOT_READ] * 6  # not read: no figures, not zeros
            for r in rows
        ]
        name_cap = self.school_cap(COMPLIANCE_COLUMNS[1:], figures)
        for i, (r, values) in enumerate(zip(rows, figures, strict=True)):
            last = i == len(rows) - 1
            style = "bold" if last else ""
            table.add_row(
                Text(TRUST_ROW if last else cap(r.site.name, name_cap), style=style),
                *(Text(v, justify="right", style=style) for v in values),
            )
        self.say(self.keys_line())

    def school_cap(self, headings: tuple[str, ...], rows: list[list[str]]) -> int:
        """The room a school's name has in a figures' table: the screen's width less the
        other columns (each as wide as its heading or widest value) and the edges."""
        from rich.cells import cell_len

        others = sum(max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(headings))
        padding = 2 * (len(headings) + 1)
        return max(MIN_SCHOOL, self.size.width - FIGURES_EDGES - padding - others)

    def show_held(self, rows: list[SiteHeld]) -> None:
        self.held_rows = rows
        table = self.query_one("#trust-held", DataTable)
        table.clear(columns=True)
        table.add_columns(*HELD_COLUMNS)  # as `kiosk trust uncollected` heads them
        figures = [[str(getattr(r, f)) if r.site.ready else NOT_READ for f in HELD_FIELDS] for r in rows]
        total = [str(sum(getattr(r, f) for r in rows)) for f in HELD_FIELDS]
        name_cap = self.school_cap(HELD_COLUMNS[1:], [*figures, total])
        for r, values in zip(rows, figures, strict=True):
            table.add_row(Text(cap(r.site.name, name_cap)), *(Text(v, justify="right") for v in values))
        if len(rows) > 1:
            table.add_row(Text(TRUST_ROW, style="bold"), *(Text(v, justify="right", style="bold") for v in total))

    # ------------------------------------------------------------ the feed (trust DSL)

    def action_toggle_feed(self) -> None:
        self.feed_shown = not self.feed_shown
        self.query_one("#trust-figures").display = not self.feed_shown
        self.query_one("#trust-feed-box").display = self.feed_shown
        target = "#trust-feed" if self.feed_shown else "#trust-compliance"
        self.query_one(target, DataTable).focus()
        if self.feed_shown:
            self.query_one("#trust-feed-title", Static).update("Loading the feed…")
        self.refresh_bindings()
        self.action_refresh_all()

    def action_toggle_week(self) -> None:
        self.week = not self.week
        self.query_one("#trust-feed-title", Static).update("Loading the feed…")
        self.action_refresh_all()

    def feed_widths(self, entries: list[SiteFeedEntry]) -> dict[str, int]:
        """The feed's column widths for the table's width: names capped, and cut further
        (the widest first) until the summary has room, so it fits 80 columns."""
        from rich.cells import cell_len

        widths = {"time": 9 if self.week else 5}
        for key, label, values in (
            ("school", "School", [e.site.name for e in entries]),
            ("kind", "Kind", [e.entry.kind_text for e in entries]),
            ("subject", "Subject", [e.entry.subject for e in entries]),
            ("by", "By", [e.entry.by for e in entries]),
        ):
            widths[key] = min(FEED_CAPS[key], max([len(label), *map(cell_len, values)]))
        total = self.query_one("#trust-feed", DataTable).size.width or self.size.width - 2
        room = total - 2 * (len(widths) + 1) - SCROLLBAR  # each column's padding, the scroll bar
        while room - sum(widths.values()) < MIN_SUMMARY:
            key = max(("school", "kind", "subject", "by"), key=lambda k: widths[k])
            if widths[key] <= MIN_NAME:
                break
            widths[key] -= 1
        widths["summary"] = max(MIN_SUMMARY, room - sum(widths.values()))
        return widths

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "trust-feed":
            self.show_detail(event.cursor_row)

    def show_detail(self, row: int | None) -> None:
        """The highlighted entry whole under the table, wrapped (its columns, the summary
        with them, are cut to fit): the school's own feed shows it so (``detail_of``)."""
        line = ""
        if row is not None and 0 <= row < len(self.entries):
            e = self.entries[row]
            where = f" ({e.entry.class_name})" if e.entry.class_name else ""
            line = f"{e.site.name} · {e.entry.time} · {e.entry.kind_text} · {e.entry.subject}{where} · by {e.entry.by}"
            line += f"\n{e.entry.detail or e.entry.summary}"
        self.query_one("#trust-feed-detail", Static).update(line)

    def show_feed_read(self, read: trust.TrustFeed) -> None:
        self.show_feed(read.entries)
        self.show_feed_gaps(read.gone)

    def show_feed(self, entries: list[SiteFeedEntry]) -> None:
        same = entries is self.entries  # drawn again (a resize): the cursor stays where it was
        self.entries = entries
        table = self.query_one("#trust-feed", DataTable)
        row = table.cursor_row if same else 0
        table.clear(columns=True)
        w = self.feed_widths(entries)
        for label, key in (
            ("School", "school"),
            ("Time", "time"),
            ("Kind", "kind"),
            ("Subject", "subject"),
            ("Summary", "summary"),
            ("By", "by"),
        ):
            table.add_column(label, width=w[key], key=key)
        for e in entries:
            table.add_row(
                Text(cap(e.site.name, w["school"])),
                Text(feed_time(e, self.week)),
                Text(cap(e.entry.kind_text, w["kind"])),
                Text(cap(e.entry.subject, w["subject"])),
                Text(cap(e.entry.summary, w["summary"])),
                Text(cap(e.entry.by, w["by"])),
            )
        today = self.today()
        span = (
            f"last {WEEK_DAYS} days ({(today - dt.timedelta(days=WEEK_DAYS - 1)).isoformat()} to {today.isoformat()})"
            if self.week
            else f"today ({today.isoformat()})"
        )
        n = len(entries)
        found = f"{n} {'entry' if n == 1 else 'entries'}" if n else "nothing"
        self.query_one("#trust-feed-title", Static).update(f"Feed across the schools, {span}: {found}.")
        if entries:
            table.move_cursor(row=min(row, len(entries) - 1))
        self.show_detail(table.cursor_row if entries else None)
        self.say(self.keys_line())
