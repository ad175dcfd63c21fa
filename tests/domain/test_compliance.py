"""The compliance report against a whole autumn term of seeded history.

The history is made with the real custody operations (one transaction per day, so it
is quick), and the generator keeps its own record of who handed in on which day; the
report's figures are checked against that record, not against other report code.
"""

import datetime as dt
import json
import random
from dataclasses import dataclass

import pytest

from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, local_to_utc
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import ValidationError
from models.policy import agreed
from models.reports import compliance
from models.school.people import contacts_of
from models.store.tables import Pupil
from tests.school import NOW, build

TERM_START = dt.date(2026, 9, 3)  # 2 September is an INSET day: no scanning
HALF_TERM = (dt.date(2026, 10, 26), dt.date(2026, 10, 30))
TODAY = dt.date(2026, 11, 12)
CLASS_OF = {"000001": "Oak", "000002": "Oak", "000003": "Oak", "000004": "Beech", "000005": "Beech"}
EXC_FROM, EXC_TO = dt.date(2026, 10, 5), dt.date(2026, 10, 23)  # Ava's medical exception
UNDONE_DAY = dt.date(2026, 9, 15)  # Ben's hand-in that day was undone


def at(day, hh, mm):
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


@dataclass
class Term:
    school: object
    school_days: list  # the days with scanning, oldest first
    handed: dict  # day -> set of admission numbers handed in (and not undone)
    exception_id: int
    kept: dict = None  # day -> admission numbers whose phone the school held as the day began


def counted(term, day):
    """Handed in that day, or held from before the day began (kept overnight: counts as handed in)."""
    return term.handed.get(day, set()) | (term.kept or {}).get(day, set())


@pytest.fixture
def term(database):
    school = build(now=dt.datetime(2026, 9, 1, 7, 0))
    rng = random.Random(20260903)
    with write_tx():
        exc = agreed.record(
            school.head,
            subject_kind="pupil",
            pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
            kind="medical_monitoring",
            medical_category="emergency_alert",
            allowed="Phone for alerts",
            where="With her teacher",
            sanction="Handed in for the day",
            agreed_with="Priya Patel",
            agreed_on=dt.date(2026, 10, 1),
            starts_on=EXC_FROM,
            review_on=EXC_FROM,
            ends_on=EXC_TO,
            now=at(dt.date(2026, 10, 1), 9, 0),
        )
        agreed.mark_signed_copy(exc.id, school.office, now=at(dt.date(2026, 10, 2), 9, 0))
    days, handed = [], {}
    day = TERM_START
    while day <= TODAY:
        if day.weekday() < 5 and not HALF_TERM[0] <= day <= HALF_TERM[1]:
            days.append(day)
            handed[day] = set()
            with write_tx():
                for n, (adno, code) in enumerate(sorted(school.codes.items())):
                    if adno == "000001" and EXC_FROM <= day <= EXC_TO:
                        continue  # keeps her phone under the exception
                    if day == TODAY and adno == "000003":
                        continue  # her phone is still in the tray from yesterday
                    if rng.random() < 0.12 and day < TODAY - dt.timedelta(days=1):
                        continue  # did not hand it in (everyone did yesterday and today)
                    if day == TODAY and n >= 3:
                        continue  # the morning is under way: Beech not scanned yet
                    out = custody.hand_in(code, school.office, now=at(day, 8, 20 + n))
                    handed[day].add(adno)
                    if day == UNDONE_DAY and adno == "000002":
                        custody.reverse(out.event_id, school.office, reason="scanned by mistake", now=at(day, 8, 30))
                        handed[day].discard(adno)
                if day < TODAY:
                    for adno, code in sorted(school.codes.items()):
                        if day == TODAY - dt.timedelta(days=1) and adno == "000003":
                            continue  # not collected
                        if custody.state_of(resolve(code).device.id).state == custody.IN_TRAY:
                            custody.release(code, school.office, now=at(day, 15, 15))
        day += dt.timedelta(days=1)
    # a confiscation yesterday, still held for a parent
    dan = resolve(school.codes["000004"]).device.id
    custody.confiscate(
        dan,
        school.head,
        category="behaviour",
        reason="Used in class",
        policy="MTP 6",
        now=at(TODAY - dt.timedelta(days=1), 15, 30),
    )
    assert contacts_of(Pupil.get(Pupil.admission_no == "000004").id)
    # Held as today began: Cara's phone (not collected yesterday) and Dan's (confiscated yesterday).
    return Term(school, days, handed, exc.id, {TODAY: {"000003", "000004"}})


