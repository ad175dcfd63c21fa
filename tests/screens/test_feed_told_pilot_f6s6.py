"""The DSL (the head) opens a confiscation from the safeguarding feed (S, Enter) and reads the
parents informed and the police contact, as the phone's own view (P) shows them."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import parents
from models.school.people import contacts_of
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in
from tests.school import NOW
from tests.screens.test_leadership_feed_g3 import open_feed, screen_name


async def test_the_feeds_custody_view_has_parents_informed_and_police_contacts(school):
    dev = resolve(school.codes["000001"]).device.id
    start = NOW - dt.timedelta(minutes=30)
    event = custody.confiscate(dev, school.deputy, category="bullying", reason="Messages", policy="M6", now=start)
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    at = start + dt.timedelta(minutes=5)
    parents.record_informed(school.deputy, told_at=at, how="phone", event_id=event.id, contact_id=mum.id, now=at)
    parents.record_police_contact(school.deputy, line="101", reference="KP-77", called_at=at, device_id=dev, now=at)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await open_feed(pilot)
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "EntryHistoryDialog"
        shown = app.screen.history_text
        assert "Parents informed and police contacts:" in shown
        assert "parents informed:" in shown and "reference KP-77" in shown
