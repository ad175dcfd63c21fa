"""Which school's records each site holds: its audit log, recorded in the trust's registry.

A school's schema is owned by its own database role (``models.trust.grants``), and anyone
with rights over two schemas can rename them into each other's places, or fill one school's
place with a copy of another's tables. Nothing inside a school's tables says which school
it is (a log names no school, and the benchmark copies one school's log into thirty), so
the trust keeps, in its registry (``trust.site_chain``, which no school's role may write),
each school's *origin*: what its audit log is built on (:func:`models.audit.chain.origin`,
the hash of its first entry, kept by a retention purge once that entry is removed). Every
view across the trust and ``kiosk audit verify`` at site 1 compare it with the log in the
school's place now (:func:`models.trust.all_sites`, :func:`models.trust.reading`), and a
school whose log is not the one recorded (or, not yet recorded, is another school's) is
not read: its schemas were swapped or replaced outside the kiosk.

Origins are recorded at site 1, each with its entry in site 1's own log
(``trust.chain_recorded``), so the trust's owner role editing the registry is found by
verify too: when a school is added (site 1's own log), and for a school whose log began
later (a new school's first admin, a ``migrate-to`` or ``restore`` into its empty place) at
the next report across the trust. ``migrate-to`` and ``restore`` into a school's place
refuse a log that is another school's already (:func:`refuse_taken`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee

from models.audit import chain as audit
from models.sites import MAIN_SCHEMA, TRUST_SCHEMA
from models.store.db import db

RECORDED_ACTION = "trust.chain_recorded"
ORIGIN = "origin"  # in that entry's details, and in trust.site_added's for a school made with its tables
_AUDIT_TABLES = ("audit_entry", "audit_head")


class SiteChain(peewee.Model):
    """A school's recorded origin (the registry's ``site`` row ``site_id``)."""

    site_id = peewee.IntegerField(primary_key=True)
    origin = peewee.CharField()
    recorded_at = peewee.DateTimeField()

    class Meta:
        database = db
        schema = TRUST_SCHEMA
        table_name = "site_chain"


def recorded() -> dict[int, str]:
    """The origins recorded, by site number: none when the registry has no such table yet (a
    trust from before it) or this role may not read it (a school's role before its grants
    were run again)."""
    row = db.execute_sql(
        "SELECT c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT') FROM pg_namespace n "
        "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = %s WHERE n.nspname = %s",
        (SiteChain._meta.table_name, TRUST_SCHEMA),
    ).fetchone()
    if not (row and row[0]):
        return {}
    return {int(r.site_id): str(r.origin) for r in SiteChain.select()}


def current(schemas: list[str]) -> dict[str, str | None]:
    """The origin of the log in each schema now, for those this role may read and that hold
    only what the kiosk made: their audit tables locked (ACCESS SHARE, so they cannot be
    renamed away or given row security until the transaction ends), then checked, then
    read. A schema left out is not known (not readable, not there, or altered)."""
    from models.trust import ALTERED

    schools = [s for s in schemas if s != MAIN_SCHEMA]
    return current_and_states(schemas, schools, lambda state: state != ALTERED)[0]


def current_and_states(
    schemas: list[str], checked: list[str], readable_when: Any
) -> tuple[dict[str, str | None], dict[str, str]]:
    """:func:`current` of ``schemas``, and :func:`models.trust.schema_states` of ``checked``,
    read once, after the audit tables are locked (a list of the trust's schools needs both:
    one catalogue check, not one for the states and another for the logs). The origin of a
    schema is read when ``readable_when(its state)`` (a schema not in ``checked``: READY)."""
    from models.trust import READY, schema_states

    if not schemas:
        return {}, (schema_states(checked) if checked else {})
    readable = [
        r[0]
        for r in db.execute_sql(
            # (a join: one pass over pg_class for all the schemas, not a subquery a schema)
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT') "
            "WHERE n.nspname = ANY(%s) AND has_schema_privilege(n.oid, 'USAGE') "
            "GROUP BY n.nspname HAVING COUNT(*) = %s",
            (list(_AUDIT_TABLES), list(schemas), len(_AUDIT_TABLES)),
        ).fetchall()
    ]
    with db.atomic():
        if readable:
            names = ", ".join(f'"{s}"."{t}"' for s in readable for t in _AUDIT_TABLES)
            db.execute_sql(f"LOCK TABLE {names} IN ACCESS SHARE MODE")
        states = schema_states(checked) if checked else {}
        # never read one altered: what it holds may run inside the reader's query
        out = audit.origins([s for s in readable if readable_when(states.get(s, READY))])
    return out, states


def record(actor: Any, now: dt.datetime, *, copies: bool = False, sites: list[Any] | None = None) -> list[str]:
    """At site 1: record the origin of every school whose log has begun and has none recorded
    yet, each with its entry in site 1's log; the codes recorded. A school whose log is
    another school's is not recorded (every view names it). ``copies``: the benchmark's
    schools, each a copy of site 1's log (``benchmarks/gen_trust.py``), recorded as they are
    (over what was recorded when they were made). Never for a real trust.
    Call outside a transaction, or inside site 1's write transaction. ``sites``: the list of
    schools just read (:func:`models.trust.all_sites`), to decide from without reading it
    again (the usual case: nothing to record); it is read again before anything is."""
    from models.audit.tx import write_tx
    from models.sites import MAIN
    from models.store.db import current_site, is_sqlite
    from models.trust import READY, SWAPPED, _has_registry, all_sites

    if is_sqlite() or current_site() != MAIN or not _has_registry():
        return []

    def wanted(sites: list[Any]) -> list[Any]:
        return [
            s
            for s in sites
            if s.chain is not None
            and s.chain != s.recorded
            and (s.recorded is None or copies)  # a log recorded is never recorded over (but the benchmark's)
            and (s.state == READY or (copies and s.state == SWAPPED))
        ]

    if not wanted(sites if sites is not None else all_sites()):
        return []  # (the usual case: no write, no wait for site 1's write lock)
    done: list[str] = []
    with write_tx():
        db.create_tables([SiteChain], safe=True)
        for site in wanted(all_sites()):
            SiteChain.delete().where(SiteChain.site_id == site.number).execute()
            SiteChain.create(site_id=site.number, origin=site.chain, recorded_at=now)
            audit.append(actor, RECORDED_ACTION, "site", site.number, {"code": site.code, ORIGIN: site.chain}, now)
            done.append(site.code)
    return done


def problems() -> list[str]:
    """For ``kiosk audit verify`` at site 1: each recorded origin against the entry of site 1's
    log that recorded it (the trust's owner role editing the registry to fit a swap)."""
    import json

    from models.store.tables import AuditEntry

    found = recorded()
    if not found:
        return []
    logged: dict[str, str] = {}
    actions = (RECORDED_ACTION, "trust.site_added")
    for e in AuditEntry.select().where(AuditEntry.action.in_(actions)).order_by(AuditEntry.seq):
        try:
            origin = json.loads(e.details).get(ORIGIN)
        except (ValueError, AttributeError):
            continue
        if isinstance(origin, str):
            logged[str(e.entity_id)] = origin
    return [
        f"Table site_chain: the audit log recorded for school number {sid} does not match the entry of site 1's "
        "log that recorded it: changed outside the kiosk."
        for sid, origin in sorted(found.items())
        if logged.get(str(sid)) != origin
    ]


def refuse_taken() -> None:
    """At a school's place, in ``kiosk migrate-to`` or ``kiosk restore`` (before either is
    kept): one line, and nothing kept, when the log moved in is another school's already
    (the same SQLite school moved into two places, a backup restored at a second school),
    or is not the one the trust recorded for this school (another school's backup restored
    into a lost school's place)."""
    from models.errors import ValidationError
    from models.store.db import current_schema, is_sqlite
    from models.trust import Site, _has_registry

    if is_sqlite() or not _has_registry():
        return
    mine = audit.origin()
    if mine is None:
        return
    here = current_schema()
    rows = list(Site.select())
    found = recorded()
    me = next((s for s in rows if s.schema_name == here), None)
    if me is not None and me.id in found and found[me.id] != mine:
        raise ValidationError(
            f"These records are not {me.name}'s: the trust recorded another audit log for the school "
            f"{me.code!r}. Restore that school's own backup here. Nothing was changed."
        )
    others = [s for s in rows if s.schema_name != here]
    now_there = current([s.schema_name for s in others])
    for s in others:
        if found.get(s.id) == mine or now_there.get(s.schema_name) == mine:
            which = f"{s.name} ({s.code})" if s.code else f"{s.name} (site 1)"
            raise ValidationError(
                f"These records are already in the trust as {which}: one school's records cannot become "
                "a second school. Nothing was changed."
            )
