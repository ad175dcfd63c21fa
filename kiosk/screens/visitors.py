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
row's visitor's device use · F7 print the fire roll call · F8 retry printing now ·
F5 refresh · Tab between the scan field and the list · Esc back. Actions a role may
not take are not offered; the domain checks again.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from kiosk.actions.visitors import StaffSignIn, device_rules
from kiosk.dialogs.visitor_concern import VisitorConcernDialog
from kiosk.dialogs.visitor_sign_in import VisitorSignInDialog
from kiosk.session import SignedIn
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbResult, call_db

# Screen action -> the permission it needs (models.auth.PERMISSIONS).
PERMISSION = {
    "sign_in": "visitors",
    "phone": "visitors",
    "roll_call": "visitors",
    "reprint": "print",
    "retry": "print",
    "concern": "raise_concern",
}
PHONE_SHORT = {"tray": "handed in", "car_or_off": "car / off", "exception": "exception"}
FLAG_MARK = "STILL IN"
LEFT_MARK = "LEFT"  # signed out; their phone is still to return


# ---------------------------------------------------------------- worker functions (plain data)


def _staff(staff_id: int, permission: str = "visitors"):
    from models.auth import require
    from models.tables import Staff

    staff = Staff.get_by_id(staff_id)
    require(staff, permission)
    return staff


def _load(staff_id: int, settings, printer, now) -> dict:
    from models import outbox, visitors

    _staff(staff_id)
    return {"rows": visitors.office_list(settings, now), "printer": outbox.printer_status(printer).line()}


def _printer_line(printer) -> str:
    from models import outbox

    return outbox.printer_status(printer).line()


def _sign_in(staff_id: int, settings, rules, s: StaffSignIn, now) -> str:
    from models import visitors

    d = s.details
    done = visitors.sign_in(
        settings=settings,
        rules=rules,
        rules_accepted=s.rules_accepted,
        name=d.name,
        organisation=d.organisation,
        visitor_type=d.visitor_type,
        purpose=d.purpose,
        visiting=d.visiting,
        phone=s.phone,
        car_reg=d.car_reg or None,
        actor=_staff(staff_id),
        id_seen=s.id_seen,
        dbs_assured=s.dbs_assured,
        dbs_confirmed_by=s.dbs_confirmed_by or None,
        supervised=s.supervised,
        visitor_id=d.visitor_id,
        now=now,
    )
    return done.line() + " The slip is printing."


def _sign_out(staff_id: int, now, slip_code: str | None = None, visit_id: int | None = None, left_at=None) -> str:
    from models import visitors

    return visitors.sign_out(
        slip_code=slip_code, visit_id=visit_id, actor=_staff(staff_id), left_at=left_at, now=now
    ).line()


def _scan(staff_id: int, settings, now, code: str) -> dict:
    """A code scanned at the visitors screen: a V label (receive / return the phone) or a slip (sign out).

    A slip of a visit from an earlier day signs nobody out here: the screen asks for
    the time they left first (``{"ask": ...}``).
    """
    from models import codes, visitors
    from models.errors import InvalidCode

    staff = _staff(staff_id)
    try:
        prefix = codes.normalise(code)[0]
    except InvalidCode:
        raise InvalidCode(
            "That is not a visitor's slip or phone label: scan the QR code on the slip, or the V label on the phone."
        ) from None
    if prefix == codes.VISITOR_PREFIX:
        return {"line": visitors.phone_action(code=code, actor=staff, now=now).line()}
    if prefix == codes.PUPIL_PREFIX:
        raise InvalidCode(
            f"{codes.normalise(code)} is a pupil's phone label: use Hand in or Release for pupils' phones."
        )
    visit = visitors.find_by_slip_code(code)
    if visit.signed_out_at is None and visitors.is_earlier_day(visit, now, settings.tz):
        return {"ask": (visit.id, visit.name, visit.signed_in_at)}
    return {"line": visitors.sign_out(slip_code=code, actor=staff, now=now).line()}


def _phone(staff_id: int, visit_id: int, now) -> str:
    from models import visitors

    return visitors.phone_action(visit_id=visit_id, actor=_staff(staff_id), now=now).line()


def _confirm_exception(staff_id: int, visit_id: int, now) -> str:
    from models import visitors

    visit = visitors.confirm_exception(visit_id, actor=_staff(staff_id), id_seen=True, now=now)
    return f"Exception confirmed for {visit.name}, ID seen: they may use their phone as it allows."


