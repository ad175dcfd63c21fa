"""The headteacher's Home with real keys (issue 15's leftovers): at 80x24 every key and
figure is reachable (PageDown brings the rest into view when it does not all fit, and the
footer says there is more); at 110x32 it all fits."""

from __future__ import annotations

import re

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW
from tests.svg_text import cells, text_of


def box_text(app) -> str:
    """What Home's box shows now, its rows joined (a wrapped line reads whole again)."""
    rows = [text_of(row) for _, row in sorted(cells(app.export_screenshot()).items())]
    inner = [m.group(1).strip() for r in rows if (m := re.search(r"│(.*)│", r))]
    return re.sub(r"\s+", " ", " ".join(inner))


def busy_school(school) -> None:
    """Enough for the headteacher's Home to run past 24 rows: a concern, an allegation
    about a teacher (the alert line), confiscations not yet seen, an exception due."""
    pupil = Pupil.get(Pupil.admission_no == "000002")
    concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil.id, what="Texting in class", now=NOW)
    concerns.raise_concern(
        school.office, about_kind="staff", staff_id=school.oak.id, what="Photographed pupils", now=NOW
    )
    for adno in ("000001", "000003"):
        code = school.codes[adno]
        custody.hand_in(code, school.office, now=NOW)
        dev = resolve(code).device.id
        custody.confiscate(dev, school.office, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)


async def test_the_headteachers_home_at_80x24_shows_every_key_and_figure(school):
    busy_school(school)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        summary = [re.sub(r"\s+", " ", line) for line in text(app, "#home-summary").splitlines()]
        assert len(summary) >= 3
        labels = [str(b.label) for b in app.screen.query(".task")]
        seen = box_text(app)
        for _ in range(4):  # PageDown brings what is below into view
            await pilot.press("pagedown")
            await quiet(pilot)
            seen += " " + box_text(app)
        for label in labels:
            assert re.sub(r"\s+", " ", label) in seen, label
        for line in summary:
            assert line in seen, line
        await pilot.press("pageup", "pageup", "pageup")
        await quiet(pilot)
        assert "Signed in: Head" in box_text(app)


async def test_the_headteachers_home_at_110x32_fits_without_scrolling(school):
    busy_school(school)
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        seen = box_text(app)
        for line in text(app, "#home-summary").splitlines():
            assert re.sub(r"\s+", " ", line) in seen, line
        assert not app.screen.check_action("page", (1,))  # nothing below: PageDown not offered


async def test_the_footer_says_there_is_more_below_only_when_there_is(school):
    busy_school(school)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        assert "More below" in footer and "Back up" not in footer
        await pilot.press("pagedown")
        await quiet(pilot)
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        assert "More below" not in footer and "Back up" in footer
