"""Issue 15 follow-up (g4), item 2: at 80x24 a pick-list the focus has left shows the row
chosen, not its last rows. The form scrolled on to the next field and left the list cut off
above: the confiscation's "Why" showed "Suspected nude…/Other" with "Bullying" chosen, the
concern's member of staff showed "Head" with "Beech Teacher" chosen. Folded (as a Select
is), the list is one row: the chosen one. What the screen shows is read from a screenshot."""

from __future__ import annotations

import pytest

from models.safeguarding import concerns
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in
from tests.school import NOW
from tests.svg_text import cells, text_of

SIZES = [(80, 24), (110, 32)]


def shown(app, selector: str) -> list[str]:
    """The lines of the screen the widget covers where it is in view (its form scrolls), as drawn."""
    from textual.errors import NoWidget

    try:
        geometry = app.screen.find_widget(app.screen.query_one(selector))
    except NoWidget:
        return []
    region = geometry.region.intersection(geometry.clip)
    lines = cells(app.export_screenshot())
    return [
        text_of({c: v for c, v in lines.get(y, {}).items() if region.x <= c < region.right})
        for y in range(region.y, region.bottom)
    ]


@pytest.mark.parametrize("size", SIZES)
async def test_the_confiscation_reason_shows_the_one_chosen(school, size):
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])
        await quiet(pilot)
        await pilot.press(*school.codes["000001"], "enter")
        await quiet(pilot)
        await pilot.press("f6")
        await quiet(pilot)
        await pilot.press("down", "down", "enter", *"Filming", "enter")  # Bullying; what happened
        await quiet(pilot)
        assert app.focused.id == "confiscate-policy"
        text = "\n".join(shown(app, "#confiscate-category"))
        assert not any(w in text for w in ("Behaviour", "Child protection", "Suspected nude", "Other")), text
        category = app.screen.query_one("#confiscate-category")
        assert category.has_class("folded") and category.outer_size.height == 1  # the chosen row alone (no box)
        form = app.screen.query_one("#confiscate-form")
        form.scroll_home(animate=False)  # scrolled back up (as the mouse wheel would): the chosen row
        await quiet(pilot)
        text = "\n".join(shown(app, "#confiscate-category"))
        assert "Bullying" in text
        assert not any(w in text for w in ("Behaviour", "Child protection", "Suspected nude", "Other")), text
        await pilot.press("shift+tab", "shift+tab")  # back to it: the whole list, to change it
        await quiet(pilot)
        assert app.focused.id == "confiscate-category"
        text = "\n".join(shown(app, "#confiscate-category"))
        assert "Behaviour" in text and "Bullying" in text


@pytest.mark.parametrize("size", SIZES)
async def test_the_concerns_member_of_staff_shows_the_one_chosen(school, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press("n")
        await quiet(pilot)
        await pilot.press("down", "down", "enter")  # about a member of staff
        await quiet(pilot)
        await pilot.press("down", "down", "enter")  # the second: Beech Teacher
        await quiet(pilot)
        assert app.focused.id == "concern-category"
        others = ("Admin", "Deputy", "Head", "Office")
        staff = "\n".join(shown(app, "#concern-staff-list"))
        assert not any(w in staff for w in others), staff
        app.screen.query_one("#concern-form").scroll_home(animate=False)  # scrolled back up: the chosen row
        await quiet(pilot)
        staff = "\n".join(shown(app, "#concern-staff-list"))
        assert "● Beech Teacher" in staff
        assert not any(w in staff for w in others), staff
        about = "\n".join(shown(app, "#concern-about"))
        assert "A member of staff" in about and "A pupil" not in about


@pytest.mark.parametrize("size", SIZES)
async def test_the_follow_ups_what_now_shows_the_one_chosen(school, size):
    concerns.raise_concern(school.office, about_kind="staff", staff_id=school.oak.id, what="Texts", now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        await pilot.press("s")
        await quiet(pilot)
        await pilot.press("f")
        await quiet(pilot)
        await pilot.press(*"Note", "tab", "enter", "down", "down", "enter", "tab")
        await quiet(pilot)
        assert app.focused.id == "follow-act-parents_told"
        text = "\n".join(shown(app, "#follow-outcome"))
        assert "Close it: Resolved in school" in text and "Keep the concern open" not in text
