"""The follow-up's "parents told" tick opens the parents-told form for the concern (who told
which parent, when, how): one structured record, not a bare tick as well (issue 15, f6s6)."""

from __future__ import annotations

import pytest

from models.safeguarding import concerns
from models.store.tables import ParentsInformed, Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW
from tests.screens.test_leadership_feed_g3 import open_feed, screen_name


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_ticking_parents_told_opens_the_parents_told_form_for_the_concern(school, size):
    pupil = Pupil.get(Pupil.admission_no == "000002")
    c = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil.id, what="Upset after messages in a group chat", now=NOW
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_feed(pilot)
        await pilot.press("f")
        await quiet(pilot)
        await pilot.press(*"Rang mum", "tab", "tab", "space", *["tab"] * 5, "enter")  # parents told; Continue
        await pilot.pause()
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert concerns.actions_of(c.id) == []  # no bare tick recorded
        assert screen_name(app) == "ParentsInformedDialog"
        assert f"concern #{c.id}" in text(app, "#parents-about")
        assert "1. Carol Jones (Mother)" in text(app, "#parents-listed")
        await pilot.press("1", "enter", "enter", "enter", "enter", "p", "enter", "enter")
        await quiet(pilot)
        assert "Record that Carol Jones (Mother) was told" in text(app, "#parents-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "SafeguardingScreen"
        assert text(app, "#sg-message").startswith(f"Recorded: parents told of concern #{c.id} by phone")
    row = ParentsInformed.get()
    assert (row.concern_id, row.contact.name, row.how) == (c.id, "Carol Jones", "phone")
