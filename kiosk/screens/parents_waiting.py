"""Waiting for parents to be told: confiscations and searches of pupils' phones with no
record that a parent or carer was told (issue 15), newest first, for leadership, the DSL and
the headteacher. Enter on a row records it (the parents-informed dialog); the row then goes.
Opened with W from the safeguarding screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import parents as act
from kiosk.dialogs.parents_informed import ParentsInformedDialog
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table, cap
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.custody.ledger import searcher_name


def short_time(text: str) -> str:
    """ "2026-11-12 08:30" -> "12 Nov 08:30" (to fit 80 columns)."""
    try:
        when = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return f"{when.day} {when:%b %H:%M}"


class ParentsWaitingScreen(DbWork, Screen[None]):
    CSS_PATH = "parents_waiting.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="parents_waiting.back"),
        Binding("enter", "tell", "Parents told", id="parents_waiting.tell"),
        Binding("f5,r", "refresh_list(True)", "Refresh", id="parents_waiting.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: tuple[Any, ...] = ()

    def compose(self) -> ComposeResult:
        yield TitleBar("Waiting for parents to be told")
        with Vertical(id="pw-body"):
            yield Static("Loading…", id="pw-summary", markup=False)
            yield Table(id="pw-list", cursor_type="row", zebra_stripes=True)
            yield Static("", id="pw-message", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#pw-list", DataTable)
        table.add_columns("When", "What", "Pupil", "Class", "By")
        table.focus()
        self.action_refresh_list()

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#pw-message", Static)
        message.update(text)
        message.set_classes(kind)

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        self.db(act.waiting, self.who, then=self.show_rows, failed=self.failed, latest="rows")

    def failed(self, failure: Failure) -> None:
        self.say(failure.message, "error")

    def db_failed(self, failure: Failure) -> None:
        self.failed(failure)

    def show_rows(self, rows: tuple[Any, ...]) -> None:
        self.rows = rows
        table = self.query_one("#pw-list", DataTable)
        table.clear()
        for i, r in enumerate(rows):
            table.add_row(
                Text(short_time(r.time)),
                Text(r.kind),
                Text(cap(r.pupil, 22)),
                Text(cap(r.class_name, 10)),
                Text(cap(r.by, 18)),
                key=str(i),
            )
        n = len(rows)
        self.query_one("#pw-summary", Static).update(
            "No confiscation or search is waiting: parents have been told of every one."
            if not rows
            else f"{n} {'confiscation or search' if n == 1 else 'confiscations and searches'} with no record "
            "that parents were told. Enter on a row to record it."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tell":
            return bool(self.rows)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_tell()

    def action_tell(self) -> None:
        table = self.query_one("#pw-list", DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return
        row = self.rows[table.cursor_row]
        self.db(act.inform_about, self.who, row.event_id, then=self.ask, failed=self.failed)

    def ask(self, about: act.InformAbout) -> None:
        dialog = ParentsInformedDialog(
            about.pupil,
            (about.what, about.at),
            list(about.contacts),
            searcher_name(self.who.display_name),
            self.app.services.clock.now(),
        )
        ask(self.app, dialog, lambda told: self.answered(about, told, dialog))

    def answered(self, about: act.InformAbout, told: act.ParentsTold | None, dialog: TwoStepDialog[Any]) -> None:
        if told is None:
            self.say("Cancelled: nothing was recorded.")
            return
        now = self.app.services.clock.now()
        self.say("Recording…")
        then, failed = dialog.recording(self.recorded, self.failed)  # refused: the form again, as it was
        self.db(act.informed_of_event, self.who, about.event_id, told, now, then=then, failed=failed)

    def recorded(self, done: str) -> None:
        self.say(f"{done}", "ok")
        self.action_refresh_list()
