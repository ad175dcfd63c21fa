"""The fire roll call on screen: everyone on site, whatever the printer does.

F7 on the Visitors screen queues the printed copy and opens this screen; the line at
the top says whether the copy went to the printer or waits because it is offline, so
the office never walks out to the assembly point trusting paper that is not coming.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kiosk.actions.visitors import RollCall
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.title_bar import TitleBar


class RollCallScreen(Screen[None]):
    CSS_PATH = "roll_call.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="roll_call.back")]

    def __init__(self, roll: RollCall) -> None:
        super().__init__()
        self.roll = roll

    def compose(self) -> ComposeResult:
        yield TitleBar("Fire roll call")
        yield Static(self.roll.message, id="roll-call-printer", markup=False)
        yield Static(self.roll.title, id="roll-call-title", markup=False)
        with VerticalScroll(id="roll-call-list"):
            text = "\n".join(self.roll.lines) or "No visitors are signed in."
            yield Static(text, id="roll-call-lines", markup=False)
        yield KioskFooter()
