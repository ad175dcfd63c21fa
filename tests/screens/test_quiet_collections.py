"""Full garbage collections run at quiet moments, not in the middle of a scan
(KioskApp.collect_garbage): after a result is drawn, and when no key is pressed."""

from __future__ import annotations

import gc
import time

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, scans_done, settle, sign_in, until


@pytest.fixture
def only_the_kiosk_collects():
    """Python's own automatic collections off for the test: one of them during the scan
    empties the oldest generation, and the kiosk rightly skips a collection with nothing
    to do (this made the first test fail about once in a few hundred CI runs)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def test_a_collection_follows_a_drawn_result_at_most_every_few_seconds(school, only_the_kiosk_collects):
    app = make_app(start="hand-in")
    app.GC_AFTER_SCAN = 0.001  # fires on the next turn of the loop: no waiting in tests
    app.GC_QUIET = 1e9  # a slow machine's pauses are not quiet moments: only the after-scan path collects
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        app.last_collection = time.monotonic() - app.GC_EVERY  # the last one was a while ago
        gc.collect(1)  # something has reached the oldest generation
        before = app.collections
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        await until(pilot, lambda: app.collection_timer is None, what="the collection timer firing")
        assert app.collections == before + 1
        gc.collect(1)
        await pilot.press(*school.codes["000004"], "enter")  # within GC_EVERY of the last one
        await scans_done(pilot, 2)
        await until(pilot, lambda: app.collection_timer is None, what="the collection timer firing")
        await settle(pilot)
        assert app.collections == before + 1


async def test_a_quiet_terminal_collects_and_a_busy_one_does_not(school, only_the_kiosk_collects):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot)
        before = app.collections
        gc.collect(1)
        app.last_input = time.monotonic()  # a key just now
        app._check_idle()
        assert app.collections == before
        app.last_input = time.monotonic() - app.GC_QUIET
        app._check_idle()
        assert app.collections == before + 1
        app._check_idle()  # nothing new since: no second collection
        assert app.collections == before + 1
