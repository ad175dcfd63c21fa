"""F5 ("Start again") on the public visitor screen, with Down and Enter typed straight after
it (as a person does, one read of the terminal): the keys after F5 reach the first step's
list ("I am a"), exactly as on a fresh start. F5 ran after them (an ordinary binding, run
once the focused list had passed the key on), so Down and Enter were lost and the screen
sat at "What kind of visitor are you?" until Esc."""

from __future__ import annotations

from kiosk.screens.visitor_self import DETAILS, MESSAGE
from tests.pilot import burst, make_app, quiet, until
from tests.screens.test_visitor_screens import open_self_service

SIZE = (80, 24)


async def test_down_and_enter_typed_straight_after_f5_choose_the_second_kind(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        burst(app, ["f5", "down", "enter"])
        await until(pilot, lambda: screen.step == MESSAGE, what="the contractor's message", seconds=20)
        assert "Contractor" in screen.query_one("#self-message").render().plain


async def test_after_going_back_f5_then_down_and_enter_choose_again(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press("down", "enter")  # a contractor: "see the office"
        await quiet(pilot)
        assert screen.step == MESSAGE
        await pilot.press("escape")  # back to the form, the kind still chosen
        await quiet(pilot)
        assert screen.step == DETAILS
        burst(app, ["f5", "down", "enter"])
        await until(pilot, lambda: screen.step == MESSAGE, what="the message after F5", seconds=20)
        kinds = screen.query_one("#self-type")
        assert kinds.highlighted == 1
