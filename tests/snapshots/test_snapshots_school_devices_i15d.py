"""Snapshot of the School devices screen (issue 15), at 110x32 and at the 80x24 console:
a frozen clock, fixed devices and loans (one overdue, one on loan, one available)."""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app
from tests.snapshots.test_snapshots import login


@pytest.fixture
def snap_devices_school(sqlite_db):
    from tests.school import build
    from tests.screens.test_school_devices_screen_i15d import devices

    school = build()
    devices(school)
    return school


@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
def test_school_devices_overdue_first(snap_compare, snap_devices_school, size):
    app = make_app(start="school-devices")
    assert snap_compare(app, terminal_size=size, run_before=login("office", DEMO_PINS["office"]))
