"""Phone history and safeguarding: find a phone, see its chain of custody, act on it.

Find a phone by scanning (or typing) its label code, or by typing part of a pupil's
name. The screen shows the pupil, their class, where the phone is now and every
custody event, oldest first, reversals included. The actions on the shown phone are
key bindings offered only to the roles allowed to take them; each opens its dialog,
asks for confirmation, and is then recorded by the domain function in a thread
worker, which checks every rule again. A refusal is shown as its one-line message.

Each action is declared once, in :data:`ACTIONS`: its key, the permission it needs, the
dialog it opens and the use case (``kiosk.actions.custody``) that records the answer.
:meth:`HistoryScreen.action_phone` opens the dialog and :meth:`HistoryScreen.answered`
records what it returns. A two-step form whose answer the ledger refuses on Confirm (something
recorded meanwhile) opens again exactly as it was, with the refusal at the field to put right
(``kiosk.dialogs.two_step.ask``), as every two-step form does wherever it is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.actions import custody as act
from kiosk.actions import parents as act_parents
from kiosk.actions.custody import PhoneView, confiscation_meaning
from kiosk.dialogs.confiscate import ConfiscateDialog
from kiosk.dialogs.dsl_decision import DslDecisionDialog
from kiosk.dialogs.parents_informed import ParentsInformedDialog
from kiosk.dialogs.police import PoliceContactDialog, PoliceDialog, PoliceReturnDialog
from kiosk.dialogs.reason import ReasonDialog
from kiosk.dialogs.release_contact import ReleaseToContactDialog
from kiosk.dialogs.search import SearchDialog
from kiosk.dialogs.two_step import TwoStepDialog, ask
from kiosk.session import SignedIn
from kiosk.widgets import matches
from kiosk.widgets.blink import FieldsBlinkAsTheAppSays
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork, Failure
from models.custody.ledger import searcher_name
from models.safeguarding.parents import PHONE_HEADING


@dataclass(frozen=True)
class PhoneAction:
    """One action on the phone shown: its key, who may take it, its dialog, how it is recorded."""

    key: str
    label: str
    permission: str | None  # models.staff.auth.PERMISSIONS; None: offered to all, the domain decides (undo)
    # (screen, phone) -> the dialog to open; None: nothing to ask.
    form: Callable[..., ModalScreen[Any] | None]
    # (phone, the dialog's answer) -> (use case, its arguments): recorded as
    # ``use_case(who, *arguments, now)``. Looked up when used, so a use case can be replaced.
    record: Callable[[PhoneView, Any], tuple[Any, ...]]
    # Shown only on a phone it can be taken on (not dimmed before a phone is found).
    only_when_offered: bool = False


# The actions, in the footer's order. The name is the screen's action: phone('name').
ACTIONS: dict[str, PhoneAction] = {
    "undo": PhoneAction(
        "f2",
        "Undo latest",
        None,
        form=lambda screen, view: (
            None if view.undo is None else ReasonDialog(f"Undo the latest action on {view.owner}'s phone", view.undo[1])
        ),
        record=lambda view, reason: (act.undo, view.undo[0], reason),
    ),
    "parents": PhoneAction(
        "f3",
        "Parents told",
        None,  # whoever may read the details of the confiscation or search: the domain decides
        form=lambda screen, view: (
            None
            if view.inform_about is None
            else ParentsInformedDialog(
                view.owner,
                (view.inform_about[1], view.inform_about[2]),
                list(view.contacts),
                searcher_name(screen.who.display_name),
                screen.app.services.clock.now(),
            )
        ),
        record=lambda view, told: (act_parents.informed_of_event, view.inform_about[0], told),
    ),
    "release_contact": PhoneAction(
        "f4",
        "Release to parent",
        "release_to_contact",
        form=lambda screen, view: ReleaseToContactDialog(view.owner, list(view.collectors)),
        record=lambda view, contact_id: (act.release_to_contact, view.device_id, contact_id),
    ),
    "confiscate": PhoneAction(
        "f6",
        "Confiscate",
        "confiscate",
        form=lambda screen, view: ConfiscateDialog(view.owner, where=confiscation_meaning(view)),
        record=lambda view, confiscation: (act.confiscate, view.device_id, confiscation),
    ),
    "search": PhoneAction(
        "f7",
        "Search",
        "search",
        form=lambda screen, view: SearchDialog(
            view.owner,
            list(view.contacts),
            screen.who.display_name,
            screen.app.services.clock.now(),
            view.hold,
            latest=view.latest,
            state=view.state,
            roles=screen.who.roles,
            police_contacted=view.police_contacted,
        ),
        record=lambda view, record: (act.search, view.device_id, record),
    ),
    "police": PhoneAction(
        "f8",
        "Police",
        "police",
        form=lambda screen, view: PoliceDialog(view.owner, screen.app.services.clock.now(), latest=view.latest),
        record=lambda view, handover: (act.hand_to_police, view.device_id, handover),
    ),
    "dsl_decision": PhoneAction(
        "f9",
        "DSL decision",
        "dsl_decision",
        form=lambda screen, view: DslDecisionDialog(view.owner),
        record=lambda view, decision: (act.dsl_decision, view.device_id, decision),
        only_when_offered=True,
    ),
    "police_return": PhoneAction(
        "f8",  # the police key: a return while the phone is with the police (FOLDED)
        "Police return",
        "police",
        form=lambda screen, view: PoliceReturnDialog(
            view.owner,
            screen.app.services.clock.now(),
            latest=view.latest,
            reference=view.police_reference,
        ),
        record=lambda view, back: (act.return_from_police, view.device_id, back),
    ),
    "police_contact": PhoneAction(
        "f10",
        "Police call",
        "police",
        form=lambda screen, view: PoliceContactDialog(
            view.owner,
            searcher_name(screen.who.display_name),
            screen.app.services.clock.now(),
            about=view.police_call_about,
        ),
        record=lambda view, call: (act_parents.police_contact_about_phone, view.device_id, call),
    ),
}
# Actions not shown (even dimmed) until a phone they fit is shown.
SHOWN_WITH_A_PHONE = frozenset({"police_return", "parents", "police_contact"})
# Actions that share another's key: F8 hands a phone to the police, or records its return
# from the police while it is with them (the two states never meet).
FOLDED = {"police_return": "police"}
# The action keys, for saying why one that is not offered was refused.
ACTION_KEYS = {action.key: name for name, action in ACTIONS.items() if name not in FOLDED}
FIND_HINT = "Find a phone first: scan its label (or type the code and press Enter), or type a pupil's name."


# ---------------------------------------------------------------- screen


class HistoryScreen(FieldsBlinkAsTheAppSays, DbWork, Screen[None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="history.back"),
        *(
            Binding(a.key, f"phone('{name}')", a.label, id=f"history.{name}")
            for name, a in ACTIONS.items()
            if name not in FOLDED
        ),
        # The scan field keeps Tab when the scanner's terminator is Tab: F5 reaches the name search.
        Binding("f5", "find_name", "Name search", id="history.find_name", show=False),
        # The chain box takes no focus (Tab goes field to field): PageUp and PageDown scroll it
        # from wherever the focus is, so a long chain's oldest entries are readable at 80×24.
        # Shown in the footer only while there is more that way (check_action), as Home's.
        Binding("pageup", "chain_page(-1)", "Older", id="history.chain_up"),
        Binding("pagedown", "chain_page(1)", "Newer", id="history.chain_down"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.view: PhoneView | None = None
        # True from show() until someone pages: the newest entry is kept in view as the chain is laid out.
        self.follow_newest = False
        self.clear_message_on_load = True
        self.busy = False  # the phone is being reloaded after an action
        self.recording: PhoneView | None = None  # the phone an action is being recorded for, until it answers
        # a form refused on Confirm (kiosk.dialogs.two_step shows it again as it was): told where
        # the phone is once it is read again, as it may have moved at another terminal meanwhile
        self.refused_form: tuple[TwoStepDialog[Any], int] | None = None  # (the form, its phone)
        self.results_for = ""  # the name search the list on screen answers
        self.open_when_found = False  # Enter came before the list for what was typed: open its one match

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar("Phone history and safeguarding")
        with Vertical(id="history-body"):
            with Horizontal(id="history-find"):
                yield ScanInput(
                    id="history-scan",
                    placeholder="Scan a label, or type its code",  # whole at 80x24; Enter: the line below
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
        yield KioskFooter()

    def terminators(self) -> tuple[str, ...]:
        return self.app.services.settings.scan_terminators

    def action_chain_page(self, direction: int) -> None:
        self.follow_newest = False
        box = self.query_one("#history-chain-box", VerticalScroll)
        if direction < 0:
            box.scroll_page_up(animate=False)
        else:
            box.scroll_page_down(animate=False)
        self.call_after_refresh(self.refresh_bindings)

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_bindings)  # "Older"/"Newer" only when there is more

    def on_mount(self) -> None:
        chain_box = self.query_one("#history-chain-box")
        chain_box.can_focus = False
        # The footer's "Older"/"Newer" follow the chain's scrolling, however it moved.
        self.watch(chain_box, "scroll_y", lambda _: self.call_after_refresh(self.refresh_bindings), init=False)
        # A scroll_end after one refresh can run before a new entry is measured (seen on a loaded machine), so
        # the end is sought again whenever the chain's laid-out size changes.
        self.watch(chain_box, "virtual_size", self.keep_newest_in_view, init=False)
        self.query_one("#history-scan", ScanInput).focus()

    # ------------------------------------------------------------ bindings

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "chain_page":
            found = self.query("#history-chain-box")
            if self.view is None or not found:
                return False
            box = found.first()
            return box.scroll_y < box.max_scroll_y if parameters[0] == 1 else box.scroll_y > 0
        if action != "phone":
            return True
        if self.listing():
            return False  # Enter answers the name list: no keys of the phone shown before it
        name = self.which(str(parameters[0]))
        permission = ACTIONS[name].permission
        if permission is not None and not self.who.may(permission):
            return False  # not this role's action: not offered at all
        if self.view is not None and name in self.view.refusals:
            return False  # the domain would refuse it (state, whose action, nothing left): not offered
        if self.view is None and ACTIONS[name].only_when_offered:
            return False  # (a phone held for the DSL only: not shown before one is found)
        if self.view is None and name in SHOWN_WITH_A_PHONE:
            return False  # offered only for a phone it fits (a return: a phone with the police)
        return True if self.view is not None else None  # greyed out until a phone is shown

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
            told = ["", PHONE_HEADING, *view.told] if view.told else []
            self.query_one("#history-chain", Static).update(
                "\n".join([*view.chain, *told])
                if view.chain
                else "Nothing has been recorded for this phone since it was registered."
            )
            phone.set_classes(f"state-{view.state}")
            self.follow_newest = True
            self.query_one("#history-chain-box", VerticalScroll).scroll_end(animate=False)
        self.refresh_bindings()
        self.call_after_refresh(self.refresh_bindings)  # the chain laid out: whether it scrolls

    def keep_newest_in_view(self) -> None:
        if self.follow_newest:
            self.query_one("#history-chain-box", VerticalScroll).scroll_end(animate=False)

    # ------------------------------------------------------------ finding a phone

    def load(self, *, code: str | None = None, device_id: int | None = None, keep_message: bool = False) -> None:
        self.clear_message_on_load = not keep_message
        # only the latest lookup's answer is shown
        self.db(
            act.load_phone,
            self.who,
            code,
            device_id,
            self.app.services.clock.now(),
            then=self.loaded,
            failed=self.not_loaded,
            latest="load",
        )

    def loaded(self, view: PhoneView) -> None:
        self.busy = False
        self.show(view)
        if view.note:
            self.say(view.note)
        elif self.clear_message_on_load:
            self.say("")
        self.reopen_form()

    def not_loaded(self, failure: Failure) -> None:
        self.busy = False
        self.show(None)
        self.say(failure.message, "error")
        self.reopen_form()

    def db_failed(self, failure: Failure) -> None:
        self.say(failure.message, "error")

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
            self.db(act.find_by_name, event.value, then=self.found, latest="find")
        else:
            self.superseded("find")
            self.set_results([])
            self.results_for = event.value
            self.open_when_found = False

    def found(self, matches: act.NameMatches) -> None:
        if matches.text != self.query_one("#history-name", Input).value:
            return  # the field was changed without a new search (cleared on opening a phone)
        self.set_results(list(matches.found))
        self.results_for = matches.text
        open_now, self.open_when_found = self.open_when_found, False
        phones = [(device_id, line) for device_id, line in matches.found if device_id is not None]
        if not matches.found:
            self.say(f"No pupil found for {matches.text.strip()!r}.", "error")
        elif open_now and len(phones) == 1:  # Enter was pressed before this list came: the one match
            self.load_from_list(phones[0][0])
        elif self.view is None or open_now:
            self.say("Down/Up to choose, Enter to open.")

    def set_results(self, found: list[tuple[int | None, str]]) -> None:
        options = self.query_one("#history-results", OptionList)
        matches.show_matches(
            options,
            [
                Option(line, id=None if device_id is None else str(device_id), disabled=device_id is None)
                for device_id, line in found
            ],
        )
        if options.has_class("shown") != bool(found):
            options.set_class(bool(found), "shown")
            self.refresh_bindings()  # the phone's keys go while the list is open, and come back

    def listing(self) -> bool:
        """Whether the pupil-name list is open (what Enter and Down/Up answer)."""
        found = self.query("#history-results")
        return bool(found) and found.first().has_class("shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "history-name":
            return
        event.stop()
        if self.results_for != event.value:  # the list on screen is for what was typed before
            self.open_when_found = len(event.value.strip()) >= 2
            self.say("Looking up…")
            return
        options = self.query_one("#history-results", OptionList)
        if (option := matches.chosen(options)) is not None:
            self.open_option(option)
        elif options.option_count:
            self.say(matches.SEVERAL)

    def on_key(self, event) -> None:
        action = ACTION_KEYS.get(event.key)
        action = self.which(action) if action is not None else None
        if action is not None and self.listing():
            event.stop()  # not offered while the list is open: it says why
            self.say("Open a phone from the list first (Down/Up, then Enter).", "error")
            return
        if action is not None and self.view is not None and action in self.view.refusals:
            event.stop()  # not offered here; pressed anyway, it says why
            self.say(self.view.refusals[action], "error")
            return
        if action is not None and self.view is None and self.check_action("phone", (action,)) is None:
            event.stop()  # shown dimmed until a phone is shown (Textual runs nothing): it says why
            self.notify(f"{ACTIONS[action].label}: {FIND_HINT[0].lower()}{FIND_HINT[1:]}", markup=False)
            return
        options = self.query_one("#history-results", OptionList)
        if (
            self.focused is not None
            and self.focused.id == "history-name"
            and event.key in ("down", "up")
            and options.option_count
        ):
            event.stop()
            matches.step(options, event.key)

    def action_find_name(self) -> None:
        self.query_one("#history-name", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_option(event.option)

    def open_option(self, option: Option) -> None:
        if option.id is None or option.disabled:
            return
        self.load_from_list(int(option.id))

    def load_from_list(self, device_id: int) -> None:
        self.set_results([])
        self.results_for = ""
        self.open_when_found = False
        self.query_one("#history-name", Input).value = ""
        self.show(None)
        self.say("Looking up…")
        self.load(device_id=device_id)
        self.query_one("#history-scan", ScanInput).focus()

    # ------------------------------------------------------------ actions

    def ready(self, action: str) -> PhoneView | None:
        """The shown phone if ``action`` may be taken on it now; otherwise say why not."""
        if self.view is None:
            self.say(FIND_HINT, "error")
            return None
        if self.busy or self.recording is not None:
            self.say("Still recording the last action: wait a moment.", "error")
            return None
        refusal = self.view.refusals.get(action)
        if refusal:
            self.say(refusal, "error")
            return None
        return self.view

    def record(self, view: PhoneView, fn, *args, form: TwoStepDialog[Any] | None = None) -> None:
        """Record an action on ``view``'s phone (``fn(who, *args, now)``), then show what the
        ledger says. No other action is taken until it answers, whichever phone is shown by then.
        ``form``: the two-step form that answered, opened again as it was if the ledger refuses."""
        self.recording = view
        self.say("Recording…")
        then, failed = (self.recorded, self.refused) if form is None else form.recording(self.recorded, self.refused)
        if form is not None:
            inner = failed

            def failed(failure: Failure) -> None:
                self.refused_form = (form, view.device_id)
                inner(failure)

        self.db(fn, self.who, *args, self.app.services.clock.now(), then=then, failed=failed)

    def recorded(self, done: str) -> None:
        self.recording = None
        self.say(done, "ok")  # the line names the pupil whose phone it was
        self.after_recording()

    def refused(self, failure: Failure) -> None:
        acted, self.recording = self.recording, None
        message = failure.message
        if acted is not None and (self.view is None or self.view.device_id != acted.device_id):
            message = f"{acted.owner}'s phone: {message}"  # another phone is on screen by now
        self.say(message, "error")
        self.after_recording()

    def after_recording(self) -> None:
        if self.view is not None:  # show what the ledger now says (busy until then)
            self.busy = True
            self.load(device_id=self.view.device_id, keep_message=True)
        else:
            self.reopen_form()

    def reopen_form(self) -> None:
        """The refused form, shown again as it was, learns where the phone is now (its own
        checks before Confirm then agree with the ledger's)."""
        refused, self.refused_form = self.refused_form, None
        view = self.view
        if refused is None or view is None or refused[1] != view.device_id:
            return
        form = refused[0]
        for name in ("state", "latest", "hold"):
            if hasattr(form, name) and hasattr(view, name):
                setattr(form, name, getattr(view, name))

    def now_shown(self, view: PhoneView) -> PhoneView:
        """``view``'s phone as read since, if it is still the one shown; else ``view``."""
        shown = self.view
        return shown if shown is not None and shown.device_id == view.device_id else view

    def cancelled(self) -> None:
        self.say("Cancelled: nothing was recorded.")

    def which(self, name: str) -> str:
        """The action a key means for the phone shown: F8 is the return from the police while
        the phone is with them (:data:`FOLDED`)."""
        view = self.view
        for folded, key_of in FOLDED.items():
            if name == key_of and view is not None and name in view.refusals and folded not in view.refusals:
                return folded
        return name

    def action_phone(self, name: str) -> None:
        """The key of one of :data:`ACTIONS`: open its dialog for the phone shown, if it may be taken now."""
        name = self.which(name)
        if (view := self.ready(name)) is not None:
            self.open_form(name, view)

    def open_form(self, name: str, view: PhoneView) -> None:
        dialog = ACTIONS[name].form(self, view)
        if isinstance(dialog, TwoStepDialog):  # refused on Confirm: it opens again as it was
            ask(self.app, dialog, lambda answer: self.answered(name, view, answer, dialog))
        elif dialog is not None:
            self.app.push_screen(dialog, lambda answer: self.answered(name, view, answer))

    def answered(self, name: str, view: PhoneView, answer: Any, form: TwoStepDialog[Any] | None = None) -> None:
        """The dialog's answer for ``view``'s phone: record it (None: cancelled, nothing recorded)."""
        if answer is None:
            self.cancelled()
            return
        fn, *args = ACTIONS[name].record(view, answer)
        self.record(view, fn, *args, form=form)
