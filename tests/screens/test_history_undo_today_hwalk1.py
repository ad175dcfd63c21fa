"""The history screen's undo (F2) of an event recorded before today: refused in one line for
a teacher, offered to leadership (a correction of history, with its reason)."""

from __future__ import annotations

import datetime as dt

from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.store.tables import CustodyEvent, Staff
from tests.pilot import make_app, quiet, text
from tests.school import NOW

SIZE = (120, 50)
MONDAY = NOW - dt.timedelta(days=3)


def released_on_monday(school) -> int:
    code = school.codes["000002"]
    custody.hand_in(code, school.office, now=MONDAY)
    return custody.release(code, school.office, now=MONDAY + dt.timedelta(hours=7)).event_id


async def open_phone(pilot, school, username: str) -> None:
    staff = Staff.get(Staff.username == username)
    pilot.app.sign_in(SignedIn(staff.id, staff.username, staff.display_name, staff.role_set))
    await quiet(pilot)
    await pilot.press(*school.codes["000002"], "enter")
    await quiet(pilot)


async def test_a_teacher_is_told_in_one_line_who_may_correct_an_older_release(school):
    released = released_on_monday(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_phone(pilot, school, "oak")
        await pilot.press("f2")
        await quiet(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"  # no reason asked
        assert text(app, "#history-message") == (
            "This release to the pupil was recorded on Mon 9 Nov, not today: only leadership or the "
            "headteacher may undo it now (a correction of history, with its reason)."
        )
    last = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
    assert last.id == released  # nothing written


async def test_leadership_corrects_it_with_a_reason(school):
    released = released_on_monday(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_phone(pilot, school, "deputy")
        await pilot.press("f2")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"
        await pilot.press(*"it stayed in the tray", "enter")
        await quiet(pilot)
        assert text(app, "#history-message").startswith(f"Undone on Ben Jones's phone: event #{released}")
