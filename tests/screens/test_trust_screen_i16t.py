"""The Trust screen (issue 16) with real keys: a trust lead and a trust safeguarding lead
signed in at site 1 (on SQLite, a trust of one) read each school's figures, and the
trust DSL the feed across the schools; a school's own roles have no such key."""

from __future__ import annotations

import json
import os

import pytest

from kiosk.screens.home import HomeScreen
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import AuditEntry, Pupil, Staff
from models.upkeep.demo import DEMO_PINS
from tests.domain.test_trust_sites_i16s import trust_db  # noqa: F401 - a fixture
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW, build
from tests.svg_text import cells, text_of

LEAD_PIN, DSL_PIN = "620394", "703815"


def trust_school():
    """The test school at site 1 with the trust's two roles, a hand-in, a confiscation and a concern."""
    school = build()
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], LEAD_PIN, now=NOW)
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], DSL_PIN, now=NOW)
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    code = school.codes["000003"]
    custody.hand_in(code, school.office, now=NOW)
    dev = resolve(code).device.id
    custody.confiscate(dev, school.office, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "000002")
    concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil.id, what="Texting in class", now=NOW)
    return school


@pytest.fixture
def tschool(sqlite_db):
    return trust_school()


def screen_text(app) -> str:
    return "\n".join(text_of(row) for _, row in sorted(cells(app.export_screenshot()).items()))


def rows(app, selector) -> list[list[str]]:
    table = app.screen.query_one(selector)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_trust(pilot, username, pin):
    await sign_in(pilot, username, pin)
    await quiet(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)
    await pilot.press("t")
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "TrustScreen"


@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
async def test_a_trust_lead_opens_the_schools_figures_with_t_and_goes_back_with_escape(tschool, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "tlead", LEAD_PIN)
        await quiet(pilot)
        home = screen_text(app)
        assert "T  The trust's schools" in home
        assert "No reception tasks" not in home
        await pilot.press("t")
        await quiet(pilot)
        assert type(app.screen).__name__ == "TrustScreen"
        comp = rows(app, "#trust-compliance")
        assert [r[0] for r in comp] == ["Test School", "Trust total"]
        assert comp[0][2:4] == comp[1][2:4]  # a trust of one: its total is the school
        assert comp[0][5] == "1"  # the confiscation, a breach
        held = rows(app, "#trust-held")
        assert held == [["Test School", "2", "1", "1", "0", "0"]]  # a trust of one: no total row
        assert int(held[0][1]) == int(held[0][2]) + int(held[0][3]) == int(comp[0][6])  # held = not collected
        shown = screen_text(app)
        for header in ("School", "Days", "Handed", "Expected", "Rate", "Breaches", "Held"):
            assert header in shown, header
        for header in ("Held", "In tray", "Confiscated", "Overnight", "In overflow"):
            assert header in shown, header
        assert "As of 08:30. F5 or R to refresh, Esc to go back." == text(app, "#trust-status")
        await pilot.press("f")  # the feed is the trust DSL's: nothing for the lead
        await quiet(pilot)
        assert not app.screen.query_one("#trust-feed-box").display
        assert not app.screen.check_action("toggle_feed", ())
        await pilot.press("escape")
        await quiet(pilot)
        assert isinstance(app.screen, HomeScreen)
    reads = [e.entity_id for e in AuditEntry.select().where(AuditEntry.action == "trust.report_read")]
    assert "compliance" in reads and "uncollected" in reads


