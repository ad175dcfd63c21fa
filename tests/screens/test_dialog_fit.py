"""The safeguarding dialogs of the phone history screen fit the terminal.

At 80x24 and 110x32 every step of the confiscate (F6), search (F7) and police (F8)
dialogs shows its error line and its buttons whole: a long form scrolls inside itself,
the error line and the buttons stay docked below it. Real keys, no sleeps.
"""

from __future__ import annotations

import pytest
from textual.geometry import Region

from models.custody import ledger as custody
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find

SIZES = [(80, 24), (110, 32)]


def shown_whole(app, selector: str) -> bool:
    """The widget is displayed and every cell of it is on screen, inside each of its containers."""
    widget = app.screen.query_one(selector)
    region = widget.region
    if not widget.display or region.area == 0:
        return False
    width, height = app.size
    if not Region(0, 0, width, height).contains_region(region):
        return False
    for ancestor in widget.ancestors:
        if ancestor is app.screen:
            break
        if not ancestor.region.contains_region(region):
            return False
    return True


async def assert_whole(pilot, *ids: str) -> None:
    """Each widget is shown whole once the dialog has scrolled and drawn (a bounded wait: on a
    loaded machine the scroll to the focused field lands a frame or two after the key)."""
    app = pilot.app

    def missing() -> list[str]:
        return [i for i in ids if not shown_whole(app, f"#{i}")]

    try:
        await until(pilot, lambda: not missing(), 10, "the widgets shown whole")
    except AssertionError:
        raise AssertionError(f"cut off at {app.size}: {missing()}") from None


