"""The termly report for governors and inspectors (issue 15): the figures, nothing drawn.

One school term (``autumn-2026``, or any range of dates), read from the records:

- **hand-in consistency** by class and week: the compliance report's own figures
  (:func:`models.reports.compliance.compliance`, so what counts as expected is decided
  there, once), summed per week (weeks start on Monday);
- **breaches and repeats**: confiscations (each records the policy breached; not those for
  child protection or suspected nude images, which are safeguarding steps) and concerns
  in the category "breach of the phone policy" about pupils; a repeat is a pupil with two or
  more breaches in the term;
- **confiscations, searches and police hand-overs**: confiscations by reason category,
  searches by outcome, hand-overs to the police; and, on its own line (parents told is its
  own event, not an outcome of the search), how many of the term's searches the parents
  were told of: a parents-told entry about the search (models.safeguarding.parents), or a
  search recorded before those entries whose own columns say so; and "not searched: consent
  refused" records (a ``searched`` event whose outcome is that it was not searched) counted on
  their own line, never as searches;
- **concerns** raised in the term by category and outcome (open, or how they were closed);
- **exceptions** agreed with the headteacher in effect in the term, their reviews and the
  reviews overdue;
- **visitors** by type, those not signed out by the end of their day, concerns about visitors;
- **policies**: each policy's version, approval and next review.

Undone ledger events (a reversal points at them) are not counted. Names appear only when
asked for (``names=True``: the pupils with repeated breaches); the caller decides who may.
:meth:`GovernorsReport.rows` is the one tidy table (section, measure, group, value) the CSV,
and the JSON's ``rows``, are made of.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import FIRST_DAY, LAST_DAY, SCHOOL_TZ, day_bounds, local_day, to_local, utcnow
from models.config import VISITOR_TYPE_NAMES
from models.custody.ledger import CATEGORIES, CONFISCATED_EV, NOT_SEARCHED, POLICE_EV, SEARCH_OUTCOMES, SEARCHED
from models.errors import PermissionDenied, ValidationError
from models.governance.policies import list_policies
from models.policy import agreed
from models.policy.agreed import KINDS as EXCEPTION_KINDS
from models.reports import compliance
from models.safeguarding import concerns as concerns_module
from models.staff.auth import DETAIL_ROLES, require
from models.store.tables import (
    AgreedException,
    AuditEntry,
    Concern,
    CustodyEvent,
    Device,
    ParentsInformed,
    Pupil,
    SchoolClass,
    Staff,
    Visit,
)

TERMS = ("autumn", "spring", "summer")
SMALL = 3  # a count below this may identify a child
NOT_RECORDED = "not recorded"
OPEN_OUTCOME = "open"
SMALL_COUNTS_NOTE = (
    "Counts of 1 or 2 may identify a child or a member of staff: keep this report within the governing "
    "body and the inspection team."
)
AUDIT_FAILED_NOTE = (
    "WARNING: the audit check FAILED when this report was made: the figures may include records "
    "changed outside the kiosk. Run `kiosk audit verify` before relying on them."
)
AUDIT_UNCHECKED_NOTE = (
    "WARNING: the audit check could not be run when this report was made: the figures are not "
    "known to match the audit log. Run `kiosk audit verify`."
)
NOTES = (
    "Hand-in consistency: phones handed in against phones expected on school days (weekdays with any "
    "hand-in), as the compliance report counts them; pupils with an agreed exception are not expected.",
    "A breach is a confiscation (not one for child protection or suspected nude images, a safeguarding step) "
    "or a concern of the category 'breach of the phone policy' about a pupil; "
    "a repeat is a pupil with two or more breaches in the term.",
    "Undone events (a reversal with a reason) are not counted.",
    "Allegations about members of staff are counted only as the person who made the report may see them "
    "(KCSIE Part 4): never one about themself.",
)


def _easter(year: int) -> dt.date:
    """Easter Sunday (the Gregorian computus, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


@dataclass(frozen=True, slots=True)
class Term:
    """The span the report covers: a named term or any two dates (inclusive, local days)."""

    key: str  # "autumn-2026", or "2026-09-01_2026-12-18": part of the files' names
    label: str  # "Autumn term 2026", or "1 Sep 2026 to 18 Dec 2026"
    from_day: dt.date
    to_day: dt.date


_TERM = re.compile(r"^(autumn|spring|summer)[-_ ]?(\d{4})$")


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def term_dates(name: str, year: int) -> tuple[dt.date, dt.date]:
    """A UK school term's widest span: autumn 1 Sep to 31 Dec; spring 1 Jan to Easter Sunday;
    summer Easter Monday to 31 Jul. Holidays inside it have no hand-ins and are left out of
    the school days (see :mod:`models.reports.compliance`)."""
    if name == "autumn":
        return dt.date(year, 9, 1), dt.date(year, 12, 31)
    easter = _easter(year)
    if name == "spring":
        return dt.date(year, 1, 1), easter
    return easter + dt.timedelta(days=1), dt.date(year, 7, 31)


def term_of(day: dt.date) -> str:
    """The term ``day`` falls in, as ``--term`` takes it (autumn-2026), by :func:`term_dates`."""
    if day.month >= 9:
        return f"autumn-{day.year}"
    return f"spring-{day.year}" if day <= _easter(day.year) else f"summer-{day.year}"


def resolve_term(text: str | None, from_day: dt.date | None, to_day: dt.date | None) -> Term:
    """The term from ``--term`` and/or ``--from``/``--to`` (either date overrides the term's)."""
    key = None
    if text:
        m = _TERM.match(text.strip().lower())
        if not m:
            raise ValidationError(f"Give the term as autumn-2026, spring-2027 or summer-2027, not {text.strip()!r}.")
        name, year = m.group(1), int(m.group(2))
        if not FIRST_DAY.year <= year <= LAST_DAY.year:  # the dates the kiosk takes (models.clock)
            raise ValidationError(
                f"There is no term {name}-{year} here: give one from spring-{FIRST_DAY.year} to "
                f"autumn-{LAST_DAY.year}, for example autumn-2026."
            )
        first, last = term_dates(name, year)
        from_day, to_day = from_day or first, to_day or last
        if (from_day, to_day) == (first, last):
            key = f"{name}-{year}"
            label = f"{name.capitalize()} term {year}"
    if from_day is None or to_day is None:
        raise ValidationError("Give the term (--term autumn-2026), or both --from and --to.")
    if from_day > to_day:
        raise ValidationError("The start date is after the end date.")
    if (to_day - from_day).days > compliance.MAX_RANGE_DAYS:
        raise ValidationError(f"Give a range of at most {compliance.MAX_RANGE_DAYS} days.")
    if key is None:
        key = f"{from_day.isoformat()}_{to_day.isoformat()}"
        label = f"{_long(from_day)} to {_long(to_day)}"
    return Term(key, label, from_day, to_day)


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True, slots=True)
class WeekRate:
    """Phones handed in against phones expected, summed over one week's school days."""

    week: dt.date  # the Monday
    class_name: str  # a class, or "all classes"
    school_days: int
    handed_in: int
    expected: int
    rate: float | None  # percent, one decimal; None when nobody was expected

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week.isoformat(),
            "class": self.class_name,
            "school_days": self.school_days,
            "handed_in": self.handed_in,
            "expected": self.expected,
            "rate": self.rate,
        }


