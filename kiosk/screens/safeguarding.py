"""The DSL's view: breaches and concerns, confiscations, searches and police hand-overs.

For ``read_concerns`` (leadership, DSL, headteacher; the chair of governors: allegations
about the headteacher); anyone else who raised a concern reads there those they raised, as they
raised them (f1s6: ``models.staff.concern_access.reads_as_raised``). The feed covers a date range (typed in the
From / To boxes, Enter to apply), filtered by class (C cycles) and kind (K cycles).
Enter on an entry opens its full history: the chain of custody for a phone, the
concern's story for a concern (opening a concern marks it seen; opening a confiscation,
search or police hand-over writes the DSL's seen mark: until then it shows NEW). F follows
up the highlighted concern with a note, the steps done (parents told, referrals, the LADO)
and, to close it, an outcome. L records lessons learnt on a closed concern. N raises a new
concern (any member of staff may, with :class:`kiosk.dialogs.concern.RaiseConcernDialog`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Static

from kiosk.actions import parents as act_parents
from kiosk.actions import safeguarding
from kiosk.actions.safeguarding import PARENTS_TOLD, EntryHistory, Feed
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.in_order import FormInput
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.clock import local_day
from models.custody.ledger import searcher_name
from models.dates import DAY_FORMAT, read_day, uk
from models.staff.auth import DETAIL_ROLES

DEFAULT_DAYS = 30
NOTHING = "Nothing in this range with these filters."  # the feed opens on the last 30 days


# K cycles: everything, each feed kind (models.safeguarding.concerns.FEED_KINDS: the custody
# kinds come from its one map), then each kind of concern.
def _kind_filters() -> tuple[str | None, ...]:
    from models.safeguarding.concerns import CATEGORIES, FEED_KINDS

    return (None, *FEED_KINDS, *CATEGORIES)


KIND_FILTERS = _kind_filters()

# The feed fits the screen: short kinds, capped names, and "What" takes the width that
# is left (cut with "…"; the line under the table shows the highlighted entry whole).
SHORT_CATEGORY = {
    "bullying": "bullying",
    "nude_images": "nude images",
    "sexual_abuse": "sexual abuse",
    "radicalisation": "radicalisation",
    "staff_conduct": "staff conduct",
    "visitor_device": "visitor device",
    "phone_breach": "phone breach",
    "other": "other concern",
    # kinds recorded before issue 15 (still read)
    "online_safety": "online safety",
    "safeguarding": "safeguarding",
}
# The custody kinds in the Kind column (models.safeguarding.concerns.CUSTODY_FEED's words are
# longer: "return from the police" was cut at every width); the line under the table says them whole.
SHORT_CUSTODY = {
    "police": "police hand-over",
    "police_return": "police return",
    "dsl_decision": "DSL decision",
    "not_searched": "not searched",  # consent refused: not a search (f1s6)
}
FIXED = {"when": 16}
# As wide as the widest shown, up to these. Status: "NEW, closed" and "NEW, undone" are 11
# (a fixed 9 cut them to "NEW, clos" at every width).
CAPS = {"kind": 16, "class": 10, "status": 11}
# "About" is as wide as its widest name, up to ABOUT_MAX, taking from "What" (whose entry
# shows whole under the table) while "What" keeps MIN_WHAT; it is never narrower than
# ABOUT_MIN where its names need that (at 80x24 "What" is then off to the right).
ABOUT_MIN, ABOUT_MAX = 20, 32
ABOUT_LEAST = 8  # narrower still only if Status would otherwise be cut at the right edge
MIN_WHAT = 20
SCROLLBAR = 2  # the table keeps room for its vertical scrollbar (scrollbar-gutter: stable)


def status_text(entry) -> str:
    """The Status column: a concern's open or closed, a custody entry's undone, each with NEW
    until the reader opens it."""
    if entry.kind == "concern":
        return ("NEW, " if not entry.seen else "") + entry.status
    # a confiscation, search or police hand-over: NEW until the DSL opens it
    return ", ".join(w for w, on in (("NEW", not entry.seen), ("undone", entry.undone)) if on)


def short_kind(entry) -> str:
    if entry.kind == "concern" and entry.about == "staff":
        return "allegation"  # about a member of staff (KCSIE Part 4); its category under the table
    if entry.kind == "concern":
        return SHORT_CATEGORY.get(entry.category, entry.kind_text)
    return SHORT_CUSTODY.get(entry.kind, entry.kind_text)


def column_widths(entries: list, total: int, padding: int = 1) -> dict[str, int]:
    """Widths of the feed's columns for a table ``total`` cells wide."""
    widths = dict(FIXED)
    for key, label, values in (
        ("kind", "Kind", [short_kind(e) for e in entries]),
        ("class", "Class", [e.class_name for e in entries]),
        ("status", "Status", [status_text(e) for e in entries]),
    ):
        widths[key] = min(CAPS[key], max([len(label), *map(cell_len, values)]))  # (cells: an emoji is two)
    used = sum(widths.values()) + 2 * padding * (len(widths) + 2) + SCROLLBAR  # (+2: About and What)
    about = max([len("About"), *(cell_len(e.subject) for e in entries)])
    widths["about"] = min(about, max(ABOUT_MIN, min(ABOUT_MAX, total - used - MIN_WHAT)))
    # Status (NEW) is never pushed off the right edge: About gives way first, down to
    # ABOUT_LEAST (the whole name is under the table); only "What" runs off to the right.
    before_what = used - 2 * padding  # every column but What, with their padding and the scrollbar
    widths["about"] = min(widths["about"], max(ABOUT_LEAST, total - before_what))
    widths["what"] = max(MIN_WHAT, total - used - widths["about"])
    return widths


