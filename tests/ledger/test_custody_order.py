"""Issue 11: per phone, events are in time order; undo respects seniority.

Domain tests only (no UI): the history screen's tests press the real keys.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied, RuleViolation
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import AuditEntry, CustodyEvent, Pupil
from tests.school import NOW, build

T = NOW  # Thursday 12 November 2026, 08:30 (GMT: local time is UTC)


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 12, hh, mm, ss)


@pytest.fixture
def school(database):
    return build()


def device_of(school, adno):
    return resolve(school.codes[adno]).device.id


def events_of(device_id):
    return list(CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id))


def searched_at(school, when: dt.datetime) -> int:
    """Ava's phone handed in, confiscated and searched (the search at ``when``)."""
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=at(11, 5))
    custody.record_search(
        dev,
        school.deputy,
        consent_by="pupil",
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="Reported image",
        found_what="an image of another pupil",
        outcome="passed_to_police",
        now=when,
    )
    return dev


# ---------------------------------------------------------------- item 1: time order


def test_police_hand_over_dated_before_the_search_is_refused_and_names_its_time(school):
    dev = searched_at(school, at(14, 55))
    events, entries = CustodyEvent.select().count(), AuditEntry.select().count()
    with pytest.raises(RuleViolation) as err:
        custody.hand_to_police(
            dev, school.head, officer="PC Ng, number 4521", force_reference="K/1", handed_at=at(14, 50), now=at(15, 0)
        )
    assert str(err.value) == "That time is before the search at 14:55; enter 14:55 or later."
    assert (CustodyEvent.select().count(), AuditEntry.select().count()) == (events, entries)
    assert custody.state_of(dev).state == custody.CONFISCATED


def test_same_minute_is_allowed_and_keeps_ledger_order(school):
    dev = searched_at(school, at(14, 55, 40))
    ev = custody.hand_to_police(
        dev, school.head, officer="PC Ng, number 4521", force_reference="K/1", handed_at=at(14, 55), now=at(15, 0)
    )
    search = events_of(dev)[-2]
    # Shown as 14:55 like the form said, and never sorted before the search it follows.
    assert ev.at >= search.at and ev.at.strftime("%H:%M") == "14:55"
    ordered = sorted(events_of(dev), key=lambda e: (e.at, e.id))
    assert [e.id for e in ordered] == [e.id for e in events_of(dev)]
    assert custody.state_of(dev).since >= search.at
    assert custody.verify_states() == []


def test_an_action_timed_before_the_latest_event_is_refused_whatever_the_form(school):
    """The clock moved back (or a time was typed): every kind of event is held to the order."""
    dev = device_of(school, "000001")
    out = custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    with pytest.raises(RuleViolation, match="before this phone's hand-in at 08:35"):
        custody.confiscate(
            dev, school.deputy, category="behaviour", reason="Phone out in class", policy="p", now=at(8, 20)
        )
    with pytest.raises(RuleViolation, match="before this phone's hand-in at 08:35"):
        custody.release(school.codes["000001"], school.office, now=at(8, 0))
    with pytest.raises(RuleViolation, match="before this phone's hand-in at 08:35"):
        custody.reverse(out.event_id, school.office, reason="wrong phone", now=at(8, 34))
    conf = custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Phone out in class", policy="p", now=at(11, 5)
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    with pytest.raises(RuleViolation, match="before this phone's confiscation at 11:05"):
        custody.release_to_contact(dev, school.office, contact_id=mum.id, id_seen=True, now=at(10, 0))
    with pytest.raises(RuleViolation, match="before this phone's confiscation at 11:05"):
        custody.record_search(
            dev,
            school.deputy,
            consent_by="pupil",
            witness="Head",
            item_sought="messages",
            location="the office",
            grounds="Reported image",
            outcome="nothing_found",
            now=at(9, 0),
        )
    rev = custody.reverse(conf.id, school.deputy, reason="wrong pupil", now=at(11, 30))
    with pytest.raises(RuleViolation, match="before this phone's undo at 11:30"):
        custody.release(school.codes["000001"], school.office, now=at(11, 29))
    assert events_of(dev)[-1].id == rev.id
    assert custody.verify_states() == []


