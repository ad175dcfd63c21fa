"""The kiosk's footer: the keys of the screen, and "^p palette" only where the palette
opens (a member of staff signed in, outside kiosk mode). It used to be shown at the
sign-in screen and in kiosk mode, where ctrl+p does nothing."""

from __future__ import annotations

from textual.widgets import Footer


class KioskFooter(Footer):
    def on_mount(self) -> None:
        allowed = getattr(self.app, "palette_allowed", None)
        self.show_command_palette = bool(allowed()) if callable(allowed) else False
