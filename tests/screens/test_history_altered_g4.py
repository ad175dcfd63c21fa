"""Issue 15 follow-up (g4), item 3, with real keys: History marks each event whose record was
edited in the SQLite file outside the kiosk (the event's row, or its audit entry), plainly, on
its own line, and says so above the chain; the genuine events are not marked."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW

SIZES = [(80, 24), (110, 32)]
MARK = "ALTERED — does not match the audit chain"


def edit_file(path: str, statement: str) -> None:
    """Someone with the database file, and sqlite3: not the kiosk's connection."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("size", SIZES)
async def test_history_marks_the_events_edited_outside_the_kiosk(school, database, size):
    ava = school.codes["000001"]
    custody.hand_in(ava, school.office, now=NOW)
    custody.release(ava, school.office, now=NOW + dt.timedelta(hours=7))
    custody.hand_in(ava, school.office, now=NOW + dt.timedelta(days=1))
    handed, released, again = custody.history(resolve(ava).device.id)
    edit_file(database, f"update custody_event set slot_no = 9 where id = {handed.id}")  # noqa: S608
    edit_file(database, f"update audit_entry set actor = 'staff:99' where seq = {again.audit_seq}")  # noqa: S608

    app = make_app(start="history")
    app.services.clock.at = NOW + dt.timedelta(days=1, hours=1)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])
        await quiet(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        await pilot.press(*ava, "enter")
        await quiet(pilot)
        lines = text(app, "#history-chain").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("#")]
        entries = {
            lines[i].split()[0]: lines[i + 1 : j] for i, j in zip(starts, [*starts[1:], len(lines)], strict=True)
        }
        assert [line.strip() for line in entries[f"#{handed.id}"]] == [
            f"{MARK} (edited outside the kiosk: it no longer matches its audit entry)"
        ]
        assert entries[f"#{released.id}"] == []
        assert [line.strip() for line in entries[f"#{again.id}"]] == [
            f"{MARK} (its audit entry was edited outside the kiosk)"
        ]
        assert text(app, "#history-message").startswith(
            "2 of this phone's records do not match the audit chain (marked ALTERED)"
        )


@pytest.mark.parametrize("size", SIZES)
async def test_undo_is_not_offered_on_an_altered_latest_event_and_says_why(school, database, size):
    ava = school.codes["000001"]
    custody.hand_in(ava, school.office, now=NOW)
    (handed,) = custody.history(resolve(ava).device.id)
    edit_file(database, f"update audit_entry set actor = 'staff:99' where seq = {handed.audit_seq}")  # noqa: S608

    app = make_app(start="history")
    app.services.clock.at = NOW + dt.timedelta(minutes=5)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press(*ava, "enter")
        await quiet(pilot)
        assert MARK in text(app, "#history-chain")
        assert app.screen.check_action("phone", ("undo",)) is False  # not offered
        await pilot.press("f2")
        await quiet(pilot)
        said = text(app, "#history-message")
        assert "\n" not in said.strip()
        assert said.startswith("Not undone: the latest action was edited outside the kiosk"), said
        assert [e.kind for e in custody.history(resolve(ava).device.id)] == [custody.HANDED_IN]
