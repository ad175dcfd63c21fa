"""A user's walk of the search form and the staff devices screen (issue 15, g2), with real keys.

1. Grounds of one letter typed over and over, and a place of one letter, are refused on Enter in
   the ledger's own words (models.text.Evidence), what was typed kept; "Hall" is a place.
2. A refused consent is recorded: "Refused by the pupil", then "not searched" with what was done
   next; searched all the same is refused to leadership.
3. "Kept by the school for the DSL" is refused at the outcome on a phone still with its owner.
4. The phone went home at another desk while the form was open: Confirm is refused where it is
   now, and the form opens again knowing where it is.
5. The nude-image refusal fits two lines of the form, at 80x24 and 110x32.
6. A staff device's return from the police refused is said in device words.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Static

from models.custody import ledger as custody
from models.custody import school_devices
from models.custody.devices import resolve
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, quiet, sign_in, text
from tests.school import NOW
from tests.screens.test_history_screen import chain, message, screen_name
from tests.screens.test_search_form_walk_s1 import OUTCOME, fill, open_form
from tests.screens.test_search_when_h3ui import LATER, SIZE, app_at

SIZES = pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])


def searches() -> int:
    return CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).count()


async def test_grounds_not_in_words_and_a_one_letter_place_are_refused_on_enter(school):
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Mr W", "enter", *"xxxxxxxxxxxx", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == custody.vague_problem("grounds", "xxxxxxxxxxxx")
        assert text(app, "#search-error").startswith("The grounds are not words")
        assert app.focused.id == "search-grounds" and app.screen.value("search-grounds") == "xxxxxxxxxxxx"
        await pilot.press(*["backspace"] * 12, *"Said a vape was used", "enter", *"vape", "enter", "x", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == "The place of the search is too short: say where, e.g. Hall or Office."
        assert app.focused.id == "search-location" and app.screen.value("search-location") == "x"
        await pilot.press("backspace", *"Hall", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == "" and app.focused.id == "search-day"


async def test_a_pupils_refusal_is_recorded_as_not_searched_with_what_was_done_next(school):
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=LATER - dt.timedelta(hours=5))
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)  # as the deputy (leadership)
        await pilot.press("down", "down", "down", "enter")  # refused by the pupil: no parent to pick
        await quiet(pilot)
        assert app.focused.id == "search-witness"
        await pilot.press(*"Mr W", "enter", *"Said a video was shared", "enter", *"a video", "enter")
        await pilot.press(*"Hall", "enter", "enter", "enter", "enter", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press(*["down"] * (OUTCOME["nothing_found"] + 1), "enter")  # searched anyway
        await quiet(pilot)
        assert text(app, "#search-error") == custody.REFUSED_NOT_SEARCHED and app.focused.id == "search-outcome"
        await pilot.press(*["down"] * (OUTCOME["not_searched"] - OUTCOME["nothing_found"]), "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == custody.REFUSED_SAY_NEXT and app.focused.id == "search-follow-up"
        await pilot.press(*"Parents phoned; DSL told", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        summary = text(app, "#search-summary")
        assert "Consent: refused by the pupil, Ava Patel" in summary
        assert "Outcome: not searched (consent refused)" in summary
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Recorded that Ava Patel's phone was not searched: consent was refused."
        assert any("not searched, consent refused by the pupil" in line for line in chain(app))
    assert searches() == 1


async def test_kept_for_the_dsl_is_refused_at_the_outcome_on_a_phone_with_its_owner(school):
    app = app_at(LATER)  # Ava's phone is with her
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="an image", outcome="kept")
        assert not app.screen.has_class("confirming")
        assert text(app, "#search-error").startswith("The phone is with its owner: confiscate it first")
        assert app.focused.id == "search-outcome"


@SIZES
async def test_a_phone_gone_home_meanwhile_is_refused_kept_on_confirm_and_the_form_knows_it(school, size):
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=LATER - dt.timedelta(hours=5))
    app = app_at(LATER)
    async with app.run_test(size=size) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="an image", outcome="kept")
        assert app.screen.has_class("confirming")  # in the tray when the form opened: allowed then
        custody.release(code, school.office, now=LATER)  # another desk, meanwhile
        await pilot.press("enter")
        await quiet(pilot)
        await drawn(pilot)
        assert screen_name(app) == "SearchDialog" and not app.screen.has_class("confirming")
        refusal = text(app, "#search-error")
        assert refusal.startswith("The phone is with its owner: confiscate it first"), refusal
        assert app.focused.id == "search-outcome"
        assert app.screen.state == custody.OUT  # opened again where the phone is now
        assert app.screen.value("search-found") == "an image" and app.screen.value("search-follow-up") == "DSL told"
    assert searches() == 0
    assert custody.state_of(resolve(code).device.id).state == custody.OUT


@SIZES
async def test_the_nude_image_refusal_is_two_lines_at_most(school, size):
    app = app_at(LATER)
    async with app.run_test(size=size) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="a nude selfie", outcome="content_deleted")
        await drawn(pilot)
        assert text(app, "#search-error") == custody.FOUND_NUDE
        error = app.screen.query_one("#search-error", Static)
        assert 1 <= error.region.height <= 2, error.region


async def test_a_staff_devices_refused_return_from_the_police_is_in_device_words(school):
    device = school_devices.hold_staff_device(
        school.head, staff_id=school.oak.id, pending="police", reason="KCSIE Part 4", description="iPhone", now=NOW
    ).device_id
    school_devices.staff_device_to_police(
        school.head, device, officer="PC Ng, number 1", force_reference="K/1", now=NOW
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await drawn(pilot)
        await pilot.press("o")
        await quiet(pilot)
        await drawn(pilot)
        assert screen_name(app) == "StaffDevicesScreen"
        await pilot.press("b")
        await drawn(pilot)
        assert screen_name(app) == "PoliceReturnDialog"
        # another terminal records the return meanwhile
        school_devices.staff_device_from_police(
            school.head, device, officer="PC Ng, number 1", reference="K/1", now=NOW
        )
        await pilot.press(*"PC Ng 4521", "enter", "enter", "enter", "enter", *"LADO to decide", "enter")
        await drawn(pilot)
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        await drawn(pilot)
        assert screen_name(app) == "PoliceReturnDialog"  # opened again, with everything typed
        refusal = text(app, "#return-error")
        assert "member of staff's device" in refusal and "phone" not in refusal and "pupil" not in refusal, refusal
