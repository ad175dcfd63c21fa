"""Pilot tests of the phone history and safeguarding screen and its dialogs.

Real key presses, a frozen clock, no sleeps: every flow a member of staff can take, and
the bad input each one refuses.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Static

from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.school.people import contacts_of
from models.store.tables import CustodyEvent, Pupil, Staff
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW

SIZE = (120, 50)


def device_of(school, adno: str) -> int:
    return resolve(school.codes[adno]).device.id


def events_of(device_id: int) -> list[CustodyEvent]:
    return list(CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id))


def mother_of_ava():
    return contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]


async def open_history(pilot, username: str, pin: str | None = None) -> None:
    """Sign in (typing the PIN when given; the login screen has its own tests) and open the screen."""
    if pin is not None:
        await sign_in(pilot, username, pin)
    else:
        staff = Staff.get(Staff.username == username)
        pilot.app.sign_in(SignedIn(staff.id, staff.username, staff.display_name, staff.role_set))
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "HistoryScreen"


async def find(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await quiet(pilot)


def message(app) -> str:
    return text(app, "#history-message")


def chain(app) -> list[str]:
    return text(app, "#history-chain").splitlines()


def screen_name(app) -> str:
    return type(app.screen).__name__


# ---------------------------------------------------------------- finding a phone


async def test_find_by_code_shows_pupil_state_and_whole_chain_oldest_first(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    wrong = custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Wrong pupil",
        policy="MST 6",
        now=NOW + dt.timedelta(minutes=5),
    )
    custody.reverse(wrong.id, school.deputy, reason="meant Ben", now=NOW + dt.timedelta(minutes=6))
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="[b]Filming[/b] in class",
        policy="Online safety policy 9.3",
        now=NOW + dt.timedelta(minutes=10),
    )
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy", DEMO_PINS["deputy"])
        assert app.focused.id == "history-scan"
        assert message(app).startswith("Find a phone first")
        await find(pilot, school.codes["000001"].lower())  # a scanner with caps lock on still works
        assert text(app, "#history-pupil") == f"Ava Patel · Oak · admission no. 000001 · phone {school.codes['000001']}"
        assert text(app, "#history-state").startswith("Now: Confiscated, slot B-01")
        lines = chain(app)
        assert len(lines) == 4
        assert "handed in, slot B-01  (by Office)" in lines[0]
        assert "confiscated (behaviour; MST 6): Wrong pupil" in lines[1] and lines[1].endswith(
            f"[undone by #{wrong.id + 1}]"
        )
        assert f"undo of event {wrong.id}: meant Ben" in lines[2]
        assert "[b]Filming[/b] in class" in lines[3]  # data is shown literally, never as markup
        assert message(app) == ""


async def test_unknown_and_invalid_codes_say_why_and_show_no_phone(school):
    from models.custody import codes

    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000002"])
        assert text(app, "#history-pupil").startswith("Ben Jones")
        unknown = codes.make_code("K", 999999)
        await find(pilot, unknown)
        assert message(app) == f"{unknown} is not registered to any phone."
        assert text(app, "#history-pupil") == "" and chain(app) == []
        await pilot.press("f6")  # no phone shown: no action
        assert screen_name(app) == "HistoryScreen"
        bad = school.codes["000001"][:-1] + str((int(school.codes["000001"][-1]) + 1) % 10)
        await find(pilot, bad)
        assert message(app) == f"Invalid code {bad}: the check digit is wrong (misread or mistyped)."
        await find(pilot, "K12")
        assert message(app) == "Invalid code 'K12': a label code is a letter and 7 digits."


async def test_find_by_pupil_name(school):
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await pilot.press("f5", *"Smith")
        await quiet(pilot)
        assert app.focused.id == "history-name"
        await pilot.press("enter")
        await quiet(pilot)
        assert text(app, "#history-pupil").startswith("Cara Smith · Oak · admission no. 000003")
        state = text(app, "#history-state")
        # nothing recorded: not "With its owner (since …)" beside "Nothing has been recorded" (g3's walk)
        assert state.startswith("Now: With its owner (registered 20") and "since" not in state
        assert chain(app) == ["Nothing has been recorded for this phone since it was registered."]
        assert app.focused.id == "history-scan"
        await pilot.press("tab", *"zzz")
        await quiet(pilot)
        assert message(app) == "No pupil found for 'zzz'."


# ---------------------------------------------------------------- confiscate


async def test_confiscate_needs_a_reason_and_is_recorded_with_its_policy(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000001"])
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        await pilot.press("down", "enter")  # why: behaviour
        await pilot.press("enter")
        assert text(app, "#confiscate-error") == "Give the reason for the confiscation."
        await pilot.press("tab", "down", "enter", "enter")  # first policy, then Continue: still no reason
        assert text(app, "#confiscate-error") == "Give the reason for the confiscation."
        assert app.focused.id == "confiscate-reason"
        await pilot.press(*"Filming", "enter", "down", "down", "down", "enter")  # Other
        assert app.focused.id == "confiscate-other"
        await pilot.press("enter")
        assert text(app, "#confiscate-error") == "Name the policy that was breached."
        await pilot.press("shift+tab", "up", "up", "enter", "enter")  # Mobile technology policy 6, Continue
        assert "Policy: Mobile technology policy 6 (learners' use)" in text(app, "#confiscate-summary")
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Confiscated Ava Patel's phone: keep it in slot B-01."
        last = events_of(dev)[-1]
        assert (last.kind, last.reason, last.policy, last.actor_id) == (
            "confiscated",
            "Filming",
            "Mobile technology policy 6 (learners' use)",
            school.oak.id,
        )
        assert text(app, "#history-state").startswith("Now: Confiscated, slot B-01")
        assert "confiscated (behaviour; Mobile technology policy 6 (learners' use)): Filming" in chain(app)[-1]
        await pilot.press("f6")  # already confiscated: refused before any dialog
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "This phone is already confiscated."


async def test_teacher_may_confiscate_any_pupils_phone_but_release_only_their_own_class(school):
    """Issue 15: any member of staff may confiscate (policy 6), a teacher any class's pupil;
    release to a parent stays with their own class."""
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "beech")
        await find(pilot, school.codes["000001"])
        await pilot.press("f4")
        assert screen_name(app) == "HistoryScreen"
        assert (
            message(app) == "Beech Teacher may release a phone to a parent or carer only for their own class, not Oak."
        )
        await pilot.press("f6")
        assert screen_name(app) == "ConfiscateDialog"
        await pilot.press("escape")
        await quiet(pilot)
        assert events_of(device_of(school, "000001")) == []


# ---------------------------------------------------------------- search


@pytest.mark.both_engines
async def test_search_by_leadership_is_recorded_without_contents(school):
    dev = device_of(school, "000001")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Reported image", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        assert "f7" in app.screen.active_bindings
        await pilot.press("f7")
        assert screen_name(app) == "SearchDialog"
        assert "Nothing from the phone's contents is recorded" in text(app, "#search-reminder")
        await pilot.press("down", "enter")  # consent: the pupil (none chosen until Down)
        assert app.focused.id == "search-witness"
        await pilot.press(
            *"Head", "enter", *"image", "enter", *"an image", "enter", *"office", "enter", "enter", "enter"
        )
        await pilot.press("enter", *"an image", "enter")  # no one else present; found: an image
        await pilot.press("down", "down", "down", "enter")  # pupil asked to delete
        await pilot.press("enter")  # no follow-up: Continue (parents informed is recorded apart, F3)
        summary = text(app, "#search-summary")
        assert "Consent: the pupil, Ava Patel" in summary
        assert "Nothing from the phone's contents is recorded." in summary
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded the search of Ava Patel's phone."
        last = events_of(dev)[-1]
        assert (last.kind, last.consent_by, last.witness, last.outcome, last.parents_informed_how) == (
            "searched",
            "pupil",
            "Head",
            "pupil_asked_to_delete",
            None,
        )
        assert last.parents_informed_at is None  # recorded apart, whenever they are told (F3)
        assert "searched, consent pupil, witness Head" in chain(app)[-1]


async def test_office_and_teacher_are_not_offered_search_and_a_forced_attempt_is_refused(school):
    from kiosk.actions.custody import SearchRecord, search

    dev = device_of(school, "000001")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Reported image", policy="MST 6", now=NOW)
    before = len(events_of(dev))
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        offered = set(app.screen.active_bindings)
        assert "f7" not in offered and "f6" not in offered and "f8" not in offered and "f4" in offered
        await pilot.press("f7", "f6", "f8")
        assert screen_name(app) == "HistoryScreen"
        app.screen.action_phone("search")  # forced: the screen refuses with the rule's message
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == "Office (office staff) may not record a search."
        record = SearchRecord(
            "pupil", None, "Head", "grounds", "nothing_found", item_sought="an image", location="office"
        )
        app.screen.record(
            app.screen.view, search, dev, record
        )  # forced past the screen (as the office): the ledger refuses
        await quiet(pilot)
        assert message(app) == "Office (office staff) may not record a search."
        assert len(events_of(dev)) == before
        await pilot.press("escape", "l")
        await quiet(pilot)
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000001"])
        # not a teacher's search; and F6 is not offered either: the phone is already confiscated
        assert "f7" not in app.screen.active_bindings and "f6" not in app.screen.active_bindings
        await pilot.press("f7")
        assert screen_name(app) == "HistoryScreen"
        app.screen.action_phone("search")
        assert message(app) == "Oak Teacher (teacher) may not record a search."
        assert len(events_of(dev)) == before


async def test_search_witness_cannot_be_the_searcher(school):
    dev = device_of(school, "000002")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000002"])
        await pilot.press("f7", "down", "enter", "enter")
        assert text(app, "#search-error") == "No witness: say why there was none."  # issue 15: or a reason
        assert app.focused.id == "search-no-witness"
        await pilot.press("shift+tab", *"deputy", "enter")
        await quiet(pilot)  # refused at once, where it is put right (not only at Continue)
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"
        await pilot.press("tab", "tab", *"grounds", "enter", *"an image", "enter", *"office", "enter", "enter", "enter")
        await pilot.press("enter", "enter", "down", "enter")  # no one else, nothing found; outcome: nothing found
        await pilot.press("tab", "enter")  # Continue (the button after the follow-up)
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"
        await pilot.press("escape", "escape")  # something was typed: Esc asks once, then cancels (f3)
        await quiet(pilot)
        assert message(app) == "Cancelled: nothing was recorded."
        assert [e.kind for e in events_of(dev)] == ["confiscated"]


async def test_search_witness_cannot_be_the_searcher_by_their_plain_name(school):
    """The display name carries the role ("Miss A Lavelle (head, DSL)"); typing the plain name
    as witness is refused with the domain's line and the form keeps what was typed."""
    from models.staff import auth

    auth.create_staff("lavelle", "Miss A Lavelle (head, DSL)", [auth.HEADTEACHER, auth.DSL], "271845", now=NOW)
    dev = device_of(school, "000002")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "lavelle")
        await find(pilot, school.codes["000002"])
        await pilot.press("f7")
        hints = [str(label.content) for label in app.screen.query("Label")]
        assert "Witness (someone other than Miss A Lavelle)" in hints
        await pilot.press("down", "enter", *"miss a. lavelle", "enter")
        await quiet(pilot)  # refused at once
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"
        await pilot.press("tab", "tab", *"grounds", "enter", *"an image", "enter")
        await pilot.press(*"office", "enter", "enter", "enter", "enter", "enter", "down", "enter")
        await pilot.press("enter")  # no follow-up: Continue
        assert text(app, "#search-error") == "The witness must be someone other than the person searching."
        assert app.focused.id == "search-witness"
        assert app.focused.value == "miss a. lavelle"
        assert app.screen.query_one("#search-grounds").value == "grounds"
        await pilot.press("escape")
        await quiet(pilot)
        assert [e.kind for e in events_of(dev)] == ["confiscated"]


