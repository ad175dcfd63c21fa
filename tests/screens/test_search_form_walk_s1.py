"""A new user's walk of the search form (F7, s1).

- What the ledger refuses about the outcome (a nude image deleted or handed back, a phone with
  its owner "passed to police") is said before the confirm step, at the outcome, in the
  ledger's words; and whatever the ledger still refuses on Confirm (the phone moved meanwhile)
  opens the form again with everything typed and the refusal shown (it used to close the form
  and lose it all: only a refused time reopened it).
- With the day and time left empty, the confirm step does not claim the time the form was
  opened ("now (16:09)"): it says the search is dated when Confirm is pressed, and it is.
- Grounds or an item sought too short to mean anything ("x") are refused in one line, keeping
  what was typed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Label

from models.custody import ledger as custody
from models.custody.devices import resolve
from tests.pilot import quiet, text, until
from tests.screens.test_history_screen import find, message, open_history, screen_name
from tests.screens.test_search_when_h3ui import LATER, SIZE, app_at, latest, ready

OUTCOME = {key: index for index, key in enumerate(custody.SEARCH_OUTCOMES)}


async def open_form(pilot, school, adno="000001"):
    await open_history(pilot, "deputy")
    await find(pilot, school.codes[adno])
    await pilot.press("f7")
    await quiet(pilot)
    assert screen_name(pilot.app) == "SearchDialog"


async def fill(pilot, *, found="", outcome="nothing_found", grounds="Said a video was shared", item="a video"):
    """Everything, in order, with Enter; the day and time empty (now); Continue."""
    await pilot.press("down", "enter", *"Mr W", "enter", *grounds, "enter", *item, "enter")
    await pilot.press(*"Head's office", "enter", "enter", "enter", *"Class TA", "enter", *found, "enter")
    await quiet(pilot)
    assert pilot.app.focused.id == "search-outcome"
    await pilot.press(*["down"] * (OUTCOME[outcome] + 1), "enter")
    await quiet(pilot)
    if pilot.app.focused.id == "search-follow-up":  # else the outcome was refused as chosen
        await pilot.press(*"DSL told", "enter")
        await quiet(pilot)


def typed(screen) -> dict[str, str]:
    fields = ("witness", "grounds", "item", "location", "others", "found", "follow-up")
    return {f: screen.value(f"search-{f}") for f in fields}


async def test_a_nude_image_deleted_is_refused_before_the_confirm_step_at_the_outcome(school):
    # in the tray: "kept by the school for the DSL" is for a phone the school holds (not one with its owner)
    custody.hand_in(school.codes["000001"], school.office, now=LATER - dt.timedelta(hours=5))
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="a nude selfie", outcome="content_deleted")
        assert screen_name(app) == "SearchDialog" and not app.screen.has_class("confirming")
        assert text(app, "#search-error") == custody.FOUND_NUDE
        assert app.focused.id == "search-outcome"
        assert typed(app.screen)["found"] == "a nude selfie" and typed(app.screen)["others"] == "Class TA"
        # put right: kept by the school for the DSL
        await pilot.press(*["down"] * (OUTCOME["kept"] - OUTCOME["content_deleted"]), "enter", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")


async def test_a_phone_with_its_owner_passed_to_police_is_refused_before_the_confirm_step(school):
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="threats", outcome="passed_to_police")
        assert not app.screen.has_class("confirming")
        assert text(app, "#search-error").startswith("The phone is with its owner: confiscate it first")
        assert app.focused.id == "search-outcome"


async def test_any_refusal_on_confirm_reopens_the_form_with_everything_typed(school):
    """The phone was in the tray when the form opened; it goes home before Confirm."""
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=LATER - dt.timedelta(hours=5))
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await fill(pilot, found="threats", outcome="passed_to_police")
        assert app.screen.has_class("confirming")
        custody.release(code, school.office, now=LATER)  # another desk, meanwhile
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "SearchDialog" and not app.screen.has_class("confirming")
        refusal = text(app, "#search-error")
        assert refusal.startswith("The phone is with its owner: confiscate it first") and "\n" not in refusal
        assert app.focused.id == "search-outcome"
        assert typed(app.screen) == {
            "witness": "Mr W",
            "grounds": "Said a video was shared",
            "item": "a video",
            "location": "Head's office",
            "others": "Class TA",
            "found": "threats",
            "follow-up": "DSL told",
        }
        assert app.screen.pressed("search-consent") == 0
        assert app.screen.pressed("search-outcome") == OUTCOME["passed_to_police"]
    assert latest(resolve(code).device.id).kind != "searched"


async def test_the_confirm_step_does_not_claim_the_time_the_form_opened_and_confirm_dates_it(school):
    dev = ready(school)
    app = app_at(LATER)  # the form opens at 14:30
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        app.services.clock.advance(minutes=7)  # typing takes a while
        await fill(pilot)
        assert app.screen.has_class("confirming")
        summary = text(app, "#search-summary")
        assert "14:30" not in summary
        assert "When: now (when you confirm)" in summary
        app.services.clock.advance(minutes=5)  # and reading it
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded the search of Ava Patel's phone."
    assert latest(dev).kind == "searched" and latest(dev).at == LATER + dt.timedelta(minutes=12)


async def test_a_time_typed_after_the_form_opened_is_not_in_the_future(school):
    dev = ready(school)
    app = app_at(LATER)  # 14:30
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        app.services.clock.advance(minutes=10)  # 14:40: the search at 14:35 is past
        await pilot.press("down", "enter", *"Mr W", "enter", *"Said a video was shared", "enter", *"a video", "enter")
        await pilot.press(*"Head's office", "enter", "enter", *"14:35", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == "" and app.focused.id == "search-others"
        await pilot.press("enter", "enter", "down", "enter", "enter")
        await quiet(pilot)
        assert "When: 14:35 on Thu 12 Nov" in text(app, "#search-summary")
        await pilot.press("enter")
        await quiet(pilot)
    assert latest(dev).at == LATER + dt.timedelta(minutes=5)


async def test_one_letter_grounds_and_item_are_refused_on_enter_and_at_continue(school):
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Mr W", "enter", "x", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == custody.VAGUE["grounds"]
        assert app.focused.id == "search-grounds" and app.screen.value("search-grounds") == "x"
        await pilot.press("tab", "?", "enter")  # the item: no letters at all
        await quiet(pilot)
        assert text(app, "#search-error") == custody.VAGUE["item_sought"]
        assert app.focused.id == "search-item" and app.screen.value("search-item") == "?"
        # on past both to the end: Continue says the first again, where it is
        await pilot.press("tab", *"office", "enter", "enter", "enter", "enter", "enter", "down", "enter", "enter")
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#search-error") == custody.VAGUE["grounds"] and app.focused.id == "search-grounds"
        assert app.screen.value("search-location") == "office"


SLACK = 2  # columns between the label's end and the scrollbar (at 80x24 it ended against it)


def label_whole(app, label) -> bool:
    """Every cell of the label's text is inside its scrolling box, left of its scrollbar."""
    from rich.cells import cell_len

    box = label.parent.scrollable_content_region  # the box without its scrollbar
    region = label.content_region
    shown = region.width * region.height >= cell_len(str(label.render()))
    return box.contains_region(region) and shown and box.right - region.right >= SLACK


@pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])
async def test_the_when_label_is_whole_beside_the_scrollbar(school, size):
    app = app_at(LATER)
    async with app.run_test(size=size) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Mr W", "enter", *"Said a video was shared", "enter", *"a video", "enter")
        await pilot.press(*"Head's office", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-day"
        label = app.screen.query_one("#search-when-label", Label)
        await until(pilot, lambda: label.region.area > 0, 10, "the label laid out")
        assert label_whole(app, label), (label.content_region, label.parent.scrollable_content_region)


async def test_the_outcome_is_checked_against_what_was_found_on_enter(school):
    custody.hand_in(
        school.codes["000001"], school.office, now=LATER - dt.timedelta(hours=5)
    )  # kept: held by the school
    app = app_at(LATER)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Mr W", "enter", *"Said a video was shared", "enter", *"a video", "enter")
        await pilot.press(*"Head's office", "enter", "enter", "enter", "enter", *"naked photos", "enter")
        await pilot.press(*["down"] * (OUTCOME["returned"] + 1), "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == custody.FOUND_NUDE  # said at once, not only at Continue
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "enter")  # kept by the school for the DSL
        await quiet(pilot)
        assert text(app, "#search-error") == "" and app.focused.id == "search-follow-up"
