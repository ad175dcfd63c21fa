"""Issue 12, bad input: a date far outside the school's years typed on a screen gets one
plain line, like on the command line (9999-12-31 overflowed the day after it)."""

from __future__ import annotations

import pytest

from kiosk.screens.safeguarding import SafeguardingScreen
from tests.pilot import make_app, quiet
from tests.screens.test_safeguarding_screens import SIZE, msg, open_screen, seed_feed


@pytest.mark.parametrize(
    ("field", "typed", "what"),
    [
        ("sg-to", "9999-12-31", "end date"),
        ("sg-from", "0001-01-01", "start date"),
    ],
)
async def test_safeguarding_feed_dates_out_of_range(school, field, typed, what):
    seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        table = app.screen.query_one("#sg-feed")
        rows = table.row_count
        await pilot.press("d")
        if field == "sg-to":
            await pilot.press("enter")
        assert app.focused.id == field
        await pilot.press(*["backspace"] * 10, *typed, "enter")
        await quiet(pilot)
        assert msg(app, "#sg-message") == f"Give the {what} as a date from 01/01/2000 to 31/12/2099."
        assert app.focused.id == field
        assert app.screen.query_one(f"#{field}").value == typed  # what was typed is kept
        assert table.row_count == rows and app.is_running


async def test_exception_form_end_date_out_of_range(school):
    from kiosk.dialogs.exception_form import ExceptionFormDialog
    from kiosk.screens.exceptions import ExceptionsScreen
    from models.store.tables import AgreedException
    from tests.pilot import text

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("n")
        await quiet(pilot)
        assert isinstance(app.screen, ExceptionFormDialog)
        await pilot.press("down", "down", "down", "enter")  # a visitor
        await pilot.pause()
        await pilot.press(*"Grace", "tab", *"Navy", "tab")
        assert app.focused.id == "exc-kind"
        await pilot.press("down", "down", "down", "down", "enter")  # emergency use
        await pilot.pause()
        assert app.focused.id == "exc-allowed"
        await pilot.press(*"Calls", "enter", *"Reception", "enter", "enter", "enter")
        assert app.focused.id == "exc-agreed-on"
        await pilot.press("enter", "enter", "end", *["backspace"] * 10, *"2026-12-01", "enter")
        assert app.focused.id == "exc-ends"
        await pilot.press("end", *["backspace"] * 10, *"9999-12-31", "enter")
        app.screen.action_continue()
        await pilot.pause()
        assert text(app, "#exc-error") == "Give the end date as a date from 01/01/2000 to 31/12/2099."
        assert app.focused.id == "exc-ends"
        assert app.screen.query_one("#exc-ends").value == "9999-12-31"  # what was typed is kept
    assert AgreedException.select().count() == 0


@pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])
async def test_a_focused_date_box_shows_the_whole_date(school, size):
    """Issue 14: the date boxes showed '026-11-06' once the cursor was in them."""
    import tests.svg_text as svg

    seed_feed(school)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        await pilot.press("d", "end")  # the start date, the cursor after its last digit
        await quiet(pilot)
        assert app.focused.id == "sg-from"
        value = app.focused.value
        shown = [svg.text_of(row) for row in svg.cells(app.export_screenshot()).values()]
        assert any(f" {value} " in line for line in shown), shown[:5]
        assert app.focused.scroll_x == 0  # nothing scrolled out of the box to its left


@pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])
async def test_the_exceptions_list_shows_each_status_whole_beside_a_long_name(school, size):
    """Issue 14: a long organisation's name pushed Status off the table ('Stat', 'acti')."""
    import datetime as dt

    import tests.svg_text as svg
    from kiosk.screens.exceptions import ExceptionsScreen
    from models.policy import agreed
    from tests.school import NOW

    today = NOW.date()
    agreed.record(
        school.head,
        subject_kind="organisation",
        kind="emergency_use",
        allowed="Take calls from the duty team",
        where="Reception only",
        organisation="Kent Educational Psychology Service (every visiting psychologist)",
        agreed_on=today,
        starts_on=today,
        review_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=90),
        now=NOW,
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await quiet(pilot)
        shown = [svg.text_of(row) for row in svg.cells(app.export_screenshot()).values()]
        header = next(line for line in shown if " For " in line and "#" in line)
        row = next(line for line in shown if "Kent Educ" in line)
        assert "Until" in header and "active" in row and "2027-02-10" in row, (header, row)
