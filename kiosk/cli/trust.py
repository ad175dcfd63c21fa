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
from kiosk.cli._common import FORMAT, Env, Warned, common, emit, parse_date, printable_text

HELD_HEADINGS = {"in_tray": "in tray", "kept_overnight": "overnight", "in_overflow": "in overflow"}  # as on screen
HELD_NOTE = (  # two lines of 80 columns at most
    "Held = in tray + confiscated (not collected).\nOvernight and in overflow are some of those, not more."
)
HELD_FIELDS = ("held", "in_tray", "confiscated", "kept_overnight", "in_overflow")
# The compliance table's headings, short as on the screen so that they fit 80 columns ("held":
# the phones not collected, as the held table heads them).
COMPLIANCE_HEADINGS = {"school_days": "days", "handed_in": "handed", "rate_percent": "rate", "not_collected": "held"}
WIDTH = 80  # every table within 80 columns (a cell too long wraps: nothing is cut)
TABLE_TOTAL_SITE = "—"  # the total row's site column in a table: the trust's, no school's number
TABLE_TOTAL = "Trust total"  # the total row's name in a table, as on the screen (CSV, JSON: "The trust (all schools)")
# CSV and JSON (the machine formats) of every `kiosk trust` command: each row starts with the
# school (site, code, school; site 1's code "") and ends with `note`, "" in CSV and null in
# JSON when there is nothing to say (README: "A trust of several schools"). The table shows
# fewer columns, and a note column only when some row has a note.
MACHINE = {
    "sites": ["site", "code", "school", "schema", "note"],
    "compliance": [
        "site",
        "code",
        "school",
        "school_days",
        "handed_in",
        "expected",
        "rate_percent",
        "breaches",
        "not_collected",
        "visitors_not_signed_out",
        "note",
    ],
    "uncollected": ["site", "code", "school", *HELD_FIELDS, "note"],
    "feed": ["site", "code", "school", "time", "kind_text", "subject", "class_name", "summary", "by", "detail", "note"],
    "governors": ["site", "code", "school", "section", "measure", "group", "value", "note"],
}


def _shown(rows: list[dict], table_columns: list[str], report: str, fmt: str) -> tuple[list[dict], list[str]]:
    """The rows and columns to print. JSON: every row whole (null where nothing is known or
    said). CSV: :data:`MACHINE`'s columns, whatever the rows hold, blank for null. Table:
    ``table_columns``, then ``note`` if some row has one; a school not read has blanks."""
    # the trust's total is no school: no site number (never "site 0"), null in JSON, blank in CSV
    total = [r.get("site") == 0 for r in rows]
    rows = [{**r, "site": None} if is_total else r for r, is_total in zip(rows, total, strict=True)]
    if fmt == "json":
        return rows, MACHINE[report]
    rows = [{k: "" if v is None else v for k, v in r.items()} for r in rows]
    if fmt == "csv":
        return rows, MACHINE[report]
    for r, is_total in zip(rows, total, strict=True):
        if is_total:  # in the table: "—" where a school has its number, and a short name (80 columns)
            r["site"], r["school"] = TABLE_TOTAL_SITE, TABLE_TOTAL
    return rows, [*table_columns, "note"] if any(r.get("note") for r in rows) else table_columns


def _say_not_read(gone: list, fmt: str, *, listing: bool = False) -> None:
    """After a view across the trust: each school it did not read, in one line. A place
    waiting for its records is a note (a move under way); a school whose tables are gone
    is a warning, and exit code 1 (the figures are not the whole trust's)."""
    lost = [s for s in gone if s.lost]
    for s in gone:
        if s.lost:
            click.echo(
                f"Warning: {s.label} is in the trust's registry but {s.fault_text}: "
                "it is not in any report across the trust. Run kiosk audit verify at site 1.",
                err=True,
            )
        elif not listing:
            note = (
                f"Note: {s.label} is not in these figures: its place is empty, waiting for its records to be moved in."
            )
            if fmt == "table":  # under the table, within its 80 columns (CSV and JSON: one line on stderr)
                import textwrap

                note = textwrap.fill(note, WIDTH, subsequent_indent="  ")
            click.echo(note, err=fmt != "table")
    if lost:
        raise Warned()


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
    listed = trust_actions.sites(env.settings)
    rows, columns = _shown(
        [  # site 1 has no code: "" in JSON and CSV (as `trust compliance` has it), named in the table
            {
                "site": s.number,
                "code": s.code or ("(none: site 1)" if fmt == "table" else ""),
                "school": s.name,
                "schema": s.schema,
                "note": s.state_text or None,
            }
            for s in listed
        ],
        ["site", "code", "school", "schema"],
        "sites",
        fmt,
    )
    emit(rows, fmt, columns, width=WIDTH, keep=("site",), below="note")
    _say_not_read([s for s in listed if not s.ready], fmt, listing=True)


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
    before = {s.code for s in trust_actions.sites(env.settings)}
    site = trust_actions.add_site(who, code, name, env.settings, admin.now(), empty=empty)
    if site.code in before:  # a school of the trust whose tables were lost: its place made again
        click.echo(
            f"{site.name} (site {site.number}, code {site.code}) made again, empty: its tables were lost. Put its "
            f"backup back with `KIOSK_SITE={site.code} kiosk restore FILE`, or move its records in with "
            f"`kiosk migrate-to 'postgresql://…?site={site.code}' --db ITS.sqlite3 --as ADMIN`."
        )
        return
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


