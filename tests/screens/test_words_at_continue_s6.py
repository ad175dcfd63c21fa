"""A description that is not in words is refused at Continue, at its own field, not after the
summary (issue 15, session 6 walk). The concern form took "x", showed the summary, and only
Confirm refused it, then put the focus on the form's first field ("Who it is about"), so what
was typed next went into the wrong field. The domain's own rule (``concerns.WHAT_WORDS``) is
asked at Continue, and a refusal at Confirm puts the focus on the field it is about."""

from __future__ import annotations

import pytest

from models.safeguarding import concerns
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_a_concern_described_as_x_is_refused_at_continue_at_its_field(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
        await quiet(pilot)
        await pilot.press("down", "enter", *"Ava Pa", "down", "enter", "down", "enter", "x")
        await quiet(pilot)
        dialog = app.screen
        await pilot.press("tab", "enter")  # Continue
        await quiet(pilot)
        assert type(app.screen).__name__ == "RaiseConcernDialog"
        assert "too short" in text(app, ".dialog-error")
        assert app.focused is not None and app.focused.id == "concern-what"
        assert not dialog.query("#concern-confirm") or not dialog.query_one("#concern-confirm").display
        await pilot.press("backspace", *"Crying at break after messages")
        await quiet(pilot)
        assert "Crying at break" in dialog.query_one("#concern-what").value
        # a refusal at Confirm (the domain's, the same words) puts the focus on its field
        assert dialog.refused_at(concerns.WHAT_WORDS.problem("x")) == "concern-what"
