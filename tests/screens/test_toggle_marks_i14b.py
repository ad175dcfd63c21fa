"""New-user walk (issue 14): ticked and unticked boxes (ID seen, DBS assurance), and
chosen and unchosen radio options, drew the same mark ("▐X▌", "▐●▌"): only its colour
differed, which a monochrome console or a colour-blind reader cannot tell apart. An
unticked box and an unchosen option now draw an empty mark."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, RadioButton, RadioSet

from kiosk.textual_compat import show_toggle_state
from tests.svg_text import cells, text_of


class Toggles(App[None]):
    def compose(self) -> ComposeResult:
        yield Checkbox("Ticked", value=True)
        yield Checkbox("Not ticked", value=False)
        with RadioSet():
            yield RadioButton("Chosen", value=True)
            yield RadioButton("Not chosen")


async def test_the_mark_says_whether_it_is_ticked():
    show_toggle_state()
    app = Toggles()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        shown = [text_of(row) for row in cells(app.export_screenshot()).values()]
    line = {
        label: next(r for r in shown if f" {label}" in r and (label != "Ticked" or "Not" not in r))
        for label in ("Ticked", "Not ticked", "Chosen", "Not chosen")
    }
    assert "X" in line["Ticked"] and "X" not in line["Not ticked"]
    assert "●" in line["Chosen"] and "●" not in line["Not chosen"]
