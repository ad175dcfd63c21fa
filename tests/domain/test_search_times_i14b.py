"""Walk finding (issue 14): a search recorded that the parents were told on a day before
the phone was confiscated. Parents may be phoned from the classroom shortly before the
phone reaches the office, so the same day is accepted; an earlier day is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import ValidationError
from models.store.tables import CustodyEvent
from tests.school import NOW, build


def _search(s, dev, informed):
    return custody.record_search(
        dev,
        s.deputy,
        consent_by="pupil",
        witness="Mrs Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        outcome="nothing_found",
        parents_informed_at=informed,
        parents_informed_how="phone",
        now=NOW + dt.timedelta(hours=2),
    )


def test_parents_told_before_the_day_of_the_confiscation_is_refused(database):
    s = build()
    dev = resolve(s.codes["000001"]).device.id
    custody.confiscate(
        dev, s.deputy, category="behaviour", reason="Used in class", policy="MST 6", now=NOW + dt.timedelta(hours=1)
    )
    searches = CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED)
    with pytest.raises(ValidationError, match="before the day the phone was confiscated"):
        _search(s, dev, NOW - dt.timedelta(days=3))
    assert searches.count() == 0
    _search(s, dev, NOW + dt.timedelta(minutes=30))  # the same morning, before it reached the office
    assert searches.count() == 1
