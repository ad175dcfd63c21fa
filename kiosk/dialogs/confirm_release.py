"""Ask before releasing a phone chosen from the class checklist: True to release it.

Enter on a row is easy to press by mistake (or twice), so releasing by selection asks
first, naming the pupil and the slot. Enter or Y releases, Esc (or N) cancels. A scan
of the label needs no asking: it is the normal path.

Nothing here takes typed text, so printable keys other than Y and N are a scan (or a
slip): their terminator is not taken as "yes". The box is docked at the bottom of the
screen, small enough for 80×24, so the list above stays readable.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmReleaseDialog(ModalScreen[bool]):
    CSS_PATH = "confirm_release.tcss"  # the list stays in sight, dimmed, above the question
    DEFAULT_CSS = """
    ConfirmReleaseDialog {
        align: center bottom;
    }
    ConfirmReleaseDialog > #confirm-release {
        dock: bottom;
        width: 100%;
        height: auto;
        margin-bottom: 1;
        border: thick $warning;
        padding: 0 2;
        background: $surface;
    }
    ConfirmReleaseDialog #confirm-release-question {
        text-style: bold;
    }
    ConfirmReleaseDialog #confirm-release-help {
        color: $text-muted;
    }
    ConfirmReleaseDialog #confirm-release-error {
        color: $warning;
        height: auto;
        display: none;
    }
    ConfirmReleaseDialog #confirm-release-error.shown {
        display: block;
    }
    """

    def __init__(self, pupil: str, where: str) -> None:
        """``where``: the phone's place as the list says it ("slot B-07", or the overflow place)."""
        super().__init__()
        self.pupil = pupil
        self.where = where
        self.stray = False  # printable keys arrived: a scan, not a person answering

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-release"):
            yield Static(
                f"Release {self.pupil}'s phone from {self.where or 'its place'}?",
                id="confirm-release-question",
                markup=False,
            )
            yield Static("Enter or Y: release it to the pupil · Esc: cancel", id="confirm-release-help")
            yield Static("", id="confirm-release-error", markup=False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if event.key == "escape" or (event.character in ("n", "N") and not self.stray):
            self.dismiss(False)
        elif event.character in ("y", "Y") and not self.stray:
            self.dismiss(True)
        elif event.is_printable and event.character and event.character.strip():
            self.stray = True
        elif event.key in ("enter", "tab") and self.stray:
            self.stray = False
            error = self.query_one("#confirm-release-error", Static)
            error.update(
                "A scan was ignored: nothing was released. Press Enter or Y to release, Esc to cancel, then scan again."
            )
            error.add_class("shown")
        elif event.key == "enter":
            self.dismiss(True)
