"""Snapshot tests of the exceptions, safeguarding (DSL) and compliance screens.

Fixed terminal size, a frozen clock and fixed data. Update after a deliberate change
with ``pytest tests/snapshots/test_snapshots_safeguarding.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, settle
from tests.school import NOW

SIZE = (110, 32)
TODAY = NOW.date()


@pytest.fixture
def sg_school(sqlite_db):
    """Phones registered a month ago; three weeks of hand-ins; exceptions and concerns."""
    from models.custody import ledger as custody
    from models.custody.devices import resolve
    from models.policy import agreed as ex
    from models.safeguarding import concerns
    from models.school.people import contacts_of
    from models.store.tables import Pupil
    from tests.school import build

    s = build(now=NOW - dt.timedelta(days=30))
    days = [d for d in (TODAY - dt.timedelta(days=n) for n in range(21, 0, -1)) if d.weekday() < 5]
    for i, day in enumerate(days):
        at = dt.datetime.combine(day, dt.time(8, 30))
        for adno in ["000001", "000002", "000003", "000004", "000005"][: 5 - i % 3]:
            custody.hand_in(s.codes[adno], s.office, now=at)
            custody.release(s.codes[adno], s.office, now=at + dt.timedelta(hours=7))
    for adno in ("000001", "000004"):
        custody.hand_in(s.codes[adno], s.office, now=NOW - dt.timedelta(minutes=25))
    dan = resolve(s.codes["000004"]).device
    custody.confiscate(
        dan.id,
        s.deputy,
        category="behaviour",
        reason="Filming at break",
        policy="Mobile technology policy 6",
        now=NOW - dt.timedelta(minutes=10),
    )
    ava = Pupil.get(Pupil.admission_no == "000001")
    ben = Pupil.get(Pupil.admission_no == "000002")
    exc = ex.record(
        s.head,
        subject_kind="pupil",
        kind="medical_monitoring",
        medical_category="monitoring_device",
        allowed="Read the glucose monitor app",
        where="Medical room and playground",
        conditions=["Phone on silent", "Kept in the bag in lessons"],
        sanction="Exception withdrawn",
        agreed_with_contact_id=contacts_of(ben.id)[0].id,
        agreed_on=TODAY - dt.timedelta(days=20),
        starts_on=TODAY - dt.timedelta(days=20),
        review_on=TODAY + dt.timedelta(days=5),
        ends_on=TODAY + dt.timedelta(days=60),
        pupil_id=ben.id,
        now=NOW - dt.timedelta(days=20),
    )
    ex.mark_signed_copy(exc.id, s.office, now=NOW - dt.timedelta(days=19))
    ex.record(
        s.head,
        subject_kind="visitor",
        kind="emergency_use",
        allowed="Take calls from the care home",
        where="Reception only",
        visitor_name="Grace Hopper",
        organisation="Navy",
        agreed_on=TODAY,
        starts_on=TODAY,
        review_on=TODAY + dt.timedelta(days=30),
        ends_on=TODAY + dt.timedelta(days=90),
        now=NOW,
    )
    young = ex.record(
        s.head,
        subject_kind="pupil",
        kind="young_carer",
        allowed="Answer calls from mum",
        where="Office",
        sanction="Withdrawn",
        agreed_with="Carol Jones",
        agreed_on=TODAY,
        starts_on=TODAY,
        review_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=10),
        pupil_id=ava.id,
        now=NOW,
    )
    ex.revoke(young.id, s.head, reason="Arrangement ended", now=NOW)
    concerns.raise_concern(
        s.oak,
        about_kind="pupil",
        pupil_id=ava.id,
        what="Seen texting during assembly",
        now=NOW - dt.timedelta(minutes=5),
    )
    c = concerns.raise_concern(
        s.office,
        about_kind="visitor",
        name="Sam Visitor",
        category="visitor_device",
        what="Photographed pupils at the gate",
        now=NOW - dt.timedelta(days=2),
    )
    concerns.follow_up(
        c.id,
        s.head,
        note="Visitor banned; police told",
        close=True,
        outcome="Reported to the police",
        now=NOW - dt.timedelta(days=1),
    )
    return s


def open_screen(username, pin, target, *keys):
    async def run_before(pilot):
        import importlib

        await pilot.press(*username, "enter", *pin, "enter")
        await settle(pilot)
        module, cls = target.split(":")
        pilot.app.push_screen(getattr(importlib.import_module(module), cls)(pilot.app.signed_in))
        await settle(pilot)
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await drawn(pilot)

    return run_before


EXC = "kiosk.screens.exceptions:ExceptionsScreen"
SG = "kiosk.screens.safeguarding:SafeguardingScreen"
COMP = "kiosk.screens.compliance:ComplianceScreen"


def test_exceptions_head(snap_compare, sg_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], EXC))


def test_exceptions_office_read_only_but_paperwork(snap_compare, sg_school):
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=open_screen("office", DEMO_PINS["office"], EXC, "down", "s")
    )


def test_exception_form(snap_compare, sg_school):
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], EXC, "n", "down", "enter")
    )


def test_safeguarding_feed(snap_compare, sg_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], SG))


def test_safeguarding_concern_history(snap_compare, sg_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], SG, "enter"))


def test_safeguarding_follow_up_dialog(snap_compare, sg_school):
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], SG, "f", "O", "k")
    )


def test_raise_concern_dialog(snap_compare, sg_school):
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], SG, "n", "down", "enter")
    )


def test_compliance(snap_compare, sg_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_screen("office", DEMO_PINS["office"], COMP))


def test_exception_review_dialog(snap_compare, sg_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_screen("head", DEMO_PINS["head"], EXC, "v"))
