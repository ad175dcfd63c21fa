"""The class checklist after a new user's first afternoon (issue 14, item 13).

Real key presses, a frozen clock (hand-in at 08:30, release at 15:12), no sleeps:
workers are awaited (``settle``) and scans counted (``scans_done``).
"""

from __future__ import annotations

from models.custody import ledger as custody
from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, make_app, scans_done, settle, text
from tests.school import NOW
from tests.screens.test_release_screens import device_of, events, hand_in, open_checklist, options, rows

SIZE = (110, 32)


def screen_text(app) -> str:
    from tests.svg_text import cells, text_of

    return "\n".join(text_of(r) for r in cells(app.export_screenshot()).values())


# ---------------------------------------------------------------- 1. Enter on a row asks first


async def test_enter_on_a_row_asks_naming_pupil_and_slot_and_esc_releases_nothing(school):
    hand_in(school, "000001")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("down")
        ava = next(i for i, r in enumerate(rows(app)) if r[0] == "Ava Patel")
        for _ in range(ava):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmReleaseDialog"
        shown = screen_text(app)
        assert "Release Ava Patel's phone from slot B-01?" in shown  # whole, at 80x24
        assert "Enter or Y: release it to the pupil · Esc: cancel" in shown
        assert "Class checklist: Oak" in shown and "in slot B-01" in shown  # the list stays in sight above
        assert events("released_to_pupil") == []
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChecklistScreen"
        assert text(app, "#checklist-message") == "Cancelled: Ava Patel's phone was not released."
        assert events("released_to_pupil") == []
        assert custody.state_of(device_of(school, "000001")).state == "in_tray"

        await pilot.press("enter")  # asks again; Enter confirms
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmReleaseDialog"
        await pilot.press("enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert [e.device_id for e in events("released_to_pupil")] == [device_of(school, "000001")]


async def test_y_confirms_and_a_scan_while_asking_confirms_nothing(school):
    hand_in(school, "000001", "000002")
    app = make_app(start="checklist")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        ava = next(i for i, r in enumerate(rows(app)) if r[0] == "Ava Patel")
        await pilot.press("down", *["down"] * ava, "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmReleaseDialog"
        burst(app, [*school.codes["000002"], "enter"])  # a scanner fires while the question shows
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmReleaseDialog"
        assert text(app, "#confirm-release-error").startswith("A scan was ignored: nothing was released.")
        assert "A scan was ignored: nothing was released." in screen_text(app)
        assert events("released_to_pupil") == []
        await pilot.press("y")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert [e.device_id for e in events("released_to_pupil")] == [device_of(school, "000001")]


# ---------------------------------------------------------------- 5. F2 undoes the last release


def reversals() -> list:
    return events("reversal")


async def test_release_screen_f2_undoes_the_last_release_with_a_reason(school):
    from tests.pilot import drawn
    from tests.screens.test_release_screens import open_release, scan

    hand_in(school, "000001", "000002")
    app = make_app(start="release")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        await scan(pilot, school.codes["000002"])
        [_, ben] = events("released_to_pupil")
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"
        assert "Ben Jones · Oak · back to slot B-02" in screen_text(app)
        await pilot.press(*"wrong child", "enter")
        await drawn(pilot)
        [undo] = reversals()
        assert (undo.reverses_id, undo.note) == (ben.id, "wrong child")
        assert custody.state_of(device_of(school, "000002")).state == "in_tray"
        assert custody.state_of(device_of(school, "000001")).state == "out"  # only the last one
        assert text(app, "#outcome-word") == "UNDONE"
        assert text(app, "#outcome-message") == (
            "Undone: Ben Jones's phone is recorded as back in slot B-02. Put it back there. (wrong child)"
        )
        assert rows(app, "#log")[-1][5] == "UNDONE: back in slot B-02 (wrong child)"
        await pilot.press("f2")  # nothing left to undo on this screen
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert len(reversals()) == 1


async def test_checklist_f2_undoes_the_teachers_own_last_release_and_esc_records_nothing(school):
    hand_in(school, "000001")
    app = make_app(start="checklist")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press("f2")  # nothing released here yet
        await settle(pilot)
        assert type(app.screen).__name__ == "ChecklistScreen"
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"
        await pilot.press("escape")  # cancelled: nothing is written
        await settle(pilot)
        assert reversals() == []
        await pilot.press("f2", *"gave it back by mistake", "enter")
        await settle(pilot)
        [undo] = reversals()
        assert undo.note == "gave it back by mistake"
        assert custody.state_of(device_of(school, "000001")).state == "in_tray"
        assert "Undone: Ava Patel's phone is recorded as back in slot B-01." in text(app, "#checklist-message")
        ava = next(r for r in rows(app) if r[0] == "Ava Patel")
        assert ava[2].startswith("in slot B-01")


# ---------------------------------------------------------------- 7. a burst: every result shows
# ---------------------------------------------------------------- 8. an error stays until the next scan


async def test_checklist_burst_lists_every_result_and_the_error_stays_until_the_next_scan(school):
    hand_in(school, "000001", "000002")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        assert not app.screen.query_one("#scan-error").display
        burst(app, [*school.codes["000001"], "enter", *"K1", "enter", *school.codes["000002"], "enter"])
        await scans_done(pilot, 3)
        await settle(pilot)
        log = rows(app, "#log")
        assert [r[0] for r in log] == ["1", "2", "3"]
        assert [r[5].split(":")[0] for r in log] == ["RELEASED", "INVALID CODE", "RELEASED"]
        assert text(app, "#checklist-message") == "RELEASED: Ben Jones · Oak: released from slot B-02"
        assert app.screen.query_one("#scan-error").display
        assert text(app, "#scan-error").startswith("TO CHECK: scan 2: INVALID CODE: K1: ")
        shown = screen_text(app)
        assert "TO CHECK: scan 2: INVALID CODE" in shown  # on screen at 80x24, not scrolled away
        assert "Ava Patel" in shown and "Ben Jones" in shown

        await pilot.press(*school.codes["000003"], "enter")  # the next scan: Cara, not handed in
        await scans_done(pilot, 4)
        await settle(pilot)
        assert not app.screen.query_one("#scan-error").display


async def test_release_burst_keeps_the_refusal_on_the_error_line_under_the_ok_after_it(school):
    from tests.screens.test_release_screens import open_release

    hand_in(school, "000001", "000002")
    app = make_app(start="release")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_release(pilot)
        burst(app, [*school.codes["000001"], "enter", *"K1", "enter", *school.codes["000002"], "enter"])
        await scans_done(pilot, 3)
        await settle(pilot)
        assert text(app, "#outcome-word") == "RELEASED"  # the big panel: the last scan
        assert [r[5].split(":")[0] for r in rows(app, "#log")] == ["RELEASED", "INVALID CODE", "RELEASED"]
        assert text(app, "#scan-error").startswith("TO CHECK: scan 2: INVALID CODE: K1: ")
        assert "TO CHECK: scan 2" in screen_text(app)
        await pilot.press(*school.codes["000001"], "enter")  # the next scan (already released): cleared
        await scans_done(pilot, 4)
        await settle(pilot)
        assert not app.screen.query_one("#scan-error").display


async def test_hand_in_an_unknown_label_stays_on_the_error_line_until_the_next_scan(school):
    from models.custody.codes import make_code
    from tests.pilot import sign_in

    unknown = make_code("K", 555555)
    app = make_app(start="hand-in")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*unknown, "enter", *school.codes["000001"], "enter", *"K1", "enter"])
        await scans_done(pilot, 3)
        await settle(pilot)
        assert text(app, "#scan-error").startswith("TO CHECK: 2 scans (see the list). The last, scan 3: INVALID CODE")
        await pilot.press(*unknown, "enter")  # alone: the panel shows it, the line does not repeat it
        await scans_done(pilot, 4)
        await settle(pilot)
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        assert not app.screen.query_one("#scan-error").display
        burst(app, [*unknown, "enter", *school.codes["000002"], "enter"])  # refused, then an OK
        await scans_done(pilot, 6)
        await settle(pilot)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert text(app, "#scan-error") == (
            f"TO CHECK: scan 5: NOT REGISTERED: {unknown}: {unknown} is not registered to any phone."
        )
        await pilot.press("f2", *"wrong phone", "enter")  # the panel now shows the undo: the line stays
        await settle(pilot)
        assert text(app, "#outcome-word") == "UNDONE"
        assert app.screen.query_one("#scan-error").display
        await pilot.press(*school.codes["000002"], "enter")  # the next scan
        await scans_done(pilot, 7)
        await settle(pilot)
        assert not app.screen.query_one("#scan-error").display


