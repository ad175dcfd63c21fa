"""Issue 11, items 7, 13 and 15, on screen: real keys, 80×24 and 110×32, a frozen clock, no sleeps."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.widgets.scan_log import ScanLog
from models.custody import codes
from models.custody import ledger as custody
from models.store.tables import CustodyEvent, Label
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, sign_in, text
from tests.pilot import scans_done as _scans_done
from tests.school import NOW

SLIP = codes.make_code("S", 121367)
VISITOR = codes.make_code("V", 345678)
SIZES = [(80, 24), (110, 32)]


async def scans_done(pilot, n, seconds=20):
    """Wait, bounded by wall-clock time, until the scan screen has shown ``n`` results."""
    assert hasattr(pilot.app.screen, "count"), type(pilot.app.screen).__name__
    await asyncio.wait_for(_scans_done(pilot, n), seconds)


def fits(app) -> None:
    """Nothing on the scan screen is pushed off the bottom: the scan field is the last line above the footer."""
    screen = app.screen
    height = app.size.height
    scan = screen.query_one("#scan")
    assert scan.region.bottom <= height - 1, (scan.region, height)
    assert screen.query_one("#outcome-message").region.height >= 1


async def scan(pilot, code: str) -> None:
    before = pilot.app.screen.count
    await pilot.press(*code, "enter")
    await scans_done(pilot, before + 1)
    await drawn(pilot)


# ---------------------------------------------------------------- item 7: slips and visitors' labels


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("start", ["hand-in", "release"])
async def test_a_slip_at_hand_in_or_release_says_what_it_is_and_f3_does_not_register_it(school, size, start):
    app = make_app(start=start)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, SLIP)
        assert text(app, "#outcome-word") == "NOT A PUPIL'S PHONE"
        assert text(app, "#outcome-message") == f"{SLIP} is a visitor's slip: sign visitors out on the Visitors screen."
        assert "F3" not in text(app, "#outcome-message")
        fits(app)
        if start == "hand-in":
            await pilot.press("f3")
            await drawn(pilot)
            assert type(app.screen).__name__ == "HandInScreen"  # no register dialog
        assert not Label.select().where(Label.code == SLIP).exists()
        assert CustodyEvent.select().count() == 0


@pytest.mark.parametrize("size", SIZES)
async def test_a_visitor_label_at_hand_in_points_to_the_visitors_screen(school, size):
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, VISITOR)
        assert text(app, "#outcome-word") == "NOT A PUPIL'S PHONE"
        assert text(app, "#outcome-message") == (
            f"{VISITOR} is a visitor's phone label: receive and return visitors' phones on the Visitors screen."
        )
        row = app.screen.query_one("#log", ScanLog).rows[-1]
        assert row.result.startswith("NOT A PUPIL'S PHONE: ")
        fits(app)
        await pilot.press("f3")
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        assert not Label.select().where(Label.code == VISITOR).exists()


@pytest.mark.parametrize("size", SIZES)
async def test_f3_after_an_unknown_pupil_label_then_a_slip_does_not_register_the_older_code(school, size):
    unknown = codes.make_code("K", 555555)
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, unknown)
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        await scan(pilot, SLIP)
        await pilot.press("f3")  # F3 acts on the result on screen only
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        assert not Label.select().where(Label.code == unknown).exists()
        assert custody.verify_states() == []


# ---------------------------------------------------------------- item 13: no scan vanishes


def log_rows(app) -> list[list[str]]:
    return [list(r.cells()) for r in app.screen.query_one("#log", ScanLog).rows]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_after_undo_the_row_and_the_panel_show_the_undone_state(school, size):
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, school.codes["000002"])
        assert text(app, "#outcome-word") == "HANDED IN"
        await pilot.press("f2", *"wrong phone", "enter")
        await drawn(pilot)
        assert custody.state_of(custody.resolve(school.codes["000002"]).device.id).state == "out"
        assert text(app, "#outcome-word") == "UNDONE"
        assert text(app, "#outcome-who") == "Ben Jones · Oak"
        assert app.screen.query_one("#outcome-slot").value == ""
        assert text(app, "#outcome-message") == (
            "Undone (wrong phone): the phone is recorded as not handed in; slot B-01 is free."
        )
        assert "HANDED IN" not in str(app.screen.query_one("#outcome").render())
        assert len(log_rows(app)) == 1
        assert log_rows(app)[0][5] == "UNDONE: not handed in (wrong phone)"
        assert app.screen.query_one("#outcome").has_class("outcome-undone")
        fits(app)
        await pilot.press("f2")  # nothing left to undo on this screen
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"


@pytest.mark.parametrize("size", SIZES)
async def test_h_and_a_code_at_once_hands_the_phone_in(school, size):
    from tests.pilot import burst

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "HomeScreen"
        burst(app, ["h", *school.codes["000001"], "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await scans_done(pilot, 1)
        await drawn(pilot)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        assert CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count() == 1
        assert app.focused.id == "scan"


@pytest.mark.parametrize("size", SIZES)
async def test_a_phone_scanned_at_home_is_handed_in_on_the_hand_in_screen(school, size):
    from tests.pilot import burst

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*school.codes["000004"], "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await scans_done(pilot, 1)
        await drawn(pilot)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#outcome-who") == "Dan Brown · Beech"
        assert CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count() == 1
        fits(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_phone_typed_slowly_at_home_is_handed_in_too(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000004"], "enter")
        await drawn(pilot)
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "HANDED IN"


async def home_line(pilot, keys) -> str:
    from tests.pilot import burst

    burst(pilot.app, [*keys, "enter"])
    await drawn(pilot)
    assert type(pilot.app.screen).__name__ == "HomeScreen"
    return text(pilot.app, "#home-scan")


@pytest.mark.parametrize("size", SIZES)
async def test_home_says_in_one_line_what_to_do_with_a_scan_it_cannot_record(school, size):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert text(app, "#home-scan") == ""
        assert await home_line(pilot, SLIP) == (
            f"{SLIP} is a visitor's slip: press V for Visitors and scan it there to sign the visitor out."
        )
        assert await home_line(pilot, VISITOR) == (
            f"{VISITOR} is a visitor's phone label: press V for Visitors to receive or return a visitor's phone."
        )
        assert await home_line(pilot, school.codes["000001"]) == (
            "Ava Patel's phone is in slot B-01: press R for end-of-day release to give it back."
        )
        assert await home_line(pilot, school.codes["000001"].lower()[0].upper() + school.codes["000001"][1:]) == (
            "Ava Patel's phone is in slot B-01: press R for end-of-day release to give it back."
        )
        assert await home_line(pilot, "K1234") == (
            "Invalid code 'K1234': a label code is a letter and 7 digits. Scan a phone's label again."
        )
        assert CustodyEvent.select().count() == 1
        assert app.screen.query_one("#home-scan").region.bottom <= size[1] - 1


@pytest.mark.parametrize("size", SIZES)
async def test_the_home_line_fits_for_the_role_with_most_tasks(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        line = await home_line(pilot, SLIP)
        assert line.startswith(SLIP)
        box = app.screen.query_one("#home-scan").region
        assert box.height >= 1 and box.bottom <= size[1] - 1  # above the footer
        assert app.screen.query_one("#home-summary").region.bottom <= size[1] - 1


@pytest.mark.parametrize("size", SIZES)
async def test_home_tells_a_role_that_cannot_hand_in_what_to_do(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        line = await home_line(pilot, school.codes["000001"])
        assert line == (
            "K1234501 is Ava Patel's phone: your role does not hand phones in. "
            "Ask the office to scan it on the Morning hand-in screen."
        )
        assert CustodyEvent.select().count() == 0


# ---------------------------------------------------------------- item 15: the overflow place


PLACE = "Office cupboard, box O"


@pytest.fixture
def small_school(database):
    from models.custody import trays
    from tests.school import build

    school = build(slots_oak=1, shared_slots=1)
    yield school
    trays.set_overflow_place(trays.DEFAULT_OVERFLOW_PLACE)


def overflow_app(start):
    from kiosk.app import create_app
    from models.clock import FrozenClock
    from tests.pilot import settings

    return create_app(
        settings(overflow_place=PLACE), clock=FrozenClock(NOW), cursor_blink=False, print_worker=False, start=start
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_a_full_tray_records_the_phone_in_the_overflow_place_shown_big(small_school, size):
    school = small_school
    app = overflow_app("hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, school.codes["000001"])
        assert str(app.screen.query_one("#outcome-slot").value) == "B-01"
        await scan(pilot, school.codes["000002"])  # Oak's tray (1 slot) is full
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#outcome-who") == "Ben Jones · Oak"
        label = app.screen.query_one("#outcome-slot-label")
        assert str(label.render()) == f"OVERFLOW: {PLACE}"
        assert label.region.width >= len(f"OVERFLOW: {PLACE}")  # big and whole, not cut to a slot's width
        assert text(app, "#outcome-message") == f"No free slot: put it in {PLACE}, and tell the office to add slots."
        assert log_rows(app)[-1][5] == f"HANDED IN: OVERFLOW {PLACE} (no free slot)"
        fits(app)
        await scan(pilot, school.codes["000002"])
        assert text(app, "#outcome-word") == "ALREADY DONE"
        assert text(app, "#outcome-message") == f"already in {PLACE}"
        await scan(pilot, school.codes["000001"])  # back to a slot: the panel is a slot again
        assert str(app.screen.query_one("#outcome-slot").value) == "B-01"
        assert str(label.render()) == "SLOT"
        assert custody.verify_states() == []
    ben = custody.resolve(school.codes["000002"]).device.id
    assert custody.state_of(ben).state == "in_tray" and custody.state_of(ben).tray_id is None


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.both_engines
async def test_an_overflow_phone_is_released_and_listed_by_its_place(small_school, size):
    import datetime as dt

    from kiosk.screens.uncollected import counts_text  # noqa: F401 - the screen's own summary

    school = small_school
    from models.custody import trays

    trays.set_overflow_place(PLACE)
    for adno in ("000001", "000002", "000004", "000005"):  # B-01, overflow, C-01, overflow
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    app = overflow_app("uncollected")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await drawn(pilot)
        from textual.widgets import DataTable

        table = app.screen.query_one("#uncollected", DataTable)
        slots = {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert slots == {"Ava Patel": "B-01", "Ben Jones": PLACE, "Dan Brown": "C-01", "Ella Green": PLACE}
        assert text(app, "#uncollected-summary") == (
            f"4 phones not collected: 4 in the tray, 0 confiscated. 2 in {PLACE} (no free slot): add slots to the trays."
        )
    app = overflow_app("release")
    app.services.clock.at = NOW + dt.timedelta(hours=7)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, school.codes["000002"])
        assert text(app, "#outcome-word") == "RELEASED"
        assert text(app, "#outcome-message") == f"released from {PLACE}"
        assert str(app.screen.query_one("#outcome-slot-label").render()) == f"OVERFLOW: {PLACE}"
        fits(app)
    ben = custody.resolve(school.codes["000002"]).device.id
    assert custody.state_of(ben).state == "out"
    assert custody.verify_states() == []


@pytest.mark.parametrize("size", SIZES)
async def test_undo_of_an_overflow_hand_in_says_not_handed_in(small_school, size):
    school = small_school
    app = overflow_app("hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, school.codes["000001"])
        await scan(pilot, school.codes["000002"])
        await pilot.press("f2", *"wrong pupil", "enter")
        await drawn(pilot)
        assert text(app, "#outcome-word") == "UNDONE"
        assert text(app, "#outcome-message") == "Undone (wrong pupil): the phone is recorded as not handed in."
        assert str(app.screen.query_one("#outcome-slot-label").render()) == ""
        assert log_rows(app)[-1][5] == "UNDONE: not handed in (wrong pupil)"
        fits(app)


@pytest.mark.parametrize("size", SIZES)
async def test_keys_that_reach_home_after_it_opened_a_screen_are_handed_to_that_screen(school, size):
    """The race behind "h and a code at once": the scanner's keys were already on their way to Home."""
    from textual import events

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        home = app.screen
        await pilot.press("h")
        for key in [*school.codes["000003"], "enter"]:
            home.post_message(events.Key(key, key if len(key) == 1 else None))
        await drawn(pilot)
        await scans_done(pilot, 1)
        assert text(app, "#outcome-who") == "Cara Smith · Oak"
        assert home.carry == []