async def test_parent_consent_needs_a_listed_contact(school):
    dev = device_of(school, "000001")
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f7", "down", "down", "enter")  # a parent or carer
        assert app.focused.id == "search-contact"
        await pilot.press(
            "tab", *"Deputy", "enter", *"image", "enter", *"an image", "enter", *"office", "enter", "enter", "enter"
        )
        await pilot.press("enter", "enter", "down", "enter", "enter")  # ... no follow-up: Continue
        assert (
            text(app, "#search-error")
            == "Pick the parent or carer who consented (or refused) from those listed for Ava Patel."
        )
        assert app.focused.id == "search-contact"
        await pilot.press("down", "down", "enter")  # Raj Patel (Father), the second listed
        assert app.focused.id == "search-witness"
        await pilot.press(*["tab"] * 11, "enter")  # Continue (past the day and time of the search)
        assert "Consent: Raj Patel (Father)" in text(app, "#search-summary")
        await pilot.press("escape")  # back to the form, then Continue and Confirm
        assert text(app, "#search-error") == "Nothing recorded yet. Change anything (Shift+Tab), then Continue."
        await pilot.press("enter", "enter")
        await quiet(pilot)
        last = events_of(dev)[-1]
        assert (last.kind, last.consent_by, last.consent_contact.name) == ("searched", "parent", "Raj Patel")
        assert "consent Raj Patel, witness Deputy" in chain(app)[-1]


