"""One way to record that parents were told (issue 15's leftovers): the search form no longer
has its own "parents informed" time and way (they duplicated the ParentsInformed record,
F3 on History); its summary says how to record it, and History's line for the search reads
the parents-informed status from that one record (old searches' own columns still read)."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import parents
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import find, message, open_history, screen_name

SIZE = (80, 24)


async def test_the_search_form_has_no_parents_informed_fields_and_says_how_to_record_it(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f7")
        assert screen_name(app) == "SearchDialog"
        assert not app.screen.query("#search-informed-at") and not app.screen.query("#search-informed-how")
        await pilot.press("down", "enter", "enter", *"No adult free", "enter", *"Said a video was shared", "enter")
        await pilot.press(*"a video", "enter", *"Head's office", "enter", "enter", "enter", "enter", "enter")
        await quiet(pilot)
        assert app.focused.id == "search-outcome"
        await pilot.press("down", "enter", "enter")  # nothing found; no follow-up: Continue
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        summary = text(app, "#search-summary")
        assert "Parents informed: not yet; F3 on the phone's history records it." in summary
        await pilot.press("enter")
        await quiet(pilot)
        assert message(app) == "Recorded the search of Ava Patel's phone."
    e = CustodyEvent.select().where(CustodyEvent.device == dev).order_by(CustodyEvent.id.desc()).first()
    assert e.kind == "searched" and e.parents_informed_at is None and e.parents_informed_how is None


def search(school, dev: int, **kw) -> CustodyEvent:
    return custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Mrs R Hughes",
        grounds="Reported image",
        outcome="nothing_found",
        item_sought="an image",
        location="office",
        now=NOW,
        **kw,
    )


def test_historys_line_for_a_search_reads_the_parents_informed_record(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    searched = search(school, dev)
    line = custody.describe_event(CustodyEvent.get_by_id(searched.id), reader=school.deputy)
    assert "parents not yet informed" in line
    told = NOW + dt.timedelta(minutes=30)
    parents.record_informed(
        school.deputy, told_at=told, how="phone", event_id=searched.id, parent_name="Mrs Patel", now=told
    )
    line = custody.describe_event(CustodyEvent.get_by_id(searched.id), reader=school.deputy)
    assert "parents not yet informed" not in line
    assert "parents informed 2026-11-12 09:00 (phone)" in line, line


def test_an_old_search_with_its_own_parents_informed_columns_still_reads_them(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    searched = search(school, dev, parents_informed_at=NOW, parents_informed_how="telephone")
    line = custody.describe_event(CustodyEvent.get_by_id(searched.id), reader=school.deputy)
    assert "parents informed" in line and "by telephone" in line
