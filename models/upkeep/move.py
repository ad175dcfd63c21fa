"""Moving a school's SQLite database to PostgreSQL (``kiosk migrate-to``).

The school outgrows one reception PC: its records, with their audit chain, go into an
empty PostgreSQL database and the kiosk is pointed at it. Nothing is converted by hand
and no history is re-written: every row of every table is copied with its id, its times
and, in the audit log, its hashes exactly as they are, so the chain (keyed with the same
PIN key) and every protected row's binding verify on PostgreSQL as they did on SQLite.

In order (:func:`copy_to_postgres`): the source is read in one read transaction
(a snapshot, so a terminal still writing cannot give a half copy; one that wrote
meanwhile is refused after the copy); the target must have no tables; the schema
(tables and the capture triggers) is created, the rows copied table by table in the
order their foreign keys need, the sequences set past the copied ids, the row counts
compared, and then ``check()`` (the caller's verify of the copied log) runs, all in
one transaction on PostgreSQL: any failure rolls it back and leaves the target empty.
The SQLite file is only read here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse, urlunparse

import peewee

from models.errors import ConfigError, SiteUnavailable, StorageError, ValidationError
from models.store.db import PG_WRITE_LOCK, db, init_db, normalise_url
from models.store.tables import ALL_MODELS
from models.upkeep.backup import not_empty

BATCH = 500  # rows a statement
PG_HINT = "give postgresql://user@host/dbname"


def shown(url: str) -> str:
    """A PostgreSQL URL fit to print: a password in it is never shown."""
    try:
        p = urlparse(url)
        p.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:  # not readable: only the part before any user and password is shown
        return url.split("://", 1)[0] + "://…" if "@" in url else url
    if p.password is None:
        return url
    netloc = (p.username or "") + ":…@" + (p.hostname or "") + (f":{p.port}" if p.port else "")
    return urlunparse(p._replace(netloc=netloc))


def check_target(url: str) -> str:
    """The PostgreSQL URL to move to (``postgresql://…``), or one plain line why not.
    Nothing is connected to here."""
    text = (url or "").strip()
    if not text:
        raise ConfigError(f"No database to move to: {PG_HINT}. Nothing was changed.")
    if "://" not in text:
        raise ConfigError(f"{text[:60]!r} is not a PostgreSQL URL: {PG_HINT}. Nothing was changed.")
    scheme = text.split("://", 1)[0].lower()
    if scheme not in ("postgres", "postgresql"):
        raise ConfigError(
            f"kiosk migrate-to moves the database to PostgreSQL only: the URL must start postgresql://, "
            f"not {scheme[:20]}://. Nothing was changed."
        )
    full = normalise_url(text)
    try:
        parsed = urlparse(full)
        parsed.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigError(
            f"{shown(full)[:80]!r} is not a valid PostgreSQL URL: {PG_HINT}. Nothing was changed."
        ) from None
    if not parsed.path.strip("/"):
        raise ConfigError(f"The PostgreSQL URL names no database: {PG_HINT}. Nothing was changed.")
    if not parsed.hostname and "host=" not in parsed.query:
        raise ConfigError(f"The PostgreSQL URL names no server: {PG_HINT}. Nothing was changed.")
    try:
        import psycopg2  # noqa: F401 - only whether it is there
    except ImportError:
        raise ConfigError(
            "The PostgreSQL driver (psycopg2) is not installed: install the kiosk with its postgres extra "
            "(pip install -e '.[postgres]'). Nothing was changed."
        ) from None
    return full


def source_file(url: str) -> Path:
    """The SQLite file to move (the open database's own URL), or one plain line why not."""
    full = normalise_url(url)
    if not full.startswith("sqlite:"):
        raise ValidationError(
            "This database is on PostgreSQL already: kiosk migrate-to moves a SQLite database "
            "(--db FILE) to PostgreSQL. Nothing was changed."
        )
    path = full[len("sqlite:///") :]
    if path == ":memory:" or path.startswith("file:"):
        raise ValidationError("kiosk migrate-to moves a SQLite database file: give its path with --db.")
    return Path(path)


@dataclass(frozen=True)
class Copied:
    rows: dict[str, int]  # table -> rows copied, in the order copied
    checked: Any = None  # what check() returned
    after: Any = None  # what then() returned

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _read_source(path: Path) -> sqlite3.Connection:
    """The SQLite file opened to read only (a live WAL database: not immutable)."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 15000")
    return conn


def _source_tables(conn: sqlite3.Connection) -> set[str]:
    return {
        str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    }


def _models() -> list[type[peewee.Model]]:
    """Every table, in an order in which each row's foreign keys are already there."""
    return list(peewee.sort_models(ALL_MODELS))  # type: ignore[attr-defined]  # (not in its stubs)


def _copy_table(conn: sqlite3.Connection, model: type[peewee.Model]) -> int:
    """Copy one table's rows into the open (PostgreSQL) database, in primary key order."""
    table = model._meta.table_name
    cur = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
    names = [d[0] for d in cur.description]
    by_column = model._meta.columns
    unknown = [n for n in names if n not in by_column]
    if unknown:
        raise StorageError(
            f"The table {table} has column(s) this kiosk does not know ({', '.join(unknown[:3])}): "
            "was it changed outside the kiosk? Nothing was moved."
        )
    fields = [by_column[n] for n in names]
    count = 0
    while True:
        raw = cur.fetchmany(BATCH)
        if not raw:
            return count
        rows = [
            tuple(None if v is None else f.python_value(v) for f, v in zip(fields, row, strict=True)) for row in raw
        ]
        model.insert_many(rows, fields=fields).execute()
        count += len(rows)


def _reset_sequences() -> None:
    """Give every table with a serial id a sequence past the copied ids: new rows get new ids."""
    for model in _models():
        pk = model._meta.primary_key
        if not isinstance(pk, peewee.AutoField):
            continue
        table, column = model._meta.table_name, pk.column_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)',
            (f'"{table}"', column),
        )


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _connect_target(url: str) -> peewee.Database:
    try:
        return init_db(url)
    except SiteUnavailable:
        raise  # it names the site, and says that nothing was changed, in its own line
    except StorageError as exc:
        reason = str(exc).removeprefix("Cannot open the database: ").rstrip(".")
        hint = ": create it first (createdb), empty" if "does not exist" in reason else ""
        raise StorageError(
            f"Cannot reach the PostgreSQL database {shown(url)}: {reason}{hint}. Nothing was changed."
        ) from None


