"""Opening the kiosk's database: connect, then bring the schema up to date.

:func:`models.store.db.init_db` only connects; :func:`open_database` is what the app, the
CLI and the tests call to get a database ready for use.
"""

from __future__ import annotations

import os
import sqlite3

import peewee

from models.errors import StorageError
from models.store.db import damage_message, init_db
from models.upkeep.migrations import migrate


def open_database(url: str | os.PathLike, *, create: bool = True) -> peewee.Database:
    """Open the database at ``url`` and apply any upgrades it has not had (each recorded
    in the audit log). A damaged file is one plain line, never a traceback.

    A trust's school whose place is empty (``kiosk trust add-site CODE --empty``) is not
    filled with new tables here: it waits for its records (``kiosk migrate-to``, ``kiosk
    restore``, which open it with :func:`init_db` alone), and anything else that opens it
    is told so in one line, nothing made."""
    database = init_db(url, create=create)
    _refuse_an_empty_place(database)
    if not create:
        _refuse_an_empty_database(database)
    try:
        migrate()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if (message := damage_message(exc)) is None:
            raise
        raise StorageError(message) from None
    return database


EMPTY_DATABASE = (
    "This database ({where}) is empty: nothing to read, and nothing was made in it. Set it up with "
    'kiosk staff add USERNAME --name "…" --role admin (the first admin), or restore a backup into it '
    "with kiosk restore FILE."
)


def _refuse_an_empty_database(database: peewee.Database) -> None:
    """``create=False`` (a command that reads, or acts for someone): a database with no tables
    at all (a new SQLite file, a PostgreSQL database just made with createdb) is one line, and
    stays empty, so that ``kiosk restore`` can still put a backup into it."""
    from models.store.db import current_schema

    if isinstance(database, peewee.SqliteDatabase):
        tables = database.get_tables()
    else:
        tables = database.get_tables(schema=current_schema())
    if tables:
        return
    where = database.database
    database.close()
    raise StorageError(EMPTY_DATABASE.format(where=where))


def _refuse_an_empty_place(database: peewee.Database) -> None:
    from models import sites
    from models.store.db import current_schema, current_site

    site = current_site()
    if site == sites.MAIN or isinstance(database, peewee.SqliteDatabase):
        return  # a school alone, or site 1: a new, empty database is made as it always was
    if not database.get_tables(schema=current_schema()):
        database.close()
        raise StorageError(sites.waiting_message(site))
