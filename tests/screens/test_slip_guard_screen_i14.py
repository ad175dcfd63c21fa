"""The public screen stops taking slip codes after three wrong ones in a row, and the
pause outlives the screen (kept by the app). Real keys, frozen clock."""

from __future__ import annotations

from kiosk.screens.visitor_self import DETAILS
from models.custody import codes
from tests.pilot import make_app, quiet
from tests.screens.test_visitor_screens import SIZE, error, open_self_service, self_sign_in_directly


async def test_a_fourth_wrong_slip_in_a_row_is_not_looked_up(school):
    done = self_sign_in_directly()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        for n in range(3):
            wrong = codes.make_code("S", 900 + n)
            await pilot.press(*wrong, "enter")
            await quiet(pilot)
            assert error(app) == f"No visit has slip {wrong}. Please see the office."
        await pilot.press(*done.visit.slip_code, "enter")  # even a right one waits now
        await quiet(pilot)
        assert screen.step == DETAILS
        assert error(app) == "Too many slips were not recognised here: please see the office."
        await app.pop_screen()
        screen = await open_self_service(pilot)  # a new screen: the pause is the terminal's
        await pilot.press(*done.visit.slip_code, "enter")
        await quiet(pilot)
        assert error(app) == "Too many slips were not recognised here: please see the office."