@pytest.mark.parametrize("size", SIZES)
async def test_a_code_split_by_the_screen_opening_reaches_it_whole(school, size):
    """helper-31, typing h and a code at once in a real terminal: the code's first keys were
    gathered at Home, the screen opened, and the rest (with Enter) went to it: 0 scans,
    and the first part stayed in Home's hidden buffer to spoil a later key ("K7123901u")."""
    from textual import events

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        home = app.screen
        code = school.codes["000003"]
        for key in code[:4]:
            await pilot.press(key)  # gathered at Home as a scan
        assert home.scanned == code[:4]
        home.action_open("hand-in")  # h: its binding ran just after them
        for key in [*code[4:], "enter"]:
            home.post_message(events.Key(key, key if len(key) == 1 else None))
        await drawn(pilot)
        await scans_done(pilot, 1)
        assert text(app, "#outcome-who") == "Cara Smith · Oak"
        assert home.scanned == "" and home.carry == []
        await pilot.press("escape")
        await drawn(pilot)
        assert app.screen is home and text(app, "#home-scan") == ""
        assert [type(x).__name__ for x in app.screen_stack][-1] == "HomeScreen"


@pytest.mark.parametrize("size", SIZES)
async def test_a_lower_case_scan_at_home_is_not_taken_for_home_keys(school, size, monkeypatch):
    """A scanner with caps lock on sends k1234501: K is also Home's key for Compliance (office may open it)."""
    from kiosk.screens import home
    from tests.pilot import burst

    # The keys of a burst are all queued at once; a longer hold keeps a starved CI
    # machine from taking the pause between them for a person's key press.
    monkeypatch.setattr(home, "HOLD_SECONDS", 2.0)

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*school.codes["000001"].lower(), "enter"])
        await drawn(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await scans_done(pilot, 1)
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        await pilot.press("escape")
        await drawn(pilot)
        burst(app, [*SLIP.lower(), "enter"])  # s: a key the office does not have
        await drawn(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert text(app, "#home-scan").startswith(f"{SLIP} is a visitor's slip")
        await pilot.press("k")  # a person pressing K still opens Compliance
        await drawn(pilot)
        assert type(app.screen).__name__ == "ComplianceScreen"
