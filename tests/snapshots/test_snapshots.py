"""Snapshot tests of every screen in its main states.

Fixed terminal size, a frozen clock, fixed label codes and no cursor blink, so a
screenshot changes only when the screen does. Update after a deliberate change with
``pytest tests/snapshots/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import burst, drawn, make_app, scans_done, settle

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
        await drawn(pilot)

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


def test_locked(snap_compare, snap_school):
    """F12 on the hand-in screen: the sign-in screen covers it and says "Signed out." (once)."""
    assert snap_compare(
        make_app(start="hand-in"), terminal_size=SIZE, run_before=login("office", DEMO_PINS["office"], keys("f12"))
    )


@pytest.mark.parametrize("user", ["office", "oak", "deputy", "head", "admin"])
def test_home_per_role(snap_compare, snap_school, user):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=login(user, DEMO_PINS[user]))


def test_hand_in_ready(snap_compare, snap_school):
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=login("office", DEMO_PINS["office"]))


def test_hand_in_after_scans(snap_compare, snap_school):
    c = snap_school.codes
    run = login("office", DEMO_PINS["office"], scans(c["000001"], c["000004"], c["000001"]))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


@pytest.mark.parametrize("bad", ["K1234560", "garbage", "K0000000"])
def test_hand_in_refusals(snap_compare, snap_school, bad):
    assert snap_compare(
        make_app(start="hand-in"), terminal_size=SIZE, run_before=login("office", DEMO_PINS["office"], scans(bad))
    )


def test_undo_reason_dialog(snap_compare, snap_school):
    run = login("office", DEMO_PINS["office"], scans(snap_school.codes["000002"]), keys("f2"))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


def test_register_dialog(snap_compare, snap_school):
    from models.custody.codes import make_code

    run = login("office", DEMO_PINS["office"], scans(make_code("K", 777777)), keys("f3", *"Smi"))
    assert snap_compare(make_app(start="hand-in"), terminal_size=SIZE, run_before=run)


def test_kiosk_quit_dialog(snap_compare, snap_school):
    async def quit_keys(pilot):
        await pilot.press("ctrl+q")
        await drawn(pilot)

    assert snap_compare(make_app(kiosk_mode=True), terminal_size=SIZE, run_before=quit_keys)


@pytest.fixture
def busy_school(snap_school):
    """Ava and Ben handed in; Dan (Beech) confiscated with a search; Ella released."""
    from models.custody import ledger as custody
    from models.custody.devices import resolve
    from models.school.people import contacts_of
    from tests.school import NOW

    s = snap_school
    for adno in ("000001", "000002", "000004", "000005"):
        custody.hand_in(s.codes[adno], s.office, now=NOW)
    custody.release(s.codes["000005"], s.office, now=NOW.replace(hour=15, minute=12))
    dan = resolve(s.codes["000004"]).device
    custody.confiscate(
        dan.id,
        s.deputy,
        category="behaviour",
        reason="Filming at break",
        policy="Mobile technology policy 6",
        now=NOW.replace(hour=10),
    )
    mum = contacts_of(dan.pupil_id)[0]
    custody.record_search(
        dan.id,
        s.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported filming",
        outcome="nothing_found",
        now=NOW.replace(hour=11),
    )
    return s


def test_release_after_scans(snap_compare, busy_school):
    c = busy_school.codes
    run = login("office", DEMO_PINS["office"], scans(c["000001"], c["000005"], c["000004"]))
    assert snap_compare(make_app(start="release"), terminal_size=SIZE, run_before=run)


def test_release_to_contact_dialog(snap_compare, busy_school):
    run = login("office", DEMO_PINS["office"], scans(busy_school.codes["000004"]), keys("f4"))
    assert snap_compare(make_app(start="release"), terminal_size=SIZE, run_before=run)


def test_checklist_for_the_oak_teacher(snap_compare, busy_school):
    assert snap_compare(make_app(start="checklist"), terminal_size=SIZE, run_before=login("oak", DEMO_PINS["oak"]))


def test_uncollected(snap_compare, busy_school):
    assert snap_compare(
        make_app(start="uncollected"), terminal_size=SIZE, run_before=login("office", DEMO_PINS["office"])
    )


def _history(code, *more):
    async def step(pilot):
        await pilot.press(*code, "enter")
        await settle(pilot)
        for m in more:
            await m(pilot)

    return step


def test_history_chain_of_custody(snap_compare, busy_school):
    run = login("deputy", DEMO_PINS["deputy"], _history(busy_school.codes["000004"]))
    assert snap_compare(make_app(start="history"), terminal_size=SIZE, run_before=run)


@pytest.mark.parametrize("key", ["f6", "f7", "f8"])
def test_safeguarding_dialogs(snap_compare, busy_school, key):
    adno = "000001" if key == "f6" else "000004"
    run = login("deputy", DEMO_PINS["deputy"], _history(busy_school.codes[adno], keys(key)))
    assert snap_compare(make_app(start="history"), terminal_size=SIZE, run_before=run)
