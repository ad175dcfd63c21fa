"""The chair of governors' Home (issue 15's leftovers): what the chair's role needs (concerns
about the headteacher, the governors' report), never the morning hand-in figures: the chair
has no part in the hand-in (models.staff.auth.PERMISSIONS)."""

from __future__ import annotations

import re

from models.custody import ledger as custody
from models.safeguarding import concerns
from models.staff import auth
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW
from tests.screens.test_home_roles_h15ui import box_text

CHAIR_PIN = "947261"


async def test_the_chairs_home_shows_allegations_about_the_head_and_the_report_not_hand_in_figures(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], CHAIR_PIN, now=NOW)
    concerns.raise_concern(
        school.office, about_kind="staff", staff_id=school.head.id, what="Photographed pupils", now=NOW
    )
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    for size in ((80, 24), (110, 32)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await sign_in(pilot, "chair", CHAIR_PIN)
            await quiet(pilot)
            summary = text(app, "#home-summary")
            assert "handed in" not in summary and "Held now" not in summary
            assert "Concerns about the headteacher not yet opened: 1 (press S)." in summary
            assert "Open concerns about the headteacher: 1." in summary
            assert "kiosk report governors --term autumn-2026" in summary
            seen = box_text(app)
            for line in summary.splitlines():
                assert re.sub(r"\s+", " ", line) in seen, line


async def test_the_chairs_home_says_when_nothing_waits(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], CHAIR_PIN, now=NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "chair", CHAIR_PIN)
        await quiet(pilot)
        summary = text(app, "#home-summary")
        assert "No open concerns about the headteacher." in summary
        assert "handed in" not in summary


def test_the_term_a_day_falls_in_is_named_as_the_report_command_takes_it():
    import datetime as dt

    from models.reports.governors import term_dates, term_of

    assert term_of(dt.date(2026, 11, 12)) == "autumn-2026"
    assert term_of(dt.date(2027, 1, 4)) == "spring-2027"
    easter = term_dates("spring", 2027)[1]
    assert term_of(easter) == "spring-2027"
    assert term_of(easter + dt.timedelta(days=1)) == "summer-2027"
    assert term_of(dt.date(2027, 8, 20)) == "summer-2027"  # the holiday: the term just ended
