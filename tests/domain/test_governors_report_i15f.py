"""The governors' termly report (issue 15) against a term of records made with the real
domain functions. The expected figures are computed here from the ledger's and the
tables' rows, not by calling the report's code; the report's JSON and CSV must agree."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter

import pytest

from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, day_bounds, local_to_utc, to_local
from models.config import VISITOR_TYPE_NAMES, Settings
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied, ValidationError
from models.governance import policies
from models.policy import agreed
from models.policy.rules import load_rules
from models.reports import governors, governors_files
from models.safeguarding import concerns, parents
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import (
    AgreedException,
    AuditEntry,
    Concern,
    CustodyEvent,
    Device,
    ParentsInformed,
    Pupil,
    Visit,
)
from models.upkeep.demo import DEMO_PINS
from models.visitors import visits
from tests.school import build

FIRST = dt.date(2026, 9, 7)  # the first day with hand-ins (the term is autumn 2026)
LAST = dt.date(2026, 10, 2)
NOW = local_to_utc(dt.datetime(2026, 10, 5, 17, 0), SCHOOL_TZ)  # Monday evening, nothing scanned that day
EXC_FROM, EXC_TO = dt.date(2026, 9, 14), dt.date(2026, 9, 25)  # Cara keeps her phone
SKIPS = {  # (day, admission number): did not hand the phone in
    (dt.date(2026, 9, 8), "000002"),
    (dt.date(2026, 9, 9), "000004"),
    (dt.date(2026, 9, 16), "000002"),
    (dt.date(2026, 9, 22), "000005"),
    (dt.date(2026, 9, 29), "000001"),
    (dt.date(2026, 9, 30), "000002"),
}
SCHOOL_NAMES = ("Ava", "Ben", "Cara", "Dan", "Ella", "Patel", "Jones", "Smith", "Brown", "Green")


def at(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm), SCHOOL_TZ)


def pupil(adno: str) -> Pupil:
    return Pupil.get(Pupil.admission_no == adno)


@pytest.fixture
def term(database):
    school = build(now=dt.datetime(2026, 9, 1, 7, 0))
    device = {adno: resolve(code).device.id for adno, code in school.codes.items()}
    # A confiscation before the term: not counted.
    custody.confiscate(
        device["000002"],
        school.head,
        category="behaviour",
        reason="Before term",
        policy="MTP 6",
        now=at(dt.date(2026, 8, 28), 12, 0),
    )
    custody.release_to_contact(
        device["000002"], school.head, contact_id=contacts_of(pupil("000002").id)[0].id, id_seen=True,
        now=at(dt.date(2026, 8, 28), 15, 0),
    )  # fmt: skip
    exc = agreed.record(
        school.head,
        subject_kind="pupil",
        pupil_id=pupil("000003").id,
        kind="young_carer",
        allowed="Phone for messages from home",
        where="With her teacher",
        sanction="Handed in for the day",
        agreed_with="Parent",
        agreed_on=dt.date(2026, 9, 10),
        starts_on=EXC_FROM,
        review_on=dt.date(2026, 9, 18),
        ends_on=EXC_TO,
        now=at(dt.date(2026, 9, 10), 9, 0),
    )
    agreed.mark_signed_copy(exc.id, school.office, now=at(dt.date(2026, 9, 11), 9, 0))

    def confiscate_and_return(adno: str, day: dt.date, *, search: str | None = None, informed: str = "") -> None:
        """``informed``: "old" (the search's own columns, as searches recorded it before the
        parents-told record), "search" (parents told of the search, twice: a call, then a
        letter), "confiscation" (told of the confiscation only: not a search's), or ""."""
        taken = custody.confiscate(
            device[adno], school.head, category="behaviour", reason="Used in class", policy="MTP 6", now=at(day, 15, 30)
        )
        searched = None
        if search == "not_searched":  # consent refused: a "searched" event that is not a search (f1s6)
            custody.record_search(
                device[adno], school.head, consent_by="refused_pupil", witness="Deputy", item_sought="a video",
                location="the office", grounds="Reported photos", outcome="not_searched",
                follow_up="Parents asked to collect the phone", now=at(day, 15, 50),
            )  # fmt: skip
        elif search:
            searched = custody.record_search(
                device[adno], school.head, consent_by="pupil", witness="Deputy", item_sought="a video", location="the office", grounds="Reported photos",
                outcome=search, found_what=None if search == "nothing_found" else "an image",
                parents_informed_at=at(day, 15, 45) if informed == "old" else None,
                parents_informed_how="phone call" if informed == "old" else None, now=at(day, 15, 50),
            )  # fmt: skip
        if informed == "search" and searched is not None:
            for how, minute in (("phone", 52), ("letter", 58)):
                parents.record_informed(
                    school.head, event_id=searched.id, parent_name="Mrs Parent", told_at=at(day, 15, minute), how=how,
                    now=at(day, 15, minute),
                )  # fmt: skip
        if informed == "confiscation":
            parents.record_informed(
                school.head, event_id=taken.id, parent_name="Mrs Parent", told_at=at(day, 15, 40), how="phone",
                now=at(day, 15, 41),
            )  # fmt: skip
        custody.release_to_contact(
            device[adno], school.head, contact_id=contacts_of(pupil(adno).id)[0].id, id_seen=True, now=at(day, 16, 0)
        )

    afternoons = {  # confiscations after the day's releases: (pupil, search outcome, parents told)
        dt.date(2026, 9, 8): ("000002", "nothing_found", "old"),
        dt.date(2026, 9, 21): ("000002", "not_searched", "confiscation"),  # consent refused (f1s6)
        dt.date(2026, 9, 22): ("000004", "content_deleted", "search"),
    }
    day = FIRST
    while day <= LAST:
        if day.weekday() < 5:
            with write_tx():
                for n, (adno, code) in enumerate(sorted(school.codes.items())):
                    if (day, adno) in SKIPS or (adno == "000003" and EXC_FROM <= day <= EXC_TO):
                        continue
                    out = custody.hand_in(code, school.office, now=at(day, 8, 20 + n))
                    if (day, adno) == (dt.date(2026, 9, 10), "000004"):
                        custody.reverse(out.event_id, school.office, reason="scanned by mistake", now=at(day, 8, 40))
                for adno, code in sorted(school.codes.items()):
                    if custody.state_of(device[adno]).state == custody.IN_TRAY:
                        custody.release(code, school.office, now=at(day, 15, 15))
            if day in afternoons:
                adno, search, informed = afternoons[day]
                confiscate_and_return(adno, day, search=search, informed=informed)
            if day == dt.date(2026, 9, 18):
                agreed.record_review(exc.id, school.head, next_review_on=dt.date(2026, 9, 24), now=at(day, 10, 0))
        day += dt.timedelta(days=1)

    undone = custody.confiscate(
        device["000001"], school.head, category="behaviour", reason="Wrong phone", policy="MTP 6", now=at(LAST, 15, 30)
    )
    custody.reverse(undone.id, school.head, reason="the wrong phone", now=at(LAST, 15, 35))
    # Ella's phone goes to the police after a search, on the last day.
    custody.confiscate(
        device["000005"], school.head, category="behaviour", reason="Threats", policy="MTP 9", now=at(LAST, 15, 40)
    )
    custody.record_search(
        device["000005"], school.head, consent_by="pupil", witness="Deputy", item_sought="a video", location="the office", grounds="Threats reported",
        outcome="passed_to_police", found_what="threatening messages", now=at(LAST, 15, 45),
    )  # fmt: skip
    custody.hand_to_police(
        device["000005"], school.head, officer="PC 123 Khan", force_reference="KT-1", now=at(LAST, 16, 30)
    )
    # Concerns of two categories (and a visitor concern); one closed with an outcome.
    c1 = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=pupil("000002").id,
        what="Phone out in class",
        now=at(dt.date(2026, 9, 15), 11, 0),
    )
    concerns.follow_up(
        c1.id,
        school.head,
        note="Spoke to Ben.",
        close=True,
        outcome=list(concerns.CLOSE_OUTCOMES)[1],  # the outcome's words, or its code where they are keyed
        now=at(dt.date(2026, 9, 16), 9, 0),
    )
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil("000004").id, category="bullying", what="Worried",
        now=at(dt.date(2026, 9, 24), 11, 0),
    )  # fmt: skip
    settings = Settings(
        school_name="Test Primary", printer={"url": "dummy://slips", "paper_mm": 80, "profile": "default"}
    )
    signed = []
    for i, (vtype, name) in enumerate(
        [("parent_carer", "Jo Bloggs"), ("contractor", "Sam Sparks"), ("parent_carer", "Al Ng")]
    ):
        day = dt.date(2026, 9, 9 + i)
        signed.append(
            visits.sign_in(
                settings=settings,
                rules=load_rules(),
                rules_accepted=True,
                name=name,
                organisation="",
                visitor_type=vtype,
                purpose="Meeting",
                visiting="Office",
                phone="car_or_off",
                now=at(day, 9, 0),
                **(
                    dict(actor=school.office, id_seen=True, dbs_assured=True, dbs_confirmed_by="Firm's letter")
                    if vtype == "contractor"
                    else {}
                ),
            )  # fmt: skip
        )
        if i != 1:  # the contractor never signs out
            visits.sign_out(slip_code=signed[-1].slip_code, now=at(day, 11, 0))
    concerns.raise_concern(
        school.office, about_kind="visitor", visit_id=signed[0].visit.id, name="Jo Bloggs", category="other",
        what="Filmed in the playground", now=at(dt.date(2026, 9, 9), 10, 0),
    )  # fmt: skip
    policies.add_policy(
        school.head, key="mobile-tech", name="Mobile technology policy", version="2026-07",
        approved_on=dt.date(2026, 7, 1), next_review_on=dt.date(2026, 11, 30), now=at(dt.date(2026, 9, 1), 9, 0),
    )  # fmt: skip
    return school