async def test_the_trust_dsl_switches_to_the_feed_for_today_and_the_last_7_days(tschool):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_trust(pilot, "tdsl", DSL_PIN)
        await pilot.press("f")
        await quiet(pilot)
        assert app.screen.query_one("#trust-feed-box").display
        assert not app.screen.query_one("#trust-figures").display
        assert "Feed across the schools, today (2026-11-12): 2 entries." in text(app, "#trust-feed-title")
        feed = rows(app, "#trust-feed")
        assert {r[0] for r in feed} == {"Test School"}
        assert any("Ben Jones" in r[3] for r in feed)  # the concern's subject
        assert all(r[1] == "08:30" for r in feed)
        detail = text(app, "#trust-feed-detail")  # the highlighted entry whole, under the table
        assert detail.startswith("Test School · 2026-11-12 08:30 · ") and feed[0][3] in detail
        await pilot.press("down")
        await quiet(pilot)
        assert feed[1][3] in text(app, "#trust-feed-detail")
        await pilot.press("w")
        await quiet(pilot)
        assert "last 7 days (2026-11-06 to 2026-11-12): 2 entries." in text(app, "#trust-feed-title")
        assert all(r[1] == "Thu 08:30" for r in rows(app, "#trust-feed"))
        await pilot.press("f")  # back to the figures
        await quiet(pilot)
        assert app.screen.query_one("#trust-figures").display
        assert not app.screen.check_action("toggle_week", ())
        await pilot.press("escape")
        await quiet(pilot)
        assert isinstance(app.screen, HomeScreen)
    reads = [e.entity_id for e in AuditEntry.select().where(AuditEntry.action == "trust.report_read")]
    assert "safeguarding_feed" in reads


async def test_the_feed_fits_80_columns(tschool):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_trust(pilot, "tdsl", DSL_PIN)
        await pilot.press("f", "w")
        await quiet(pilot)
        shown = screen_text(app)
        for header in ("School", "Time", "Kind", "Subject", "Summary", "By"):
            assert header in shown, header
        assert "Esc back" in shown
        assert "Oak Teacher" in shown or "Oak Teac…" in shown  # the last column whole on screen
        assert "Subject" in shown


async def test_a_resize_draws_the_tables_again_to_fit(tschool):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_trust(pilot, "tdsl", DSL_PIN)
        await pilot.press("f", "down")
        await quiet(pilot)
        await pilot.resize_terminal(80, 24)
        await quiet(pilot)
        shown = screen_text(app)
        assert "Oak Teacher" in shown and "Office" in shown  # the last column still on screen
        assert app.screen.query_one("#trust-feed").cursor_row == 1
        await pilot.press("f")
        await quiet(pilot)
        assert "Breaches" in screen_text(app)


@pytest.mark.parametrize("username", ["office", "head"])
async def test_a_school_role_has_no_trust_key_and_cannot_be_routed_there(tschool, username):
    app = make_app(start="trust")  # kiosk run --start trust: refused too, Home stays
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, username, DEMO_PINS[username])
        await quiet(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert not home.query("#task-trust")
        assert "The trust's schools" not in screen_text(app)
        assert not home.check_action("open", ("trust",))
        assert HomeScreen.screen_for("trust", home.who) is None
        from kiosk.textual_compat import notices

        said = [n for n in notices(app) if "not for your role" in n]
        assert said == ["The trust's schools: not for your role, so Home is shown instead."]  # one plain line
        await pilot.press("t")
        await quiet(pilot)
        assert app.screen is home


@pytest.mark.parametrize("username, pin", [("tlead", LEAD_PIN), ("tdsl", DSL_PIN)])
async def test_kiosk_run_start_trust_opens_the_trust_screen_for_a_trust_role(tschool, username, pin):
    from kiosk.screens.trust import TrustScreen

    app = make_app(start="trust")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, username, pin)
        await quiet(pilot)
        assert isinstance(app.screen, TrustScreen)
        await pilot.press("escape")
        await quiet(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_a_refusal_shows_as_one_plain_line(tschool):
    """The screen reached some other way by a school role: the use case refuses, in one line."""
    from kiosk.screens.trust import TrustScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await quiet(pilot)
        app.push_screen(TrustScreen(app.screen.who))
        await quiet(pilot)
        line = text(app, "#trust-status")
        assert line and "\n" not in line
        assert "Traceback" not in screen_text(app)
        assert rows(app, "#trust-compliance") == []


@pytest.mark.parametrize("feed", [False, True], ids=["figures", "feed"])
@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
async def test_every_footer_key_is_readable_and_does_something(tschool, size, feed):
    from kiosk.textual_compat import notices
    from tests.screens.test_footer_keys_i14b import footer_keys, screen_lines

    async def opened(pilot):
        await open_trust(pilot, "tdsl", DSL_PIN)
        if feed:
            await pilot.press("f")
            await quiet(pilot)

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        shown = "\n".join(screen_lines(app)[-3:])
        keys = [k.key for k in footer_keys(app)]
        for key in footer_keys(app):
            assert f"{key.key_display} {key.description}".strip() in shown, shown
        assert sorted(keys) == sorted(["escape", "f5", "f", "f12", "ctrl+p", *(["w"] if feed else [])])
    for key in keys if size == (80, 24) else ():  # each key pressed once, at the console's size
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await opened(pilot)
            screen, before, said = app.screen, screen_lines(app), notices(app)
            await pilot.press(key)
            await quiet(pilot)
            if app.screen is screen and notices(app) == said:
                assert screen_lines(app) != before, f"{key}: nothing happened, nothing said"


@pytest.mark.skipif(not os.environ.get("KIOSK_TEST_POSTGRES"), reason="KIOSK_TEST_POSTGRES is not set")
async def test_a_trust_of_two_schools_on_postgresql_shows_each_and_the_total(trust_db):
    from models import trust as trust_model

    _, school = trust_db
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], LEAD_PIN, now=NOW)
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    trust_model.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Test School")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_trust(pilot, "tlead", LEAD_PIN)
        comp = rows(app, "#trust-compliance")
        assert [r[0] for r in comp] == ["Test School", "Elm Primary", "Trust total"]
        assert comp[2][2] == comp[0][2]  # Elm has no hand-ins yet: the total is site 1's
        held = rows(app, "#trust-held")
        assert held == [
            ["Test School", "1", "1", "0", "0", "0"],
            ["Elm Primary", "0", "0", "0", "0", "0"],
            ["Trust total", "1", "1", "0", "0", "0"],
        ]
        assert "2 schools and the trust" in text(app, "#trust-comp-title")


