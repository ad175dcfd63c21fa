"""Text fields blink as the app says: off for the tests and snapshots, on at reception."""

from __future__ import annotations

from textual.widgets import Input


class FieldsBlinkAsTheAppSays:
    """Mixed into a Screen or ModalScreen (before it). Textual runs this ``on_mount`` as
    well as the screen's own (it calls each class's handler along the MRO)."""

    def on_mount(self) -> None:
        for box in self.query(Input):  # type: ignore[attr-defined]
            box.cursor_blink = self.app.cursor_blink  # type: ignore[attr-defined]
