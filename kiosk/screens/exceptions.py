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
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from kiosk.session import SignedIn
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbResult, call_db

REVIEW_WITHIN_DAYS = 14  # "due for review" = review date within this many days (or overdue)
DUE = "review due"
FILTERS = ("all", "active", DUE, "awaiting signed copy", "not started", "ended", "revoked")
# Screen action -> the permission it needs (models.auth.PERMISSIONS).
PERMISSION = {
    "new": "record_exception",
    "revoke": "record_exception",
    "review": "record_exception",
    "signed_copy": "file_exception_paperwork",
    "print_agreement": "file_exception_paperwork",
}


@dataclass(frozen=True)
class ExceptionRow:
    """One exception, as plain data for the list and the detail panel."""

    id: int
    subject: str
    subject_kind: str
    class_name: str
    kind_text: str
    status: str  # models.exceptions status words
    due: bool  # review date within REVIEW_WITHIN_DAYS (or passed), not ended or revoked
    starts_on: str
    review_on: str
    ends_on: str
    signed_copy: bool
    revoked: bool
    detail: tuple[str, ...]

    @property
    def status_text(self) -> str:
        return f"{self.status}, {DUE}" if self.due else self.status

    def matches(self, wanted: str) -> bool:
        return wanted == "all" or (self.due if wanted == DUE else self.status == wanted)


# ---------------------------------------------------------------- worker functions (plain data)


def _staff(staff_id: int):
    from models.tables import Staff

    return Staff.get_by_id(staff_id)


def _row(exc, today: dt.date) -> ExceptionRow:
    from models import exceptions as ex
    from models.clock import local_from_utc_naive

    status = ex.status_on(exc, today)
    due = (
        exc.revoked_at is None
        and exc.ends_on >= today
        and exc.review_on <= today + dt.timedelta(days=REVIEW_WITHIN_DAYS)
    )
    conditions = ex.conditions_of(exc)
    lines = [
        f"For: {ex.subject_name(exc)} ({exc.subject_kind})"
        + (f", {exc.pupil.school_class.name}" if exc.pupil_id else ""),
        f"Kind: {ex.kind_text(exc)}",
        f"Status: {status}" + (f" ({DUE})" if due else ""),
        f"Allowed: {exc.allowed}",
        f"Where: {exc.location}",
        "Conditions: " + ("; ".join(conditions) if conditions else "none"),
    ]
    if exc.sanction:
        lines.append(f"Sanction for misuse: {exc.sanction}")
    agreed = ex.agreed_with_name(exc)
    lines.append(f"Agreed {'with ' + agreed + ' ' if agreed else ''}on {exc.agreed_on.isoformat()}")
    lines.append(
        f"From {exc.starts_on.isoformat()} until {exc.ends_on.isoformat()}, review {exc.review_on.isoformat()}"
    )
    if exc.risk_assessment_ref:
        lines.append(f"Risk assessment: {exc.risk_assessment_ref}")
    lines.append(f"Recorded by {exc.recorded_by.display_name} at {local_from_utc_naive(exc.recorded_at)}")
    if exc.signed_copy_at:
        lines.append(f"Signed copy back: {local_from_utc_naive(exc.signed_copy_at)}")
    else:
        lines.append("Signed copy: not back yet" + (" (no effect for a pupil until it is)" if exc.pupil_id else ""))
    if exc.revoked_at:
        lines.append(
            f"Revoked {local_from_utc_naive(exc.revoked_at)} by {exc.revoked_by.display_name}: {exc.revoke_reason}"
        )
    return ExceptionRow(
        id=exc.id,
        subject=ex.subject_name(exc),
        subject_kind=exc.subject_kind,
        class_name=exc.pupil.school_class.name if exc.pupil_id else "",
        kind_text=ex.kind_text(exc),
        status=status,
        due=due,
        starts_on=exc.starts_on.isoformat(),
        review_on=exc.review_on.isoformat(),
        ends_on=exc.ends_on.isoformat(),
        signed_copy=exc.signed_copy_at is not None,
        revoked=exc.revoked_at is not None,
        detail=tuple(lines),
    )