ALL_CLASSES = "all classes"


@dataclass(frozen=True, slots=True)
class Repeat:
    """A pupil with two or more breaches in the term (named only when names were asked for)."""

    class_name: str
    breaches: int
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class": self.class_name, "breaches": self.breaches}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True, slots=True)
class PolicyDate:
    key: str
    name: str
    version: str
    approved_on: dt.date
    next_review_on: dt.date
    status: str  # "overdue", "due this term", "in date"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "approved_on": self.approved_on.isoformat(),
            "next_review_on": self.next_review_on.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the tidy table."""

    section: str
    measure: str
    group: str
    value: int | float | str | None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "measure": self.measure, "group": self.group, "value": self.value}


@dataclass(frozen=True)
class GovernorsReport:
    term: Term
    made_at: dt.datetime  # local
    covered_to: dt.date  # the term's last day, or today while the term is under way
    names: bool
    school_days: list[dt.date]
    weeks: list[WeekRate]  # per class per week, then "all classes" per week
    term_by_class: list[WeekRate]  # the whole term per class (week = the first Monday), then all classes
    breaches: dict[str, int]  # confiscations, breach_concerns, pupils, repeat_pupils
    breaches_by_class: dict[str, int]
    repeats: list[Repeat]
    confiscations_by_reason: dict[str, int]
    searches_by_outcome: dict[str, int]
    searches_parents_informed: int  # searches in the term whose parents were told (of ``searches_total``)
    police_handovers: int
    searches_total: int
    concerns: dict[str, dict[str, int]]  # category label -> outcome -> count
    exceptions: dict[str, int]  # in_effect, reviews_recorded, reviews_overdue, revoked, agreed
    exceptions_by_kind: dict[str, int]
    visitors_by_type: dict[str, int]
    visitors_not_signed_out: int
    visitor_concerns: int
    policies: list[PolicyDate]
    notes: tuple[str, ...] = field(default=NOTES)
    # The audit check (models.audit.anchors.verify: the chain, every protected row's content,
    # the anchors) as the report was made: a record edited outside the kiosk is counted
    # here like any other, so the report says so at its top (notes[0], the CSV's first row).
    audit_failed: bool = False
    # "Not searched (consent refused)" records (DfE 2022: recorded, with what was done next): a
    # ``searched`` event in the ledger, never a search; counted here, apart from ``searches_total`` (f1s6).
    not_searched: int = 0

    @property
    def small_counts(self) -> bool:
        """Whether any count shown is 1 or 2 (the page's footer then says it may identify a child)."""
        return any(isinstance(r.value, int) and 0 < r.value < SMALL for r in self.rows())

    def rows(self) -> list[Row]:
        out: list[Row] = []
        add = out.append
        if self.audit_failed:
            add(Row("warning", "audit_check", "all", self.notes[0]))
        for w in [*self.term_by_class]:
            group = w.class_name
            add(Row("hand_in_term", "school_days", group, w.school_days))
            add(Row("hand_in_term", "handed_in", group, w.handed_in))
            add(Row("hand_in_term", "expected", group, w.expected))
            add(Row("hand_in_term", "rate_percent", group, w.rate))
        for w in self.weeks:
            group = f"{w.week.isoformat()} {w.class_name}"
            add(Row("hand_in_week", "handed_in", group, w.handed_in))
            add(Row("hand_in_week", "expected", group, w.expected))
            add(Row("hand_in_week", "rate_percent", group, w.rate))
        for measure, n in self.breaches.items():
            add(Row("breaches", measure, "all", n))
        for cls, n in self.breaches_by_class.items():
            add(Row("breaches", "breaches", cls, n))
        for i, r in enumerate(self.repeats, 1):
            add(Row("repeats", "breaches", r.name if r.name is not None else f"pupil {i} ({r.class_name})", r.breaches))
        for reason, n in self.confiscations_by_reason.items():
            add(Row("confiscations", "confiscations", reason, n))
        for outcome, n in self.searches_by_outcome.items():
            add(Row("searches", "searches", outcome, n))
        add(Row("searches", "total", "all", self.searches_total))
        add(Row("searches", "parents_informed", "all", self.searches_parents_informed))
        add(Row("searches", "not_searched_consent_refused", "all", self.not_searched))
        add(Row("police", "handovers", "all", self.police_handovers))
        for category, outcomes in self.concerns.items():
            for outcome, n in outcomes.items():
                add(Row("concerns", "concerns", f"{category}: {outcome}", n))
        for measure, n in self.exceptions.items():
            add(Row("exceptions", measure, "all", n))
        for kind, n in self.exceptions_by_kind.items():
            add(Row("exceptions", "in_effect", kind, n))
        for vtype, n in self.visitors_by_type.items():
            add(Row("visitors", "visits", vtype, n))
        add(Row("visitors", "not_signed_out", "all", self.visitors_not_signed_out))
        add(Row("visitors", "concerns", "all", self.visitor_concerns))
        for p in self.policies:
            add(Row("policies", "next_review_on", p.name, p.next_review_on.isoformat()))
            add(Row("policies", "status", p.name, p.status))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "term": self.term.key,
            "label": self.term.label,
            "from": self.term.from_day.isoformat(),
            "to": self.term.to_day.isoformat(),
            "made_at": self.made_at.strftime("%Y-%m-%d %H:%M"),
            "covered_to": self.covered_to.isoformat(),
            "names": self.names,
            "audit_failed": self.audit_failed,
            "school_days": len(self.school_days),
            "hand_in": {
                "term_by_class": [{k: v for k, v in w.to_dict().items() if k != "week"} for w in self.term_by_class],
                "weeks": [w.to_dict() for w in self.weeks],
            },
            "breaches": {**self.breaches, "by_class": dict(self.breaches_by_class)},
            "repeats": [r.to_dict() for r in self.repeats],
            "confiscations_by_reason": dict(self.confiscations_by_reason),
            "searches": {
                "by_outcome": dict(self.searches_by_outcome),
                "total": self.searches_total,
                "parents_informed": self.searches_parents_informed,
                "not_searched_consent_refused": self.not_searched,
            },
            "police_handovers": self.police_handovers,
            "concerns": {c: dict(o) for c, o in self.concerns.items()},
            "exceptions": {**self.exceptions, "by_kind": dict(self.exceptions_by_kind)},
            "visitors": {
                "by_type": dict(self.visitors_by_type),
                "not_signed_out": self.visitors_not_signed_out,
                "concerns": self.visitor_concerns,
            },
            "policies": [p.to_dict() for p in self.policies],
            "small_counts": self.small_counts,
            "notes": list(self.notes) + ([SMALL_COUNTS_NOTE] if self.small_counts else []),
            "rows": [r.to_dict() for r in self.rows()],
        }