def truth(term, day):
    """Per class: (handed_in, expected, exceptions) from the generator's own record."""
    out = {"Oak": [0, 0, 0], "Beech": [0, 0, 0]}
    for adno, cls in CLASS_OF.items():
        if adno == "000001" and EXC_FROM <= day <= EXC_TO:
            out[cls][2] += 1
            continue
        out[cls][1] += 1
        out[cls][0] += adno in counted(term, day)
    return {cls: tuple(v) for cls, v in out.items()}


def test_whole_term_figures_per_class_per_day(term):
    report = compliance.compliance(TERM_START - dt.timedelta(days=2), TODAY, now=NOW)
    assert report.school_days == term.school_days
    assert dt.date(2026, 9, 2) not in report.school_days  # INSET: no scanning, weekday
    assert not any(HALF_TERM[0] <= d <= HALF_TERM[1] for d in report.school_days)
    assert len(report.class_days) == 2 * len(term.school_days)
    for row in report.class_days:
        assert (row.handed_in, row.expected, row.exceptions) == truth(term, row.date)[row.class_name], row
        assert row.rate == (round(100 * row.handed_in / row.expected, 1) if row.expected else None)
    # spot checks that the record itself is what the story says
    assert truth(term, dt.date(2026, 10, 14))["Oak"][2] == 1
    assert truth(term, EXC_TO + dt.timedelta(days=3))["Oak"][2] == 0
    assert "000002" not in term.handed[UNDONE_DAY]
    totals = report.totals
    assert totals.handed_in == sum(len(counted(term, d)) for d in term.school_days)
    assert totals.school_days == len(term.school_days)


def test_default_range_is_the_last_30_school_days_and_today(term):
    report = compliance.compliance(now=NOW)
    last30 = term.school_days[-30:]
    assert [r.date for r in report.last_30] == last30
    assert report.school_days == last30 and report.from_day == last30[0]
    for r in report.last_30:
        t = truth(term, r.date)
        assert (r.handed_in, r.expected, r.exceptions) == tuple(sum(v[i] for v in t.values()) for i in range(3))
    today = {r.class_name: r for r in report.today}
    # Beech not scanned yet: only Dan's phone, confiscated yesterday and still held, counts.
    assert (today["Beech"].handed_in, today["Beech"].expected) == (1, 2)
    assert today["Oak"].handed_in == len(term.handed[TODAY]) + 1  # and Cara's, kept overnight
    lines = compliance.chart(report.last_30, width=20)
    assert len(lines) == 30 and lines[-1].startswith("2026-11-12 Thu")
    assert any("+1 exc." in line for line in lines) == any(r.exceptions for r in report.last_30)


def test_a_short_range_still_charts_the_last_30_school_days(term):
    report = compliance.compliance(dt.date(2026, 11, 9), dt.date(2026, 11, 11), now=NOW)
    assert report.school_days == [dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)]
    assert len(report.last_30) == 30 and report.last_30[-1].date == dt.date(2026, 11, 11)


def test_phones_not_collected_and_visitors_left_out(term):
    report = compliance.compliance(now=NOW)
    held = {(r.pupil, r.state_text) for r in report.not_collected}
    assert term.handed[TODAY] == {"000001", "000002"}
    assert held == {
        ("Cara Smith", "in the tray"),
        ("Dan Brown", "confiscated"),
        ("Ava Patel", "in the tray"),
        ("Ben Jones", "in the tray"),
    }
    assert report.visitors_not_signed_out == 0 and report.visitors_not_signed_out_rows == []
    assert any("Visitors not signed out" in n for n in report.notes)
    data = json.loads(json.dumps(report.as_dict()))
    assert data["last_30_school_days"][-1]["date"] == "2026-11-12"


