"""The one database handle, initialised late.

Models bind to :data:`db`, a :class:`peewee.DatabaseProxy`; :func:`init_db` points it
at SQLite (the default, embedded) or PostgreSQL (a trust with several terminals).

SQLite is opened for safety first: WAL, foreign keys on, a busy timeout, and
``synchronous=FULL`` so a committed hand-in survives a power cut. Every write runs in
:func:`write_tx`, which on SQLite is ``BEGIN IMMEDIATE`` (the write lock is taken at the
start, so two terminals never deadlock upgrading a read lock) and on PostgreSQL takes a
transaction-scoped advisory lock so audit entries are chained in one order.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import peewee
from playhouse.db_url import parseresult_to_dict

from models import sites
from models.errors import ConfigError, DatabaseBusy, SiteUnavailable, StorageError

db = peewee.DatabaseProxy()
_site = sites.MAIN  # the site (school) the open database is for: models.sites

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 2,  # FULL
    "busy_timeout": 15000,
    "cache_size": -16000,  # 16 MB of pages (default 2 MB): fewer reads on a large database
}
BUSY_TIMEOUT_S = 15.0
# Any 64-bit number unique to this app; all writers take it for the whole transaction.
PG_WRITE_LOCK = 0x4B494F534B  # "KIOSK"


def normalise_url(url: str | os.PathLike) -> str:
    """Accept a file path, ``sqlite:///…`` or ``postgresql://…``; return a URL."""
    text = os.fspath(url).strip()
    if not text:
        raise ConfigError("No database given: pass --db or set KIOSK_DATABASE_URL.")
    if "://" not in text:
        if text == ":memory:":
            return "sqlite:///:memory:"
        return "sqlite:///" + str(Path(text).expanduser().resolve())
    scheme = text.split("://", 1)[0].lower()
    if scheme in ("sqlite",):
        return text
    if scheme in ("postgres", "postgresql"):
        full = "postgresql://" + text.split("://", 1)[1]
        _check_readable(full)
        return full
    raise ConfigError(f"Unsupported database URL scheme {scheme!r}: use a file path, sqlite:///… or postgresql://…")


def _check_readable(url: str) -> None:
    """A PostgreSQL URL whose server part cannot be read (an IPv6 address with no closing
    bracket, a port that is not a number from 1 to 65535) is one line, without the URL
    itself (it may hold a password)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        why = "an IPv6 address needs its closing ]" if "IPv6" in str(exc) else "the port must be a number up to 65535"
        raise ConfigError(
            f"This is not a valid PostgreSQL URL ({why}): give postgresql://user@host/dbname, an IPv6 server "
            "as postgresql://user@[::1]/dbname. Nothing was changed."
        ) from None


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


def current_site() -> str:
    """The code of the site the open database is for (:data:`models.sites.MAIN`: a
    single school, or site 1 of a trust)."""
    return _site


def current_schema() -> str:
    """The PostgreSQL schema holding the open site's tables (``public`` for the main site)."""
    return sites.schema_for(_site)


def write_lock() -> int:
    """The advisory lock every writer of the open site takes for its whole transaction."""
    return sites.write_lock_key(PG_WRITE_LOCK, current_schema())


def init_db(url: str | os.PathLike, *, create: bool = True) -> peewee.Database:
    """Point :data:`db` at ``url`` and open it: a connection, nothing more. The schema is
    brought up to date by :func:`models.upkeep.opening.open_database`, which calls this first.

    ``create=False``: a SQLite file that does not exist is one plain line, not a new empty
    database (a read-only command given a mistyped path)."""
    full, site = sites.split_url(normalise_url(url))
    if full.startswith("sqlite:"):
        path = full[len("sqlite:///") :]
        if path != ":memory:" and not path.startswith("file:"):
            from models.store.files import take_notes

            take_notes()  # what an earlier open narrowed has been said (or not) already
            _prepare_file(Path(path), create=create)
        database: peewee.Database = peewee.SqliteDatabase(
            path,
            pragmas=SQLITE_PRAGMAS,
            lock_type="IMMEDIATE",
            timeout=BUSY_TIMEOUT_S,
        )
    else:
        parsed = urlparse(full)
        if not parsed.path.strip("/"):
            raise ConfigError("The PostgreSQL URL names no database: postgresql://user@host/dbname")
        params = parseresult_to_dict(parsed)
        if site != sites.MAIN:  # every connection of this process sees the site's own tables, and only them
            params["options"] = f"-c search_path={sites.schema_for(site)}"
        database = SitePostgresqlDatabase(sites.schema_for(site), **params)
    if db.obj is not None and not db.obj.is_closed():
        db.obj.close()
    db.initialize(database)
    global _damaged, _site
    _damaged = None
    _site = site
    try:
        database.connect(reuse_if_open=True)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if (message := damage_message(exc)) is not None:
            database.close()
            raise StorageError(message) from None
        raise StorageError(f"Cannot open the database: {_first_line(exc)}") from None
    return database


