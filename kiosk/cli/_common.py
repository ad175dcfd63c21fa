"""What every ``kiosk`` command shares: the :class:`Env` it runs in (settings, then the
database, opened lazily) and :func:`common`, which adds ``--db`` and ``--config``; the exit
codes; :func:`emit` and ``FORMAT`` for tables, CSV and JSON; the checks of dates and record
numbers on the command line (:class:`BadInput`, :class:`RecordNumber`, :class:`RecordCommand`);
and the audit anchor written after a command that changed records.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from models.errors import KioskError
from models.text import how_many as how_many  # counts in words, for every command

log = logging.getLogger("kiosk")

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 70
DEMO_DATABASE = "demo.sqlite3"  # the demo school's own database, in the data directory (--demo)


class Env:
    """What a command needs, opened lazily: settings, then the database."""

    def __init__(self, db: str | None, config: str | None, demo: bool = False) -> None:
        self.db_arg = db
        self.config_arg = config
        self.demo = demo
        self._opened = False
        self._settings = None
        self.tightened: list[str] = []
        self.damaged = False  # the file failed SQLite's quick check: what a report shows may be wrong

    @property
    def settings(self):
        if self._settings is None:
            from models.config import DEMO_CONFIG, load_settings

            path = self.config_arg
            if path is None and self.demo and "KIOSK_CONFIG" not in os.environ:
                path = str(DEMO_CONFIG)
            self._settings = load_settings(path)
            from models.custody.trays import set_overflow_place

            set_overflow_place(self._settings.overflow_place)  # where phones go when no slot is free
        return self._settings

    def db_url(self) -> str:
        from models.config import data_dir, database_url
        from models.errors import ConfigError

        if self.demo and not self.db_arg and "KIOSK_DATABASE_URL" not in os.environ:
            if self.settings.site.strip():  # the demo's own file is one school: no site to open there
                raise ConfigError(
                    f"--demo opens the demo school's own file, which has no sites, but KIOSK_SITE (or the config's "
                    f"site) names {self.settings.site.strip()!r}: unset KIOSK_SITE to use the demo, or leave out "
                    "--demo to open that school. Nothing was opened."
                )
            return str(data_dir() / DEMO_DATABASE)
        return database_url(self.db_arg, self.settings)

    def open(self, *, create: bool = True, check: bool = True) -> None:
        """Open the database. ``create=False`` (read-only commands, and commands that act
        for someone, who must already be in it): a database path given on purpose (--db,
        $KIOSK_DATABASE_URL, the config) that does not exist is one line, not a new empty
        database, and neither is the default one in the data directory (nor the demo's:
        :meth:`_no_database` says which to make, or that --demo was meant). Those also
        run SQLite's quick check (``check``; verify runs the full one): a damaged file is
        written no more, and a report from it ends with a warning and exit code 1."""
        from models.audit import anchors
        from models.store.db import integrity_problems
        from models.upkeep.opening import open_database

        if self._opened:  # already open (e.g. to check who is acting)
            return
        url = self.db_url()
        named = bool(self.db_arg or os.environ.get("KIOSK_DATABASE_URL") or (self.settings.database and not self.demo))
        if not create and not named and not Path(url).exists():
            raise KioskError(self._no_database(url))
        open_database(url, create=create)
        self._opened = True
        from kiosk.actions.trust import name_the_school

        name_the_school(self.settings)  # a trust's school with no name in its config: its registered name
        if check and not create and integrity_problems(quick=True):  # (0.3 s per 130 MB; [] on PostgreSQL)
            self.damaged = True
        self.print_demo_nowhere()
        anchors.configure(self.anchors_path(url))
        from models.store import pinkey

        pinkey.configure(self.settings.pin_key_file)  # [auth] key_file, else pin.key in the data directory
        self.tightened = _say_tightened()  # `kiosk run` also puts them in kiosk.log
        if not self.damaged:
            from models.upkeep.jobs import unfinished_jobs

            for line in unfinished_jobs():  # a job that stopped part way: said by every command until done
                click.echo(f"Note: {line}", err=True)

    def print_demo_nowhere(self) -> None:
        """The demo school prints to the dummy printer only (``models.upkeep.demo.demo_settings``):
        however it was opened (--demo, or its file by --db), its data never reaches paper."""
        from models.upkeep.demo import demo_settings, is_demo_school

        if not self.damaged and is_demo_school():
            self._settings = demo_settings(self.settings)

    def _no_database(self, url: str) -> str:
        """Why a command that reads (or acts for someone) makes no empty default database."""
        from models.config import data_dir

        if self.demo:
            return f"There is no demo school yet ({url}): make it with kiosk demo (or kiosk run --demo)."
        demo = data_dir() / DEMO_DATABASE
        if demo.exists():
            return f"There is no school database yet at {url}. The demo school is in {demo}: add --demo to use it."
        return (
            f"There is no school database yet at {url}: add the first admin with kiosk staff add, "
            "or try the demo school with kiosk demo."
        )

    def anchors_path(self, url: str | None = None) -> Path:
        """Where this database's audit anchors go: ``[audit] anchors``, or the data directory."""
        from models.audit import anchors

        if self.settings.audit_anchors is not None:
            return self.settings.audit_anchors
        return anchors.default_path(url or self.db_url())

    def sync_trays(self) -> None:
        from models.custody.trays import sync_trays
        from models.store.tables import SchoolClass

        if self.settings.trays and SchoolClass.select().exists():
            sync_trays(self.settings.trays, actor="config")


