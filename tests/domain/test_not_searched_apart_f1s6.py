"""A "not searched (consent refused)" record is a ``searched`` event in the ledger but not a
search (f1s6, finding 4): the DSL's feed and unseen counts show it apart, as "not searched:
consent refused", and never count it with the searches. (The governors' report: in
tests/domain/test_governors_report_i15f.py, against figures computed from the ledger.)"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import safeguarding as safeguarding_actions
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.staff import auth
from tests.school import NOW, build

TODAY = NOW.date()
H = dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dslonly", "Mr D Safe", [auth.DSL], "614739", now=NOW)
    return s


def _refused_and_searched(school) -> tuple[int, int]:
    refused_dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    refused = custody.record_search(
        refused_dev, school.deputy, consent_by="refused_pupil", witness="Head", item_sought="messages",
        location="the office", grounds="Reported photos", outcome="not_searched",
        follow_up="Parents asked to collect it", now=NOW + H,
    )  # fmt: skip
    dev = resolve(school.codes["000002"]).device.id
    custody.hand_in(school.codes["000002"], school.office, now=NOW)
    searched = custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Head", item_sought="messages", location="the office",
        grounds="Reported photos", outcome="nothing_found", now=NOW + 2 * H,
    )  # fmt: skip
    return refused.id, searched.id


def test_the_feed_shows_a_refused_consent_apart_from_the_searches(school):
    refused, searched = _refused_and_searched(school)
    feed = {e.event_id: e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.dsl)}
    assert (feed[refused].kind, feed[refused].kind_text) == ("not_searched", "not searched: consent refused")
    assert feed[searched].kind == "search"
    only_searches = concerns.safeguarding_feed(TODAY, TODAY, kind="search", actor=school.dsl)
    assert [e.event_id for e in only_searches] == [searched]
    refusals = concerns.safeguarding_feed(TODAY, TODAY, kind="not_searched", actor=school.dsl)
    assert [e.event_id for e in refusals] == [refused]


def test_the_dsls_unseen_counts_keep_it_apart(school):
    refused, searched = _refused_and_searched(school)
    assert concerns.unseen_events_count(school.dsl) == 1  # the search only
    assert concerns.unseen_not_searched_count(school.dsl) == 1
    lines = safeguarding_actions.home_lines(SignedIn.of(school.dsl))
    assert "Confiscations, searches and police hand-overs not yet seen: 1 (press S)." in lines
    assert "Not searched (consent refused), not yet seen: 1 (press S)." in lines
    concerns.mark_event_seen(refused, school.dsl, now=NOW + 3 * H)
    assert concerns.unseen_not_searched_count(school.dsl) == 0
    assert concerns.unseen_events_count(school.dsl) == 1
    feed = safeguarding_actions.load_feed(SignedIn.of(school.dsl), TODAY, TODAY, None, None)
    assert (feed.unseen_events, feed.unseen_not_searched) == (1, 0)
