"""Write records as the kiosk of an older schema did, to test upgrades honestly: a
database stamped with an old version whose log was written by this code is what an
insider who winds the version back makes, and the upgrade refuses it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def written_as(version: int) -> Iterator[None]:
    """Inside, audit entries are written as schema ``version`` wrote them: before 9 with a
    plain SHA-256 (no chain key), before 5 with no row hashes, before 7 and 8 without the
    tables those versions bound."""
    from models.audit import chain as audit
    from models.audit import integrity
    from models.store import pinkey

    # The school built inside is written with today's PIN hashes (peppered), while the
    # database still says the latest schema, where a missing key file is never recreated
    # once the audit log has entries. Make the key now, as the kiosk does on first start:
    # otherwise a test run alone finds no key, and passes in the suite only because an
    # earlier test happened to create the process-wide one.
    pinkey.load(create=True)
    saved_protected = dict(integrity.PROTECTED)
    saved_key = audit.chain_key
    saved_enabled = integrity._enabled
    try:
        if version < 9:
            audit.chain_key = lambda: None  # type: ignore[assignment]
        if version < 5:
            integrity._enabled = False
        for made_by, tables in ((7, integrity.LATER_TABLES), (8, integrity.SCHEMA_8_TABLES)):
            if version < made_by:
                for table in tables:
                    integrity.PROTECTED.pop(table, None)
        yield
    finally:
        audit.chain_key = saved_key  # type: ignore[assignment]
        integrity._enabled = saved_enabled
        integrity.PROTECTED.clear()
        integrity.PROTECTED.update(saved_protected)


def _later_than_1() -> list:
    """Tables of later schema versions that refer to the concerns, which a test of a
    version-1 database drops: on PostgreSQL they must go first (the migrations make them again)."""
    from models.store import tables

    return [*tables.CONCERN_SEEN_MODELS, *tables.INFORMED_MODELS, *tables.CONCERN_ACTION_MODELS]


LATER_THAN_1 = _later_than_1()
