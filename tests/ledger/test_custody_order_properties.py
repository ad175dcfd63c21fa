"""Issue 11: per phone, events stay in time order whatever the clock does.

Random ledger operations as random staff, with the clock moving forwards and back and
police hand-overs and searches given typed times (a search written up after it happened,
issue 15: dated then, its audit entry dated when it was recorded): after every step each phone's events are in time
order in ledger order (``verify_states`` checks it), a refusal is one line and leaves
nothing behind, and only allowed undos happen.
"""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.audit import chain as audit
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import KioskError
from models.store.tables import AuditEntry, CustodyEvent
from tests.ledger.test_custody_order import MAY, RANK
from tests.ledger.test_ledger_properties import apply, op
from tests.school import NOW, build

police_typed = st.tuples(
    st.just("police_at"), st.sampled_from(["000001", "000002", "000003", "000004", "000005"]), st.integers(-30, 5)
)
search_typed = st.tuples(
    st.just("search_at"),
    st.sampled_from(["000001", "000002", "000003", "000004", "000005"]),
    st.integers(-180, 3),
)
# (operation, clock move in minutes): mostly the ordinary operations, now and then a typed
# police time or a search written up later.
step = st.tuples(st.one_of(*[op] * 8, police_typed, search_typed), st.sampled_from([1, 5, 0, 30, -1, 2, 10, -15, 60]))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=10, max_size=40))
def test_events_stay_in_time_order_whatever_the_clock_does(tmp_path_factory, steps):
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    open_database(str(tmp_path_factory.mktemp("order") / "k.sqlite3"))  # a fresh school for each example
    try:
        check_steps(build(slots_oak=3, shared_slots=4), steps)
    finally:
        close_db()


def check_steps(school, steps):
    clock = NOW
    for operation, minutes in steps:
        clock += dt.timedelta(minutes=minutes)
        events, entries = CustodyEvent.select().count(), AuditEntry.select().count()
        try:
            if operation[0] == "police_at":
                dev = resolve(school.codes[operation[1]]).device.id
                custody.hand_to_police(
                    dev,
                    school.head,
                    officer="PC 1",
                    force_reference="REF",
                    handed_at=clock + dt.timedelta(minutes=operation[2]),
                    now=clock,
                )
            elif operation[0] == "search_at":
                dev = resolve(school.codes[operation[1]]).device.id
                when = clock + dt.timedelta(minutes=operation[2])
                latest = custody.latest_event(dev)
                ev = custody.record_search(
                    dev,
                    school.deputy,
                    consent_by="pupil",
                    witness="Someone Else",
                    item_sought="messages",
                    location="the office",
                    grounds="Reported image",
                    outcome="nothing_found",
                    searched_at=when,
                    now=clock,
                )
                # accepted: not in the future, not before the phone's latest event (to the minute)
                assert custody._minute(when) <= custody._minute(clock)
                assert latest is None or custody._minute(when) >= custody._minute(latest.at)
                assert ev.at >= when and (latest is None or ev.at >= latest.at)
                entry = AuditEntry.get(AuditEntry.seq == ev.audit_seq)
                assert entry.at == clock.isoformat(timespec="microseconds")  # when it was recorded
            else:
                apply(school, operation, clock)
        except KioskError as exc:
            assert "\n" not in str(exc) and str(exc)
            assert (CustodyEvent.select().count(), AuditEntry.select().count()) == (events, entries)
        assert custody.verify_states() == []
    for e in CustodyEvent.select().where(CustodyEvent.kind == custody.REVERSAL):
        target = CustodyEvent.get_by_id(e.reverses_id)
        if e.actor_id == target.actor_id:
            continue  # the person who recorded it
        may = MAY[custody.EVENT_ACTION[target.kind]]

        def rank(staff, may=may):
            return max(RANK[r] for r in (staff.role_set & may or staff.role_set))

        assert e.actor.role_set & may and rank(e.actor) >= rank(target.actor), (target.kind, e.actor, target.actor)
    assert audit.verify().ok
