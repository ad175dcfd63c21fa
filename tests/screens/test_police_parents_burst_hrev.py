"""The police hand-over (F8), the police's return (F8 again), a call to the police (F10) and
parents informed (F3), typed in one burst as a fast typist or a paste does: each field gets
its own keys (the keys after an Enter went into the field the Enter left, before these
forms took their keys in order: kiosk.widgets.in_order.InOrderForm)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from tests.pilot import burst, make_app, school, until  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find, open_history

BURSTS = {
    # key: (state, dialog, keys in one burst, what the dialog returns)
    "f8": ("confiscated", "PoliceDialog", [*"PC Jane Smith", "enter", *"1234", "enter", *"CR/1/26", "enter", "enter",
                                            "enter"],
           {"officer_name": "PC Jane Smith", "officer_number": "1234", "force_reference": "CR/1/26"}),
    "f8-return": ("police", "PoliceReturnDialog",
                  [*"DC Shah 991", "enter", "enter", "enter", "enter", *"keep it", "enter"],
                  {"officer": "DC Shah 991", "reference": "KP/1", "next_steps": "keep it"}),
    "f10": ("confiscated", "PoliceContactDialog",
            ["enter", *"INC-1", "enter", "enter", "enter", "enter", *"a note", "enter"],
            {"line": "101", "reference": "INC-1", "note": "a note"}),
    "f3": ("confiscated", "ParentsInformedDialog",
           ["1", "enter", "enter", "enter", "enter", *"phone", "enter", *"told", "enter"],
           {"how": "phone", "parent_name": None, "note": "told"}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BURSTS))
async def test_the_form_typed_in_one_burst_lands_in_its_fields(school, case):
    state, dialog, keys, expected = BURSTS[case]
    dev = device_of(school, "000001")
    earlier = NOW - dt.timedelta(hours=1)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=earlier
    )
    if state == "police":
        custody.hand_to_police(dev, school.head, officer="PC 1", force_reference="KP/1", now=earlier)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press(case.split("-")[0])
        assert type(app.screen).__name__ == dialog
        burst(app, keys)
        await until(pilot, lambda: app.screen.has_class("confirming"), what="the summary")
        result = app.screen.result
        assert {name: getattr(result, name) for name in expected} == expected
