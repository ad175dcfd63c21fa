"""The compliance report's phones not collected, for a range wholly in the past: the phones
the school still held at the end of each of the range's school days, as the ledger has
them (events undone left out), not the phones held today."""

import datetime as dt

import pytest

from models.clock import SCHOOL_TZ, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.custody.ledger import PhoneState
from models.reports import compliance
from models.reports.phones import not_collected_on
from tests.school import build

MON, TUE, WED, THU, FRI = (dt.date(2026, 11, 9) + dt.timedelta(days=i) for i in range(5))


def at(day, hh, mm=0):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


NOW = at(FRI, 16)


@pytest.fixture
def school(database):
    """Every day everyone hands in. Not collected: Cara's phone on Monday (collected on
    Tuesday); Ava's on Wednesday and Thursday (still held); Ben's on Wednesday too, his release that day
    undone (collected on Thursday). Friday: Ella's is handed in and not collected yet."""
    school = build(now=at(MON - dt.timedelta(days=7), 7))
    for day in (MON, TUE, WED, THU):
        for n, code in enumerate(school.codes.values()):
            custody.hand_in(code, school.office, now=at(day, 8, 20 + n))
        for adno, code in school.codes.items():
            if (day, adno) in ((MON, "000003"), (WED, "000001"), (THU, "000001")):
                continue
            if custody.state_of(resolve(code).device.id).state == custody.IN_TRAY:
                out = custody.release(code, school.office, now=at(day, 15, 15))
                if (day, adno) == (WED, "000002"):
                    custody.reverse(out.event_id, school.office, reason="wrong phone", now=at(day, 15, 20))
    custody.hand_in(school.codes["000005"], school.office, now=at(FRI, 8, 20))
    return school


def _rows(phones):
    return [(p.day, p.pupil) for p in phones]


def test_a_past_range_lists_the_phones_not_collected_on_its_days(school):
    report = compliance.compliance(MON, WED, now=NOW)
    assert not report.ends_today
    assert _rows(report.not_collected) == [(MON, "Cara Smith"), (WED, "Ava Patel"), (WED, "Ben Jones")]
    cara = report.not_collected[0]
    assert cara.held_as == PhoneState.IN_TRAY and cara.slot.startswith("B-")
    assert cara.since.date() == MON and not cara.overnight
    data = report.as_dict()
    assert data["not_collected_when"] == "end_of_each_school_day"
    assert [r["date"] for r in data["not_collected"]] == ["2026-11-09", "2026-11-11", "2026-11-11"]
    assert compliance.summary(MON, WED, now=NOW).not_collected == 3


def test_a_phone_kept_over_several_days_is_listed_for_each(school):
    """Ava's phone, not collected on Wednesday, was still held at the end of Thursday."""
    rows = _rows(not_collected_on([WED, THU], SCHOOL_TZ))
    assert rows == [(WED, "Ava Patel"), (WED, "Ben Jones"), (THU, "Ava Patel")]
    thu = [p for p in not_collected_on([WED, THU], SCHOOL_TZ) if p.day == THU][0]
    assert thu.overnight and thu.since.date() == WED  # held since Wednesday's hand-in


def test_a_range_that_ends_today_lists_the_phones_held_now(school):
    report = compliance.compliance(MON, FRI, now=NOW)
    assert report.ends_today and report.as_dict()["not_collected_when"] == "now"
    assert sorted(p.pupil for p in report.not_collected) == ["Ava Patel", "Ella Green"]
    assert all(p.day is None for p in report.not_collected)
