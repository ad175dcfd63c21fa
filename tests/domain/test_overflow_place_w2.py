"""Walk fix (w2): a phone in the overflow place is where it was put at hand-in, whatever
place is configured now; and the overflow place is never called a "slot"."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody import trays
from models.staff.auth import DETAIL_ROLES
from models.visitors import visits as visitors
from tests.conftest import NOW
from tests.domain.test_visitors import school, settings, sign_in  # noqa: F401 - fixtures

LATER = NOW + dt.timedelta(hours=2)


@pytest.fixture
def first_place():
    before = trays.overflow_place()
    trays.set_overflow_place("Office overflow box")
    yield "Office overflow box"
    trays.set_overflow_place(before)


def visitor_in_overflow(school, settings):
    for n in range(60):  # more visitors than the test school has shared slots
        r = sign_in(settings, name=f"Visitor {n}", phone="tray", now=NOW + dt.timedelta(minutes=n))
        done = visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW + dt.timedelta(minutes=n))
        if done.slot == trays.overflow_place():
            return r, f"Visitor {n}"
    raise AssertionError("the shared slots never filled")


def test_the_overflow_place_is_the_one_recorded_at_hand_in(school, settings, first_place):
    r, name = visitor_in_overflow(school, settings)
    trays.set_overflow_place("Office cupboard, box O")  # configured differently since
    assert custody.overflow_place_of(r.visit.device_id) == first_place
    [row] = [x for x in visitors.on_site(settings, LATER) if x.name == name]
    assert row.phone_words == first_place  # the place, not "slot Office overflow box"
    returned = visitors.phone_action(code=r.phone_label, actor=school.office, now=LATER)
    assert returned.slot == first_place
    assert f"from {first_place}:" in returned.line()
    assert custody.verify_states() == []


def test_the_uncollected_list_names_the_recorded_overflow_place(school, settings, first_place):
    from models.reports import phones as reports

    r, name = visitor_in_overflow(school, settings)
    trays.set_overflow_place("Office cupboard, box O")
    rows = reports.uncollected(LATER)
    over = [x for x in rows if x.overflow]
    assert len(over) == 1, rows
    row = over[0]
    assert row.slot == first_place


def test_a_confiscation_in_the_overflow_place_carries_the_recorded_place(database, first_place):
    """A pupil's phone put in the overflow place at hand-in, confiscated later: the
    confiscation keeps the place recorded then. (A visitor's phone cannot be confiscated.)"""
    from models.store.tables import CustodyEvent
    from tests.school import build

    small = build(slots_oak=1, shared_slots=1)
    over = None
    for n, code in enumerate(small.codes.values()):
        custody.hand_in(code, small.office, now=NOW + dt.timedelta(minutes=n))
        e = CustodyEvent.select().order_by(CustodyEvent.id.desc()).get()
        if e.slot_no is None:
            over = e.device_id
            break
    assert over is not None, "the slots never filled"
    trays.set_overflow_place("Office cupboard, box O")
    event = custody.confiscate(
        over, small.deputy, category="behaviour", reason="Filming pupils", policy="Mobile technology 6", now=LATER
    )
    assert event.note == f"overflow: {first_place}"
    assert custody.describe_event(event, reader=DETAIL_ROLES).endswith(f"held in {first_place}  (by Deputy)")
    assert custody.overflow_place_of(over) == first_place
    assert custody.verify_states() == []
