"""Phone exceptions agreed with the headteacher: the list, one record in full, and the
headteacher's and the office's actions on it.

Everyone with ``view_exceptions`` (office, leadership, headteacher, DSL) sees the list
and the highlighted record. Only the headteacher (``record_exception``) records a new
exception (N), revokes one (X, with a reason; the record is kept) or records that they
reviewed one and keeps it (V, with the next review date). The office or the
headteacher (``file_exception_paperwork``) notes that the signed copy came back (S)
and prints the written agreement for signature (P, queued in the print outbox). Keys
a role may not use are not offered; a forced one is refused by the domain, whose
one-line message is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import agreed
from kiosk.actions.agreed import DUE, REVIEW_WITHIN_DAYS, ExceptionRow
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure

FILTERS = ("all", "active", DUE, "awaiting signed copy", "not started", "ended", "revoked")
# Screen action -> the permission it needs (models.staff.auth.PERMISSIONS).
PERMISSION = {
    "new": "record_exception",
    "revoke": "record_exception",
    "review": "record_exception",
    "signed_copy": "file_exception_paperwork",
    "print_agreement": "file_exception_paperwork",
}


# ---------------------------------------------------------------- screen


class ExceptionsScreen(DbWork, Screen[None]):
    CSS_PATH = "exceptions.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="exceptions.back"),
        Binding("n", "new", "New", id="exceptions.new"),
        Binding("x", "revoke", "Revoke", id="exceptions.revoke"),
        Binding("v", "review", "Reviewed", id="exceptions.review"),
        Binding("s", "signed_copy", "Signed copy back", id="exceptions.signed_copy"),
        Binding("p", "print_agreement", "Print agreement", id="exceptions.print"),
        Binding("f", "next_filter", "Filter", id="exceptions.filter"),
        Binding("f5,r", "refresh_list(True)", "Refresh", id="exceptions.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list[ExceptionRow] = []
        self.shown: list[ExceptionRow] = []
        self.filter = "all"
        self.busy = False
        self.select_id: int | None = None
        self.confirm_signed: int | None = None  # the exception whose signed copy S asked about

    def compose(self) -> ComposeResult:
        yield TitleBar("Phone exceptions")
        with Vertical(id="exceptions-body"):
            yield Static("", id="exceptions-filter", markup=False)
            with Horizontal(id="exceptions-main"):
                yield Table(id="exceptions", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="exceptions-detail-box"):
                    yield Static("", id="exceptions-detail", markup=False)
            yield Static("Loading…", id="exceptions-message", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#exceptions", DataTable)
        # Status and Until before the names: a long name is cut at the edge, never the status
        # (the highlighted exception is shown whole beside the table).
        table.add_columns("#", "Status", "Until", "For", "Kind")
        table.focus()
        self.action_refresh_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PERMISSION:
            return self.who.may(PERMISSION[action])
        return True

    # ------------------------------------------------------------ list

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#exceptions-message", Static)
        message.update(text)
        message.set_classes(kind)

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        self.db(agreed.load_exceptions, self.who, self.app.services.clock.now(), then=self.loaded, latest="load")

    def loaded(self, rows: list[ExceptionRow]) -> None:
        self.rows = rows
        self.fill()
        if str(self.query_one("#exceptions-message", Static).render()) == "Loading…":
            self.say(self.hint())

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message, "error")

    def action_next_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.fill()

    def current(self) -> ExceptionRow | None:
        table = self.query_one("#exceptions", DataTable)
        if not self.shown or table.cursor_row is None or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def fill(self) -> None:
        keep = self.select_id if self.select_id is not None else (c.id if (c := self.current()) else None)
        self.select_id = None
        self.shown = [r for r in self.rows if r.matches(self.filter)]
        table = self.query_one("#exceptions", DataTable)
        table.clear()
        for r in self.shown:
            table.add_row(
                Text(str(r.id)), Text(r.status_text), Text(r.ends_on), Text(r.subject), Text(r.kind_text), key=str(r.id)
            )
        counts = {f: sum(1 for r in self.rows if r.matches(f)) for f in FILTERS[1:4]}
        self.query_one("#exceptions-filter", Static).update(
            f"Showing: {self.filter} ({len(self.shown)} of {len(self.rows)}). "
            f"Active {counts['active']} · review due within {REVIEW_WITHIN_DAYS} days {counts[DUE]} · "
            f"awaiting signed copy {counts['awaiting signed copy']}.  F: next filter"
        )
        index = next((i for i, r in enumerate(self.shown) if r.id == keep), 0)
        if self.shown:
            table.move_cursor(row=index)
        self.show_detail()

    def show_detail(self) -> None:
        row = self.current()
        detail = self.query_one("#exceptions-detail", Static)
        if row is None:
            detail.update("No exceptions to show." if not self.rows else "No exceptions match this filter (F).")
            return
        detail.update("\n".join(row.detail))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.confirm_signed is not None and (c := self.current()) is not None and c.id != self.confirm_signed:
            self.confirm_signed = None
            self.say(self.hint())
        self.show_detail()

    def hint(self) -> str:
        keys = []
        if self.who.may("record_exception"):
            keys += ["N new", "X revoke", "V reviewed (next review date)"]
        if self.who.may("file_exception_paperwork"):
            keys += ["S signed copy back", "P print agreement"]
        if not keys:
            return "Read only: the headteacher records and revokes exceptions."
        return "Keys: " + ", ".join(keys) + "."

    # ------------------------------------------------------------ actions

    def ready(self, action: str, *, needs_row: bool = True) -> ExceptionRow | None | bool:
        from kiosk.actions.access import not_allowed

        permission = PERMISSION[action]
        if not self.who.may(permission):
            self.say(not_allowed(self.who, permission), "error")
            return None
        if self.busy:
            self.say("Still recording the last action: wait a moment.", "error")
            return None
        if not needs_row:
            return True
        row = self.current()
        if row is None:
            self.say("Choose an exception in the list first (Down/Up).", "error")
        return row

    def record(self, fn: Callable[..., agreed.Recorded], *args: Any, form: TwoStepDialog[Any] | None = None) -> None:
        """Run the action ``fn(who, *args, now)`` on the exceptions: one at a time. ``form``: the
        two-step form that answered, opened again as it was if the action is refused."""
        self.busy = True
        self.say("Recording…")
        then, failed = (self.recorded, self.refused) if form is None else form.recording(self.recorded, self.refused)
        self.db(fn, self.who, *args, self.app.services.clock.now(), then=then, failed=failed)

    def recorded(self, done: agreed.Recorded) -> None:
        self.busy = False
        self.select_id = done.exception_id
        self.say(done.message, "ok")
        self.action_refresh_list()

    def refused(self, failure: Failure) -> None:
        self.busy = False
        self.say(failure.message, "error")

    def action_new(self) -> None:
        from kiosk.dialogs.exception_form import ExceptionFormDialog
        from models.clock import local_day

        if self.ready("new", needs_row=False) is None:
            return
        dialog = ExceptionFormDialog(local_day(self.app.services.clock.now()))
        ask(self.app, dialog, lambda form: self.after_new(form, dialog))

    def after_new(self, form: agreed.ExceptionForm | None, dialog: TwoStepDialog[Any]) -> None:
        if form is None:
            self.say("Cancelled: nothing was recorded.")
        else:
            self.record(agreed.record_exception, form, form=dialog)

    def action_revoke(self) -> None:
        from kiosk.dialogs.reason import ReasonDialog

        if (row := self.ready("revoke")) is None:
            return
        if row.revoked:
            self.say("This exception was already revoked.", "error")
            return
        dialog = ReasonDialog(
            f"Revoke exception #{row.id} for {row.subject}",
            f"{row.kind_text}, until {row.ends_on}. The record is kept.",
        )
        self.app.push_screen(dialog, lambda reason: self.after_revoke(row, reason))

    def after_revoke(self, row: ExceptionRow, reason: str | None) -> None:
        if not reason:
            self.say("Cancelled: nothing was recorded.")
        else:
            self.record(agreed.revoke, row.id, reason)

    def action_review(self) -> None:
        """The headteacher reviewed the exception and keeps it: set the next review date."""
        from kiosk.dialogs.review import ReviewDialog
        from models.clock import local_day

        if (row := self.ready("review")) is None:
            return
        today = local_day(self.app.services.clock.now())
        if row.revoked or dt.date.fromisoformat(row.ends_on) <= today:
            self.say("This exception has ended or was revoked: there is nothing to review.", "error")
            return
        dialog = ReviewDialog(
            f"Review of exception #{row.id} for {row.subject}",
            agreed.review_summary(row, today),
            today,
            dt.date.fromisoformat(row.ends_on),
        )
        self.app.push_screen(dialog, lambda when: self.after_review(row, when))

    def after_review(self, row: ExceptionRow, when: dt.date | None) -> None:
        if when is None:
            self.say("Cancelled: nothing was recorded.")
        else:
            self.record(agreed.record_review, row.id, when)

    def action_signed_copy(self) -> None:
        if (row := self.ready("signed_copy")) is None:
            return
        if row.signed_copy:
            self.say("The signed copy of this exception is already recorded.", "error")
            return
        if self.confirm_signed != row.id:  # a second S confirms: nothing is recorded by one stray key
            self.confirm_signed = row.id
            self.say(f"Press S again to record that the signed copy of #{row.id} for {row.subject} is back.")
            return
        self.confirm_signed = None
        self.record(agreed.signed_copy_back, row.id)

    def action_print_agreement(self) -> None:
        if (row := self.ready("print_agreement")) is None:
            return
        services = self.app.services
        self.busy = True
        self.say("Queuing the agreement…")
        self.db(
            agreed.print_agreement,
            self.who,
            row.id,
            services.printer_spec,
            services.settings.school_name,
            services.settings.headteacher_name,
            services.clock.now(),
            then=self.queued,
            failed=self.refused,
        )

    def queued(self, done: agreed.Recorded) -> None:
        self.busy = False
        self.say(done.message, "ok")
        self.app.print_jobs_added()
