"""New-user walk: at 80×24 a phone's long chain of custody was cut off, its oldest entries
out of view, and PageUp, Home and Up did nothing (Tab never reaches the chain). PageUp and
PageDown scroll the chain, whatever has the focus."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet
from tests.school import NOW
from tests.screens.test_history_screen import find, open_history


async def test_page_up_and_down_scroll_a_long_chain_at_80x24(school):
    code = school.codes["000001"]
    for day in range(12):  # a fortnight and more of hand-ins and releases: a chain longer than the box
        at = NOW - dt.timedelta(days=20 - day)
        custody.hand_in(code, school.office, now=at)
        custody.release(code, school.office, now=at + dt.timedelta(hours=7))
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "deputy", DEMO_PINS["deputy"])
        await find(pilot, code)
        box = app.screen.query_one("#history-chain-box")
        assert box.max_scroll_y > 0  # it does not all fit
        assert box.scroll_y == box.max_scroll_y  # the newest shown first
        await pilot.press("pageup")
        await quiet(pilot)
        assert box.scroll_y < box.max_scroll_y
        await pilot.press("pagedown")
        await quiet(pilot)
        assert box.scroll_y == box.max_scroll_y
