"""Release a held phone to a listed parent or carer, ID seen.

Attributes down: the pupil's name and their listed contacts as ``(contact id, label)``
pairs, e.g. ``(7, "Priya Patel (Mother)")``. The dialog returns the chosen contact's
id, or None if cancelled. It never touches the database: the caller records the
release (``models.custody.ledger.release_to_contact`` with ``id_seen=True``).

Keys: Down/Up and Enter choose the person collecting, Space ticks "ID seen", Tab to
"Release phone" and Enter. Both a choice and the tick are required.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

HELP = "Down/Up and Enter to choose who is collecting, Space to tick ID seen, then Release phone."


class ReleaseToContactDialog(ModalScreen[int | None]):
    DEFAULT_CLASSES = "focus-cue"  # the focused field drawn in heavy lines (dialogs.tcss)
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="release_contact.cancel")]

    def __init__(self, pupil_name: str, contacts: list[tuple[int, str]]) -> None:
        super().__init__()
        self.pupil_name = pupil_name
        self.contacts = list(contacts)
        self.chosen: int | None = None
        self.stray = False  # printable keys arrived: a scan, not a person choosing

    def compose(self) -> ComposeResult:
        # Docked like the confiscate and search dialogs: the buttons and the line under them
        # (its help, and why Release did nothing) always show, even at 80x24.
        with Vertical(classes="dialog docked", id="contact-box"):
            with Vertical(classes="dialog-head"):
                yield Static(
                    f"Release {self.pupil_name}'s phone to a parent or carer",
                    classes="dialog-title",
                    id="contact-title",
                    markup=False,
                )
            with VerticalScroll(classes="dialog-form", id="contact-form"):
                if self.contacts:
                    yield Static(
                        "Only to a parent or carer listed for the pupil, after checking their photo ID.",
                        id="contact-rule",
                    )
                    yield OptionList(
                        *[Option(label, id=str(cid)) for cid, label in self.contacts], id="contact-list", markup=False
                    )
                    yield Static("Collecting: nobody chosen yet", id="contact-chosen", markup=False)
                    yield Checkbox("ID seen: I have checked their photo ID", id="id-seen")
                else:
                    yield Static(
                        f"No parent or carer who may collect is listed for {self.pupil_name}, "
                        "so the phone cannot be released here.",
                        id="contact-rule",
                        markup=False,
                    )
            with Vertical(classes="dialog-foot"):
                with Horizontal(classes="dialog-buttons"):
                    if self.contacts:
                        yield Button("Release phone", id="contact-release", variant="success")
                    yield Button("Cancel", id="contact-cancel")
                yield Static(HELP if self.contacts else "Esc to close.", id="contact-error", classes="dialog-error")

    def on_mount(self) -> None:
        if self.contacts:
            options = self.query_one("#contact-list", OptionList)
            # As in every picker (kiosk.widgets.matches): the only person listed is highlighted,
            # and Enter chooses them (it did nothing until Down); of several, none is, so the
            # first Down highlights the first and nobody is chosen by an Enter alone.
            options.highlighted = 0 if len(self.contacts) == 1 else None
            options.focus()
        else:
            self.query_one("#contact-cancel", Button).focus()

    def say(self, text: str) -> None:
        self.query_one("#contact-error", Static).update(text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.chosen = int(event.option.id or 0) or None
        label = dict(self.contacts).get(self.chosen or 0, "")
        self.query_one("#contact-chosen", Static).update(f"Collecting: {label}")
        self.say("Check their photo ID, then Space to tick ID seen.")
        self.query_one("#id-seen", Checkbox).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.value:
            self.say("Tab to Release phone and press Enter.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "contact-cancel":
            self.dismiss(None)
            return
        if self.chosen is None:
            self.say("Choose the person collecting the phone from the list first (Down/Up, then Enter).")
            self.query_one("#contact-list", OptionList).focus()
            return
        if not self.query_one("#id-seen", Checkbox).value:
            self.say("Check their photo ID and tick ID seen before releasing the phone.")
            self.query_one("#id-seen", Checkbox).focus()
            return
        self.dismiss(self.chosen)

    def on_key(self, event: events.Key) -> None:
        # Nothing here takes typed text, so printable keys are a scan (or a slip): their
        # terminator must not choose a contact, tick ID seen or press Release.
        if event.is_printable and event.character and event.character.strip():
            event.stop()
            self.stray = True
        elif (
            event.key == "enter"
            and not self.stray
            and self.focused is not None
            and self.focused.id == "contact-list"
            and self.query_one("#contact-list", OptionList).highlighted is None
        ):
            self.say("Down/Up to choose who is collecting, then Enter.")  # (it said nothing)
        elif event.key in ("enter", "tab") and self.stray:
            event.stop()
            event.prevent_default()
            self.stray = False
            self.say("A scan was ignored: finish here first (or Esc to cancel), then scan again.")

    def action_cancel(self) -> None:
        self.dismiss(None)
