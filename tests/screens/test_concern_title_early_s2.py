"""The concern form's title says who will see the concern as soon as the person it is about
is chosen (a new-user walk): about the headteacher, who is the DSL in the demo, the title
still read "Raise a concern for the DSL" until the confirm step. The words come from the
actions layer (``concern_confirm_words``), as the confirm step's do."""

from __future__ import annotations

from textual.widgets import Static

from models.staff import auth
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, until
from tests.school import NOW


async def pick_staff(pilot, whom: str) -> None:
    box = pilot.app.screen.query_one("#concern-staff-list")
    for _ in range(box.option_count + 1):
        option = box.highlighted_option
        if option is not None and str(option.prompt).strip() == whom:  # (after the room for ●)
            break
        await pilot.press("down")
        await quiet(pilot)
    await pilot.press("enter")  # picked
    await quiet(pilot)


def title(app) -> str:
    return str(app.screen.query_one(".dialog-title", Static).render()).strip()


async def test_title_names_the_chair_once_the_head_is_picked(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        assert title(app) == "Raise a concern for the DSL"
        await pilot.press("down", "down", "enter")  # a member of staff
        await quiet(pilot)
        await pick_staff(pilot, "Head")
        await until(pilot, lambda: "chair of governors" in title(app), 10, "the title naming the chair")
        assert title(app) == "Raise a concern for the chair of governors"
        assert not app.screen.has_class("confirming")
        # Back to the list, and another member of staff: the DSL again
        app.screen.query_one("#concern-staff-list").focus()
        await quiet(pilot)
        await pick_staff(pilot, "Deputy")
        await until(pilot, lambda: title(app) == "Raise a concern for the DSL", 10, "the title naming the DSL")


async def test_title_goes_back_when_it_is_no_longer_about_staff(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        await pilot.press("down", "down", "enter")  # a member of staff
        await quiet(pilot)
        await pick_staff(pilot, "Head")
        await until(pilot, lambda: "chair of governors" in title(app), 10, "the title naming the chair")
        app.screen.query_one("#concern-about").focus()
        await pilot.press("up", "enter")  # a pupil instead
        await quiet(pilot)
        await until(pilot, lambda: title(app) == "Raise a concern for the DSL", 10, "the title naming the DSL")
