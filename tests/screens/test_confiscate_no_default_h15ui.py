"""The confiscate form's "Why" has no default (issue 15's leftovers): Enter before choosing
picked the first option (behaviour) silently. Now Enter, or Continue, without a choice says
so in one line, keeps what was typed, and records nothing; Down then Enter chooses."""

from __future__ import annotations

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import find, open_history, screen_name

CHOOSE = "Choose why the phone is confiscated (Down/Up, then Enter)."


async def test_enter_on_why_before_choosing_says_so_and_chooses_nothing(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        assert app.focused.id == "confiscate-category"
        assert not any(b.has_class("-selected") for b in app.focused.query("RadioButton"))  # no highlight
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "ConfiscateDialog" and app.focused.id == "confiscate-category"
        assert app.screen.category() is None
        assert text(app, "#confiscate-error") == CHOOSE
        await pilot.press("down", "enter")  # the first option, chosen
        await quiet(pilot)
        assert app.screen.category() == "behaviour" and app.focused.id == "confiscate-reason"


async def test_continue_without_a_reason_chosen_says_so_and_keeps_what_was_typed(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        await pilot.press("f6")
        await pilot.press("tab", *"Filming in class")  # straight to what happened, no choice of why
        await quiet(pilot)
        await pilot.press("tab", "down", "enter")  # the first policy, then Continue
        await quiet(pilot)
        assert app.focused.id == "confiscate-continue"
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "ConfiscateDialog" and not app.screen.has_class("confirming")
        assert text(app, "#confiscate-error") == CHOOSE
        assert app.focused.id == "confiscate-category"
        assert app.screen.query_one("#confiscate-reason").value == "Filming in class"
        assert app.screen.policy() is not None
    assert not CustodyEvent.select().where(CustodyEvent.device == dev, CustodyEvent.kind == "confiscated").exists()