def _rate(handed: int, expected: int) -> float | None:
    return round(100.0 * handed / expected, 1) if expected else None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _sum_weeks(class_days: list[compliance.ClassDay]) -> tuple[list[WeekRate], list[WeekRate]]:
    per: dict[tuple[dt.date, str], list[int]] = {}
    days_in: dict[dt.date, set[dt.date]] = {}
    term: dict[str, list[int]] = {}
    for r in class_days:
        week = _monday(r.date)
        days_in.setdefault(week, set()).add(r.date)
        for key in ((week, r.class_name), (week, ALL_CLASSES)):
            acc = per.setdefault(key, [0, 0])
            acc[0] += r.handed_in
            acc[1] += r.expected
        for cls in (r.class_name, ALL_CLASSES):
            acc = term.setdefault(cls, [0, 0])
            acc[0] += r.handed_in
            acc[1] += r.expected
    classes = sorted({c for _, c in per if c != ALL_CLASSES}) + [ALL_CLASSES]
    weeks = [
        WeekRate(week, cls, len(days_in[week]), per[week, cls][0], per[week, cls][1], _rate(*per[week, cls]))
        for cls in classes
        for week in sorted(days_in)
        if (week, cls) in per
    ]
    all_days = len({r.date for r in class_days})
    first = min(days_in) if days_in else dt.date.min
    totals = [
        WeekRate(first, cls, all_days, term[cls][0], term[cls][1], _rate(*term[cls])) for cls in classes if cls in term
    ]
    return weeks, totals


