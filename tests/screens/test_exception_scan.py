"""A pupil with an agreed exception keeps their phone: the hand-in scan says so.

The scan records nothing (the pupil is not "not handed in": the exception covers
them), unless the office takes the phone in anyway (F6 / ``despite_exception``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.policy import agreed
from models.store.tables import CustodyEvent, Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, scans_done, settle, sign_in, text, until
from tests.school import NOW

TODAY = dt.date(2026, 11, 12)


def _medical_exception(school, *, ends_on=TODAY + dt.timedelta(days=60), signed=True):
    start = min(TODAY - dt.timedelta(days=5), ends_on - dt.timedelta(days=3))
    ava = Pupil.get(Pupil.admission_no == "000001")
    exc = agreed.record(
        school.head,
        subject_kind=agreed.PUPIL,
        pupil_id=ava.id,
        kind=agreed.MEDICAL,
        medical_category="monitoring_device",
        allowed="Keeps her phone to read a sensor app.",
        where="In her bag on silent",
        sanction="Phone handed in for the day.",
        agreed_with="Priya Patel",
        agreed_on=start,
        starts_on=start,
        review_on=min(TODAY + dt.timedelta(days=20), ends_on),
        ends_on=ends_on,
        now=dt.datetime.combine(start, dt.time(9)),
    )
    if signed:
        agreed.mark_signed_copy(exc.id, school.office, now=dt.datetime.combine(start, dt.time(10)))
    return exc


def test_scan_of_a_pupil_with_an_exception_records_nothing(school):
    _medical_exception(school)
    before = CustodyEvent.select().count()
    out = custody.hand_in(school.codes["000001"], school.office, now=NOW)
    assert out.outcome == "EXCEPTION"
    assert "Agreed exception" in out.message and "nothing was recorded" in out.message
    assert CustodyEvent.select().count() == before
    assert custody.state_of(out.device_id).state == custody.OUT
    # Other pupils are unaffected.
    assert custody.hand_in(school.codes["000002"], school.office, now=NOW).outcome == "OK"


def test_office_can_take_the_phone_in_anyway(school):
    _medical_exception(school)
    out = custody.hand_in(school.codes["000001"], school.office, now=NOW, despite_exception=True)
    assert out.outcome == "OK" and out.slot == "B-01"


def test_an_ended_exception_has_no_effect(school):
    _medical_exception(school, ends_on=TODAY - dt.timedelta(days=1))
    assert custody.hand_in(school.codes["000001"], school.office, now=NOW).outcome == "OK"


def test_an_unsigned_pupil_exception_has_no_effect_yet(school):
    _medical_exception(school, signed=False)
    assert custody.hand_in(school.codes["000001"], school.office, now=NOW).outcome == "OK"


@pytest.mark.both_engines
async def test_hand_in_screen_shows_the_exception_and_f6_takes_it_in(school):
    _medical_exception(school)
    app = make_app(start="hand-in")
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "AGREED EXCEPTION"
        assert "press F6 to hand it in anyway" in text(app, "#outcome-message")
        assert app.screen.query_one("#outcome").has_class("outcome-exception")
        await pilot.press("f6")
        await scans_done(pilot, 2)
        await settle(pilot)
        assert text(app, "#outcome-word") == "HANDED IN"
        assert custody.state_of(app.screen.results[-1].device_id).state == custody.IN_TRAY
        await pilot.press("f6")  # nothing left to take in: says so, records nothing
        await settle(pilot)
        assert CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count() == 1


def _f6(app):
    from kiosk.textual_compat import FooterKey

    return next(k for k in app.screen.query(FooterKey) if k.key == "f6")


async def test_the_footer_changes_only_when_f6_comes_or_goes(school):
    """F6 lights up for a pupil with an exception and dims after the next scan; an
    ordinary scan leaves the footer alone (rebuilding it made a dozen widgets a scan)."""
    _medical_exception(school)
    app = make_app(start="hand-in")
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        before = _f6(app)
        assert before.has_class("-disabled")
        await pilot.press(*school.codes["000004"], "enter")
        await scans_done(pilot, 2)
        await settle(pilot)
        assert _f6(app) is before  # the same footer, not a rebuilt one
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 3)
        await settle(pilot)
        assert not _f6(app).has_class("-disabled")
        await pilot.press(*school.codes["000005"], "enter")
        await scans_done(pilot, 4)
        await settle(pilot)
        assert _f6(app).has_class("-disabled")


async def test_f6_dimmed_says_what_it_is_for_instead_of_nothing(school):
    """Issue 14, item 8: F6 shown dimmed did nothing and said nothing when pressed."""
    from kiosk.textual_compat import notices

    app = make_app(start="hand-in")
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await settle(pilot)
        assert _f6(app).has_class("-disabled")
        await pilot.press("f6")
        await pilot.pause()
        assert "F6 is for a pupil with an agreed exception: scan their phone first." in notices(app)
        assert CustodyEvent.select().count() == 0


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
async def test_the_whole_exception_message_is_in_view(school, size):
    """Issue 14 item 6: the panel kept three blank rows for a slot number there is none of,
    and cut the message before "press F6 to hand it in anyway" (80x24 and 110x32)."""
    from tests.svg_text import cells, text_of

    _medical_exception(school)
    app = make_app(start="hand-in")
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        shown = " ".join(text_of(row).strip(" ┃").strip() for row in cells(app.export_screenshot()).values())
        assert "press F6 to hand it in anyway" in " ".join(shown.split())
        await pilot.press(*school.codes["000002"], "enter")  # a hand-in: the slot is back, big
        await scans_done(pilot, 2)
        await settle(pilot)
        assert app.screen.query_one("#outcome-slot-row").display


async def test_hand_in_anyway_keeps_the_class_count_honest(school):
    """A new-user walk: "hand in anyway" showed "Oak 2/2" after one of two expected (the
    screen added one handed in but none expected). The count comes from the domain."""
    _medical_exception(school)
    app = make_app(start="hand-in")
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        await until(pilot, lambda: "Oak 1/2" in text(app, "#progress"), 10, "Oak 1/2")
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 2)
        await pilot.press("f6")
        await scans_done(pilot, 3)
        await until(pilot, lambda: "Oak 2/3" in text(app, "#progress"), 10, "Oak 2/3 (Ava handed in anyway)")
