"""The concern form's Confirm says who will see the concern (a new-user walk): about the
headteacher, who is the DSL, it said "Confirm: tell the DSL" though the DSL is the person
accused (the line afterwards rightly said the chair would see it). The words now come from
the domain's routing (concerns.who_will_see), through the actions layer."""

from __future__ import annotations

from textual.widgets import Button

from models.staff import auth
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, until
from tests.school import NOW


async def raise_about(pilot, whom: str) -> str:
    app = pilot.app
    await sign_in(pilot, "oak", DEMO_PINS["oak"])
    await quiet(pilot)
    await pilot.press("n")
    await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
    await pilot.press("down", "down", "enter")  # a member of staff (the first Down: a pupil)
    await quiet(pilot)
    box = app.screen.query_one("#concern-staff-list")
    for _ in range(box.option_count + 1):
        option = box.highlighted_option
        if option is not None and str(option.prompt).strip() == whom:  # (after the room for ●)
            break
        await pilot.press("down")
        await quiet(pilot)
    await pilot.press("enter")  # picked
    await quiet(pilot)
    await pilot.press(*["down"] * 6, "enter")  # staff conduct or allegation (the first Down: the first kind)
    await pilot.press(*"Shouted at a pupil", "enter")
    await until(pilot, lambda: app.screen.has_class("confirming"), 10, "the summary")
    return str(app.screen.query_one("#concern-yes", Button).label)


async def test_about_the_head_who_is_the_dsl_confirm_names_the_chair(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert await raise_about(pilot, "Head") == "Confirm: tell the chair of governors"


async def test_about_another_member_of_staff_confirm_names_the_dsl(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert await raise_about(pilot, "Deputy") == "Confirm: tell the DSL"
