"""Issue 11 on the phone history screen, with the real keys at 80x24 and 110x32.

* a police hand-over dated before the phone's latest event is refused in the form,
  which keeps everything typed;
* F2 (undo) is not offered where the domain would refuse it, and pressing it anyway
  gives the domain's one line (a teacher and the headteacher's confiscation);
* the confiscate form says what confiscating does to a phone in the tray, or with its
  owner, before it is confirmed.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from textual.widgets import Input

from models.custody import ledger as custody
from tests.pilot import make_app, school, text  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import (
    chain,
    device_of,
    events_of,
    find,
    message,
    open_history,
    quiet,
    screen_name,
)

SIZES = [(80, 24), (110, 32)]


async def until(pilot, condition, seconds: float = 60.0, what: str = "the condition") -> None:
    """Pause until ``condition()`` holds, for at most ``seconds`` of wall-clock time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds:.0f} s")
        await pilot.pause()


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return NOW.replace(hour=hh, minute=mm, second=ss)  # the frozen clock says 08:30


def visible(app, selector: str) -> bool:
    """The widget is drawn where a person sees it: what is on screen at its middle is itself
    (not scrolled off, clipped by its dialog or covered)."""
    widget = app.screen.query_one(selector)
    region = widget.region
    if not widget.display or region.height == 0 or region.width == 0:
        return False
    x, y = region.x + region.width // 2, region.y + region.height // 2
    try:
        found, _ = app.screen.get_widget_at(x, y)
    except Exception:  # nothing there: off the screen
        return False
    return found is widget or widget in found.ancestors


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_police_time_before_the_search_is_refused_and_the_form_keeps_it(school, size):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 0))
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=at(8, 10))
    search = custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Image",
        found_what="an image of another pupil",
        outcome="passed_to_police",
        now=at(8, 20, 30),
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "PoliceDialog"
        await pilot.press(*"PC Ng", "enter", *"4521", "enter", *"K/1", "enter", "enter")  # the day as offered
        await pilot.press("end", *["backspace"] * 5, *"0815", "enter")
        assert screen_name(app) == "PoliceDialog"
        assert text(app, "#police-error") == "That time is before the search at 08:20; enter 08:20 or later."
        assert visible(app, "#police-error")
        typed = [
            app.screen.query_one(f"#{w}", Input).value
            for w in ("police-officer", "police-number", "police-reference", "police-day", "police-time")
        ]
        assert typed == ["PC Ng", "4521", "K/1", "12/11/2026", "0815"]
        assert app.focused.id == "police-time"
        await pilot.press("end", *["backspace"] * 4, *"0820", "enter")  # the same minute: allowed
        assert "When: 2026-11-12 08:20" in text(app, "#police-summary")
        assert visible(app, "#police-yes")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == (
            "Ava Patel's phone handed to the police, reference K/1. "
            "It cannot be undone; only its return from the police can follow."
        )
    last = events_of(dev)[-1]
    assert last.kind == "handed_to_police" and last.at >= search.at and last.at.strftime("%H:%M") == "08:20"
    assert custody.verify_states() == []


@pytest.mark.parametrize("size", SIZES)
async def test_oak_is_not_offered_undo_of_the_headteachers_confiscation(school, size):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 0))
    conf = custody.confiscate(
        dev, school.head, category="behaviour", reason="Used in class", policy="MST 3", now=at(8, 20)
    )
    before = [e.id for e in events_of(dev)]
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000001"])
        assert "f2" not in app.screen.active_bindings  # not offered
        await pilot.press("f2")  # pressed anyway
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Only Head or someone at least as senior (headteacher) may undo this confiscation."
        assert [e.id for e in events_of(dev)] == before
        assert f"#{conf.id}" in chain(app)[-1]
        # The rest of the journey the issue found: to the release screen, and scan it for the pupil.
        await pilot.press("escape")
        assert screen_name(app) == "HomeScreen"
        await pilot.press("r")
        await quiet(pilot)
        assert screen_name(app) == "ReleaseScreen"
        await pilot.press(*school.codes["000001"], "enter")
        await until(pilot, lambda: app.screen.count >= 1, what="the scan's result")
        await quiet(pilot)
        assert text(app, "#outcome-word") == "BLOCKED"
        assert [e.id for e in events_of(dev)] == before
    assert custody.state_of(dev).state == custody.CONFISCATED