def test_a_latest_event_on_another_day_is_named_with_its_date(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35) + dt.timedelta(days=1))
    with pytest.raises(RuleViolation, match=r"hand-in at 08:35 on Fri 13 Nov"):
        custody.confiscate(
            dev, school.deputy, category="behaviour", reason="Phone out in class", policy="p", now=at(9, 0)
        )


def test_time_order_problem_is_the_same_message_for_the_form(school):
    """The police dialog checks the typed time with the domain's own words."""
    assert custody.time_order_problem(at(14, 50), at(14, 55), custody.SEARCHED) == (
        "That time is before the search at 14:55; enter 14:55 or later."
    )
    assert custody.time_order_problem(at(14, 55), at(14, 55, 59), custody.SEARCHED) is None
    assert custody.time_order_problem(at(14, 56), None, None) is None


# ---------------------------------------------------------------- item 6: undo and seniority

# The school's order, written out here rather than read from the code under test.
RANK = {
    "admin": 0,
    "chair": 0,
    "trust_lead": 0,
    "trust_dsl": 0,
    "nightly": 0,
    "office": 1,
    "teacher": 1,
    "leadership": 2,
    "dsl": 2,
    "headteacher": 3,
}
# Actions that can be undone, with who may do them (models.staff.auth.PERMISSIONS, written out).
MAY = {
    "hand_in": {"office", "teacher", "leadership", "headteacher"},
    "release": {"office", "teacher", "leadership", "headteacher"},
    "release_to_contact": {"office", "teacher", "leadership", "headteacher"},
    "confiscate": {"office", "teacher", "leadership", "headteacher", "dsl"},
    "search": {"leadership", "headteacher"},
    "move": {"office", "leadership", "headteacher"},
}


def test_seniority_table_is_explicit():
    assert custody.SENIORITY == RANK
    assert set(custody.SENIORITY) == set(auth.ROLES)


def one_role_staff(role: str, n: int):
    classes = ["Oak"] if role == "teacher" else []
    return auth.create_staff(f"{role}{n}", f"{role.title()} {n}", [role], "503827", classes=classes, now=T)


def do_action(action: str, school, recorder, dev: int, code: str, clock) -> int:
    """Bring Ava's phone (out of school) to where ``action`` can be taken, take it as ``recorder``."""
    head = school.head
    if action == "hand_in":
        return custody.hand_in(code, recorder, now=next(clock)).event_id
    custody.hand_in(code, school.office, now=next(clock))
    if action == "release":
        return custody.release(code, recorder, now=next(clock)).event_id
    if action == "move":
        from models.store.tables import Tray

        tray = Tray.get(Tray.name == "B")
        return custody.move(dev, recorder, tray_id=tray.id, slot_no=5, now=next(clock)).id
    if action == "confiscate":
        return custody.confiscate(
            dev, recorder, category="behaviour", reason="Phone out in class", policy="p", now=next(clock)
        ).id
    custody.confiscate(dev, head, category="behaviour", reason="Phone out in class", policy="p", now=next(clock))
    if action == "search":
        return custody.record_search(
            dev,
            recorder,
            consent_by="pupil",
            witness="Someone Else",
            item_sought="messages",
            location="the office",
            grounds="Reported image",
            outcome="nothing_found",
            now=next(clock),
        ).id
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    assert action == "release_to_contact"
    return custody.release_to_contact(dev, recorder, contact_id=mum.id, id_seen=True, now=next(clock)).id


def back_out(school, dev: int, code: str, clock) -> None:
    """Return the phone to its owner (the headteacher may do both)."""
    state = custody.state_of(dev).state
    if state == custody.IN_TRAY:
        custody.release(code, school.head, now=next(clock))
    elif state == custody.CONFISCATED:
        mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
        custody.release_to_contact(dev, school.head, contact_id=mum.id, id_seen=True, now=next(clock))