async def test_checklist_a_refusal_on_the_message_line_moves_to_the_error_line_when_overwritten(school):
    hand_in(school, "000001")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        await pilot.press(*"K1", "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert text(app, "#checklist-message").startswith("INVALID CODE: K1: ")
        assert not app.screen.query_one("#scan-error").display  # said once, on the message line
        cara = next(i for i, r in enumerate(rows(app)) if r[0] == "Cara Smith")
        await pilot.press("down", *["down"] * cara, "enter")
        await settle(pilot)
        assert text(app, "#checklist-message") == "Cara Smith: not handed in today, nothing to release."
        assert text(app, "#scan-error").startswith("TO CHECK: scan 1: INVALID CODE: K1: ")


# ---------------------------------------------------------------- 6. a scan at the class chooser


async def test_a_scan_at_the_class_chooser_opens_the_scanned_pupils_class_and_releases_there(school):
    hand_in(school, "000001", "000002", "000004")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "deputy", DEMO_PINS["deputy"])
        assert app.focused.id == "class-list"  # Beech highlighted
        burst(app, [*school.codes["000001"], "enter", *school.codes["000002"], "enter"])  # two Oak phones
        await scans_done(pilot, 2)
        await settle(pilot)
        assert text(app, "#checklist-title") == "Class checklist: Oak"
        assert [e.device_id for e in events("released_to_pupil")] == [
            device_of(school, "000001"),
            device_of(school, "000002"),
        ]
        assert [r[3] for r in rows(app, "#log")] == ["Ava Patel", "Ben Jones"]
        assert custody.state_of(device_of(school, "000004")).state == "in_tray"  # Beech's: untouched


