"""Issue 15: marking a pupil absent or "no phone today" with real keys, on the class
checklist (F7 / F8 on a "not handed in" row) and on the hand-in screen (F7: pick the
pupil by name). The counts change: the pupil is no longer "not handed in"."""

from __future__ import annotations

from models.clock import local_day
from models.reports.phones import class_progress
from models.store.tables import DayMark, Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, settle, sign_in, text, until
from tests.school import NOW
from tests.screens.test_release_screens import hand_in, open_checklist, rows


def marks() -> list[tuple[str, str]]:
    return [(Pupil.get_by_id(m.pupil_id).admission_no, m.mark) for m in DayMark.select().order_by(DayMark.id)]


def oak_progress() -> tuple[int, int]:
    p = next(p for p in class_progress(local_day(NOW)) if p.class_name == "Oak")
    return p.handed_in, p.expected


async def go_to(pilot, app, pupil: str) -> None:
    table = app.screen.query_one("#checklist")
    if app.screen.focused is not table:
        await pilot.press("down")  # from the scan field to the list
    while rows(app)[table.cursor_row][0] != pupil:
        before = table.cursor_row
        await pilot.press("down" if before < [r[0] for r in rows(app)].index(pupil) else "up")
        assert table.cursor_row != before


async def test_a_teacher_marks_absent_and_no_phone_on_the_checklist_and_the_count_changes(school):
    hand_in(school, "000001")
    assert oak_progress() == (1, 3)
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        assert "2 not handed in" in text(app, "#checklist-summary")
        await go_to(pilot, app, "Ben Jones")
        await pilot.press("f7")
        await settle(pilot)
        await until(
            pilot, lambda: "1 absent" in text(app, "#checklist-summary"), what="the summary to count Ben absent"
        )
        assert text(app, "#checklist-message") == f"Ben Jones: marked absent on {local_day(NOW).isoformat()}."
        assert "1 not handed in" in text(app, "#checklist-summary")
        assert {r[0]: r[2] for r in rows(app)}["Ben Jones"] == "absent today"
        assert marks() == [("000002", "absent")]
        assert oak_progress() == (1, 2)

        await go_to(pilot, app, "Cara Smith")
        await pilot.press("f8")
        await settle(pilot)
        await until(pilot, lambda: "no phone today" in {r[0]: r[2] for r in rows(app)}["Cara Smith"], what="Cara")
        assert "not handed in" not in text(app, "#checklist-summary").replace("1 no phone today", "")
        assert oak_progress() == (1, 1)

        # F7 again on Ben's row withdraws the mark, with a reason.
        await go_to(pilot, app, "Ben Jones")
        await pilot.press("f7")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"
        await pilot.press(*"arrived late", "enter")
        await settle(pilot)
        await until(pilot, lambda: {r[0]: r[2] for r in rows(app)}["Ben Jones"] == "not handed in today", what="Ben")
        assert marks() == [("000002", "absent"), ("000003", "no_phone"), ("000002", "withdrawn")]
        assert oak_progress() == (1, 2)

        # A phone in a slot is not marked.
        await go_to(pilot, app, "Ava Patel")
        await pilot.press("f7")
        await settle(pilot)
        assert "F7/F8 mark a pupil whose phone is not handed in" in text(app, "#checklist-message")
        assert len(marks()) == 3


async def test_the_hand_in_screen_marks_a_pupil_picked_by_name(school):
    hand_in(school, "000001")
    app = make_app(start="hand-in")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await until(pilot, lambda: "Oak 1/3" in text(app, "#progress"), what="the progress line")
        await pilot.press("f7")
        await settle(pilot)
        assert type(app.screen).__name__ == "DayMarkDialog"
        await pilot.press(*"Ben")
        await settle(pilot)
        await until(pilot, lambda: app.screen.query_one("#mark-pupils").option_count == 1, what="Ben in the list")
        await pilot.press("down", "a")
        await settle(pilot)
        assert type(app.screen).__name__ == "HandInScreen"
        await until(pilot, lambda: "Oak 1/2" in text(app, "#progress"), what="the progress to drop Ben")
        assert marks() == [("000002", "absent")]
        # Ben comes in after all and hands his phone in: the hand-in wins, he counts again.
        await pilot.press(*school.codes["000002"], "enter")
        await until(pilot, lambda: "Oak 2/3" in text(app, "#progress"), what="Ben counted again")
        assert marks() == [("000002", "absent")]  # the mark stays in the record
        # A pupil already handed in is not offered; no phone today for Cara.
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press(*"Ava")  # handed in already: not offered
        await settle(pilot)
        await until(pilot, lambda: "No pupil not yet handed in" in text(app, "#mark-hint"), what="the hint")
        assert app.screen.query_one("#mark-pupils").option_count == 0
        await pilot.press("escape")
        await settle(pilot)
        assert marks() == [("000002", "absent")]


async def test_the_highlight_stays_on_the_pupil_just_marked(school):
    """New-user walk (issue 15): after F8 the list is sorted again and the highlight stayed on
    the same row number, so a second F8 (meant to withdraw) marked the next pupil."""
    app = make_app(start="checklist")
    async with app.run_test(size=(110, 32)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        await go_to(pilot, app, "Ava Patel")
        await pilot.press("f8")
        await settle(pilot)
        await until(pilot, lambda: "no phone today" in {r[0]: r[2] for r in rows(app)}["Ava Patel"], what="Ava")
        table = app.screen.query_one("#checklist")
        assert rows(app)[table.cursor_row][0] == "Ava Patel"
        await pilot.press("f8")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"  # the same key again: withdraw Ava's mark
        assert marks() == [("000001", "no_phone")]