def _not_undone(query: Any) -> Any:
    undone = CustodyEvent.alias()
    from peewee import fn

    return query.where(~fn.EXISTS(undone.select(undone.id).where(undone.reverses == CustodyEvent.id)))


def _events(kind: str, start: dt.datetime, end: dt.datetime, *columns: Any) -> list[tuple]:
    """The ``columns`` of each event of ``kind`` in the range (not undone), oldest first."""
    return list(
        _not_undone(
            CustodyEvent.select(*columns).where(
                (CustodyEvent.kind == kind) & (CustodyEvent.at >= start) & (CustodyEvent.at < end)
            )
        )
        .order_by(CustodyEvent.at, CustodyEvent.id)
        .tuples()
    )


def _searches_told(searches: list[tuple]) -> int:
    """How many of ``searches`` ((outcome, parents informed at, id) each) the parents were
    told of: a parents-told entry about the search (however many), or the search's own
    columns (searches recorded before those entries)."""
    ids = [event_id for _, _, event_id in searches]
    query = ParentsInformed.select(ParentsInformed.event).where(ParentsInformed.event.in_(ids))
    told: set[int] = {row.event_id for row in query} if ids else set()
    return sum(1 for _, informed_at, event_id in searches if event_id in told or informed_at is not None)


def _outcome_labels() -> dict[str, str]:
    """The concerns' close outcomes as code -> words, whether the module keeps a tuple or a dict."""
    outcomes: Any = concerns_module.CLOSE_OUTCOMES
    if isinstance(outcomes, dict):
        return {str(k): str(v) for k, v in outcomes.items()}
    return {str(o): str(o) for o in outcomes}