# ---------------------------------------------------------------- the truth, from the rows


def undone_ids() -> set[int]:
    return {e.reverses_id for e in CustodyEvent.select().where(CustodyEvent.kind == "reversal")}


def local_date(when: dt.datetime) -> dt.date:
    return to_local(when, SCHOOL_TZ).date()


def in_term(when: dt.datetime) -> bool:
    return dt.date(2026, 9, 1) <= local_date(when) <= dt.date(2026, 10, 5)


def expected_hand_in():
    """Per (Monday, class): [handed in, expected] from the custody events and the exception rows."""
    undone = undone_ids()
    owner = {d.id: d.pupil_id for d in Device.select()}
    klass = {p.id: p.school_class.name for p in Pupil.select()}
    handed: dict[dt.date, set[int]] = {}
    for e in CustodyEvent.select().where(CustodyEvent.kind == "handed_in"):
        if e.id not in undone and in_term(e.at):
            handed.setdefault(local_date(e.at), set()).add(owner[e.device_id])
    excepted: dict[dt.date, set[int]] = {}
    for x in AgreedException.select():
        d = x.starts_on
        while d <= x.ends_on:
            if x.signed_copy_at is not None and local_date(x.signed_copy_at) <= d:
                excepted.setdefault(d, set()).add(x.pupil_id)
            d += dt.timedelta(days=1)
    weeks: dict[tuple[dt.date, str], list[int]] = {}
    for day, who in handed.items():
        monday = day - dt.timedelta(days=day.weekday())
        for pid, cls in klass.items():
            kept = pid in excepted.get(day, set()) and pid not in who
            for group in (cls, "all classes"):
                acc = weeks.setdefault((monday, group), [0, 0])
                acc[0] += pid in who
                acc[1] += not kept
    return weeks, len(handed)