def detail_of(entry) -> str:
    """The highlighted entry in full, under the table."""
    kind = f"concern: {entry.kind_text}" if entry.kind == "concern" else entry.kind_text
    where = f" ({entry.class_name})" if entry.class_name else ""
    return f"{entry.time} · {kind} · {entry.subject}{where} · by {entry.by}\n{entry.detail or entry.summary}"


def kind_words(kind: str | None) -> str:
    from models.safeguarding.concerns import CATEGORY_WORDS, FEED_KINDS

    if kind is None:
        return "all kinds"
    return FEED_KINDS.get(kind) or f"concerns: {CATEGORY_WORDS[kind]}"


# ---------------------------------------------------------------- the history dialog


class HistoryLines(VerticalScroll):
    """The history's box: once laid out (and at each resize), the entry opened is scrolled to its
    top; before its first layout there is nothing to scroll (110x32 opened at the oldest end)."""

    def on_resize(self) -> None:
        item = self.query("#history-item")
        if item:
            self.scroll_to_widget(item.first(), top=True, animate=False, immediate=True)


class EntryHistoryDialog(ModalScreen[None]):
    """One feed entry's full history, read-only, opened at the entry itself (``focus``: its
    line, marked, at the top of the box, the older lines above it); Esc or Enter closes it."""

    CSS_PATH = ["../dialogs/dialogs.tcss", "../dialogs/safeguarding.tcss"]
    BINDINGS = [
        Binding("escape,enter", "close", "Close", id="entry_history.close"),
    ]

    def __init__(self, title: str, lines: list[str], focus: int = 0) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.focus_line = focus if 0 <= focus < len(lines) else 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog", id="history-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with HistoryLines(id="history-lines"):
                for i, line in enumerate(self.lines):  # a line each: the entry's own can be scrolled to
                    if i == self.focus_line and self.focus_line:
                        yield Static(line, id="history-item", classes="history-line", markup=False)
                    else:
                        yield Static(line, classes="history-line", markup=False)
            yield Static("Esc or Enter to close.", classes="dialog-error")

    # The dialog's own lines around the box: its border and padding (4), the title and the space
    # under it (2), "Esc or Enter to close." (1). The box takes what is left of the dialog's 95%.
    CHROME = 7
    BOX_MAX, BOX_MIN = 20, 5

    def on_mount(self) -> None:
        self.fit_box()
        self.query_one("#history-lines").focus()

    def on_resize(self) -> None:
        self.fit_box()

    def fit_box(self) -> None:
        """The box as tall as the screen allows (at 80x24 its 20 lines pushed the entry and the
        closing line off the dialog)."""
        room = int(self.app.size.height * 0.95) - self.CHROME
        self.query_one("#history-lines").styles.max_height = max(self.BOX_MIN, min(self.BOX_MAX, room))

    @property
    def history_text(self) -> str:
        """The whole history as shown, a line each (what the line widgets render)."""
        return "\n".join(str(w.render()) for w in self.query(".history-line").results(Static))

    def action_close(self) -> None:
        self.dismiss(None)


# ---------------------------------------------------------------- screen


