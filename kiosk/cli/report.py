"""``kiosk report``: reports for the office, leadership and inspectors."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from kiosk.actions import admin, listings
from kiosk.actions import reports as report_actions
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, common, emit, how_many, parse_date


@click.group()
def report() -> None:
    """Reports for the office, leadership and inspectors."""


@report.command("day")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
@acts("view_reports", doing="list a day's phone events")
def report_day(env: Env, who, date_text: str | None, fmt: str) -> None:
    """Every custody event of one day (pupils' personal data: --as office staff or above), with
    the details of each as the person named may read them."""
    day = parse_date(date_text, "--date") or listings.today(env.settings.tz)
    env.open(create=False)
    emit(
        listings.day_events(day, env.settings.tz, who=who),
        fmt,
        ["time", "event", "code", "pupil", "class", "slot", "by", "detail"],
    )


@open_command("read-only report")
@report.command("uncollected")
@FORMAT
@common
def report_uncollected(env: Env, fmt: str) -> None:
    """Phones the school still holds."""
    env.open(create=False)
    emit(
        [r.to_dict() for r in listings.uncollected(env.settings.tz)],
        fmt,
        ["slot", "code", "pupil", "class", "state", "since"],
    )


WIDTH = 80  # a line of the human output at most (a table is as wide as its columns)
# The day tables' headings, plain and narrow enough for 80 columns (CSV keeps the field names).
DAY_HEADINGS = {"handed_in": "handed", "no_phone": "no phone", "rate_percent": "rate %"}


def say(text: str) -> None:
    """A sentence of the human output, wrapped at :data:`WIDTH` (the next lines indented)."""
    click.echo(textwrap.fill(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False))


@open_command("read-only report")
@report.command("compliance")
@click.option("--from", "from_text", default=None, help="YYYY-MM-DD (default: the first of the last 30 school days).")
@click.option("--to", "to_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
def report_compliance(env: Env, from_text: str | None, to_text: str | None, fmt: str) -> None:
    """Hand-in rates per class per school day, the last 30 school days, phones not collected.

    School days are weekdays on which any phone was handed in (holidays are left out).
    Only pupils in school with a phone are expected: pupils marked absent or "no phone
    today" and those with an agreed exception are counted separately. Breaches
    (confiscations) per class and repeat breaches (without names: the compliance screen
    shows them to leadership, the DSL and the headteacher).
    """
    from_day, to_day = parse_date(from_text, "--from"), parse_date(to_text, "--to")
    env.open(create=False)
    view = listings.compliance(from_day, to_day, env.settings.tz)
    rep = view.report
    breaches = rep.breaches.without_names() if rep.breaches is not None else None
    if fmt == "json":
        data = rep.as_dict()
        data["breaches"] = breaches.to_dict() if breaches is not None else None
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return

    def pct(rate: float | None) -> str:
        return "" if rate is None else f"{rate:.1f}"

    def day_row(section: str, r: listings.ClassDay | listings.DayTotal) -> dict[str, Any]:
        return {
            "section": section,
            "date": r.date.isoformat(),
            "class": r.class_name if isinstance(r, listings.ClassDay) else "all",
            "handed_in": r.handed_in,
            "expected": r.expected,
            "exceptions": r.exceptions,
            "absent": r.absent,
            "no_phone": r.no_phone,
            "rate_percent": pct(r.rate),
        }

    day_cols = ["date", "class", "handed_in", "expected", "exceptions", "absent", "no_phone", "rate_percent"]
    breach_rows = (
        [{"class": c.class_name, "breaches": c.breaches, "pupils": c.pupils} for c in breaches.per_class]
        if breaches
        else []
    )
    repeat_rows = (
        [
            {"pupil_id": r.pupil_id, "class": r.class_name, "breaches": r.breaches, "last": r.last.isoformat()}
            for r in breaches.repeat
        ]
        if breaches
        else []
    )
    held_cols = ["slot", "code", "pupil", "class", "state", "since"]
    visit_cols = ["badge", "name", "organisation", "type", "signed_in", "signed_out"]
    if fmt == "csv":
        rows = [day_row("class_day", r) for r in rep.class_days]
        rows += [day_row("school_day", r) for r in rep.last_30]
        rows += [
            {
                "section": "not_collected",
                "date": h.day.isoformat() if h.day else "",  # a past range: the day it was not collected
                **{k: h.to_dict()[k] for k in held_cols},
            }
            for h in rep.not_collected
        ]
        rows += [{"section": "visitor_not_signed_out", **v.to_dict()} for v in rep.visitors_not_signed_out_rows]
        rows += [{"section": "breaches", **b} for b in breach_rows]
        rows += [{"section": "repeat_breaches", **b} for b in repeat_rows]
        extra = ["breaches", "pupils", "pupil_id", "last"]
        emit(rows, "csv", ["section", *day_cols, "slot", "code", "pupil", "state", "since", *visit_cols, *extra])
        return
    t = rep.totals
    click.echo(f"Compliance {rep.from_day} to {rep.to_day} ({how_many(t.school_days, 'school day')}):")
    click.echo(f"{t.handed_in} of {how_many(t.expected, 'phone')} handed in ({pct(t.rate) or '-'} %).")
    if rep.ends_today:
        click.echo(f"\nToday ({rep.to_day}), per class:")
    else:
        click.echo(f"\nThe last day, {rep.to_day:%a} {rep.to_day}, per class:")
    emit([day_row("today", r) for r in rep.today], "table", day_cols[1:], DAY_HEADINGS)
    click.echo("\nLast 30 school days (all classes):")
    for line in view.chart:
        click.echo(line)
    click.echo("\nPer class per school day:")
    emit([day_row("class_day", r) for r in rep.class_days], "table", day_cols, DAY_HEADINGS)
    if rep.ends_today:
        click.echo(f"\nPhones not collected, now ({len(rep.not_collected)}):")
        emit([h.to_dict() for h in rep.not_collected], "table", held_cols)
    else:  # a past range: as the ledger had them at the end of each school day, not as today
        click.echo(f"\nPhones still held at the end of each school day ({len(rep.not_collected)}, a phone once a day):")
        emit(
            [{"date": h.day.isoformat() if h.day else "", **h.to_dict()} for h in rep.not_collected],
            "table",
            ["date", *held_cols],
        )
    click.echo(f"\nVisitors not signed out by the end of their day ({rep.visitors_not_signed_out}):")
    if rep.visitors_not_signed_out_rows:
        emit(
            [
                {**v.to_dict(), "signed_out": v.to_dict()["signed_out"] or "still signed in"}
                for v in rep.visitors_not_signed_out_rows
            ],
            "table",
            ["date", *visit_cols],
        )
    total = breaches.total if breaches else 0
    click.echo(f"\nBreaches (confiscations) {rep.from_day} to {rep.to_day}: {total}, per class:")
    emit(breach_rows, "table", ["class", "breaches", "pupils"])
    click.echo(f"\nRepeat breaches (2 or more in the period): {how_many(len(repeat_rows), 'pupil')}")
    if repeat_rows:
        emit(repeat_rows, "table", ["pupil_id", "class", "breaches", "last"])
    for note in rep.notes:
        say(f"Note: {note}")


@report.command("governors")
@click.option("--term", "term_text", default=None, metavar="TERM", help="autumn-2026, spring-2027 or summer-2027.")
@click.option(
    "--from", "from_text", default=None, metavar="DATE", help="YYYY-MM-DD: start here instead (with or without --term)."
)
@click.option(
    "--to", "to_text", default=None, metavar="DATE", help="YYYY-MM-DD: end here instead (with or without --term)."
)
@click.option(
    "--out", "out_dir", default=".", show_default=True, metavar="DIR", help="The folder to write the four files in."
)
@click.option("--names", is_flag=True, help="Name the pupils with repeated breaches (leadership, DSL, headteacher).")
@common
@acts("governors_report")
def report_governors(
    env: Env, who, term_text: str | None, from_text: str | None, to_text: str | None, out_dir: str, names: bool
) -> None:
    """The termly report for governors and inspectors: governors-TERM.html, .pdf, .csv and .json.

    Hand-in consistency by class and week (with a chart), breaches and repeats,
    confiscations, searches and police hand-overs, concerns by category and outcome,
    exceptions and their reviews, visitors, and the policies' review dates. No names
    unless --names. Terms: autumn 1 Sep to 31 Dec, spring 1 Jan to Easter Sunday,
    summer Easter Monday to 31 Jul; --from and --to override either end.
    """
    from_day, to_day = parse_date(from_text, "--from"), parse_date(to_text, "--to")
    done = report_actions.governors_report(
        who,
        term=term_text,
        from_day=from_day,
        to_day=to_day,
        names=names,
        out_dir=out_dir,
        settings=env.settings,
        now=admin.now(),
    )
    if done.audit_warning:
        click.echo(done.audit_warning)
    click.echo(
        f"Governors' report for {done.label} ({how_many(done.school_days, 'school day')}), "
        + ("with names" if done.names else "without names")
        + ":"
    )
    for path in done.paths:
        click.echo(f"  {path}")
    if done.small_counts:
        click.echo("Some counts are 1 or 2 and may identify a child: the page's footer says so.")