def outcome_words(c: Concern) -> str:
    """How a concern ended, from its row: its outcome column where there is one, else the
    words its follow-up note was closed with."""
    outcomes = concerns.CLOSE_OUTCOMES
    words = dict(outcomes) if isinstance(outcomes, dict) else {o: o for o in outcomes}
    if c.status == "open":
        return "open"
    if getattr(c, "outcome", None):
        return words[c.outcome]
    return next(w for w in words.values() if f"(closed: {w.lower()})" in c.follow_up_note.lower())


def expected_rest():
    undone = undone_ids()
    owner = {d.id: d.pupil_id for d in Device.select()}
    rows = [e for e in CustodyEvent.select() if e.id not in undone and in_term(e.at)]
    confiscated = [e for e in rows if e.kind == "confiscated"]
    # "not searched (consent refused)" is a searched event but not a search: counted apart (f1s6)
    searched = [e for e in rows if e.kind == "searched" and e.outcome != "not_searched"]
    not_searched = [e for e in rows if e.kind == "searched" and e.outcome == "not_searched"]
    raised = [c for c in Concern.select() if in_term(c.raised_at)]
    # a confiscation for child protection or suspected nude images is no breach (a safeguarding step)
    breach = [e for e in confiscated if e.category not in ("child_protection", "nude_images")]
    per_pupil = Counter(owner[e.device_id] for e in breach)
    per_pupil.update(c.pupil_id for c in raised if c.category == "phone_breach" and c.about_kind == "pupil")
    return {
        "confiscations": len(breach),
        "breach_concerns": sum(1 for c in raised if c.category == "phone_breach" and c.about_kind == "pupil"),
        "pupils": len(per_pupil),
        "repeat_pupils": sum(1 for n in per_pupil.values() if n >= 2),
        # A confiscation's reason category, in words (one recorded before categories: "not recorded").
        "reasons": Counter(custody.CATEGORIES.get(e.category or "", governors.NOT_RECORDED) for e in confiscated),
        "searches": Counter(custody.SEARCH_OUTCOMES[e.outcome] for e in searched),
        # a search whose parents were told: a parents-told entry about it (any number), or,
        # for a search recorded before those entries, its own columns
        "informed": sum(
            1
            for e in searched
            if e.parents_informed_at is not None
            or ParentsInformed.select().where(ParentsInformed.event == e.id).exists()
        ),
        "not_searched": len(not_searched),
        "police": sum(1 for e in rows if e.kind == "handed_to_police"),
        "concerns": Counter((concerns.CATEGORIES[c.category], outcome_words(c)) for c in raised),
        "visits": Counter(VISITOR_TYPE_NAMES[v.visitor_type] for v in Visit.select() if in_term(v.signed_in_at)),
        "not_signed_out": sum(
            1
            for v in Visit.select()
            if in_term(v.signed_in_at)
            and (v.signed_out_at is None or v.signed_out_at >= day_bounds(local_date(v.signed_in_at))[1])
        ),
        "visitor_concerns": sum(1 for c in raised if c.about_kind == "visitor"),
        "reviews": sum(
            1
            for a in AuditEntry.select().where(AuditEntry.action == "exception.review")
            if in_term(dt.datetime.fromisoformat(a.at))
        ),
    }


