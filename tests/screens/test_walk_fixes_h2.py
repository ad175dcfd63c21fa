"""A new user's walk through the app (issue 15): the faults found, each with real keys.

1. "Parents told" (F3) and "Police contacted" (F10): the day and the time each have their
   own label, placeholders that read as examples, and accept their own separators; what is
   typed wrong is kept and said in one line.
2. Every list of a form: the first Down lands on the first option (nothing chosen before);
   the staff picker marks the chosen person with ●.
3. Drawing at 80x24 (and 110x32): the confiscation's note box, the police return's time
   label, the nude-images warning on the confirm step, all whole.
4. The history screen's footer shows PageUp and PageDown when the chain scrolls.
5. The public visitor screen's footer does not offer "Back" where Esc only explains.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input

from kiosk.widgets.in_order import field_name
from models.custody import ledger as custody
from tests.pilot import make_app, quiet, school, text  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_dialog_fit import SIZES, assert_whole
from tests.screens.test_history_screen import device_of, find, open_history

SIZE = (80, 24)


def confiscated(school) -> int:
    dev = device_of(school, "000001")
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW - dt.timedelta(hours=1),
    )
    return dev


def box(app, widget_id: str) -> Input:
    return app.screen.query_one(f"#{widget_id}", Input)


# ---------------------------------------------------------------- 1. day and time, each its own


@pytest.mark.parametrize(
    ("key", "prefix", "before", "day_words", "time_words"),
    [
        ("f3", "parents", ["1", "enter", "enter"], "Day told", "Time told"),
        ("f10", "call", ["enter", *"INC-1", "enter", "enter"], "Day called", "Time called"),
    ],
    ids=["parents-told", "police-contacted"],
)
async def test_the_day_and_the_time_have_their_own_labels_and_separators(
    school, key, prefix, before, day_words, time_words
):
    confiscated(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press(key)
        day, time = box(app, f"{prefix}-day"), box(app, f"{prefix}-time")
        assert (field_name(day), field_name(time)) == (day_words, time_words)
        assert day.placeholder.startswith("e.g. ") and time.placeholder.startswith("e.g. ")
        await pilot.press(*before)
        assert app.focused is day
        # The day's own separators, each kept as typed; a time typed here is kept too, and said.
        for typed in ("12/11/2026", "2026-11-12", "12.11.2026", "12-11-2026"):
            await pilot.press("ctrl+u", *typed)
            await quiet(pilot)
            assert day.value == typed
        await pilot.press("ctrl+u", *"12/11/2026 8:15", "enter")
        await quiet(pilot)
        assert day.value == "12/11/2026 8:15" and app.focused is day
        error = text(app, f"#{prefix}-error")
        assert error == f"Give the {day_words.lower()} as DD/MM/YYYY, e.g. 12/11/2026." and "\n" not in error
        await pilot.press("ctrl+u", *"12.11.2026", "enter")
        await quiet(pilot)
        assert app.focused is time
        for typed in ("08:15", "8.15", "0815"):
            await pilot.press("ctrl+u", *typed)
            await quiet(pilot)
            assert time.value == typed
        await pilot.press("ctrl+u", *"8.15am", "enter")
        await quiet(pilot)
        assert time.value == "8.15am" and app.focused is time
        assert text(app, f"#{prefix}-error") == f"Give the {time_words.lower()} as HH:MM, e.g. 08:15."
        await pilot.press("ctrl+u", *"8.15", "enter")
        await quiet(pilot)
        assert app.focused is not time and app.focused is not day
        assert text(app, f"#{prefix}-error") == ""


# ---------------------------------------------------------------- 4. the history footer shows PageUp/PageDown


def footer_words(app) -> dict[str, str]:
    from kiosk.textual_compat import FooterKey

    return {key.key: f"{key.key_display} {key.description}".strip() for key in app.screen.query(FooterKey)}


def bottom_lines(app, count: int = 3) -> str:
    import tests.svg_text as svg

    cells = svg.cells(app.export_screenshot())
    return "\n".join([svg.text_of(cells[r]) for r in sorted(cells)][-count:])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_history_footer_shows_page_up_and_down_while_the_chain_scrolls(school, size):
    from models.upkeep.demo import DEMO_PINS

    code = school.codes["000001"]
    for day in range(14):  # a chain longer than the box, at either size
        at = NOW - dt.timedelta(days=20 - day)
        custody.hand_in(code, school.office, now=at)
        custody.release(code, school.office, now=at + dt.timedelta(hours=7))
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "deputy", DEMO_PINS["deputy"])
        assert "pageup" not in footer_words(app) and "pagedown" not in footer_words(app)  # no phone: no chain
        await find(pilot, code)
        await quiet(pilot)
        chain_box = app.screen.query_one("#history-chain-box")
        assert 0 < chain_box.max_scroll_y == chain_box.scroll_y  # the newest shown: older ones above
        words = footer_words(app)
        assert words.get("pageup") == "pgup Older" and "pagedown" not in words
        await pilot.press("pageup")
        await quiet(pilot)
        words = footer_words(app)
        assert words.get("pagedown") == "pgdn Newer"
        assert ("pageup" in words) == (chain_box.scroll_y > 0)  # at the top: nothing older
        if "pageup" not in words:
            await pilot.press("pagedown")
            await quiet(pilot)
            words = footer_words(app)
        shown = bottom_lines(app)
        missing = [w for w in words.values() if w not in shown]
        assert not missing, f"cut from the footer at {size}: {missing}\n{shown}"


# ---------------------------------------------------------------- 5. the visitor screen's Esc, truthfully


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_public_visitor_screen_offers_back_only_where_esc_goes_back(school, size):
    from kiosk.screens.visitor_self import CLEAR_HINT, FIRST_STEP

    app = make_app(start="visitor")
    async with app.run_test(size=size) as pilot:
        await quiet(pilot)
        assert app.focused.id == "self-type"
        assert "escape" not in footer_words(app)  # the first step: nowhere to go back to
        await pilot.press("escape")
        await quiet(pilot)
        assert text(app, "#self-error") == FIRST_STEP  # Esc still explains
        await pilot.press("enter", *"Anna Smith")  # the kind chosen; on to the name
        await quiet(pilot)
        assert app.focused.id == "self-name"
        assert footer_words(app).get("escape") == "esc Back"
        assert "esc Back" in bottom_lines(app)
        await pilot.press("escape")  # back to the kind of visitor, the name kept
        await quiet(pilot)
        assert app.focused.id == "self-type" and "escape" not in footer_words(app)
        await pilot.press("escape")
        await quiet(pilot)
        assert text(app, "#self-error") == CLEAR_HINT
        assert app.screen.query_one("#self-name", Input).value == "Anna Smith"


# ---------------------------------------------------------------- 3. drawn whole at 80x24 (and 110x32)


def half_shown(app, form_id: str) -> list[str]:
    """The labels and fields of a form only partly in its view: a label over the top line
    of a field cut off below it (the police return's "Time returned" over a lone ▔ line)."""
    from textual.widgets import Label

    form = app.screen.query_one(f"#{form_id}")
    view = form.region
    cut = []
    shown = [w for w in form.children if w.display]
    for widget, below in zip(shown, [*shown[1:], None], strict=True):
        region = widget.region
        if region.area and view.overlaps(region) and not view.contains_region(region):
            cut.append(str(widget.render()) if isinstance(widget, Label) else f"#{widget.id}")
        elif isinstance(widget, Label) and view.contains_region(region) and below is not None:
            if not view.contains_region(below.region):  # its field out of view: a label over nothing
                cut.append(str(widget.render()))
    return cut


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_confiscation_note_box_is_drawn_whole_as_it_grows(school, size):
    from tests.screens.test_dialog_fit import open_dialog

    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f6")
        await pilot.press("down", "enter")  # behaviour
        await quiet(pilot)
        assert app.focused.id == "confiscate-reason"
        assert_whole(app, "confiscate-reason", "confiscate-error", "confiscate-continue")
        words = "Filming in class during the maths lesson and refusing to hand it over when asked twice by the teacher"
        await pilot.press(*words)
        await quiet(pilot)
        assert app.screen.query_one("#confiscate-reason").value == words
        assert_whole(app, "confiscate-reason", "confiscate-error", "confiscate-continue")  # its bottom border too


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_police_return_form_shows_no_label_over_a_cut_off_field(school, size):
    dev = device_of(school, "000001")
    earlier = NOW - dt.timedelta(hours=1)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=earlier
    )
    custody.hand_to_police(dev, school.head, officer="PC 1", force_reference="KP/1", now=earlier)
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        await quiet(pilot)
        assert type(app.screen).__name__ == "PoliceReturnDialog"
        for field, typed in (
            ("return-officer", "DC Shah 991"),
            ("return-reference", ""),
            ("return-day", ""),
            ("return-time", ""),
        ):
            assert app.focused.id == field
            assert not half_shown(app, "return-form"), f"cut at {size} with {field} focused"
            assert_whole(app, field, "return-error", "return-continue", "return-cancel")
            await pilot.press(*typed, "enter")
            await quiet(pilot)
        assert app.focused.id == "return-next"
        assert not half_shown(app, "return-form")
        assert_whole(app, "return-time", "return-next")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_nude_images_warning_is_whole_on_the_confirm_step(school, size):
    from kiosk.dialogs.confiscate import NUDE_GUIDANCE

    custody.hand_in(school.codes["000001"], school.office, now=NOW)  # in a slot: the longest summary
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f6")
        await pilot.press("down", "down", "down", "down", "enter")  # suspected nude or semi-nude images
        await pilot.press(*"Said an image was shared in class and shown to two others", "enter", "down", "enter")
        await quiet(pilot)
        await pilot.press("enter")  # Continue
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        assert text(app, "#confiscate-guidance") == NUDE_GUIDANCE
        assert_whole(app, "confiscate-guidance", "confiscate-yes", "confiscate-back")
        summary = text(app, "#confiscate-summary")
        assert "held for the DSL" in summary and NUDE_GUIDANCE not in summary  # said once, whole, above


