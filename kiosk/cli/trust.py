"""``kiosk trust``: a trust's schools on one PostgreSQL database (issue 16).

Each school is a site (``?site=CODE`` on the database URL, or KIOSK_SITE); site 1 is the
school that was there first. Its admin adds the others; the trust's own roles (trust_lead,
trust_dsl), held at site 1, read reports across them and can write into none.
"""

from __future__ import annotations

import click

from kiosk.actions import admin
from kiosk.actions import trust as trust_actions
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, common, emit, parse_date

HELD_HEADINGS = {"in_tray": "in tray", "kept_overnight": "overnight", "in_overflow": "in overflow"}  # as on screen
HELD_NOTE = "Held = in tray + confiscated (not collected); overnight and in overflow are some of those, not more."


@click.group("trust")
def trust_group() -> None:
    """A trust's schools on one PostgreSQL database: the sites, and reports across them."""


@open_command("read-only listing")
@trust_group.command("sites")
@FORMAT
@common
def trust_sites(env: Env, fmt: str) -> None:
    """The trust's schools (site 1 first) and the code a terminal names to open each."""
    env.open(create=False)
    emit(
        [  # site 1 has no code: "" in JSON and CSV (as `trust compliance` has it), named in the table
            {
                "site": s.number,
                "code": s.code or ("(none: site 1)" if fmt == "table" else ""),
                "school": s.name,
                "schema": s.schema,
            }
            for s in trust_actions.sites(env.settings)
        ],
        fmt,
        ["site", "code", "school", "schema"],
    )


@trust_group.command("add-site")
@click.argument("code")
@click.option("--name", "name", required=True, help='The school\'s name, e.g. "Elm Primary School".')
@click.option(
    "--empty",
    is_flag=True,
    help="Make the school's place with no tables: its SQLite records then move in with kiosk migrate-to.",
)
@common
@acts("manage_sites")
def trust_add_site(env: Env, who, code: str, name: str, empty: bool) -> None:
    """Add a school to the trust (CODE: its short name, e.g. elm). Run at site 1, by its admin."""
    env.open(create=False)
    site = trust_actions.add_site(who, code, name, env.settings, admin.now(), empty=empty)
    if empty:
        click.echo(
            f"{site.name} added as site {site.number} (code {site.code}), empty. Move its records in with "
            f"`kiosk migrate-to 'postgresql://…?site={site.code}' --db ITS.sqlite3 --as ADMIN`, or put its "
            f"backup back with `KIOSK_SITE={site.code} kiosk restore FILE`; its terminals "
            f"then set KIOSK_SITE={site.code}."
        )
        return
    click.echo(
        f"{site.name} added as site {site.number} (code {site.code}). Its terminals set KIOSK_SITE={site.code} "
        f'(or site = "{site.code}" in the config); add its first admin there with `kiosk staff add`.'
    )


@open_command("prints SQL for the postgres superuser to run: reads no records, writes nothing")
@trust_group.command("grants")
@click.option("--site", "code", required=True, help="The school's code (kiosk trust sites lists them).")
@click.option("--role", default=None, help="Its PostgreSQL login role (default: DATABASE_CODE).")
@common
def trust_grants(env: Env, code: str, role: str | None) -> None:
    """SQL giving one school a PostgreSQL login role of its own: its schema only, and the
    trust's registry read-only; no other school's records (docs/deploy.md section 6)."""
    env.open(create=False)
    click.echo(trust_actions.grants(code, role), nl=False)


@trust_group.command("compliance")
@click.option("--from", "from_text", default=None, help="YYYY-MM-DD (default: the first of the last 30 school days).")
@click.option("--to", "to_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
@acts("trust_reports")
def trust_compliance(env: Env, who, from_text: str | None, to_text: str | None, fmt: str) -> None:
    """Each school's hand-in rate, breaches and phones not collected, then the trust's total."""
    from_day = parse_date(from_text, "--from")
    to_day = parse_date(to_text, "--to")
    env.open(create=False)
    rows = trust_actions.compliance(who, from_day, to_day, env.settings, admin.now())
    shown = [r.as_dict() for r in rows]
    if fmt != "json":  # no one expected: no rate (JSON keeps null)
        shown = [{**r, "rate_percent": "n/a" if r["rate_percent"] is None else r["rate_percent"]} for r in shown]
    emit(
        shown,
        fmt,
        ["site", "school", "school_days", "handed_in", "expected", "rate_percent", "breaches", "not_collected"],
        {
            "school_days": "school days",
            "handed_in": "handed in",
            "rate_percent": "rate %",
            "not_collected": "not collected",
        },
    )


@trust_group.command("uncollected")
@FORMAT
@common
@acts("trust_reports")
def trust_uncollected(env: Env, who, fmt: str) -> None:
    """Phones each school still holds: counts (each school's own list has the names)."""
    env.open(create=False)
    rows = trust_actions.uncollected(who, env.settings, admin.now())
    emit(
        [r.as_dict() for r in rows],
        fmt,
        ["site", "school", "held", "in_tray", "confiscated", "kept_overnight", "in_overflow"],
        HELD_HEADINGS,
    )
    if fmt == "table":
        click.echo(HELD_NOTE)


@trust_group.command("feed")
@click.option("--from", "from_text", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--to", "to_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
@acts("trust_safeguarding")
def trust_feed(env: Env, who, from_text: str | None, to_text: str | None, fmt: str) -> None:
    """Every school's DSL feed (concerns, confiscations, searches, police), newest first.
    Read only: nothing is marked seen at a school."""
    from kiosk.actions.listings import today

    to_day = parse_date(to_text, "--to") or today(env.settings.tz)
    from_day = parse_date(from_text, "--from") or to_day
    env.open(create=False)
    rows = trust_actions.feed(who, from_day, to_day, env.settings, admin.now())
    columns = ["school", "time", "kind_text", "subject", "class_name", "summary", "by"]
    if fmt == "csv":  # a spreadsheet has room for the whole text (the summary is cut to fit a line)
        columns.append("detail")
    emit([r.as_dict() for r in rows], fmt, columns, {"kind_text": "kind", "class_name": "class"})


@trust_group.command("governors")
@click.option("--term", "term_text", default=None, metavar="TERM", help="autumn-2026, spring-2027 or summer-2027.")
@FORMAT
@common
@acts("trust_reports")
def trust_governors(env: Env, who, term_text: str | None, fmt: str) -> None:
    """Each school's governors' figures for the term (counts, no names), one row per figure."""
    env.open(create=False)
    done = trust_actions.governors(who, term_text, env.settings, admin.now())
    shown = done.rows
    if fmt != "json":  # a rate with no one expected (JSON keeps null)
        shown = [{**r, "value": "n/a" if r["value"] is None else r["value"]} for r in shown]
    emit(shown, fmt, ["site", "school", "section", "measure", "group", "value"])
    if done.small_counts:  # as the school's own report warns (JSON and CSV: on stderr, the data untouched)
        click.echo(
            "Some counts are 1 or 2 and may identify a child: keep these figures within the trust.",
            err=fmt != "table",
        )
