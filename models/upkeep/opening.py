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
    in the audit log). A damaged file is one plain line, never a traceback."""
    database = init_db(url, create=create)
    try:
        migrate()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if (message := damage_message(exc)) is None:
            raise
        raise StorageError(message) from None
    return database