_ORDER = {"active": 0, "awaiting signed copy": 1, "not started": 2, "ended": 3, "revoked": 4}


def load_exceptions(staff_id: int, now: dt.datetime) -> list[ExceptionRow]:
    """Every exception, current first (review due first among them), then ended and revoked."""
    from models import exceptions as ex
    from models.auth import require
    from models.clock import local_day

    require(_staff(staff_id), "view_exceptions")
    today = local_day(now)
    rows = [_row(e, today) for e in ex.list_exceptions(today, include_past=True)]
    return sorted(rows, key=lambda r: (_ORDER.get(r.status, 9), not r.due, r.review_on if r.due else "", -r.id))


def do_record(staff_id: int, form, now: dt.datetime) -> tuple[int, str]:
    from models import exceptions as ex

    exc = ex.record(_staff(staff_id), now=now, **form.record_kwargs())
    tail = (
        " Print the agreement (P) for signature: it has effect once the signed copy is back."
        if exc.pupil_id
        else " Print the agreement (P) for signature."
    )
    return exc.id, f"Exception #{exc.id} for {ex.subject_name(exc)} recorded.{tail}"


def do_revoke(exception_id: int, staff_id: int, reason: str, now: dt.datetime) -> tuple[int, str]:
    from models import exceptions as ex

    exc = ex.revoke(exception_id, _staff(staff_id), reason=reason, now=now)
    return exc.id, f"Exception #{exc.id} for {ex.subject_name(exc)} revoked. The record is kept."


def do_review(exception_id: int, staff_id: int, next_review_on: dt.date, now: dt.datetime) -> tuple[int, str]:
    from models import exceptions as ex

    exc = ex.record_review(exception_id, _staff(staff_id), next_review_on=next_review_on, now=now)
    return (
        exc.id,
        f"Review of exception #{exc.id} for {ex.subject_name(exc)} recorded: next review {exc.review_on.isoformat()}.",
    )


def do_signed_copy(exception_id: int, staff_id: int, now: dt.datetime) -> tuple[int, str]:
    from models import exceptions as ex

    exc = ex.mark_signed_copy(exception_id, _staff(staff_id), now=now)
    return exc.id, f"Signed copy of exception #{exc.id} for {ex.subject_name(exc)} recorded as back."


def printer_spec(services):
    """The printer the app's print worker sends to (so the job is picked up)."""
    from printing import PrinterSpec

    spec = services.printer if services.printer is not None else services.settings.printer
    if isinstance(spec, PrinterSpec):
        return spec
    return PrinterSpec.from_url(spec) if isinstance(spec, str) else PrinterSpec.from_config(spec)


def do_print(
    exception_id: int, staff_id: int, spec, school_name: str, headteacher_name: str, now: dt.datetime
) -> tuple[int, str]:
    """Queue the written agreement in the print outbox."""
    from models import exceptions as ex
    from models import outbox
    from models.auth import require
    from models.errors import NotFound
    from models.tables import AgreedException
    from models.tx import write_tx
    from printing import render_for

    staff = _staff(staff_id)
    require(staff, "file_exception_paperwork")
    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise NotFound("There is no such exception.")
    head = "" if headteacher_name.startswith("the ") else headteacher_name
    data = render_for(spec, ex.agreement_document(exc, school_name=school_name, headteacher_name=head))
    with write_tx():
        outbox.enqueue(
            data,
            kind="other",
            printer_url=spec.to_url(),
            ref=f"exception:{exc.id}",
            title=f"Exception agreement #{exc.id}",
            actor=staff,
            now=now,
        )
    return exc.id, f"The agreement for exception #{exc.id} is printing: have it signed and bring the copy back."