class SafeguardingScreen(FieldsBlinkAsTheAppSays, DbWork, Screen[None]):
    CSS_PATH = "safeguarding.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="safeguarding.back"),
        Binding("f", "follow_up", "Follow up", id="safeguarding.follow_up"),
        Binding("l", "lessons", "Lessons learnt", id="safeguarding.lessons"),
        Binding("n", "raise_concern", "New concern", id="safeguarding.raise"),
        Binding("c", "next_class", "Class", id="safeguarding.class"),
        Binding("k", "next_kind", "Kind", id="safeguarding.kind"),
        Binding("d", "dates", "Dates", id="safeguarding.dates"),
        Binding("w", "parents_waiting", "Parents to tell", id="safeguarding.parents_waiting"),  # issue 15
        Binding("f5,r", "refresh_feed(True)", "Refresh", id="safeguarding.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.feed: Feed | None = None  # the last feed loaded
        self.class_name: str | None = None
        self.kind: str | None = None
        self.from_day: dt.date | None = None
        self.to_day: dt.date | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield TitleBar("Safeguarding")
        with Vertical(id="sg-body"):
            yield Static("", id="sg-counts", markup=False)
            with Horizontal(id="sg-filters"):
                yield Label("From", classes="sg-label")
                yield FormInput(id="sg-from", placeholder=DAY_FORMAT, max_length=10)
                yield Label("To", classes="sg-label")
                yield FormInput(id="sg-to", placeholder=DAY_FORMAT, max_length=10)
                yield Static("", id="sg-filter-text", markup=False)
            yield Table(id="sg-feed", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sg-detail", markup=False)
            yield Static("", id="sg-message", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        from models.clock import local_day

        today = local_day(self.app.services.clock.now())
        self.to_day, self.from_day = today, today - dt.timedelta(days=DEFAULT_DAYS)
        self.query_one("#sg-from", Input).value = uk(self.from_day)
        self.query_one("#sg-to", Input).value = uk(self.to_day)
        table = self.query_one("#sg-feed", DataTable)
        self.set_columns(table, [])
        table.focus()
        self.action_refresh_feed()

    def set_columns(self, table: DataTable, entries: list) -> dict[str, int]:
        table.clear(columns=True)
        total = table.size.width or self.app.size.width - 2
        widths = column_widths(entries, total, table.cell_padding)
        for key, label in (
            ("when", "When"),
            ("kind", "Kind"),
            ("about", "About"),
            ("class", "Class"),
            ("status", "Status"),
            ("what", "What"),
        ):
            table.add_column(label, width=widths[key], key=key)
        return widths

    @property
    def entries(self) -> list:
        return self.feed.entries if self.feed else []

    def on_resize(self) -> None:
        if self.feed and self.feed.entries:
            self.fill(self.feed)

    def on_screen_resume(self) -> None:
        self.action_refresh_feed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "follow_up":  # the DSL, the headteacher, the chair (hers); leadership reads
            return self.who.may("follow_up_concerns")
        if action == "lessons":
            return self.who.may("record_lessons")
        if action == "parents_waiting":  # leadership, the DSL, the headteacher (models.staff.auth.DETAIL_ROLES)
            return bool(self.who.roles & DETAIL_ROLES)
        return True

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#sg-message", Static)
        message.update(text)
        message.set_classes(kind)

    # ------------------------------------------------------------ the feed

    def action_refresh_feed(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        if self.from_day is None or self.to_day is None:
            return
        self.db(
            safeguarding.load_feed,
            self.who,
            self.from_day,
            self.to_day,
            self.class_name,
            self.kind,
            then=self.fill,
            latest="feed",
        )

    def filter_text(self) -> str:
        return f"Class: {self.class_name or 'all'} (C) · Kind: {kind_words(self.kind)} (K)"

    def action_next_class(self) -> None:
        options = [None, *(self.feed.classes if self.feed else [])]
        self.class_name = (
            options[(options.index(self.class_name) + 1) % len(options)] if self.class_name in options else None
        )
        self.action_refresh_feed()

    def action_next_kind(self) -> None:
        self.kind = KIND_FILTERS[(KIND_FILTERS.index(self.kind) + 1) % len(KIND_FILTERS)]
        self.action_refresh_feed()

    def action_dates(self) -> None:
        self.query_one("#sg-from", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        days = {}
        for wid, what in (("sg-from", "start date"), ("sg-to", "end date")):
            day = read_day(self.query_one(f"#{wid}", Input).value, what)  # models.dates: as every form reads a day
            if isinstance(day, str):
                self.say(day, "error")
                self.query_one(f"#{wid}", Input).focus()
                return
            days[wid] = day
        if days["sg-to"] < days["sg-from"]:
            self.say("The end date is before the start date.", "error")
            self.query_one("#sg-to", Input).focus()
            return
        if event.input.id == "sg-from":
            self.query_one("#sg-to", Input).focus()
        else:
            self.query_one("#sg-feed", DataTable).focus()
        self.from_day, self.to_day = days["sg-from"], days["sg-to"]
        self.say("")
        self.action_refresh_feed()

    def current(self):
        table = self.query_one("#sg-feed", DataTable)
        if not self.entries or table.cursor_row is None or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    def fill(self, feed: Feed) -> None:
        from models.safeguarding.concerns import one_line

        keep = self.current()
        keep_key = (keep.concern_id, keep.event_id) if keep else None
        self.feed = feed
        table = self.query_one("#sg-feed", DataTable)
        widths = self.set_columns(table, self.entries)
        for e in self.entries:
            status = status_text(e)
            table.add_row(
                Text(e.time),
                Text(short_kind(e)),
                Text(one_line(e.subject, widths["about"])),
                Text(one_line(e.class_name, widths["class"])),
                Text(status, style="bold" if not e.seen else ""),
                Text(one_line(e.summary, widths["what"])),
            )
        index = next((i for i, e in enumerate(self.entries) if (e.concern_id, e.event_id) == keep_key), 0)
        if self.entries:
            table.move_cursor(row=index)
        self.show_detail()
        counts = (
            "Your concerns, as you raised them."  # (their follow-up is the DSL's: the history says so)
            if feed.raised_only
            else f"Concerns not yet seen: {feed.unseen} · open: {feed.open}."
        )
        self.query_one("#sg-counts", Static).update(
            f"{counts}   Showing {len(self.entries)} "
            f"from {uk(self.from_day) if self.from_day else ''} to {uk(self.to_day) if self.to_day else ''}."
            + (
                f"\nConfiscations, searches and police hand-overs not yet seen: {feed.unseen_events} (NEW)."
                if feed.unseen_events
                else ""
            )
            + (
                f"\nNot searched (consent refused), not yet seen: {feed.unseen_not_searched} (NEW)."
                if feed.unseen_not_searched
                else ""
            )
        )
        self.query_one("#sg-filter-text", Static).update(self.filter_text())
        if not self.entries:
            self.say(NOTHING)
        elif str(self.query_one("#sg-message", Static).render()) == NOTHING:
            self.say("")

    def show_detail(self) -> None:
        entry = self.current()
        self.query_one("#sg-detail", Static).update(detail_of(entry) if entry else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message, "error")

    # ------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.current()
        if entry is None or self.busy:
            return
        self.open_history(entry.concern_id, entry.device_id, entry.event_id)

    def open_history(self, concern_id: int | None, device_id: int | None, event_id: int | None = None) -> None:
        """Show the entry's history (a concern's story, a phone's chain of custody); a
        confiscation, search or police hand-over opened is seen by the DSL from now on."""
        self.busy = True
        self.db(
            safeguarding.open_entry,
            self.who,
            concern_id,
            device_id,
            self.app.services.clock.now(),
            event_id,
            then=self.show_history,
            failed=self.refused,
        )

    def show_history(self, history: EntryHistory) -> None:
        self.busy = False
        self.app.push_screen(EntryHistoryDialog(history.title, list(history.lines), history.focus))
        self.action_refresh_feed()  # a concern or custody entry opened is seen now

    def refused(self, failure: Failure) -> None:
        self.busy = False
        self.say(failure.message, "error")

    def recorded(self, text: str) -> None:
        self.busy = False
        self.say(text, "ok")
        self.action_refresh_feed()

    def action_follow_up(self) -> None:
        from kiosk.dialogs.follow_up import FollowUpDialog

        entry = self.current()
        if entry is None or entry.concern_id is None:
            self.say("Choose a concern in the list first: only concerns are followed up.", "error")
            return
        if entry.status == "closed":
            self.say("This concern is already closed.", "error")
            return
        kind = "Allegation" if entry.about == "staff" else "Concern"

        def open_form(referred: frozenset[str]) -> None:
            assert entry.concern_id is not None
            dialog = FollowUpDialog(
                f"{kind} #{entry.concern_id} about {entry.subject}: {entry.summary}",
                allegation=entry.about == "staff",
                radicalisation=entry.category == "radicalisation",
                referred=referred,
                raised_on=local_day(entry.at),
            )
            ask(self.app, dialog, lambda f: self.after_follow_up(entry.concern_id, f, dialog))

        self.db(safeguarding.referrals_recorded, self.who, entry.concern_id, then=open_form, failed=self.refused)

    def after_follow_up(self, concern_id: int, follow, dialog: TwoStepDialog[Any]) -> None:
        if follow is None:
            self.say("Cancelled: nothing was recorded.")
            return
        self.busy = True
        # "Parents told" is not a tick on the follow-up: it is recorded with who, when and how
        # (the parents-told form, opened once the follow-up is recorded; issue 15, f6s6).
        tell = PARENTS_TOLD in follow.actions
        actions = tuple(a for a in follow.actions if a != PARENTS_TOLD)
        done = (lambda line: self.then_tell_parents(concern_id, line)) if tell else self.recorded
        then, failed = dialog.recording(done, self.refused)  # refused: the form again, as it was
        self.db(
            safeguarding.follow_up,
            self.who,
            concern_id,
            follow.note,
            follow.outcome,
            self.app.services.clock.now(),
            follow.lado,
            actions,
            follow.prevent,
            then=then,
            failed=failed,
        )

    def then_tell_parents(self, concern_id: int, line: str) -> None:
        """The follow-up is recorded; "parents told" was ticked: the parents-told form, for the concern."""
        self.recorded(line)
        self.db(act_parents.inform_about_concern, self.who, concern_id, then=self.ask_parents, failed=self.refused)

    def ask_parents(self, about: act_parents.InformAboutConcern) -> None:
        from kiosk.dialogs.parents_informed import ParentsInformedDialog

        dialog = ParentsInformedDialog(
            about.pupil,
            (about.what, about.at),
            list(about.contacts),
            searcher_name(self.who.display_name),
            self.app.services.clock.now(),
        )
        ask(self.app, dialog, lambda told: self.parents_answered(about.concern_id, told, dialog))

    def parents_answered(self, concern_id: int, told, dialog: TwoStepDialog[Any]) -> None:
        if told is None:
            self.say("The follow-up is recorded; that the parents were told is not (press F, then tick it again).")
            return
        self.busy = True
        then, failed = dialog.recording(self.recorded, self.refused)  # refused: the form again, as it was
        now = self.app.services.clock.now()
        self.db(act_parents.informed_of_concern, self.who, concern_id, told, now, then=then, failed=failed)

    def action_lessons(self) -> None:
        from kiosk.dialogs.follow_up import LessonsDialog

        entry = self.current()
        if entry is None or entry.concern_id is None:
            self.say("Choose a concern in the list first: lessons learnt are recorded on a concern.", "error")
            return
        if entry.status != "closed":
            self.say("Lessons learnt are recorded once the concern is closed.", "error")
            return
        dialog = LessonsDialog(f"Concern #{entry.concern_id} about {entry.subject}: {entry.summary}")
        ask(self.app, dialog, lambda text: self.after_lessons(entry.concern_id, text, dialog))

    def after_lessons(self, concern_id: int, text: str | None, dialog: TwoStepDialog[Any]) -> None:
        if text is None:
            self.say("Cancelled: nothing was recorded.")
            return
        self.busy = True
        then, failed = dialog.recording(self.recorded, self.refused)
        self.db(
            safeguarding.record_lessons,
            self.who,
            concern_id,
            text,
            self.app.services.clock.now(),
            then=then,
            failed=failed,
        )

    def action_parents_waiting(self) -> None:
        from kiosk.screens.parents_waiting import ParentsWaitingScreen

        self.app.push_screen(ParentsWaitingScreen(self.who))

    def action_raise_concern(self) -> None:
        from kiosk.dialogs.concern import RaiseConcernDialog

        dialog = RaiseConcernDialog()
        ask(self.app, dialog, lambda form: self.after_raise(form, dialog))

    def after_raise(self, form: safeguarding.ConcernForm | None, dialog: TwoStepDialog[Any]) -> None:
        if form is None:
            self.say("Cancelled: nothing was recorded.")
            return
        self.busy = True
        then, failed = dialog.recording(self.recorded, self.refused)
        self.db(
            safeguarding.raise_concern,
            self.who,
            form,
            self.app.services.clock.now(),
            then=then,
            failed=failed,
        )
