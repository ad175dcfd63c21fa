"""At the kiosk (80x24, real keys): on a phone held for the DSL the deputy's F7 and F8 and a
teacher's F3 are refused in one line before any form opens; the headteacher (the DSL) may."""

from __future__ import annotations

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.tables import CustodyEvent
from tests.pilot import make_app, quiet
from tests.school import NOW
from tests.screens.test_history_screen import find, message, open_history, screen_name

SIZE = (80, 24)


def held_by_oak(school) -> int:
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(dev, school.oak, category=custody.NUDE_IMAGES, reason="Image shared", policy="OS 11.1", now=NOW)
    return dev


async def test_the_deputy_may_not_search_it_nor_hand_it_to_the_police(school):
    dev = held_by_oak(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        for key, doing in (("f8", "hand it to the police"), ("f7", "search it")):
            await pilot.press(key)
            await quiet(pilot)
            assert screen_name(app) == "HistoryScreen"  # no form opened
            line = message(app)
            assert line.startswith("Held for the DSL: the DSL decides") and line.endswith(f"may {doing}."), line
    assert [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == dev)] == ["handed_in", "confiscated"]


async def test_the_teacher_may_not_record_the_parents_told(school):
    held_by_oak(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "oak")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == (
            "Held for the DSL: the DSL decides on the parents and the police (online safety 11.1.1): "
            "only the DSL or the headteacher may record that the parents were told."
        )


async def test_the_head_who_is_the_dsl_is_offered_them(school):
    held_by_oak(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f8")
        await quiet(pilot)
        assert screen_name(app) == "PoliceDialog"
