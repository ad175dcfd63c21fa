"""Issue 15 at the kiosk, with real keys at 80x24: the office confiscates (and sees at once
what to do about suspected nude or semi-nude images, after which release is refused), the
deputy searches a phone in the tray with consent (it stays in its slot), and the DSL (the
headteacher) records the decision that lets a parent collect."""

from __future__ import annotations

from textual.widgets import Button

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import chain, find, message, open_history, screen_name

SIZE = (80, 24)


def device_of(school, adno: str) -> int:
    return resolve(school.codes[adno]).device.id


def last_event(device_id: int) -> CustodyEvent:
    return CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id.desc()).first()


def in_view(app, selector: str) -> bool:
    """The widget is shown and wholly on the screen (80x24)."""
    widget = app.screen.query_one(selector)
    region = widget.region
    return widget.display and region.height > 0 and region.y >= 0 and region.bottom <= app.size.height


def nudes_on_file(school, adno: str = "000001") -> int:
    dev = device_of(school, adno)
    custody.hand_in(school.codes[adno], school.office, now=NOW)
    custody.confiscate(
        dev, school.office, category=custody.NUDE_IMAGES, reason="Image shared", policy="OS 11.1", now=NOW
    )
    return dev


async def test_the_office_confiscates_for_nude_images_sees_what_to_do_and_release_is_refused(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        assert "f6" in app.screen.active_bindings  # the office may confiscate now
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        assert app.focused.id == "confiscate-category"
        assert not app.screen.query_one("#confiscate-guidance").display
        assert in_view(app, "#confiscate-continue")
        await pilot.press("down", "down", "down", "down")  # suspected nude or semi-nude images
        await pilot.press("enter")
        await quiet(pilot)
        guidance = text(app, "#confiscate-guidance")
        assert app.screen.query_one("#confiscate-guidance").display and in_view(app, "#confiscate-guidance")
        for words in ("do not view, copy, forward or delete", "nor ask the pupil to delete", "Switch the phone off"):
            assert words in guidance
        assert "DSL" in guidance
        assert app.focused.id == "confiscate-reason"
        assert in_view(app, "#confiscate-continue") and in_view(app, "#confiscate-reason")
        await pilot.press(*"Said an image was shared", "enter", "down", "enter")  # the first policy
        await quiet(pilot)
        assert app.focused.id == "confiscate-continue"
        await pilot.press("enter")
        await quiet(pilot)
        summary = text(app, "#confiscate-summary")
        assert "Why: suspected nude or semi-nude images" in summary and "held for the DSL" in summary
        assert in_view(app, "#confiscate-yes")
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert "Held for the DSL" in message(app)
        e = last_event(dev)
        assert (e.kind, e.category, e.actor_id) == ("confiscated", custody.NUDE_IMAGES, school.office.id)
        assert "held for the DSL" in text(app, "#history-state")
        # the office reads no details of a confiscation recorded by someone else; its own, it does
        assert "suspected nude or semi-nude images" in chain(app)[-1]
        assert "f4" not in app.screen.active_bindings  # release to a parent: not offered …
        await pilot.press("f4")  # … and pressed anyway, it says why in one line
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == custody.HELD_FOR_DSL
        assert last_event(dev).kind == "confiscated"


async def test_a_behaviour_confiscation_shows_no_guidance(school):
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000004"])  # Dan, Beech: not the teacher's own class
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        await pilot.press("down", "enter")  # behaviour
        await quiet(pilot)
        assert not app.screen.query_one("#confiscate-guidance").display
        await pilot.press(*"Filming", "enter", "down", "enter", "enter")
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app).startswith("Confiscated Dan Brown's phone")
        assert last_event(device_of(school, "000004")).category == "behaviour"


