"""Snapshot tests of every screen in its main states.

Fixed terminal size, a frozen clock, fixed label codes and no cursor blink, so a
screenshot changes only when the screen does. Update after a deliberate change with
``pytest tests/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import pytest

from tests.pilot import burst, make_app, scans_done, settle

SIZE = (110, 32)


@pytest.fixture
def snap_school(sqlite_db):
    from tests.school import build

    return build()


def login(username, pin, *then):
    async def run_before(pilot):
        await pilot.press(*username, "enter", *pin, "enter")
        await settle(pilot)
        for step in then:
            await step(pilot)
        await settle(pilot)

    return run_before


def keys(*ks):
    async def step(pilot):
        await pilot.press(*ks)
        await settle(pilot)

    return step


def scans(*codes):
    async def step(pilot):
        before = pilot.app.screen.count
        burst(pilot.app, [k for c in codes for k in (*c, "enter")])
        await scans_done(pilot, before + len(codes))

    return step


def test_login(snap_compare, snap_school):
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_login_wrong_pin(snap_compare, snap_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=login("office", "0000"))


@pytest.mark.parametrize("user,pin", [("office", "1111"), ("oak", "2222"), ("deputy", "3333"), ("admin", "9999")])
def test_home_per_role(snap_compare, snap_school, user, pin):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=login(user, pin))


def test_hand_in_ready(snap_compare, snap_school):
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=login("office", "1111"))


def test_hand_in_after_scans(snap_compare, snap_school):
    c = snap_school.codes
    run = login("office", "1111", scans(c["000001"], c["000004"], c["000001"]))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


@pytest.mark.parametrize("bad", ["K1234560", "garbage", "K0000000"])
def test_hand_in_refusals(snap_compare, snap_school, bad):
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=login("office", "1111", scans(bad)))


def test_undo_reason_dialog(snap_compare, snap_school):
    run = login("office", "1111", scans(snap_school.codes["000002"]), keys("f2"))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


def test_register_dialog(snap_compare, snap_school):
    from models.codes import make_code

    run = login("office", "1111", scans(make_code("K", 777777)), keys("f3", *"Smi"))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


def test_kiosk_quit_dialog(snap_compare, snap_school):
    async def quit_keys(pilot):
        await pilot.press("ctrl+q")
        await settle(pilot)

    assert snap_compare(make_app(kiosk_mode=True), terminal_size=SIZE, run_before=quit_keys)
