"""Issue 14, items 9, 3 and 4 in the office's dialogs (real keys and pastes, no sleeps).

Item 9: three lines pasted into "What happened" kept only the first, and a pasted escape
sequence was kept (shown as "^[2J"). Item 3: keys typed fast after an Enter were lost or
landed in the wrong field. Item 4: Enter on the first, highlighted option did nothing
until Down.
"""

from __future__ import annotations

import pytest
from textual import events

from kiosk.screens.safeguarding import SafeguardingScreen
from models.store.tables import Concern
from tests.pilot import make_app, quiet, text
from tests.screens.test_safeguarding_screens import open_screen


async def open_concern(pilot):
    from kiosk.dialogs.concern import RaiseConcernDialog

    await open_screen(pilot, "head", SafeguardingScreen)
    await pilot.press("n")
    await quiet(pilot)
    assert isinstance(pilot.app.screen, RaiseConcernDialog)


async def paste(pilot, text: str) -> None:
    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


async def test_three_lines_pasted_into_what_happened_are_all_kept(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "enter")  # about a visitor
        await pilot.press(*"Mr K", "enter", "enter")  # their name; the first kind of concern
        await pilot.pause()
        assert app.focused.id == "concern-what"
        await paste(pilot, "Seen filming\nin the hall\r\nduring assembly\n")
        assert app.focused.value.strip() == "Seen filming\nin the hall\nduring assembly"
        await pilot.press("enter")  # Enter goes on, as in every field
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        assert "What happened: Seen filming\nin the hall\nduring assembly" in text(app, "#concern-summary")
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert Concern.select().order_by(Concern.id.desc()).first().what == "Seen filming\nin the hall\nduring assembly"


async def test_lines_pasted_into_a_one_line_field_are_joined_not_lost(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "enter")  # about a visitor
        await pilot.pause()
        assert app.focused.id == "concern-visitor"
        await paste(pilot, "Mr K\nContractor\n")
        assert app.focused.value == "Mr K Contractor"


@pytest.mark.parametrize("escape", ["\x1b[2J", "\x1b]0;x\x07", "\x1b[31m"])
async def test_a_pasted_escape_sequence_is_removed_in_every_text_field(school, escape):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "enter")  # about a visitor
        await pilot.pause()
        assert app.focused.id == "concern-visitor"  # a one-line field
        await paste(pilot, f"Mr{escape} K")
        assert app.focused.value == "Mr K"
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert app.focused.id == "concern-what"
        await paste(pilot, f"Seen{escape} filming\ttoday")
        assert app.focused.value == "Seen filming today"
        await pilot.press("enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")  # nothing refused it


async def test_a_paste_longer_than_the_field_keeps_what_fits(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        field = app.focused
        await pilot.press(*"Mr")
        await paste(pilot, " K" + "x" * 500)
        assert field.value.startswith("Mr Kx") and len(field.value) == field.max_length
