"""Snapshots of the Trust screen (issue 16), at 110x32 and at the 80x24 console: a frozen
clock, the test school at site 1 as a trust of one (SQLite), a hand-in, a confiscation and
a concern; the trust lead's figures, and the trust DSL's feed over the last 7 days."""

from __future__ import annotations

import pytest

from tests.pilot import make_app
from tests.snapshots.test_snapshots import keys, login


@pytest.fixture
def snap_trust_school(sqlite_db):
    from tests.screens.test_trust_screen_i16t import trust_school

    return trust_school()


@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
def test_trust_figures(snap_compare, snap_trust_school, size):
    from tests.screens.test_trust_screen_i16t import LEAD_PIN

    app = make_app(start="trust")
    assert snap_compare(app, terminal_size=size, run_before=login("tlead", LEAD_PIN))


@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
def test_trust_feed_last_7_days(snap_compare, snap_trust_school, size):
    from tests.screens.test_trust_screen_i16t import DSL_PIN

    app = make_app(start="trust")
    assert snap_compare(app, terminal_size=size, run_before=login("tdsl", DSL_PIN, keys("f", "w")))
