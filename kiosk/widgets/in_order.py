"""Run something once every key already sent to a widget has been dealt with.

Textual gives each widget its own message queue. A key goes to the focused widget's
queue; what the widget does not take itself (Backspace in an Input, Up/Down in an
OptionList: its bindings) bubbles up through each parent's queue to the app, which runs
the binding. So "after the keys typed before this Enter" means after that whole path: a
callback that hops the same path, one queue at a time, arrives behind every such key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, RadioButton, RadioSet, TextArea

from kiosk.textual_compat import KeyFirst, PasteFirst, in_view_with_label
from models.text import clean_typed


def after_keys(widget: Widget, callback: Callable[..., Any], *args: Any) -> None:
    """Call ``callback(*args)`` once the keys already sent to ``widget`` have been handled,
    by the widget itself or by a binding run as they bubbled up to the app."""
    path = [widget, *widget.ancestors]  # up to and including the app

    def hop(i: int) -> None:
        if i == len(path):
            callback(*args)
        elif not path[i].call_later(hop, i + 1):  # closed (the screen has gone): nothing to do
            return

    hop(0)


# A binding is run by the app once its key has bubbled up, for whatever has the focus by
# then: Backspace typed just before an Enter that moved the focus on rubbed out a character
# of the next field, and Down just before Enter moved nothing in the list. The form's fields
# take their editing keys themselves, in their own queue, in order with the characters.
INPUT_KEYS = {
    "backspace": "delete_left",
    "delete": "delete_right",
    "left": "cursor_left",
    "right": "cursor_right",
    "home": "home",
    "end": "end",
    "ctrl+a": "home",
    "ctrl+e": "end",
    "ctrl+d": "delete_right",
    "ctrl+left": "cursor_left_word",
    "ctrl+right": "cursor_right_word",
    "ctrl+w": "delete_left_word",
    "ctrl+u": "delete_left_all",  # (run late, it emptied the next field: in tmux, the organisation)
    "ctrl+k": "delete_right_all",
}
LIST_KEYS = {
    "up": "cursor_up",
    "down": "cursor_down",
    "home": "first",
    "end": "last",
    "pageup": "page_up",
    "pagedown": "page_down",
}


def keeps_long_text(field: Widget) -> bool:
    """The field's form checks each field's length before it goes on (a two-step dialog:
    ``KEEPS_LONG_TEXT``), so the field keeps all that is typed or pasted: a box that cut
    text off at its limit lost it without a word (issue 15)."""
    return bool(getattr(field.screen, "KEEPS_LONG_TEXT", False))


def too_long(fields: Any) -> tuple[Widget, str] | None:
    """The first of ``fields`` holding more than its limit, with the one line that says so."""
    for field in fields:
        limit = getattr(field, "limit", 0)
        value = getattr(field, "value", "").strip()
        if limit and len(value) > limit:
            return field, f'"{field_name(field)}" is too long: {len(value)} characters, at most {limit}.'
    return None


def field_name(field: Widget) -> str:
    """The words of the label above a field, without what follows in brackets or a colon."""
    parent = field.parent
    if parent is None:
        return "This box"
    siblings = list(parent.children)
    for node in reversed(siblings[: siblings.index(field)]):
        if isinstance(node, Label):
            words = str(node.render()).split(" (")[0].split(":")[0].strip()
            if words:
                return words
    placeholder = getattr(field, "placeholder", "")
    return placeholder.split(" (")[0].split(",")[0].split(":")[0].strip() or "This box"


class FormInput(KeyFirst, PasteFirst, Input):
    """An Input of a form whose editing keys are taken in order with its characters.

    What is pasted or typed into it is cleaned first (models.text.clean_typed): a terminal's
    escape sequences and control characters never reach the box (a pasted "\\x1b[2J" showed
    as "^[2J", and the form then refused it), and pasted lines are all kept, joined by
    spaces (Input kept only the first of them: a three-line account of what happened lost
    two). A paste longer than the box allows keeps what fits.
    """

    waiting = 0  # keys sent to it (InOrderForm.key_arriving) and not yet taken
    limit = 0  # the most it may hold, where the form checks it (keeps_long_text) rather than the box cutting it

    def on_mount(self) -> None:
        if keeps_long_text(self) and self.max_length:
            self.limit, self.max_length = self.max_length, 0

    def take_paste(self, event: events.Paste) -> None:
        self.waiting = max(0, self.waiting - 1)
        start, end = sorted(self.selection)
        text = clean_typed(event.text)
        if self.max_length:
            text = text[: max(0, self.max_length - len(self.value) + (end - start))]
        if text:
            self.replace(text, start, end)

    def replace(self, text: str, start: int, end: int) -> None:
        """Every insertion (a key, a paste, the clipboard) comes through here."""
        super().replace(clean_typed(text), start, end)

    def take_key(self, event: events.Key) -> bool:
        self.waiting = max(0, self.waiting - 1)
        action = INPUT_KEYS.get(event.key)
        if action is None:
            return False
        getattr(self, f"action_{action}")()
        return True


NOTE_KEYS = {
    "backspace": "delete_left",
    "delete": "delete_right",
    "left": "cursor_left",
    "right": "cursor_right",
    "up": "cursor_up",
    "down": "cursor_down",
    "home": "cursor_line_start",
    "end": "cursor_line_end",
    "ctrl+w": "delete_word_left",
    "ctrl+u": "delete_to_start_of_line",
    "ctrl+k": "delete_to_end_of_line",
}


class FormNote(KeyFirst, PasteFirst, TextArea):
    """A free-text field of a form (what happened, a note): the lines pasted into it are all
    kept (an Input kept only the first), cleaned as in :class:`FormInput`. Enter is the
    form's (it goes on, as in every other field); the lines come from a paste. ``value``
    reads and sets the text, as an Input's does; ``max_length`` caps what is typed or pasted.
    """

    class Submitted(Message):
        """Enter in the note (where the form does not take Enter itself)."""

        def __init__(self, note: FormNote) -> None:
            super().__init__()
            self.note = note
            self.value = note.value

        @property
        def control(self) -> FormNote:
            return self.note

    def __init__(self, *, id: str, placeholder: str = "", max_length: int = 0) -> None:
        super().__init__(id=id, placeholder=placeholder, soft_wrap=True, tab_behavior="focus")
        self.max_length = max_length

    limit = 0  # as FormInput's

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)  # as the Inputs (kiosk.widgets.blink)
        if keeps_long_text(self) and self.max_length:
            self.limit, self.max_length = self.max_length, 0

    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.text = text

    waiting = 0  # keys sent to it (InOrderForm.key_arriving) and not yet taken

    def take_key(self, event: events.Key) -> bool:
        self.waiting = max(0, self.waiting - 1)
        if event.key == "enter":  # in turn with the keys before it, as PinInput's
            self.post_message(self.Submitted(self))
            return True
        action = NOTE_KEYS.get(event.key)
        if action is None:
            return False
        getattr(self, f"action_{action}")()
        return True

    def take_paste(self, event: events.Paste) -> None:
        self.waiting = max(0, self.waiting - 1)
        if not self.read_only and (result := self.replace(event.text, *self.selection)) is not None:
            self.move_cursor(result.end_location)

    def replace(self, insert: str, start: Any, end: Any, *, maintain_selection_offset: bool = True) -> Any:
        """Every insertion (a key, a paste) comes through here."""
        insert = clean_typed(insert, multiline=True)
        if self.max_length:
            room = self.max_length - len(self.text) + len(self.get_text_range(start, end))
            insert = insert[: max(0, room)]
        return super().replace(insert, start, end, maintain_selection_offset=maintain_selection_offset)


class FormOptionList(KeyFirst, OptionList):
    """An OptionList of a form whose moving keys are taken in order with the keys around them.
    A picker that marks its chosen row (kiosk.widgets.matches.CHOSEN) folds to that row once
    left (kiosk.widgets.folding)."""

    def on_blur(self) -> None:
        from kiosk.widgets.folding import fold

        fold(self, True)

    def on_focus(self) -> None:
        from kiosk.widgets.folding import fold

        fold(self, False)

    def take_key(self, event: events.Key) -> bool:
        action = LIST_KEYS.get(event.key)
        if action is None:
            return False
        getattr(self, f"action_{action}")()
        return True


class FormCheckbox(KeyFirst, Checkbox):
    """A tick box of a form: Space and Enter tick it in its own queue, in order with the keys
    around them (as Checkbox's binding, run once the key had gone round the app, a Space typed
    just before a Tab ticked whatever had the focus by then: nothing, or the next box)."""

    def take_key(self, event: events.Key) -> bool:
        if event.key in ("space", "enter"):
            self.toggle()
            return True
        return False


class PinInput(FormInput):
    """The PIN box. Enter is taken in turn with the digits before it: as Input's binding it
    ran only once the key had gone round the app, after digits typed straight after it (a
    phone scanned just after signing in) had joined the PIN, and a right PIN failed."""

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))


# ---------------------------------------------------------------- a form in a dialog

# Run by the app as each key arrives (priority), before it sends on the keys after it: so
# "text", Enter, "more" typed in one burst puts "more" in the next field. Each is the
# form's only where check_action says so (a field of the form has the focus); elsewhere
# (a button, the confirm step) the key goes on as usual. Tab and Shift+Tab move the focus
# wherever it is (as the Screen's own binding, which these replace, did).
FORM_BINDINGS = [
    Binding("enter", "form_enter", show=False, priority=True),
    Binding("tab", "form_move(1)", show=False, priority=True),
    Binding("shift+tab", "form_move(-1)", show=False, priority=True),
    # A radio set's highlight moves as the key arrives too, so that an Enter just after
    # Down presses the option Down moved to (the Enter is acted on as it arrives).
    Binding("down,right", "form_radio(1)", show=False, priority=True),
    Binding("up,left", "form_radio(-1)", show=False, priority=True),
]


def highlighted_radio(radio: RadioSet) -> int | None:
    """The index of the option a radio set's cursor is on (what Enter presses), or None."""
    for i, button in enumerate(radio.query_children(RadioButton)):
        if button.has_class("-selected"):
            return i
    return None


