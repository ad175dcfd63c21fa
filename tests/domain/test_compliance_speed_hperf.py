"""What made the compliance report fast again changes none of its figures.

- Custody events are indexed by (kind, at): on a new database from the model, on an older
  one by its migration (SQLite and PostgreSQL).
- ``_scan`` reads the phones held as its last run of days began from the rows it has read
  already when no event is dated after the run (today, most often): the same phones as
  ``held_at`` reading them itself.
- The rows of the report are made without the frozen dataclass's ``__init__``: the same rows.
"""

import datetime as dt

import pytest

from models.clock import SCHOOL_TZ, day_bounds, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import compliance
from models.reports.phones import first_kinds, held_at
from models.store.db import db
from models.store.tables import CustodyEvent
from models.upkeep import migrations
from tests.school import build

MON = dt.date(2026, 11, 2)
DAYS = [MON + dt.timedelta(days=n) for n in (0, 1, 2, 3, 4, 7)]  # Monday to Friday, and the next Monday


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


def _indexes() -> set[str]:
    return {ix.name for ix in db.get_indexes("custody_event")}


def test_custody_events_are_indexed_by_kind_and_time_new_or_upgraded(database):
    assert "custody_event_kind_at" in _indexes()  # a new database, from CustodyEvent.Meta
    step = next(m for m in migrations.MIGRATIONS if m.apply is migrations._custody_kind_at_index_hperf)
    db.execute_sql('DROP INDEX "custody_event_kind_at"')
    assert "custody_event_kind_at" not in _indexes()
    with db.atomic():
        step.apply(None)  # type: ignore[arg-type]  # an older database: its migration makes it
    assert "custody_event_kind_at" in _indexes()
    columns = next(ix.columns for ix in db.get_indexes("custody_event") if ix.name == "custody_event_kind_at")
    assert columns == ["kind", "at"]
    with db.atomic():
        step.apply(None)  # type: ignore[arg-type]  # run again (a retried upgrade): no error
    assert step.version > 16


@pytest.fixture
def week(database):
    """A week with a phone kept two nights, one confiscated and collected two days later,
    a search, and a hand-in undone at once."""
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    codes = school.codes
    ava, ben, cara = (resolve(codes[a]).device.id for a in ("000001", "000002", "000003"))
    for n, day in enumerate(DAYS):
        for adno in ("000001", "000002", "000003", "000004", "000005"):
            if custody.state_of(resolve(codes[adno]).device.id).state == custody.OUT:
                custody.hand_in(codes[adno], school.office, now=at(day, 8, 30))
        if n == 4:  # Dan's hand-in undone at once (scanned by mistake), the next Monday's not
            dan = custody.latest_event(resolve(codes["000004"]).device.id)
            custody.reverse(dan.id, school.office, reason="scanned by mistake", now=at(day, 8, 45))
        if n == 1:
            custody.confiscate(
                ben, school.head, category="behaviour", reason="Phone out in class", policy="MST 3", now=at(day, 11)
            )
        if n == 2:
            custody.record_search(
                cara,
                school.deputy,
                consent_by="pupil",
                witness="Head",
                item_sought="messages",
                location="the office",
                grounds="Reported image",
                outcome="nothing_found",
                now=at(day, 11),
            )
        keep = {"000001"} if n in (0, 1) else set()  # Ava's phone kept two nights
        for adno in ("000001", "000002", "000003", "000004", "000005"):
            device = resolve(codes[adno]).device.id
            if adno not in keep and custody.state_of(device).state == custody.IN_TRAY:
                custody.release(codes[adno], school.office, now=at(day, 15, 30))
        if n == 3:  # Ben's phone collected by his mother after two nights
            from models.school.people import contacts_of

            mum = contacts_of(resolve(codes["000002"]).device.pupil_id)[0]
            custody.release_to_contact(ben, school.office, contact_id=mum.id, id_seen=True, now=at(day, 16))
    return school


def test_held_as_a_day_began_is_the_same_read_from_the_rows_or_by_itself(week):
    for day in DAYS:
        start, _ = day_bounds(day, SCHOOL_TZ)
        since = [
            (e.device_id, e.kind)
            for e in CustodyEvent.select()
            .where((CustodyEvent.at >= start) & (CustodyEvent.kind != custody.REVERSAL))
            .order_by(CustodyEvent.at, CustodyEvent.id)
            if not CustodyEvent.select().where(CustodyEvent.reverses == e.id).exists()
        ]
        assert held_at(start, first_kinds(since)) == held_at(start), day


def test_a_run_of_days_a_day_alone_and_the_last_day_give_the_same_figures(week):
    together = compliance._scan(DAYS, SCHOOL_TZ)  # one run: the last day's held phones from its rows
    alone = {d: compliance._scan([d], SCHOOL_TZ)[d] for d in DAYS}  # each read by held_at itself, but the last
    assert together == alone
    assert any(mask for _, mask in together.values())
    cached = compliance.compliance(DAYS[0], DAYS[-1], now=at(DAYS[-1], 17)).as_dict()
    fresh = compliance.compliance(DAYS[0], DAYS[-1], now=at(DAYS[-1], 17), cache=False).as_dict()
    assert cached == fresh


def test_a_row_made_fast_is_the_row_the_dataclass_makes():
    args = (MON, "Oak", 3, 4, 1, 75.0, 2, 1)
    fast, usual = compliance._class_day(*args), compliance.ClassDay(*args)
    assert fast == usual and hash(fast) == hash(usual) and repr(fast) == repr(usual)
    assert fast.to_dict() == usual.to_dict()
    with pytest.raises(AttributeError):  # still frozen
        fast.handed_in = 5  # type: ignore[misc]


def test_a_phone_back_from_the_police_is_held_the_next_morning_in_a_run_of_days_too(database):
    """A phone confiscated, handed to the police and returned by them the same day is held
    again (confiscated): the next morning it counts as held, whether the days are read in one
    run (_scan steps through the events) or one by one (held_at reads the phone's state)."""
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    ben = resolve(school.codes["000002"]).device.id
    custody.hand_in(school.codes["000002"], school.office, now=at(MON, 8, 30))
    custody.confiscate(
        ben, school.head, category="behaviour", reason="Phone out in class", policy="MST 3", now=at(MON, 10)
    )
    custody.hand_to_police(ben, school.head, officer="PC 1", force_reference="R/1", now=at(MON, 11))
    custody.return_from_police(ben, school.head, officer="PC 1", reference="R/1", now=at(MON, 14))
    days = [MON, MON + dt.timedelta(days=1)]
    together = compliance._scan(days, SCHOOL_TZ)
    alone = {d: compliance._scan([d], SCHOOL_TZ)[d] for d in days}
    assert together == alone
    pupil = resolve(school.codes["000002"]).device.pupil_id
    assert together[days[1]][1] & (1 << pupil)  # held as Tuesday began