class SitePostgresqlDatabase(peewee.PostgresqlDatabase):
    """PostgreSQL for one site: every connection it opens is checked to be in that site's
    schema before anything is read or written on it.

    The kiosk's "site 1 only" checks (the trust's roles, adding a school, reports across
    the trust) go by the site the terminal was told; the schema the server actually puts
    the connection in is what every query reads and writes. A school's admin who set
    ``search_path`` some other way (``PGOPTIONS``, the role's or database's settings) would
    otherwise pass as site 1 while writing into their own school, or the other way round."""

    def __init__(self, schema: str, *args: Any, **kwargs: Any) -> None:
        self.site_schema = schema
        super().__init__(*args, **kwargs)

    def _initialize_connection(self, conn: Any) -> None:  # (peewee's hook for each new connection)
        super()._initialize_connection(conn)  # type: ignore[misc]
        with conn.cursor() as cur:
            cur.execute("SELECT current_schema(), current_setting('search_path')")
            in_use, path = cur.fetchone()
            exists, usable, user, school = True, True, "", ""
            owns_none = False
            if in_use is None:  # the site's schema is not there, or this role may not use it (site 1's too)
                cur.execute(
                    "SELECT n.oid IS NOT NULL, has_schema_privilege(n.oid, 'USAGE'), current_user "
                    "FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = %s",
                    (self.site_schema,),
                )
                exists, usable, user = cur.fetchone()
                usable = bool(usable) if exists else True
                if exists and not usable:  # a school's role that owns no school's place: its own was made again
                    cur.execute(
                        "SELECT count(*) = 0 FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles "
                        "WHERE rolname = current_user) AND nspname LIKE %s",
                        (sites.SCHEMA_PREFIX.replace("_", "\\_") + "%",),
                    )
                    owns_none = bool(cur.fetchone()[0])
                school = _registered_name(cur, self.site_schema)
        if not exists or not usable or in_use != self.site_schema:
            conn.close()
            self._state.reset()  # type: ignore[attr-defined]  # (peewee keeps the connection it was opening: it is closed, not this thread's)
        site = _site_words(self.site_schema, school)
        if not exists and school:  # in the trust's registry, its schema dropped outside the kiosk
            code = self.site_schema[len(sites.SCHEMA_PREFIX) :]
            raise SiteUnavailable(
                f"{site} is one of the trust's schools, but its tables are gone from this database (dropped "
                f"outside the kiosk). At site 1, `kiosk trust add-site {code} --empty` makes its place again, then "
                f"`KIOSK_SITE={code} kiosk restore FILE` puts its backup back. Nothing was changed."
            )
        if not exists and self.site_schema == sites.MAIN_SCHEMA:
            raise SiteUnavailable(
                f"{site} cannot be opened: its tables are not in this database (its schema, public, is gone). "
                "Check the database URL. Nothing was changed."
            )
        if not exists:
            raise SiteUnavailable(
                f"There is no {site} in this database: `kiosk trust sites` shows the trust's schools and "
                "`kiosk trust add-site` makes one. Nothing was changed."
            )
        if not usable and self.site_schema == sites.MAIN_SCHEMA:  # a school's own role, no site named
            raise SiteUnavailable(
                f"The database role {user!r} may not open {site}: a school's role opens its own school only, and a "
                'terminal that names no site opens site 1. Name your school with KIOSK_SITE (or site = "…" in '
                "the config), and check the user in the database URL. Nothing was changed."
            )
        if not usable and owns_none and self.site_schema != sites.MAIN_SCHEMA:
            # its own school's place made again (add-site --empty) and restored, owned by the trust's role:
            # the grants (run once by the superuser) are to be run again for the new schema
            code = self.site_schema[len(sites.SCHEMA_PREFIX) :]
            raise SiteUnavailable(
                f"The database role {user!r} cannot open {site} yet: its place was made again (or restored), so "
                f"the postgres superuser must run `kiosk trust grants --site {code}` again (docs/deploy.md, "
                "section 6), or this role is not the school's: check KIOSK_SITE and the user in the database "
                "URL. Nothing was changed."
            )
        if not usable:  # a school's own login role (kiosk trust grants) at another school
            raise SiteUnavailable(
                f"The database role {user!r} may not open {site}: a school's role opens its own school only "
                "(check KIOSK_SITE and the user in the database URL). Nothing was changed."
            )
        if in_use != self.site_schema:
            conn.close()
            raise StorageError(
                f"The database server put this connection in schema {in_use or 'none'} (search_path {path}), "
                f"not {self.site_schema}, the schema of {site}, which this terminal is configured for: something "
                "(PGOPTIONS, or the role's or database's settings) sets search_path. Remove it and name the "
                "school with KIOSK_SITE. Nothing was read or written."
            )


