"""The concern form typed in one burst (issue 15, a new-user walk): "Ava Cl", Down, Enter
and the rest typed before the pupils had been looked up. Down and Enter did nothing useful
(the list had not come), the focus went back to the pupil's name, and the description was
typed into it ("No pupil found for 'test staff-kind on pupil'"). Now Down/Up and Enter typed
before the list wait for it, and the rest goes where it was typed."""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, sign_in, until

WHAT = "test staff-kind on pupil"


async def send(pilot, keys: list[str], fast: bool) -> None:
    if fast:
        burst(pilot.app, keys)
    else:
        await pilot.press(*keys)


async def raise_in_one_go(pilot, name: str, downs: int, fast: bool) -> None:
    app = pilot.app
    await sign_in(pilot, "oak", DEMO_PINS["oak"])
    await quiet(pilot)
    await pilot.press("n")
    await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
    await quiet(pilot)
    # All at once, no pause: about a pupil, the name, Down(s) and Enter, the first kind, what happened.
    await send(pilot, ["down", "enter", *name, *["down"] * downs, "enter", "down", "enter", *WHAT], fast)
    await until(pilot, lambda: app.screen.pupil is not None, 20, "the pupil picked")
    await quiet(pilot)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_a_burst_picks_the_one_pupil_and_the_description_goes_in_its_box(school, size, fast):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await raise_in_one_go(pilot, "Ava Pa", 1, fast)
        dialog = app.screen
        assert dialog.pupil[1].startswith("Ava Patel")
        assert dialog.query_one("#concern-pupil-find").value == "Ava Pa"
        assert dialog.query_one("#concern-what").value == WHAT
        assert dialog.category() is not None
        assert app.focused.id == "concern-what"


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_a_burst_with_two_downs_picks_the_second_of_several(school, size, fast):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        await quiet(pilot)
        await pilot.press("down", "enter", *"en")  # slowly: what the list for "en" holds
        await quiet(pilot)
        box = app.screen.query_one("#concern-pupil-list")
        assert box.option_count >= 2
        second = str(box.get_option_at_index(1).prompt)
        await pilot.press("backspace", "backspace")
        await quiet(pilot)
        await send(pilot, [*"en", "down", "down", "enter", "down", "enter", *WHAT], fast)
        await until(pilot, lambda: app.screen.pupil is not None, 20, "the pupil picked")
        await quiet(pilot)
        assert app.screen.pupil[1] == second
        assert app.screen.query_one("#concern-what").value == WHAT