def test_a_revoked_exception_counts_only_before_its_revocation(term):
    agreed.revoke(term.exception_id, term.school.head, reason="no longer needed", now=at(dt.date(2026, 10, 12), 7, 0))
    report = compliance.compliance(dt.date(2026, 10, 5), dt.date(2026, 10, 16), now=NOW)
    by_day = {(r.date, r.class_name): r for r in report.class_days}
    assert by_day[(dt.date(2026, 10, 9), "Oak")].exceptions == 1
    assert by_day[(dt.date(2026, 10, 12), "Oak")].exceptions == 0
    assert by_day[(dt.date(2026, 10, 12), "Oak")].expected == 3


def test_counting_only_the_classes_with_a_pupil_left_out_changes_no_figure(term, monkeypatch):
    """On a day with few pupils left out (an exception, a phone registered later) only
    their classes are counted from the bitmaps; with the shortcut off, every class is."""
    shortcut = compliance.compliance(TERM_START, TODAY, now=NOW).as_dict()
    assert any(r["exceptions"] for r in shortcut["class_days"])  # the shortcut had work to do
    monkeypatch.setattr(compliance, "_FEW_LEFT_OUT", -1)
    assert compliance.compliance(TERM_START, TODAY, now=NOW).as_dict() == shortcut


def test_bad_ranges_are_refused(term):
    with pytest.raises(ValidationError, match="start date is after"):
        compliance.compliance(TODAY, TODAY - dt.timedelta(days=1), now=NOW)
    with pytest.raises(ValidationError, match="at most"):
        compliance.compliance(dt.date(2024, 1, 1), TODAY, now=NOW)


def test_visitors_not_signed_out_by_the_end_of_their_day(database):
    from models.config import Settings
    from models.policy.rules import load_rules
    from models.visitors import visits as visitors

    school = build(now=NOW - dt.timedelta(days=10))
    settings, rules = Settings(printer={"url": "dummy://c", "paper_mm": 80, "profile": "default"}), load_rules()

    def come(name, day, hh, out=None):
        r = visitors.sign_in(
            settings=settings,
            rules=rules,
            rules_accepted=True,
            name=name,
            organisation="Acme",
            visitor_type="parent_carer",
            purpose="Meeting",
            visiting="Office",
            phone="car_or_off",
            now=at(day, hh, 0),
        )
        if out is not None:
            # the office signs them out at the time they left (a later day asks for it)
            visitors.sign_out(visit_id=r.visit.id, actor=school.office, left_at=at(*out), now=at(*out))
        return r

    mon, tue, wed = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)
    come("On Time", mon, 9, out=(mon, 15, 0))
    come("Next Morning", mon, 9, out=(tue, 8, 0))
    come("Never Out", tue, 10)
    come("Just Before Midnight", wed, 13, out=(wed, 23, 59))
    come("Here Now", TODAY, 8)  # today is not over: not yet late
    come("Before The Range", dt.date(2026, 11, 6), 9)

    report = compliance.compliance(mon, TODAY, now=NOW)
    assert report.visitors_not_signed_out == 2
    late = [r.to_dict() for r in report.visitors_not_signed_out_rows]
    assert [(r["date"], r["name"], r["signed_in"], r["signed_out"]) for r in late] == [
        ("2026-11-09", "Next Morning", "09:00", "2026-11-10 08:00"),
        ("2026-11-10", "Never Out", "10:00", ""),
    ]
    tomorrow = compliance.compliance(mon, TODAY, now=NOW + dt.timedelta(days=1))
    assert tomorrow.visitors_not_signed_out == 3
    assert json.loads(json.dumps(tomorrow.as_dict()))["visitors_not_signed_out_rows"][-1]["name"] == "Here Now"


