"""The chair of governors' Home names the safeguarding task truthfully: the chair sees only
concerns about the headteacher, not "breaches and concerns" (which the DSL and the
headteacher see, and whose label is unchanged)."""

from __future__ import annotations

from models.staff import auth
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in
from tests.school import NOW

CHAIR_PIN = "947261"


async def test_the_chairs_safeguarding_task_says_concerns_about_the_headteacher(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], CHAIR_PIN, now=NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "chair", CHAIR_PIN)
        await quiet(pilot)
        assert str(app.screen.query_one("#task-safeguarding").label) == "S  Concerns about the headteacher"


async def test_the_heads_safeguarding_task_keeps_its_label(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        assert str(app.screen.query_one("#task-safeguarding").label) == "S  Safeguarding: breaches and concerns"
