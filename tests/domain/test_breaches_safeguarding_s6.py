"""A confiscation for child protection or suspected nude images is a safeguarding step, not
a breach of the phone policy (issue 15 walk, session 6): the walk's likely victim, whose
phone was taken for suspected nude images, showed to the governors as a repeat breacher.

Both the compliance report's breaches and the governors' report leave them out of the
breaches and repeats; the governors' confiscations by reason still count every one.
"""

import datetime as dt

from models.clock import SCHOOL_TZ, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import compliance, governors
from models.safeguarding import concerns
from tests.school import build

MON = dt.date(2026, 11, 9)
NOW = dt.datetime(2026, 11, 20, 16, 0)


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


def _confiscate(school, adno, category, when):
    device = resolve(school.codes[adno]).device.id
    return custody.confiscate(
        device, school.head, category=category, reason="Seen on the phone in the hall", policy="MST 6", now=when
    )


def test_safeguarding_confiscations_are_not_breaches(database):
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    for adno in ("000001", "000002", "000003"):
        custody.hand_in(school.codes[adno], school.office, now=at(MON, 8, 35))
    _confiscate(school, "000001", "child_protection", at(MON, 10, 0))
    _confiscate(school, "000002", custody.NUDE_IMAGES, at(MON, 10, 5))
    _confiscate(school, "000003", "behaviour", at(MON, 10, 10))
    ava = resolve(school.codes["000001"]).device.pupil_id
    # Ava's one breach of the term: a concern that she broke the phone policy. Her phone taken for
    # child protection is not a second, so she is no repeat.
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=ava, category="phone_breach", what="Phone out at lunch in the hall",
        now=at(MON, 12, 0),
    )  # fmt: skip

    found = compliance.breaches(MON, MON)
    assert found.total == 1
    assert compliance.breach_count(MON, MON) == 1
    assert found.repeat == ()

    span = governors.resolve_term(None, MON, MON)
    report = governors.governors_report(span, now=at(NOW.date(), 16))
    assert report.breaches["confiscations"] == 1  # Cara's, for behaviour
    assert report.breaches["breach_concerns"] == 1
    assert report.breaches["pupils"] == 2  # Cara and Ava (the concern)
    assert report.breaches["repeat_pupils"] == 0
    assert sum(report.confiscations_by_reason.values()) == 3  # every confiscation, by its reason


def test_the_rule_is_one_rule():
    assert compliance.is_breach(custody.CONFISCATED_EV, "behaviour")
    assert compliance.is_breach(custody.CONFISCATED_EV, None)  # one recorded before categories
    assert not compliance.is_breach(custody.CONFISCATED_EV, "child_protection")
    assert not compliance.is_breach(custody.CONFISCATED_EV, custody.NUDE_IMAGES)
    assert not compliance.is_breach(custody.HANDED_IN, "behaviour")
