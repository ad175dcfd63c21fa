"""A placeholder home screen: the school, and what the tray holds now.

The login, hand-in and release screens replace it (issue: the reception terminal).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class WelcomeScreen(Screen[None]):
    CSS_PATH = "welcome.tcss"

    class Loaded(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.app.services.settings.school_name, id="school")
        yield Static("Loading…", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.load_summary()

    @work(thread=True, exit_on_error=False, group="db")
    def load_summary(self) -> None:
        from models import reports

        held = reports.uncollected(self.app.services.clock.now())
        text = f"{len(held)} phones held now. The reception screens are not built yet."
        self.post_message(self.Loaded(text))

    def on_welcome_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#summary", Static).update(message.text)
