"""Who is using the terminal and what the app was given: plain data, no Textual.

``Services`` is what the app factory injects (settings, clock, printer, camera);
``SignedIn`` is a snapshot of the member of staff signed in, safe to pass to worker
threads. Screens import these from here, never from ``kiosk.app``, so the app can
import its screens without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from models.clock import Clock
from models.config import Settings

if TYPE_CHECKING:
    from printing import PrinterSpec


@dataclass
class Services:
    """What the screens need from outside; injected, never created by a screen."""

    settings: Settings
    clock: Clock = field(default_factory=Clock)
    printer: Any = None  # printer URL or spec; None means the settings' printer
    camera_source: Any = None  # device index, video file or folder; None means the settings' camera

    @cached_property
    def printer_spec(self) -> PrinterSpec:
        """The printer jobs go to: the injected one, else the settings'. Resolved once, used everywhere."""
        from printing import PrinterSpec

        spec = self.printer if self.printer is not None else self.settings.printer
        if isinstance(spec, PrinterSpec):
            return spec
        if isinstance(spec, str):
            return PrinterSpec.from_url(spec)
        return self.settings.printer_spec if spec is self.settings.printer else PrinterSpec.from_config(spec)


@dataclass(frozen=True)
class SignedIn:
    """The member of staff using the terminal (a plain snapshot, safe across threads)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]

    @classmethod
    def of(cls, staff: Any) -> SignedIn:
        """The snapshot of a Staff row (read its roles in the calling thread)."""
        return cls(staff.id, staff.username, staff.display_name, staff.role_set)

    def may(self, action: str) -> bool:
        from models.staff.auth import permitted

        return permitted(self.roles, action)
