"""Queries compiled once, run many times.

A report across a trust asks each of its schools the same few questions (the same range,
the same rules), each school read in its own tables through the connection's
``search_path``, so the SQL is the same for every school. Peewee compiling each query again
for every school cost about as much as PostgreSQL answering it (30 schools, 8 queries a
school). Here a query is compiled once for a key naming everything it depends on, and the
SQL and parameters are reused for as long as they are kept.

Never for a query whose SQL depends on something its key does not name. Table names are
never qualified by a schema (a site is chosen by ``search_path``), so the same SQL reads
whichever school's tables are open.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from models.store.db import db

_KEPT = 256  # queries kept; the least recently used goes first
_compiled: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
_lock = threading.Lock()


def sql_of(key: tuple, build: Callable[[], Any]) -> tuple[str, tuple]:
    """The SQL and parameters of the query ``build()`` makes, compiled once for ``key`` on
    this kind of database (SQLite and PostgreSQL write the same query differently)."""
    full = (type(db.obj), *key)
    with _lock:
        found = _compiled.get(full)
        if found is not None:
            _compiled.move_to_end(full)
            return found
    sql, params = build().sql()
    found = (sql, tuple(params))
    with _lock:
        _compiled[full] = found
        while len(_compiled) > _KEPT:
            _compiled.popitem(last=False)
    return found


def execute(key: tuple, build: Callable[[], Any]) -> Any:
    """Run the query ``build()`` makes (compiled once for ``key``); its cursor."""
    sql, params = sql_of(key, build)
    return db.execute_sql(sql, params)


def forget() -> None:
    """Drop every compiled query (the tests', between databases)."""
    with _lock:
        _compiled.clear()