def _roll_call(staff_id: int, settings, now) -> str:
    from models import visitors

    _staff(staff_id)
    n = len(visitors.on_site(settings, now))
    visitors.print_roll_call(settings, actor=_staff(staff_id), now=now)
    return f"Fire roll call sent to the printer: {n} visitor{'' if n == 1 else 's'} on site."


def _reprint(staff_id: int, visit_id: int, name: str, now) -> str:
    from models import visitors

    visitors.reprint_slip(visit_id, actor=_staff(staff_id, "print"), now=now)
    return f"Reprinting {name}'s slip."


def _retry(staff_id: int, now) -> str:
    from models import outbox

    n = outbox.retry_now(actor=_staff(staff_id, "print"), now=now)
    if not n:
        return "No print jobs are waiting."
    return f"Trying the printer again now: {n} job{'' if n == 1 else 's'} waiting."


def _concern(staff_id: int, visit_id: int, name: str, what: str, now) -> str:
    from models.concerns import raise_concern

    raise_concern(_staff(staff_id, "raise_concern"), about_kind="visitor", visit_id=visit_id, what=what, now=now)
    return f"Concern about {name}'s device use recorded for the DSL."


# Column caps, so that one long name never pushes "In at", "Phone" and "Supervised" off an
# 80-column screen, and the whole row fits at 110 (the full name is in the visitor's dialog).
NAME_CAP, ORG_CAP = 24, 20