def make(names: bool = False) -> governors.GovernorsReport:
    return governors.governors_report(governors.resolve_term("autumn-2026", None, None), names=names, now=NOW)


# ---------------------------------------------------------------- the tests


def test_json_and_csv_agree_with_the_ledger(term, tmp_path):
    report = make()
    paths = governors_files.write_files(report, tmp_path)
    assert [p.name for p in paths] == [f"governors-autumn-2026.{x}" for x in ("html", "pdf", "csv", "json")]
    data = json.loads((tmp_path / "governors-autumn-2026.json").read_text())
    table = list(csv.DictReader(io.StringIO((tmp_path / "governors-autumn-2026.csv").read_text())))
    assert list(table[0]) == ["section", "measure", "group", "value"]

    def csv_value(section, measure, group):
        (row,) = [r for r in table if (r["section"], r["measure"], r["group"]) == (section, measure, group)]
        return row["value"]

    weeks, days = expected_hand_in()
    assert data["school_days"] == days == 20  # four weeks; Monday 5 October had no hand-in yet
    assert {(w["week"], w["class"]): [w["handed_in"], w["expected"]] for w in data["hand_in"]["weeks"]} == {
        (k[0].isoformat(), k[1]): v for k, v in weeks.items()
    }
    for (monday, cls), (handed, expected) in weeks.items():
        rate = round(100 * handed / expected, 1)
        assert csv_value("hand_in_week", "rate_percent", f"{monday.isoformat()} {cls}") == str(rate)
        assert csv_value("hand_in_week", "handed_in", f"{monday.isoformat()} {cls}") == str(handed)
    whole = {w["class"]: (w["handed_in"], w["expected"]) for w in data["hand_in"]["term_by_class"]}
    for cls in ("Oak", "Beech", "all classes"):
        assert whole[cls] == tuple(sum(v[i] for k, v in weeks.items() if k[1] == cls) for i in (0, 1))
    # Spot checks that the story is in the truth: Cara's exception, Dan's undone hand-in.
    assert weeks[dt.date(2026, 9, 14), "Oak"] == [9, 10]  # Ben skipped a day; Cara is not expected
    assert weeks[dt.date(2026, 9, 7), "Beech"] == [8, 10]  # Dan skipped one day, one was undone

    truth = expected_rest()
    b = data["breaches"]
    assert (b["confiscations"], b["breach_concerns"], b["pupils"], b["repeat_pupils"]) == (
        truth["confiscations"], truth["breach_concerns"], truth["pupils"], truth["repeat_pupils"],
    ) == (4, 1, 3, 1)  # fmt: skip
    assert csv_value("breaches", "repeat_pupils", "all") == "1"
    assert data["repeats"] == [{"class": "Oak", "breaches": 3}]  # Ben: two confiscations and a concern
    assert data["confiscations_by_reason"] == dict(truth["reasons"])
    assert data["searches"]["by_outcome"] == dict(truth["searches"])
    assert data["searches"]["parents_informed"] == truth["informed"] == 2  # the old record, and one told twice
    assert data["searches"]["total"] == sum(truth["searches"].values()) == 3
    assert csv_value("searches", "parents_informed", "all") == "2" and csv_value("searches", "total", "all") == "3"
    assert "not searched (consent refused)" not in data["searches"]["by_outcome"]  # not a search (f1s6)
    assert data["searches"]["not_searched_consent_refused"] == truth["not_searched"] == 1
    assert csv_value("searches", "not_searched_consent_refused", "all") == "1"
    table_rows = {r[0]: r for _, _, rows, _ in governors_files.sections(report) for r in rows}
    assert table_rows["Searches where parents were told"] == ["Searches where parents were told", "", "2 of 3"]
    assert table_rows["Not searched: consent refused"] == ["Not searched: consent refused", "", "1"]
    assert not any(r[1] == "parents informed" for _, _, rows, _ in governors_files.sections(report) for r in rows)
    assert data["police_handovers"] == truth["police"] == 1
    assert csv_value("police", "handovers", "all") == "1"
    got = Counter({(cat, out): n for cat, outs in data["concerns"].items() for out, n in outs.items()})
    assert got == truth["concerns"]
    assert len(got) == 3  # two categories about pupils (one closed), one about a visitor
    assert data["exceptions"]["reviews_recorded"] == truth["reviews"] == 1
    assert data["exceptions"]["in_effect"] == 1 and data["exceptions"]["reviews_overdue"] == 0
    assert data["visitors"]["by_type"] == dict(truth["visits"])
    assert data["visitors"]["not_signed_out"] == truth["not_signed_out"] == 1
    assert data["visitors"]["concerns"] == truth["visitor_concerns"] == 1
    (policy,) = data["policies"]
    assert (policy["name"], policy["next_review_on"], policy["status"]) == (
        "Mobile technology policy", "2026-11-30", "due this term",
    )  # fmt: skip
    assert data["small_counts"] is True


