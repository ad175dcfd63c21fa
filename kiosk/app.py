"""The Textual application and its factory.

``create_app`` is the one way to build the app: the CLI and the tests both use it, and
inject the settings, the clock, the printer and the camera source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.binding import Binding

from models.clock import Clock
from models.config import Settings


@dataclass
class Services:
    """What the screens need from outside; injected, never created by a screen."""

    settings: Settings
    clock: Clock = field(default_factory=Clock)
    printer: Any = None
    camera_source: Any = None


class KioskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Reception kiosk"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False)]

    def __init__(self, services: Services, *, start: str | None = None, kiosk_mode: bool = False) -> None:
        super().__init__()
        self.services = services
        self.start_screen = start
        self.kiosk_mode = kiosk_mode
        self.sub_title = services.settings.school_name

    def on_mount(self) -> None:
        from kiosk.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    printer: Any = None,
    camera_source: Any = None,
    start: str | None = None,
    kiosk_mode: bool = False,
) -> KioskApp:
    services = Services(settings=settings, clock=clock or Clock(), printer=printer, camera_source=camera_source)
    return KioskApp(services, start=start, kiosk_mode=kiosk_mode)