def _say_tightened() -> list[str]:
    """Files made before they were kept private (the data directory, the database) are
    narrowed at start: say which, once."""
    from models.store import files

    files.note(files.tighten_data_dir())
    lines = files.take_notes()
    for line in lines:
        click.echo(f"Note: {line}", err=True)
    return lines


class Warned(Exception):
    """The command ran, but ended with a warning on stderr: exit code 1 (see :func:`main`)."""


def database_options(fn: Callable) -> Callable:
    """--db, --config and --demo: on every command (:func:`common`), and on ``kiosk`` itself
    before the command (:func:`remember_database_options`)."""
    fn = click.option(
        "--db",
        "db",
        default=None,
        metavar="URL",
        help="Database: a file path, sqlite:///… or postgresql://…  Default: $KIOSK_DATABASE_URL or the data directory.",
    )(fn)
    fn = click.option(
        "--demo",
        "demo",
        is_flag=True,
        default=False,
        help="Use the demo school: its own database (demo.sqlite3 in the data directory) and settings.",
    )(fn)
    return click.option(
        "--config",
        "config",
        type=click.Path(),
        default=None,  # a folder: one line from load_settings
        help="Config file (TOML). Default: $KIOSK_CONFIG or the user config directory.",
    )(fn)


_BEFORE_KEY = "kiosk.database_options"  # where `kiosk --db X cmd` keeps them, in the root context's meta


