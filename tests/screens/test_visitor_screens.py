"""Pilot tests of the visitor screens: self-service sign-in and out, and the office's list.

Real key presses, a frozen clock, no sleeps. Every flow, the bad input each step
refuses (empty name, 500-character fields, control characters, rules not accepted,
unknown slip codes) and that a visitor can never leave the self-service screen.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette

from kiosk.screens.visitor_self import DETAILS, DONE, MESSAGE, PHONE, RULES, VisitorSelfServiceScreen
from kiosk.session import SignedIn
from models.custody import codes
from models.custody import ledger as custody
from models.policy.rules import rules_for
from models.store.tables import Concern, CustodyEvent, PrintJob, Staff, Visit
from models.visitors import visits as visitors
from tests.pilot import make_app, quiet, text
from tests.pilot import until as pilot_until
from tests.school import NOW

SIZE = (110, 32)


async def open_self_service(pilot, **kw) -> VisitorSelfServiceScreen:
    screen = VisitorSelfServiceScreen(**kw)
    await pilot.app.push_screen(screen)
    await quiet(pilot)
    assert pilot.app.screen is screen
    return screen


async def until(pilot, condition, timeout: float = 60.0) -> None:
    await pilot_until(pilot, condition, seconds=timeout)


class Keys:
    """Presses keys and counts those beyond the characters a visitor types for their details."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.extra = 0

    async def type(self, text: str) -> None:
        if text:
            await self.pilot.press(*text)
        await quiet(self.pilot)

    async def key(self, *keys: str) -> None:
        self.extra += len(keys)
        await self.pilot.press(*keys)
        await quiet(self.pilot)


async def fill(
    keys: Keys,
    name="Jane Doe",
    org="Acme Ltd",
    type_moves=0,
    purpose="Meeting",
    visiting="Mrs Head",
    car="",
    type_chosen=False,
) -> None:
    """The details step: every field, Enter after each (Enter counted as an extra key). The
    kind of visitor comes first (issue 14 item 12: a kind the office signs in says so at once)."""
    if not type_chosen:
        if type_moves:
            await keys.key(*["down"] * type_moves)
        await keys.key("enter")
    await keys.type(name)
    await keys.key("enter")
    await keys.type(org)
    await keys.key("enter")
    await keys.type(purpose)
    await keys.key("enter")
    await keys.type(visiting)
    await keys.key("enter")
    await keys.type(car)
    await keys.key("enter")


async def paste(pilot, text_: str) -> None:
    pilot.app.focused.post_message(events.Paste(text_))
    await pilot.pause()


def error(app) -> str:
    return text(app, "#self-error")


def self_sign_in_directly(name="Jane Doe", org="Acme Ltd", phone="car_or_off", at=NOW):
    from tests.pilot import settings

    s = settings()
    return visitors.sign_in(
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name=name,
        organisation=org,
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Mrs Head",
        phone=phone,
        now=at,
    )


# ---------------------------------------------------------------- self-service sign-in


