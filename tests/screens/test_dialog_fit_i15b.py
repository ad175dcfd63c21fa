"""The new history dialogs of issue 15 fit 80x24 and 110x32: every step shows its error
line and buttons whole, and each field as it is typed in (a long form scrolls inside itself)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from tests.pilot import make_app, quiet, school  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_dialog_fit import SIZES, assert_whole
from tests.screens.test_history_screen import device_of, find, open_history

FORMS = {
    # key: (dialog prefix, fields in order, keys typed into each)
    "f3": ("parents", ["parents-who", "parents-by", "parents-day", "parents-time", "parents-how", "parents-note"],
           ["1", "", "", "", "phone", "a note"]),
    "f8": ("return", ["return-officer", "return-reference", "return-day", "return-time", "return-next"],
           ["DC Shah 991", "", "", "", "keep"]),
    "f10": ("call", ["call-line", "call-reference", "call-by", "call-day", "call-time", "call-note"],
            ["", "INC-1", "", "", "", "note"]),
}  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
@pytest.mark.parametrize("key", list(FORMS))
async def test_the_new_dialogs_fit_with_buttons_and_error_line(school, size, key):
    dev = device_of(school, "000001")
    earlier = NOW - dt.timedelta(hours=1)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="MST 6", now=earlier
    )
    if key == "f8":  # with the police, F8 is the return
        custody.hand_to_police(dev, school.head, officer="PC 1", force_reference="KP/1", now=earlier)
    prefix, fields, typed = FORMS[key]
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press(key)
        await quiet(pilot)  # (CI: the dialog's layout was read before it settled on a loaded machine)
        whole = [f"{prefix}-error", f"{prefix}-continue", f"{prefix}-cancel"]
        assert_whole(app, *whole)
        for field, text_ in zip(fields, typed, strict=True):
            assert app.focused.id == field
            assert_whole(app, *whole, field)
            await pilot.press(*text_, "enter")
            await quiet(pilot)
        assert app.screen.has_class("confirming")
        assert_whole(app, f"{prefix}-summary", f"{prefix}-yes", f"{prefix}-back")
