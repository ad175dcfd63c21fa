"""Reports across a trust's schools (issue 16): each school's own report, read at that
school, every school in one read-only transaction (:func:`models.trust.read_each`), then
the trust's total.

A school that is not there to be read (its place empty, waiting for its records; or its
tables gone) is never read: it has its row, with no figures and its state in plain words
(:attr:`models.trust.SiteInfo.state_text`), and the trust's total says it leaves it out.

Who may read them is asked at site 1, where the trust's roles are held: the trust's leads
(``trust_reports``: compliance, phones not collected, the governors' figures) and the
trust's safeguarding lead (``trust_safeguarding``: each school's DSL feed). Figures only
for the leads; the feed carries names, as the school's own DSL reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models.clock import SCHOOL_TZ, local_day, utcnow
from models.custody.ledger import PhoneState
from models.errors import ValidationError
from models.reports import compliance as comp
from models.reports import governors as gov
from models.reports import phones
from models.safeguarding import concerns
from models.sites import MAIN, MAIN_SCHEMA
from models.staff.auth import require
from models.store.db import current_site
from models.store.tables import Staff
from models.trust import SiteInfo, all_sites, read_each


def _at_site_1(
    actor: Staff | None, action: str, now: dt.datetime | None = None, first_name: str = "Site 1"
) -> list[SiteInfo]:
    """The reader may read this report here (site 1), and the trust's schools to read: each
    school whose log began since is recorded first (which log it is, before it is read), and
    the list is read again only then (one catalogue check a report, in the usual case)."""
    if actor is not None:
        require(actor, action)
    if current_site() != MAIN:
        from models.errors import PermissionDenied

        raise PermissionDenied(
            "Reports across the trust are read at site 1, the trust's own (a terminal that names no site)."
        )
    from models.trust import chains

    sites = all_sites(first_name)
    if chains.record(None, now or utcnow(), sites=sites):
        sites = all_sites(first_name)
    return sites


def _self_at(site: SiteInfo, actor: Staff | None) -> int | None:
    """The reader's own id at ``site``, for leaving out an allegation about them (KCSIE
    Part 4: nobody reads or counts one about themself). The trust's roles are held at site
    1, so that is where their accounts, and allegations about them, are; at another school
    a staff id is a different person's."""
    return actor.id if actor is not None and site.schema == MAIN_SCHEMA else None


@dataclass(frozen=True)
class SiteCompliance:
    site: SiteInfo
    school_days: int
    handed_in: int
    expected: int
    rate: float | None  # percent, one decimal; None when no one was expected
    breaches: int
    not_collected: int
    visitors_not_signed_out: int
    from_day: dt.date | None = None  # the range read at this school (its own school days)
    to_day: dt.date | None = None
    left_out: tuple[SiteInfo, ...] = ()  # the trust's total: the schools not read

    def as_dict(self) -> dict[str, Any]:
        return _with_note(
            {
                "site": self.site.number,
                "code": self.site.code,
                "school": self.site.name,
                "school_days": self.school_days,
                "handed_in": self.handed_in,
                "expected": self.expected,
                "rate_percent": self.rate,
                "breaches": self.breaches,
                "not_collected": self.not_collected,
                "visitors_not_signed_out": self.visitors_not_signed_out,
            },
            self.site,
            self.left_out,
        )


NAMING_KEYS = ("site", "code", "school")  # what a school not read keeps in its row; its figures are None


def _with_note(row: dict[str, Any], site: SiteInfo, left_out: tuple[SiteInfo, ...] = ()) -> dict[str, Any]:
    """A report's row as it is shown, ending in ``note`` (every trust report's rows have
    one, so that their CSV and JSON have the same columns whatever the trust's state): a
    school not read has no figures (None, not a zero) and its state in ``note``; a total
    that leaves schools out says which; a row read as normal has None."""
    if not site.ready:
        return {**{k: (v if k in NAMING_KEYS else None) for k, v in row.items()}, "note": site.state_text}
    if left_out:
        return {**row, "note": left_out_text(left_out)}
    return {**row, "note": None}


