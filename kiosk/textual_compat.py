"""Every use of Textual's private internals, in one place.

Textual's public API does not cover these needs. When Textual changes, this module is
the one to read again (and ``tests/screens/test_textual_compat.py`` says whether each still
works). Nothing else in kiosk/ or tests/ touches a name of Textual's that starts with
an underscore.

- :class:`CalmErrorsApp`: an App whose unexpected errors go to a public hook
  (``on_unexpected_error``) instead of Textual's traceback screen, with
  :meth:`CalmErrorsApp.exit_quietly` to close with an exit code and no traceback, and
  a ``before_exit`` hook that runs before Textual waits for the thread workers.
- :class:`KeyFirst` and :class:`PasteFirst`: widget mixins that see each key (or paste)
  before Textual's own handling (bindings, ``key_*`` methods, Input's paste).
- :class:`RemeasuringDataTable`: a DataTable that never keeps rows drawn at the widths
  it had before measuring its columns.
- :data:`FooterKey`, the footer's key widget (private module in Textual 8).
- :func:`acting_pump`: whose handler is running (the app asks when the terminal is
  locked, so a screen behind the lock cannot close the sign-in screen over it).
- :func:`keep_pastes_whole`: a filter in front of Textual's input parser, which broke a
  paste holding an escape sequence into typed keys and a paste, out of order
  (:func:`parse_input` shows the parser's result, for the tests).
- :class:`UnchosenRadioSet`: a radio set with no option highlighted until Down/Up (Textual
  highlights the first on mount, so Enter chose it without the user choosing).
- :func:`unpress`: press none of a radio set's buttons (Textual turns a pressed one switched
  off back on): the concern form takes back a kind that no longer fits whom it is about.
- :func:`show_toggle_state`: check boxes and radio options draw an empty mark when off.
- :func:`unnotify_titled`: take away the notifications of one kind (the safeguarding alert
  goes at the next key, so it never hides a form).
- :func:`screen_settled`, :func:`queues_empty`, :func:`notices` and :func:`send_key_as_driver`: for the
  tests, which must know when a screen has nothing left to do and must send keys
  faster than ``pilot.press``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import NoScreen
from textual.widgets import DataTable, RadioSet
from textual.widgets._footer import FooterKey  # noqa: F401 - re-exported for the tests
from textual.widgets.data_table import RowKey

from models.text import strip_escapes

__all__ = [
    "CalmErrorsApp",
    "FooterKey",
    "KeyFirst",
    "PasteFirst",
    "RemeasuringDataTable",
    "UnchosenRadioSet",
    "acting_pump",
    "notices",
    "queues_empty",
    "screen_settled",
    "send_key_as_driver",
    "unnotify_titled",
    "unpress",
]


class CalmErrorsApp(App[Any]):
    """An App that hands unexpected errors to :meth:`on_unexpected_error`, and runs
    :meth:`before_exit` as it starts to close (before Textual waits for thread workers)."""

    def before_exit(self) -> None:
        """Called once the app is closing, before Textual waits for its thread workers."""

    async def _on_exit_app(self) -> None:  # Textual's closing step, called directly (not a message)
        self.before_exit()
        await super()._on_exit_app()

    def on_unexpected_error(self, error: Exception) -> bool:
        """Deal with an error Textual would show as a traceback; False lets Textual do so."""
        return False

    def _handle_exception(self, error: Exception) -> None:  # Textual's hook for every uncaught error
        if not self.on_unexpected_error(error):
            super()._handle_exception(error)

    @property
    def failed_before(self) -> bool:
        """An error has already been handed to Textual (under test: the one pytest will see)."""
        return self._exception is not None

    def exit_quietly(self, return_code: int = 1) -> None:
        """Close now with ``return_code``: nothing on screen (the details are in the log)."""
        self._return_code = return_code
        self._close_messages_no_wait()


class KeyFirst:
    """Mixed into a widget (before it): :meth:`take_key` sees each key first.

    ``take_key`` returns True when the key was the widget's: it is then stopped, and
    neither the widget's base classes nor the bindings see it. Otherwise Textual goes on
    to the base classes' own handling (it calls each class's handler along the MRO).
    """

    def take_key(self, event: events.Key) -> bool:  # pragma: no cover - overridden
        return False

    async def _on_key(self, event: events.Key) -> None:  # ahead of Widget._on_key (handle_key)
        if self.take_key(event):
            event.stop()
            event.prevent_default()


class PasteFirst:
    """Mixed into a widget (before it): :meth:`take_paste` gets every paste, and Textual's
    own paste handling (e.g. Input's) never runs."""

    def take_paste(self, event: events.Paste) -> None:  # pragma: no cover - overridden
        pass

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.take_paste(event)


class RemeasuringDataTable(DataTable[Any]):
    """A DataTable that draws its rows again once it has measured its columns.

    DataTable measures its columns on the first idle after rows are added, but caches
    the lines it draws under a counter that measuring does not change. When the screen
    refreshes between the rows arriving and that idle (a busy machine, a timer), the
    lines are drawn with the old, narrow widths and then kept: the DSL's feed could sit
    showing "2026  conc  Ava P" until the cursor moved. Measuring now moves the counter
    on, so the next frame draws the rows again at their real widths.
    (tests/screens/test_table.py shows the upstream behaviour, so an upgrade that fixes or
    changes it fails that test rather than passing silently.)
    """

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1  # the key of every render cache: drop lines drawn before measuring
        self.refresh()


class UnchosenRadioSet(RadioSet):
    """A RadioSet whose cursor is on no option until Down/Up moves it (to the first or the
    last): Enter before then presses nothing (Textual put the cursor on the first option as it
    mounted, and Enter chose it for a user who had not chosen)."""

    def _on_mount(self, event: events.Mount) -> None:
        # Textual runs RadioSet's own _on_mount (the first highlighted) after this one: the
        # highlight is taken off next, before any key that follows the mount.
        self.call_next(self._unhighlight)

    def _unhighlight(self) -> None:
        if self.pressed_index < 0:
            self._selected = None

    # Folded to the option chosen once the focus has left it (the rules are in app.tcss, as for
    # kiosk.widgets.folding's pickers): at 80x24 the form scrolled on to the next field and
    # showed the list's last rows, cut off above, not the one chosen.
    def on_blur(self) -> None:
        self._fold(self.pressed_index >= 0)

    def on_focus(self) -> None:
        self.set_class(False, "folded")

    def on_radio_set_changed(self) -> None:  # (it bubbles on to the form, whose handler sees it too)
        if not self.has_focus:  # chosen with Enter, the form having moved the focus on already
            self._fold(True)

    def _fold(self, folded: bool) -> None:
        self.set_class(folded, "folded")
        if folded:  # in view with the field now being filled in, where both fit
            self.scroll_visible(animate=False)
            self.call_after_refresh(focused_in_view, self)


def _label_before(widget: Any) -> Any:
    """The label just above a form's field (the sibling before it, if it takes no focus)."""
    container = widget.parent
    if container is None:
        return None
    siblings = list(container.children)
    at = siblings.index(widget)
    return siblings[at - 1] if at > 0 and not siblings[at - 1].can_focus else None


def in_view_with_label(widget: Any) -> None:
    """Scroll a form's field into view, and its label above it with it where both fit: a
    field as tall as the form's view (the search's seven outcomes at 80x24) was scrolled to
    with its label off above it, so the list was shown without saying what it was."""
    if not widget.is_attached:
        return
    widget.scroll_visible(animate=False)
    container, label = widget.parent, _label_before(widget)
    if label is None or not container.allow_vertical_scroll:
        return
    from textual.geometry import Region

    both = Region.union(label.virtual_region_with_margin, widget.virtual_region_with_margin)
    if both.height <= container.scrollable_content_region.height:
        container.scroll_to_region(both, animate=False, immediate=True)


def focused_in_view(widget: Any, again: bool = True) -> None:
    """After a pick-list folds: the field now focused in view too, and the folded list's
    chosen row with it (and the list's label above it) where they fit together: the focus
    moved on while the list was still unfolded, and the form had scrolled the list's rows
    out of view, so at 80x24 the confiscation's chosen Why was above the view. Run once more
    after the next refresh: the fold's new height is laid out only then. The form may have
    closed meanwhile (Esc, Confirm): then there is nothing to show."""
    from textual.geometry import Region

    if not widget.is_attached:
        return
    try:
        focused = widget.screen.focused
    except NoScreen:
        return
    if focused is None:
        return
    focused.scroll_visible(animate=False)
    container = widget.parent
    if (
        widget.has_class("folded")
        and focused is not widget
        and container is not None
        and focused.parent is container
        and container.allow_vertical_scroll
    ):
        room = container.scrollable_content_region.height
        wanted = Region.union(widget.virtual_region_with_margin, focused.virtual_region_with_margin)
        label = _label_before(widget)
        if label is not None:  # its label too, where it fits
            with_label = Region.union(wanted, label.virtual_region_with_margin)
            wanted = with_label if with_label.height <= room else wanted
        if wanted.height <= room:
            container.scroll_to_region(wanted, animate=False, immediate=True)
    if again:
        widget.call_after_refresh(focused_in_view, widget, False)


def unpress(radio_set: RadioSet) -> None:
    """Press none of ``radio_set``'s buttons (Textual's RadioSet turns a button switched off
    back on): a choice that no longer fits the form is taken back."""
    from textual.widgets import RadioButton

    pressed = radio_set._pressed_button
    if pressed is None:
        return
    with radio_set.prevent(RadioButton.Changed):
        pressed.value = False
    radio_set._pressed_button = None
    radio_set._selected = None


def acting_pump() -> Any:
    """The app, screen or widget whose handler is running now (None outside any handler)."""
    from textual._context import active_message_pump

    return active_message_pump.get(None)


# ---------------------------------------------------------------- for the tests


def screen_settled(screen: Any) -> bool:
    """No layout, scroll, repaint, recompose or refresh callback pending on ``screen``,
    and no DataTable still to size its columns."""
    from textual.widgets import DataTable

    if any(t._require_update_dimensions for t in screen.query(DataTable)):
        return False
    return not (
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
        or screen._callbacks
    )


def queues_empty(pumps: Iterable[Any]) -> bool:
    """No message waiting in any of these message pumps (the app, a screen, widgets)."""
    return all(p._message_queue.empty() for p in pumps)


def notices(app: App[Any]) -> list[str]:
    """The notifications the app is showing, as text (Textual keeps them privately)."""
    return [n.message for n in app._notifications]


def unnotify_titled(app: App[Any], title: str) -> bool:
    """Take away the notifications with this title now (Textual keeps them privately, and
    its public clear_notifications takes every one); True if there were any."""
    shown = [n for n in app._notifications if n.title == title]
    for n in shown:
        app._unnotify(n)
    return bool(shown)


def send_key_as_driver(app: App[Any], key: str) -> None:
    """Send one key event as the terminal driver does, without waiting for the app."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)  # type: ignore[union-attr]


# ---------------------------------------------------------------- pastes kept whole

_PASTE_START, _PASTE_END = "\x1b[200~", "\x1b[201~"


def _paste_filter(parser: Any, data: str) -> str:
    """Inside a bracketed paste, remove escape sequences before Textual's parser sees them.

    Textual's parser (``textual._xterm_parser``) takes an escape inside a paste for the
    start of a key sequence and sends what follows as typed keys, ahead of the pasted
    text: "Bob<ESC>[2JSmith" arrived as keys "[2JSmith" and then the paste "Bob". Inside a
    paste, a sequence cut at the end of a read waits for the next read (``_kiosk_carry``);
    outside one, nothing waits (a lone ESC is the Esc key): a cut-short start marker is passed
    on and remembered (``_kiosk_sent``) so the paste is still recognised.
    """
    data = getattr(parser, "_kiosk_carry", "") + data
    parser._kiosk_carry = ""
    inside = getattr(parser, "_kiosk_in_paste", False)
    out: list[str] = []
    i = 0
    sent = getattr(parser, "_kiosk_sent", "")  # the start of a paste marker already passed on
    parser._kiosk_sent = ""
    if sent and not inside:
        joined = sent + data
        if joined.startswith(_PASTE_START):  # the marker completed: the paste begins here
            i = len(_PASTE_START) - len(sent)
            out.append(data[:i])
            inside = True
        elif _PASTE_START.startswith(joined):  # still only a start of one
            parser._kiosk_sent = joined
            return data
    while i < len(data):
        if not inside:
            j = data.find(_PASTE_START, i)
            if j < 0:
                tail = data[i:]
                k = tail.rfind("\x1b")
                if k >= 0 and _PASTE_START.startswith(tail[k:]) and tail[k:] != _PASTE_START:
                    # Perhaps the paste marker cut short, perhaps the Esc key (a lone ESC): passed on
                    # at once either way (Textual's parser waits for the rest of a sequence itself,
                    # and times out a lone Esc), and remembered to recognise the paste.
                    parser._kiosk_sent = tail[k:]
                out.append(tail)
                break
            out.append(data[i : j + len(_PASTE_START)])
            i, inside = j + len(_PASTE_START), True
            continue
        j = data.find(_PASTE_END, i)
        if j < 0:
            chunk = data[i:]
            k = chunk.rfind("\x1b")
            if k >= 0 and len(chunk) - k < 64:  # perhaps cut short (or the end marker): wait for the rest
                parser._kiosk_carry, chunk = chunk[k:], chunk[:k]
            out.append(strip_escapes(chunk))
            break
        out.append(strip_escapes(data[i:j]) + _PASTE_END)
        i, inside = j + len(_PASTE_END), False
    parser._kiosk_in_paste = inside
    return "".join(out)


def paste_filtered(chunks: list[str]) -> list[str]:
    """For tests: what :func:`_paste_filter` passes on to Textual's parser for each read."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    return [_paste_filter(parser, chunk) for chunk in chunks]


def keep_pastes_whole() -> None:
    """Install :func:`_paste_filter` in front of Textual's input parser (once)."""
    from textual._xterm_parser import XTermParser

    if getattr(XTermParser.feed, "_kiosk_paste_filter", False):
        return
    original = XTermParser.feed

    def feed(self: Any, data: str) -> Any:
        if not data:  # the end of input
            return original(self, data)
        kept = _paste_filter(self, data)
        return original(self, kept) if kept else iter(())  # all of it waits for the next read

    feed._kiosk_paste_filter = True  # type: ignore[attr-defined]
    XTermParser.feed = feed  # type: ignore[method-assign]


def parse_input(chunks: Iterable[str]) -> list[Any]:
    """What Textual's input parser makes of ``chunks`` read one after another (for tests)."""
    from textual._xterm_parser import XTermParser

    keep_pastes_whole()
    parser = XTermParser()
    out: list[Any] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    out.extend(parser.feed(""))  # the end: a lone escape waiting for more is a key
    return out


def show_toggle_state() -> None:
    """Ticked and unticked check boxes, chosen and unchosen radio options, drew the same
    mark in Textual ("X", "●"), told apart by colour alone: an off one is drawn empty."""
    from textual.widgets import Checkbox, RadioButton

    if isinstance(Checkbox.__dict__.get("BUTTON_INNER"), property):
        return
    Checkbox.BUTTON_INNER = property(lambda self: "X" if self.value else " ")  # type: ignore[assignment]
    RadioButton.BUTTON_INNER = property(lambda self: "\u25cf" if self.value else " ")  # type: ignore[assignment]
