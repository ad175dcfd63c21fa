"""While the History screen's pupil-name list is open, the footer offers only what works
there (a new-user walk: it still offered F2 Undo, F4 Release, F6 Confiscate… for the phone
shown before, though the list is what Enter answers). The phone's keys come back once a
phone is opened from the list; pressed while the list is open, they say what to do."""

from __future__ import annotations

import datetime as dt

from kiosk.screens.history import ACTION_KEYS
from kiosk.textual_compat import FooterKey
from models.custody import ledger as custody
from tests.pilot import make_app, quiet, text, until
from tests.school import NOW
from tests.screens.test_history_screen import find, open_history


def footer_keys(app) -> set[str]:
    return {k.key for k in app.screen.query(FooterKey) if not k.has_class("-disabled")}


async def test_the_list_open_offers_no_keys_of_the_phone_shown_before(school):
    custody.hand_in(school.codes["000002"], school.office, now=NOW - dt.timedelta(minutes=5))
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "office")
        await find(pilot, school.codes["000002"])  # Ben Jones's phone, in a slot
        await until(pilot, lambda: footer_keys(app) & set(ACTION_KEYS), 10, "the phone's keys")
        await pilot.press("f5", *"Ava")
        await until(pilot, lambda: app.screen.query_one("#history-results").has_class("shown"), 10, "the list")
        await quiet(pilot)
        assert not footer_keys(app) & set(ACTION_KEYS), footer_keys(app)
        assert "escape" in footer_keys(app)
        await pilot.press("f6")  # not offered: says to open a phone from the list
        await quiet(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        assert "from the list" in text(app, "#history-message")
        await pilot.press("down", "enter")  # Ava's phone opened: its keys are back
        await until(pilot, lambda: "Ava" in text(app, "#history-pupil"), 10, "Ava's phone")
        await until(pilot, lambda: footer_keys(app) & set(ACTION_KEYS), 10, "the phone's keys again")