def remember_database_options(db: str | None, config: str | None, demo: bool) -> None:
    """``kiosk --db URL --config FILE --demo COMMAND``: kept for the command (:func:`common`)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_BEFORE_KEY] = (db, config, demo)


def _merged(db: str | None, config: str | None, demo: bool) -> tuple[str | None, str | None, bool]:
    """The command's own --db/--config/--demo with those given before it: either place does;
    both, different, is one line (two databases are never mixed, nor one guessed)."""
    ctx = click.get_current_context(silent=True)
    before = ctx.meta.get(_BEFORE_KEY) if ctx is not None else None
    if before is None:
        return db, config, demo
    first_db, first_config, first_demo = before
    for option, a, b in (("--db", first_db, db), ("--config", first_config, config)):
        if a is not None and b is not None and a != b:
            raise BadInput(
                f"{option} is given twice, before and after the command, with different values ({a!r} and {b!r}): "
                "give it once."
            )
    return (db if db is not None else first_db), (config if config is not None else first_config), demo or first_demo


def common(fn: Callable) -> Callable:
    """Add --db, --config and --demo to a command and pass an :class:`Env`. They may also
    come before the command (``kiosk --db URL report day``): :func:`remember_database_options`.

    ``--demo``: the demo school, in its own database (``demo.sqlite3`` in the data
    directory) with the demo's settings, so it is never mixed with the school's records;
    without it, every command uses the school's database (``kiosk.sqlite3``)."""

    @database_options
    @functools.wraps(fn)
    def wrapper(db: str | None, config: str | None, demo: bool, **kwargs: Any) -> Any:
        db, config, demo = _merged(db, config, demo)
        _check_dates(kwargs)  # before anything is opened, asked for or written
        env = Env(db, config, demo=demo)
        result = fn(env, **kwargs)
        if env.damaged:  # (a command that writes was stopped before this by models.store.db.damaged)
            click.echo(
                "Warning: The database file failed its integrity check, so what is shown may be wrong or "
                "incomplete: run kiosk audit verify, and restore the last backup.",
                err=True,
            )
            raise Warned()
        return result

    return wrapper


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    headings: dict[str, str] | None = None,
    *,
    width: int | None = None,
    keep: Sequence[str] = (),
    below: str | None = None,
) -> None:
    """Print rows as an aligned table, CSV (formula-safe) or JSON. ``headings``: the
    table's plain headings for some columns (CSV and JSON keep the field names).

    ``width`` (a table only): at most that many columns, nothing cut. The widest columns
    narrow first (never below their heading, nor those in ``keep``), and a cell longer than
    its column wraps onto the lines below, at spaces where it can. ``below`` (a column, with
    ``width``): printed under its row, indented and wrapped to the width, when it says anything."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        from models.store.csvsafe import write_csv

        buf = io.StringIO()
        write_csv(buf, columns, [[r.get(c, "") for c in columns] for r in rows])
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    from rich.cells import cell_len

    from models.custody.codes import printable

    def pad(text: str, width: int) -> str:  # in terminal cells: an emoji takes two
        return text + " " * (width - cell_len(text))

    notes = [printable(str(r.get(below) or ""), 2000) if below else "" for r in rows]
    if below is not None and width is not None:
        columns = [c for c in columns if c != below]
    cells = [[printable(str(r.get(c, "")), 60 if width is None else 500) for c in columns] for r in rows]
    titles = [(headings or {}).get(c, c).upper() for c in columns]
    widths = [max(cell_len(c), *(cell_len(row[i]) for row in cells)) for i, c in enumerate(titles)]
    if width is not None:
        budget = width - 2 * (len(columns) - 1)
        least = [cell_len(t) if c not in keep else w for c, t, w in zip(columns, titles, widths, strict=True)]
        while sum(widths) > budget:
            narrower = [i for i, w in enumerate(widths) if w > least[i]]
            if not narrower:
                break
            widths[max(narrower, key=lambda i: widths[i])] -= 1
    click.echo("  ".join(pad(c, w) for c, w in zip(titles, widths, strict=True)).rstrip())
    for row, note in zip(cells, notes, strict=True):
        parts = [_wrapped(v, w) for v, w in zip(row, widths, strict=True)]
        for n in range(max(len(p) for p in parts)):
            line = [pad(p[n] if n < len(p) else "", w) for p, w in zip(parts, widths, strict=True)]
            click.echo("  ".join(line).rstrip())
        if note and width is not None:
            for part in _wrapped(note, width - 6):
                click.echo(f"      {part}")


def printable_text(text: str, limit: int = 2000) -> str:
    """Untrusted text made safe for a terminal (a control character shown as ``?``)."""
    from models.custody.codes import printable

    return printable(text, limit)


def _wrapped(text: str, width: int) -> list[str]:
    """A table's cell in lines of at most ``width`` terminal cells: at spaces where it can,
    a word longer than the column cut across lines; nothing left out."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while cell_len(word) > width:  # a word longer than the column: across lines
            if line:
                lines.append(line)
                line = ""
            cut = width
            while cell_len(word[:cut]) > width:
                cut -= 1
            lines.append(word[: max(cut, 1)])
            word = word[max(cut, 1) :]
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)


