"""Issue 14 (80x24): the compliance chart of the last 30 school days is 96 columns wide,
so at 80 columns its rows wrapped into a heap of blocks. The chart shows the latest
days that fit, and its title says how many."""

from __future__ import annotations

import datetime as dt

from models.reports.compliance import DayTotal
from tests.pilot import school  # noqa: F401 - fixture


def _days(n: int) -> list[DayTotal]:
    first = dt.date(2026, 10, 1)
    return [DayTotal(first + dt.timedelta(days=i), handed_in=1, expected=2, exceptions=0, rate=50.0) for i in range(n)]


def test_the_chart_keeps_the_latest_days_that_fit():
    from kiosk.screens.compliance import bar_chart, days_that_fit

    rows = _days(30)
    shown = days_that_fit(rows, 76)
    assert shown == rows[-len(shown) :] and len(shown) == 23  # 6 columns of axis, 3 a day
    assert max(len(line) for line in bar_chart(shown)) <= 76
    assert days_that_fit(rows, 200) == rows


async def test_at_80x24_no_chart_line_is_wider_than_the_screen(school):
    from kiosk.screens.compliance import ComplianceScreen
    from models.custody import ledger as custody
    from models.upkeep.demo import DEMO_PINS
    from tests.pilot import make_app, text
    from tests.school import NOW
    from tests.screens.test_safeguarding_screens import open_screen

    today = NOW.date()
    days = [d for d in (today - dt.timedelta(days=n) for n in range(50, 0, -1)) if d.weekday() < 5]
    for day in days:
        at = dt.datetime.combine(day, dt.time(8, 30))
        custody.hand_in(school.codes["000001"], school.office, now=at)
        custody.release(school.codes["000001"], school.office, now=at + dt.timedelta(hours=7))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, "office", ComplianceScreen, pin=DEMO_PINS["office"])
        chart = text(app, "#comp-chart").splitlines()
        width = app.screen.query_one("#comp-chart").content_region.width
        assert chart and max(len(line) for line in chart) <= width, (width, chart)
        n = len(chart[-1].split())
        assert n < 30 and text(app, "#comp-chart-title").startswith(f"Hand-in rate, last {n} school days")
        # The latest days are the ones kept: the last with a hand-in (today, before its first, is no school day yet).
        assert chart[-1].split()[-1] == f"{days[-1].day:02d}"
