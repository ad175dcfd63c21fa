"""The DSL's feed says each entry's status whole (findings after issue 15: "NEW, closed" read
"NEW, clos" at 110x32): at 80x24 and at 110x32, on the screen as drawn."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.screens.safeguarding import SafeguardingScreen
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import Pupil
from tests.pilot import make_app
from tests.school import NOW
from tests.screens.test_safeguarding_screens import open_screen
from tests.svg_text import cells, text_of

SIZES = [(80, 24), (110, 32)]


def screen_rows(app) -> list[str]:
    return [text_of(row) for _, row in sorted(cells(app.export_screenshot()).items())]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "110x32"])
async def test_new_closed_and_new_undone_show_whole(school, size):
    dsl = auth.create_staff("dsl", "Ms D Lead", [auth.DSL], "390417", now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "000002")
    concern = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil.id, what="Texting in class", now=NOW - dt.timedelta(hours=1)
    )
    concerns.follow_up(
        concern.id, dsl, note="Spoke to the pupil", close=True, outcome="resolved_in_school", now=NOW
    )  # closed by the DSL: still NEW for the head, who has not opened it
    device = resolve(school.codes["000004"]).device.id
    taken = custody.confiscate(
        device, school.deputy, category="behaviour", reason="Used in class", policy="MST 6", now=NOW
    )
    custody.reverse(taken.id, school.deputy, reason="wrong phone", now=NOW)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        shown = screen_rows(app)
        assert any("NEW, closed" in row for row in shown), "\n".join(shown)
        assert any("NEW, undone" in row for row in shown), "\n".join(shown)


def test_at_80_columns_status_stays_whole_beside_long_names_and_kinds():
    """The widest kinds, classes and names at 80x24 (a table 78 cells wide): About gives way
    (the whole name is under the table) before Status is pushed off the right edge."""
    from types import SimpleNamespace

    from kiosk.screens.safeguarding import SCROLLBAR, column_widths

    long = SimpleNamespace(
        subject="Maximilian Fotheringham-Whyte",
        class_name="Kingfishers",
        kind="concern",
        about="pupil",
        category="sexual_exploitation",
        kind_text="online sexual abuse or exploitation",
        seen=False,
        status="closed",
        undone=False,
    )
    widths = column_widths([long], 78)
    assert widths["status"] == len("NEW, closed")
    before_what = sum(widths[k] for k in ("when", "kind", "about", "class", "status")) + 2 * 5 + SCROLLBAR
    assert before_what <= 78, widths
