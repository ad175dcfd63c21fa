"""A confiscation, a search, a concern or an undo is anchored within seconds at the terminal,
not at its five-minute check (new-user walk: an insider deleted the newest search and
police hand-over from the end of the log, and the head, before any anchor; verify said OK).

The domain says, once such an entry is committed, that an anchor is wanted; the terminal
asks every ANCHOR_SOON_POLL seconds and anchors the log if it moved."""

from __future__ import annotations

import pytest

from models.audit.chain import anchor_soon_wanted
from models.audit.tx import write_tx
from models.custody.ledger import confiscate, hand_in
from tests.conftest import NOW


@pytest.fixture
def school(database):
    from tests.school import build

    built = build()
    anchor_soon_wanted()  # (whatever building it wanted)
    return built


def test_a_confiscation_wants_an_anchor_once_it_is_committed_and_a_hand_in_does_not(school):
    out = hand_in(school.codes["000001"], school.office, now=NOW)
    assert anchor_soon_wanted() is False  # the morning's scans wait for the five-minute check
    confiscate(out.device_id, school.deputy, category="behaviour", reason="Filming", policy="M6", now=NOW)
    assert anchor_soon_wanted() is True
    assert anchor_soon_wanted() is False  # asked once


def test_a_confiscation_rolled_back_wants_no_anchor(school):
    out = hand_in(school.codes["000002"], school.office, now=NOW)

    class Stop(Exception):
        pass

    with pytest.raises(Stop):
        with write_tx():
            confiscate(
                out.device_id, school.deputy, category="behaviour", reason="Phone out in class", policy="M6", now=NOW
            )
            raise Stop
    assert anchor_soon_wanted() is False
    hand_in(school.codes["000003"], school.office, now=NOW)  # the next transaction does not inherit it
    assert anchor_soon_wanted() is False


async def test_the_terminal_anchors_a_confiscation_at_its_next_quick_check(school, tmp_path):
    """KioskApp.anchor_if_wanted (every ANCHOR_SOON_POLL seconds) anchors after a confiscation,
    and does nothing after a hand-in."""
    from models.audit import anchors
    from models.audit import chain as audit
    from models.clock import FrozenClock
    from models.custody.devices import resolve
    from tests.pilot import make_app, settle

    path = anchors.configure(tmp_path / "app.anchors")
    try:
        app = make_app()
        app.services.clock = FrozenClock(NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            app.anchor_if_due()
            await settle(pilot)
            before = anchors.read(path)
            hand_in(school.codes["000005"], school.office, now=NOW)
            app.anchor_if_wanted()
            await settle(pilot)
            assert anchors.read(path) == before  # a hand-in waits for the five-minute check
            dev = resolve(school.codes["000001"]).device.id
            confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="M6", now=NOW)
            app.anchor_if_wanted()
            await settle(pilot)
            after = anchors.read(path)
            assert len(after) == len(before) + 1 and after[-1].seq >= audit.head()[0] - 1
    finally:
        anchors.configure(None)