def trust_reads():
    return [
        (e.actor, e.entity_id, json.loads(e.details))
        for e in AuditEntry.select().where(AuditEntry.action == "trust.report_read").order_by(AuditEntry.seq)
    ]


async def test_each_read_is_logged_once_under_whoever_is_signed_in_now_with_what_was_read(tschool):
    """Opening T records each read once; after the lock, someone else signing in at the lock
    screen records nothing under the person before (the screens beneath are theirs, not
    read again under their name); the entries name the range read."""
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await open_trust(pilot, "tlead", LEAD_PIN)
        reads = trust_reads()
        assert sorted(r[1] for r in reads) == ["compliance", "uncollected"]
        comp = next(d for _, what, d in reads if what == "compliance")
        assert comp["to"] == "2026-11-12" and comp["from"] <= comp["to"]
        app.lock("Locked after a period without use.")
        await quiet(pilot)
        await sign_in(pilot, "tdsl", DSL_PIN)
        await quiet(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert trust_reads() == reads  # nothing more under tlead, nor under tdsl: tdsl read nothing yet
        await pilot.press("t")
        await quiet(pilot)
        await pilot.press("f")
        await quiet(pilot)
    after = trust_reads()[len(reads) :]
    TDSL = f"staff:{Staff.get(Staff.username == 'tdsl').id}"
    assert sorted((who, what) for who, what, _ in after) == [
        (TDSL, "compliance"),
        (TDSL, "safeguarding_feed"),
        (TDSL, "uncollected"),
    ]
    feed = after[-1][2]
    assert feed["report"] == "safeguarding_feed" and feed["from"] == feed["to"] == "2026-11-12"


async def test_a_school_s_terminal_with_no_name_in_its_config_shows_the_registered_name(
    trust_db, tmp_path, monkeypatch
):
    """KIOSK_SITE=elm and no school_name in the config: the header and the sign-in screen
    say "Elm Primary" (the trust's registry), not "Our School"."""
    from kiosk.app import create_app
    from models import sites, trust
    from models.config import load_settings
    from models.store.db import close_db
    from tests.pilot import FrozenClock

    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    close_db()
    config = tmp_path / "kiosk.toml"
    config.write_text("idle_lock_seconds = 120\n")
    monkeypatch.setenv("KIOSK_SITE", "elm")
    s = load_settings(str(config))
    app = create_app(
        s, database=sites.with_site(url, "elm"), clock=FrozenClock(NOW), cursor_blink=False, print_worker=False
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        shown = screen_text(app)
        assert "Elm Primary" in shown and "Our School" not in shown
        assert text(app, "#login-school") == "Elm Primary"
    named = load_settings(str(config))
    config.write_text('school_name = "Elm Primary School (Juniors)"\n')
    named = load_settings(str(config))
    app = create_app(
        named, database=sites.with_site(url, "elm"), clock=FrozenClock(NOW), cursor_blink=False, print_worker=False
    )
    assert app.services.settings.school_name == "Elm Primary School (Juniors)"  # the config's own, kept


@pytest.mark.skipif(not os.environ.get("KIOSK_TEST_POSTGRES"), reason="KIOSK_TEST_POSTGRES is not set")
@pytest.mark.parametrize("size", [(110, 32), (80, 24)], ids=["110x32", "80x24"])
async def test_a_school_waiting_for_its_records_and_one_whose_tables_are_gone_are_named(trust_db, size):
    """Walk, issue 16: one school's empty place (add-site --empty) left the screen on
    "Loading…" then "Something went wrong"; a school whose schema was dropped vanished from
    it and the total carried on as the whole trust's. Both are named; the others are read."""
    from models import trust as trust_model
    from models.store.db import db

    _, school = trust_db
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], LEAD_PIN, now=NOW)
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], DSL_PIN, now=NOW)
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    trust_model.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Test School", empty=True)
    trust_model.add_site("ash", "Ash Primary", actor=school.admin, now=NOW)
    db.execute_sql('DROP SCHEMA "site_ash" CASCADE')
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_trust(pilot, "tdsl", DSL_PIN)
        comp = rows(app, "#trust-compliance")
        assert [r[0] for r in comp] == ["Test School", "Elm Primary", "Ash Primary", "Trust total"]
        assert comp[3][2] == comp[0][2]  # the total: the school read
        assert set(comp[1][1:]) == set(comp[2][1:]) == {"—"}  # not read: no figures, not zeros
        held = rows(app, "#trust-held")
        assert [r[0] for r in held] == ["Test School", "Elm Primary", "Ash Primary", "Trust total"]
        assert set(held[1][1:]) == {"—"}
        gaps = text(app, "#trust-gaps")
        assert "Elm Primary" in gaps and "waiting for its records" in gaps
        assert "Ash Primary" in gaps and "tables are gone" in gaps and "not in the trust total" in gaps
        assert "Something went wrong" not in screen_text(app)
        await pilot.press("f")
        await quiet(pilot)
        assert "Feed across the schools" in text(app, "#trust-feed-title")
        gaps = text(app, "#trust-gaps")
        assert "Elm Primary" in gaps and "Ash Primary" in gaps and "not in the feed" in gaps
        shown = screen_text(app)
        assert "waiting for its records" in shown and "Something went wrong" not in shown


@pytest.mark.skipif(not os.environ.get("KIOSK_TEST_POSTGRES"), reason="KIOSK_TEST_POSTGRES is not set")
async def test_a_school_the_database_refuses_to_read_is_named_under_the_feed(trust_db):
    """The tester (issue 16): a column dropped at one school by its own role failed the
    trust's feed whole. Its read is undone, the school is named under the feed (found only
    while reading, so the feed's own read says so), and site 1's entries are shown."""
    from models import trust as trust_model
    from models.store.db import db

    _, school = trust_db
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], DSL_PIN, now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "000002")
    concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil.id, what="Texting in class", now=NOW)
    trust_model.add_site("ash", "Ash Primary", actor=school.admin, now=NOW, first_name="Test School")
    db.execute_sql("ALTER TABLE site_ash.concern DROP COLUMN what CASCADE")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_trust(pilot, "tdsl", DSL_PIN)
        await pilot.press("f")
        await quiet(pilot)
        assert {r[0] for r in rows(app, "#trust-feed")} == {"Test School"}
        gaps = text(app, "#trust-gaps")
        assert "Ash Primary" in gaps and "could not be read" in gaps and "not in the feed" in gaps, gaps
        assert "Something went wrong" not in screen_text(app)
