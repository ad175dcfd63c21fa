"""Sites: the schools of a trust on one PostgreSQL database.

Each school (a *site*) is a PostgreSQL schema of its own holding the kiosk's whole set of
tables: its pupils, phones, trays, visitors, staff posts, exceptions, concerns and its own
audit chain. A terminal is configured for one site, and its connections see only that
site's schema (``search_path``), so every query of the domain stays as it is and a record
can never be read or written into another school by accident. The site travels with the
database URL, as ``?site=CODE`` (or ``KIOSK_SITE`` / ``site = CODE`` at the top of the config, which
add it to the URL): everything that opens a connection (workers, the CLI, backups) opens
the same site.

A single school is a trust of one: no site is named, and its tables live where they
always did (``public`` on PostgreSQL, the one file on SQLite). That is site 1 of a trust
registered later (``models.trust``): an existing database joins a trust without any of its
rows moving, so its audit chain goes on verifying as it did.

This module is pure: it names schemas and reads URLs. Opening them is
:func:`models.store.db.init_db`; the registry of a trust's sites is ``models.trust``.
"""

from __future__ import annotations

import re
import zlib
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from models.errors import ConfigError

SITE_PARAM = "site"
MAIN = ""  # the school of a trust of one (site 1): no code, the default schema
MAIN_SCHEMA = "public"
SCHEMA_PREFIX = "site_"
TRUST_SCHEMA = "trust"  # the trust's registry of sites (models.trust)
MAX_CODE = 30
_CODE = re.compile(r"[a-z][a-z0-9_]*")


RESERVED = ("public", "trust", "information_schema")  # PostgreSQL's own, site 1's, the registry's
RESERVED_PREFIXES = ("pg_", SCHEMA_PREFIX)  # PostgreSQL's own schemas; a school's schema's own prefix


def check_code(code: object) -> str:
    """A site's code, checked as typed (a school's short name: ``oakfield``, ``st_marys``):
    lower-case letters, digits and ``_``, starting with a letter, at most 30 characters (it
    names a PostgreSQL schema, so nothing else may be in it). A code that is not one is
    refused, never rewritten (``Elm`` is not made ``elm``: a terminal's KIOSK_SITE names the
    school exactly as it was added). Names of PostgreSQL's and the trust's own schemas
    (:data:`RESERVED`, and anything starting ``pg_`` or ``site_``) are refused too."""
    text = "" if code is None else str(code)
    if not text:
        raise ConfigError("No site code given: use the school's short name, for example oakfield.")
    rule = f"use up to {MAX_CODE} lower-case letters, digits and _, starting with a letter (for example oakfield)"
    if len(text) > MAX_CODE:
        raise ConfigError(f"A site code is at most {MAX_CODE} characters (this one has {len(text)}): {rule}.")
    if not _CODE.fullmatch(text):
        raise ConfigError(f"{text!r} cannot be a site code: {rule}.")
    if text == MAIN_SCHEMA:
        # `kiosk trust sites` lists site 1's schema as public: a school coded public would be
        # opened by KIOSK_SITE=public when the reader meant site 1
        raise ConfigError(
            "public cannot be a site code: it is the name of site 1's own tables. Site 1 has no "
            "code (leave the site unset); give another school a short name of its own."
        )
    if text in RESERVED or text.startswith(RESERVED_PREFIXES):
        # site_elm would be the schema site_site_elm (and KIOSK_SITE=site_elm another, empty school);
        # pg_* and information_schema are PostgreSQL's own, trust the registry's
        raise ConfigError(
            f"{text} cannot be a site code: names starting pg_ or site_, trust and information_schema "
            "are the database's own. Give the school a short name of its own (for example oakfield)."
        )
    return text


def schema_for(code: str) -> str:
    """The PostgreSQL schema holding a site's tables (``public`` for the main site)."""
    return MAIN_SCHEMA if code == MAIN else SCHEMA_PREFIX + check_code(code)


def split_url(url: str) -> tuple[str, str]:
    """``(the URL without ?site=, the site's code)``; the code is :data:`MAIN` when none is named."""
    if "://" not in url or url.startswith("sqlite"):
        if f"?{SITE_PARAM}=" in url or f"&{SITE_PARAM}=" in url:
            raise ConfigError(
                "A site can only be named on PostgreSQL: one SQLite file holds one school. "
                "Remove site from the database URL (or KIOSK_SITE, or site in the config)."
            )
        return url, MAIN
    parsed = urlparse(url)
    pairs = parse_qsl(parsed.query, keep_blank_values=True)
    codes = [v for k, v in pairs if k == SITE_PARAM]
    rest = [(k, v) for k, v in pairs if k != SITE_PARAM]
    if len(codes) > 1:
        raise ConfigError("The database URL names more than one site: name one.")
    if any("search_path" in v.lower() for k, v in rest if k.lower() == "options"):
        raise ConfigError(
            "The database URL sets search_path itself: remove it from options. A terminal names its "
            "school with KIOSK_SITE (or ?site=CODE), and the kiosk sets the schema from that."
        )
    code = check_code(codes[0]) if codes else MAIN
    return urlunparse(parsed._replace(query=urlencode(rest))), code


def with_site(url: str, code: str) -> str:
    """``url`` opened at site ``code`` (the main site: ``url`` without a site)."""
    base, _ = split_url(url)
    if code == MAIN:
        return base
    code = check_code(code)
    if "://" not in base or base.startswith("sqlite"):
        raise ConfigError(
            "A site can only be named on PostgreSQL: one SQLite file holds one school. "
            "Move the school to PostgreSQL first (kiosk migrate-to)."
        )
    parsed = urlparse(base)
    query = urlencode([*parse_qsl(parsed.query, keep_blank_values=True), (SITE_PARAM, code)])
    return urlunparse(parsed._replace(query=query))


def waiting_message(code: str) -> str:
    """One line: school ``code``'s place is empty (``kiosk trust add-site CODE --empty``),
    waiting for its records to be moved in; opened for anything else, nothing is made there."""
    return (
        f"The school {code!r} is waiting for its records to be moved in: `kiosk migrate-to "
        f"'postgresql://…?site={code}' --db ITS.sqlite3 --as ADMIN`, or its backup with "
        f"`KIOSK_SITE={code} kiosk restore FILE`. Nothing was changed."
    )


def write_lock_key(base: int, schema: str) -> int:
    """The advisory lock a site's writers share: one per site, so four schools scanning at
    once do not queue behind each other (each site has its own audit chain to keep in
    order). The main site keeps the key it always had."""
    if schema == MAIN_SCHEMA:
        return base
    return (base << 20) ^ zlib.crc32(schema.encode("ascii"))
