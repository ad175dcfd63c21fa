"""Issue 15 (helper g3), at the kiosk with real keys: leadership reads the safeguarding feed
and records lessons learnt (never follows up); a concern the DSL raised herself is not NEW to
her; an entry opened from the feed opens at the entry itself, not at the oldest end of its
phone's chain; the feed's Kind column holds every kind whole at 80x24 and 110x32."""

from __future__ import annotations

import datetime as dt

import pytest
from rich.cells import cell_len

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text, until
from tests.school import NOW

SMALL, LARGE = (80, 24), (110, 32)


def screen_name(app) -> str:
    return type(app.screen).__name__


def rows(app) -> list[list[str]]:
    table = app.screen.query_one("#sg-feed")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_feed(pilot) -> None:
    await pilot.press("s")
    await until(pilot, lambda: screen_name(pilot.app) == "SafeguardingScreen", 10, "the feed")
    await quiet(pilot)


def pid(adno: str) -> int:
    return Pupil.get(Pupil.admission_no == adno).id


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_leadership_reads_the_feed_and_records_lessons_but_never_follows_up(school, size):
    child = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pid("000001"), what="Group chat messages", now=NOW
    )
    concerns.follow_up(
        child.id, school.head, note="Spoke to parents", close=True, outcome="Resolved in school", now=NOW
    )
    concerns.raise_concern(  # about the headteacher: the chair's, never leadership's
        school.office, about_kind="staff", staff_id=school.head.id, what="HEAD-SECRET", now=NOW
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])
        await quiet(pilot)
        assert str(app.screen.query_one("#task-safeguarding").label) == "S  Safeguarding: breaches and concerns"
        await open_feed(pilot)
        assert [r[2] for r in rows(app)] == ["Ava Patel"]  # not the allegation about the head
        assert all("HEAD-SECRET" not in cell for r in rows(app) for cell in r)
        await pilot.press("f")  # following up is the DSL's: not offered to leadership
        await quiet(pilot)
        assert screen_name(app) == "SafeguardingScreen"
        await pilot.press("l")
        await quiet(pilot)
        assert screen_name(app) == "LessonsDialog"
        await pilot.press(*"Debrief: remind staff of the group chat rules", "enter")
        await pilot.press("enter")
        await quiet(pilot)
        assert text(app, "#sg-message") == f"Lessons learnt recorded on concern #{child.id}."
        [lessons] = [a for a in concerns.actions_of(child.id) if a.kind == "lessons"]
        assert lessons.recorded_by_id == school.deputy.id


async def test_a_concern_the_dsl_raised_is_not_new_in_her_feed(school):
    concerns.raise_concern(school.head, about_kind="pupil", pupil_id=pid("000001"), what="Her own", now=NOW)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_feed(pilot)
        assert rows(app)[0][4] == "open"  # not "NEW, open"
        assert text(app, "#sg-counts").startswith("Concerns not yet seen: 0 · open: 1.")