def test_csv_rows_are_the_json_rows(term, tmp_path):
    report = make()
    governors_files.write_files(report, tmp_path)
    data = json.loads((tmp_path / "governors-autumn-2026.json").read_text())
    table = list(csv.DictReader(io.StringIO((tmp_path / "governors-autumn-2026.csv").read_text())))
    assert [
        (r["section"], r["measure"], r["group"], "" if r["value"] is None else str(r["value"])) for r in data["rows"]
    ] == [(r["section"], r["measure"], r["group"], r["value"]) for r in table]


def test_no_names_without_names_and_nothing_fetched(term, tmp_path):
    report = make()
    governors_files.write_files(report, tmp_path)
    page = (tmp_path / "governors-autumn-2026.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    # One file: nothing is fetched (the SVG's xmlns names a namespace, it is not a fetch).
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", page, re.I)
    assert "@import" not in page and "<link" not in page and "<script" not in page
    for f in ("html", "csv", "json"):
        text = (tmp_path / f"governors-autumn-2026.{f}").read_text()
        for name in SCHOOL_NAMES + ("Jo Bloggs", "Sam Sparks"):
            assert name not in text, (f, name)
    assert "may identify a child" in page  # counts of 1 or 2: the footer says so
    named = make(names=True)
    governors_files.write_files(named, tmp_path / "named")
    page = (tmp_path / "named" / "governors-autumn-2026.html").read_text()
    assert "Ben Jones" in page and "keep this copy confidential" in page
    assert json.loads((tmp_path / "named" / "governors-autumn-2026.json").read_text())["repeats"] == [
        {"class": "Oak", "breaches": 3, "name": "Ben Jones"}
    ]


def test_pdf_has_the_figures(term, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    report = make()
    governors_files.write_files(report, tmp_path)
    raw = (tmp_path / "governors-autumn-2026.pdf").read_bytes()
    assert raw.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(raw)).pages)
    assert "Mobile phones: report to governors" in text and "Autumn term 2026" in text
    assert "Hand-in consistency over the term, by class" in text
    assert "Pupils with two or more breaches" in text
    assert "Hand-overs to the police" in text
    assert "Mobile technology policy" in text
    assert "Ben" not in text and "Jones" not in text
    assert "may identify a child" in text
    # The same figures give the same bytes (ReportLab's invariant mode): no time stamps.
    assert governors_files.render_pdf(report) == governors_files.render_pdf(report)
    assert governors_files.render_html(report) == governors_files.render_html(report)  # the chart's SVG too


