"""Pilot tests (real keys) of the police return on the phone history screen (issue 15)."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from tests.pilot import make_app, quiet, school, text  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import device_of, events_of, find, message, open_history, screen_name

SIZE = (80, 24)


def with_the_police(school) -> int:
    dev = device_of(school, "000001")
    earlier = NOW - dt.timedelta(hours=2)
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Suspected image", policy="MST 6", now=earlier)
    custody.hand_to_police(dev, school.head, officer="PC Ng, number 4521", force_reference="KP/77", now=earlier)
    return dev


async def test_f8_records_the_return_from_the_police_and_the_phone_is_held_again(school):
    dev = with_the_police(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        assert text(app, "#history-state").startswith("Now: With the police")
        await pilot.press("f8")
        assert screen_name(app) == "PoliceReturnDialog"
        assert app.screen.query_one("#return-reference").value == "KP/77"  # the hand-over's, offered
        await pilot.press("enter")
        assert text(app, "#return-error") == "Give the name and number of the officer who returned it."
        await pilot.press(*"DC Shah 991", "enter", "enter", "enter")  # the reference and the day as offered
        await pilot.press("end", *["backspace"] * 5, *"0600", "enter")  # before the hand-over at 06:30
        assert text(app, "#return-error").startswith("That time is before the police hand-over")
        await pilot.press("end", *["backspace"] * 4, *"0820", "enter")
        await pilot.press(*"Keep until mum collects", "enter")
        summary = text(app, "#return-summary")
        assert "Returned by: DC Shah 991" in summary and "Reference: KP/77" in summary
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app).startswith("Ava Patel's phone is back from the police: keep it in slot B-01")
        last = events_of(dev)[-1]
        assert (last.kind, last.officer, last.force_reference, last.reason) == (
            custody.POLICE_RETURNED,
            "DC Shah 991",
            "KP/77",
            "Keep until mum collects",
        )
        assert text(app, "#history-state").startswith("Now: Confiscated, slot B-01")
        assert "returned by the police: DC Shah 991, reference KP/77" in text(app, "#history-chain")
        await pilot.press("f8")  # no longer with the police: F8 is the hand-over again
        assert screen_name(app) == "PoliceDialog"
        await pilot.press("escape")
    assert custody.verify_states() == []


async def test_the_return_is_not_offered_to_office_staff_and_escape_cancels(school):
    with_the_police(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "HistoryScreen"
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "PoliceReturnDialog"
        await pilot.press("escape")
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Cancelled: nothing was recorded."