@trust_group.command("rename-site")
@click.argument("code")
@click.option("--name", "name", required=True, help='Its new name, e.g. "Elm CE Academy".')
@common
@acts("manage_sites")
def trust_rename_site(env: Env, who, code: str, name: str) -> None:
    """Give a school of the trust a new name (CODE: its code; 1 for site 1). Its code, and so
    its terminals' set-up, stay as they are. Run at site 1, by its admin."""
    env.open(create=False)
    site = trust_actions.rename_site(who, code, name, admin.now())
    if site.code:
        click.echo(f"Site {site.number} (code {site.code}) is now called {site.name}.")
    else:
        click.echo(
            f"Site 1 is now called {site.name} in the trust's reports. Its own terminals show the name in "
            "their config (school_name) when it names one: change it there too."
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
    data = [r.as_dict() for r in rows]
    if fmt != "json":  # no one expected: no rate (JSON keeps null); a school not read: no figures
        data = [
            {**r, "rate_percent": "n/a"} if r["rate_percent"] is None and r["handed_in"] is not None else r
            for r in data
        ]
    shown, columns = _shown(
        data,
        ["site", "school", "school_days", "handed_in", "expected", "rate_percent", "breaches", "not_collected"],
        "compliance",
        fmt,
    )
    emit(shown, fmt, columns, COMPLIANCE_HEADINGS, width=WIDTH, keep=("site",), below="note")
    _say_not_read([r.site for r in rows[:-1] if not r.site.ready], fmt)


@trust_group.command("uncollected")
@FORMAT
@common
@acts("trust_reports")
def trust_uncollected(env: Env, who, fmt: str) -> None:
    """Phones each school still holds: counts (each school's own list has the names)."""
    env.open(create=False)
    rows = trust_actions.uncollected(who, env.settings, admin.now())
    data = [r.as_dict() for r in rows]
    if fmt == "table" and len(rows) > 1:  # the trust's total, as on the screen (CSV and JSON: the schools only)
        read = [r for r in data if r["held"] is not None]
        gone = [r.site for r in rows if not r.site.ready]
        data.append(
            {
                "site": 0,
                "school": TABLE_TOTAL,
                **{f: sum(r[f] for r in read) for f in HELD_FIELDS},
                "note": trust_actions.left_out_text(gone) if gone else None,
            }
        )
    shown, columns = _shown(data, ["site", "school", *HELD_FIELDS], "uncollected", fmt)
    emit(shown, fmt, columns, HELD_HEADINGS, width=WIDTH, keep=("site",), below="note")
    if fmt == "table":
        click.echo(HELD_NOTE)
    _say_not_read([r.site for r in rows if not r.site.ready], fmt)


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
    done = trust_actions.feed(who, from_day, to_day, env.settings, admin.now())
    rows, gone = done.entries, done.gone
    columns = ["school", "time", "kind_text", "subject", "class_name", "summary", "by"]
    shown, columns = _shown(  # the CSV has `detail`, the whole text (the summary is cut to fit a line)
        [r.as_dict() for r in rows] + [trust_actions.unread_row(s, MACHINE["feed"][:-1]) for s in gone],
        columns,
        "feed",
        fmt,
    )
    if fmt == "table":  # seven columns cannot share 80: each entry in a few lines of its own, whole
        _feed_entries(shown)
    else:
        emit(shown, fmt, columns, {"kind_text": "kind", "class_name": "class"})
    _say_not_read(gone, fmt)


def _feed_entries(rows: list[dict]) -> None:
    """The trust's feed as a person reads it at 80 columns: per entry, its time, school and
    kind, then who it is about, the whole text and who recorded it, wrapped (nothing cut);
    a school not read, its note."""
    import textwrap

    if not rows:
        click.echo("(none)")
        return

    def text(row: dict, key: str) -> str:
        return printable_text(str(row.get(key) or ""))

    for n, row in enumerate(rows):
        if n:
            click.echo("")
        if not row.get("time"):  # a school not read
            click.echo(textwrap.fill(f"{text(row, 'school')}: {text(row, 'note')}", WIDTH, subsequent_indent="  "))
            continue
        click.echo(
            textwrap.fill(
                f"{text(row, 'time')}  {text(row, 'school')}: {text(row, 'kind_text')}", WIDTH, subsequent_indent="  "
            )
        )
        about = text(row, "subject") + (f" ({text(row, 'class_name')})" if row.get("class_name") else "")
        said = text(row, "detail") or text(row, "summary")
        words = f"{about}: {said}" if about else said
        if row.get("by"):
            words += f" Recorded by {text(row, 'by')}."
        if row.get("note"):
            words += f" {text(row, 'note')}"
        click.echo(textwrap.fill(words, WIDTH, initial_indent="  ", subsequent_indent="  "))


@trust_group.command("governors")
@click.option("--term", "term_text", default=None, metavar="TERM", help="autumn-2026, spring-2027 or summer-2027.")
@FORMAT
@common
@acts("trust_reports")
def trust_governors(env: Env, who, term_text: str | None, fmt: str) -> None:
    """Each school's governors' figures for the term (counts, no names), one row per figure."""
    env.open(create=False)
    done = trust_actions.governors(who, term_text, env.settings, admin.now())
    data = done.rows
    if fmt != "json":  # a rate with no one expected (JSON keeps null); a school not read: no figures
        data = [{**r, "value": "n/a"} if r["value"] is None and r["section"] is not None else r for r in data]
    shown, columns = _shown(data, ["site", "school", "section", "measure", "group", "value"], "governors", fmt)
    emit(shown, fmt, columns, width=WIDTH, keep=("site",), below="note")
    if done.small_counts:  # as the school's own report warns (JSON and CSV: on stderr, the data untouched)
        click.echo(
            "Some counts are 1 or 2 and may identify a child: keep these within the trust.",  # (80 columns)
            err=fmt != "table",
        )
    _say_not_read(list(done.gone), fmt)
