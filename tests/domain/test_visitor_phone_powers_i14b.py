"""A new user's walk (issue 14): a visitor's phone, held in a shared slot, could be
confiscated and searched as if it were a pupil's. The school's search and confiscation
powers (mobile-technology policy section 6; DfE "Searching, screening and confiscation")
are over pupils' property: a visitor is asked to put the phone away or to leave, and a
concern is raised about the visitor. The ledger refuses, and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.errors import RuleViolation
from models.store.tables import CustodyEvent
from models.visitors import visits as visitors
from tests.conftest import NOW
from tests.domain.test_visitors import (  # noqa: F401 - fixtures
    school,
    settings,
    sign_in,
)


@pytest.fixture
def held_visitor_phone(school, settings):
    r = sign_in(settings, phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW + dt.timedelta(minutes=2))
    return r.visit.device_id


def _events(device_id: int) -> list[str]:
    return [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id)]


def test_a_visitors_phone_cannot_be_confiscated(school, held_visitor_phone):
    before = _events(held_visitor_phone)
    with pytest.raises(RuleViolation, match="visitor's phone"):
        custody.confiscate(
            held_visitor_phone,
            school.deputy,
            category="behaviour",
            reason="Filming",
            policy="Visitors",
            now=NOW + dt.timedelta(minutes=5),
        )
    assert _events(held_visitor_phone) == before


def test_a_visitors_phone_cannot_be_searched(school, held_visitor_phone):
    before = _events(held_visitor_phone)
    with pytest.raises(RuleViolation, match="visitor's phone"):
        custody.record_search(
            held_visitor_phone,
            school.deputy,
            consent_by="pupil",
            witness="Mr Someone Else",
            item_sought="messages",
            location="the office",
            grounds="Filming pupils",
            outcome=next(iter(custody.SEARCH_OUTCOMES)),
            now=NOW + dt.timedelta(minutes=5),
        )
    assert _events(held_visitor_phone) == before
