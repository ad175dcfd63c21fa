"""The concern follow-up form typed in one burst, as a fast typist does: the note, Tab past
What now, a step ticked, Tab on to the LADO's (or Prevent's) day and reference. Each field
gets its own keys (the keys after a Tab went into the field the Tab left, or were lost,
before the form took its keys in order: kiosk.widgets.in_order.InOrderForm)."""

from __future__ import annotations

import datetime as dt

from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, sign_in, until
from tests.school import NOW
from tests.screens.test_follow_up_prevent_h15dom import open_follow_up

SIZE = (80, 24)


async def test_an_allegation_follow_up_typed_in_one_burst_lands_in_its_fields(school):
    concerns.raise_concern(school.office, about_kind="staff", staff_id=school.oak.id, what="Texts", now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_follow_up(pilot)
        assert app.screen.allegation
        day = NOW.date().isoformat()  # a referral is never before the concern (issue 15)
        keys = [*"Rang the LADO", "tab", "tab", "space", *["tab"] * 5, *day, "tab", *"LADO/7", "enter"]
        burst(app, keys)
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        result = app.screen.result
        assert result.note == "Rang the LADO"
        assert result.lado == (dt.date.fromisoformat(day), "LADO/7")
        assert len(result.actions) == 1
        assert not result.close


async def test_a_prevent_follow_up_typed_in_one_burst_lands_in_its_fields(school):
    pupil = Pupil.get(Pupil.admission_no == "000002").id
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil, what="Videos", category="radicalisation", now=NOW
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_follow_up(pilot)
        day = NOW.date().isoformat()  # a referral is never before the concern (issue 15)
        keys = [*"Rang Prevent", "tab", "tab", *["tab"] * 5, *day, "tab", *"Kent Prevent", "tab", *"PRV/2", "enter"]
        burst(app, keys)
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        result = app.screen.result
        assert result.note == "Rang Prevent"
        assert result.prevent == (dt.date.fromisoformat(day), "Kent Prevent", "PRV/2")
        assert result.actions == ()
