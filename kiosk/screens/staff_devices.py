"""Staff devices held: a member of staff's own device held for the LADO or the police (online
safety policy 11.3; KCSIE Part 4), newest first. The DSL and the headteacher hold one, give it
back on a recorded decision, hand it to the police and record its return from them; the chair
of governors does so for the headteacher's own device only (the demo's head is also the DSL);
nobody for their own. The domain decides who reads which (``models.custody.staff_device_access``)
and refuses in one line; this screen shows that line and opens the form again with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from kiosk.actions import devices_school
from kiosk.actions.custody import PoliceHandover, PoliceReturn
from kiosk.actions.devices_school import StaffDeviceLine
from kiosk.dialogs.staff_devices import HoldForm
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter, refreshing
from kiosk.widgets.table import Table
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure

# The list fits the screen, never scrolling sideways (80x24 did): the owner and the state are
# capped, "Device" takes what is left, and "Since" drops its year when that is too little; a
# cell too long is cut with "…", and the line under the list says the highlighted device whole.
COLUMNS = (("owner", "Owner"), ("device", "Device"), ("held_for", "Held for"), ("state", "State"), ("since", "Since"))
CAPS = {"owner": 18, "held_for": 8, "state": 17}
MIN_DEVICE = 12
SCROLLBAR = 2  # room for the vertical scrollbar
SHORT_STATE = {"returned": "given back"}  # by stage: "returned to the member of staff" under the list


def state_cell(r: StaffDeviceLine) -> str:
    return SHORT_STATE.get(r.stage, r.state)


def column_widths(rows: list[StaffDeviceLine], total: int, padding: int = 1) -> dict[str, int]:
    """Widths of the list's columns for a table ``total`` cells wide: each as wide as its widest
    cell when all fit; else the owner and the state capped, "Since" without its year (11 cells,
    not 16) when "Device" would have fewer than MIN_DEVICE, and "Device" the rest."""
    values = {
        "owner": [r.owner for r in rows],
        "device": [r.description for r in rows],
        "held_for": [r.held_for for r in rows],
        "state": [state_cell(r) for r in rows],
    }
    labels = dict(COLUMNS)
    natural = {key: max([cell_len(labels[key]), *map(cell_len, cells)]) for key, cells in values.items()}
    natural["since"] = 16
    room = total - 2 * padding * len(COLUMNS) - SCROLLBAR
    if sum(natural.values()) <= room:
        return natural
    widths = {key: min(cap, natural[key]) for key, cap in CAPS.items()}
    left = room - sum(widths.values())
    widths["since"] = 16 if left - 16 >= MIN_DEVICE else 11
    widths["device"] = max(MIN_DEVICE, min(natural["device"], left - widths["since"]))
    return widths


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when cut."""
    if cell_len(text) <= width:
        return text
    cut = ""
    for ch in text:
        if cell_len(cut + ch) > width - 1:
            break
        cut += ch
    return cut + "…"