def _outcome_of(c: Concern, labels: dict[str, str]) -> str:
    """How a concern ended, in words: its outcome column when there is one, else the words
    the follow-up note was closed with; "open" while open."""
    if c.status != concerns_module.CLOSED:
        return OPEN_OUTCOME
    code = concerns_module.concern_outcome(c)  # its closing row, or read from an older note
    if code:
        return concerns_module.OUTCOMES.get(code, labels.get(code, str(code)))
    note = (c.follow_up_note or "").casefold()
    for label in labels.values():
        if f"(closed: {label.casefold()})" in note:
            return label
    return NOT_RECORDED


def _category_label(code: str) -> str:
    categories: Any = {**concerns_module.OLD_CATEGORIES, **concerns_module.CATEGORIES}
    return str(categories.get(code, code))


def _exception_reviews(start: dt.datetime, end: dt.datetime) -> int:
    s, e = start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds")
    return (
        AuditEntry.select()
        .where((AuditEntry.action == "exception.review") & (AuditEntry.at >= s) & (AuditEntry.at < e))
        .count()
    )


def governors_report(
    term: Term,
    *,
    names: bool = False,
    reader: Staff | None = None,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    not_about: int | None = None,
    audit_check: bool = False,
) -> GovernorsReport:
    """The report's figures for ``term`` (read only: the compliance cache may be filled).

    ``audit_check``: also run the audit check (the whole log: seconds on a large school), so
    that the report a person makes says at its top when the records failed it. The actions
    layer asks for it; a trust's figures across 30 schools and the benchmarks do not.

    ``reader``: who it is made for. An allegation about a member of staff is counted only
    if they may see it (:func:`models.safeguarding.concerns.may_see_concern`: never one
    about themself, one about the headteacher only for the chair or a DSL who is not the
    headteacher), so the headteacher's copy does not reveal one about them by its count.
    ``None``: every concern (the domain's own use).

    ``not_about``: a member of staff (an id at this site) the figures are read by without
    being ``reader`` (the trust's roles, reading site 1): an allegation about them is not
    counted, whatever else is.
    """
    now = now or utcnow()
    today = local_day(now, tz)
    first, last = term.from_day, min(term.to_day, today)
    if first > last:
        raise ValidationError("The term has not started yet: there is nothing to report.")
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)

    # Hand-in consistency: the compliance report's figures, over its school days (a day with
    # no hand-in, such as a holiday at the end of a term or today before the first scan, is none).
    class_days = compliance.class_days(first, last, now=now, tz=tz)
    weeks, term_by_class = _sum_weeks(class_days)
    school_days = sorted({r.date for r in class_days})

    # Pupils' classes and names, for breaches.
    classes: dict[int, str] = {c.id: c.name for c in SchoolClass.select(SchoolClass.id, SchoolClass.name)}
    device_pupil: dict[int, int] = dict(
        Device.select(Device.id, Device.pupil).where(Device.pupil.is_null(False)).tuples().iterator()
    )

    # (device, category) of each confiscation; (outcome, parents told, id) of each search
    confiscations = _events(CONFISCATED_EV, start, end, CustodyEvent.device, CustodyEvent.category)
    searched = _events(SEARCHED, start, end, CustodyEvent.outcome, CustodyEvent.parents_informed_at, CustodyEvent.id)
    searches = [s for s in searched if s[0] != NOT_SEARCHED]  # consent refused, not searched: not a search
    not_searched = len(searched) - len(searches)
    police = _events(POLICE_EV, start, end, CustodyEvent.id)
    raised = [
        c
        for c in Concern.select().where((Concern.raised_at >= start) & (Concern.raised_at < end)).order_by(Concern.id)
        if (reader is None or not concerns_module.is_allegation(c) or concerns_module.may_see_concern(reader, c))
        and not (not_about is not None and concerns_module.is_allegation(c) and c.staff_id == not_about)
    ]

    breach_of: Counter[int] = Counter()
    # (a confiscation for child protection or suspected nude images is a safeguarding step, not a breach)
    breach_confiscations = [
        (d, category) for d, category in confiscations if compliance.is_breach(CONFISCATED_EV, category)
    ]
    for device_id, _ in breach_confiscations:
        pupil_id = device_pupil.get(device_id)
        if pupil_id is not None:
            breach_of[pupil_id] += 1
    breach_concerns = [
        c
        for c in raised
        if c.category == "phone_breach" and c.about_kind == concerns_module.ABOUT_PUPIL and c.pupil_id is not None
    ]
    for c in breach_concerns:
        breach_of[c.pupil_id] += 1
    # Only the pupils with a breach are named or placed in a class.
    pupils = {
        p.id: p
        for p in Pupil.select(Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.school_class).where(
            Pupil.id.in_(sorted(breach_of) or [0])
        )
    }

    def class_of(pupil_id: int) -> str:
        p = pupils.get(pupil_id)
        return classes.get(p.school_class_id, "?") if p is not None else "?"

    by_class: Counter[str] = Counter()
    for pupil_id, n in breach_of.items():
        by_class[class_of(pupil_id)] += n
    repeat_ids = sorted(
        (p for p, n in breach_of.items() if n >= 2),
        key=lambda p: (-breach_of[p], class_of(p), pupils[p].last_name if p in pupils else ""),
    )
    repeats = [
        Repeat(class_of(p), breach_of[p], pupils[p].full_name if names and p in pupils else None) for p in repeat_ids
    ]
    breaches = {
        "confiscations": len(breach_confiscations),
        "breach_concerns": len(breach_concerns),
        "pupils": len(breach_of),
        "repeat_pupils": len(repeat_ids),
    }

    reasons: Counter[str] = Counter()
    for _, category in confiscations:
        reasons[CATEGORIES.get(category or "", NOT_RECORDED)] += 1  # none before schema 13
    outcomes: Counter[str] = Counter()
    for outcome, _, _ in searches:
        outcomes[SEARCH_OUTCOMES.get(outcome or "", outcome or NOT_RECORDED)] += 1

    labels = _outcome_labels()
    concern_table: dict[str, dict[str, int]] = {}
    for c in raised:
        row = concern_table.setdefault(_category_label(c.category), {})
        outcome = _outcome_of(c, labels)
        row[outcome] = row.get(outcome, 0) + 1
    concern_table = {k: dict(sorted(v.items())) for k, v in sorted(concern_table.items())}

    candidates = list(
        AgreedException.select().where((AgreedException.starts_on <= last) & (AgreedException.ends_on >= first))
    )
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    in_effect = [e for e in candidates if any(agreed.in_effect(e, d) for d in span)]  # signed, not yet revoked
    kinds = Counter(EXCEPTION_KINDS.get(e.kind, e.kind) for e in in_effect)
    overdue = [
        e
        for e in candidates
        if (e.revoked_at is None or to_local(e.revoked_at, tz).date() > last) and e.review_on < last <= e.ends_on
    ]
    exceptions = {
        "in_effect": len(in_effect),
        "agreed_in_term": sum(1 for e in candidates if first <= e.agreed_on <= last),
        "reviews_recorded": _exception_reviews(start, end),
        "reviews_overdue": len(overdue),
        "revoked_in_term": sum(
            1 for e in candidates if e.revoked_at is not None and first <= to_local(e.revoked_at, tz).date() <= last
        ),
    }

    visits = list(Visit.select(Visit.visitor_type).where((Visit.signed_in_at >= start) & (Visit.signed_in_at < end)))
    vtypes = Counter(VISITOR_TYPE_NAMES.get(v.visitor_type, v.visitor_type) for v in visits)
    late = compliance.visitors_not_signed_out(first, last, now=now, tz=tz)

    policies = []
    for p in list_policies():
        if p.next_review_on < today:
            status = "overdue"
        elif p.next_review_on <= term.to_day:
            status = "due this term"
        else:
            status = "in date"
        policies.append(PolicyDate(p.key, p.name, p.version, p.approved_on, p.next_review_on, status))

    return GovernorsReport(
        term=term,
        made_at=to_local(now, tz),
        covered_to=last,
        names=names,
        school_days=school_days,
        weeks=weeks,
        term_by_class=term_by_class,
        breaches=breaches,
        breaches_by_class=dict(sorted(by_class.items())),
        repeats=repeats,
        confiscations_by_reason=dict(sorted(reasons.items())),
        searches_by_outcome=dict(sorted(outcomes.items())),
        searches_parents_informed=_searches_told(searches),
        police_handovers=len(police),
        searches_total=len(searches),
        not_searched=not_searched,
        concerns=concern_table,
        exceptions=exceptions,
        exceptions_by_kind=dict(sorted(kinds.items())),
        visitors_by_type=dict(sorted(vtypes.items())),
        visitors_not_signed_out=len(late),
        visitor_concerns=sum(1 for c in raised if c.about_kind == concerns_module.ABOUT_VISITOR),
        policies=policies,
        **(_audit_check() if audit_check else {}),
    )