def left_out_text(left_out: tuple[SiteInfo, ...] | list[SiteInfo]) -> str:
    return "without " + ", ".join(s.label for s in left_out) + ": not read"


def _unread(site: SiteInfo) -> SiteCompliance:
    return SiteCompliance(site, 0, 0, 0, None, 0, 0, 0)


TRUST_TOTAL = SiteInfo(0, "", "The trust (all schools)", "")


def _rate(handed: int, expected: int) -> float | None:
    return round(100.0 * handed / expected, 1) if expected else None


def compliance_across(
    actor: Staff | None,
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    first_name: str = "Site 1",
) -> list[SiteCompliance]:
    """Each school's hand-in figures over the range (the compliance report's own totals,
    :func:`models.reports.compliance.summary`, over the days with a hand-in, as the
    governors' figures count them: a school with none has no school days), then the trust's total (its rate from the summed counts, not an average of rates)."""
    now = now or utcnow()
    sites = _at_site_1(actor, "trust_reports", now, first_name)
    rows: list[SiteCompliance] = []
    for site, s in read_each(sites, lambda _site: comp.summary(from_day, to_day, now=now, tz=tz)):
        if s is None:
            rows.append(_unread(site))
            continue
        rows.append(
            SiteCompliance(
                site=site,
                school_days=s.school_days,
                handed_in=s.handed_in,
                expected=s.expected,
                rate=_rate(s.handed_in, s.expected),
                breaches=s.breaches,
                not_collected=s.not_collected,
                visitors_not_signed_out=s.visitors_not_signed_out,
                from_day=s.from_day,
                to_day=s.to_day,
            )
        )
    handed = sum(r.handed_in for r in rows)
    expected = sum(r.expected for r in rows)
    rows.append(
        SiteCompliance(
            site=TRUST_TOTAL,
            school_days=max((r.school_days for r in rows), default=0),
            handed_in=handed,
            expected=expected,
            rate=_rate(handed, expected),
            breaches=sum(r.breaches for r in rows),
            not_collected=sum(r.not_collected for r in rows),
            visitors_not_signed_out=sum(r.visitors_not_signed_out for r in rows),
            from_day=min((r.from_day for r in rows if r.from_day), default=None),
            to_day=max((r.to_day for r in rows if r.to_day), default=None),
            left_out=tuple(r.site for r in rows if not r.site.ready),
        )
    )
    return rows


@dataclass(frozen=True)
class SiteHeld:
    """Phones a school still holds: counts, no names (each school's own list has those).

    ``held`` (the compliance report's phones not collected) is ``in_tray`` + ``confiscated``;
    ``overnight`` and ``overflow`` are some of those, not more."""

    site: SiteInfo
    in_tray: int
    confiscated: int
    overnight: int
    overflow: int

    @property
    def held(self) -> int:
        return self.in_tray + self.confiscated

    def as_dict(self) -> dict[str, Any]:
        return _with_note(
            {
                "site": self.site.number,
                "code": self.site.code,
                "school": self.site.name,
                "held": self.held,
                "in_tray": self.in_tray,
                "confiscated": self.confiscated,
                "kept_overnight": self.overnight,
                "in_overflow": self.overflow,
            },
            self.site,
        )


def uncollected_across(
    actor: Staff | None, *, now: dt.datetime | None = None, tz=SCHOOL_TZ, first_name: str = "Site 1"
) -> list[SiteHeld]:
    now = now or utcnow()
    sites = _at_site_1(actor, "trust_reports", now, first_name)
    out: list[SiteHeld] = []
    for site, held in read_each(sites, lambda _site: phones.uncollected(now, tz)):
        if held is None:
            out.append(SiteHeld(site, 0, 0, 0, 0))
            continue
        out.append(
            SiteHeld(
                site=site,
                in_tray=sum(1 for p in held if p.held_as == PhoneState.IN_TRAY),
                confiscated=sum(1 for p in held if p.held_as == PhoneState.CONFISCATED),
                overnight=sum(1 for p in held if p.overnight),
                overflow=sum(1 for p in held if p.overflow),
            )
        )
    return out


@dataclass(frozen=True)
class SiteFeedEntry:
    site: SiteInfo
    entry: concerns.FeedEntry

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site.number,
            "code": self.site.code,
            "school": self.site.name,
            **self.entry.as_dict(),
            "note": None,
        }


