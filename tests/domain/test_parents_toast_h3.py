"""Issue 15 (h3): the line shown when parents are recorded as told names the kind of record
they were told of (a confiscation, a search or a concern), not "the confiscation or search"."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import parents as act
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build()


def signed_in(staff) -> SignedIn:
    return SignedIn(staff.id, staff.username, staff.display_name, staff.role_set)


def told(how="phone") -> act.ParentsTold:
    return act.ParentsTold(told_at=NOW + dt.timedelta(hours=1), how=how, parent_name="Mrs Patel")


def test_the_line_names_a_confiscation_a_search_and_a_concern(school):
    dev = resolve(school.codes["000001"]).device.id
    taken = custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW)
    searched = custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Mrs Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        now=NOW + dt.timedelta(minutes=10),
    )
    pupil_id = resolve(school.codes["000001"]).pupil.id
    concern = concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil_id, what="upset", now=NOW)
    later = NOW + dt.timedelta(hours=2)
    deputy, head = signed_in(school.deputy), signed_in(school.head)
    line = act.record_informed(deputy, told(), later, event_id=taken.id)
    assert line.startswith(f"Recorded: parents told of confiscation #{taken.id} by phone (entry ")
    line = act.record_informed(deputy, told("email"), later, event_id=searched.id)
    assert line.startswith(f"Recorded: parents told of search #{searched.id} by email (entry ")
    line = act.record_informed(head, told("in_person"), later, concern_id=concern.id)
    assert line.startswith(f"Recorded: parents told of concern #{concern.id} in person (entry ")
    assert "confiscation or search" not in line
