"""Issue 14, items 9, 3 and 4 in the office's dialogs (real keys and pastes, no sleeps).

Item 9: three lines pasted into "What happened" kept only the first, and a pasted escape
sequence was kept (shown as "^[2J"). Item 3: keys typed fast after an Enter were lost or
landed in the wrong field. Item 4: Enter on the first, highlighted option did nothing
until Down.
"""

from __future__ import annotations

import pytest
from textual import events

from kiosk.dialogs.search import OUTCOME_KEYS
from kiosk.screens.safeguarding import SafeguardingScreen
from models.custody import ledger as custody
from models.safeguarding.concerns import CATEGORIES
from models.store.tables import Concern
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, text, until
from tests.school import NOW
from tests.screens.test_history_screen import device_of
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
        await pilot.press("down", "down", "down", "enter")  # about a visitor (the first Down: a pupil)
        await pilot.press(*"Mr K", "enter", "down", "enter")  # their name; the first kind of concern
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
        await pilot.press("down", "down", "down", "enter")  # about a visitor (the first Down: a pupil)
        await pilot.pause()
        assert app.focused.id == "concern-visitor"
        await paste(pilot, "Mr K\nContractor\n")
        assert app.focused.value == "Mr K Contractor"


@pytest.mark.parametrize("escape", ["\x1b[2J", "\x1b]0;x\x07", "\x1b[31m"])
async def test_a_pasted_escape_sequence_is_removed_in_every_text_field(school, escape):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "down", "enter")  # about a visitor (the first Down: a pupil)
        await pilot.pause()
        assert app.focused.id == "concern-visitor"  # a one-line field
        await paste(pilot, f"Mr{escape} K")
        assert app.focused.value == "Mr K"
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert app.focused.id == "concern-what"
        await paste(pilot, f"Seen{escape} filming\ttoday")
        assert app.focused.value == "Seen filming today"
        await pilot.press("enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")  # nothing refused it


