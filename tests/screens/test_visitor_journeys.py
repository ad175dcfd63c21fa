"""Issue 11, the visitor journeys with the real keys, at 80x24 and 110x32.

A member of the public at the self-service screen tries to sign someone else out and
to see who is on site; a visitor promises a phone, the office receives it, the visitor
leaves, the office returns it; an organisation's exception typed by a stranger; a
visitor left over from yesterday. Frozen clock, no sleeps.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.screens.visitor_self import DETAILS, DONE, SIGN_OUT
from models.custody import ledger as custody
from models.reports import phones as reports
from models.staff.auth import DETAIL_ROLES
from models.store.tables import CustodyEvent, DeviceState, Visit
from models.visitors import visits as visitors
from tests.pilot import make_app, text
from tests.school import NOW
from tests.screens.test_visitor_screens import (
    Keys,
    fill,
    open_self_service,
    open_visitors,
    quiet,
    self_sign_in_directly,
    table_rows,
    vmessage,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((110, 32), id="110x32")]


def all_text(app) -> str:
    """Everything the screen shows, as the person in front of it sees it (read from a screenshot)."""
    from tests.svg_text import cells, text_of

    lines = cells(app.export_screenshot())
    return "\n".join(text_of(lines[n]) for n in sorted(lines))


def staff_sign_in_directly(school, name, org="Acme", at=NOW, phone="car_or_off"):
    from models.policy.rules import rules_for
    from tests.pilot import settings

    s = settings()
    return visitors.sign_in(
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name=name,
        organisation=org,
        visitor_type="contractor",
        purpose="Boiler",
        visiting="Caretaker",
        phone=phone,
        actor=school.office,
        id_seen=True,
        now=at,
    )


# ---------------------------------------------------------------- items 3 and 4: the public screen


@pytest.mark.parametrize("size", SIZES)
async def test_the_public_cannot_sign_dave_out_by_name_nor_see_who_is_here(school, size):
    dave = self_sign_in_directly(name="Dave Collins", org="")
    okafor = self_sign_in_directly(name="Dr Amara Okafor", org="Kent Educational Psychology Service")
    visitors.sign_out(slip_code=okafor.slip_code, now=NOW)  # a returning visitor, from an earlier visit
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press(*"Dr Ama")  # the old type-ahead offered "Dr Amara Okafor (Kent ...)"
        await quiet(pilot)
        assert "Okafor" not in all_text(app) and "Kent" not in all_text(app)
        await pilot.press("escape")
        await quiet(pilot)
        # the reported attack: F2, "dav", Down, Enter, Enter
        await pilot.press("f2")
        await quiet(pilot)
        assert screen.step == SIGN_OUT
        assert "scan the QR code on your slip" in text(app, "#self-out-title")
        assert "No slip? Please see the office" in text(app, "#self-out-title")
        await pilot.press(*"dav", "down", "enter")
        await quiet(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        assert "Dave" not in all_text(app) and "badge" not in all_text(app)
        assert text(app, "#self-out-error") == (
            "That is not a slip: scan the QR code on your slip. No slip? Please see the office."
        )
        assert Visit.get_by_id(dave.visit.id).signed_out_at is None
        assert [r.name for r in visitors.roll_call_rows(app.services.settings, NOW)] == ["Dave Collins"]
        # with his own slip, Dave signs himself out
        await pilot.press(*dave.slip_code, "enter")
        await quiet(pilot)
        assert screen.step == DONE and text(app, "#self-done-title") == "Goodbye, Dave Collins."
        assert Visit.get_by_id(dave.visit.id).signed_out_at == NOW


@pytest.mark.parametrize("size", SIZES)
async def test_signing_in_as_someone_already_here_tells_nothing_about_them(school, size):
    dave = self_sign_in_directly(name="Dave Collins", org="")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot), name="dave collins", org="")
        await pilot.press("enter", "2")
        await quiet(pilot)
        assert screen.step == DONE  # signed in as who they say they are: nothing said about Dave
        assert "already" not in all_text(app)
        newest = Visit.select().order_by(Visit.id.desc()).get()
        assert newest.visitor_id != dave.visitor.id and newest.name == "dave collins"


# ---------------------------------------------------------------- item 2: the phone, received and returned by staff


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_a_promised_phone_is_received_and_returned_by_the_office_by_name(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot), name="Dave Collins", org="")
        await pilot.press("enter", "1")  # "I will hand it in at the office"
        await quiet(pilot)
        assert screen.step == DONE
        assert "hand your phone to the office now" in text(app, "#self-done-text")
        visit = Visit.get()
        assert CustodyEvent.select().count() == 0 and DeviceState.get_by_id(visit.device_id).slot_no is None
        label = visit.device.labels[0].code
        await pilot.press("enter")
        await quiet(pilot)
        # the office: the list says the phone is to hand in; scanning its V label receives it
        app.pop_screen()
        await quiet(pilot)
        await open_visitors(pilot)
        assert table_rows(app)[0][2:5] == ["Dave Collins", "08:30", "to hand in"]
        await pilot.press(*label, "enter")
        await quiet(pilot)
        assert vmessage(app) == f"Received Dave Collins's phone ({label}): put it in slot C-01."
        assert table_rows(app)[0][4] == "slot C-01"
        [received] = CustodyEvent.select()
        assert received.kind == custody.HANDED_IN and received.actor_id == school.office.id
        # Dave leaves with his slip at the public screen: the phone stays in C-01 until staff return it
        visitors.sign_out(slip_code=visit.slip_code, now=NOW + dt.timedelta(hours=1))
        nxt = self_sign_in_directly(name="Erin Next", phone="tray")
        await pilot.press("f5")
        await quiet(pilot)
        rows = table_rows(app)
        assert [r[0] for r in rows] == ["", "LEFT"] and rows[1][2] == "Dave Collins"
        assert rows[1][4] == "slot C-01: to return" and rows[0][4] == "to hand in"
        assert text(app, "#visitors-summary") == "1 visitor on site. 1 phone to return (LEFT)."
        await pilot.press(*nxt.phone_label, "enter")  # the next visitor's phone goes to C-02, not C-01
        await quiet(pilot)
        assert vmessage(app).endswith("put it in slot C-02.")
        # Enter on Dave's LEFT row asks, then returns his phone, recorded by the office
        await pilot.press("tab", "down", "enter")
        await quiet(pilot)
        assert text(app, ".dialog-title") == "Return Dave Collins's phone from slot C-01?"
        await pilot.press("enter")
        await quiet(pilot)
        assert vmessage(app) == f"Returned Dave Collins's phone ({label}) from slot C-01: give it back to them."
        assert [r[2] for r in table_rows(app)] == ["Erin Next"]
        returned = CustodyEvent.select().where(CustodyEvent.device == visit.device_id).order_by(CustodyEvent.id)[-1]
        assert returned.kind == custody.RETURNED and returned.actor_id == school.office.id
    day = [
        (r["pupil"], r["event"], r["by"])
        for r in reports.day(NOW.date(), reader=DETAIL_ROLES)
        if r["pupil"].startswith("Dave")
    ]
    assert day == [
        ("Dave Collins (visitor)", "handed in", "office"),
        ("Dave Collins (visitor)", "returned to the visitor", "office"),
    ]
    assert custody.verify_states() == []


@pytest.mark.parametrize("size", SIZES)
async def test_f3_receives_a_promised_phone_from_the_list(school, size):
    promised = self_sign_in_directly(name="Fay Promise", phone="tray")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_visitors(pilot)
        await pilot.press("tab", "f3")
        await quiet(pilot)
        assert text(app, ".dialog-title") == "Receive Fay Promise's phone?"
        await pilot.press("escape")
        await quiet(pilot)
        assert vmessage(app) == "Nothing was recorded." and CustodyEvent.select().count() == 0
        await pilot.press("f3")
        await quiet(pilot)
        await pilot.press("y")
        await quiet(pilot)
        assert vmessage(app) == f"Received Fay Promise's phone ({promised.phone_label}): put it in slot C-01."
        assert CustodyEvent.get().actor_id == school.office.id


# ---------------------------------------------------------------- item 5: an organisation's exception


@pytest.mark.parametrize("size", SIZES)
async def test_an_organisations_exception_typed_by_a_stranger_waits_for_the_office_with_id(school, size):
    from tests.domain.test_visitors import _exception

    exc = _exception(school, subject_kind="organisation", organisation="Kent Educational Psychology Service")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot), name="Mallory Parent", org="Kent Educational Psychology Service")
        await pilot.press("enter", "3")
        await quiet(pilot)
        assert screen.step == DONE
        assert "confirmed by the office, with photo ID" in text(app, "#self-done-text")
        v = Visit.get()
        assert (v.phone_choice, v.exception_id, v.id_seen) == (visitors.EXCEPTION_PENDING, None, False)
        await pilot.press("enter")
        app.pop_screen()
        await quiet(pilot)
        await open_visitors(pilot)
        assert table_rows(app)[0][4] == "exception: confirm"
        await pilot.press("tab", "f3")
        await quiet(pilot)
        assert text(app, ".dialog-title") == "Confirm Mallory Parent's exception (Kent Educational Psychology Service)?"
        await pilot.press("y")  # "ID seen"
        await quiet(pilot)
        assert vmessage(app).startswith("Exception confirmed for Mallory Parent, ID seen")
        v = Visit.get()
        assert (v.phone_choice, v.exception_id, v.id_seen) == ("exception", exc.id, True)


# ---------------------------------------------------------------- item 14: yesterday's visitor


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_yesterdays_visitor_shows_the_date_and_is_signed_out_at_the_time_given(school, size):
    yesterday = NOW - dt.timedelta(days=1) + dt.timedelta(hours=4, minutes=50)  # Wed 13:20
    gary = staff_sign_in_directly(school, "Gary Mills", at=yesterday)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_visitors(pilot)
        [row] = table_rows(app)
        assert row[:4] == ["STILL IN", "001", "Gary Mills", "Wed 11 Nov 13:20"]
        assert "earlier day" in text(app, "#visitors-summary")
        await pilot.press(*gary.slip_code, "enter")  # his slip, found in the morning: asks the time
        await quiet(pilot)
        assert type(app.screen).__name__ == "LeftAtDialog"
        assert text(app, ".dialog-title") == "When did Gary Mills leave?"
        assert Visit.get_by_id(gary.visit.id).signed_out_at is None  # nothing yet, never "now" silently
        await pilot.press("enter")  # nothing typed: no default
        await quiet(pilot)
        assert text(app, "#leftat-error") == "Type the time they left as HH:MM, e.g. 15:30."
        await pilot.press(*"12:00", "enter")  # before he came
        await quiet(pilot)
        assert text(app, "#leftat-error") == "They signed in at 13:20: the time they left cannot be before that."
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.press(*"15:30", "enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen"
        assert vmessage(app) == "Signed out Gary Mills."
        out = Visit.get_by_id(gary.visit.id)
        assert out.signed_out_at == dt.datetime(2026, 11, 11, 15, 30) and out.signed_out_by_id == school.office.id
        assert table_rows(app) == []


@pytest.mark.parametrize("size", SIZES)
async def test_yesterdays_visitor_from_the_list_and_escape_records_nothing(school, size):
    yesterday = NOW - dt.timedelta(days=1) + dt.timedelta(hours=4, minutes=50)
    gary = staff_sign_in_directly(school, "Gary Mills", at=yesterday)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_visitors(pilot)
        await pilot.press("tab", "enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "LeftAtDialog"
        await pilot.press("escape")
        await quiet(pilot)
        assert vmessage(app) == "Gary Mills is still signed in."
        assert Visit.get_by_id(gary.visit.id).signed_out_at is None


async def test_yesterdays_slip_at_the_public_screen_sends_them_to_the_office(school):
    gary = self_sign_in_directly(name="Gary Mills", at=NOW - dt.timedelta(days=1))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press(*gary.slip_code, "enter")
        await quiet(pilot)
        assert screen.step == DETAILS
        assert "please see the office to sign out" in text(app, "#self-error")
        assert Visit.get_by_id(gary.visit.id).signed_out_at is None
