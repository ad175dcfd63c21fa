"""The "Parents told" form (F3): its grey placeholders read as examples ("e.g. phone"), never
as a value filled in (a bare "phone" in How looked chosen, and Enter then said "Say how…");
Enter on an empty How says it is empty and what to type."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input

from models.custody import ledger as custody
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find, open_history


async def test_the_parents_told_placeholders_read_as_examples(school):
    dev = device_of(school, "000001")
    custody.confiscate(
        dev,
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW - dt.timedelta(hours=1),
    )
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f3")
        assert type(app.screen).__name__ == "ParentsInformedDialog"
        placeholders = {box.id: box.placeholder for box in app.screen.query(Input) if box.placeholder}
        assert placeholders and all(words.startswith("e.g. ") for words in placeholders.values()), placeholders
        assert placeholders["parents-how"] == "e.g. phone"
        await pilot.press("1", "enter", "enter", "enter", "enter", "enter")  # How left empty
        await quiet(pilot)
        assert app.focused.id == "parents-how"
        assert text(app, "#parents-error") == (
            "How is empty: type how they were told (phone, in person, letter, email, text or other)."
        )
        await pilot.press(*"ph", "enter")
        await quiet(pilot)
        assert app.focused.id == "parents-note"
