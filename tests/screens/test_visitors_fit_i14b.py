"""Issue 14, items 6 and 8, on the office's visitor desk: its sign-in dialog fits 80x24
(Continue always in view), Enter on the phone choice chooses and moves on, the returning
visitors list is the shared matches list, keys typed fast after an Enter land in order,
and no text on the screens is cut short. Real keys, no sleeps, every wait bounded."""

from __future__ import annotations

import pytest

from models.policy.rules import rules_for
from models.store.tables import Visit
from models.visitors import visits as visitors
from tests.pilot import burst, make_app, quiet, text, until
from tests.school import NOW
from tests.screens.test_dialog_fit import assert_whole
from tests.screens.test_visitor_screens import open_visitors

SIZES = [(80, 24), (110, 32)]
IDS = ["80x24", "110x32"]


def left_earlier(name: str, org: str, car: str = "") -> None:
    """A visitor who came before (and left): offered by the returning visitors list."""
    from tests.pilot import settings

    s = settings()
    v = visitors.sign_in(
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name=name,
        organisation=org,
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Mrs Head",
        phone="car_or_off",
        car_reg=car,
        now=NOW,
    )
    visitors.sign_out(slip_code=v.slip_code, now=NOW)


async def open_dialog(pilot) -> None:
    await open_visitors(pilot)
    await pilot.press("f2")
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "VisitorSignInDialog"


def value(app, name: str) -> str:
    return app.screen.query_one(f"#vsign-{name}").value


def focused(app) -> str | None:
    return app.focused.id if app.focused is not None else None


# ---------------------------------------------------------------- the dialog fits


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_continue_and_the_help_line_show_from_the_first_field_to_the_last(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot)
        assert_whole(app, "vsign-error", "vsign-continue", "vsign-cancel", "vsign-name")
        moves = [("enter", f) for f in ("organisation", "type", "purpose", "visiting", "car", "phone", "rules")]
        moves += [("tab", f) for f in ("id", "dbs", "dbs-by", "supervised", "continue")]
        for key, field in moves:
            await pilot.press(key)
            await quiet(pilot)
            await pilot.wait_for_scheduled_animations()  # (the form scrolls the box into view)
            assert focused(app) == f"vsign-{field}"
            assert_whole(app, "vsign-error", "vsign-continue", "vsign-cancel", f"vsign-{field}")
        await pilot.press("shift+tab", "shift+tab", "enter")  # Enter in the last box goes on: the first problem
        await quiet(pilot)
        assert text(app, "#vsign-error") == "Please give the name."
        assert_whole(app, "vsign-error", "vsign-continue", "vsign-name")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_enter_on_the_phone_choice_chooses_it_and_moves_on(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot)
        await pilot.press(*"Jo Bloggs", "enter", "enter", "enter", *"Meeting", "enter", *"Mrs Head", "enter", "enter")
        await quiet(pilot)
        assert focused(app) == "vsign-phone"
        await pilot.press("down", "enter")  # left in the car, or switched off
        await quiet(pilot)
        assert focused(app) == "vsign-rules"
        await pilot.press("space")  # the rules accepted; a parent needs no ID check
        app.screen.query_one("#vsign-continue").focus()
        await pilot.press("enter")
        await quiet(pilot)
        summary = text(app, "#vsign-summary")
        assert "Phone: Left in the car, or switched off" in summary
        assert_whole(app, "vsign-yes", "vsign-back")
        await pilot.press("enter")
        await quiet(pilot)
        assert Visit.get().phone_choice == "car_or_off"


# ---------------------------------------------------------------- returning visitors


async def test_the_first_down_highlights_the_first_returning_visitor_and_the_list_stays_gone(school):
    left_earlier("Bob Builder", "Fixit", car="AB12 CDE")
    left_earlier("Bobby Brown", "Acme")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await pilot.press(*"Bob")
        await quiet(pilot)
        box = app.screen.query_one("#vsign-returning")
        assert box.display and box.option_count == 2
        assert box.highlighted is None  # nothing chosen for the office until Down
        first = str(box.get_option_at_index(0).prompt)
        await pilot.press("down")
        await quiet(pilot)
        assert box.highlighted == 0 and focused(app) == "vsign-name"  # the FIRST match, typing kept
        await pilot.press("enter")
        await quiet(pilot)
        name = first.split(" (")[0]
        assert value(app, "name") == name
        assert value(app, "organisation") == {"Bob Builder": "Fixit", "Bobby Brown": "Acme"}[name]
        assert focused(app) == "vsign-purpose"
        assert not box.display  # and it does not come back once its search has answered
        await quiet(pilot)
        assert not box.display
        await pilot.press(*"Boiler")
        await quiet(pilot)
        assert not box.display and value(app, "purpose") == "Boiler"


async def test_enter_without_choosing_keeps_a_new_visitor_new(school):
    left_earlier("Jane Smithers", "Acme")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await pilot.press(*"Jane Smith")
        await quiet(pilot)
        box = app.screen.query_one("#vsign-returning")
        assert box.option_count == 1 and box.highlighted is None  # one match, not chosen for them
        await pilot.press("enter")
        await quiet(pilot)
        assert value(app, "name") == "Jane Smith" and value(app, "organisation") == ""
        assert focused(app) == "vsign-organisation" and not box.display
        assert app.screen.picked is None


