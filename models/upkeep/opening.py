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
    is told so in one line, nothing made. A trust's site whose place holds an audit log that
    is not the one the trust recorded for it (its schema swapped with another school's, or
    replaced, outside the kiosk) is one line too, nothing read or written."""
    database = init_db(url, create=create)
    _refuse_an_empty_place(database)
    _refuse_another_schools_log(database)
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


PLACE_TAKEN = (
    "The place of {site} in this database (schema {schema}) holds another school's records: {whose}. "
    "Schemas were swapped or replaced outside the kiosk: run `kiosk audit verify` at site 1, which names "
    "what changed. Nothing was read or written."
)


def _refuse_another_schools_log(database: peewee.Database) -> None:
    """A trust's site (PostgreSQL) whose place holds a log other than the one the trust
    recorded for it (``models.trust.chains``: ``trust.site_chain``), or, not recorded yet, the
    one it recorded for another school: refused before anything is read or written there.
    Skipped when there is no such record, or this role may not read it (a school's role
    before its grants were run again). Two queries: the catalogue, then the registry with the
    log's own start; a log whose first entry a purge removed reads its origin as verify does."""
    from models.audit import chain as audit
    from models.sites import MAIN, TRUST_SCHEMA
    from models.store.db import current_schema, current_site

    if isinstance(database, peewee.SqliteDatabase):
        return
    schema = current_schema()
    tables = [f'"{schema}".audit_head', f'"{schema}".audit_entry', f"{TRUST_SCHEMA}.site"]
    (ready,) = database.execute_sql(
        "SELECT COALESCE(has_table_privilege(to_regclass('trust.site_chain'), 'SELECT') "
        "AND has_table_privilege(to_regclass(%s), 'SELECT') AND has_table_privilege(to_regclass(%s), 'SELECT') "
        "AND has_table_privilege(to_regclass(%s), 'SELECT'), false)",
        tables,
    ).fetchone()
    if not ready:
        return  # no trust, no record of its logs yet, or not this role's to read
    rows = database.execute_sql(
        # the log's origin as audit.origin() reads it: its start from the trust, else entry 1,
        # else (entry 1 purged) what the newest purge recorded
        "SELECT q.origin, q.purge, s.code, s.name, c.origin FROM (SELECT o.origin, CASE WHEN o.origin IS NULL "
        f'THEN (SELECT details FROM "{schema}".audit_entry WHERE action = %s ORDER BY seq DESC LIMIT 1) END AS purge '
        f"FROM (SELECT COALESCE((SELECT NULLIF(hash, '') FROM \"{schema}\".audit_head WHERE id = %s), "
        f'(SELECT hash FROM "{schema}".audit_entry WHERE seq = 1)) AS origin) o) q '
        "LEFT JOIN (trust.site s LEFT JOIN trust.site_chain c ON c.site_id = s.id) ON true",
        (audit.PURGE_ACTION, audit.GENESIS_ID),
    ).fetchall()
    here = current_site()
    mine = rows[0][0] or _purged_origin(rows[0][1])
    if mine is None:
        mine = audit.origin()  # (rare: no log yet, or purged before purges recorded the origin)
    by_code = {code: (name, recorded) for _, _, code, name, recorded in rows if code is not None}
    if here not in by_code:
        return  # not one of the trust's schools (the connection's own checks say so)
    name, recorded = by_code[here]
    whose = [f"{n} ({c or 'site 1'})" for c, (n, r) in by_code.items() if c != here and r is not None and r == mine]
    if recorded is None and not whose:
        return  # its log not recorded yet (recorded at site 1's next report), and no other school's
    if recorded is not None and recorded == mine:
        return
    site = f"{name} ({here})" if here != MAIN else f"{name} (site 1)"
    database.close()
    raise StorageError(
        PLACE_TAKEN.format(
            site=site,
            schema=schema,
            whose=f"{whose[0]}'s audit log, not the one the trust recorded for it"
            if whose
            else "not the audit log the trust recorded for it",
        )
    )


def _purged_origin(details: str | None) -> str | None:
    import json

    from models.audit import chain as audit

    try:
        first = json.loads(details or "").get(audit.ORIGIN_KEY)
    except (ValueError, AttributeError):
        return None
    return first if isinstance(first, str) and first else None
