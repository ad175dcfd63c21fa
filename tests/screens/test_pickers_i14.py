"""Name pickers: typing part of a name, then Down and Enter, picks the FIRST match.

Issue 14, item 1: the first match was highlighted as the list came, so the first Down
moved past it and Enter chose the second pupil (a concern went to the wrong child).
"""

from __future__ import annotations

from kiosk.screens.history import HistoryScreen
from tests.pilot import make_app, quiet
from tests.screens.test_safeguarding_screens import open_screen


async def test_history_name_search_down_enter_opens_the_first_match(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_screen(pilot, "office", HistoryScreen)
        await pilot.press("f5", *"en")  # Ben Jones and Ella Green
        await quiet(pilot)
        results = app.screen.query_one("#history-results")
        names = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        first = next(n for i, n in enumerate(names) if not results.get_option_at_index(i).disabled)
        assert results.highlighted is None  # several: nothing chosen until Down
        await pilot.press("down", "enter")
        await quiet(pilot)
        pupil = app.screen.query_one("#history-pupil").render()
        assert str(pupil).split(" · ")[0] in first, (pupil, names)


async def test_concern_pupil_picker_down_enter_picks_the_first_match(school):
    from kiosk.dialogs.concern import RaiseConcernDialog
    from kiosk.screens.safeguarding import SafeguardingScreen

    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        await pilot.press("n")
        await quiet(pilot)
        assert isinstance(app.screen, RaiseConcernDialog)
        await pilot.press("down", "enter")  # about a pupil
        await pilot.pause()
        assert app.focused.id == "concern-pupil-find"
        await pilot.press(*"en")
        await quiet(pilot)
        box = app.screen.query_one("#concern-pupil-list")
        first = str(box.get_option_at_index(0).prompt)
        await pilot.press("enter")  # several and none chosen: it asks
        await pilot.pause()
        assert app.screen.pupil is None
        await pilot.press("down", "enter")
        await quiet(pilot)
        assert app.screen.pupil is not None and app.screen.pupil[1] == first
