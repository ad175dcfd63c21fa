"""The "Parents told" form (F3 on a phone's History) at 80x24 and 110x32: its error line
never covers a field (a new-user walk: a two-line refusal of the time told sat where the
time box's bottom border should be: the docked foot grew, the form under it did not shrink).
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from tests.pilot import make_app, quiet
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find, open_history


def whole_and_clear(app) -> None:
    screen = app.screen
    form = screen.query_one("#parents-form")
    foot = screen.query_one("#parents-box .dialog-foot")
    assert form.region.bottom <= foot.region.y, (form.region, foot.region)  # the foot covers no field
    box = screen.query_one("#parents-time")
    assert form.region.contains_region(box.region), (box.region, form.region)  # the time box whole


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
@pytest.mark.parametrize("typed", ["07:00", "x"])  # before the confiscation (two lines); not a time (one)
async def test_the_time_refusal_covers_no_field(school, size, typed):
    dev = device_of(school, "000001")
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW - dt.timedelta(hours=1),
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        assert type(app.screen).__name__ == "ParentsInformedDialog"
        await pilot.press("1", "enter", "enter", "enter")  # to the time told
        await quiet(pilot)
        assert app.focused.id == "parents-time"
        await pilot.press(*["backspace"] * 5, *typed, "enter")
        await quiet(pilot)
        assert app.focused.id == "parents-time"
        assert str(app.screen.query_one("#parents-error").render()).startswith(
            "That is before" if typed == "07:00" else "Give the time told"
        )
        whole_and_clear(app)
