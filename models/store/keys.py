"""The kiosk's key: the PIN key file, checked against the fingerprint the database keeps,
and the audit chain's key derived from it.

Below both :mod:`models.staff.auth` (PIN hashes are peppered with it) and :mod:`models.audit.chain`
(entries are HMACs with the chain key), so neither has to import the other for it.
"""

from __future__ import annotations

import hashlib
import hmac

from models.errors import StorageError
from models.store import pinkey
from models.store.db import db
from models.store.tables import AuditEntry, KioskSetting, SchemaVersion, Staff

PEPPERED = "k1$"  # a hash over HMAC(pin.key, "<id>|<username>|<PIN>"); without it, a hash from before the key
KEYED_ACTION = "audit.chain_keyed"  # schema 9 on an upgraded database: every entry from here is keyed


def chain_key() -> bytes:
    """The key the audit chain is hashed with, derived from the PIN key file (kept outside
    the database and its backups): without it, no one can add, change or re-chain entries
    so that verify accepts them."""
    return hmac.new(pin_key(), b"reception-kiosk audit chain v1", hashlib.sha256).digest()


def _schema_version() -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


KEY_ID_SETTING = "pin_key_id"  # a fingerprint of the PIN key the stored hashes were made with


def key_id(key: bytes) -> str:
    return hmac.new(key, b"reception-kiosk PIN key id", hashlib.sha256).hexdigest()[:32]


def pepper(*, create: bool) -> bytes:
    if create:
        key = pinkey.load(create=True)
    else:
        try:
            key = pinkey.load(create=False)
        except StorageError:
            # No key file: a new one is safe only while no hash (of a PIN or of the audit
            # chain) was made with the old one.
            if Staff.select().where(Staff.pin_hash.startswith(PEPPERED)).exists() or chain_is_keyed():
                raise
            key = pinkey.load(create=True)
    check_key_id(key)
    return key


def pin_key() -> bytes:
    """The PIN key (also the root of the audit chain's key: :func:`chain_key`), checked
    against the fingerprint the database keeps; created only when nothing was made with one."""
    return pepper(create=False)


def chain_is_keyed() -> bool:
    """Whether the audit log holds entries hashed with the key (schema 9 or later)."""
    if not AuditEntry.select().exists():
        return False
    return _schema_version() >= 9 or AuditEntry.select().where(AuditEntry.action == KEYED_ACTION).exists()


def check_key_id(key: bytes) -> None:
    """A key file replaced by another of the right size made every PIN 'wrong' for everyone,
    with nothing to say why: the database keeps the key's fingerprint (not the key)."""
    row = KioskSetting.get_or_none(KioskSetting.name == KEY_ID_SETTING)
    if row is not None and not hmac.compare_digest(row.value, key_id(key)):
        raise StorageError(
            f"The PIN key file {pinkey.path()} is not the one this database's PINs were made with "
            f"(was it replaced?{_another_school()}): restore it from your separate copy. No one can sign in until then."
        )


def _another_school() -> str:
    """On PostgreSQL the same message meets a terminal that opened another school of a trust with
    its own school's key (the trust walk, issue 16): say which site it opened."""
    from models import sites
    from models.store.db import current_site, is_sqlite

    if is_sqlite():
        return ""
    site = current_site()
    where = "site 1 of the trust" if site == sites.MAIN else f"the trust's school {site!r}"
    return (
        f" or this terminal opened another school's records: it is at {where}; check KIOSK_SITE and the config's site"
    )


def remember_key_id() -> None:
    """Record the key's fingerprint (inside the write transaction that stores a hash or a sign-in)."""
    if KioskSetting.get_or_none(KioskSetting.name == KEY_ID_SETTING) is None:
        KioskSetting.create(name=KEY_ID_SETTING, value=key_id(pepper(create=False)))
