"""Seen is per reader: the DSL opening a concern or a confiscation leaves it NEW for the
headteacher until she opens it too. An upgraded database does not flood the feed: what was
there before the upgrade that brought seen marks counts as seen (by everyone)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import Concern, ConcernSeen, CustodySeen, Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    built = build()
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    return built


def pid(adno: str) -> int:
    return Pupil.get(Pupil.admission_no == adno).id


def raised(school, category: str = "radicalisation", adno: str = "000001") -> Concern:
    return concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pid(adno), what="Videos", category=category, now=NOW
    )


def confiscation(school, adno: str = "000001"):
    code = school.codes[adno]
    custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=30))
    return custody.confiscate(
        resolve(code).device.id, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW
    )


def feed_seen(reader, kind: str) -> list[bool | None]:
    return [e.seen for e in concerns.safeguarding_feed(TODAY, TODAY, kind=kind, actor=reader)]


def test_a_concern_opened_by_the_dsl_is_still_new_for_the_head(school):
    c = raised(school)
    concerns.mark_seen(c.id, school.dsl, now=LATER)
    assert concerns.unseen_count(school.dsl) == 0
    assert concerns.unseen_count(school.head) == 1
    assert concerns.urgent_unseen(school.dsl) == []
    assert concerns.urgent_unseen(school.head) == [(c.id, "a radicalisation (Prevent) concern")]
    assert feed_seen(school.dsl, "concern") == [True] and feed_seen(school.head, "concern") == [False]
    concerns.mark_seen(c.id, school.head, now=LATER)
    assert concerns.unseen_count(school.head) == 0
    concerns.mark_seen(c.id, school.head, now=LATER)  # again: nothing more
    assert [(m.seen_by_id, m.seen_at) for m in ConcernSeen.select().order_by(ConcernSeen.id)] == [
        (school.dsl.id, LATER),
        (school.head.id, LATER),
    ]
    history = concerns.concern_history(c.id, school.head)
    assert any("seen by Mr D Lead (DSL)" in line for line in history)  # who first saw it, as before
    assert audit.verify().ok


def test_a_follow_up_marks_it_seen_for_the_one_who_wrote_it_only(school):
    c = raised(school, "bullying")
    concerns.follow_up(c.id, school.dsl, note="Rang mum", now=LATER)
    assert concerns.unseen_count(school.dsl) == 0 and concerns.unseen_count(school.head) == 1


def test_a_confiscation_opened_by_the_dsl_is_still_new_for_the_head(school):
    event = confiscation(school)
    concerns.mark_event_seen(event.id, school.dsl, now=LATER)
    assert concerns.unseen_events_count(school.dsl) == 0
    assert concerns.unseen_events_count(school.head) == 1
    assert feed_seen(school.dsl, "confiscation") == [True] and feed_seen(school.head, "confiscation") == [False]


def test_an_upgraded_database_counts_what_came_before_seen_marks_as_seen(database):
    """Before schema 14 there were no seen marks on custody events: each past confiscation
    would be NEW for every reader, burying today's. Before per-reader marks (schema 16), a
    concern opened by one reader had been seen for all: it stays seen; one nobody had opened
    stays NEW for everyone."""
    from models.audit.tx import write_tx
    from models.store.db import close_db, db
    from models.store.tables import CONCERN_ACTION_MODELS, CONCERN_SEEN_MODELS, INFORMED_MODELS, SchemaVersion
    from models.upkeep import migrations
    from models.upkeep.opening import open_database
    from tests.oldschema import written_as

    with written_as(13):
        school = build()
        dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
        opened = raised(school)
        not_opened = raised(school, "bullying", "000002")
        with write_tx():  # as schema 15 marked a concern seen: on the concern, for everyone
            Concern.update(seen_at=NOW, seen_by=dsl).where(Concern.id == opened.id).execute()
            audit.append(dsl, "concern.seen", "concern", opened.id, {"concern_id": opened.id}, NOW)
        event = confiscation(school)
    db.drop_tables([*CONCERN_SEEN_MODELS, *INFORMED_MODELS, *CONCERN_ACTION_MODELS])
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=13, description="created", applied_at=NOW)
    close_db()
    open_database(database)
    assert migrations.current_version() == migrations.LATEST
    head = Staff.get(Staff.username == "head")
    assert concerns.unseen_events_count(head) == 0  # the past is not NEW
    assert concerns.unseen_count(head) == 1 and concerns.urgent_unseen(head) == []
    assert [
        e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, kind="concern", actor=head) if not e.seen
    ] == [not_opened.id]
    # after the upgrade, each reader's own
    later = confiscation(school, "000003")
    assert concerns.unseen_events_count(head) == 1
    concerns.mark_event_seen(later.id, dsl, now=LATER)
    assert concerns.unseen_events_count(head) == 1 and concerns.unseen_events_count(dsl) == 0
    assert CustodySeen.select().where(CustodySeen.event == event.id).count() == 1  # one mark: for everyone
    concerns.mark_event_seen(event.id, head, now=LATER)  # opening an old one still records who opened it
    assert audit.verify().ok
