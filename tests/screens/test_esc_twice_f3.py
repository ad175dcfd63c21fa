"""Esc pressed quickly twice in the concern form (issue 15, f3: two helpers saw it "go back only one
step"). Each Esc acts on what is on screen when its turn comes, and nothing typed is lost without
being asked: from the summary, Esc goes back to the form and the next Esc asks before throwing
anything away. Typed fast straight after the Enter that goes on to the summary (a lookup in a
worker), the two Escs acted on the form as it was before it: the first asked, the second threw the
concern away, and the summary came up for nothing. Now they wait for the summary, as when typed
slowly. Keys sent fast with ``burst`` (no waiting for idle) and slowly with ``pilot.press``."""

from __future__ import annotations

import pytest

from kiosk.dialogs.two_step import ASK_ESC
from models.store.tables import Concern
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, sign_in, text, until

WHAT = "Upset after a group chat"


async def filled_form(pilot):
    app = pilot.app
    await sign_in(pilot, "oak", DEMO_PINS["oak"])
    await quiet(pilot)
    await pilot.press("n")
    await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
    await quiet(pilot)
    await pilot.press("down", "enter", *"Ava Pa", "down", "enter", "down", "enter", *WHAT)
    await quiet(pilot)
    return app.screen


async def send(pilot, keys, fast: bool) -> None:
    if fast:
        burst(pilot.app, keys)
    else:
        await pilot.press(*keys)
    await quiet(pilot)


def asked_and_kept(app, dialog) -> None:
    assert app.screen is dialog and not dialog.has_class("confirming")
    assert text(app, "#concern-error") == ASK_ESC
    assert dialog.query_one("#concern-what").value == WHAT and dialog.pupil is not None


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_enter_then_esc_twice_goes_back_from_the_summary_and_asks(school, size, fast):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        dialog = await filled_form(pilot)
        await send(pilot, ["enter", "escape", "escape"], fast)
        asked_and_kept(app, dialog)
        assert Concern.select().count() == 0
        await send(pilot, ["escape"], fast)  # asked: this one throws it away
        assert type(app.screen).__name__ == "HomeScreen" and Concern.select().count() == 0


@pytest.mark.parametrize("fast", [True, False])
async def test_esc_twice_on_the_summary_goes_back_and_asks(school, fast):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await filled_form(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: dialog.has_class("confirming"), 10, "the summary")
        await send(pilot, ["escape", "escape"], fast)
        asked_and_kept(app, dialog)


@pytest.mark.parametrize("fast", [True, False])
async def test_enter_then_esc_then_enter_comes_back_to_the_summary(school, fast):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await filled_form(pilot)
        await send(pilot, ["enter", "escape"], fast)  # the summary, then back to the form
        assert app.screen is dialog and not dialog.has_class("confirming")
        assert app.focused.id == "concern-continue"
        await send(pilot, ["enter"], fast)  # Continue again
        await until(pilot, lambda: dialog.has_class("confirming"), 10, "the summary again")
        assert Concern.select().count() == 0
