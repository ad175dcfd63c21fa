"""Pilot tests (real keys, 80x24) of parents informed (F3) and a call to the police (F10) on
the phone history screen (issue 15)."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.store.tables import ParentsInformed, PoliceContact
from tests.pilot import make_app, quiet, school, text  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import chain, device_of, find, message, open_history, screen_name

SIZE = (80, 24)


def confiscated(school, who=None) -> int:
    dev = device_of(school, "000001")
    custody.confiscate(
        dev, who or school.oak, category="behaviour", reason="Filming", policy="MST 6", now=NOW - dt.timedelta(hours=1)
    )
    return dev


async def test_f3_records_that_a_listed_parent_was_told_and_the_history_shows_it(school):
    dev = confiscated(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        assert screen_name(app) == "ParentsInformedDialog"
        assert "1. Priya Patel (Mother)" in text(app, "#parents-listed")
        await pilot.press("enter")
        assert text(app, "#parents-error").startswith("Type the number of a listed parent")
        await pilot.press("3", "enter")
        assert text(app, "#parents-error").startswith("There is no parent or carer number 3")
        await pilot.press("backspace", "1", "enter", "enter", "enter")  # told by: Deputy; today
        await pilot.press("end", *["backspace"] * 5, *"0700", "enter")  # before the confiscation at 07:30
        assert text(app, "#parents-error").startswith("That is before the confiscation")
        await pilot.press("end", *["backspace"] * 4, *"0815", "enter")
        await pilot.press(*"pigeon", "enter")
        assert text(app, "#parents-error").startswith("Say how")
        await pilot.press(*["backspace"] * 6, "p", "enter", "enter")  # p: phone; no note
        assert "Record that Priya Patel (Mother) was told" in text(app, "#parents-summary")
        await pilot.press("enter")
        await quiet(pilot)
        said = message(app)
        assert said.startswith("Recorded: parents told of confiscation #") and " by phone (entry " in said, said
        row = ParentsInformed.get()
        assert (row.contact.name, row.how, row.told_by_name, row.told_at) == (
            "Priya Patel",
            "phone",
            None,
            dt.datetime(2026, 11, 12, 8, 15),
        )
        assert any("Priya Patel (Mother) told by phone by Deputy" in line for line in chain(app))
    assert row.event.device_id == dev


async def test_f3_a_name_typed_another_day_and_someone_else_told_them_escape_cancels(school):
    confiscated(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        await pilot.press("escape")
        assert screen_name(app) == "HistoryScreen" and message(app) == "Cancelled: nothing was recorded."
        await pilot.press("f3", *"Aunt Jo", "enter", *["backspace"] * 10, *"Mrs Office", "enter")
        await pilot.press(*["backspace"] * 10, *"13/11/2026", "enter")  # tomorrow: in the future
        await pilot.press("enter")
        assert text(app, "#parents-error") == "That time is in the future."
        await pilot.press("shift+tab")
        await pilot.press(*["backspace"] * 10, *"12/11/2026", "enter", "enter", "i", "enter", *"came in", "enter")
        await pilot.press("enter")
        await quiet(pilot)
        row = ParentsInformed.get()
        assert (row.parent_name, row.told_by_name, row.how, row.note) == (
            "Aunt Jo",
            "Mrs Office",
            "in_person",
            "came in",
        )


async def test_f3_is_not_offered_to_office_staff_who_may_not_read_the_details(school):
    confiscated(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        assert screen_name(app) == "HistoryScreen"
        assert message(app).startswith("No confiscation or search of this phone whose details you may read")


async def test_f10_records_a_call_to_the_police_before_any_hand_over(school):
    confiscated(school, school.deputy)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f10")
        assert screen_name(app) == "PoliceContactDialog"
        await pilot.press(*["backspace"] * 3, *"112", "enter")
        assert text(app, "#call-error") == "Say which number was called: 101 or 999."
        await pilot.press(*["backspace"] * 3, *"999", "enter", "enter")
        assert text(app, "#call-error") == "Give the reference or incident number the police gave."
        await pilot.press(*"INC-0042", "enter", "enter", "enter", "enter", "enter")
        assert "Number: 999" in text(app, "#call-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded: the police contacted on 999, reference INC-0042 (contact 1)."
        assert text(app, "#history-state").startswith("Now: Confiscated")  # a call is not a hand-over
        assert any("police contacted on 999 by Head, reference INC-0042" in line for line in chain(app))
    assert PoliceContact.get().called_at == NOW


# ---------------------------------------------------------------- the list of what is waiting (W on safeguarding)


async def test_w_on_the_safeguarding_screen_lists_what_waits_and_enter_records_it(school):
    from kiosk.screens.safeguarding import SafeguardingScreen
    from tests.screens.test_safeguarding_screens import open_screen

    dev = confiscated(school)
    custody.confiscate(
        device_of(school, "000002"),
        school.head,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW - dt.timedelta(minutes=30),
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        await pilot.press("w")
        await quiet(pilot)
        assert screen_name(app) == "ParentsWaitingScreen"
        assert text(app, "#pw-summary").startswith("2 confiscations and searches with no record")
        table = app.screen.query_one("#pw-list")
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == ["Ben Jones", "Ava Patel"]
        await pilot.press("down", "enter")  # Ava's
        await quiet(pilot)
        assert screen_name(app) == "ParentsInformedDialog"
        assert "confiscation at 2026-11-12 07:30" in text(app, "#parents-about")
        await pilot.press("2", "enter", "enter", "enter", "enter", "l", "enter", "enter", "enter")
        await quiet(pilot)
        assert screen_name(app) == "ParentsWaitingScreen"
        assert text(app, "#pw-message").startswith("Recorded: parents told")
        assert text(app, "#pw-summary").startswith("1 confiscation or search with no record")
        await pilot.press("escape")
        assert screen_name(app) == "SafeguardingScreen"
    row = ParentsInformed.get()
    assert (row.contact.name, row.how, row.event.device_id) == ("Raj Patel", "letter", dev)


async def test_the_list_is_not_offered_to_the_chair_of_governors(school):
    from models.staff import auth

    auth.create_staff("chair", "Chair", [auth.CHAIR], "947261", now=NOW)
    from kiosk.screens.safeguarding import SafeguardingScreen
    from tests.screens.test_safeguarding_screens import open_screen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "chair", SafeguardingScreen)
        await pilot.press("w")
        await quiet(pilot)
        assert screen_name(app) == "SafeguardingScreen"


async def test_f3_goes_to_the_confiscation_still_waiting_not_a_later_search_whose_parents_were_told(school):
    dev = confiscated(school, school.deputy)
    custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Ms W", item_sought="a video", location="the office", grounds="Reported image", outcome="nothing_found",
        parents_informed_at=NOW - dt.timedelta(minutes=20), parents_informed_how="phone",
        now=NOW - dt.timedelta(minutes=10),
    )  # fmt: skip
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        assert "About the confiscation at 2026-11-12 07:30" in text(app, "#parents-about")