class InOrderForm:
    """Mixed into a dialog (ahead of its Screen class) whose ``BINDINGS`` include
    :data:`FORM_BINDINGS`: Enter, Tab and Shift+Tab in its fields move the focus as the key
    arrives, and what the field held is acted on behind the keys typed before it.

    The dialog says where Enter goes from each field (:meth:`form_next`, told the option
    chosen in a radio set) and what to do once the field has all its keys
    (:meth:`form_entered`: check it, pick from a list, go on; it may move the focus back
    with a message). Enter on a radio set presses the highlighted option, even one already
    pressed or the first, before any Down.
    """

    focused: Widget | None

    def form_next(self, field: str, index: int | None) -> str | None:
        """The id of the widget Enter in ``field`` moves to (None: stay). ``index``: the
        option pressed, in a radio set. Called as the Enter arrives: what depends on the
        option (parts shown or hidden, a field enabled) is set here, at once."""
        return None

    def form_entered(self, field: str) -> None:
        """Enter in ``field``, once the field has taken every key typed before the Enter."""

    def form_unchosen(self, field: str) -> None:
        """Enter in a radio set with no option highlighted yet: nothing chosen (say so)."""

    def key_arriving(self, event: events.Key | events.Paste) -> None:
        """Called by the app as each key arrives (before it is sent on): a text field of the
        form counts the keys on their way to it, so :meth:`settled` can tell when its value
        is final. (Enter and Tab are the form's own: never sent on to a field.)"""
        dialog = getattr(super(), "key_arriving", None)  # a two-step dialog notes the fields as shown
        if dialog is not None:
            dialog(event)
        field = self.focused
        if isinstance(field, (FormInput, FormNote)) and not (
            isinstance(event, events.Key) and event.key in ("enter", "tab", "shift+tab")
        ):
            field.waiting += 1

    def settled(self, field: str) -> bool:
        """The text field has taken every key sent to it: its value now is what was typed."""
        screen: Any = self
        widget = screen.query_one(f"#{field}")
        return not getattr(widget, "waiting", 1)

    def form_field(self) -> Widget | None:
        """The focused widget, if it is one of this form's fields."""
        field = self.focused
        if isinstance(field, (Input, TextArea, OptionList, RadioSet)) and not getattr(field, "disabled", False):
            return field
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "form_move":
            # Anywhere in the dialog: its Tab binding replaces the Screen's own, so a Tab
            # that was not the form's moved nothing (Shift+Tab from Continue stayed put).
            return True
        if action == "form_enter":
            return self.form_field() is not None
        if action == "form_radio":
            return isinstance(self.form_field(), RadioSet)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_form_move(self, by: int) -> None:
        screen: Any = self
        if by > 0:
            screen.focus_next()
        else:
            screen.focus_previous()

    def action_form_radio(self, by: int) -> None:
        radio = self.form_field()
        if isinstance(radio, RadioSet):
            if by > 0:
                radio.action_next_button()
            else:
                radio.action_previous_button()

    def action_form_enter(self) -> None:
        field = self.form_field()
        if field is None or not field.id:
            return
        index = None
        if isinstance(field, RadioSet):
            index = highlighted_radio(field)
            if index is None:  # nothing highlighted yet (an UnchosenRadioSet): nothing is chosen
                self.form_unchosen(field.id)
                return
            button = list(field.query_children(RadioButton))[index]
            button.value = True  # (pressed again: no change, and no Changed message)
        following = self.form_next(field.id, index)
        screen: Any = self
        if following is not None:
            widget = screen.query_one(f"#{following}")
            screen.set_focus(widget)  # at once, before the next keys
            # Into view once laid out again: a part just shown (a visitor's name box) has no
            # place yet, and Textual's own scroll, run before the layout, left it out of view.
            # Its label with it, where both fit (kiosk.textual_compat.in_view_with_label).
            widget.call_after_refresh(in_view_with_label, widget)
        # Acted on in the order the Enters came: each field's keys are waited for on its own
        # path (after_keys), and a shorter path (a field typed after a pupil was looked up)
        # could otherwise finish first, and the form be checked before the pupil was picked.
        entry = [field.id, False]
        self._entries().append(entry)
        after_keys(field, self._entry_ready, entry)

    def _entries(self) -> list[list[Any]]:
        return self.__dict__.setdefault("_form_entries", [])

    def after_entries(self, callback: Callable[[], Any]) -> bool:
        """Run ``callback`` once every Enter typed before it has been acted on (True: it waits
        for them; False: none is pending, and the caller runs it now). Esc typed straight
        after an Enter that goes on to the summary acted on the form as it was before the
        Enter (it asked, the next Esc threw the form away, and the summary came up over
        nothing): Esc acts on what the Enter left on screen, as when the keys come slowly."""
        entries = self._entries()
        if not entries:
            return False
        entries.append([callback, True])
        return True

    def _entry_ready(self, entry: list[Any]) -> None:
        entry[1] = True
        entries = self._entries()
        while entries and entries[0][1]:
            field, _ = entries.pop(0)
            if callable(field):  # a key queued behind the Enters (after_entries)
                field()
            else:
                self.form_entered(field)