def copy_to_postgres(
    source: Path,
    target_url: str,
    check: Callable[[], Any],
    then: Callable[[], Any] | None = None,
    *,
    new_anchors: Path | None = None,
) -> Copied:
    """Copy every table of the SQLite file ``source`` into the empty PostgreSQL database
    at ``target_url`` in one transaction, then run ``check()`` in it, on the target (it
    raises to refuse the copy: all of it is rolled back). ``then()`` runs on the target
    once the copy is committed. The caller's open database is its own again afterwards.

    ``new_anchors``: the target's own anchors file, when it is not the source's. One that
    holds anchors already belongs to an earlier database at that address (dropped and made
    again): the copy's log would never agree with it, so it must be set aside first."""
    from models.audit.integrity import forget_added_columns, install_pg_triggers

    if not source.is_file():
        raise ValidationError(f"There is no database at {source}. Nothing was changed.")
    original = db.obj
    conn = _read_source(source)
    try:
        try:
            target = _connect_target(target_url)
            tables = db.get_tables()
            if tables:
                raise ValidationError(not_empty(shown(target_url), len(tables), "move"))
            if new_anchors is not None:
                from models.audit.anchors import last

                if last(new_anchors) is not None:
                    raise ValidationError(
                        f"The anchors file {new_anchors} holds anchors already, of an earlier database at "
                        f"{shown(target_url)}: move it aside (keep it) and run this again. Nothing was changed."
                    )
            conn.execute("BEGIN")  # one snapshot of the source, however long the copy takes
            (before,) = conn.execute("PRAGMA data_version").fetchone()
            known = {m._meta.table_name for m in ALL_MODELS}
            stray = sorted(_source_tables(conn) - known)
            if stray:
                raise StorageError(
                    f"{source} has table(s) this kiosk does not know ({', '.join(stray[:3])}): "
                    "was it changed outside the kiosk? Nothing was moved."
                )
            have = _source_tables(conn)
            copied: dict[str, int] = {}
            try:
                with target.atomic():
                    target.execute_sql("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
                    target.create_tables(ALL_MODELS)
                    install_pg_triggers()
                    forget_added_columns()
                    for model in _models():
                        table = model._meta.table_name
                        copied[table] = _copy_table(conn, model) if table in have else 0
                    _reset_sequences()
                    for table, n in copied.items():
                        (there,) = target.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()
                        if int(there) != n:
                            raise StorageError(
                                f"The table {table} has {there} rows on PostgreSQL after copying {n}. Nothing was moved."
                            )
                    # the demo's records moved are a school of their own: no demo PINs on its sign-in
                    from models.upkeep.demo import forget_demo

                    forget_demo()
                    conn.execute("COMMIT")
                    (after,) = conn.execute("PRAGMA data_version").fetchone()
                    if after != before:
                        raise StorageError(
                            f"The kiosk wrote to {source} while it was copied: stop every terminal "
                            "(systemctl stop getty@tty1 reception-kiosk-serve) and run this again. Nothing was moved."
                        )
                    checked = check()
            except (peewee.PeeweeException, sqlite3.Error) as exc:  # rolled back: PostgreSQL is empty again
                raise StorageError(
                    f"The move failed and was undone ({_first_line(exc)}): nothing was moved, and the "
                    "PostgreSQL database is empty again."
                ) from None
            return Copied(copied, checked, then() if then is not None else None)
        finally:
            if db.obj is not original:
                db.obj.close()
                db.initialize(original)
                forget_added_columns()
                if original is not None:
                    original.connect(reuse_if_open=True)
    finally:
        conn.close()
