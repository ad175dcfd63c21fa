"""A trust: several schools (sites) on one PostgreSQL database.

Each site is a schema of its own (:mod:`models.sites`): the trust's registry here
names them. A single school is a trust of one and has no registry: its tables are site 1,
where they always were, so nothing moves when it joins a trust and its audit chain goes
on verifying.

* :func:`add_site` makes a school: its schema, its tables at the current version, and its
  row in the registry, in one transaction with the audit entry (in the chain of the site
  that made it).
* :func:`all_sites` lists them, site 1 first, each with its state: one whose place is
  empty (``add-site --empty``, waiting for its records) or whose tables are gone (its
  schema dropped) is still the trust's school, named in every report, never read.
* :func:`reading` reads another site's records in a read-only transaction: the database
  itself refuses any write into a school while reading it, whoever asks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import peewee

from models import sites as site_names
from models.audit import chain as audit
from models.audit.tx import write_tx
from models.errors import ConfigError, PermissionDenied, StorageError, ValidationError
from models.sites import MAIN, MAIN_SCHEMA, TRUST_SCHEMA
from models.store.db import current_schema, current_site, db, is_sqlite
from models.text import line_field

T = TypeVar("T")

MAX_NAME = 80


class Site(peewee.Model):
    """One school of the trust. Site 1 is the school that was there first (schema ``public``)."""

    id = peewee.AutoField()
    code = peewee.CharField(unique=True)  # "" for site 1
    name = peewee.CharField()
    schema_name = peewee.CharField(unique=True)
    added_at = peewee.DateTimeField()
    added_by = peewee.CharField(null=True)

    class Meta:
        database = db
        schema = TRUST_SCHEMA
        table_name = "site"


READY = "ready"  # its tables are there: read as normal
EMPTY = "empty"  # its place, no tables yet: waiting for its records (migrate-to, or restore)
MISSING = "missing"  # in the registry, but its schema is gone (dropped outside the kiosk)
ALTERED = "altered"  # its schema holds what the kiosk did not make (a view, a function): never read
INCOMPLETE = "incomplete"  # a table the kiosk made there is gone (renamed or dropped outside the kiosk): never read
UNREADABLE = "unreadable"  # the database refused a report's read of it (a column dropped outside the kiosk): not read
SWAPPED = "swapped"  # its audit log is not the one the trust recorded for it (models.trust.chains): never read

# What a school's schema may hold: the kiosk's tables (and partitions), their indexes and
# sequences, and the three trigger functions of the capture (models.audit.integrity), which
# a query cannot call. A report across the trust reads a school under the trust's own role
# with that school's schema on its search path, so a view, a function, an operator or row
# security put there by the school's own role (the owner of its schema) would run inside the
# trust's read (the second trust walk ran a shell command that way): such a school is not read.
_CAPTURE_FUNCTIONS = ["kiosk_capture_set", "kiosk_capture_row", "kiosk_capture_pre"]
_FOREIGN_OBJECTS = (
    # the schemas (of those named) holding anything the kiosk did not make: one pass over
    # each catalogue for all of them, not one a school (pg_proc has no index on its schema)
    "WITH s AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY(%s)) "
    "SELECT s.nspname FROM s WHERE s.oid IN ("
    "SELECT c.relnamespace FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM s) "
    "AND (c.relkind NOT IN ('r', 'p', 'i', 'I', 'S') OR c.relrowsecurity) "
    "UNION ALL SELECT p.pronamespace FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM s) "
    "AND (p.prorettype <> 'trigger'::regtype OR NOT p.proname = ANY(%s)) "
    "UNION ALL SELECT o.oprnamespace FROM pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM s))"
)


@dataclass(frozen=True)
class SiteInfo:
    number: int
    code: str  # "" for site 1 (a terminal names no site to open it)
    name: str
    schema: str
    state: str = READY
    recorded: str | None = None  # the origin of its log the trust recorded (models.trust.chains), if any
    chain: str | None = None  # the origin of the log in its place now, when read (None: no log, or not read)

    @property
    def ready(self) -> bool:
        return self.state == READY

    @property
    def lost(self) -> bool:
        """In the registry, its tables gone or its schema holding what the kiosk did not make:
        a fault (``kiosk audit verify`` names it), where an empty place is a move under way."""
        return self.state in (MISSING, ALTERED, SWAPPED, INCOMPLETE, UNREADABLE)

    @property
    def fault_text(self) -> str:
        """Why a school at fault is not read, in a few words."""
        if self.state == ALTERED:
            return f"its schema {self.schema} holds things the kiosk did not make (a view or a function)"
        if self.state == INCOMPLETE:
            return (
                f"tables the kiosk made are gone from its schema {self.schema} (renamed or dropped outside the kiosk)"
            )
        if self.state == UNREADABLE:
            return f"its tables in {self.schema} could not be read (changed outside the kiosk: a column dropped or altered)"
        if self.state == SWAPPED:
            return (
                f"its schema {self.schema} holds another school's records (not the audit log the trust recorded for it)"
            )
        return f"its tables are gone (schema {self.schema})"

    @property
    def state_text(self) -> str:
        """The school's state in plain words ("" when it is read as normal), as every trust
        report shows it in its row."""
        if self.state == EMPTY:
            return "empty: waiting for its records to be moved in"
        if self.state == MISSING:
            return f"missing: its tables are gone (schema {self.schema})"
        if self.state == ALTERED:
            return f"not read: its schema holds things the kiosk did not make (a view or a function in {self.schema})"
        if self.state == INCOMPLETE:
            return f"not read: tables the kiosk made are gone from {self.schema} (renamed or dropped outside the kiosk)"
        if self.state == UNREADABLE:
            return f"not read: the database could not read its tables in {self.schema} (changed outside the kiosk)"
        if self.state == SWAPPED:
            return (
                f"not read: {self.schema} holds another school's records (not the audit log the trust recorded "
                "for it: schemas swapped or replaced outside the kiosk)"
            )
        return ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


def _require_postgres() -> None:
    if is_sqlite():
        raise ConfigError(
            "A trust of several schools needs PostgreSQL: one SQLite file holds one school. "
            "Move this school first (kiosk migrate-to postgresql://…)."
        )


def _has_registry() -> bool:
    if is_sqlite():
        return False
    row = db.execute_sql("SELECT to_regclass(%s) IS NOT NULL", (f"{TRUST_SCHEMA}.site",)).fetchone()
    return bool(row and row[0])


def all_sites(first_name: str = "This school") -> list[SiteInfo]:
    """The trust's schools, site 1 first, each with its state (:data:`READY`, :data:`EMPTY`,
    :data:`MISSING`): every school in the registry, whether or not its tables are there
    to be read. A school alone (or on SQLite) is a trust of one."""
    if not _has_registry():
        return [SiteInfo(1, MAIN, first_name, MAIN_SCHEMA)]
    from models.trust import chains

    rows = list(Site.select().order_by(Site.id))
    names = [s.schema_name for s in rows]
    found = chains.recorded()
    # the states and the logs in one catalogue check, after the logs are locked
    now_there, states = chains.current_and_states(names, names, lambda state: state == READY)
    taken = {origin: sid for sid, origin in found.items()}
    out = []
    for s in rows:
        state, chain, mine = states[s.schema_name], now_there.get(s.schema_name), found.get(s.id)
        if state == READY and s.schema_name in now_there:
            if mine is not None and chain != mine:
                state = SWAPPED  # not the log recorded for it: swapped, or replaced by another's
            elif mine is None and chain is not None:
                twins = [o.id for o in rows if o.id != s.id and now_there.get(o.schema_name) == chain]
                if taken.get(chain, s.id) != s.id or twins:
                    state = SWAPPED  # not recorded yet, and another school's log
        out.append(SiteInfo(s.id, s.code, s.name, s.schema_name, state, mine, chain))
    return out


def schema_states(schemas: list[str]) -> dict[str, str]:
    """Each schema's state: :data:`MISSING` (no such schema), :data:`EMPTY` (no tables in
    it), :data:`ALTERED` (a school's holding what the kiosk did not make),
    :data:`INCOMPLETE` (a school's missing a table the kiosk made at its version) or
    :data:`READY`; a few queries (pg_catalog, which every role may read, and each school's
    version record where this role may read it)."""
    found: dict[str, set[str]] = {}
    readable: set[str] = set()  # those whose version record this role may read
    for name, tables, allowed in db.execute_sql(
        # one pass over pg_class for all the schemas (a join, not a subquery a schema: pg_class
        # has no index on its namespace alone, and a trust of 30 schools took 20 ms the other way)
        "SELECT n.nspname, COALESCE(array_agg(c.relname) FILTER (WHERE c.relname IS NOT NULL), '{}'), "
        "COALESCE(bool_or(c.relname = 'schema_version' AND has_table_privilege(c.oid, 'SELECT')), false) "
        "FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p') "
        "WHERE n.nspname = ANY(%s) GROUP BY n.nspname",
        (list(schemas),),
    ).fetchall():
        found[name] = set(tables)
        if allowed:
            readable.add(name)
    states = {s: (MISSING if s not in found else READY if found[s] else EMPTY) for s in schemas}
    schools = [s for s, state in states.items() if state != MISSING and s != MAIN_SCHEMA]
    if schools:
        for (name,) in db.execute_sql(
            _FOREIGN_OBJECTS,
            (schools, _CAPTURE_FUNCTIONS),
        ).fetchall():
            states[name] = ALTERED
    whole = [s for s in schools if states[s] == READY]
    if whole:
        for name in _incomplete({s: found[s] for s in whole}, readable & set(whole)):
            states[name] = INCOMPLETE
    return states


def _incomplete(present: dict[str, set[str]], readable: set[str]) -> list[str]:
    """Those schemas (each holding only what the kiosk made, with the tables ``present``)
    missing a table the kiosk made at its schema version (renamed or dropped outside the
    kiosk): a report reading one would fail on it. The version is read where this role may
    read it (``readable``: a school's own version record); otherwise, or if that record
    cannot be read, what its tables imply."""
    from models.upkeep.migrations import tables_at, version_implied

    versions: dict[str, int] = {}
    if readable:
        query = " UNION ALL ".join(
            f'SELECT %s, (SELECT MAX(version) FROM "{s}"."schema_version")' for s in sorted(readable)
        )
        try:
            with db.atomic():  # (a savepoint: a version record altered outside the kiosk fails only this)
                versions = {s: int(v or 0) for s, v in db.execute_sql(query, sorted(readable)).fetchall()}
        except peewee.DatabaseError:
            versions = {}
    return [
        s for s, there in present.items() if not tables_at(max(versions.get(s, 0), version_implied(there))) <= there
    ]


def grants_for(code: str, role: str | None = None) -> str:
    """The SQL giving school ``code`` a PostgreSQL login role of its own
    (:func:`models.trust.grants.school_role_sql`); ``role`` by default ``<database>_<code>``."""
    from models.trust import grants

    _require_postgres()
    code = site_names.check_code(code)
    if code == MAIN or code not in {s.code for s in all_sites()}:
        raise ValidationError(
            "Site 1 is the trust's own school: its terminals use the database's owner role."
            if code == MAIN
            else f"There is no school with the code {code!r} in this trust: kiosk trust sites lists them."
        )
    database, owner = db.execute_sql(
        "SELECT current_database(), pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    ).fetchone()
    default = grants.role_for(database, code)
    role = grants.check_role(role if role is not None else default)
    _refuse_role(role, code, owner, {s.code: grants.role_for(database, s.code) for s in all_sites() if s.code})
    return grants.school_role_sql(code, role)


def _refuse_role(role: str, code: str, owner: str, defaults: dict[str, str]) -> None:
    """One line when ``role`` cannot be school ``code``'s own: the database's owner (the
    trust's own role, site 1's), a superuser or a role that may act as the owner (each reads
    and writes every school), or another school's role (its own or its default name)."""
    ours = (
        f"give {code} a login role of its own (the default, {defaults.get(code, 'DATABASE_' + code)}, is made for it)"
    )
    if role == owner:
        raise ValidationError(f"{role} is the database's owner, the trust's own role at site 1: {ours}.")
    found = db.execute_sql(
        "SELECT r.rolsuper, pg_has_role(r.oid, (SELECT datdba FROM pg_database WHERE datname = current_database()), "
        "'USAGE') FROM pg_roles r WHERE r.rolname = %s",
        (role,),
    ).fetchone()
    if found is not None and found[0]:
        raise ValidationError(f"{role} is a PostgreSQL superuser, which reads and writes every school: {ours}.")
    if found is not None and found[1]:
        raise ValidationError(f"{role} may act as the database's owner (a member of its role): {ours}.")
    other = next((c for c, r in defaults.items() if r == role and c != code), None)
    if other is None:
        schema = site_names.schema_for(code)
        owned = db.execute_sql(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner "
            "WHERE r.rolname = %s AND n.nspname <> %s ORDER BY n.nspname",
            (role, schema),
        ).fetchall()
        if owned:
            name = owned[0][0]
            other = name.removeprefix(site_names.SCHEMA_PREFIX) if name.startswith(site_names.SCHEMA_PREFIX) else None
            if other is None:
                raise ValidationError(f"{role} owns the schema {name}, which is not {code}'s: {ours}.")
    if other is not None:
        raise ValidationError(f"{role} is the school {other}'s role: {ours}.")


def registered_name() -> str | None:
    """The open site's name in the trust's registry (None: no registry, or no row for it):
    the school's name on its terminals when their config names none."""
    if db.obj is None or not _has_registry():
        return None
    site = Site.get_or_none(Site.schema_name == current_schema())
    return site.name if site is not None else None


def _schema_exists(schema: str) -> bool:
    return db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is not None


def check_name(name: object) -> str:
    """A school's name: one line of at most :data:`MAX_NAME` printable characters (a tab,
    a line break or a terminal's escape is refused, not folded away); runs of spaces made one."""
    return re.sub(" {2,}", " ", line_field(str(name or ""), "school's name", MAX_NAME))


def add_site(
    code: str, name: str, *, actor: Any, now: dt.datetime, first_name: str = "Site 1", empty: bool = False
) -> SiteInfo:
    """Make a new school in the trust: its schema and tables, and its registry row.

    Run from site 1 (the trust's own school, where the trust's registry is kept), by
    someone who may manage staff there: the new school has no staff yet, and its first
    admin is added as any school's first admin is (``kiosk staff add`` at that site).
    Site 1 joins the registry the first time, under ``first_name``.

    ``empty``: the schema and the registry row, no tables: for a school that began on
    SQLite, whose records (and audit log) then move in with ``kiosk migrate-to`` (which
    takes only an empty database).
    """
    _require_postgres()
    if current_site() != MAIN:
        raise PermissionDenied("Add a school from site 1 of the trust (a terminal that names no site).")
    code = site_names.check_code(code)
    name = check_name(name)
    schema = site_names.schema_for(code)
    from models.upkeep.migrations import migrate

    with write_tx():
        db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{TRUST_SCHEMA}"')
        db.create_tables([Site], safe=True)
        first = None
        if not Site.select().exists():
            first = check_name(first_name)
            Site.create(
                code=MAIN,
                name=first,
                schema_name=MAIN_SCHEMA,
                added_at=now,
                added_by=None,
            )
        from models.trust import chains

        chains.record(None, now)  # which log site 1 (and any school whose log began since) holds
        lost = Site.get_or_none((Site.code == code) & (Site.schema_name == schema))
        if empty and lost is not None and not _schema_exists(schema):
            return _remake_empty(lost, name, actor=actor, now=now)
        if lost is not None and schema_states([schema])[schema] == EMPTY:
            raise ValidationError(
                f"There is already a school with the code {code!r} in this trust, its place empty and waiting "
                f"for its records: move them in with `kiosk migrate-to 'postgresql://…?site={code}'`, or put its backup back "
                f"with `KIOSK_SITE={code} kiosk restore FILE`."
            )
        if Site.select().where((Site.code == code) | (Site.schema_name == schema)).exists() or _schema_exists(schema):
            raise ValidationError(f"There is already a school with the code {code!r} in this trust.")
        if Site.select().where(peewee.fn.lower(Site.name) == name.lower()).exists():
            raise ValidationError(f"There is already a school called {name!r} in this trust.")
        site = Site.create(
            code=code, name=name, schema_name=schema, added_at=now, added_by=getattr(actor, "username", None)
        )
        # A school made with its tables gets a log of its own from the start (models.trust.chains):
        # recorded here, in the registry and in this entry, before anything is in it.
        start = None if empty else audit.new_genesis()
        audit.append(
            actor,
            "trust.site_added",
            "site",
            site.id,
            {
                "code": code,
                "name": name,
                "schema": schema,
                "empty": empty,
                **({"site_1": first} if first else {}),
                **({chains.ORIGIN: start} if start else {}),
            },
            now,
        )
        if start is not None:
            db.create_tables([chains.SiteChain], safe=True)
            chains.SiteChain.create(site_id=site.id, origin=start, recorded_at=now)
        # The new school's tables, in this same transaction: a failure leaves no half-made school.
        here = current_schema()
        db.execute_sql(f'CREATE SCHEMA "{schema}"')
        if not empty:
            db.execute_sql(f'SET LOCAL search_path TO "{schema}"')
            migrate()  # (a failure aborts the whole transaction, search_path with it)
            audit.set_genesis(start or audit.new_genesis())  # (start is set whenever the tables are made)
            db.execute_sql(f'SET LOCAL search_path TO "{here}"')  # the commit binds site 1's own chain
    return SiteInfo(site.id, code, name, schema)


def rename_site(code: str, name: str, *, actor: Any, now: dt.datetime) -> SiteInfo:
    """A school of the trust takes a new name (``code`` "" is site 1): its registry row and
    an audit entry at site 1 saying from what, in one transaction. Its code, schema and
    records are unchanged (its terminals name the code, not the name). Run at site 1 by
    someone who may manage the trust's schools."""
    from models.staff.auth import require

    _require_postgres()
    if current_site() != MAIN:
        raise PermissionDenied("Rename a school from site 1 of the trust (a terminal that names no site).")
    if actor is not None:
        require(actor, "manage_sites")
    code = MAIN if code in ("", MAIN) else site_names.check_code(code)
    name = check_name(name)
    with write_tx():
        site = Site.get_or_none(Site.code == code) if _has_registry() else None
        if site is None:
            raise ValidationError(
                "This school is not in a trust yet: it takes its name from its config (school_name)."
                if code == MAIN
                else f"There is no school with the code {code!r} in this trust: kiosk trust sites lists them."
            )
        if site.name == name:
            raise ValidationError(f"The school {code or '(site 1)'} is already called {name!r}.")
        if Site.select().where((peewee.fn.lower(Site.name) == name.lower()) & (Site.id != site.id)).exists():
            raise ValidationError(f"There is already a school called {name!r} in this trust.")
        before = site.name
        Site.update(name=name).where(Site.id == site.id).execute()
        audit.append(
            actor,
            "trust.site_renamed",
            "site",
            site.id,
            {"code": code, "schema": site.schema_name, "from": before, "name": name},
            now,
        )
    return SiteInfo(site.id, code, name, site.schema_name)


def _remake_empty(site: Site, name: str, *, actor: Any, now: dt.datetime) -> SiteInfo:
    """A school of the trust whose schema was lost (dropped, or a server rebuilt from site 1's
    dump): its empty place again, under the same registry row, for ``kiosk restore`` of its
    own backup. The name must be the registered one (a typo is not a second school). Runs in
    the caller's transaction, with its audit entry."""
    if site.name.lower() != name.lower():
        raise ValidationError(
            f"The school {site.code!r} is called {site.name!r} in this trust: give that name to make its "
            "empty place again."
        )
    audit.append(
        actor,
        "trust.site_remade",
        "site",
        site.id,
        {"code": site.code, "name": site.name, "schema": site.schema_name, "empty": True},
        now,
    )
    db.execute_sql(f'CREATE SCHEMA "{site.schema_name}"')
    return SiteInfo(site.id, site.code, site.name, site.schema_name)


@contextmanager
def reading(site: SiteInfo, *, prepared: bool = False) -> Iterator[None]:
    """Read ``site``'s records on this connection, in a read-only transaction: a report
    across the trust can look into every school and write into none (PostgreSQL refuses
    it, whatever the code asks). ``prepared``: this connection's capture table was made by
    the reading of the school before, in the same report (one check, not one a school)."""
    if is_sqlite():
        if site.schema != MAIN_SCHEMA:
            raise ConfigError("A trust of several schools needs PostgreSQL.")
        yield
        return
    if db.in_transaction():
        raise RuntimeError("reading() opens its own transaction")
    from models.audit import integrity

    if not prepared:
        integrity.prepare()  # this connection's capture table, made now: a read-only transaction could not
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        if site.schema != MAIN_SCHEMA:
            _hold_as_made(site)
        if site.recorded is not None and audit.origin(site.schema) != site.recorded:
            raise StorageError(f"{site.label} holds another school's records: {_NOT_READ}")
        db.execute_sql(f'SET LOCAL search_path TO "{site.schema}"')
        yield  # (SET LOCAL ends with the transaction: this connection is back at its own site)
        if site.schema != MAIN_SCHEMA and schema_states([site.schema])[site.schema] != READY:
            raise StorageError(f"{site.name} ({site.code}) was changed while it was being read: {_NOT_READ}")


_NOT_READ = "nothing of it is reported. Run kiosk audit verify at site 1."


def _hold_as_made(site: SiteInfo) -> None:
    """Before a school is read: its tables locked against renaming or dropping until the read
    ends (ACCESS SHARE, which a read-only transaction may take), then its schema checked to
    hold only what the kiosk made. What is created after this check is found by the check
    again at the end of the read, which then fails."""
    tables = [
        r[0]
        for r in db.execute_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            (site.schema,),
        ).fetchall()
    ]
    if tables:
        names = ", ".join(f'"{site.schema}"."{t}"' for t in tables)
        db.execute_sql(f"LOCK TABLE {names} IN ACCESS SHARE MODE")
    if schema_states([site.schema])[site.schema] != READY:
        raise StorageError(f"{site.name} ({site.code}) is not as the kiosk made it: {_NOT_READ}")


def read_each(sites: list[SiteInfo], read: Callable[[SiteInfo], T]) -> list[tuple[SiteInfo, T | None]]:
    """``read`` at each school of ``sites``, in one read-only transaction on this connection
    (a report across the trust: the catalogue checked a few times in all, rather than
    three times a school). Each school is read as :func:`reading`
    reads one: its tables locked against renaming or dropping first, its schema checked to
    hold only what the kiosk made, and checked again when every school has been read.

    Returns each school with what ``read`` gave, or None for a school not read: one not
    ready in ``sites``, or found not ready when locked (returned with its state then, so
    the report names it). A school changed while the others were read fails the report
    (:class:`StorageError`), as :func:`reading` does."""
    if is_sqlite():
        if any(s.schema != MAIN_SCHEMA for s in sites):
            raise ConfigError("A trust of several schools needs PostgreSQL.")
        return [(s, read(s) if s.ready else None) for s in sites]
    if db.in_transaction():
        raise RuntimeError("read_each() opens its own transaction")
    from models.audit import integrity

    integrity.prepare()  # this connection's capture table, made now: a read-only transaction could not
    schools = [s.schema for s in sites if s.ready and s.schema != MAIN_SCHEMA]
    out: list[tuple[SiteInfo, T | None]] = []
    with db.atomic():
        # READ COMMITTED (not one snapshot): the checks at the end must see what was made
        # after the read began, and a catalogue read in a snapshot would not
        db.execute_sql("SET TRANSACTION READ ONLY")
        states: dict[str, str] = {}
        if schools:
            tables = db.execute_sql(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') ORDER BY n.nspname, c.relname",
                (schools,),
            ).fetchall()
            if tables:
                names = ", ".join(f'"{n}"."{t}"' for n, t in tables)
                db.execute_sql(f"LOCK TABLE {names} IN ACCESS SHARE MODE")
            states = schema_states(schools)
        # the logs in every school's place, in one statement (not two a school)
        origins = audit.origins(
            [s.schema for s in sites if s.recorded is not None and states.get(s.schema, s.state) == READY]
        )
        for site in sites:
            state = states.get(site.schema, site.state)
            if state == READY and site.recorded is not None and origins.get(site.schema) != site.recorded:
                state = SWAPPED  # another school's log since the list of schools was read (models.trust.chains)
            if state != READY:
                out.append((site if state == site.state else replace(site, state=state), None))
                continue
            try:
                with db.atomic():  # a savepoint: a school the database refuses to read fails only itself
                    db.execute_sql(f'SET LOCAL search_path TO "{site.schema}"')
                    out.append((site, read(site)))
            except (peewee.ProgrammingError, peewee.DataError):
                # (a table or column renamed, dropped or retyped outside the kiosk since the checks;
                # a write refused in this read-only transaction is not caught: that is the code's fault)
                out.append((replace(site, state=UNREADABLE), None))
        read_schools = [s.schema for s, _ in out if s.ready and s.schema != MAIN_SCHEMA]
        if read_schools:
            after = schema_states(read_schools)
            changed = [s for s, _ in out if s.schema in after and after[s.schema] != READY]
            if changed:
                named = ", ".join(f"{s.name} ({s.code})" for s in changed)
                raise StorageError(f"{named} changed while it was being read: {_NOT_READ}")
    return out


def _own_log_problems() -> list[str]:
    """At a school of the trust: its place holds the log the trust recorded for it (when this
    role may read that record: the trust's own, or a school's role after its grants were run
    again)."""
    from models.trust import chains

    me = Site.get_or_none(Site.schema_name == current_schema())
    if me is None:
        return []
    mine = chains.recorded().get(me.id)
    if mine is None or audit.origin() == mine:
        return []
    return [
        f"This school's place ({current_schema()}) holds another school's records: not the audit log the trust "
        f"recorded for {me.name} ({me.code}). Its schema was swapped or replaced outside the kiosk."
    ]


def registry_problems(*, missing: bool = True) -> list[str]:
    """The trust's registry against site 1's audit log (for ``kiosk audit verify`` at site
    1): every school was added by an entry that names its code, name and schema, and each
    school's tables have their row. A registry edited outside the kiosk (a school renamed,
    two schools' schemas swapped so that one's figures show as the other's, a row deleted)
    is named here. ``missing=False`` (a site-1 backup just restored into a new database,
    which holds site 1 and the registry only): a school whose tables are not there is not
    named (the restore names it as still to be restored from its own backup)."""
    import json

    from models.store.tables import AuditEntry

    if not _has_registry():
        return []
    if current_site() != MAIN:
        return _own_log_problems()
    problems = []
    added: dict[str, dict[str, Any]] = {}
    first_name = None
    for e in (
        AuditEntry.select()
        .where(AuditEntry.action.in_(["trust.site_added", "trust.site_renamed"]))
        .order_by(AuditEntry.seq)
    ):
        d = json.loads(e.details)
        if e.action == "trust.site_renamed":  # the name it has had since (site 1's, or a school's)
            if d.get("code") == MAIN:
                first_name = d.get("name")
            elif str(e.entity_id) in added:
                added[str(e.entity_id)] = {**added[str(e.entity_id)], "name": d.get("name")}
            continue
        added[str(e.entity_id)] = d
        first_name = first_name or d.get("site_1")
    rows = {str(s.id): s for s in Site.select()}
    for sid, s in rows.items():
        if s.code == MAIN:
            if s.schema_name != MAIN_SCHEMA or (first_name is not None and s.name != first_name):
                problems.append("Table site: site 1's row does not match the audit log (changed outside the kiosk).")
            continue
        d = added.get(sid)
        if d is None:
            problems.append(
                f"Table site: the school {s.name!r} ({s.code}) has no entry in the audit log that added it."
            )
        elif (d.get("code"), d.get("name"), d.get("schema")) != (s.code, s.name, s.schema_name):
            problems.append(
                f"Table site: the school {s.code!r} does not match the audit log that added (or renamed) it "
                f"({d.get('code')!r}, {d.get('name')!r}, {d.get('schema')!r}): changed outside the kiosk."
            )
    for sid, d in added.items():
        if sid not in rows:
            problems.append(
                f"Table site: the school {d.get('name')!r} ({d.get('code')}) was added but its row is gone."
            )
    schemas = {s.schema_name for s in rows.values()}
    states = schema_states(sorted(schemas))
    from models.trust import chains

    for site in all_sites():
        if site.state == SWAPPED:
            problems.append(
                f"Table site: the school {site.name!r} ({site.code or 'site 1'}): {site.fault_text}. Two schools' schemas "
                "were swapped, or one replaced with another's, outside the kiosk; no report across the trust reads it."
            )
    problems.extend(chains.problems())
    for s in rows.values():
        if states[s.schema_name] == ALTERED:
            problems.append(
                f"Table site: the school {s.name!r} ({s.code}): its schema {s.schema_name} holds things the kiosk did "
                "not make (a view, a function, an operator or row security), created outside the kiosk; no report "
                "across the trust reads it until they are removed."
            )
        if states[s.schema_name] == INCOMPLETE:
            problems.append(
                f"Table site: the school {s.name!r} ({s.code}): tables the kiosk made are gone from its schema "
                f"{s.schema_name} (renamed or dropped outside the kiosk); no report across the trust reads it until "
                f"they are put back as the kiosk made them."
            )
        if missing and states[s.schema_name] == MISSING:
            problems.append(
                f"Table site: the school {s.name!r} ({s.code}) is in the trust's registry but its tables are not "
                f"in this database (schema {s.schema_name}): still to be restored from its own backup (`kiosk trust "
                f"add-site {s.code} --empty`, then `KIOSK_SITE={s.code} kiosk restore FILE`), or, if this database "
                "had them, dropped outside the kiosk."
            )
    for (name,) in db.execute_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (site_names.SCHEMA_PREFIX.replace("_", "\\_") + "%%",)
    ).fetchall():
        if name not in schemas:
            problems.append(f"Schema {name}: a school's tables with no row in the trust's registry.")
    return problems
