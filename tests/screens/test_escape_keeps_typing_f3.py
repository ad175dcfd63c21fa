"""One Escape threw away a half-filled staff form with no question (walk, f3): F7, consent,
witness, grounds, item sought, Esc: "Cancelled: nothing was recorded." and F7 again showed
every field empty. Now Esc on a form where something was typed asks once, in the form's own
line, and a second Esc cancels; typing on in between means the next Esc asks again. A form
left untouched still closes on one Esc."""

from __future__ import annotations

from tests.pilot import quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import find, message, open_history, screen_name
from tests.screens.test_search_when_h3ui import app_at, ready

ASK = "Press Esc again to throw away what you typed, or carry on."


async def _search_form(pilot, school):
    await open_history(pilot, "deputy")
    await find(pilot, school.codes["000001"])
    await pilot.press("f7")
    await quiet(pilot)
    assert screen_name(pilot.app) == "SearchDialog"


async def test_escape_on_a_half_filled_search_asks_once_then_a_second_escape_cancels(school):
    ready(school)
    app = app_at(NOW.replace(hour=14))
    async with app.run_test(size=(80, 24)) as pilot:
        await _search_form(pilot, school)
        await pilot.press("down", "enter", "enter", *"No adult free", "enter", *"Said a video", "enter")
        await quiet(pilot)
        await pilot.press("escape")
        await quiet(pilot)
        assert screen_name(app) == "SearchDialog"
        assert text(app, "#search-error") == ASK
        assert app.screen.query_one("#search-grounds").value == "Said a video"
        await pilot.press(*"a video")  # carries on: the next Esc asks again
        await quiet(pilot)
        await pilot.press("escape")
        await quiet(pilot)
        assert screen_name(app) == "SearchDialog"
        assert app.screen.query_one("#search-item").value == "a video"
        await pilot.press("escape")
        await quiet(pilot)
        assert screen_name(app) != "SearchDialog"
        assert message(app) == "Cancelled: nothing was recorded."


async def test_escape_on_an_untouched_form_closes_it_at_once(school):
    ready(school)
    app = app_at(NOW.replace(hour=14))
    async with app.run_test(size=(110, 32)) as pilot:
        await _search_form(pilot, school)
        await pilot.press("escape")
        await quiet(pilot)
        assert screen_name(app) != "SearchDialog"
        assert message(app) == "Cancelled: nothing was recorded."