# ---------------------------------------------------------------- screen


class ExceptionsScreen(Screen[None]):
    CSS_PATH = "exceptions.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="exceptions.back"),
        Binding("n", "new", "New", id="exceptions.new"),
        Binding("x", "revoke", "Revoke", id="exceptions.revoke"),
        Binding("v", "review", "Reviewed", id="exceptions.review"),
        Binding("s", "signed_copy", "Signed copy back", id="exceptions.signed_copy"),
        Binding("p", "print_agreement", "Print agreement", id="exceptions.print"),
        Binding("f", "next_filter", "Filter", id="exceptions.filter"),
        Binding("f5,r", "refresh_list", "Refresh", id="exceptions.refresh"),
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
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#exceptions", DataTable)
        table.add_columns("#", "For", "Status", "Until", "Kind")
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

    def action_refresh_list(self) -> None:
        call_db(self, "load", load_exceptions, self.who.id, self.app.services.clock.now())

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
                Text(str(r.id)), Text(r.subject), Text(r.status_text), Text(r.ends_on), Text(r.kind_text), key=str(r.id)
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

    def on_db_result(self, result: DbResult) -> None:
        result.stop()
        if result.tag == "load":
            if not result.ok:
                self.say(result.error or "", "error")
                return
            self.rows = result.value
            self.fill()
            if str(self.query_one("#exceptions-message", Static).render()) == "Loading…":
                self.say(self.hint())
        elif result.tag == "act":
            self.busy = False
            if result.ok:
                exception_id, text = result.value
                self.select_id = exception_id
                self.say(text, "ok")
                self.action_refresh_list()
            else:
                self.say(result.error or "", "error")
        elif result.tag == "print":
            self.busy = False
            if result.ok:
                self.say(result.value[1], "ok")
                self.app.print_jobs_added()
            else:
                self.say(result.error or "", "error")

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
        from models.auth import ACTION_WORDS, ROLE_NAMES

        permission = PERMISSION[action]
        if not self.who.may(permission):
            roles = ", ".join(ROLE_NAMES[r] for r in sorted(self.who.roles))
            self.say(f"{self.who.display_name} ({roles}) may not {ACTION_WORDS[permission]}.", "error")
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

    def record(self, tag: str, fn, *args) -> None:
        self.busy = True
        self.say("Recording…")
        call_db(self, tag, fn, *args, self.app.services.clock.now())

    def action_new(self) -> None:
        from kiosk.dialogs.exception_form import ExceptionFormDialog
        from models.clock import local_day

        if self.ready("new", needs_row=False) is None:
            return
        self.app.push_screen(ExceptionFormDialog(local_day(self.app.services.clock.now())), self.after_new)

    def after_new(self, form) -> None:
        if form is None:
            self.say("Cancelled: nothing was recorded.")
        else:
            self.record("act", do_record, self.who.id, form)

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
            self.record("act", do_revoke, row.id, self.who.id, reason)

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
            f"{row.kind_text}, until {row.ends_on}; review was due {row.review_on}.",
            today,
            dt.date.fromisoformat(row.ends_on),
        )
        self.app.push_screen(dialog, lambda when: self.after_review(row, when))

    def after_review(self, row: ExceptionRow, when: dt.date | None) -> None:
        if when is None:
            self.say("Cancelled: nothing was recorded.")
        else:
            self.record("act", do_review, row.id, self.who.id, when)

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
        self.record("act", do_signed_copy, row.id, self.who.id)

    def action_print_agreement(self) -> None:
        if (row := self.ready("print_agreement")) is None:
            return
        services = self.app.services
        self.busy = True
        self.say("Queuing the agreement…")
        call_db(
            self,
            "print",
            do_print,
            row.id,
            self.who.id,
            printer_spec(services),
            services.settings.school_name,
            services.settings.headteacher_name,
            services.clock.now(),
        )