async def test_an_unknown_scan_at_the_class_chooser_opens_nothing_and_says_why(school):
    hand_in(school, "000004")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "deputy", DEMO_PINS["deputy"])
        await pilot.press(*"K1", "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert app.screen.query_one("#class-list").display  # still choosing: no class opened
        assert app.screen.class_name is None
        assert text(app, "#checklist-message").startswith("INVALID CODE: K1: ")
        assert events("released_to_pupil") == []
        await pilot.press("enter")  # Enter alone still chooses the highlighted class
        await settle(pilot)
        assert text(app, "#checklist-title") == "Class checklist: Beech"


# ---------------------------------------------------------------- 3. the class chooser's counts


async def test_the_class_chooser_shows_each_class_still_held_of_its_phones_and_f3_recounts(school):
    hand_in(school, "000001", "000002", "000004")
    custody.release(school.codes["000002"], school.office, now=NOW.replace(hour=15))
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "deputy", DEMO_PINS["deputy"])
        assert options(app, "#class-list") == ["Beech — 1 still held of 1", "Oak — 1 still held of 2"]
        await pilot.press("down", "enter")  # Oak
        await settle(pilot)
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert options(app, "#class-list") == ["Beech — 1 still held of 1", "Oak — 0 still held of 2"]


# ---------------------------------------------------------------- 4. phones kept overnight


async def test_a_phone_kept_overnight_is_marked_on_the_checklist_the_uncollected_list_and_hand_in(school):
    import datetime as dt

    from tests.pilot import sign_in

    hand_in(school, "000001")  # Ava: handed in on day 1, never released
    day2 = NOW + dt.timedelta(days=1)
    custody.hand_in(school.codes["000002"], school.office, now=day2)  # Ben: today
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        app.services.clock.at = day2 + dt.timedelta(hours=7)
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await settle(pilot)
        listed = {r[0]: r[2] for r in rows(app)}
        assert listed["Ava Patel"] == "OVERNIGHT · in slot B-01"
        assert listed["Ben Jones"].startswith("in slot ")
        assert text(app, "#checklist-summary").endswith("· 1 kept overnight")
        assert "OVERNIGHT · in slot B-01" in screen_text(app)  # in the text, not by colour only

    app = make_app(start="uncollected")
    async with app.run_test(size=(80, 24)) as pilot:
        app.services.clock.at = day2 + dt.timedelta(hours=7)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        shown = screen_text(app).splitlines()
        ava = next(r for r in shown if "Ava Patel" in r)
        ben = next(r for r in shown if "Ben Jones" in r)
        assert "OVERNIGHT" in ava and "OVERNIGHT" not in ben, (ava, ben)
        assert "1 kept overnight (since before today)." in text(app, "#uncollected-summary")

    app = make_app(start="hand-in")
    async with app.run_test(size=(80, 24)) as pilot:
        app.services.clock.at = day2 + dt.timedelta(minutes=5)
        await sign_in(pilot, "office", DEMO_PINS["office"])
        burst(app, [*school.codes["000002"], "enter", *school.codes["000001"], "enter"])
        await scans_done(pilot, 2)
        await settle(pilot)
        log = rows(app, "#log")
        assert log[1][5] == "ALREADY DONE: OVERNIGHT · already in slot B-01"  # Ava
        assert "OVERNIGHT" not in log[0][5]  # Ben: handed in this morning
        assert text(app, "#outcome-word") == "ALREADY DONE · OVERNIGHT"
        assert text(app, "#outcome-message").startswith("OVERNIGHT: kept since before today.")


async def test_home_and_end_go_to_the_first_and_last_pupil(school):
    from textual.widgets import DataTable

    hand_in(school, "000001")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        table = app.screen.query_one("#checklist", DataTable)
        await pilot.press("down", "end")
        assert table.cursor_row == len(rows(app)) - 1 and table.scroll_x == 0
        await pilot.press("home")
        assert table.cursor_row == 0
