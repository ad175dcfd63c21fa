"""The History screen's find boxes show their whole placeholders at 80x24 and 110x32 (a
new-user walk: "Scan a label, or type its code and press Enter" was cut to "…code and" at
80x24; the line under the boxes says to press Enter)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests.pilot import make_app, quiet
from tests.screens.test_history_screen import open_history


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_the_find_boxes_placeholders_are_whole(school, size):
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "office")
        await quiet(pilot)
        for box_id in ("history-scan", "history-name"):
            box = app.screen.query_one(f"#{box_id}")  # the scan box is a ScanInput, the name box an Input
            room = box.content_region.width - 1  # the cursor's cell at the end
            assert cell_len(box.placeholder) <= room, (box_id, box.placeholder, room)
