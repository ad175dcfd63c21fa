"""A trust's schools (issue 16): the registry, and reports across the schools, read at
site 1 by the trust's own roles (``models.trust``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn
from models.errors import ValidationError

if TYPE_CHECKING:
    from models.trust import SiteInfo
    from models.trust.reports import SiteCompliance, SiteFeedEntry, SiteHeld


def sites(settings: Any) -> list[SiteInfo]:
    """The trust's schools, site 1 first (a school alone: itself)."""
    from models.trust import all_sites

    return all_sites(settings.school_name or "Site 1")


def not_read(settings: Any) -> list[SiteInfo]:
    """The trust's schools no report reads now (a place waiting for its records, a school
    whose tables are gone): every view across the trust names them."""
    from models.trust.reports import not_read as unread

    return unread(settings.school_name or "Site 1")


def unread_row(site: SiteInfo, columns: Sequence[str]) -> dict[str, Any]:
    """A school not read, as a row of a report whose rows are not schools (the feed)."""
    from models.trust.reports import unread_row as row

    return row(site, tuple(columns))


def left_out_text(gone: Sequence[SiteInfo]) -> str:
    """What a total across the trust leaves out, as `trust compliance`'s total row says it."""
    from models.trust.reports import left_out_text as text

    return text(list(gone))


def grants(code: str, role: str | None) -> str:
    """The SQL for the ``postgres`` superuser giving a school a login role of its own: its own
    schema and the registry (read), nothing of the other schools (``models.trust.grants``)."""
    from models.trust import grants_for

    return grants_for(code, role)


def name_the_school(settings: Any) -> None:
    """A school of a trust whose config names no school is called by its name in the
    trust's registry (a terminal at Elm with no ``school_name``: "Elm Primary", not
    "Our School"), on its screens, slips and reports. Call once the database is open."""
    from models.config import Settings
    from models.trust import registered_name

    if getattr(settings, "school_name_given", True) or settings.school_name != Settings.school_name:
        return  # named by its config (or by whoever made these settings)
    name = registered_name()
    if name:
        settings.school_name = name


def add_site(who: SignedIn, code: str, name: str, settings: Any, now: dt.datetime, *, empty: bool = False) -> SiteInfo:
    from models.staff.auth import require
    from models.trust import add_site as add

    actor = staff_row(who)
    require(actor, "manage_sites")
    return add(code, name, actor=actor, now=now, first_name=settings.school_name or "Site 1", empty=empty)


def rename_site(who: SignedIn, code: str, name: str, now: dt.datetime) -> SiteInfo:
    """A school of the trust takes a new name; ``code`` "1" (or "") is site 1, which has no code."""
    from models.sites import MAIN
    from models.trust import rename_site as rename

    return rename(MAIN if code.strip() in ("", "1") else code.strip(), name, actor=staff_row(who), now=now)


def compliance(
    who: SignedIn, from_day: dt.date | None, to_day: dt.date | None, settings: Any, now: dt.datetime
) -> list[SiteCompliance]:
    from models.trust import reports

    actor = staff_row(who)
    rows = reports.compliance_across(
        actor, from_day, to_day, now=now, tz=settings.tz, first_name=settings.school_name or "Site 1"
    )
    total = rows[-1]
    reports.record_read(
        actor,
        "compliance",
        [r.site for r in rows[:-1] if r.site.ready],
        now,
        from_day=total.from_day,
        to_day=total.to_day,
    )
    return rows


def uncollected(who: SignedIn, settings: Any, now: dt.datetime) -> list[SiteHeld]:
    from models.trust import reports

    actor = staff_row(who)
    rows = reports.uncollected_across(actor, now=now, tz=settings.tz, first_name=settings.school_name or "Site 1")
    reports.record_read(actor, "uncollected", [r.site for r in rows if r.site.ready], now)
    return rows


@dataclass(frozen=True)
class TrustFeed:
    entries: list[SiteFeedEntry]  # newest first
    gone: list[SiteInfo]  # the schools not read, each with its state


def feed(who: SignedIn, from_day: dt.date, to_day: dt.date, settings: Any, now: dt.datetime) -> TrustFeed:
    from models.trust import reports

    actor = staff_row(who)
    rows, gone = reports.feed_read(
        actor, from_day, to_day, now=now, tz=settings.tz, first_name=settings.school_name or "Site 1"
    )
    unread = {s.number for s in gone}
    read = [s for s in sites(settings) if s.ready and s.number not in unread]
    reports.record_read(actor, "safeguarding_feed", read, now, from_day=from_day, to_day=to_day)
    return TrustFeed(rows, gone)


@dataclass(frozen=True)
class TrustGovernors:
    term: str
    rows: list[dict[str, Any]]  # site, code, school, section, measure, group, value, note
    small_counts: bool = False  # some count is 1 or 2: it may identify a child
    gone: tuple[SiteInfo, ...] = ()  # the schools not read, each with its state


def governors(who: SignedIn, term: str | None, settings: Any, now: dt.datetime) -> TrustGovernors:
    """Each school's governors' figures for the term, as rows (counts, no names)."""
    from models.reports import governors as gov
    from models.trust import reports

    actor = staff_row(who)
    if not (term or "").strip():  # (the school's own report also takes --from/--to; this one takes a term)
        raise ValidationError("Give the term, for example --term autumn-2026 (or spring-2027, summer-2027).")
    span = gov.resolve_term(term, None, None)
    per_site = reports.governors_across(
        actor, span, now=now, tz=settings.tz, first_name=settings.school_name or "Site 1"
    )
    read = [(site, rep) for site, rep in per_site if rep is not None]
    covered = max((rep.covered_to for _, rep in read), default=span.to_day)  # to today while under way
    reports.record_read(
        actor, "governors", [s for s, _ in read], now, from_day=span.from_day, to_day=covered, term=span.label
    )
    rows = []
    for site, rep in per_site:
        if rep is None:  # not read: its place is empty, or its tables are gone
            rows.append(reports.unread_row(site, ("section", "measure", "group", "value")))
            continue
        named = {"site": site.number, "code": site.code, "school": site.name}
        mine = [{**named, **row.to_dict(), "note": None} for row in rep.rows()]
        if not any(r["section"] == "hand_in_term" for r in mine):
            # No hand-in yet this term (so no school day, and no hand-in rows): the school is
            # shown with zeros, not left out of the hand-in figures.
            mine[:0] = [
                {**named, "section": "hand_in_term", "measure": m, "group": gov.ALL_CLASSES, "value": v, "note": None}
                for m, v in (("school_days", 0), ("handed_in", 0), ("expected", 0), ("rate_percent", None))
            ]
        rows += mine
    return TrustGovernors(
        span.label,
        rows,
        small_counts=any(rep.small_counts for _, rep in read),
        gone=tuple(site for site, rep in per_site if rep is None),
    )