async def test_the_deputy_searches_a_phone_in_the_tray_with_consent_and_it_stays_in_its_slot(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        before = text(app, "#history-state")
        assert before.startswith("Now: In the tray, slot B-01")
        assert "f7" in app.screen.active_bindings
        await pilot.press("f7")
        assert screen_name(app) == "SearchDialog"
        assert in_view(app, "#search-continue")
        await pilot.press("down", "enter")  # consent: the pupil
        assert app.focused.id == "search-witness"
        await pilot.press("enter")  # no witness: the reason instead
        await quiet(pilot)
        assert app.focused.id == "search-no-witness"
        await pilot.press(*"No adult free", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-grounds"
        await pilot.press(*"Pupil said a video was shared", "enter")
        await pilot.press(*"a video", "enter")  # item sought
        await pilot.press(*"Head's office", "enter", "enter", "enter")  # location; when: now
        await pilot.press(*"Class TA", "enter")  # others present
        await pilot.press("enter")  # found: nothing
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "enter")  # nothing found
        await pilot.press("enter")  # no follow-up: Continue
        await quiet(pilot)
        summary = text(app, "#search-summary")
        for part in ("Witness: none (No adult free)", "Where: Head's office", "Item sought: a video", "Found: nothing"):
            assert part in summary, summary
        assert in_view(app, "#search-yes")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded the search of Ava Patel's phone."
        e = last_event(dev)
        assert (e.kind, e.witness, e.no_witness_reason, e.item_sought, e.location, e.others_present) == (
            "searched",
            None,
            "No adult free",
            "a video",
            "Head's office",
            "Class TA",
        )
        assert (e.found_what, e.outcome) == (None, "nothing_found")
        assert text(app, "#history-state").startswith("Now: In the tray, slot B-01")
        row = custody.state_of(dev)
        assert row.state == custody.IN_TRAY


async def test_the_dsl_records_the_decision_and_a_parent_may_then_collect(school):
    dev = nudes_on_file(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        assert "f9" in app.screen.active_bindings and "f4" not in app.screen.active_bindings
        await pilot.press("f9")
        assert screen_name(app) == "DslDecisionDialog"
        assert in_view(app, "#decision-continue")
        await pilot.press("down", "enter")  # return to parents allowed (the first Down: the first)
        await pilot.press(*"Spoke to mum; no referral", "enter")
        await quiet(pilot)
        assert isinstance(app.focused, Button) and app.focused.id == "decision-continue"
        await pilot.press("enter")
        await quiet(pilot)
        assert "Decision: return to parents allowed" in text(app, "#decision-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded the DSL's decision on Ava Patel's phone: return to parents allowed."
        e = last_event(dev)
        assert (e.kind, e.outcome, e.note) == ("dsl_decision", "return_to_parents", "Spoke to mum; no referral")
        assert "f4" in app.screen.active_bindings  # a parent may collect now
        assert "f9" in app.screen.active_bindings  # and the DSL may decide again (say, for the police)


async def test_the_decision_is_not_offered_to_the_deputy_nor_on_a_phone_not_held(school):
    nudes_on_file(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        assert "f9" not in app.screen.active_bindings
        await pilot.press("f9")
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Deputy (leadership) may not record the DSL's decision on a phone held for the DSL."
        await pilot.press("escape", "l")
        await quiet(pilot)
        await open_history(pilot, "head")
        await find(pilot, school.codes["000002"])  # Ben's: not held
        assert "f9" not in app.screen.active_bindings


async def test_the_search_form_refuses_deleting_on_a_phone_held_for_the_dsl_before_confirming(school):
    dev = nudes_on_file(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")  # held for the DSL: the DSL or the head searches it
        await find(pilot, school.codes["000001"])
        await pilot.press("f7", "down", "enter", *"Mr W", "enter", *"Reported", "enter", *"an image", "enter")
        await pilot.press(*"office", "enter", "enter", "enter", "enter", *"an image", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "down", "enter", "enter", "enter", "enter")  # content deleted; Continue
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        assert "never deleted" in text(app, "#search-error")
        assert app.focused.id == "search-outcome"
        assert [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == dev)] == ["handed_in", "confiscated"]
