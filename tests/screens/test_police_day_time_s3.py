"""The police hand-over (F8) and return (F8 while with the police) read their day and time
as the parents-told and police-call forms do: a Day box and a Time box, each labelled, that
keep every character typed ("8.15", "11.11.2026") and say in one line what is wrong.
(They used a second parser and a box that silently dropped "." and spaces.) Real keys."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Label

from models.custody import ledger as custody
from tests.pilot import make_app, quiet, school, text  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import device_of, events_of, find, message, open_history, screen_name
from tests.screens.test_police_return_screens_i15b import with_the_police

SIZE = (80, 24)


def labels(app) -> list[str]:
    return [str(label.render()) for label in app.screen.query(Label)]


def one_line(app, widget: str) -> None:
    assert app.screen.query_one(f"#{widget}").size.height >= 1
    assert "\n" not in text(app, f"#{widget}")


async def test_the_hand_over_keeps_what_is_typed_in_its_day_and_time_boxes(school):
    dev = device_of(school, "000001")
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Suspected image",
        policy="MST 6",
        now=NOW - dt.timedelta(hours=2),
    )
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "PoliceDialog"
        assert "Day handed over (DD/MM/YYYY)" in labels(app) and "Time handed over (HH:MM)" in labels(app)
        await pilot.press(*"PC Ng", "enter", *"4521", "enter", *"KP/77", "enter")
        assert app.focused.id == "police-day"
        assert app.focused.value == "12/11/2026"
        await pilot.press("ctrl+u", *"12 Nov", "enter")
        assert app.screen.query_one("#police-day").value == "12 Nov"  # kept as typed
        assert text(app, "#police-error") == "Give the day handed over as DD/MM/YYYY, e.g. 12/11/2026."
        assert app.focused.id == "police-day"
        await pilot.press("ctrl+u", *"12.11.2026", "enter")
        assert app.focused.id == "police-time"
        await pilot.press("ctrl+u", *"25.00", "enter")
        assert app.screen.query_one("#police-time").value == "25.00"
        assert text(app, "#police-error") == "Give the time handed over as HH:MM, e.g. 08:15."
        one_line(app, "police-error")
        await pilot.press("ctrl+u", *"6.00", "enter")  # before the confiscation at 06:30
        assert text(app, "#police-error").startswith("That time is before the confiscation at 06:30")
        assert app.focused.id == "police-time"
        await pilot.press("ctrl+u", *"8.15", "enter")
        assert app.screen.query_one("#police-day").value == "12.11.2026"
        assert "When: 2026-11-12 08:15" in text(app, "#police-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert "police" in message(app)
        last = events_of(dev)[-1]
        assert (last.kind, last.at.replace(second=0, microsecond=0)) == (custody.POLICE_EV, NOW.replace(minute=15))


async def test_the_return_keeps_what_is_typed_in_its_day_and_time_boxes(school):
    dev = with_the_police(school)  # handed over at 06:30
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "PoliceReturnDialog"
        assert "Day returned (DD/MM/YYYY)" in labels(app) and "Time returned (HH:MM)" in labels(app)
        await pilot.press(*"DC Shah 991", "enter", "enter")  # the reference as offered
        assert app.focused.id == "return-day"
        await pilot.press("ctrl+u", *"11.11.2026", "enter")  # the day before the hand-over
        assert app.focused.id == "return-time"
        await pilot.press("ctrl+u", *"8.20", "enter")
        assert app.screen.query_one("#return-time").value == "8.20"
        assert text(app, "#return-error").startswith("That time is before the police hand-over at 06:30")
        await pilot.press("shift+tab")
        assert app.focused.id == "return-day"
        await pilot.press("ctrl+u", *"12/11/2026", "enter", "enter")
        await pilot.press(*"Keep until mum collects", "enter")
        assert "When: 2026-11-12 08:20" in text(app, "#return-summary")
        await pilot.press("enter")
        await quiet(pilot)
        last = events_of(dev)[-1]
        assert (last.kind, last.at.replace(second=0, microsecond=0)) == (
            custody.POLICE_RETURNED,
            NOW.replace(minute=20),
        )