async def test_no_listed_contact_means_only_pupil_consent(school):
    dev = device_of(school, "000003")  # Cara Smith: nobody listed
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000003"])
        await pilot.press("f7", "down", "down", "enter")
        assert text(app, "#search-error") == "No parent or carer is listed for Cara Smith: only the pupil can consent."
        await pilot.press("escape", "escape", "f4")  # an option was chosen: Esc asks once, then cancels (f3)
        assert screen_name(app) == "HistoryScreen"
        assert message(app).startswith("No parent or carer who may collect is listed for Cara Smith")


# ---------------------------------------------------------------- police, release, undo


@pytest.mark.both_engines
async def test_police_hand_over_is_final_and_release_is_then_refused(school):
    dev = device_of(school, "000001")
    earlier = NOW - dt.timedelta(minutes=10)  # the hand-over at 08:25 comes after these (time order)
    custody.hand_in(school.codes["000001"], school.office, now=earlier)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Suspected illegal image", policy="MST 6", now=earlier
    )
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        assert screen_name(app) == "PoliceDialog"
        assert text(app, "#police-warning").startswith("This cannot be undone.")
        await pilot.press(*"PC Ng", "enter", "enter")
        assert text(app, "#police-error") == "Give the officer's number (collar or warrant number)."
        await pilot.press(*"4521", "enter", *"K/1", "enter", "enter")  # the day as offered
        await pilot.press("end", *["backspace"] * 5, *"0850", "enter")  # time: 20 minutes from now
        assert text(app, "#police-error") == "The hand-over time is in the future."
        await pilot.press("end", *["backspace"] * 4, *"0825", "enter")
        assert "Officer: PC Ng, number 4521" in text(app, "#police-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == (
            "Ava Patel's phone handed to the police, reference K/1. "
            "It cannot be undone; only its return from the police can follow."
        )
        last = events_of(dev)[-1]
        assert (last.kind, last.officer, last.force_reference, last.at) == (
            "handed_to_police",
            "PC Ng, number 4521",
            "K/1",
            dt.datetime(2026, 11, 12, 8, 25),
        )
        assert text(app, "#history-state").startswith("Now: With the police")
        final = "This phone is with the police: nothing but its return from the police can be recorded."
        for key in ("f4", "f6", "f7"):  # (F8 is now the return from the police)
            await pilot.press(key)
            assert screen_name(app) == "HistoryScreen"
            assert message(app) == final
        await pilot.press("f2")
        assert message(app) == "A police hand-over is final and cannot be undone."
        assert events_of(dev)[-1].kind == "handed_to_police"
    assert custody.verify_states() == []


