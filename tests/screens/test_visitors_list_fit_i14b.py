"""Journey test and helper walk (issue 14): the office's visitors list had eight columns,
so at 80x24 Organisation and Type were off the right edge (sideways scrolling), and at
110x32 a professional's type was cut ("Professional o"). When the columns do not fit,
each visitor takes two lines: name over organisation, time over phone, type over
supervision, with the badge over the flag."""

from __future__ import annotations

import datetime as dt

import pytest

from models.policy.rules import rules_for
from models.visitors import visits as visitors
from tests.pilot import make_app, school  # noqa: F401 - fixture
from tests.school import NOW
from tests.screens.test_visitor_screens import open_visitors


def _visitor(name, org, vtype, at, **checks):
    from tests.pilot import settings

    s = settings()
    return visitors.sign_in(
        **checks,
        settings=s,
        rules=rules_for(s),
        rules_accepted=True,
        name=name,
        organisation=org,
        visitor_type=vtype,
        purpose="Meeting",
        visiting="Mrs Head",
        phone="car_or_off",
        now=at,
    )


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_every_column_is_on_screen(school, size):
    _visitor(
        "Gary Mills",
        "Southern Electrical",
        "professional",
        NOW - dt.timedelta(days=1),
        actor=school.office,
        id_seen=True,
        dbs_assured=True,
        dbs_confirmed_by="KCC HR, letter",
    )
    _visitor("Dr Priya Raman", "Kent SALT Team", "parent_carer", NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_visitors(pilot)
        table = app.screen.query_one("#visitors-list")
        assert table.virtual_size.width <= table.scrollable_content_region.width, (
            table.virtual_size,
            table.scrollable_content_region,
        )
        cells = " ".join(str(c) for i in range(table.row_count) for c in table.get_row_at(i))
        for text in ("Gary Mills", "Southern Electrical", "Professional", "Kent SALT Team", "STILL IN"):
            assert text in cells, (text, cells)


async def test_down_from_the_scan_field_goes_to_the_list_and_the_field_says_so(school):
    """New-user walk (issue 14): nothing said how to reach the visitors list (Down did
    nothing; only Tab, never mentioned, worked). Down goes to the list, as on the class
    checklist, and the scan field says so."""
    _visitor("Jane Doe", "Acme Ltd", "parent_carer", NOW)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_visitors(pilot)
        scan = app.screen.query_one("#visitors-scan")
        assert app.focused is scan and "Down" in scan.placeholder
        await pilot.press("down")
        assert app.focused is app.screen.query_one("#visitors-list")