def _site_words(schema: str, school: str = "") -> str:
    """A site as a message names it: "site 'elm' (Elm Primary)", or site 1 as what it is."""
    if schema == sites.MAIN_SCHEMA:
        return "site 1" + (f" ({school})" if school else "")
    code = schema[len(sites.SCHEMA_PREFIX) :]
    return f"site {code!r}" + (f" ({school})" if school else "")


def _registered_name(cur: Any, schema: str) -> str:
    """The school's name in the trust's registry ("" when there is none, or it cannot be read):
    only to name it in a message, on a connection about to be refused."""
    try:
        cur.execute(
            f"SELECT name FROM {sites.TRUST_SCHEMA}.site WHERE schema_name = %s",
            (schema,),
        )
        row = cur.fetchone()
    except Exception:  # noqa: BLE001 - no registry, or this role may not read it: the message goes without the name
        cur.connection.rollback()
        return ""
    return str(row[0]) if row else ""


def _prepare_file(path: Path, *, create: bool = True) -> None:
    """Refuse anything but a regular file or a new name in an existing folder (``/dev/null``
    would get a ``/dev/null-journal`` beside it), and create a new database 0600. The data
    directory is created 0700 when it is missing; any other folder must exist. An existing
    database, and its -wal, -shm and -journal, are narrowed to 0600 (SQLite gives new -wal
    and -shm files the database's own mode)."""
    from models.store import files

    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        if not create:
            raise StorageError(
                f"There is no database at {path}: check the path (--db, KIOSK_DATABASE_URL or the "
                "config's database). Nothing was created."
            ) from None
        parent = path.parent
        if not parent.is_dir():
            from models.config import data_dir

            if parent.exists() or not _inside(parent, data_dir()):
                raise StorageError(
                    f"Cannot create the folder for the database ({parent}): there is no such "
                    "folder. Create it first, or give another path. Nothing was changed."
                ) from None
            try:
                files.private_dir(parent)
            except OSError as exc:
                raise StorageError(f"Cannot create the folder for the database ({parent}): {exc.strerror}.") from None
        try:
            os.close(files.create_private(path))  # SQLite keeps the mode; its -wal and -shm copy it
        except FileExistsError:
            pass
        except OSError as exc:
            raise StorageError(f"Cannot create the database {path}: {exc.strerror}. Nothing was changed.") from None
        return
    except OSError as exc:
        raise StorageError(f"Cannot open the database {path}: {exc.strerror}. Nothing was changed.") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise StorageError(
            f"{path} is {what}: the database must be a file, or a new name in an existing folder. Nothing was changed."
        )
    if _looks_like_sqlite(path):  # a file that is not a database is left as it was
        files.note(files.tighten_database(path))


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head in (b"", b"SQLite format 3\x00")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.expanduser().resolve())
    except ValueError:
        return False
    return True


# What SQLite says of a file that is not a database, or one that is damaged.
_DAMAGE = ("file is not a database", "malformed", "database corrupt", "disk image is malformed", "file is encrypted")
_damaged: str | None = None  # set once this process has seen the open database damaged: no more writes


