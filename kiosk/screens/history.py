"""Phone history and safeguarding: find a phone, see its chain of custody, act on it.

Find a phone by scanning (or typing) its label code, or by typing part of a pupil's
name. The screen shows the pupil, their class, where the phone is now and every
custody event, oldest first, reversals included. The actions on the shown phone are
key bindings offered only to the roles allowed to take them; each opens its dialog,
asks for confirmation, and is then recorded by the domain function in a thread
worker, which checks every rule again. A refusal is shown as its one-line message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.session import SignedIn
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbResult, call_db

# Screen action -> the permission it needs (models.auth.PERMISSIONS).
PERMISSION = {
    "confiscate": "confiscate",
    "search": "search",
    "police": "police",
    "release_contact": "release_to_contact",
}
# The action keys, for saying why one that is not offered was refused.
ACTION_KEYS = {"f2": "undo", "f4": "release_contact", "f6": "confiscate", "f7": "search", "f8": "police"}
FIND_HINT = "Find a phone first: scan its label (or type the code and press Enter), or type a pupil's name."


@dataclass(frozen=True)
class PhoneView:
    """Everything the screen shows about one phone (plain data, built in a worker)."""

    device_id: int
    code: str
    description: str
    owner: str
    class_name: str
    admission_no: str
    state: str
    state_text: str
    chain: tuple[str, ...]  # oldest first
    undo: tuple[int, str] | None  # the latest action that can be reversed: (event id, line)
    contacts: tuple[tuple[int, str], ...]  # listed contacts (search consent)
    collectors: tuple[tuple[int, str], ...]  # listed contacts who may collect (release)
    refusals: dict[str, str] = field(default_factory=dict)  # action -> why it cannot be done now
    latest: tuple[dt.datetime, str] | None = None  # the latest event's time (naive UTC) and kind
    slot: str = ""  # where the school holds it now, e.g. "B-01"
    note: str = ""  # shown on opening, e.g. why a retired label's phone is read-only


# ---------------------------------------------------------------- worker functions (plain data)


def _visitor_owner(device_id: int) -> str:
    """A visitor's phone is shown with the visitor's name."""
    from models.visitors import names_for_devices

    name = names_for_devices([device_id]).get(device_id)
    return f"{name} (visitor)" if name else "Visitor"


def _contact_label(contact) -> str:
    return f"{contact.name} ({contact.relationship})" if contact.relationship else contact.name


def _refusal(check) -> str | None:
    from models.errors import KioskError

    try:
        check()
    except KioskError as exc:
        return str(exc)
    return None


def load_phone(staff_id: int, code: str | None = None, device_id: int | None = None) -> PhoneView:
    """A phone, found by label code or device id, with its chain of custody."""
    from models import custody
    from models.auth import require
    from models.clock import local_from_utc_naive
    from models.devices import current_label, resolve, retired_label_device
    from models.errors import NotFound, RevokedCode, RuleViolation
    from models.people import contacts_of
    from models.tables import Device, Staff
    from models.trays import slot_name

    read_only = ""
    if code is not None:
        try:
            device = resolve(code).device
        except RevokedCode:
            retired = retired_label_device(code)
            if retired is None:
                raise
            device, why = retired
            read_only = f"{why} Its history, read-only."
    else:
        device = Device.get_or_none(Device.id == device_id)
        if device is None:
            raise NotFound("There is no such phone.")
    staff = Staff.get_by_id(staff_id)
    pupil = device.pupil if device.pupil_id else None
    class_id = pupil.school_class_id if pupil else None
    label = current_label(device)
    row = custody.state_of(device.id)
    cur = custody.Custody(row.state, row.tray_id, row.slot_no)
    slot = slot_name(row.tray.name, row.slot_no) if row.tray_id and row.slot_no else ""
    state_text = custody.STATE_WORDS.get(row.state, row.state).capitalize()
    if slot:
        state_text += f", slot {slot}"
    if row.since:
        state_text += f" (since {local_from_utc_naive(row.since)})"

    events = custody.history(device.id)
    undone_by = {e.reverses_id: e.id for e in events if e.reverses_id}
    chain = tuple(
        f"#{e.id}  {custody.describe_event(e)}" + (f"  [undone by #{undone_by[e.id]}]" if e.id in undone_by else "")
        for e in events
    )
    try:
        stack = custody.replay(events).undo_stack
        broken = ""
    except custody.LedgerError:  # edited outside the kiosk: still show the chain, but undo nothing
        stack, broken = (), "This phone's ledger does not replay: ask an admin to run kiosk audit verify."
    undo = None
    if stack:
        target = next(e for e in events if e.id == stack[-1][0])
        undo = (target.id, f"#{target.id}  {custody.describe_event(target)}")

    listed = contacts_of(pupil.id) if pupil else []
    contacts = tuple((c.id, _contact_label(c)) for c in listed)
    collectors = tuple((c.id, _contact_label(c)) for c in listed if c.can_collect)

    def allowed(permission: str, kind: str):
        def check() -> None:
            require(staff, permission, school_class_id=class_id)
            custody.step(cur, kind)

        return check

    def release_check() -> None:
        allowed("release_to_contact", custody.RELEASED_TO_CONTACT)()
        if pupil is None:
            raise RuleViolation("This phone does not belong to a pupil.")
        if not collectors:
            raise RuleViolation(
                f"No parent or carer who may collect is listed for {pupil.full_name}: "
                "the phone cannot be released until one is added to the school's records."
            )

    def undo_check() -> None:
        if broken:
            raise RuleViolation(broken)
        if undo is None:
            raise RuleViolation("Nothing to undo: no action on this phone is left to reverse.")
        custody.check_undo(staff, next(e for e in events if e.id == stack[-1][0]))  # the domain's own rule

    refusals = {
        "confiscate": _refusal(allowed("confiscate", custody.CONFISCATED_EV)),
        "search": _refusal(allowed("search", custody.SEARCHED)),
        "police": _refusal(allowed("police", custody.POLICE_EV)),
        "release_contact": _refusal(release_check),
        "undo": _refusal(undo_check),
    }
    if read_only:  # a retired label records nothing: every action refused, none offered
        refusals = dict.fromkeys(refusals, read_only)
    return PhoneView(
        device_id=device.id,
        code=label.code if label else "",
        description=device.description or "phone",
        owner=pupil.full_name if pupil else _visitor_owner(device.id),
        class_name=pupil.school_class.name if pupil else "",
        admission_no=pupil.admission_no if pupil else "",
        state=row.state,
        state_text=state_text,
        chain=chain,
        undo=undo,
        contacts=contacts,
        collectors=collectors,
        refusals={k: v for k, v in refusals.items() if v is not None},
        latest=(events[-1].at, events[-1].kind) if events else None,
        slot=slot,
        note=read_only,
    )


def find_by_name(text: str) -> tuple[str, list[tuple[int | None, str]]]:
    """Pupils matching ``text`` and their phones: (device id or None, line) for each."""
    from models import custody
    from models.devices import current_label
    from models.people import find_pupils
    from models.tables import Device

    found: list[tuple[int | None, str]] = []
    for pupil in find_pupils(text):
        who = f"{pupil.full_name} · {pupil.school_class.name} · {pupil.admission_no}"
        devices = list(Device.select().where(Device.pupil == pupil.id).order_by(Device.id))
        if not devices:
            found.append((None, f"{who} · no phone registered"))
        for device in devices:
            label = current_label(device)
            state = custody.STATE_WORDS.get(custody.state_of(device.id).state, "")
            found.append(
                (
                    device.id,
                    f"{who} · {device.description or 'phone'} {label.code if label else '(no label)'} · {state}",
                )
            )
    return text, found


def _staff(staff_id: int):
    from models.tables import Staff

    return Staff.get_by_id(staff_id)


def _owner(device_id: int) -> str:
    from models.tables import Device

    device = Device.get_by_id(device_id)
    return device.pupil.full_name if device.pupil_id else _visitor_owner(device_id)


def _slot_of(event) -> str:
    from models.tables import Tray
    from models.trays import slot_name

    return slot_name(Tray.get_by_id(event.tray_id).name, event.slot_no) if event.tray_id and event.slot_no else ""


def do_confiscate(device_id: int, staff_id: int, confiscation, now) -> str:
    from models import custody

    event = custody.confiscate(
        device_id, _staff(staff_id), reason=confiscation.reason, policy=confiscation.policy, now=now
    )
    slot = _slot_of(event)
    return f"Confiscated {_owner(device_id)}'s phone: keep it in slot {slot}." if slot else "Confiscated."


def do_search(device_id: int, staff_id: int, record, now) -> str:
    from models import custody

    custody.record_search(
        device_id,
        _staff(staff_id),
        consent_by=record.consent_by,
        consent_contact_id=record.consent_contact_id,
        witness=record.witness,
        grounds=record.grounds,
        outcome=record.outcome,
        parents_informed_at=record.parents_informed_at,
        parents_informed_how=record.parents_informed_how,
        now=now,
    )
    done = f"Recorded the search of {_owner(device_id)}'s phone."
    if record.outcome == "passed_to_police":
        return f"{done} Record the hand-over with F8 when the police take the phone."
    return done


def do_police(device_id: int, staff_id: int, handover, now) -> str:
    from models import custody

    custody.hand_to_police(
        device_id,
        _staff(staff_id),
        officer=handover.officer,
        force_reference=handover.force_reference,
        handed_at=handover.handed_at,
        now=now,
    )
    return f"{_owner(device_id)}'s phone handed to the police, reference {handover.force_reference}. This is final."


def do_release(device_id: int, staff_id: int, contact_id: int, now) -> str:
    from models import custody
    from models.tables import Contact

    custody.release_to_contact(device_id, _staff(staff_id), contact_id=contact_id, id_seen=True, now=now)
    return f"{_owner(device_id)}'s phone released to {_contact_label(Contact.get_by_id(contact_id))}, ID seen."


def do_undo(event_id: int, staff_id: int, reason: str, now) -> str:
    from models import custody

    event = custody.reverse(event_id, _staff(staff_id), reason=reason, now=now)
    return f"Undone on {_owner(event.device_id)}'s phone: event #{event_id} is reversed by #{event.id}."


def confiscation_meaning(view: PhoneView) -> str:
    """What confiscating this phone does, in plain words, for the form to show first."""
    from models import custody

    if view.state == custody.IN_TRAY:
        where = f"in slot {view.slot}" if view.slot else "in the tray"
        return (
            f"This phone is {where}. Confiscating it keeps it in the office until a listed parent or carer "
            f"collects it: it will not go back to {view.owner} at the end of the day."
        )
    return (
        f"This phone is with {view.owner}. Confiscating it means taking it now: the office keeps it in a slot "
        "until a listed parent or carer collects it."
    )


# ---------------------------------------------------------------- screen


class HistoryScreen(Screen[None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="history.back"),
        Binding("f2", "undo", "Undo latest", id="history.undo"),
        Binding("f4", "release_contact", "Release to parent", id="history.release_contact"),
        Binding("f6", "confiscate", "Confiscate", id="history.confiscate"),
        Binding("f7", "search", "Search", id="history.search"),
        Binding("f8", "police", "To police", id="history.police"),
        # The scan field keeps Tab when the scanner's terminator is Tab: F5 reaches the name search.
        Binding("f5", "find_name", "Name search", id="history.find_name", show=False),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.view: PhoneView | None = None
        self.load_seq = 0  # only the latest lookup's answer is shown
        self.clear_message_on_load = True
        self.busy = False  # an action is being recorded, or the phone reloaded after it
        self.again = None  # reopens the last form with what was typed, if it is refused for its time

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar("Phone history and safeguarding")
        with Vertical(id="history-body"):
            with Horizontal(id="history-find"):
                yield ScanInput(
                    id="history-scan",
                    placeholder="Scan a label, or type its code and press Enter",
                    terminators=self.terminators(),
                )
                yield Input(id="history-name", placeholder="…or type a pupil's name (F5)", max_length=60)
            yield OptionList(id="history-results", markup=False)
            yield Static(FIND_HINT, id="history-message", markup=False)
            with Vertical(id="history-phone"):
                yield Static("", id="history-pupil", markup=False)
                yield Static("", id="history-state", markup=False)
            yield Static("Chain of custody (oldest first)", id="history-chain-title")
            with VerticalScroll(id="history-chain-box"):
                yield Static("", id="history-chain", markup=False)
        yield Footer()

    def terminators(self) -> tuple[str, ...]:
        return ("tab",) if self.app.services.settings.scanner_terminator == "tab" else ("enter",)

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = self.app.cursor_blink
        self.query_one("#history-chain-box").can_focus = False
        self.query_one("#history-scan", ScanInput).focus()

    # ------------------------------------------------------------ bindings

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = PERMISSION.get(action)
        if permission is not None and not self.who.may(permission):
            return False  # not this role's action: not offered at all
        if self.view is not None and action in self.view.refusals:
            return False  # the domain would refuse it (state, whose action, nothing left): not offered
        if permission is not None or action == "undo":
            return True if self.view is not None else None  # greyed out until a phone is shown
        return True

    # ------------------------------------------------------------ messages

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#history-message", Static)
        message.update(text)
        message.set_classes(kind)

    def show(self, view: PhoneView | None) -> None:
        self.view = view
        phone = self.query_one("#history-phone")
        if view is None:
            self.query_one("#history-pupil", Static).update("")
            self.query_one("#history-state", Static).update("")
            self.query_one("#history-chain", Static).update("")
            phone.set_classes("")
        else:
            parts = [view.owner]
            if view.class_name:
                parts.append(view.class_name)
            if view.admission_no:
                parts.append(f"admission no. {view.admission_no}")
            parts.append(f"{view.description} {view.code or '(no current label)'}")
            self.query_one("#history-pupil", Static).update(" · ".join(parts))
            self.query_one("#history-state", Static).update(f"Now: {view.state_text}")
            self.query_one("#history-chain", Static).update(
                "\n".join(view.chain) if view.chain else "Nothing has been recorded for this phone yet."
            )
            phone.set_classes(f"state-{view.state}")
            self.query_one("#history-chain-box", VerticalScroll).scroll_end(animate=False)
        self.refresh_bindings()

    # ------------------------------------------------------------ finding a phone

    def load(self, *, code: str | None = None, device_id: int | None = None, keep_message: bool = False) -> None:
        self.load_seq += 1
        self.clear_message_on_load = not keep_message
        call_db(self, f"load:{self.load_seq}", load_phone, self.who.id, code, device_id)

    def on_scan_input_scanned(self, message: ScanInput.Scanned) -> None:
        message.stop()
        self.show(None)  # never leave another phone's actions on screen while looking
        self.say("Looking up…")
        self.load(code=message.text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "history-name":
            return
        event.stop()
        if len(event.value.strip()) >= 2:
            call_db(self, "find", find_by_name, event.value)
        else:
            self.set_results([])

    def set_results(self, found: list[tuple[int | None, str]]) -> None:
        options = self.query_one("#history-results", OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(line, id=None if device_id is None else str(device_id), disabled=device_id is None)
                for device_id, line in found
            ]
        )
        options.set_class(bool(found), "shown")
        first = next((i for i, (device_id, _) in enumerate(found) if device_id is not None), None)
        options.highlighted = first

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "history-name":
            return
        event.stop()
        options = self.query_one("#history-results", OptionList)
        if options.highlighted is not None and options.option_count:
            self.open_option(options.get_option_at_index(options.highlighted))

    def on_key(self, event) -> None:
        action = ACTION_KEYS.get(event.key)
        if action is not None and self.view is not None and action in self.view.refusals:
            event.stop()  # not offered here; pressed anyway, it says why
            self.say(self.view.refusals[action], "error")
            return
        options = self.query_one("#history-results", OptionList)
        if (
            self.focused is not None
            and self.focused.id == "history-name"
            and event.key in ("down", "up")
            and options.option_count
        ):
            event.stop()
            options.action_cursor_down() if event.key == "down" else options.action_cursor_up()

    def action_find_name(self) -> None:
        self.query_one("#history-name", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_option(event.option)

    def open_option(self, option: Option) -> None:
        if option.id is None or option.disabled:
            return
        self.set_results([])
        self.query_one("#history-name", Input).value = ""
        self.show(None)
        self.say("Looking up…")
        self.load(device_id=int(option.id))
        self.query_one("#history-scan", ScanInput).focus()

    # ------------------------------------------------------------ worker results

    def on_db_result(self, result: DbResult) -> None:
        result.stop()
        if result.tag.startswith("load:"):
            if int(result.tag.removeprefix("load:")) != self.load_seq:
                return  # a later lookup has been asked for
            self.busy = False
            if result.ok:
                self.show(result.value)
                if result.value.note:
                    self.say(result.value.note)
                elif self.clear_message_on_load:
                    self.say("")
            else:
                self.show(None)
                self.say(result.error or "", "error")
        elif result.tag == "find":
            if not result.ok:
                self.say(result.error or "", "error")
                return
            text, found = result.value
            if text != self.query_one("#history-name", Input).value:
                return  # typed on since: a newer search is on its way
            self.set_results(found)
            if not found:
                self.say(f"No pupil found for {text.strip()!r}.", "error")
            elif self.view is None:
                self.say("Down/Up to choose, Enter to open.")
        elif result.tag == "act":
            from models.custody import OutOfOrder

            self.say(result.value if result.ok else (result.error or ""), "ok" if result.ok else "error")
            again, self.again = self.again, None
            if again is not None and isinstance(result.exc, OutOfOrder):
                again(result.error or "")
            if self.view is not None:  # show what the ledger now says (busy until then)
                self.load(device_id=self.view.device_id, keep_message=True)
            else:
                self.busy = False

    # ------------------------------------------------------------ actions

    def ready(self, action: str) -> PhoneView | None:
        """The shown phone if ``action`` may be taken on it now; otherwise say why not."""
        if self.view is None:
            self.say(FIND_HINT, "error")
            return None
        if self.busy:
            self.say("Still recording the last action: wait a moment.", "error")
            return None
        refusal = self.view.refusals.get(action)
        if refusal:
            self.say(refusal, "error")
            return None
        return self.view

    def record(self, fn, *args) -> None:
        self.busy = True
        self.say("Recording…")
        call_db(self, "act", fn, *args, self.app.services.clock.now())

    def cancelled(self) -> None:
        self.say("Cancelled: nothing was recorded.")

    def action_confiscate(self) -> None:
        from kiosk.dialogs.confiscate import ConfiscateDialog

        if (view := self.ready("confiscate")) is None:
            return
        self.app.push_screen(
            ConfiscateDialog(view.owner, where=confiscation_meaning(view)), lambda c: self.after_confiscate(view, c)
        )

    def after_confiscate(self, view: PhoneView, confiscation) -> None:
        if confiscation is None:
            self.cancelled()
        else:
            self.record(do_confiscate, view.device_id, self.who.id, confiscation)

    def action_search(self) -> None:
        from kiosk.dialogs.search import SearchDialog

        if (view := self.ready("search")) is None:
            return
        dialog = SearchDialog(view.owner, list(view.contacts), self.who.display_name, self.app.services.clock.now())
        self.app.push_screen(dialog, lambda r: self.after_search(view, r))

    def after_search(self, view: PhoneView, record) -> None:
        if record is None:
            self.cancelled()
        else:
            self.record(do_search, view.device_id, self.who.id, record)

    def action_police(self) -> None:
        if (view := self.ready("police")) is None:
            return
        self.police_form(view)

    def after_police(self, view: PhoneView, handover) -> None:
        if handover is None:
            self.cancelled()
        else:
            # Refused for its time (something was recorded for the phone meanwhile): the
            # form opens again with everything typed, and the refusal on the time.
            self.again = lambda error: self.police_form(view, typed=handover, error=error)
            self.record(do_police, view.device_id, self.who.id, handover)

    def police_form(self, view: PhoneView, *, typed=None, error: str = "") -> None:
        from kiosk.dialogs.police import PoliceDialog

        dialog = PoliceDialog(view.owner, self.app.services.clock.now(), latest=view.latest, typed=typed, error=error)
        self.app.push_screen(dialog, lambda h: self.after_police(view, h))

    def action_release_contact(self) -> None:
        from kiosk.dialogs.release_contact import ReleaseToContactDialog

        if (view := self.ready("release_contact")) is None:
            return
        dialog = ReleaseToContactDialog(view.owner, list(view.collectors))
        self.app.push_screen(dialog, lambda c: self.after_release(view, c))

    def after_release(self, view: PhoneView, contact_id: int | None) -> None:
        if contact_id is None:
            self.cancelled()
        else:
            self.record(do_release, view.device_id, self.who.id, contact_id)

    def action_undo(self) -> None:
        from kiosk.dialogs.reason import ReasonDialog

        if (view := self.ready("undo")) is None or view.undo is None:
            return
        event_id, line = view.undo
        dialog = ReasonDialog(f"Undo the latest action on {view.owner}'s phone", line)
        self.app.push_screen(dialog, lambda reason: self.after_undo(view, event_id, reason))

    def after_undo(self, view: PhoneView, event_id: int, reason: str | None) -> None:
        if not reason:
            self.cancelled()
        else:
            self.record(do_undo, event_id, self.who.id, reason)