def feed_across(
    actor: Staff | None,
    from_day: dt.date,
    to_day: dt.date,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    first_name: str = "Site 1",
) -> list[SiteFeedEntry]:
    """Every school's DSL feed over the range (:func:`feed_read`), without the schools not read."""
    return feed_read(actor, from_day, to_day, now=now, tz=tz, first_name=first_name)[0]


def feed_read(
    actor: Staff | None,
    from_day: dt.date,
    to_day: dt.date,
    *,
    now: dt.datetime | None = None,
    tz=SCHOOL_TZ,
    first_name: str = "Site 1",
) -> tuple[list[SiteFeedEntry], list[SiteInfo]]:
    """Every school's DSL feed over the range (concerns, confiscations, searches, police),
    newest first, for the trust's safeguarding lead, and the schools not read (each with its
    state: one not there to be read, or found not as the kiosk made it while the trust was
    read). Read only: nothing is marked seen at a school (its own DSL's marks are theirs).
    An allegation about the reader is left out; one about a school's headteacher is in (the
    trust, the employer, deals with those). A range that ends (or starts) after today is
    refused, as the trust's compliance refuses it."""
    now = now or utcnow()
    sites = _at_site_1(actor, "trust_safeguarding", now, first_name)
    comp.check_range(None, to_day, now, tz)  # (--to alone: the range's end named, not its start)
    comp.check_range(from_day, to_day, now, tz)
    out: list[SiteFeedEntry] = []
    gone: list[SiteInfo] = []
    for site, entries in read_each(
        sites,
        lambda site: concerns.safeguarding_feed(from_day, to_day, tz=tz, not_about=_self_at(site, actor)),
    ):
        if entries is None:
            gone.append(site)
        out += [SiteFeedEntry(site, e) for e in entries or ()]
    out.sort(key=lambda s: s.entry.at, reverse=True)
    return out, gone


def governors_across(
    actor: Staff | None, term: gov.Term, *, now: dt.datetime | None = None, tz=SCHOOL_TZ, first_name: str = "Site 1"
) -> list[tuple[SiteInfo, gov.GovernorsReport | None]]:
    """Each school's governors' figures for the term (counts, no names); None for a school
    not read. A term under way is read to today; one that starts after today is refused,
    as the trust's compliance refuses a range after today."""
    now = now or utcnow()
    sites = _at_site_1(actor, "trust_reports", now, first_name)
    today = local_day(now, tz)
    if term.from_day > today:
        raise ValidationError(f"{term.label} starts after today ({today.isoformat()}): give a term that has begun.")
    return read_each(
        sites,
        lambda site: gov.governors_report(
            term, names=False, reader=None, now=now, tz=tz, not_about=_self_at(site, actor)
        ),
    )


def not_read(first_name: str = "Site 1") -> list[SiteInfo]:
    """The trust's schools no report reads now: a place waiting for its records, or a
    school whose tables are gone."""
    return [s for s in all_sites(first_name) if not s.ready]


def unread_row(site: SiteInfo, columns: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A school not read, as one row of a report whose rows are not schools (the feed, the
    governors' figures): its site and name, its state, nothing else."""
    named = {"site": site.number, "code": site.code, "school": site.name}
    return {**named, **{c: None for c in columns if c not in named}, "note": site.state_text}


def record_read(
    actor: Staff,
    what: str,
    sites: list[SiteInfo],
    now: dt.datetime,
    *,
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    term: str | None = None,
) -> None:
    """Who read what across the trust, in site 1's chain (a school's own DSL can ask the
    trust who read its records): the report, the schools, and the days it covered (the
    range, and the term for the governors' figures; the phones held: as of ``at``)."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx

    details: dict[str, Any] = {"report": what, "sites": [s.number for s in sites]}
    if from_day is not None:
        details["from"] = from_day.isoformat()
    if to_day is not None:
        details["to"] = to_day.isoformat()
    if term is not None:
        details["term"] = term
    with write_tx():
        audit.append(actor, "trust.report_read", "trust", what, details, now)