def damage_message(exc: BaseException) -> str | None:
    """One plain line for a corrupt, truncated or non-database file; None for other errors."""
    if not isinstance(exc, (peewee.DatabaseError, sqlite3.DatabaseError)) or isinstance(exc, peewee.IntegrityError):
        return None
    text = str(exc).lower()
    if not any(words in text for words in _DAMAGE):
        return None
    database = db.obj
    where = f" ({database.database})" if isinstance(database, peewee.SqliteDatabase) else ""
    if "not a database" in text or "encrypted" in text:
        return f"The database file{where} is not a kiosk database, or is damaged beyond reading. Nothing was changed."
    return (
        f"The database file{where} is damaged: nothing more will be written to it. "
        "Restore the last backup and ask the school's IT support."
    )


def privilege_message(exc: BaseException) -> str | None:
    """One plain line for a write the PostgreSQL server refused this role (``permission
    denied``: the trust's own role at a school that has a login role of its own, which it
    may read for the trust's reports and never write); None for other errors. Called after
    the transaction has rolled back."""
    if not isinstance(exc, peewee.DatabaseError) or isinstance(db.obj, peewee.SqliteDatabase):
        return None
    cause = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
    if getattr(cause, "pgcode", None) != "42501" and "permission denied" not in str(exc).lower():
        return None
    user = ""
    try:
        user = str(db.execute_sql("SELECT current_user").fetchone()[0])
    except Exception:  # noqa: BLE001 - the message goes without the role's name
        pass
    schema = getattr(db.obj, "site_schema", sites.MAIN_SCHEMA)
    role = f"The database role {user!r}" if user else "This terminal's database role"
    return (
        f"{role} may only read {_site_words(schema)}, not write there: a school's records are written by its own "
        "terminals, with the school's own login role (kiosk trust grants); the trust's roles read them. "
        "Nothing was changed."
    )


def mark_damaged(message: str) -> None:
    """Stop this process writing to the open database (a failed integrity check)."""
    global _damaged
    _damaged = message


def damaged() -> str | None:
    return _damaged


def integrity_problems(quick: bool = False, limit: int = 20) -> list[str]:
    """SQLite's own check of the database file (``PRAGMA integrity_check``); [] when it is
    sound, or on PostgreSQL (whose pages carry their own checksums when enabled)."""
    if not is_sqlite():
        return []
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = db.execute_sql(f"PRAGMA {pragma}({int(limit)})").fetchall()
        lines = [str(r[0]) for r in rows]
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:  # too damaged even to check
        from models.store.stopping import CheckStopped, stopping

        if stopping():  # interrupted because the check was asked to stop: not damage
            raise CheckStopped from None
        lines = [_first_line(exc)]
    problems = [] if lines == ["ok"] else lines
    if problems:
        mark_damaged(
            "The database file failed its integrity check: nothing more will be written to it. "
            "Restore the last backup and ask the school's IT support."
        )
    return problems


def defer_checkpoints() -> bool:
    """SQLite: stop commits in this process from copying the WAL back into the database.

    By default the commit that takes the write-ahead log past 1,000 pages also
    checkpoints it (copies the pages and syncs the file): on a large database that
    adds tens of milliseconds to one scan in a few hundred. The terminal app calls this
    and runs :func:`checkpoint` from a background thread instead. Other processes
    (``kiosk scan``, the CLI) keep SQLite's default. Returns False on PostgreSQL.
    """
    if not is_sqlite():
        return False
    db.obj.pragma("wal_autocheckpoint", 0, permanent=True)
    return True


_commits = 0  # write transactions committed by this process (see commits())


def count_commit() -> None:
    """Called by :func:`models.audit.tx.write_tx` after each commit."""
    global _commits
    _commits += 1


def commits() -> int:
    """How many write transactions this process has committed: the checkpoint loop
    compares it with the count at its last checkpoint to know whether there is work."""
    return _commits


def checkpoint() -> tuple[int, int, int] | None:
    """A passive WAL checkpoint (never blocks readers or writers): (busy, log frames,
    frames checkpointed), or None on PostgreSQL."""
    if not is_sqlite():
        return None
    row = db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def close_db() -> None:
    if db.obj is not None and not db.obj.is_closed():
        db.obj.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


# What a database that cannot take a write raises. PostgreSQL's "read-only transaction"
# (a standby after a failover, default_transaction_read_only) is an InternalError, and a
# server that has gone away an InterfaceError; constraint violations (IntegrityError)
# are not storage failures and are left to the domain code.
STORAGE_FAILURES = (peewee.OperationalError, peewee.InternalError, peewee.InterfaceError, sqlite3.OperationalError)

