"""F10 (police call) on a phone confiscated today: a call dated days before the confiscation
is refused in the form, in the words of the "Parents told" form, and everything typed is
kept (it was recorded: a call on 1 December about a confiscation on 7 December)."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.store.tables import PoliceContact
from tests.pilot import make_app, quiet, school  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find, open_history, screen_name

SIZE = (80, 24)


async def test_a_police_call_dated_before_the_confiscation_is_refused_in_the_form(school):
    custody.confiscate(
        device_of(school, "000001"),
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f10")
        await quiet(pilot)
        assert screen_name(app) == "PoliceContactDialog"
        dialog = app.screen
        dialog.query_one("#call-reference").value = "KP-77"
        earlier = (NOW - dt.timedelta(days=6)).strftime("%d/%m/%Y")
        dialog.query_one("#call-day").value = earlier
        dialog.action_continue()
        await quiet(pilot)
        assert screen_name(app) == "PoliceContactDialog" and not dialog.has_class("confirming")
        said = str(dialog.query_one("#call-error").render())
        assert "That is before the confiscation" in said and "or later." in said, said
        assert dialog.query_one("#call-reference").value == "KP-77"
        assert dialog.query_one("#call-day").value == earlier
    assert PoliceContact.select().count() == 0
