"""The suspected-nude-images path, as a tester walked it (issue 15): the confirmation says one
thing (held for the DSL, not "until a parent collects it" as well), and after the DSL's
"return to parents allowed" and a call to the police, the search form refuses "pupil asked to
delete" before its confirm step, without saying "Held for the DSL"."""

from __future__ import annotations

from models.custody import ledger as custody
from models.safeguarding import parents
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_confiscate_search_screens_i15a import SIZE, device_of, in_view, nudes_on_file
from tests.screens.test_history_screen import find, open_history, screen_name


async def test_the_confirmation_says_held_for_the_dsl_once_and_not_until_a_parent_collects(school):
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000002"])  # with its owner
        await pilot.press("f6", "down", "down", "down", "down", "enter")  # suspected nude images
        await pilot.press(*"Said an image was shared", "enter", "down", "enter")
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        summary = text(app, "#confiscate-summary")
        assert "held for the DSL" in summary and "until the DSL decides" in summary
        assert "keeps it in a slot until a listed parent or carer collects it" not in summary
        assert summary.count("DSL decides") == 1
        assert in_view(app, "#confiscate-yes")


async def test_after_return_allowed_and_a_999_call_pupil_asked_to_delete_is_refused_in_the_form(school):
    dev = nudes_on_file(school)
    custody.record_dsl_decision(dev, school.head, decision="return_to_parents", note="spoke", now=NOW)
    parents.record_police_contact(school.head, line="999", reference="KP-9", called_at=NOW, device_id=dev, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f7", "down", "enter", *"Mr W", "enter", *"Reported", "enter", *"an image", "enter")
        await pilot.press(*"office", "enter", "enter", "enter", "enter", *"an image", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "down", "down", "enter", "enter", "enter", "enter")  # pupil asked to delete
        await quiet(pilot)
        assert screen_name(app) == "SearchDialog" and not app.screen.has_class("confirming")
        error = text(app, "#search-error")
        assert "never deleted" in error and "Held for the DSL" not in error
        assert app.focused.id == "search-outcome"
    assert [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == device_of(school, "000001"))] == [
        "handed_in",
        "confiscated",
        "dsl_decision",
    ]