def anchor_after(env: Env, who: Any, *, quiet: bool = False) -> None:
    """After a command that wrote records, an anchor if the log moved since the last one.
    ``quiet``: after a refusal, whose one line stays the only one (a failure is logged)."""
    from models.audit import anchors

    try:
        anchors.write_if_moved(env.anchors_path(), why="command", actor=who)
    except KioskError as exc:
        log.warning("Audit anchor after the command not written: %s", exc)
        if not quiet:
            click.echo(f"Warning: {exc}", err=True)


def _is_date_option(param: click.Parameter) -> bool:
    """An option that takes a date says so: its help starts with, or its metavar is, YYYY-MM-DD."""
    return isinstance(param, click.Option) and (
        param.metavar == "YYYY-MM-DD" or (param.help or "").startswith("YYYY-MM-DD")
    )


def _check_dates(kwargs: dict[str, Any]) -> None:
    """Every date option of the running command, checked as :func:`parse_date` does, first."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    for param in ctx.command.params:
        if _is_date_option(param) and isinstance(kwargs.get(param.name), str):
            parse_date(kwargs[param.name], param.opts[0])


class BadInput(click.ClickException):
    """A bad value on the command line: one line ("Error: …"), no usage text, exit 2."""

    exit_code = EXIT_USAGE


class RecordNumber(click.ParamType):
    """A record's number (an exception, a print job): a whole number from 1 to 2**62, else one
    plain line. Python's int would take 99999999999999999999 and the database overflow on it.

    A number no record can have (0, -5) is a refusal like a number not on record (exit 1),
    pointing at the list that shows the numbers; text that is not a number is bad usage (exit 2).
    """

    name = "number"
    LIMIT = 2**62

    def __init__(self, what: str, listing: str) -> None:
        self.what = what
        self.listing = listing  # the command that shows these numbers

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        from models.errors import ValidationError

        if isinstance(value, int):
            return value
        text = str(value).strip()
        if re.fullmatch(r"-?[0-9]+", text) and int(text) < 1:
            raise ValidationError(f"{text[:40]} is not {self.what} number: use the number shown by {self.listing}.")
        if not text.isdigit() or len(text) > 19 or not 1 <= int(text) < self.LIMIT:
            raise BadInput(f"{text[:40]!r} is not {self.what} number: give a whole number, such as 12.")
        return int(text)


class RecordCommand(click.Command):
    """A command whose argument is a record number (:class:`RecordNumber`).

    Click reads "-5" as an unknown option and prints its usage block; here a bare negative
    number that is not an option's value is that argument, refused in one plain line.
    Real options, and an option's value that starts with a minus ("--reason -5"), are
    parsed by click as before.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: set[str] = set()
        numbers = [p for p in self.params if isinstance(p, click.Argument) and isinstance(p.type, RecordNumber)]
        for p in self.params:
            if isinstance(p, click.Option) and not p.is_flag and not p.count:
                takes_value.update(p.opts)
        prev = None
        for token in args:
            if token == "--":
                break
            if numbers and re.fullmatch(r"-[0-9]+", token) and prev not in takes_value:
                numbers[0].type.convert(token, numbers[0], ctx)  # refuses it in one line
            prev = token
        return super().parse_args(ctx, args)


def parse_date(value: str | None, option: str = "--date") -> dt.date | None:
    """A day as the forms read it (models.dates: YYYY-MM-DD, or DD/MM/YYYY with / . or -
    between) between 2000-01-01 and 2099-12-31, else one plain line (exit 2)."""
    if value is None:
        return None
    from models.dates import DAY_FORMAT, impossible_day, parse_day

    text = value.strip()
    day = parse_day(text)
    if day is None:
        if no_such := impossible_day(text):  # 31/02/2026: said so, not taken for a slip of format
            raise BadInput(f"{option} {value[:40]!r}: {no_such}")
        raise BadInput(f"{option} {value[:40]!r} is not a date: write it as {DAY_FORMAT} or YYYY-MM-DD.")
    from models.clock import DAY_RANGE_TEXT, in_day_range

    if not in_day_range(day):  # models.clock: the same range as the screens
        raise BadInput(f"{option} {text} is out of range: give {DAY_RANGE_TEXT}.")
    return day