class FieldsInTurn(InOrderForm):
    """An :class:`InOrderForm` of text fields filled one after another (``FIELDS``, their ids
    in order), each checked on its own (:meth:`field_problem`): Enter in a field goes on to
    the next as the key arrives, unless the field already holds all its keys and has a
    problem (said; the focus stays). Once the field has every key typed before the Enter, a
    problem is said and the focus goes back to it; Enter in the last field goes on
    (``action_continue``, which checks the whole form). Mixed into a dialog that has ``say`` (a TwoStepDialog)."""

    FIELDS: tuple[str, ...] = ()

    def field_problem(self, field: str) -> str:
        """What is wrong with the text of ``field``, or ""."""
        return ""

    def form_next(self, field: str, index: int | None) -> str | None:
        if field not in self.FIELDS:
            return None
        screen: Any = self
        if self.settled(field) and (problem := self.field_problem(field)):
            screen.say(problem)  # nothing more on its way to it: stay
            return None
        following = self.FIELDS.index(field) + 1
        return self.FIELDS[following] if following < len(self.FIELDS) else None

    def form_entered(self, field: str) -> None:
        if field not in self.FIELDS:
            return
        screen: Any = self
        if problem := self.field_problem(field):
            screen.say(problem)
            screen.set_focus(screen.query_one(f"#{field}"))
        elif field == self.FIELDS[-1]:
            screen.action_continue()  # checks every field again, and goes back to the first wrong
        elif self._went_on_from(field):
            screen.say("")  # (not when an earlier field of the burst was wrong: its message stays)

    def _went_on_from(self, field: str) -> bool:
        focused = self.focused
        at = focused.id if focused is not None else None
        return at not in self.FIELDS or self.FIELDS.index(at) > self.FIELDS.index(field)