# ---------------------------------------------------------------- keys in order


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_form_typed_in_one_burst_lands_in_its_own_fields(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot)
        burst(
            app,
            [
                *"Bob Buildex",
                "backspace",
                "r",
                "enter",
                *"Fixit",
                "enter",
                "down",
                "enter",  # contractor
                *"Boiler",
                "enter",
                *"Caretaker",
                "enter",
                "enter",  # no car
                "down",
                "down",
                "enter",  # phone: an exception agreed with the headteacher
                "space",  # the rules
                "tab",
                "space",  # the photo ID
                "tab",
                "tab",
                *"HR at NHS",  # (DBS confirmed by)
            ],
        )
        await until(pilot, lambda: value(app, "dbs-by") == "HR at NHS", seconds=30, what="the last box filled")
        await quiet(pilot)
        assert app.screen.query_one("#vsign-rules").value and app.screen.query_one("#vsign-id").value
        assert not app.screen.query_one("#vsign-dbs").value
        assert [value(app, n) for n in ("name", "organisation", "purpose", "visiting", "car")] == [
            "Bob Builder",
            "Fixit",
            "Boiler",
            "Caretaker",
            "",
        ]
        assert app.screen.visitor_type == "contractor"
        assert app.screen.query_one("#vsign-phone").highlighted == 2
        assert focused(app) == "vsign-dbs-by"


# ---------------------------------------------------------------- text cut short


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_hand_in_log_keeps_the_result_word_whole(school, size):
    from models.custody import codes
    from models.upkeep.demo import DEMO_PINS
    from tests.pilot import sign_in
    from tests.screens.test_scan_screens_i11 import scan

    unknown = codes.make_code("K", 555555)
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, unknown)
        log = app.screen.query_one("#log")
        header, row = log.render_line(0).text, log.render_line(1).text
        assert header.split() == ["#", "Time", "Code", "Pupil", "Class", "Result"]
        assert f"NOT REGISTERED: {unknown[:4]}" in row  # the word, and the start of why
        assert row.index("NOT REGISTERED") == header.index("Result")


def test_cut_text_counts_cells_not_characters():
    from rich.cells import cell_len

    from kiosk.screens.visitors import NAME_CAP, _cap
    from kiosk.widgets.scan_log import _fit

    party = "Bob 🎉🎉🎉 Builder of Great Big Things Ltd"
    assert cell_len(_cap(party, NAME_CAP)) <= NAME_CAP and _cap(party, NAME_CAP).endswith("…")
    assert _cap("Bob 🎉", NAME_CAP) == "Bob 🎉"
    for width in (5, 10, 14):
        assert cell_len(_fit("🎉 Ava 🎉 Clarke", width)) == width


async def test_an_emoji_in_a_name_keeps_the_visitors_columns_in_line(school):
    from rich.cells import cell_len

    from tests.screens.test_visitor_screens import self_sign_in_directly

    self_sign_in_directly(name="Zoë 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉 Party", org="🎈" * 30)
    self_sign_in_directly(name="Amy Alpha", org="Acme")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_visitors(pilot)
        from tests.screens.test_visitor_screens import table_rows

        names = [row[2] for row in table_rows(app)]
        orgs = [row[6] for row in table_rows(app)]
        assert all(cell_len(n) <= 24 for n in names) and all(cell_len(o) <= 20 for o in orgs)
        assert any(n.endswith("…") for n in names)


def test_the_command_line_table_lines_up_names_with_emoji(capsys):
    from rich.cells import cell_len

    from kiosk.cli._common import emit

    emit([{"name": "Zoë 🎉🎉 Party", "class": "Oak"}, {"name": "Amy Alpha", "class": "Beech"}], "table")
    lines = capsys.readouterr().out.splitlines()
    starts = {cell_len(line[: line.index(word)]) for line, word in zip(lines, ["CLASS", "Oak", "Beech"], strict=True)}
    assert len(starts) == 1, lines  # the second column starts at the same cell on every line


def test_the_safeguarding_feed_measures_names_in_cells():
    from types import SimpleNamespace

    from kiosk.screens.safeguarding import column_widths

    entries = [
        SimpleNamespace(
            subject="🎉🎉🎉 Ava", class_name="Oak", kind="search", kind_text="search", seen=True, undone=False
        )
    ]
    assert column_widths(entries, 110)["about"] == len("🎉🎉🎉 Ava") + 3  # three emoji: three more cells


def test_the_print_preview_measures_emoji_in_cells():
    from rich.cells import cell_len as cells

    from printing.documents import Band, Document, KeyValue, Text
    from printing.render import to_text

    doc = Document(
        title="Visitor",
        blocks=(
            Text("Zoë 🎉🎉 Party", align="center"),
            Band("🎉 IN"),
            KeyValue(rows=(("Name 🎉", "Zoë 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉 Party"), ("Visiting", "Mrs Head"))),
        ),
    )
    lines = to_text(doc, 32).splitlines()
    assert all(cells(line) <= 32 for line in lines), lines
    centred = next(line for line in lines if "Party" in line and "Name" not in line)
    assert cells(centred[: centred.index("Z")]) == (32 - cells("Zoë 🎉🎉 Party")) // 2
    band = next(line for line in lines if "IN" in line)
    assert cells(band) == 32
    name = next(line for line in lines if line.startswith("Name"))
    visiting = next(line for line in lines if line.startswith("Visiting"))
    assert cells(name[: name.index("Zoë")]) == cells(visiting[: visiting.index("Mrs")])  # the values line up
