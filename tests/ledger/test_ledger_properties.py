"""Any sequence of ledger operations leaves current state equal to a replay of the events."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import KioskError
from models.school.people import contacts_of
from models.store.tables import CustodyEvent, DeviceState, Tray
from tests.school import NOW, build

ADNOS = ["000001", "000002", "000003", "000004", "000005"]
ACTORS = ["office", "oak", "beech_teacher", "deputy", "head", "admin"]
DECISIONS = sorted(custody.DECISIONS)
DELETING = sorted(custody.DELETING)

op = st.one_of(
    st.tuples(st.just("hand_in"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(st.just("release"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(st.just("confiscate"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(st.just("to_contact"), st.sampled_from(ADNOS), st.sampled_from(ACTORS), st.booleans()),
    st.tuples(st.just("search"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(st.just("move"), st.sampled_from(ADNOS), st.integers(1, 4)),
    st.tuples(st.just("undo"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(st.just("police"), st.sampled_from(ADNOS), st.just("head")),
    # issue 15: a phone held for the DSL, the DSL's decision, searches that delete
    st.tuples(st.just("confiscate_nudes"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
    st.tuples(
        st.just("decide"), st.sampled_from(ADNOS), st.sampled_from(["head", "deputy"]), st.sampled_from(DECISIONS)
    ),
    st.tuples(st.just("search_delete"), st.sampled_from(ADNOS), st.just("deputy"), st.sampled_from(DELETING)),
    st.tuples(st.just("police_return"), st.sampled_from(ADNOS), st.sampled_from(ACTORS)),
)


def apply(school, step, at):
    kind, adno, who = step[0], step[1], step[2]
    actor = getattr(school, who) if isinstance(who, str) else school.office
    code = school.codes[adno]
    dev = resolve(code).device
    if kind == "hand_in":
        custody.hand_in(code, actor, now=at)
    elif kind == "release":
        custody.release(code, actor, now=at)
    elif kind == "confiscate":
        custody.confiscate(dev.id, actor, category="behaviour", reason="breach", policy="MST 6", now=at)
    elif kind == "to_contact":
        contacts = contacts_of(dev.pupil_id)
        cid = contacts[0].id if contacts else None
        custody.release_to_contact(dev.id, actor, contact_id=cid, id_seen=step[3], now=at)
    elif kind == "search":
        custody.record_search(
            dev.id,
            actor,
            consent_by="pupil",
            witness="Someone Else",
            item_sought="messages",
            location="the office",
            grounds="Reported image",
            outcome="nothing_found",
            now=at,
        )
    elif kind == "move":
        tray = Tray.get(Tray.name == "C")
        custody.move(dev.id, school.office, tray_id=tray.id, slot_no=step[2], now=at)
    elif kind == "undo":
        last = CustodyEvent.select().where(CustodyEvent.device == dev.id).order_by(CustodyEvent.id.desc()).first()
        if last is not None:
            target = last.reverses_id if last.kind == "reversal" else last.id
            custody.reverse(target, actor, reason="test undo", now=at)
    elif kind == "police":
        custody.hand_to_police(dev.id, actor, officer="PC 1", force_reference="REF", now=at)
    elif kind == "confiscate_nudes":
        custody.confiscate(dev.id, actor, category=custody.NUDE_IMAGES, reason="image", policy="OS 11.1", now=at)
    elif kind == "decide":
        custody.record_dsl_decision(dev.id, actor, decision=step[3], note="decided", now=at)
    elif kind == "search_delete":
        custody.record_search(
            dev.id,
            actor,
            consent_by="pupil",
            witness="Someone Else",
            item_sought="an image",
            location="the office",
            grounds="Reported image",
            found_what="an image",
            outcome=step[3],
            now=at,
        )
    elif kind == "police_return":
        custody.return_from_police(dev.id, actor, officer="PC 2", reference="REF", now=at)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(op, max_size=25))
def test_state_always_equals_replay(sqlite_db_once, steps):
    school = sqlite_db_once
    at = NOW
    for step in steps:
        at += dt.timedelta(seconds=30)
        try:
            apply(school, step, at)
        except KioskError:
            pass  # a refusal must leave nothing behind; checked below
        assert custody.verify_states() == []
    for s in DeviceState.select():  # a phone held for the DSL is confiscated, and nothing deleted on it
        assert not s.dsl_hold or s.state in (custody.CONFISCATED, custody.POLICE)  # kept for a return
    for e in CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED):
        events = list(CustodyEvent.select().where(CustodyEvent.device == e.device_id).order_by(CustodyEvent.id))
        before = custody.replay([x for x in events if x.id < e.id]).custody
        assert not (before.hold and e.outcome == "content_deleted")
    slots = [(s.tray_id, s.slot_no) for s in DeviceState.select() if s.slot_no is not None]
    assert len(slots) == len(set(slots))
    for s in DeviceState.select():
        assert (s.slot_no is None) == (s.state in ("out", "police"))
    assert audit.verify().ok
    assert CustodyEvent.select().count() == len({e.audit_seq for e in CustodyEvent.select()})


@pytest.fixture(scope="module")
def sqlite_db_once(tmp_path_factory):
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    open_database(str(tmp_path_factory.mktemp("prop") / "k.sqlite3"))
    yield build(slots_oak=3, shared_slots=4)
    close_db()
