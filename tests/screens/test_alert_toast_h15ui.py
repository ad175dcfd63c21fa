"""The safeguarding alert never hides a form (issue 15's leftovers): it arrives as a
notification while the DSL is typing in a form (at 80x24 it covered the fields for 20 s);
the next key the DSL presses takes it away, and that key still goes where it was typed.
Nothing is lost: Home's alert line stays until the concern is opened."""

from __future__ import annotations

from kiosk.textual_compat import notices
from models.safeguarding import concerns
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, until
from tests.school import NOW

ALERT = "An allegation about a member of staff: raised and not yet opened. Open Safeguarding (S at Home)."


async def test_the_next_key_in_a_form_takes_the_alert_away_and_is_typed(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await pilot.press("n")  # a form: raise a concern
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        await pilot.press("down", "down", "down", "enter")  # about a visitor: the name box
        await quiet(pilot)
        field = app.focused
        await pilot.press(*"Mr")
        app.ALERT_EVERY = 0.0
        concerns.raise_concern(  # at the office's terminal, on the same database
            school.office, about_kind="staff", staff_id=school.oak.id, what="Messaged a pupil", now=NOW
        )
        await until(pilot, lambda: ALERT in notices(app), 10, "the alert")
        await pilot.press(*" K")
        await quiet(pilot)
        assert ALERT not in notices(app)  # gone at the next key …
        assert field.value == "Mr K"  # … which went where it was typed
        assert type(app.screen).__name__ == "RaiseConcernDialog"


async def test_other_notices_are_left_alone(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        app.notify("The printer is back.", title="Printer")
        await pilot.press("pagedown")
        await quiet(pilot)
        assert "The printer is back." in notices(app)
