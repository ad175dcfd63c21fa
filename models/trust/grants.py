"""PostgreSQL's own walls between a trust's schools (issue 16): a login role per school.

A trust's schools share one database, each in a schema of its own (``models.sites``), and
the kiosk keeps each connection to its school's schema (``search_path``). :func:`school_role_sql`
adds the server's own guarantee: the SQL (run once per school by the ``postgres``
superuser, after ``kiosk trust add-site``) that makes a login role for that school's
terminals which

- owns the school's schema and everything in it (tables, their sequences, the capture
  functions), so the kiosk there upgrades its own tables at start as before;
- may read the trust's registry of sites (``trust.site``) and nothing else outside it:
  no other school's schema, not site 1's (``public``), and never a write into the registry;
- leaves the trust's own role (the database's owner, at site 1) able to *read* the school,
  for the reports across the trust, now and after later upgrades (default privileges).

This module only writes text: nothing here connects to a database.
"""

from __future__ import annotations

import re

from models import sites as site_names
from models.errors import ValidationError
from models.sites import MAIN, TRUST_SCHEMA

MAX_ROLE = 63  # PostgreSQL's longest name
_ROLE = re.compile(r"[a-z][a-z0-9_]*")


def role_for(database: str, code: str) -> str:
    """The default login role of a school: ``<database>_<code>`` (role names are the whole
    server's, so the database's name keeps two trusts on one server apart)."""
    return f"{database}_{code}"


# PostgreSQL's reserved role names (CREATE ROLE refuses them), its words for a role in
# GRANT and ALTER (never a role's own name), and pg_hba.conf's keywords in the user field
# (the line printed for the school would let every role in, or none)
RESERVED_ROLES = frozenset(
    {"public", "none", "current_user", "session_user", "current_role", "user"}
    | {"all", "sameuser", "samerole", "samegroup", "replication"}
)


def check_role(role: str) -> str:
    role = (role or "").strip()
    if not _ROLE.fullmatch(role) or len(role) > MAX_ROLE:
        raise ValidationError(
            f"{role[:70]!r} cannot be a PostgreSQL role here: lower-case letters, digits and _, starting with "
            f"a letter, at most {MAX_ROLE} characters (give one with --role)."
        )
    if role in RESERVED_ROLES or role.startswith("pg_"):
        raise ValidationError(
            f"{role!r} cannot be a school's role: the name is reserved by PostgreSQL (public, none, pg_…, "
            "current_user and the like, and pg_hba.conf's all, sameuser, samerole, samegroup, replication). "
            "Give another with --role, or leave it out for the database's name and the school's code."
        )
    return role


def school_role_sql(code: str, role: str) -> str:
    """The SQL giving school ``code`` a login role ``role`` of its own (see the module)."""
    code = site_names.check_code(code)
    if code == MAIN:
        raise ValidationError("Site 1 is the trust's own school: its terminals use the database's owner role.")
    role = check_role(role)
    schema = site_names.schema_for(code)
    return f"""-- kiosk trust grants --site {code}: a PostgreSQL login role for this school's terminals only.
-- Run as the postgres superuser, connected to the trust's database, after kiosk trust add-site:
--   kiosk trust grants --site {code} > {code}.sql && psql -v ON_ERROR_STOP=1 -d TRUST_DATABASE -f {code}.sql
-- then set its password (\\password {role}), give its terminals that role in KIOSK_DATABASE_URL
-- with KIOSK_SITE={code}, and add to pg_hba.conf: hostssl TRUST_DATABASE {role} SCHOOL_NETWORK scram-sha-256
-- Running it again is harmless (after a later upgrade, it hands over anything new).
BEGIN;
DO $grants$
DECLARE
  school CONSTANT text := '{role}';
  place CONSTANT text := '{schema}';
  trust_owner text;
  r record;
BEGIN
  IF to_regnamespace(place) IS NULL THEN
    RAISE EXCEPTION 'There is no school {code} in this database (its schema % is missing): '
      'run kiosk trust add-site first, and connect to the trust''s database.', place;
  END IF;
  SELECT pg_get_userbyid(datdba) INTO trust_owner FROM pg_database WHERE datname = current_database();
  IF school = trust_owner OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = school AND rolsuper)
     OR EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner
                WHERE o.rolname = school AND n.nspname <> place) THEN
    RAISE EXCEPTION 'The role % is the database''s owner, a superuser or another school''s: '
      'give {code} a login role of its own (kiosk trust grants --site {code}).', school;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = school) THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION '
                   'CONNECTION LIMIT 20', school);
  END IF;
  -- the database: connect, and the per-connection temporary table the audit's capture uses
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), school);
  -- nobody by default: not site 1's tables, not another school's
  REVOKE ALL ON SCHEMA public FROM PUBLIC;
  EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', place);
  FOR r IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%' AND nspname <> place LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', r.nspname);
  END LOOP;
  -- the school's own schema and all in it: its role's (a sequence goes with its table)
  EXECUTE format('ALTER SCHEMA %I OWNER TO %I', place, school);
  FOR r IN
    SELECT c.relname, c.relkind FROM pg_class c
    WHERE c.relnamespace = to_regnamespace(place) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO %I',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      place, r.relname, school);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p WHERE p.pronamespace = to_regnamespace(place) LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.fn, school);
  END LOOP;
  -- the trust's registry of schools: read only
  IF to_regnamespace('{TRUST_SCHEMA}') IS NOT NULL THEN
    EXECUTE format('GRANT USAGE ON SCHEMA {TRUST_SCHEMA} TO %I', school);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA {TRUST_SCHEMA} TO %I', school);
  END IF;
  -- the trust's own role (site 1, the database's owner) reads the school for the reports across
  -- the trust, and whatever a later upgrade adds: read only
  IF trust_owner <> school THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', place, trust_owner);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', place, trust_owner);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                   school, place, trust_owner);
  END IF;
END
$grants$;
COMMIT;
"""
