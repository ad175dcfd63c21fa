"""Pilot tests of end-of-day release, the class checklist and the uncollected list.

Real key presses, a frozen clock (hand-in at 08:30, release at 15:12, London time in
November is UTC), no sleeps: workers are awaited (``settle``) and scans counted
(``scans_done``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Checkbox, DataTable, OptionList

from kiosk.widgets.scan_log import ScanLog
from models.custody import ledger as custody
from models.custody.codes import make_code
from models.custody.devices import resolve
from models.store.tables import Contact, CustodyEvent, Device
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, quiet, scans_done, settle, sign_in, text
from tests.school import NOW

T1512 = dt.datetime(2026, 11, 12, 15, 12)


def device_of(school, adno: str) -> int:
    return resolve(school.codes[adno]).device.id


def device_of_revoked(school, adno: str) -> int:
    from models.store.tables import Label

    return Label.get(Label.code == school.codes[adno]).device_id


def hand_in(school, *adnos: str) -> None:
    for adno in adnos:
        custody.hand_in(school.codes[adno], school.office, now=NOW)


def confiscate(school, adno: str) -> int:
    device_id = device_of(school, adno)
    custody.confiscate(
        device_id, school.deputy, category="behaviour", reason="used in class", policy="mobile phones 4.2", now=NOW
    )
    return device_id


def events(kind: str) -> list[CustodyEvent]:
    return list(CustodyEvent.select().where(CustodyEvent.kind == kind).order_by(CustodyEvent.id))


def rows(app, selector: str = "#checklist") -> list[list[str]]:
    if selector == "#log":
        return [list(r.cells()) for r in app.screen.query_one(selector, ScanLog).rows]
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def options(app, selector: str) -> list[str]:
    box = app.screen.query_one(selector, OptionList)
    return [str(box.get_option_at_index(i).prompt) for i in range(box.option_count)]


async def open_release(pilot, user="office", pin=DEMO_PINS["office"]):
    pilot.app.services.clock.at = T1512
    await sign_in(pilot, user, pin)
    assert type(pilot.app.screen).__name__ == "ReleaseScreen"
    assert pilot.app.focused.id == "scan"


async def scan(pilot, code: str) -> None:
    before = pilot.app.screen.count
    await pilot.press(*code, "enter")
    await scans_done(pilot, before + 1)
    await settle(pilot)


# ---------------------------------------------------------------- release screen


async def test_release_by_scan_ok_duplicate_invalid_unknown(school):
    hand_in(school, "000001", "000002")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await settle(pilot)
        assert text(app, "#progress") == "Still in slots: Oak 2"

        await scan(pilot, school.codes["000001"])
        assert text(app, "#outcome-word") == "RELEASED"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert text(app, "#outcome-message") == "released from slot B-01"
        assert app.screen.query_one("#outcome").has_class("outcome-ok")
        assert text(app, "#progress") == "Still in slots: Oak 1"

        await scan(pilot, school.codes["000001"])
        assert text(app, "#outcome-word") == "ALREADY DONE"
        assert text(app, "#outcome-message") == "already released at 15:12"

        await scan(pilot, "K1234567")
        assert text(app, "#outcome-word") == "INVALID CODE"
        assert "check digit" in text(app, "#outcome-message")

        unknown = make_code("K", 555555)
        await scan(pilot, unknown)
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        assert text(app, "#outcome-message") == f"{unknown} is not registered to any phone."

        await scan(pilot, school.codes["000003"])  # never handed in today
        assert text(app, "#outcome-word") == "NOT HANDED IN"
        assert text(app, "#outcome-message") == "not handed in today: nothing to release"

        assert text(app, "#counter") == "5 scans · 2 to check"
        assert [e.device_id for e in events("released_to_pupil")] == [device_of(school, "000001")]
        assert custody.state_of(device_of(school, "000002")).state == "in_tray"
        log = rows(app, "#log")
        assert log[0][5] == "RELEASED: slot B-01" and log[1][5] == "ALREADY DONE: already released at 15:12"

        await pilot.press("f4")  # nothing confiscated on screen: no dialog
        assert type(app.screen).__name__ == "ReleaseScreen"


@pytest.mark.both_engines
async def test_scans_in_a_burst_release_in_order(school):
    hand_in(school, "000001", "000002", "000003")
    codes = [school.codes[a] for a in ("000003", "000001", "000002")]
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        burst(app, [k for c in codes for k in (*c, "enter")])
        await scans_done(pilot, 3)
        await settle(pilot)
        assert [r.outcome for r in app.screen.results] == ["OK"] * 3
        assert [e.label_code for e in events("released_to_pupil")] == codes


@pytest.mark.both_engines
async def test_confiscated_phone_is_blocked_then_released_to_a_listed_contact_with_id_seen(school):
    hand_in(school, "000001")
    device_id = confiscate(school, "000001")
    priya = Contact.get(Contact.name == "Priya Patel")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        assert text(app, "#outcome-word") == "BLOCKED"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert app.screen.results[-1].device_id == device_id
        assert text(app, "#outcome-message") == (  # the name once, above it (g3's walk)
            "Confiscated: parent/carer collection only (held in slot B-01). "
            "Press F4 to release it to a listed parent or carer."
        )
        assert events("released_to_pupil") == []

        await pilot.press("f4")
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        assert text(app, "#contact-title") == "Release Ava Patel's phone to a parent or carer"
        assert options(app, "#contact-list") == ["Priya Patel (Mother)", "Raj Patel (Father)"]
        assert app.focused.id == "contact-list"

        await pilot.press("enter")  # nothing highlighted yet: nobody is chosen
        await pilot.press("tab", "tab", "enter")  # Release phone, too soon
        assert text(app, "#contact-error").startswith("Choose the person collecting the phone")
        assert app.focused.id == "contact-list"

        await pilot.press("down", "enter")  # Priya Patel
        assert text(app, "#contact-chosen") == "Collecting: Priya Patel (Mother)"
        assert app.focused.id == "id-seen"
        await pilot.press("tab", "enter")  # Release phone without ID seen
        assert text(app, "#contact-error") == "Check their photo ID and tick ID seen before releasing the phone."
        assert app.focused.id == "id-seen"
        assert events("released_to_contact") == []

        await pilot.press("space")
        assert app.screen.query_one("#id-seen", Checkbox).value is True
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"

        [event] = events("released_to_contact")
        assert (event.device_id, event.contact_id, event.id_seen) == (device_id, priya.id, True)
        assert event.actor_id == school.office.id and event.at == T1512
        assert custody.state_of(device_id).state == "out"
        assert text(app, "#outcome-word") == "RELEASED"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert text(app, "#outcome-message") == "released to Priya Patel (Mother), ID seen, from slot B-01"
        assert rows(app, "#log")[-1][5] == "RELEASED: released to Priya Patel (Mother), ID seen, from slot B-01"
        assert app.focused.id == "scan"


async def test_cancelling_the_contact_dialog_records_nothing(school):
    hand_in(school, "000002")
    device_id = confiscate(school, "000002")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000002"])
        await pilot.press("f4")
        await pilot.press("down", "enter", "space")  # chosen and ticked, then Esc
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert events("released_to_contact") == []
        assert custody.state_of(device_id).state == "confiscated"
        await pilot.press("f4", "tab", "tab", "tab", "enter")  # the Cancel button
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert events("released_to_contact") == []


async def test_a_confiscated_phone_with_nobody_listed_to_collect_cannot_be_released(school):
    hand_in(school, "000003")  # Cara Smith: no contacts
    device_id = confiscate(school, "000003")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000003"])
        await pilot.press("f4")
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        assert text(app, "#contact-rule") == (
            "No parent or carer who may collect is listed for Cara Smith, so the phone cannot be released here."
        )
        assert not app.screen.query("#contact-release")
        await pilot.press("enter")  # the focused Cancel button
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert custody.state_of(device_id).state == "confiscated"


async def test_a_scan_while_the_contact_dialog_is_open_chooses_and_confirms_nothing(school):
    hand_in(school, "000001", "000002")
    device_id = confiscate(school, "000001")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        await pilot.press("f4", "down", "enter")  # Priya chosen; focus on "ID seen"
        burst(app, [*school.codes["000002"], "enter"])
        await settle(pilot)
        assert app.screen.query_one("#id-seen", Checkbox).value is False
        assert text(app, "#contact-error").startswith("A scan was ignored")
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        assert events("released_to_contact") == [] and events("released_to_pupil") == []
        await pilot.press("escape")
        assert custody.state_of(device_id).state == "confiscated"


async def test_a_phone_with_the_police_is_blocked_with_no_parent_release(school):
    hand_in(school, "000001")
    device_id = confiscate(school, "000001")
    custody.hand_to_police(device_id, school.head, officer="PC 123 Smith", force_reference="MPS-1", now=NOW)
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        assert text(app, "#outcome-word") == "BLOCKED"
        assert text(app, "#outcome-message") == "Handed to the police: it cannot be released or handed in."
        await pilot.press("f4")
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert custody.state_of(device_id).state == "police"


async def test_teacher_of_oak_cannot_release_a_beech_phone(school):
    hand_in(school, "000001", "000004")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot, "oak", DEMO_PINS["oak"])
        await scan(pilot, school.codes["000004"])
        assert text(app, "#outcome-word") == "BLOCKED"
        assert text(app, "#outcome-message") == "Oak Teacher may release phones only for their own class, not Beech."
        assert custody.state_of(device_of(school, "000004")).state == "in_tray"
        await scan(pilot, school.codes["000001"])  # their own class: fine
        assert text(app, "#outcome-word") == "RELEASED"


async def test_teacher_of_oak_cannot_release_a_confiscated_beech_phone_to_a_contact(school):
    hand_in(school, "000004")
    device_id = confiscate(school, "000004")
    app = make_app(start="release")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_release(pilot, "oak", DEMO_PINS["oak"])
        await scan(pilot, school.codes["000004"])
        assert text(app, "#outcome-message") == "Oak Teacher may release phones only for their own class, not Beech."
        await pilot.press("f4")
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert custody.state_of(device_id).state == "confiscated"


# ---------------------------------------------------------------- checklist


async def open_checklist(pilot, user, pin):
    pilot.app.services.clock.at = T1512
    await sign_in(pilot, user, pin)
    await quiet(pilot)  # the class's rows come from a database worker (CI: not yet there after one settle)
    assert type(pilot.app.screen).__name__ == "ChecklistScreen"


@pytest.mark.both_engines
async def test_teacher_goes_straight_to_their_class_and_releases_by_selection(school):
    hand_in(school, "000001", "000002")
    custody.release(school.codes["000002"], school.office, now=T1512)
    app = make_app(start="checklist")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        screen = app.screen
        assert screen.class_names == ["Oak"] and not screen.query_one("#class-list").display
        assert text(app, "#checklist-title") == "Class checklist: Oak"
        assert rows(app) == [  # what still needs the teacher first, the phones returned last
            ["Ava Patel", school.codes["000001"], "in slot B-01"],
            ["Cara Smith", school.codes["000003"], "not handed in today"],
            ["Ben Jones", school.codes["000002"], "released to pupil at 15:12"],
        ]
        assert text(app, "#checklist-summary") == "Oak: 1 in a slot · 1 released · 1 not handed in"
        assert not screen.query_one("#checklist-banner").display
        assert "checklist.change_class" not in {b.binding.id for b in screen.active_bindings.values()}

        await pilot.press("down")  # from the scan field to the list (row 0: Ava)
        assert app.focused.id == "checklist"
        await pilot.press("down", "enter")  # Cara: not handed in
        await settle(pilot)
        assert text(app, "#checklist-message") == "Cara Smith: not handed in today, nothing to release."
        await pilot.press("up", "enter")  # Ava: in slot B-01, released by selection once confirmed
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmReleaseDialog"
        await pilot.press("enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert text(app, "#checklist-message") == "RELEASED: Ava Patel · Oak: released from slot B-01"
        assert [e.device_id for e in events("released_to_pupil")][-1] == device_of(school, "000001")
        assert rows(app)[2] == ["Ava Patel", school.codes["000001"], "released to pupil at 15:12"]  # moved down
        assert app.screen.query_one("#checklist", DataTable).cursor_row == 0  # the cursor stays put
        assert screen.query_one("#checklist-banner").display
        assert text(app, "#checklist-banner") == "All released: no phone of Oak is waiting in a slot."
        assert text(app, "#checklist-summary") == "Oak: 2 released · 1 not handed in"

        await pilot.press("down", "down", "enter")  # Ava: already released
        assert text(app, "#checklist-message") == "Ava Patel: released to pupil at 15:12, nothing to release."
        assert len(events("released_to_pupil")) == 2


async def test_checklist_release_by_scan_even_with_the_list_focused(school):
    from models.custody.devices import revoke_label

    hand_in(school, "000001", "000002", "000003", "000004")
    revoke_label(school.codes["000003"], actor=school.office, reason="lost", reissue=False, now=NOW)
    app = make_app(start="checklist")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("down")  # list focused, cursor on Ben (in slot)
        assert app.focused.id == "checklist"
        burst(app, [*school.codes["000001"], "enter"])  # a scanner: Ava's code, then Enter
        await scans_done(pilot, 1)
        await settle(pilot)
        assert [e.label_code for e in events("released_to_pupil")] == [school.codes["000001"]]
        assert rows(app)[0][2] == "in slot B-02"  # Ben, highlighted, was not released
        assert rows(app)[2] == ["Ava Patel", school.codes["000001"], "released to pupil at 15:12"]

        await pilot.press("tab")  # back to the scan field
        assert app.focused.id == "scan"
        await pilot.press(*school.codes["000004"], "enter")  # a Beech phone
        await scans_done(pilot, 2)
        await settle(pilot)
        assert text(app, "#checklist-message") == (
            f"BLOCKED: {school.codes['000004']}: Oak Teacher may release phones only for their own class, not Beech."
        )
        assert custody.state_of(device_of(school, "000004")).state == "in_tray"

        await pilot.press(*"K1", "enter")
        await scans_done(pilot, 3)
        assert text(app, "#checklist-message").startswith("INVALID CODE: K1: ")

        await pilot.press("down", "down", "enter")  # Cara: in a slot, but her label was revoked
        assert rows(app)[1] == ["Cara Smith", "", "in slot B-03"]
        assert text(app, "#checklist-message") == (
            "Cara Smith's phone has no current label, so it cannot be released from the list: "
            "register a new label for it first."
        )
        assert custody.state_of(device_of_revoked(school, "000003")).state == "in_tray"


async def test_leadership_picks_a_class_and_handles_confiscated_and_police_phones(school):
    hand_in(school, "000004", "000005")
    dan = confiscate(school, "000004")
    ella = confiscate(school, "000005")
    custody.hand_to_police(ella, school.head, officer="PC 123 Smith", force_reference="MPS-1", now=NOW)
    Device.update(active=False).where(Device.id == device_of(school, "000003")).execute()  # Cara: no phone
    eve = Contact.get(Contact.name == "Eve Brown")
    app = make_app(start="checklist")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_checklist(pilot, "deputy", DEMO_PINS["deputy"])
        assert options(app, "#class-list") == ["Beech — 1 still held of 1", "Oak — no phones held or returned today"]
        assert app.focused.id == "class-list"
        await pilot.press("enter")  # Beech
        await settle(pilot)
        assert text(app, "#checklist-title") == "Class checklist: Beech"
        assert rows(app) == [
            ["Dan Brown", school.codes["000004"], "confiscated: parent collection (slot C-01)"],
            ["Ella Green", school.codes["000005"], "with the police"],
        ]
        assert text(app, "#checklist-banner") == (
            "No phone of Beech is waiting in a slot today. 1 confiscated phone is held for a parent or carer."
        )

        await pilot.press("down", "down", "enter")  # Ella: with the police
        assert text(app, "#checklist-message") == "Ella Green: handed to the police, it cannot be released."
        await pilot.press("up", "enter")  # Dan: confiscated, opens the dialog
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        assert options(app, "#contact-list") == ["Eve Brown (Grandparent)"]
        await pilot.press("down", "enter", "space", "tab", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChecklistScreen"
        assert app.focused.id == "checklist"  # back where the selection was made
        [event] = events("released_to_contact")
        assert (event.device_id, event.contact_id, event.id_seen) == (dan, eve.id, True)
        assert text(app, "#checklist-message") == "RELEASED: Dan Brown to Eve Brown (Grandparent), ID seen."
        assert rows(app)[1] == ["Dan Brown", school.codes["000004"], "released to parent/carer at 15:12"]
        assert text(app, "#checklist-banner") == "All released: no phone of Beech is waiting in a slot."

        await pilot.press("f3")  # change class
        assert app.focused.id == "class-list"
        await pilot.press("down", "enter")  # Oak
        await settle(pilot)
        assert text(app, "#checklist-title") == "Class checklist: Oak"
        assert rows(app)[2] == ["Cara Smith", "", "no registered phone"]


async def test_checklist_confiscated_scan_then_f4_and_cancel_records_nothing(school):
    hand_in(school, "000001")
    device_id = confiscate(school, "000001")
    app = make_app(start="checklist")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        assert rows(app)[0] == ["Ava Patel", school.codes["000001"], "confiscated: parent collection (slot B-01)"]
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert text(app, "#checklist-message") == (
            "BLOCKED: Ava Patel: Confiscated: parent/carer collection only (held in slot B-01). "
            "Press F4 to release it to a listed parent or carer."
        )
        await pilot.press("f4")
        assert type(app.screen).__name__ == "ReleaseToContactDialog"
        await pilot.press("escape")
        await settle(pilot)
        assert text(app, "#checklist-message") == "Cancelled: nothing was recorded."
        assert events("released_to_contact") == []
        assert custody.state_of(device_id).state == "confiscated"


# ---------------------------------------------------------------- uncollected


@pytest.mark.both_engines
async def test_uncollected_lists_held_phones_with_counts_and_refreshes(school):
    hand_in(school, "000001", "000002", "000004")
    confiscate(school, "000004")
    custody.release(school.codes["000002"], school.office, now=T1512)
    app = make_app(start="uncollected")
    async with app.run_test(size=(110, 32)) as pilot:
        app.services.clock.at = T1512
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        assert type(app.screen).__name__ == "UncollectedScreen"
        assert rows(app, "#uncollected") == [
            ["B-01", "Ava Patel", "Oak", school.codes["000001"], "in the tray", "08:30"],
            ["C-01", "Dan Brown", "Beech", school.codes["000004"], "CONFISCATED", "08:30"],
        ]
        assert text(app, "#uncollected-summary") == (
            "2 phones not collected: 1 in the tray, 1 confiscated (to a listed parent or carer only)."
        )
        assert text(app, "#uncollected-classes") == "By class: Beech 1 · Oak 1"

        custody.release(school.codes["000001"], school.office, now=T1512)
        await pilot.press("f5")
        await settle(pilot)
        assert [r[1] for r in rows(app, "#uncollected")] == ["Dan Brown"]
        assert text(app, "#uncollected-summary") == (
            "1 phone not collected: 0 in the tray, 1 confiscated (to a listed parent or carer only)."
        )

        custody.release_to_contact(
            device_of(school, "000004"),
            school.office,
            contact_id=Contact.get(Contact.name == "Eve Brown").id,
            id_seen=True,
            now=T1512,
        )
        await pilot.press("r")
        await settle(pilot)
        assert rows(app, "#uncollected") == []
        assert text(app, "#uncollected-summary") == "Every phone has been collected: the school holds none."


async def test_who_may_open_the_release_checklist_and_uncollected_screens(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("u")  # a teacher does not see reports
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("c")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChecklistScreen"
        assert app.screen.class_names == ["Oak"]
        await pilot.press("escape")
        await pilot.press("r")
        assert type(app.screen).__name__ == "ReleaseScreen"
        await pilot.press("escape")
        await pilot.press("l")
        await settle(pilot)

        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        await pilot.press("r", "c")  # admin neither releases nor sees checklists
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("u")
        await settle(pilot)
        assert type(app.screen).__name__ == "UncollectedScreen"
        assert text(app, "#uncollected-summary") == "Every phone has been collected: the school holds none."


async def test_uncollected_fits_80_columns_with_a_confiscated_phone_from_an_earlier_day(school):
    """At 80x24 the State was cut and the Since column was dropped."""
    from tests.svg_text import cells, text_of

    hand_in(school, "000001", "000004")
    confiscate(school, "000004")
    app = make_app(start="uncollected")
    async with app.run_test(size=(80, 24)) as pilot:
        app.services.clock.at = T1512 + dt.timedelta(days=1)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        screen = [text_of(r) for r in cells(app.export_screenshot()).values()]
        header = next(r for r in screen if "Slot" in r and "Pupil" in r)
        assert all(h in header for h in ("Class", "Code", "State", "Since")), header
        dan = next(r for r in screen if "Dan Brown" in r)
        assert "CONFISCATED" in dan and "12 Nov 08:30" in dan, dan