# ---------------------------------------------------------------- 2. lists: the first Down, the first option


def highlighted(app, widget_id: str) -> int | None:
    from textual.widgets import OptionList, RadioSet

    from kiosk.widgets.in_order import highlighted_radio

    widget = app.screen.query_one(f"#{widget_id}")
    if isinstance(widget, RadioSet):
        return highlighted_radio(widget)
    assert isinstance(widget, OptionList)
    return widget.highlighted


async def test_on_the_concern_form_the_first_down_lands_on_the_first_option_and_the_staff_pick_is_marked(school):
    from textual.widgets import OptionList, RadioSet

    from kiosk.widgets.matches import CHOSEN, UNCHOSEN
    from models.upkeep.demo import DEMO_PINS
    from tests.pilot import sign_in

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press("n")
        await quiet(pilot)
        about = app.screen.query_one("#concern-about", RadioSet)
        assert app.focused is about and highlighted(app, "concern-about") is None
        await pilot.press("enter")  # nothing highlighted: nothing chosen
        assert about.pressed_index == -1 and text(app, "#concern-error").startswith("Choose who it is about")
        await pilot.press("down")
        assert highlighted(app, "concern-about") == 0 and about.pressed_index == -1  # highlighted, not chosen
        await pilot.press("down", "enter")  # a member of staff
        await quiet(pilot)
        assert app.focused.id == "concern-staff-list" and highlighted(app, "concern-staff-list") is None
        staff = app.screen.query_one("#concern-staff-list", OptionList)
        assert staff.option_count > 1
        await pilot.press("down")
        assert highlighted(app, "concern-staff-list") == 0
        await pilot.press("down", "enter")  # the second member of staff
        await quiet(pilot)
        prompts = [str(staff.get_option_at_index(i).prompt) for i in range(staff.option_count)]
        assert prompts[1].startswith(CHOSEN) and all(p.startswith(UNCHOSEN) for i, p in enumerate(prompts) if i != 1)
        assert app.focused.id == "concern-category" and highlighted(app, "concern-category") is None
        await pilot.press("down")
        assert highlighted(app, "concern-category") == 0
        assert app.screen.query_one("#concern-category", RadioSet).pressed_index == -1


def test_no_form_list_starts_with_its_first_option_highlighted():
    """Every radio list of a dialog's form is an UnchosenRadioSet (as confiscate's and search's):
    a plain RadioSet highlights its first option as it mounts, and the first Down skipped it."""
    import ast
    import pathlib

    import kiosk.dialogs

    paths = sorted(pathlib.Path(kiosk.dialogs.__file__).parent.glob("*.py"))
    assert len(paths) > 10
    plain = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "RadioSet":
                plain.append(f"{path.name}:{node.lineno}")
    assert not plain, plain
