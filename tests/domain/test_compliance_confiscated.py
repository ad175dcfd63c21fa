"""Issue 11, item 12: a phone handed in that day counts as handed in, whatever happened after.

Mia Parker's phone was handed in at 08:35 and confiscated later the same day: her class
must not show her as "not handed in", today or on any later day (when the figures come
from the compliance cache), whether the phone was then searched, collected by a parent
or handed to the police.
"""

import datetime as dt

import pytest

from models.clock import SCHOOL_TZ, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import compliance
from models.school.people import contacts_of
from tests.school import build

MON, TUE = dt.date(2026, 11, 9), dt.date(2026, 11, 10)


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


@pytest.fixture
def school(database):
    return build(now=at(MON - dt.timedelta(days=7), 7))


def oak(report, day):
    return next(r for r in report.class_days if r.date == day and r.class_name == "Oak")


def today_oak(report):
    return next(r for r in report.today if r.class_name == "Oak")


@pytest.mark.parametrize("after", ["confiscated", "searched", "collected", "police", "confiscation undone"])
def test_handed_in_then_confiscated_still_counts_as_handed_in(school, after):
    codes = school.codes
    for adno in ("000001", "000002", "000003"):  # all of Oak hands in
        custody.hand_in(codes[adno], school.office, now=at(MON, 8, 35))
    ava = resolve(codes["000001"]).device.id
    conf = custody.confiscate(
        ava, school.head, category="behaviour", reason="Used in class", policy="MST 3", now=at(MON, 10, 35)
    )
    if after == "confiscation undone":
        custody.reverse(conf.id, school.head, reason="wrong pupil", now=at(MON, 10, 40))
    if after in ("searched", "collected", "police"):
        custody.record_search(
            ava,
            school.deputy,
            consent_by="pupil",
            witness="Head",
            item_sought="messages",
            location="the office",
            grounds="Reported image",
            found_what="an image of another pupil" if after == "police" else None,
            outcome="passed_to_police" if after == "police" else "nothing_found",
            now=at(MON, 11, 0),
        )
    if after == "collected":
        mum = contacts_of(resolve(codes["000001"]).device.pupil_id)[0]
        custody.release_to_contact(ava, school.office, contact_id=mum.id, id_seen=True, now=at(MON, 15, 30))
    if after == "police":
        custody.hand_to_police(ava, school.head, officer="PC Ng, 4521", force_reference="K/1", now=at(MON, 14, 0))

    during = compliance.compliance(MON, MON, now=at(MON, 16))
    assert (today_oak(during).handed_in, today_oak(during).expected) == (3, 3)
    # The next day the Monday figures come from the cache, and from the ledger alone: both say 3/3.
    for cache in (True, False):
        later = compliance.compliance(MON, TUE, now=at(TUE, 9), cache=cache)
        assert (oak(later, MON).handed_in, oak(later, MON).expected) == (3, 3)
        assert later.totals.handed_in >= 3


def test_confiscated_without_being_handed_in_is_not_counted(school):
    """The other side of the rule: a phone taken off a pupil in class was not handed in."""
    codes = school.codes
    for adno in ("000002", "000003"):
        custody.hand_in(codes[adno], school.office, now=at(MON, 8, 35))
    custody.confiscate(
        resolve(codes["000001"]).device.id,
        school.oak,
        category="behaviour",
        reason="Used in class",
        policy="MST 3",
        now=at(MON, 10, 35),
    )
    report = compliance.compliance(MON, MON, now=at(MON, 16))
    assert (today_oak(report).handed_in, today_oak(report).expected) == (2, 3)