_TRANSIENT = ("database is locked", "database table is locked", "could not serialize", "deadlock detected")


def storage_error(exc: BaseException) -> StorageError:
    # When SQLite gives up on a statement (disk full, I/O error) it has already rolled
    # the transaction back, so the rollback on the way out fails with "cannot rollback -
    # no transaction is active": the cause is the error that rollback was handling.
    while "cannot rollback" in str(exc).lower() and exc.__context__ is not None:
        exc = exc.__context__
    text = str(exc).lower()
    if any(words in text for words in _CONNECTION_LOST):
        # If it went during the commit, the server may have committed: do not say "nothing".
        return StorageError(
            "Lost the connection to the database server: this may not have been saved. "
            "Try again; if it goes on, ask the school's IT support."
        )
    if "i/o" in text and _on_read_only_filesystem():
        # A filesystem remounted read-only under an open database shows as an I/O error. (A
        # kernel's "emergency" read-only is not visible to statvfs: the disk message then says it.)
        text = "readonly"
    if "locked" in text:
        return DatabaseBusy("The database is busy: another terminal held it too long. Nothing was saved; try again.")
    if "readonly" in text or "read-only" in text:
        return StorageError("The database is read-only: nothing was saved. Ask the school's IT support.")
    if "disk" in text and ("full" in text or "i/o" in text) or "no space" in text:
        return StorageError("The disk is full, read-only or failing: nothing was saved. Ask the school's IT support.")
    return StorageError(f"The database refused the change: {_first_line(exc)}. Nothing was saved.")


_CONNECTION_LOST = (
    "server closed the connection",
    "connection already closed",
    "terminating connection",
    "could not connect",
    "connection refused",
    "no connection to the server",
    "ssl connection has been closed",
)


def reset_if_disconnected() -> bool:
    """PostgreSQL: if this thread's connection to the server has been lost (a restart, a
    network cut), close it, so that the next query opens a new one instead of failing
    for as long as the kiosk runs. True if it was lost."""
    database = db.obj
    if database is None or isinstance(database, peewee.SqliteDatabase) or database.transaction_depth() > 0:
        return False
    conn = database._state.conn  # peewee keeps one connection per thread here
    if conn is None or not getattr(conn, "closed", 0):
        return False
    try:
        database.close()
    except Exception:  # noqa: BLE001 - it is gone either way; peewee forgets it below
        database._state.reset()
    return True


def _on_read_only_filesystem() -> bool:
    database = db.obj
    if not isinstance(database, peewee.SqliteDatabase) or database.database == ":memory:":
        return False
    try:
        return bool(os.statvfs(Path(database.database).parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def retrying(fn, *args, attempts: int = 5, **kwargs):
    """Run a write operation, retrying transient lock/serialisation failures.

    A busy database must never reach a person as "database is locked": with a busy
    timeout and a few retries, concurrent terminals simply queue.
    """
    for attempt in range(attempts):
        try:
            return fn(*args, **kwargs)
        except DatabaseBusy:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def tuples(query: Any) -> Iterator[tuple[Any, ...]]:
    """A query's rows as plain tuples (peewee's type stubs call them model instances)."""
    return iter(query.tuples())


@contextlib.contextmanager
def stoppable(stop: threading.Event) -> Iterator[None]:
    """Run a check in this thread that stops soon after ``stop`` is set: it looks between
    batches (:func:`models.store.stopping.stop_point`), and on SQLite a statement running
    then is interrupted by a progress handler. Either way it ends with
    :class:`models.store.stopping.CheckStopped` (the app's records' check, as the app closes)."""
    from models.store import stopping

    stopping.set_stop(stop)
    conn = None
    if is_sqlite():
        conn = db.obj.connection()
        conn.set_progress_handler(lambda: 1 if stop.is_set() else 0, stopping.PROGRESS_EVERY)
    try:
        stopping.stop_point()
        yield
    except (peewee.OperationalError, sqlite3.OperationalError):
        if stop.is_set():  # "interrupted": the progress handler stopped the statement
            raise stopping.CheckStopped from None
        raise
    finally:
        stopping.set_stop(None)
        if conn is not None:
            conn.set_progress_handler(None, 0)