def _cap(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class VisitorsScreen(Screen[None]):
    CSS_PATH = "visitors.tcss"
    AUTO_FOCUS = "#visitors-scan"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="visitors.back"),
        Binding("f2", "sign_in", "Sign in", id="visitors.sign_in"),
        Binding("f3", "phone", "Phone", id="visitors.phone"),
        Binding("f4", "reprint", "Reprint slip", id="visitors.reprint"),
        Binding("f5", "refresh_list", "Refresh", id="visitors.refresh"),
        Binding("f6", "concern", "Concern", id="visitors.concern"),
        Binding("f7", "roll_call", "Roll call", id="visitors.roll_call"),
        Binding("f8", "retry", "Retry printer", id="visitors.retry"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list = []  # models.visitors.OnSiteRow, in table order
        self.rules = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Visitors")
        with Vertical(id="visitors-body"):
            yield Static("Loading…", id="visitors-summary", markup=False)
            yield Static("", id="visitors-printer", markup=False)
            yield ScanInput(
                id="visitors-scan",
                placeholder="Scan a slip to sign out, or a V label to receive or return a phone",
                terminators=self._terminators(),
            )
            yield Table(id="visitors-list", cursor_type="row", zebra_stripes=True)
            yield Static("", id="visitors-message", markup=False)
        yield Footer()

    def _terminators(self) -> tuple[str, ...]:
        return ("tab",) if self.app.services.settings.scanner_terminator == "tab" else ("enter",)

    def on_mount(self) -> None:
        self.query_one("#visitors-list", DataTable).add_columns(
            "Flag", "Badge", "Name", "In at", "Phone", "Supervised", "Organisation", "Type"
        )
        self.action_refresh_list()
        call_db(self, "rules", device_rules, self.app.services.settings)
        self.set_interval(5.0, self.refresh_printer, name="visitors-printer")

    def on_screen_resume(self) -> None:
        self.action_refresh_list()

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

    def action_refresh_list(self) -> None:
        call_db(self, "load", _load, self.who.id, self.app.services.settings, self.printer, self.now())

    def refresh_printer(self) -> None:
        call_db(self, "printer", _printer_line, self.printer)

    def show_rows(self, rows: list) -> None:
        from models.clock import to_local

        tz = self.app.services.settings.tz
        table = self.query_one("#visitors-list", DataTable)
        # Keep the cursor on the same visitor across a refresh (after a dialog, a reprint…).
        was = table.cursor_row
        keep = self.rows[was].visit_id if self.rows and 0 <= was < len(self.rows) else None
        table.clear()
        self.rows = rows
        for r in rows:
            phone = r.phone_words
            org = _cap(r.organisation, ORG_CAP)
            mark = (
                Text(LEFT_MARK, style="bold")
                if r.signed_out
                else (Text(FLAG_MARK, style="bold") if r.flagged else Text(""))
            )
            when = to_local(r.signed_in_at, tz)
            table.add_row(  # what the office acts on first; organisation and type last
                mark,
                Text(r.badge_number),
                Text(_cap(r.name, NAME_CAP)),
                Text(when.strftime("%a %d %b %H:%M") if r.earlier_day else when.strftime("%H:%M")),
                Text(phone),
                Text("supervised" if r.supervised else "unsupervised"),
                Text(org),
                Text(r.type_name),
                key=str(r.visit_id),
            )
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
        self.app.push_screen(VisitorSignInDialog(self.app.services.settings, self.rules.version), self.signed_in)

    def signed_in(self, result: StaffSignIn | None) -> None:
        if result is None:
            self.say("Nobody was signed in.")
            return
        self.say("Signing in…")
        call_db(self, "sign-in", _sign_in, self.who.id, self.app.services.settings, self.rules, result, self.now())

    def on_scan_input_scanned(self, event: ScanInput.Scanned) -> None:
        event.stop()
        call_db(self, "scan", _scan, self.who.id, self.app.services.settings, self.now(), event.text)

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
            call_db(
                self, "sign-out", _sign_out, self.who.id, self.now(), visit_id=visit_id, left_at=local_to_utc(left, tz)
            )

        self.app.push_screen(LeftAtDialog(name, signed_in, now), answered)

    def action_phone(self) -> None:
        """The row's phone: receive it, return it, or confirm an organisation's exception (ID seen)."""
        row = self.selected()
        if row is None:
            return
        from kiosk.dialogs.confirm import ConfirmDialog
        from models.visitors import EXCEPTION_PENDING, PENDING

        if row.slot:
            question, detail, yes = (
                f"Return {row.name}'s phone from {row.place}?",
                "Give it back to them now: it is recorded as returned by you.",
                "Returned",
            )
            work = _phone
        elif row.phone_state == PENDING:
            question, detail, yes = (
                f"Receive {row.name}'s phone?",
                "Take it now and stick its V label on it: it is recorded as received by you, "
                "and the screen names its slot.",
                "Received",
            )
            work = _phone
        elif row.phone_choice == EXCEPTION_PENDING:
            question, detail, yes = (
                f"Confirm {row.name}'s exception ({row.organisation})?",
                "Check their photo ID first: it is recorded as seen by you.",
                "ID seen",
            )
            work = _confirm_exception
        else:
            self.say(f"{row.name}'s phone: {row.phone_words}. Nothing for the office to take or give back.")
            return

        def answered(yes_: bool | None) -> None:
            if yes_:
                call_db(self, "phone", work, self.who.id, row.visit_id, self.now())
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
        from models.visitors import PENDING

        phone = f" Their phone in {row.place} is returned to them, recorded by you." if row.slot else ""
        if row.phone_state == PENDING:
            phone = " They said they would hand their phone in, but the office never received it."
        question = f"Sign out {row.name} (badge {row.badge_number})?"

        def answered(yes: bool | None) -> None:
            if yes:
                call_db(self, "sign-out", _sign_out, self.who.id, self.now(), visit_id=visit_id)
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
            call_db(self, "print", _reprint, self.who.id, row.visit_id, row.name, self.now())

    def action_roll_call(self) -> None:
        call_db(self, "print", _roll_call, self.who.id, self.app.services.settings, self.now())

    def action_retry(self) -> None:
        call_db(self, "print", _retry, self.who.id, self.now())

    def action_concern(self) -> None:
        row = self.selected()
        if row is None:
            return

        def record(what: str | None) -> None:
            if what is None:
                self.say("No concern was recorded.")
                return
            call_db(self, "concern", _concern, self.who.id, row.visit_id, row.name, what, self.now())

        self.app.push_screen(VisitorConcernDialog(row.name), record)

    # ------------------------------------------------------------ results

    def on_db_result(self, result: DbResult) -> None:
        tag = result.tag
        if tag == "rules":
            if result.ok:
                self.rules = result.value
            else:
                self.say(result.error or "")
            return
        if tag == "printer":
            if result.ok:
                self.query_one("#visitors-printer", Static).update(result.value)
            return
        if tag == "load":
            if not result.ok:
                self.query_one("#visitors-summary", Static).update(result.error or "")
                return
            self.show_rows(result.value["rows"])
            self.query_one("#visitors-printer", Static).update(result.value["printer"])
            return
        if not result.ok:
            self.say(result.error or "")
            return
        if tag == "scan":
            if "ask" in result.value:
                self.ask_left_at(*result.value["ask"])
                return
            self.say(result.value["line"])
            self.action_refresh_list()
            return
        self.say(result.value)
        if tag in ("sign-in", "print"):
            self.app.print_jobs_added()
        self.action_refresh_list()