@pytest.mark.both_engines
async def test_sign_in_takes_at_most_8_keys_beyond_typing_and_prints_the_slip(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        keys = Keys(pilot)
        await fill(keys, car="ab12 cde")
        assert screen.step == RULES
        assert "Never take photos" in screen.rules.text
        await keys.key("enter")  # I accept
        await keys.key("1")  # hand the phone in at the office
        assert screen.step == DONE
        assert keys.extra <= 8, keys.extra
        assert text(app, "#self-done-title") == "Welcome, Jane Doe. You are signed in."
        assert text(app, "#self-badge") == "Your badge number is 001. Your slip is printing."
        assert text(app, "#self-band").startswith("SUPERVISED")
        assert text(app, "#self-done-text").startswith("Please hand your phone to the office now")
        assert "slot" not in text(app, "#self-done-text")  # no slot until the office has the phone
        visit = Visit.get()
        assert (visit.name, visit.organisation, visit.visitor_type, visit.car_reg, visit.phone_choice) == (
            "Jane Doe",
            "Acme Ltd",
            "parent_carer",
            "AB12CDE",
            "tray",
        )
        assert visit.signed_in_by is None and visit.rules_sha256 == screen.rules.sha256
        job = PrintJob.get()
        assert (job.kind, job.ref, job.status) == ("slip", f"visit:{visit.id}", "pending")
        assert CustodyEvent.select().where(CustodyEvent.device == visit.device_id).count() == 0  # only promised
        await pilot.press("enter")  # finish
        assert screen.step == DETAILS
        assert app.screen.query_one("#self-name").value == ""
        assert app.focused.id == "self-type"  # the kind of visitor comes first (issue 14 item 12)


async def test_done_step_returns_to_the_start_on_a_timer(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot, reset_after=0.05)
        keys = Keys(pilot)
        await fill(keys)
        await keys.key("enter", "2")
        assert Visit.get().phone_choice == "car_or_off"
        assert text(app, "#self-done-title") == "Welcome, Jane Doe. You are signed in."
        await until(pilot, lambda: screen.step == DETAILS)
        assert app.focused.id == "self-type"


async def test_a_returning_visitor_scans_a_previous_slip_to_fill_in_their_details(school):
    first = self_sign_in_directly(name="Janet Okafor", org="City Council")
    visitors.sign_out(slip_code=first.slip_code, now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press(*"Jan")  # typing a name offers nobody's name (item 4)
        await quiet(pilot)
        assert "Okafor" not in screen_text(app) and not app.screen.query("#self-returning")
        await pilot.press("backspace", "backspace", "backspace", *first.slip_code, "enter")
        await quiet(pilot)
        assert app.screen.query_one("#self-name").value == "Janet Okafor"
        assert app.screen.query_one("#self-organisation").value == "City Council"
        assert app.focused.id == "self-purpose"
        await pilot.press(*"Parents evening", "enter", *"Mr Oak", "enter", "enter")
        await quiet(pilot)
        await pilot.press("enter", "2")
        await quiet(pilot)
        assert screen.step == DONE
        visits = list(Visit.select().order_by(Visit.id))
        assert len(visits) == 2 and visits[1].visitor_id == first.visitor.id  # the same visitor, returning


def screen_text(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static, Option, OptionList, Label"))


# ---------------------------------------------------------------- bad input


async def test_empty_name_is_refused_and_focused(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot), name="")
        assert screen.step == DETAILS
        assert error(app) == "Please give the name."
        assert app.focused.id == "self-name"
        assert Visit.select().count() == 0


async def test_500_character_fields_are_refused_not_cut_short(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press("enter", *"Jane", "enter", "enter")  # type, name, organisation
        assert app.focused.id == "self-purpose"
        await paste(pilot, "x" * 500)  # refused whole, in one line (test_visitor_paste_s3)
        assert app.focused.value == ""
        assert error(app) == 'Not pasted: "Purpose of visit" takes at most 200 characters.'
        app.focused.value = "x" * 500  # what a box could hold all the same is refused on Enter
        await pilot.press("enter", *"Mrs Head", "enter", "enter")
        await quiet(pilot)
        assert screen.step == DETAILS
        assert error(app) == "The purpose of your visit is too long (500 characters; at most 200)."
        assert app.focused.id == "self-purpose"
        app.focused.value = "Meeting"
        app.screen.query_one("#self-organisation").value = "o" * 500
        app.screen.query_one("#self-car").focus()
        await pilot.press("enter")
        assert error(app) == "The organisation is too long (500 characters; at most 100)."
        assert app.focused.id == "self-organisation"
        assert Visit.select().count() == 0


async def test_control_characters_are_refused(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press("enter")  # the kind of visitor
        await paste(pilot, "Jane\x1b[2J\x07 Doe")
        assert app.focused.value == "Jane Doe"  # a pasted escape sequence never reaches the box (issue 14, item 9)
        app.focused.value = "Jane\x07 Doe"  # what a box could hold all the same is refused
        await pilot.press("enter", "enter", *"Meeting", "enter", *"Mrs Head", "enter", "enter")
        await quiet(pilot)
        assert screen.step == DETAILS
        assert error(app) == "The name contains control characters: type it again."
        assert app.focused.id == "self-name"
        app.focused.value = "Jane Doe"
        app.screen.query_one("#self-car").value = "AB\x0012"
        app.screen.query_one("#self-car").focus()
        await pilot.press("enter")
        assert error(app) == "The car registration contains control characters: type it again."
        assert Visit.select().count() == 0


async def test_rules_not_accepted_records_nothing(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot))
        assert screen.step == RULES
        await pilot.press("n")
        assert screen.step == MESSAGE
        assert text(app, "#self-message").startswith(
            "You have not accepted the device rules, so you are not signed in."
        )
        assert Visit.select().count() == 0 and PrintJob.select().count() == 0
        await pilot.press("enter")
        assert screen.step == DETAILS and app.screen.query_one("#self-name").value == ""


async def test_a_type_that_needs_the_office_says_so_and_records_nothing(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press("down", "enter")  # Contractor: ID must be seen; said before any typing (item 12)
        await quiet(pilot)
        assert screen.step == MESSAGE
        assert text(app, "#self-message").startswith("Contractor visitors are signed in by the office")
        assert "Please see the office" in text(app, "#self-message")
        assert Visit.select().count() == 0


async def test_an_exception_that_was_not_agreed_sends_the_visitor_to_the_office(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot))
        await pilot.press("enter", "3")
        await quiet(pilot)
        # Issue 14 item 12: said on the phone step, the details kept: the visitor may choose again.
        assert screen.step == PHONE
        assert text(app, "#self-phone-error") == f"{visitors.NO_EXCEPTION} Or choose 1 or 2."
        assert Visit.select().count() == 0 and PrintJob.select().count() == 0
        await pilot.press("2")
        await quiet(pilot)
        assert screen.step == DONE and Visit.get().name == "Jane Doe"


async def test_escape_goes_back_one_step_and_leaves_only_from_the_empty_first_step(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await fill(Keys(pilot))
        await pilot.press("enter")
        assert screen.step == "phone"
        await pilot.press("escape")
        assert screen.step == RULES
        await pilot.press("escape")
        assert screen.step == DETAILS
        assert app.screen.query_one("#self-name").value == "Jane Doe"  # details kept going back
        await pilot.press("escape")  # back a field: what was typed is kept (issue 14 item 12)
        assert app.focused.id == "self-visiting" and app.screen.query_one("#self-name").value == "Jane Doe"
        await pilot.press("f5")  # starting again is asked for
        await quiet(pilot)
        assert app.screen.query_one("#self-name").value == ""  # the start: an empty form
        for key in ("ctrl+p", "f12", "ctrl+z"):
            await pilot.press(key)
            await quiet(pilot)
            assert app.screen is screen, key
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
        await pilot.press("escape")  # the first step, empty: back to the staff sign-in it came from
        await quiet(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert app.signed_in is None


# ---------------------------------------------------------------- self-service sign-out


@pytest.mark.both_engines
async def test_sign_out_by_scanning_the_slip_keeps_a_held_phone_for_the_office(school):
    signed = self_sign_in_directly(phone="tray")
    visitors.phone_action(code=signed.phone_label, actor=school.office, now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press(*signed.slip_code.lower(), "enter")
        await quiet(pilot)
        assert screen.step == DONE
        assert text(app, "#self-done-title") == "Goodbye, Jane Doe."
        assert "collect your phone from the office" in text(app, "#self-done-text")
        assert Visit.get_by_id(signed.visit.id).signed_out_at == NOW
        assert custody.state_of(signed.visit.device_id).state == custody.IN_TRAY  # until staff return it


async def test_unknown_slip_code_says_so(school):
    unknown = codes.make_code("S", 999)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_self_service(pilot)
        await pilot.press(*unknown, "enter")
        await quiet(pilot)
        assert screen.step == DETAILS
        assert error(app) == f"No visit has slip {unknown}. Please see the office."


# ---------------------------------------------------------------- the office's visitors screen


def staff_signed_in(username: str) -> SignedIn:
    staff = Staff.get(Staff.username == username)
    return SignedIn(staff.id, staff.username, staff.display_name, staff.role_set)


async def open_visitors(pilot, username: str = "office"):
    from kiosk.screens.visitors import VisitorsScreen

    who = staff_signed_in(username)
    pilot.app.sign_in(who)
    await quiet(pilot)
    await pilot.app.push_screen(VisitorsScreen(pilot.app.signed_in))
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "VisitorsScreen"
    return pilot.app.screen


def vmessage(app) -> str:
    return text(app, "#visitors-message")


def table_rows(app) -> list[list[str]]:
    """The visitors list as its eight fields a row (flag, badge, name, in at, phone,
    supervised, organisation, type), whether it shows them across or on two lines a
    visitor (when they do not fit: then the type is the short one)."""
    table = app.screen.query_one("#visitors-list")
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    if not app.screen.compact:
        return rows
    out = []
    for badge_flag, name_org, when_phone, type_sup in rows:
        badge, flag = badge_flag.split("\n")
        name, org = name_org.split("\n")
        when, phone = when_phone.split("\n")
        vtype, supervised = type_sup.split("\n")
        out.append([flag, badge, name, when, phone, supervised, org, vtype])
    return out


async def test_list_shows_who_is_on_site_flags_late_ones_and_markup_is_literal(school):
    import datetime as dt

    self_sign_in_directly(name="Old Stayer", at=NOW - dt.timedelta(days=1))
    self_sign_in_directly(name="[b]Bold[/b] Name", org="[red]Org", phone="tray")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        rows = table_rows(app)
        assert rows[0][:3] == ["STILL IN", "001", "Old Stayer"]
        assert rows[0][3] == "Wed 11 Nov 08:30"  # an earlier day shows its date
        assert rows[1] == [
            "",
            "002",  # 001 is still worn by Old Stayer (two 001s on site confused the roll call)
            "[b]Bold[/b] Name",
            "08:30",
            "to hand in",
            "supervised",
            "[red]Org",
            "Parent or carer",
        ]
        assert text(app, "#visitors-summary") == (
            "2 visitors on site. 1 signed in on an earlier day: sign them out with the time they left."
        )
        assert text(app, "#visitors-printer") == "Printer: nothing printed yet. 2 jobs waiting."


async def test_sign_out_by_scan_says_which_slot_the_phone_comes_from(school):
    signed = self_sign_in_directly(phone="tray")
    visitors.phone_action(code=signed.phone_label, actor=school.office, now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        assert app.focused.id == "visitors-scan"
        await pilot.press(*signed.slip_code, "enter")
        await quiet(pilot)
        assert vmessage(app) == (
            "Signed out Jane Doe: give back the phone from slot C-01 (recorded as returned to the visitor)."
        )
        assert table_rows(app) == [] and text(app, "#visitors-summary") == "No visitors on site."
        out = Visit.get_by_id(signed.visit.id)
        assert out.signed_out_at == NOW and out.signed_out_by_id == Staff.get(Staff.username == "office").id
        await pilot.press(*signed.slip_code, "enter")  # twice: refused, one line
        await quiet(pilot)
        assert vmessage(app) == "Jane Doe already signed out at 08:30."


async def test_unknown_slip_and_phone_label_scans_are_refused(school):
    unknown = codes.make_code("S", 4242)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await pilot.press(*unknown, "enter")
        await quiet(pilot)
        assert vmessage(app) == f"No visit has slip {unknown}."
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        assert vmessage(app) == (
            f"{school.codes['000001']} is a pupil's phone label: use Hand in or Release for pupils' phones."
        )
        await pilot.press(*"garbage", "enter")
        await quiet(pilot)
        assert vmessage(app) == (
            "That is not a visitor's slip or phone label: scan the QR code on the slip, or the V label on the phone."
        )


async def test_enter_on_a_row_asks_then_signs_that_visitor_out(school):
    self_sign_in_directly(name="Amy Alpha")
    second = self_sign_in_directly(name="Bob Beta", phone="tray")
    visitors.phone_action(code=second.phone_label, actor=school.office, now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await pilot.press("tab", "down", "enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        assert text(app, ".dialog-title") == "Sign out Bob Beta (badge 002)?"
        assert "Signed in at 08:30. Their phone in slot C-01 is returned to them, recorded by you." in [
            str(w.render()) for w in app.screen.query("Static")
        ]
        await pilot.press("escape")  # a slip of the finger: nobody is signed out
        await quiet(pilot)
        assert vmessage(app) == "Bob Beta is still signed in."
        assert Visit.get_by_id(second.visit.id).signed_out_at is None
        await pilot.press("enter")  # the row still has the cursor
        await quiet(pilot)
        await pilot.press("enter")  # "Sign out" has the focus
        await quiet(pilot)
        assert vmessage(app) == (
            "Signed out Bob Beta: give back the phone from slot C-01 (recorded as returned to the visitor)."
        )
        assert Visit.get_by_id(second.visit.id).signed_out_at == NOW
        assert [r[2] for r in table_rows(app)] == ["Amy Alpha"]


async def fill_dialog(pilot, name="Bob Builder", org="Fixit", type_moves=1, purpose="Boiler", visiting="Caretaker"):
    await pilot.press("f2")
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "VisitorSignInDialog"
    for value, then in (
        (name, ["enter"]),
        (org, ["enter"] + ["down"] * type_moves + ["enter"]),
        (purpose, ["enter"]),
        (visiting, ["enter", "enter"]),
    ):
        if value:
            await pilot.press(*value)
        await pilot.press(*then)
    await quiet(pilot)
    assert pilot.app.focused.id == "vsign-phone"


@pytest.mark.both_engines
async def test_staff_sign_in_with_the_checks_for_a_contractor(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await fill_dialog(pilot)
        assert text(app, "#vsign-checks") == "Contractor: photo ID seen; supervised by default."
        await pilot.press("tab", "tab", "tab", "tab", "enter")  # rules not ticked: Continue
        assert text(app, "#vsign-error") == "The visitor must read and accept the device rules first."
        assert app.focused.id == "vsign-rules"
        await pilot.press("space", "tab", "tab", "tab", "enter")  # ID not ticked
        assert text(app, "#vsign-error") == "Check the photo ID of a contractor and tick that it was seen."
        assert app.focused.id == "vsign-id"
        await pilot.press("space", "tab", "tab", "enter")  # from the DBS-by box: Continue
        summary = text(app, "#vsign-summary")
        assert summary.startswith("Sign in Bob Builder (Fixit)?") and "ID seen: yes" in summary
        assert summary.endswith("SUPERVISED")
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen"
        assert (
            vmessage(app)
            == "Signed in Bob Builder, badge 001; phone received into slot C-01 (label "
            + Visit.get().device.labels[0].code
            + "). The slip is printing."
        )
        v = Visit.get()
        assert (v.visitor_type, v.id_seen, v.supervised, v.dbs_assured, v.signed_in_by_id) == (
            "contractor",
            True,
            True,
            None,
            school.office.id,
        )
        assert [r[2] for r in table_rows(app)] == ["Bob Builder"]
        assert PrintJob.select().where(PrintJob.kind == "slip").count() == 1


async def test_staff_sign_in_of_a_professional_needs_dbs_confirmed_by_someone(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await fill_dialog(pilot, name="Pat Pro", org="NHS", type_moves=2, purpose="Review", visiting="DSL")
        await pilot.press("tab", "space", "tab", "space", "tab", "tab", "enter")  # rules, ID; no DBS
        assert text(app, "#vsign-error") == (
            "A professional or multi-agency needs DBS assurance from their employer: "
            "without it they cannot be signed in."
        )
        await pilot.press("space", "tab", "enter")
        assert text(app, "#vsign-error") == "Say who confirmed the DBS assurance (name and organisation)."
        assert app.focused.id == "vsign-dbs-by"
        await pilot.press(*"HR at NHS Trust", "enter", "enter")
        await quiet(pilot)
        v = Visit.get()
        assert (v.dbs_assured, v.dbs_confirmed_by, v.supervised) == (True, "HR at NHS Trust", False)


async def test_staff_dialog_refuses_bad_details_and_cancel_records_nothing(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await fill_dialog(pilot, name="")
        await pilot.press("tab", "space", "tab", "space", "tab", "tab", "enter")
        assert text(app, "#vsign-error") == "Please give the name."
        assert app.focused.id == "vsign-name"
        await paste(pilot, "Bo\x1b]0;x\x07b")  # a pasted escape sequence is removed (issue 14 item 9)
        await pilot_until(pilot, lambda: app.screen.query_one("#vsign-name").value == "Bob", what="the cleaned paste")
        app.screen.query_one("#vsign-name").value = "Bo\x07b"  # one that reached the box all the same
        app.screen.query_one("#vsign-dbs-by").focus()
        await pilot.press("enter")
        assert text(app, "#vsign-error") == "The name contains control characters: type it again."
        app.screen.query_one("#vsign-name").value = "Bob"
        app.screen.query_one("#vsign-visiting").value = "v" * 500
        app.screen.query_one("#vsign-dbs-by").focus()
        await pilot.press("enter")
        assert text(app, "#vsign-error") == (
            "The name of the person you are visiting is too long (500 characters; at most 100)."
        )
        await pilot.press("escape")  # something was typed: Esc asks once, a second Esc cancels (f3)
        await quiet(pilot)
        assert text(app, "#vsign-error") == "Press Esc again to throw away what you typed, or carry on."
        await pilot.press("escape")
        await quiet(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen"
        assert vmessage(app) == "Nobody was signed in."
        assert Visit.select().count() == 0


@pytest.mark.both_engines
async def test_reprint_roll_call_and_retry(school):
    signed = self_sign_in_directly()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await pilot.press("tab", "f4")
        await quiet(pilot)
        assert vmessage(app) == "Reprinting Jane Doe's slip."
        slips = list(PrintJob.select().where(PrintJob.ref == f"visit:{signed.visit.id}").order_by(PrintJob.id))
        assert len(slips) == 2 and slips[1].reprint_of_id == slips[0].id
        await pilot.press("f7")
        await quiet(pilot)
        assert type(app.screen).__name__ == "RollCallScreen"  # (issue 14: the roll call is on screen too)
        await pilot.press("escape")
        await quiet(pilot)
        assert vmessage(app) == "Fire roll call sent to the printer: 1 visitor on site."
        assert PrintJob.select().where(PrintJob.kind == "roll_call").count() == 1
        await pilot.press("f8")
        await quiet(pilot)
        assert vmessage(app) == "Trying the printer again now: 3 jobs waiting."
        assert text(app, "#visitors-printer") == "Printer: nothing printed yet. 3 jobs waiting."


async def test_printer_offline_is_shown(school):
    self_sign_in_directly()
    PrintJob.update(last_failed_at=NOW, last_error="Connection refused by 192.0.2.1:9100.").execute()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        assert text(app, "#visitors-printer") == "Printer offline: Connection refused by 192.0.2.1:9100. 1 job waiting."


async def test_concern_about_a_visitors_device_use_is_recorded_for_the_dsl(school):
    signed = self_sign_in_directly()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await pilot.press("f6")  # the scan field has focus, but a row is highlighted
        await quiet(pilot)
        assert type(app.screen).__name__ == "VisitorConcernDialog"
        await pilot.press("enter")
        assert text(app, "#vconcern-error") == "Say what happened."
        await paste(pilot, "x" * 2500)
        await pilot.press("enter")
        assert text(app, "#vconcern-error") == "The description is too long (2500 characters; at most 2000)."
        app.focused.value = ""
        await pilot.press(*"Filming in the hall", "enter")
        assert "What happened: Filming in the hall" in text(app, "#vconcern-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert vmessage(app) == "Concern about Jane Doe's device use recorded for the DSL."
        c = Concern.get()
        assert (c.about_kind, c.visit_id, c.what, c.raised_by_id, c.status) == (
            "visitor",
            signed.visit.id,
            "Filming in the hall",
            school.office.id,
            "open",
        )


async def test_roles_without_the_visitors_permission_get_nothing(school):
    self_sign_in_directly()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visitors(pilot, "admin")  # may print, may not sign visitors in
        assert text(app, "#visitors-summary") == "Admin (admin) may not sign visitors in or out."
        assert table_rows(app) == []
        await pilot.press("f2")
        await quiet(pilot)
        assert app.screen is screen
        await pilot.press("f7")
        await quiet(pilot)
        assert PrintJob.select().where(PrintJob.kind == "roll_call").count() == 0
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot, "oak")  # a teacher: only concerns, and nobody is listed
        await pilot.press(*Visit.get().slip_code, "enter")
        await quiet(pilot)
        assert Visit.get().signed_out_at is None
        assert "may not sign visitors in or out" in vmessage(app)