def _audit_check() -> dict[str, Any]:
    """The audit check, now (chain, content, anchors: what ``kiosk audit verify`` checks of
    the log): the report's fields when it fails, or could not be run; nothing when it passes."""
    import logging

    from models.audit import anchors

    try:
        ok = anchors.verify(anchors.configured()).ok
    except Exception:  # noqa: BLE001 - the report is still made, with the warning that it was not checked
        logging.getLogger(__name__).exception("Audit check for the governors' report failed to run")
        return {"audit_failed": True, "notes": (AUDIT_UNCHECKED_NOTE, *NOTES)}
    return {} if ok else {"audit_failed": True, "notes": (AUDIT_FAILED_NOTE, *NOTES)}


REPORT_ACTION = "report.governors"


def check_may_make(actor: Staff, *, names: bool) -> None:
    """Refuse unless ``actor`` may make the report (and, with names, read the details)."""
    require(actor, "governors_report")
    if names and not actor.role_set & DETAIL_ROLES:
        raise PermissionDenied(
            "Names are for leadership, the DSL and the headteacher: make the report without --names."
        )


def record_made(actor: Staff, report: GovernorsReport, files: list[str], *, now: dt.datetime | None = None) -> None:
    """Audit that the report was made (once its files are written): who, which term, with or without names."""
    now = now or utcnow()
    check_may_make(actor, names=report.names)
    with write_tx():
        audit.append(
            actor,
            REPORT_ACTION,
            "report",
            report.term.key,
            {
                "from": report.term.from_day.isoformat(),
                "to": report.term.to_day.isoformat(),
                "names": report.names,
                "files": files,
            },
            now,
        )
