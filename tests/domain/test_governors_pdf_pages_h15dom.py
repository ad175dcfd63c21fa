"""The governors' PDF never ends on a nearly empty page (only the footer, or a line of a
table): the end of the last table is kept with the footer, a heading with its table's first
rows. Built from made-up reports of many sizes (no database: the layout is what is tested)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from models.reports import governors, governors_files

pypdf = pytest.importorskip("pypdf")

MON = dt.date(2026, 9, 7)
TERM = governors.Term("autumn-2026", "Autumn term 2026", dt.date(2026, 9, 1), dt.date(2026, 12, 31))


def report(classes: int, repeats: int, policies: int, weeks: int = 15) -> governors.GovernorsReport:
    names = [f"Class {i}" for i in range(classes)] + [governors.ALL_CLASSES]
    mondays = [MON + dt.timedelta(weeks=w) for w in range(weeks)]
    week = [governors.WeekRate(m, c, 5, 100, 110, 90.9) for m in mondays for c in names]
    return governors.GovernorsReport(
        term=TERM,
        made_at=dt.datetime(2026, 12, 18, 16, 0),
        covered_to=TERM.to_day,
        names=False,
        school_days=[MON + dt.timedelta(days=d) for d in range(70)],
        weeks=week,
        term_by_class=[governors.WeekRate(MON, c, 70, 1400, 1500, 93.3) for c in names],
        breaches={"confiscations": 30, "breach_concerns": 10, "pupils": 25, "repeat_pupils": repeats},
        breaches_by_class={c: 4 for c in names[:-1]},
        repeats=[governors.Repeat(names[i % classes], 2 + i % 3) for i in range(repeats)],
        confiscations_by_reason={"behaviour": 20, "bullying": 10},
        searches_by_outcome={"nothing found": 3},
        searches_parents_informed=3,
        police_handovers=0,
        searches_total=3,
        concerns={"bullying or cyberbullying": {"Resolved in school": 5}},
        exceptions={
            "in_effect": 4,
            "agreed_in_term": 1,
            "reviews_recorded": 3,
            "reviews_overdue": 0,
            "revoked_in_term": 0,
        },
        exceptions_by_kind={"medical": 4},
        visitors_by_type={"contractor": 12},
        visitors_not_signed_out=0,
        visitor_concerns=0,
        policies=[
            governors.PolicyDate(f"p{i}", f"Policy {i}", "1", dt.date(2026, 9, 1), dt.date(2027, 9, 1), "in date")
            for i in range(policies)
        ],
    )


def last_page_lines(r: governors.GovernorsReport) -> tuple[int, list[str]]:
    pages = pypdf.PdfReader(io.BytesIO(governors_files.render_pdf(r))).pages
    footer = " ".join(" ".join(governors_files.footer_lines(r)).split())
    lines = [" ".join(line.split()) for line in pages[-1].extract_text().splitlines()]
    content = [
        line
        for line in lines
        if line and "· page " not in line and line not in footer  # the page number, the footer's lines
    ]
    return len(pages), content


SIZES = [(c, rep, pol) for c in (1, 3, 7) for rep in (0, 4, 17, 30, 45) for pol in (0, 2, 9, 40)]


@pytest.mark.parametrize(("classes", "repeats", "policies"), SIZES)
def test_the_last_page_has_more_than_the_footer_or_a_line(classes, repeats, policies):
    pages, content = last_page_lines(report(classes, repeats, policies))
    if pages > 1:
        assert len(content) >= 3, content
