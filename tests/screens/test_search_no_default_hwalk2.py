"""The search form's "Consent given by" and "Outcome" lists have no default (a new-user walk):
Enter straight away recorded a consent ("the pupil") and an outcome ("nothing found") nobody
chose. Now Enter, or Continue, with nothing chosen says so in one line and keeps what was
typed. The "Found" label says what the rule asks, and a witness who is the searcher puts the
focus back on the witness field."""

from __future__ import annotations

from models.custody import ledger as custody
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import find, open_history, screen_name

SIZE = (80, 24)
CONSENT = "Say who consented or refused: the pupil or a listed parent/carer."
OUTCOME = "Choose the outcome (Down/Up, then Enter)."


async def open_search(pilot, school):
    await open_history(pilot, "deputy")
    await find(pilot, school.codes["000001"])
    await pilot.press("f7")
    assert screen_name(pilot.app) == "SearchDialog"


async def test_enter_on_consent_before_choosing_says_so_and_chooses_nothing(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot, school)
        assert app.focused.id == "search-consent"
        assert not any(b.has_class("-selected") for b in app.focused.query("RadioButton"))
        await pilot.press("enter")
        await quiet(pilot)
        assert app.focused.id == "search-consent" and app.screen.pressed("search-consent") < 0
        assert text(app, "#search-error") == CONSENT
        await pilot.press("down", "enter")  # the pupil, chosen
        await quiet(pilot)
        assert app.screen.pressed("search-consent") == 0 and app.focused.id == "search-witness"


async def test_enter_on_outcome_before_choosing_says_so_and_keeps_what_was_typed(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot, school)
        await pilot.press("down", "enter", *"Mr W", "enter", *"Reported", "enter", *"an image", "enter")
        await pilot.press(*"office", "enter", "enter", "enter", "enter", "enter")  # no time: now
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press("enter")
        await quiet(pilot)
        assert app.focused.id == "search-outcome" and app.screen.pressed("search-outcome") < 0
        assert text(app, "#search-error") == OUTCOME
        await pilot.press("tab", "enter")  # follow-up: Continue, still nothing chosen
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#search-error") == OUTCOME and app.focused.id == "search-outcome"
        assert app.screen.value("search-witness") == "Mr W" and app.screen.value("search-location") == "office"
        await pilot.press("down", "enter", "enter")  # nothing found; Continue
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        assert "Outcome: nothing found" in text(app, "#search-summary")


async def test_the_found_label_says_what_the_rule_asks(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot, school)
        labels = [str(label.render()) for label in app.screen.query("Label")]
        found = next(label for label in labels if label.startswith("Found"))
        assert "empty if nothing" not in found
        assert '"nothing found"' in found, found


async def test_the_searcher_as_witness_focuses_the_witness_field(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot, school)
        await pilot.press("down", "enter", *"Deputy", "enter")
        await quiet(pilot)
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"  # said at once, where it is to be put right
        await pilot.press("tab", "tab")
        await pilot.press(
            *"Reported", "enter", *"an image", "enter", *"office", "enter", "enter", "enter", "enter", "enter"
        )
        await pilot.press("down", "enter", "enter")  # nothing found; Continue
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"
