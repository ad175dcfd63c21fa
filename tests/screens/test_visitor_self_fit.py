"""The visitor screens fit the terminal: nothing a visitor needs is off screen.

A new-user walk at 80x24 found: after "Press Enter to finish" the form came back
scrolled (the name field hidden, typing into it unseen); a too-long name's error was
below the bottom edge; a scanned old slip said "Welcome back. Check your details"
with the details hidden; and one long visitor name pushed the office list's columns
off screen. Real keys at 80x24 and 110x32, no sleeps.
"""

from __future__ import annotations

import pytest

from kiosk.screens.visitor_self import DETAILS, DONE
from models.policy.rules import rules_for
from models.upkeep.demo import DEMO_PINS
from models.visitors import visits as visitors
from tests.pilot import make_app, quiet, settings, sign_in, text
from tests.pilot import until as pilot_until
from tests.school import NOW
from tests.screens.test_dialog_fit import shown_whole
from tests.screens.test_visitor_screens import Keys, fill, open_self_service

SIZES = [(80, 24), (110, 32)]
IDS = ["80x24", "110x32"]


def assert_whole(app, *ids: str) -> None:
    missing = [i for i in ids if not shown_whole(app, f"#{i}")]
    assert not missing, f"cut off at {app.size}: {missing}"


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_after_finishing_the_form_starts_at_the_top_with_the_name_field_in_view(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_self_service(pilot)
        keys = Keys(pilot)
        await fill(keys, car="ab12 cde")
        await keys.key("enter", "2")  # accept the rules; phone in the car
        assert screen.step == DONE
        await keys.key("enter")  # finish
        assert screen.step == DETAILS
        await quiet(pilot)
        assert app.focused.id == "self-type"  # the kind of visitor first (issue 14 item 12)
        assert_whole(app, "self-welcome", "self-type", "self-name")
        await keys.type("Next")  # typing at the kinds starts the name
        assert app.screen.query_one("#self-name").value == "Next"
        assert_whole(app, "self-name")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_too_long_name_says_so_where_the_visitor_can_see_it(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_self_service(pilot)
        keys = Keys(pilot)
        assert app.focused.id == "self-type"
        await keys.key("enter")
        assert app.focused.id == "self-name"
        # typed (500 key presses took 35 s of the suite and tested nothing more; a paste this long
        # is refused whole: test_visitor_paste_s3)
        app.focused.value = "x" * 500
        await fill(keys, name="", type_chosen=True)
        await quiet(pilot)
        assert text(app, "#self-error") == "The name is too long (500 characters; at most 100)."
        assert_whole(app, "self-error")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_an_old_slip_fills_the_details_in_view(school, size):
    s = settings()
    earlier = visitors.sign_in(
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name="Jo Bloggs",
        organisation="Acme Ltd",
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Site manager",
        phone="car_or_off",
        now=NOW,
    )
    visitors.sign_out(slip_code=earlier.slip_code, now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_self_service(pilot)
        keys = Keys(pilot)
        await keys.type(earlier.slip_code)
        await keys.key("enter")
        await pilot_until(pilot, lambda: app.screen.query_one("#self-name").value == "Jo Bloggs", seconds=60)
        await quiet(pilot)
        assert text(app, "#self-error").startswith("Welcome back. Check your details")
        assert app.focused.id == "self-purpose"
        assert_whole(app, "self-error", "self-name", "self-purpose")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_long_visitor_name_leaves_every_column_of_the_office_list_on_screen(school, size):
    s = settings()
    visitors.sign_in(
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name="Bartholomew " * 7 + "Smithson-Jones",
        organisation="A" * 90,
        visitor_type="parent_carer",
        purpose="Boiler",
        visiting="Site manager",
        phone="car_or_off",
        now=NOW,
    )
    app = make_app(start="visitors")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        table = app.screen.query_one("DataTable")
        assert table.row_count == 1
        widths = [(str(c.label), c.get_render_width(table)) for c in table.ordered_columns]
        # every column on screen at both sizes (two lines a visitor when they do not fit across)
        total = sum(w for _, w in widths)
        assert total <= table.scrollable_content_region.width, (
            f"{total} columns wide in {table.scrollable_content_region.width}: {widths}"
        )
        from tests.screens.test_visitor_screens import table_rows

        assert table_rows(app)[0][2].endswith("…")