@pytest.mark.parametrize("recorder_role,actor_role", list(itertools.product(RANK, RANK)))
def test_every_role_against_undoing_every_other_roles_action(school, recorder_role, actor_role):
    recorder, actor = one_role_staff(recorder_role, 1), one_role_staff(actor_role, 2)
    dev, code = device_of(school, "000001"), school.codes["000001"]
    clock = (T + dt.timedelta(minutes=m) for m in itertools.count())
    tried = 0
    for action, allowed_roles in MAY.items():
        if recorder_role not in allowed_roles:
            continue
        tried += 1
        event_id = do_action(action, school, recorder, dev, code, clock)
        expected = actor_role in allowed_roles and RANK[actor_role] >= RANK[recorder_role]
        if expected:
            rev = custody.reverse(event_id, actor, reason="mistake", now=next(clock))
            assert rev.reverses_id == event_id, action
        else:
            with pytest.raises(PermissionDenied) as err:
                custody.reverse(event_id, actor, reason="mistake", now=next(clock))
            assert "\n" not in str(err.value) and str(err.value).endswith("."), action
            # The person who recorded it may always undo it.
            custody.reverse(event_id, recorder, reason="my mistake", now=next(clock))
        back_out(school, dev, code, clock)
    assert tried or recorder_role in (
        "admin",
        "dsl",
        "chair",
        "trust_lead",
        "trust_dsl",
        "nightly",
    )  # no custody action of their own
    assert custody.verify_states() == []


def test_teacher_cannot_undo_the_headteachers_confiscation_and_so_cannot_release_it(school):
    dev, code = device_of(school, "000001"), school.codes["000001"]
    custody.hand_in(code, school.office, now=at(8, 35))
    conf = custody.confiscate(
        dev, school.head, category="behaviour", reason="Phone used in class", policy="MST 3", now=at(10, 35)
    )
    with pytest.raises(PermissionDenied) as err:
        custody.reverse(conf.id, school.oak, reason="mistake", now=at(11, 0))
    assert str(err.value) == ("Only Head or someone at least as senior (headteacher) may undo this confiscation.")
    with pytest.raises(RuleViolation, match="Confiscated: parent/carer collection only"):
        custody.release(code, school.oak, now=at(11, 1))
    assert custody.state_of(dev).state == custody.CONFISCATED
    # The deputy is less senior than the headteacher too; the headteacher may.
    with pytest.raises(PermissionDenied):
        custody.reverse(conf.id, school.deputy, reason="mistake", now=at(11, 2))
    custody.reverse(conf.id, school.head, reason="wrong pupil", now=at(11, 3))


def test_the_recorder_may_undo_their_own_action(school):
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    conf = custody.confiscate(
        dev, school.oak, category="behaviour", reason="Phone out in class", policy="p", now=at(10, 0)
    )
    custody.reverse(conf.id, school.oak, reason="wrong pupil", now=at(10, 1))
    assert custody.state_of(dev).state == custody.IN_TRAY


def test_undo_refusal_is_offered_to_the_screen(school):
    """The check the history screen runs before offering F2 is the domain's own."""
    dev = device_of(school, "000001")
    custody.hand_in(school.codes["000001"], school.office, now=at(8, 35))
    conf = custody.confiscate(
        dev, school.head, category="behaviour", reason="Phone out in class", policy="p", now=at(10, 0)
    )
    with pytest.raises(PermissionDenied):
        custody.check_undo(school.oak, conf)
    custody.check_undo(school.head, conf)


def test_the_refusal_names_every_role_that_may_undo(school):
    dev = device_of(school, "000001")
    out = custody.hand_in(school.codes["000001"], school.deputy, now=at(8, 35))
    with pytest.raises(PermissionDenied) as err:
        custody.reverse(out.event_id, school.office, reason="wrong phone", now=at(8, 40))
    assert (
        str(err.value) == "Only Deputy or someone at least as senior (leadership or headteacher) may undo this hand-in."
    )
    assert custody.state_of(dev).state == custody.IN_TRAY


def test_verify_finds_events_out_of_time_order(school):
    """A ledger edited outside the kiosk (or written before the rule) is reported, not hidden."""
    dev = searched_at(school, at(14, 55))
    assert custody.verify_states() == []
    police = custody.hand_to_police(
        dev, school.head, officer="PC Ng, 4521", force_reference="K/1", handed_at=at(14, 56), now=at(15, 0)
    )
    CustodyEvent.update(at=at(14, 50)).where(CustodyEvent.id == police.id).execute()
    problems = custody.verify_states()
    assert problems == [
        f"device {dev}: event {police.id} (handed_to_police) is dated 2026-11-12 14:50, "
        f"before event {police.id - 1} (searched) at 2026-11-12 14:55"
    ]
