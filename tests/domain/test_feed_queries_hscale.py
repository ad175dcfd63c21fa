"""The scale benchmark (issue 16) found the DSL's feed asking the database for each
custody event's tray, one query per event (240 for a 12-week term at a 400-pupil school),
and for each search whether the parents were told. The feed's queries do not grow with the
events in it."""

from __future__ import annotations

import datetime as dt

import peewee

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from tests.school import NOW, build


def _queries(fn) -> int:
    count = 0
    original = peewee.Database.execute_sql

    def counted(self, *args, **kwargs):
        nonlocal count
        count += 1
        return original(self, *args, **kwargs)

    peewee.Database.execute_sql = counted
    try:
        fn()
    finally:
        peewee.Database.execute_sql = original
    return count


def test_the_feed_asks_the_same_queries_for_two_confiscations_or_six(database):
    s = build()
    admissions = sorted(s.codes)  # five pupils
    day = NOW.date()
    counts = []
    for n, adm in enumerate(admissions):
        custody.hand_in(s.codes[adm], s.office, now=NOW + dt.timedelta(minutes=n))
        dev = resolve(s.codes[adm]).device.id
        custody.confiscate(
            dev,
            s.deputy,
            category="behaviour",
            reason="Filming",
            policy="MST 6",
            now=NOW + dt.timedelta(hours=1, minutes=n),
        )
        custody.record_search(
            dev,
            s.deputy,
            consent_by="pupil",
            witness="Mr A Khan",
            item_sought="messages",
            location="the office",
            grounds="Reported filming",
            outcome="nothing_found",
            now=NOW + dt.timedelta(hours=2, minutes=n),
        )
        if n + 1 in (2, 5):
            entries = concerns.safeguarding_feed(day, day, actor=s.head)
            assert sum(e.kind == "confiscation" for e in entries) == n + 1
            counts.append(_queries(lambda: concerns.safeguarding_feed(day, day, actor=s.head)))
    assert counts[0] == counts[1]