def test_terms_and_dates():
    assert governors.resolve_term("autumn-2026", None, None) == governors.Term(
        "autumn-2026", "Autumn term 2026", dt.date(2026, 9, 1), dt.date(2026, 12, 31)
    )
    spring = governors.resolve_term("Spring 2027", None, None)
    assert (spring.from_day, spring.to_day) == (dt.date(2027, 1, 1), dt.date(2027, 3, 28))  # Easter Sunday 2027
    summer = governors.resolve_term("summer-2027", None, None)
    assert (summer.from_day, summer.to_day) == (dt.date(2027, 3, 29), dt.date(2027, 7, 31))
    mixed = governors.resolve_term("autumn-2026", dt.date(2026, 9, 3), dt.date(2026, 12, 18))
    assert mixed.key == "2026-09-03_2026-12-18" and mixed.label == "3 Sep 2026 to 18 Dec 2026"
    for bad in (
        ("autum-2026", None, None),
        (None, dt.date(2026, 9, 1), None),
        (None, dt.date(2026, 9, 2), dt.date(2026, 9, 1)),
    ):
        with pytest.raises(ValidationError):
            governors.resolve_term(*bad)


def test_who_may_make_it(term):
    office = auth.authenticate("office", DEMO_PINS["office"])
    with pytest.raises(PermissionDenied):
        governors.check_may_make(office, names=False)
    chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "918273", now=dt.datetime(2026, 9, 1, 7, 0))
    governors.check_may_make(chair, names=False)
    with pytest.raises(PermissionDenied, match="without --names"):
        governors.check_may_make(chair, names=True)
    governors.check_may_make(term.deputy, names=True)


def test_a_span_with_no_records_still_makes_all_four_files(database, tmp_path):
    build(now=dt.datetime(2026, 9, 1, 7, 0))
    span = governors.resolve_term(None, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    report = governors.governors_report(span, now=NOW)
    paths = governors_files.write_files(report, tmp_path)
    assert [p.stat().st_size > 0 for p in paths] == [True] * 4
    data = json.loads(paths[3].read_text())
    assert data["school_days"] == 0 and data["hand_in"]["weeks"] == [] and data["small_counts"] is False
    assert "(no school days yet)" in paths[0].read_text() and "No school days" in paths[0].read_text()


def test_an_allegation_about_the_head_is_not_counted_in_the_heads_copy(term):
    """KCSIE Part 4: the headteacher never sees one about themself listed, read or counted."""
    head = term.head  # headteacher and DSL
    concerns.raise_concern(
        term.oak, about_kind="staff", staff_id=head.id, category="bullying", what="Allegation",
        now=at(dt.date(2026, 9, 23), 12, 0),
    )  # fmt: skip
    chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "918273", now=dt.datetime(2026, 9, 1, 7, 0))
    span = governors.resolve_term("autumn-2026", None, None)

    def safeguarding(reader):
        return governors.governors_report(span, reader=reader, now=NOW).concerns["bullying or cyberbullying"]

    assert safeguarding(head) == {"open": 1}  # the concern about Dan only
    assert safeguarding(chair) == {"open": 2}  # and the allegation: the chair handles it
    assert safeguarding(None) == {"open": 2}
    page = governors_files.render_html(governors.governors_report(span, reader=head, now=NOW))
    assert "never one about themself" in page  # said in every copy, so it reveals nothing