class StaffDevicesScreen(DbWork, Screen[None]):
    CSS_PATH = "staff_devices.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="staff_devices.back"),
        Binding("f2,h", "hold", "Hold", id="staff_devices.hold"),
        Binding("f3,g", "give_back", "Give back", id="staff_devices.give_back"),
        Binding("f4,p", "police", "To police", id="staff_devices.police"),
        Binding("f6,b", "police_return", "Back from police", id="staff_devices.police_return"),
        Binding("f5,r", "refresh_list(True)", "Refresh", id="staff_devices.refresh"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.rows: list[StaffDeviceLine] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Staff devices held")
        with Vertical(id="staff-devices-body"):
            yield Static("Loading…", id="staff-devices-summary", markup=False)
            yield Table(id="staff-devices", cursor_type="row", zebra_stripes=True)
            yield Static("", id="staff-devices-detail", markup=False)
            yield Static("", id="staff-devices-said", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#staff-devices", DataTable)
        self.set_columns(table, [])
        table.focus()
        self.action_refresh_list()

    def action_refresh_list(self, pressed: bool = False) -> None:
        refreshing(self, pressed)
        self.db(devices_school.staff_device_lines, self.who, then=self.show_rows, latest="rows")

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message)

    def say(self, text: str) -> None:
        self.query_one("#staff-devices-said", Static).update(text)

    def show_rows(self, rows: list[StaffDeviceLine]) -> None:
        table = self.query_one("#staff-devices", DataTable)
        was = self.current()
        keep = next(
            (i for i, r in enumerate(rows) if was is not None and r.device_id == was.device_id), table.cursor_row
        )
        self.rows = rows
        widths = self.set_columns(table, rows)
        since = (lambda t: t) if widths["since"] >= 16 else (lambda t: t[5:])  # "MM-DD HH:MM"
        for i, r in enumerate(rows):
            table.add_row(
                Text(fit(r.owner, widths["owner"])),
                Text(fit(r.description, widths["device"])),
                Text(fit(r.held_for, widths["held_for"])),
                Text(fit(state_cell(r), widths["state"]), style="bold" if r.stage != "returned" else ""),
                Text(since(r.since)),
                key=str(i),
            )
        if rows:
            table.move_cursor(row=min(max(keep, 0), len(rows) - 1))
        self.query_one("#staff-devices-summary", Static).update(devices_school.staff_devices_summary(rows))
        self.show_detail()

    def set_columns(self, table: DataTable, rows: list[StaffDeviceLine]) -> dict[str, int]:
        table.clear(columns=True)
        widths = column_widths(rows, table.size.width or self.app.size.width - 2, table.cell_padding)
        for key, label in COLUMNS:
            table.add_column(label, width=widths[key], key=key)
        return widths

    def on_resize(self) -> None:
        if self.rows:
            self.show_rows(self.rows)

    def current(self) -> StaffDeviceLine | None:
        table = self.query_one("#staff-devices", DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        self.query_one("#staff-devices-detail", Static).update(devices_school.staff_device_detail(self.current()))

    def chosen(self, stage: str, hint: str) -> StaffDeviceLine | None:
        """The highlighted device, if it is at ``stage``; else say ``hint`` and None."""
        r = self.current()
        if r is None or r.stage != stage:
            self.say(hint)
            return None
        return r

    # ------------------------------------------------------------ recording, and refusals

    def record(self, fn: Callable[..., str], *args: Any, form: TwoStepDialog[Any], **kwargs: Any) -> None:
        """Record with ``fn`` in a worker; on a refusal show its line, and ``form`` opens again as
        it was, everything typed, so nothing is lost (kiosk.dialogs.two_step.ask)."""
        then, failed = form.recording(self.done, self.not_done)
        self.db(fn, self.who, *args, now=self.app.services.clock.now(), **kwargs, then=then, failed=failed)

    def done(self, line: str) -> None:
        self.say(line)
        self.action_refresh_list()

    def not_done(self, failure: Failure) -> None:
        self.say(failure.message)
        self.action_refresh_list()

    def cancelled(self) -> None:
        self.say("Cancelled: nothing was recorded.")

    # ------------------------------------------------------------ hold

    def action_hold(self) -> None:
        self.db(devices_school.staff_device_owners, self.who, then=self.ask_hold)

    def ask_hold(self, owners: list[tuple[int, str]]) -> None:
        from kiosk.dialogs.staff_devices import HoldDialog

        dialog = HoldDialog(owners)
        ask(self.app, dialog, lambda form: self.hold(form, dialog))

    def hold(self, form: HoldForm | None, dialog: TwoStepDialog[Any]) -> None:
        if form is None:
            self.cancelled()
            return
        self.record(
            devices_school.hold_staff_device,
            staff_id=form.staff_id,
            pending=form.pending,
            reason=form.reason,
            description=form.description,
            form=dialog,
        )

    # ------------------------------------------------------------ give back

    def action_give_back(self) -> None:
        if (r := self.chosen("held", "Choose a device the school holds (Down/Up), then G.")) is not None:
            self.ask_give_back(r)

    def ask_give_back(self, r: StaffDeviceLine) -> None:
        from kiosk.dialogs.staff_devices import GiveBackDialog

        dialog = GiveBackDialog(r.owner, r.description)
        ask(self.app, dialog, lambda decision: self.give_back(r, decision, dialog))

    def give_back(self, r: StaffDeviceLine, decision: str | None, dialog: TwoStepDialog[Any]) -> None:
        if decision is None:
            self.cancelled()
            return
        self.record(devices_school.return_to_staff, r.device_id, decision=decision, form=dialog)

    # ------------------------------------------------------------ the police

    def action_police(self) -> None:
        if (r := self.chosen("held", "Choose a device the school holds (Down/Up), then P.")) is not None:
            self.ask_police(r)

    def ask_police(self, r: StaffDeviceLine) -> None:
        from kiosk.dialogs.police import PoliceDialog

        now = self.app.services.clock.now()
        dialog = PoliceDialog(r.owner, now, latest=r.latest, thing="device")
        ask(self.app, dialog, lambda handover: self.to_police(r, handover, dialog))

    def to_police(self, r: StaffDeviceLine, handover: PoliceHandover | None, dialog: TwoStepDialog[Any]) -> None:
        if handover is None:
            self.cancelled()
            return
        self.record(
            devices_school.staff_device_to_police,
            r.device_id,
            officer_name=handover.officer_name,
            officer_number=handover.officer_number,
            force_reference=handover.force_reference,
            handed_at=handover.handed_at,
            form=dialog,
        )

    def action_police_return(self) -> None:
        if (r := self.chosen("police", "Choose a device that is with the police (Down/Up), then B.")) is not None:
            self.ask_police_return(r)

    def ask_police_return(self, r: StaffDeviceLine) -> None:
        from kiosk.dialogs.police import PoliceReturnDialog

        dialog = PoliceReturnDialog(
            r.owner,
            self.app.services.clock.now(),
            latest=r.latest,
            reference=r.police_reference,
            thing="device",
            meaning=devices_school.STAFF_RETURN_MEANING,
            after=devices_school.STAFF_RETURN_AFTER,
        )
        ask(self.app, dialog, lambda back: self.police_return(r, back, dialog))

    def police_return(self, r: StaffDeviceLine, back: PoliceReturn | None, dialog: TwoStepDialog[Any]) -> None:
        if back is None:
            self.cancelled()
            return
        self.record(
            devices_school.staff_device_from_police,
            r.device_id,
            officer=back.officer,
            reference=back.reference,
            next_steps=back.next_steps,
            returned_at=back.returned_at,
            form=dialog,
        )
