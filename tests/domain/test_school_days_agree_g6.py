"""The school's own compliance report, the trust's compliance and the governors' figures
count the same school days: the weekdays on which a phone was handed in. The range's
last day is no exception: a day with no hand-in (today before the first scan, or a past
day whose scanning never happened) is not a school day, so it cannot pull the rate down,
even when a phone kept from the day before counts as handed in on it.
"""

import datetime as dt

import pytest

from models.clock import SCHOOL_TZ, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import compliance
from models.reports import governors as gov
from models.trust import reports as trust_reports
from tests.school import build

MON, TUE, WED, THU, FRI = (dt.date(2026, 11, 9) + dt.timedelta(days=i) for i in range(5))


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


@pytest.fixture
def school(database):
    """Mon, Tue and Thu: everyone hands in (Wed: a closure day, nothing scanned). Cara's
    phone is not collected on Tue (held as Wed and Thu begin), nor on Thu (held as Fri begins)."""
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    for day in (MON, TUE, THU):
        for n, code in enumerate(school.codes.values()):
            custody.hand_in(code, school.office, now=at(day, 8, 20 + n))
        for adno, code in school.codes.items():
            if day in (TUE, THU) and adno == "000003":
                continue  # not collected
            if custody.state_of(resolve(code).device.id).state == custody.IN_TRAY:
                custody.release(code, school.office, now=at(day, 15, 15))
    return school


def _three(first, last, now):
    """(school days, handed in, expected) by the school's report, the trust's and the governors'."""
    report = compliance.compliance(first, last, now=now)
    t = report.totals
    own = (report.school_days, t.handed_in, t.expected)
    (site, _total) = trust_reports.compliance_across(None, first, last, now=now)
    trust = (site.school_days, site.handed_in, site.expected)
    g = gov.governors_report(gov.resolve_term(None, first, last), names=False, reader=None, now=now)
    term = {r.measure: r.value for r in g.rows() if r.section == "hand_in_term" and r.group == gov.ALL_CLASSES}
    governors = (g.school_days, term.get("handed_in", 0), term.get("expected", 0))
    return own, trust, governors


def test_a_past_range_ending_on_a_day_with_no_hand_in_leaves_that_day_out(school):
    """Mon..Wed seen on Friday: Wednesday had no hand-in (Cara's phone, kept from Tuesday,
    counts as handed in on it, but no one scanned). The report counted it as a school day
    of 1 in 5, dropping the rate; the trust's and governors' figures counted it too."""
    own, trust, governors = _three(MON, WED, at(FRI, 16))
    assert own[0] == [MON, TUE]
    assert own == ([MON, TUE], 10, 10)
    assert trust == (2, 10, 10)
    assert governors == ([MON, TUE], 10, 10)


def test_the_last_day_is_counted_as_any_other_day(school):
    """Wednesday in the middle of a range is left out; at its end it is left out too."""
    middle = compliance.compliance(MON, THU, now=at(FRI, 16))
    end = compliance.compliance(MON, WED, now=at(FRI, 16))
    assert WED not in middle.school_days and WED not in end.school_days
    assert compliance.summary(MON, WED, now=at(FRI, 16)).school_days == 2


def test_today_before_the_first_scan_is_not_a_school_day_yet(school):
    """Friday 07:30, nothing scanned: the figures are Mon, Tue and Thu's (15 of 15); today's
    per-class table still shows (Cara's phone held, 1 of 3 in Oak), apart from the figures."""
    now = at(FRI, 7, 30)
    own, trust, governors = _three(MON, FRI, now)
    assert own == ([MON, TUE, THU], 15, 15)
    assert trust == (3, 15, 15)
    assert governors == ([MON, TUE, THU], 15, 15)
    report = compliance.compliance(MON, FRI, now=now)
    oak = next(r for r in report.today if r.class_name == "Oak")
    assert (oak.date, oak.handed_in, oak.expected) == (FRI, 1, 3)
    assert [d.date for d in report.last_30] == [MON, TUE, THU]
    # Once the first phone is in, today is a school day, in all three.
    custody.hand_in(school.codes["000001"], school.office, now=at(FRI, 8, 20))
    own, trust, governors = _three(MON, FRI, at(FRI, 8, 30))
    assert own[0] == governors[0] == [MON, TUE, THU, FRI] and trust[0] == 4
    assert own[1:] == trust[1:] == governors[1:]