async def test_the_headteacher_is_offered_undo_of_their_own_confiscation(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 0))
    conf = custody.confiscate(
        dev, school.head, category="behaviour", reason="Used in class", policy="MST 3", now=at(8, 20)
    )
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        assert app.screen.active_bindings["f2"].enabled
        await pilot.press("f2")
        assert screen_name(app) == "ReasonDialog"
        await pilot.press(*"wrong pupil", "enter")
        await quiet(pilot)
        assert message(app) == f"Undone on Ava Patel's phone: event #{conf.id} is reversed by #{conf.id + 1}."
        # The hand-in is now the latest action: the office recorded it, and the headteacher outranks them.
        assert app.screen.active_bindings["f2"].enabled


async def test_nothing_to_undo_is_not_offered_and_says_why(school):
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000002"])
        assert "f2" not in app.screen.active_bindings
        await pilot.press("f2")
        assert message(app) == "Nothing to undo: no action on this phone is left to reverse."


@pytest.mark.parametrize("size", SIZES)
async def test_confiscating_a_phone_in_the_tray_says_what_it_means(school, size):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 0))
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000001"])
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        meaning = (
            "This phone is in slot B-01. Confiscating it keeps it in the office until a listed "
            "parent or carer collects it: it will not go back to Ava Patel at the end of the day."
        )
        assert text(app, "#confiscate-where") == meaning
        assert visible(app, "#confiscate-where")
        await pilot.press("down", "enter", *"Filming", "enter", "down", "enter", "enter")  # why: behaviour
        assert meaning in text(app, "#confiscate-summary")
        assert visible(app, "#confiscate-yes")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Confiscated Ava Patel's phone: keep it in slot B-01."
    assert custody.state_of(dev).state == custody.CONFISCATED


async def test_confiscating_a_phone_the_pupil_has_says_it_is_taken_in(school):
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000002"])
        await pilot.press("f6")
        assert text(app, "#confiscate-where") == (
            "This phone is with Ben Jones. Confiscating it means taking it now: the office keeps it in a slot "
            "until a listed parent or carer collects it."
        )


async def test_a_search_recorded_meanwhile_reopens_the_police_form_with_what_was_typed(school):
    """Another terminal records a search while the police form is open: the domain refuses the
    earlier time, and the form comes back with everything typed and the refusal on the time."""
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 0))
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=at(8, 10))
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8", *"PC Ng", "enter", *"4521", "enter", *"K/1", "enter", "enter")
        await pilot.press("end", *["backspace"] * 5, *"0815", "enter")
        assert "When: 2026-11-12 08:15" in text(app, "#police-summary")
        custody.record_search(
            dev,
            school.deputy,
            consent_by="pupil",
            witness="Head",
            item_sought="messages",
            location="the office",
            grounds="Image",
            found_what="an image of another pupil",
            outcome="passed_to_police",
            now=at(8, 20),
        )  # at the other terminal
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert screen_name(app) == "PoliceDialog"
        assert text(app, "#police-error") == "That time is before the search at 08:20; enter 08:20 or later."
        typed = [
            app.screen.query_one(f"#{w}", Input).value
            for w in ("police-officer", "police-number", "police-reference", "police-day", "police-time")
        ]
        assert typed == ["PC Ng", "4521", "K/1", "12/11/2026", "0815"]  # the same form again: exactly as typed
        assert app.focused.id == "police-time"
        await pilot.press("end", *["backspace"] * 5, *"0820", "enter", "enter")
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == (
            "Ava Patel's phone handed to the police, reference K/1. "
            "It cannot be undone; only its return from the police can follow."
        )
    assert [e.kind for e in events_of(dev)][-2:] == ["searched", "handed_to_police"]
    assert custody.verify_states() == []
