"""Helper walk (issue 14, 80x24): a pupil's agreed exception in the class checklist was
written out in full ("agreed exception (medical monitoring: reads a medical sensor, pump
or monitor) until …"), so the table was wider than the screen and scrolled sideways."""

from __future__ import annotations

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app
from tests.screens.test_exception_scan import _medical_exception
from tests.screens.test_release_screens import hand_in, open_checklist


async def test_a_class_with_an_exception_fits_80_columns(school):
    _medical_exception(school)
    hand_in(school, "000002")
    app = make_app(start="checklist")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        table = app.screen.query_one("#checklist")
        texts = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert any("agreed exception (medical monitoring) until" in t for t in texts), texts
        assert table.virtual_size.width <= table.scrollable_content_region.width, (
            table.virtual_size,
            table.scrollable_content_region,
        )