async def open_dialog(pilot, school, size, key: str) -> None:
    await sign_in(pilot, "head", DEMO_PINS["head"])
    await quiet(pilot)
    await find(pilot, school.codes["000001" if key == "f6" else "000002"])
    await pilot.press(key)
    await quiet(pilot)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_search_dialog_fits_with_buttons_and_error_line(school, size):
    custody.confiscate(
        device_of(school, "000002"),
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f7")
        assert type(app.screen).__name__ == "SearchDialog"
        await assert_whole(pilot, "search-error", "search-continue", "search-cancel")
        await pilot.press("down", "enter", "enter")  # consent: the pupil; no witness: why not, then
        assert text(app, "#search-error") == "No witness: say why there was none."
        await assert_whole(pilot, "search-error", "search-continue", "search-cancel", "search-no-witness")
        await pilot.press("shift+tab")
        await assert_whole(pilot, "search-error", "search-continue", "search-cancel", "search-witness")
        await pilot.press(*"Mrs R Hughes", "enter", *"Reported image", "enter", *"an image", "enter")
        await pilot.press(
            *"office", "enter", "enter", "enter", "enter", "enter"
        )  # now; no one else present, nothing found
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "enter")  # nothing found
        await assert_whole(pilot, "search-error", "search-continue", "search-cancel", "search-follow-up")
        await pilot.press("enter")  # no follow-up: Continue
        assert app.screen.has_class("confirming")
        assert "Witness: Mrs R Hughes" in text(app, "#search-summary")
        await assert_whole(pilot, "search-summary", "search-yes", "search-back")
        await pilot.press("escape")  # back to the form
        await assert_whole(pilot, "search-error", "search-continue", "search-cancel")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_police_dialog_fits_with_buttons_and_error_line(school, size):
    custody.confiscate(
        device_of(school, "000002"),
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f8")
        assert type(app.screen).__name__ == "PoliceDialog"
        await assert_whole(pilot, "police-error", "police-continue", "police-cancel")
        await pilot.press("enter")
        assert text(app, "#police-error") != "Enter to go on, Esc to cancel."
        await assert_whole(pilot, "police-error", "police-continue", "police-cancel", "police-officer")
        await pilot.press(*"PC Jane Smith", "enter", *"1234", "enter", *"CR/1/26", "enter")
        await assert_whole(pilot, "police-error", "police-continue", "police-cancel", "police-day")
        await pilot.press("enter")
        await assert_whole(pilot, "police-error", "police-continue", "police-cancel", "police-time")
        await pilot.press("enter")
        assert app.screen.has_class("confirming")
        await assert_whole(pilot, "police-summary", "police-yes", "police-back")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_confiscate_dialog_fits_with_buttons_and_error_line(school, size):
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f6")
        assert type(app.screen).__name__ == "ConfiscateDialog"
        await assert_whole(pilot, "confiscate-error", "confiscate-continue", "confiscate-cancel", "confiscate-category")
        await pilot.press("down", "enter", "enter")  # why: behaviour; no reason
        assert text(app, "#confiscate-error") == "Give the reason for the confiscation."
        await assert_whole(pilot, "confiscate-error", "confiscate-continue", "confiscate-cancel", "confiscate-reason")
        await pilot.press(*"Filming in class", "enter", "down", "enter", "enter")  # first policy, then Continue
        assert app.screen.has_class("confirming")
        await assert_whole(pilot, "confiscate-summary", "confiscate-yes", "confiscate-back")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_raise_a_concern_dialog_fits_with_buttons_and_error_line(school, size):
    """helper-31: at 80x24 the dialog (N at Home) ended after "What happened": no help line, no buttons."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press("n")
        await quiet(pilot)
        assert type(app.screen).__name__ == "RaiseConcernDialog"
        await assert_whole(pilot, "concern-error", "concern-continue", "concern-cancel")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_release_to_a_parent_dialog_fits_with_buttons_and_error_line(school, size):
    """helper-31: at 80x24 the line under the buttons (its help, and why Release did nothing) was not shown."""
    from tests.screens.test_release_screens import confiscate, hand_in, open_release, scan

    hand_in(school, "000001")
    confiscate(school, "000001")
    app = make_app(start="release")
    async with app.run_test(size=size) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        await pilot.press("f4")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        await assert_whole(pilot, "contact-error", "contact-release", "contact-cancel")
        await pilot.press("tab", "tab", "enter")  # Release phone with nobody chosen
        assert text(app, "#contact-error").startswith("Choose the person collecting the phone")
        await assert_whole(pilot, "contact-error", "contact-release", "contact-cancel")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_exception_form_shows_its_error_line_and_buttons(school, size):
    """Issue 14 and a new user's walk: a wrong date on the head's exception form said so
    below the bottom edge, with Continue and Cancel out of view too."""
    from kiosk.screens.exceptions import ExceptionsScreen
    from tests.screens.test_safeguarding_screens import open_screen

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("n")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ExceptionFormDialog"
        await assert_whole(pilot, "exc-error", "exc-continue", "exc-cancel")
        app.screen.query_one("#exc-continue").press()
        await quiet(pilot)
        assert text(app, "#exc-error")  # something is missing: it says what
        await assert_whole(pilot, "exc-error", "exc-continue", "exc-cancel")


@pytest.mark.parametrize("in_slot", [False, True], ids=["with-owner", "in-slot"])
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_nude_images_confirm_step_shows_its_last_sentence(school, size, in_slot):
    """Findings after issue 15: at 80x24 the confirmation of a confiscation for suspected nude
    images (its guidance above it) cut off its last sentence, with no sign that more was below."""
    if in_slot:
        custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f6")
        await pilot.press("down", "down", "down", "down", "enter")  # suspected nude or semi-nude images
        await pilot.press(*"Image shared in a group chat", "enter", "down", "enter", "enter")
        assert app.screen.has_class("confirming")
        await assert_whole(pilot, "confiscate-guidance", "confiscate-summary", "confiscate-yes", "confiscate-back")
        box = app.screen.query_one("#confiscate-summary").parent
        await until(pilot, lambda: box.max_scroll_y == 0, 10, "the whole summary in view, nothing below it")
        summary = text(app, "#confiscate-summary")
        assert "held for the DSL" in summary
        assert "listed parent or carer collects it" not in summary  # not theirs to collect until the DSL decides


def _row_in_view(app, form_id: str, widget_id: str) -> bool:
    """The chosen row of the folded pick-list ``widget_id`` is drawn inside the form's view."""
    from textual.widgets import RadioSet

    form = app.screen.query_one(f"#{form_id}")
    radio = app.screen.query_one(f"#{widget_id}", RadioSet)
    if not radio.has_class("folded"):
        return False
    chosen = radio.query("RadioButton.-on").first()
    return chosen.region.height > 0 and form.region.contains_region(chosen.region)


@pytest.mark.parametrize("why", [1, 4], ids=["behaviour", "nude-images"])
@pytest.mark.parametrize("in_slot", [False, True], ids=["with-owner", "in-slot"])
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_folded_why_stays_in_view_with_what_happened(school, size, in_slot, why):
    """Findings after issue 15: at 80x24 the folded "Why" (the confiscation's reason) was
    scrolled out of the form's view while "What happened" was typed in, most of all with the
    longer note of a phone in a slot above the form."""
    if in_slot:
        custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f6")
        await pilot.press(*["down"] * why, "enter")  # why: behaviour, or suspected nude images (its guidance above)
        assert app.focused.id == "confiscate-reason"
        await quiet(pilot)
        await pilot.press(*"Filming in class during a lesson")
        await quiet(pilot)
        await assert_whole(pilot, "confiscate-reason")
        assert _row_in_view(app, "confiscate-form", "confiscate-category"), "the chosen why is out of view"


def _label_in_view(app, form_id: str, words: str) -> bool:
    """A label reading ``words`` is drawn whole inside the form's view."""
    form = app.screen.query_one(f"#{form_id}")
    for label in form.query("Label"):
        if str(label.render()).startswith(words):
            return label.region.height > 0 and form.region.contains_region(label.region)
    return False


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_the_search_outcome_list_keeps_its_label_in_view(school, size):
    """Findings after issue 15: with seven outcomes the list (nine rows) filled the form's view
    at 80x24 and its label, "Outcome: what was done with it", scrolled off above it."""
    custody.confiscate(
        device_of(school, "000002"),
        school.deputy,
        category="behaviour",
        reason="Used in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, school, size, "f7")
        await pilot.press("down", "enter", "enter", "shift+tab")  # consent: the pupil; then the witness
        await pilot.press(*"Mrs R Hughes", "enter", *"Reported image", "enter", *"an image", "enter")
        await pilot.press(*"office", "enter", "enter", "enter", "enter", "enter")
        assert app.focused.id == "search-outcome"
        await quiet(pilot)
        await assert_whole(pilot, "search-outcome")
        assert _label_in_view(app, "search-form", "Outcome"), "the outcome list's label is out of view"