def test_the_roster_is_read_again_when_phones_or_classes_change(database):
    """The phones and classes are remembered between reports only while they are unchanged."""
    from models.custody.devices import register_pupil_device
    from models.school.people import import_roster
    from models.school.roster import RosterResult
    from tests.school import _row

    build(now=NOW - dt.timedelta(days=1))

    def expected():
        rows = compliance.compliance(TODAY, TODAY, now=NOW).today
        return {r.class_name: r.expected for r in rows}

    assert expected() == {"Oak": 3, "Beech": 2}
    assert expected() == {"Oak": 3, "Beech": 2}  # the remembered roster
    import_roster(
        RosterResult(
            rows=[_row(4, "000003", "Cara", "Smith", 5, "Beech"), _row(7, "000006", "Finn", "Gray", 5, "Beech")],
            errors=[],
            warnings=[],
            source_format="test",
        ),
        now=NOW - dt.timedelta(hours=1),
    )
    assert expected() == {"Oak": 2, "Beech": 3}  # Cara moved; Finn has no phone yet
    register_pupil_device("000006", actor="test", now=NOW - dt.timedelta(minutes=30))
    assert expected() == {"Oak": 2, "Beech": 4}


def _query_count(fn) -> int:
    import peewee

    count = 0
    original = peewee.Database.execute_sql

    def counted_sql(self, *args, **kwargs):
        nonlocal count
        count += 1
        return original(self, *args, **kwargs)

    peewee.Database.execute_sql = counted_sql
    try:
        fn()
    finally:
        peewee.Database.execute_sql = original
    return count


@pytest.mark.parametrize(
    "span",
    [(None, None), (TERM_START - dt.timedelta(days=2), TODAY), (EXC_FROM, EXC_TO), (TODAY, TODAY), (UNDONE_DAY, None)],
)
def test_the_summary_is_the_report_s_own_totals(term, span):
    """The trust-wide report reads each school's :func:`compliance.summary`: the report's
    totals, breaches, phones not collected and late visitors, counted without its rows."""
    first, last = span
    for now in (NOW, at(TODAY, 18, 0)):
        report = compliance.compliance(first, last, now=now)
        s = compliance.summary(first, last, now=now)
        totals = report.totals
        assert (s.from_day, s.to_day) == (report.from_day, report.to_day)
        assert (s.school_days, s.handed_in, s.expected) == (totals.school_days, totals.handed_in, totals.expected)
        assert s.breaches == report.breaches.total
        assert s.not_collected == len(report.not_collected)
        assert s.visitors_not_signed_out == report.visitors_not_signed_out
        assert s == compliance.summary(first, last, now=now, cache=False)
    assert s.handed_in  # the history has hand-ins
    # and phones still held now; a range wholly in the past counts those held at the end of
    # its days (every phone went home each day from 5 to 23 October)
    assert s.not_collected if last is None or last == TODAY else s.not_collected == 0
    if last is not None and first is not None and first <= dt.date(2026, 11, 11) <= last:
        assert s.breaches  # the confiscation the day before TODAY


def test_the_summary_reads_no_more_for_a_longer_range(term):
    """Its queries do not grow with the days (a regression guard, counted, not timed)."""
    compliance.compliance(TERM_START, TODAY, now=NOW)  # the cache filled, as a school's own screens keep it
    short = _query_count(lambda: compliance.summary(TODAY - dt.timedelta(days=7), TODAY, now=NOW))
    long = _query_count(lambda: compliance.summary(TERM_START, TODAY, now=NOW))
    assert long == short


@pytest.mark.parametrize("span", [(TERM_START - dt.timedelta(days=2), TODAY), (EXC_FROM, EXC_TO), (TODAY, TODAY)])
def test_class_days_alone_are_the_report_s_rows(term, span):
    """The governors' weeks read :func:`compliance.class_days`: the report's own rows."""
    first, last = span
    for now in (NOW, at(TODAY, 18, 0)):
        rows = compliance.compliance(first, last, now=now).class_days
        assert rows and compliance.class_days(first, last, now=now) == rows
        assert compliance.class_days(first, last, now=now, cache=False) == rows