async def test_a_paste_longer_than_the_field_is_kept_whole(school):
    """Kept whole, not cut at the limit without a word (issue 15): Continue refuses it in one
    line (tests/screens/test_long_text_h15ui.py)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        field = app.focused
        await pilot.press(*"Mr")
        await paste(pilot, " K" + "x" * 500)
        assert field.value == "Mr K" + "x" * 500 and 0 < field.limit < len(field.value)


# ---------------------------------------------------------------- item 3: keys in one burst


async def test_the_concern_form_typed_in_one_burst_lands_in_its_fields(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        burst(
            app, ["down", "down", "down", "enter", *"Mr K", "enter", "down", "down", "enter", *"Seen filming", "enter"]
        )
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        summary = text(app, "#concern-summary")
        assert "About: Mr K (visitor)" in summary, summary
        assert "What happened: Seen filming" in summary, summary
        assert app.screen.result.category == list(CATEGORIES)[1]


async def test_a_pupil_picked_by_enter_then_the_rest_typed_at_once(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        burst(app, ["down", "enter", *"Ava"])  # about a pupil; part of her name
        await quiet(pilot)  # the matches shown
        burst(app, ["down", "enter", "down", "enter", *"Upset at break", "enter"])
        await quiet(pilot)
        assert app.screen.has_class("confirming"), (text(app, "#concern-error"), app.focused)
        summary = text(app, "#concern-summary")
        assert "About: Ava" in summary and "What happened: Upset at break" in summary, summary


async def test_the_confiscate_form_typed_in_one_burst(school):
    from tests.screens.test_dialog_fit import open_dialog

    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot, school, (80, 24), "f6")
        assert type(app.screen).__name__ == "ConfiscateDialog"
        burst(
            app,
            ["down", "enter", *"Filming in class", "enter", "down", "down", "down", "down", "enter", *"MTP 9", "enter"],
        )
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        assert app.screen.result.reason == "Filming in class"
        assert app.screen.result.policy == "MTP 9"  # the last option (Other): typed straight after


async def test_the_search_form_typed_in_one_burst(school):
    from tests.screens.test_dialog_fit import open_dialog

    custody.confiscate(
        device_of(school, "000002"),
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot, school, (80, 24), "f7")
        assert type(app.screen).__name__ == "SearchDialog"
        keys = ["down", "down", "enter", "down", "enter", *"Mrs R Hughes", "enter", *"Reported image", "enter"]
        keys += [
            *"an image",
            "enter",
            *"office",
            "enter",
            "enter",
            "enter",
            "enter",
            *"an image",
            "enter",
        ]  # issue 15's fields (when: now)
        burst(app, [*keys, "down", "down", "enter", *"DSL to call home", "enter"])
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        record = app.screen.result
        assert record.consent_by == "parent" and record.witness == "Mrs R Hughes"
        assert record.grounds == "Reported image" and record.follow_up == "DSL to call home"
        assert record.outcome == OUTCOME_KEYS[1]
        assert (record.item_sought, record.location, record.found_what) == ("an image", "office", "an image")


@pytest.mark.parametrize("start", ["visitor", "login"])
async def test_f10_then_a_username_and_pin_typed_at_once_signs_in(school, start):
    """F10 at the visitors' screen opens the staff sign-in: what is typed straight after it
    belongs in the username (it went into the visitor's name box, or nowhere)."""
    from tests.pilot import settle

    app = make_app(start="visitor") if start == "visitor" else make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if start == "login":
            await pilot.press("f2")
            await settle(pilot)
        assert type(app.screen).__name__ == "VisitorSelfServiceScreen"
        burst(app, ["f10", *"office", "enter", *DEMO_PINS["office"], "enter"])
        await until(pilot, lambda: app.signed_in is not None, seconds=20, what="signed in")
        assert type(app.screen).__name__ == "HomeScreen"


async def test_the_exception_form_typed_in_one_burst(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("n")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ExceptionFormDialog"
        burst(app, ["down", "enter", *"Ava"])  # a pupil; her name
        await quiet(pilot)  # the matches
        burst(
            app, ["enter", "down", "enter", "down", "enter", *"Read the glucose app", "enter", *"Medical room", "enter"]
        )
        burst(app, [*"On silent", "enter", *"Exception withdrawn", "enter"])
        await quiet(pilot)  # her parents listed
        burst(app, ["down", "down", "enter", "enter", "enter", *"2026-12-01", "enter", *"18/12/2026", "enter"])
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        summary = text(app, "#exc-summary")
        assert "For: Ava Patel · Oak · 000001 (pupil)" in summary
        assert "Kind: medical monitoring: reads a medical sensor, pump or monitor" in summary
        assert "Conditions: On silent" in summary
        assert "Agreed with: Raj Patel (Father), on 2026-11-12" in summary
        assert "From 2026-11-12 until 2026-12-18 (inclusive), review on 2026-12-01" in summary


# ---------------------------------------------------------------- item 4: Enter on the first option


async def release_dialog(pilot, school, adno: str):
    from tests.screens.test_release_screens import confiscate, hand_in, open_release, scan

    hand_in(school, adno)
    confiscate(school, adno)
    await open_release(pilot)
    await scan(pilot, school.codes[adno])
    await pilot.press("f4")
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "ReleaseToContactDialog"


async def test_enter_chooses_the_only_person_listed_to_collect_a_phone(school):
    app = make_app(start="release")
    async with app.run_test(size=(80, 24)) as pilot:
        await release_dialog(pilot, school, "000004")  # Dan Brown: his grandmother only
        await pilot.press("enter")
        await quiet(pilot)
        assert text(app, "#contact-chosen") == "Collecting: Eve Brown (Grandparent)"
        assert app.focused.id == "id-seen"


async def test_enter_with_several_listed_and_none_highlighted_says_what_to_do(school):
    app = make_app(start="release")
    async with app.run_test(size=(80, 24)) as pilot:
        await release_dialog(pilot, school, "000001")  # Ava Patel: mother and father
        await pilot.press("enter")
        await quiet(pilot)
        assert text(app, "#contact-chosen") == "Collecting: nobody chosen yet"
        assert text(app, "#contact-error") == "Down/Up to choose who is collecting, then Enter."
        await pilot.press("down", "enter")  # the first Down: the first person
        await quiet(pilot)
        assert text(app, "#contact-chosen") == "Collecting: Priya Patel (Mother)"


# ---------------------------------------------------------------- item 7: which field has the focus


def screen_rows(app) -> list[str]:
    import tests.svg_text as svg

    cells = svg.cells(app.export_screenshot())
    return [svg.text_of(cells[r]) for r in sorted(cells)]


async def test_the_focused_field_is_drawn_in_heavy_lines_even_without_colour(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        rows = screen_rows(app)
        heavy = [i for i, row in enumerate(rows) if "┏" in row]
        assert len(heavy) == 1 and "A pupil" in rows[heavy[0] + 1], rows  # the radio set: the only one
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        rows = screen_rows(app)
        heavy = [i for i, row in enumerate(rows) if "┏" in row]
        assert len(heavy) == 1 and "As they signed in" in rows[heavy[0] + 1], rows  # the visitor's name
        app.screen.query_one("#concern-continue").focus()
        await pilot.pause()
        rows = screen_rows(app)
        assert not any("┏" in row for row in rows)
        [top] = [row for row in rows if "━" in row and "Continue" not in row][:1]
        assert rows[rows.index(top) + 1].strip("█ ").startswith("Continue"), rows  # the button: heavy lines


async def test_the_field_being_typed_in_shows_at_80x24(school):
    """The concern form ran on under the buttons at 80x24 (24 rows high): "What happened",
    focused and typed in, could not be seen."""
    from tests.screens.test_dialog_fit import assert_whole

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        await pilot.press("down", "down", "down", "enter", *"Mr K", "enter", "down", "enter")
        await quiet(pilot)
        assert app.focused.id == "concern-what"
        assert_whole(app, "concern-what", "concern-error", "concern-continue", "concern-cancel")


async def test_the_field_reached_in_a_burst_shows_at_80x24(school):
    from tests.screens.test_dialog_fit import assert_whole

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_concern(pilot)
        burst(app, ["down", "down", "down", "enter", *"Mr K", "enter", "down", "enter", *"Seen"])
        await quiet(pilot)
        assert app.focused.id == "concern-what" and app.focused.value == "Seen"
        assert_whole(app, "concern-what", "concern-error", "concern-continue", "concern-cancel")
