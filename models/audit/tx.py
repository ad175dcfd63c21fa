"""The write transaction: a state change, its audit entry and the binding of the rows it
wrote commit together, or not at all.

Above :mod:`models.store.db` (the connection) and :mod:`models.audit.integrity` (content binding):
every domain write runs inside :func:`write_tx`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

import peewee

from models.audit import chain as audit
from models.audit import integrity  # the entry, and the content binding of the rows a transaction writes
from models.clock import utcnow
from models.errors import RuleViolation, StorageError
from models.store.db import (
    STORAGE_FAILURES,
    count_commit,
    damage_message,
    damaged,
    db,
    mark_damaged,
    privilege_message,
    reset_if_disconnected,
    storage_error,
    write_lock,
)

_tx_local = threading.local()  # depth > 0 while this thread is inside write_tx


def _seal() -> None:
    """Before a commit: bind what the transaction wrote after its last audit entry."""
    if integrity.pending():
        audit.append(None, integrity.BIND_ACTION, "audit", "-", {}, utcnow())


@contextlib.contextmanager
def write_tx() -> Iterator[None]:
    """One write transaction: the state change and its audit entry commit together.

    Nested calls join the outer transaction (as a savepoint).
    """
    database = db.obj
    if database is None:
        raise StorageError("The database is not open.")
    if (why := damaged()) is not None:
        raise StorageError(why)

    if database.transaction_depth() > 0:
        # Inside another transaction: a write_tx (then its commit binds what is left), or
        # a plain atomic() around domain calls (then this one does, before it ends).
        integrity.prepare()
        ours = getattr(_tx_local, "depth", 0) > 0
        try:
            with database.atomic():
                yield
                if not ours:
                    _seal()
        except STORAGE_FAILURES as exc:
            # A read-only transaction (a report reading another school of the trust,
            # models.trust.reading): the savepoint is rolled back and the reading goes on; a
            # cache that could not be written says so as any read-only database does.
            if "read-only transaction" not in str(exc):
                raise
            raise StorageError("The database is read-only here: nothing was saved.") from None
        return
    audit.committed(False)  # what an earlier transaction of this thread left, rolled back
    try:
        integrity.prepare()
        _tx_local.depth = 1
        with database.atomic():
            if not isinstance(database, peewee.SqliteDatabase):
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (write_lock(),))
            try:
                yield
            except BaseException:
                integrity.discard()
                raise
            _seal()
    except STORAGE_FAILURES as exc:
        reset_if_disconnected()
        if (message := damage_message(exc)) is not None:
            mark_damaged(message)
            raise StorageError(message) from None
        raise storage_error(exc) from None
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if (message := privilege_message(exc)) is not None:  # a role that may read here, not write
            raise RuleViolation(message) from None
        if (message := damage_message(exc)) is None:
            raise
        mark_damaged(message)
        raise StorageError(message) from None
    finally:
        _tx_local.depth = 0
    count_commit()
    audit.committed(True)
