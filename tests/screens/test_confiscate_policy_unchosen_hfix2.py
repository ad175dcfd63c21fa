"""The confiscate form's "Policy breached" has no default, as "Why" has none: its first
option was highlighted, so a quick Enter silently picked "Mobile technology policy 3".
Now Enter, or Continue, without a choice says so in one line, keeps what was typed, and
records nothing; Down then Enter chooses the first."""

from __future__ import annotations

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import find, open_history, screen_name

CHOOSE_POLICY = "Choose the policy that was breached (Down/Up, then Enter)."


async def open_form(pilot, school) -> None:
    await open_history(pilot, "office")
    await find(pilot, school.codes["000001"])
    await pilot.press("f6")
    assert screen_name(pilot.app) == "ConfiscateDialog"


async def test_enter_on_the_policy_before_choosing_says_so_and_chooses_nothing(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Filming in class", "enter")
        await quiet(pilot)
        assert app.focused.id == "confiscate-policy"
        assert not any(b.has_class("-selected") for b in app.focused.query("RadioButton"))  # no highlight
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "ConfiscateDialog" and not app.screen.has_class("confirming")
        assert app.focused.id == "confiscate-policy"
        assert app.screen.policy() is None
        assert text(app, "#confiscate-error") == CHOOSE_POLICY
        assert app.screen.query_one("#confiscate-reason").value == "Filming in class"
        assert app.screen.category() == "behaviour"
        await pilot.press("down", "enter")  # the first policy, chosen
        await quiet(pilot)
        assert app.screen.policy() == "Mobile technology policy 3 (not used in class)"
        assert app.focused.id == "confiscate-continue"
    assert not CustodyEvent.select().where(CustodyEvent.device == dev, CustodyEvent.kind == "confiscated").exists()


async def test_continue_without_a_policy_says_so_and_keeps_what_was_typed(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, school)
        await pilot.press("down", "enter", *"Filming in class", "enter", "tab")  # past the policy to Continue
        await quiet(pilot)
        assert app.focused.id == "confiscate-continue"
        await pilot.press("enter")
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#confiscate-error") == CHOOSE_POLICY
        assert app.focused.id == "confiscate-policy"
        assert app.screen.query_one("#confiscate-reason").value == "Filming in class"
        assert app.screen.category() == "behaviour"