@pytest.mark.both_engines
async def test_release_to_a_listed_parent_with_id_seen(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        await pilot.press("f4")
        assert screen_name(app) == "ReleaseToContactDialog"
        await pilot.press("down", "enter", "space", "tab", "enter")
        await quiet(pilot)
        assert message(app) == "Ava Patel's phone released to Priya Patel (Mother), ID seen."
        last = events_of(dev)[-1]
        assert (last.kind, last.contact_id, last.id_seen) == ("released_to_contact", mother_of_ava().id, True)
        assert text(app, "#history-state").startswith("Now: With its owner")


@pytest.mark.both_engines
async def test_undo_latest_action_needs_a_reason(school):
    dev = device_of(school, "000002")
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    conf = custody.confiscate(dev, school.deputy, category="behaviour", reason="wrong phone", policy="MST 6", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000002"])
        await pilot.press("f2")
        assert screen_name(app) == "ReasonDialog"
        await pilot.press("enter")
        assert text(app, "#reason-error") == "Give a reason: it is kept with the record."
        await pilot.press(*"wrong phone", "enter")
        await quiet(pilot)
        assert message(app) == f"Undone on Ben Jones's phone: event #{conf.id} is reversed by #{conf.id + 1}."
        last = events_of(dev)[-1]
        assert (last.kind, last.reverses_id, last.note) == ("reversal", conf.id, "wrong phone")
        assert text(app, "#history-state").startswith("Now: In the tray, slot B-01")
        assert chain(app)[1].endswith(f"[undone by #{last.id}]")
        assert f"undo of event {conf.id}: wrong phone" in chain(app)[2]


async def test_cancel_at_any_step_leaves_nothing_recorded(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW)
    before = [e.id for e in events_of(dev)]
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f7", "escape")
        await pilot.press("f8", *"PC Smith", "enter", *"1", "enter", *"REF", "enter", "enter", "enter")
        assert "Reference: REF" in text(app, "#police-summary")
        await pilot.press("escape", "escape")  # back from the confirmation, then cancel
        await pilot.press("f4", "escape", "f2", "escape")
        await quiet(pilot)
        assert message(app) == "Cancelled: nothing was recorded."
        assert screen_name(app) == "HistoryScreen"
        await pilot.press("escape")
        assert screen_name(app) == "HomeScreen"
    assert [e.id for e in events_of(dev)] == before


async def test_dialog_text_is_never_markup(school):
    from kiosk.dialogs.confiscate import ConfiscateDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(ConfiscateDialog("[bold]Ava[/bold]"))
        await pilot.pause()
        assert str(app.screen.query_one(".dialog-title", Static).render()) == "Confiscate [bold]Ava[/bold]'s phone"