def long_chain(school, days: int = 15) -> tuple[int, int]:
    """A phone with a long history (a hand-in and a release a day), then confiscated: the
    confiscation is the newest line of a chain longer than the history box."""
    code = school.codes["000001"]
    dev = resolve(code).device.id
    start = NOW - dt.timedelta(days=days)
    for d in range(days):
        custody.hand_in(code, school.office, now=start + dt.timedelta(days=d))
        custody.release(code, school.office, now=start + dt.timedelta(days=d, hours=6))
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=30))
    event = custody.confiscate(
        dev, school.oak, category="behaviour", reason="Filming", policy="MST 6", now=NOW - dt.timedelta(minutes=5)
    )
    return dev, event.id


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_an_entry_opened_from_the_feed_opens_at_the_entry_itself(school, size):
    dev, event_id = long_chain(school)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_feed(pilot)
        assert rows(app)[0][1] == "confiscation" and rows(app)[0][4].startswith("NEW")
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "EntryHistoryDialog"
        box = app.screen.query_one("#history-lines")
        item = app.screen.query_one("#history-item")
        assert str(item.render()).startswith(f"#{event_id}  ") and "confiscated" in str(item.render())
        assert box.max_scroll_y > 0  # the chain is longer than the box
        assert box.scroll_y > 0  # not at the oldest end
        top, bottom = box.content_region.y, box.content_region.bottom
        assert top <= item.region.y and item.region.bottom <= bottom  # the entry itself in view
        dialog = app.screen.query_one("#history-dialog")  # and the box within the dialog, on the screen
        assert box.region.bottom <= dialog.region.bottom - 1 and dialog.region.bottom <= size[1]
        closing = app.screen.query(".dialog-error").last()
        assert closing.region.bottom <= dialog.region.bottom - 1  # "Esc or Enter to close." shown
        assert app.screen.history_text.splitlines()[0].startswith("#")  # the whole chain is still there


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_every_kind_fits_the_kind_column(school, size):
    code = school.codes["000001"]
    dev = resolve(code).device.id
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(hours=3))
    custody.confiscate(
        dev, school.oak, category="behaviour", reason="Filming", policy="MST 6", now=NOW - dt.timedelta(hours=2)
    )
    custody.hand_to_police(dev, school.deputy, officer="PC 1", force_reference="R1", now=NOW - dt.timedelta(hours=1))
    custody.return_from_police(dev, school.deputy, officer="PC 2", reference="R1", now=NOW - dt.timedelta(minutes=30))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_feed(pilot)
        table = app.screen.query_one("#sg-feed")
        kinds = [r[1] for r in rows(app)]
        assert kinds == ["police return", "police hand-over", "confiscation"]
        width = table.columns["kind"].width
        assert all(cell_len(k) <= width for k in kinds), (kinds, width)
        assert "return from the police" in text(app, "#sg-detail")  # whole under the table


# ---------------------------------------------------------------- the wording and drawing of a few screens


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_the_staff_devices_list_never_scrolls_sideways(school, size):
    from textual.widgets import DataTable

    from models.custody import school_devices

    earlier = NOW - dt.timedelta(hours=2)
    for who, description in (
        (school.oak, "black iPhone 13 Pro Max with a cracked case"),
        (school.beech_teacher, "tab"),
    ):
        school_devices.hold_staff_device(
            school.head, staff_id=who.id, pending="lado", reason="Policy 11.3", description=description, now=earlier
        )
    police = school_devices.hold_staff_device(
        school.head,
        staff_id=school.deputy.id,
        pending="police",
        reason="Policy 11.3",
        description="Samsung",
        now=earlier,
    )
    school_devices.staff_device_to_police(
        school.head, police.device_id, officer="PC Ng", force_reference="K/1", now=NOW
    )
    [first] = [r for r in school_devices.staff_devices(school.head) if r.owner == "Oak Teacher"]
    school_devices.return_to_staff(school.head, first.device_id, decision="LADO: no further action", now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await pilot.press("o")
        await until(pilot, lambda: screen_name(app) == "StaffDevicesScreen", 10, "the staff devices")
        await quiet(pilot)
        table = app.screen.query_one("#staff-devices", DataTable)
        assert table.row_count == 3
        assert table.virtual_size.width <= table.scrollable_content_region.width, (table.virtual_size, table.size)
        assert table.max_scroll_x == 0
        cells = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        states = {r[0]: r[3] for r in cells}
        assert states["Oak Teacher"] == "given back" and states["Deputy"] == "with the police"
        # the highlighted device is said whole under the list
        table.move_cursor(row=[r[0] for r in cells].index("Oak Teacher"))
        await quiet(pilot)
        assert "black iPhone 13 Pro Max with a cracked case" in text(app, "#staff-devices-detail")
        assert "returned to the member of staff" in text(app, "#staff-devices-detail")


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_a_blocked_release_names_the_pupil_once(school, size):
    from kiosk.widgets.scan_log import ScanLog

    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(hours=1))
    custody.confiscate(
        resolve(code).device.id, school.oak, category="behaviour", reason="Filming", policy="MST 6", now=NOW
    )
    app = make_app(start="release")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press(*code, "enter")
        await until(pilot, lambda: app.screen.query_one("#log", ScanLog).row_count == 1, 10, "the scan")
        await quiet(pilot)
        assert text(app, "#outcome-word") == "BLOCKED"
        assert text(app, "#outcome-who") == "Ava Patel · Oak"
        panel = text(app, "#outcome-message")
        assert panel.startswith("Confiscated: parent/carer collection only") and "Ava Patel" not in panel
        [row] = app.screen.query_one("#log", ScanLog).rows
        assert row.pupil == "Ava Patel" and row.result.startswith("BLOCKED: Confiscated: parent/carer collection only")
