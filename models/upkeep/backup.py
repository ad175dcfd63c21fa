"""Online backup of the SQLite database (consistent while terminals keep writing)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from models.errors import StorageError, ValidationError
from models.store.db import db, is_sqlite
from models.store.files import create_private


def check_destination(dest: Path) -> Path:
    """The resolved path a backup may be written to, or one plain line why not."""
    if not is_sqlite():
        raise ValidationError("kiosk backup copies SQLite databases; back up PostgreSQL with pg_dump.")
    dest = dest.expanduser().resolve()
    if dest.exists():
        raise ValidationError(f"{dest} already exists: choose a new file name.")
    if not dest.parent.is_dir():
        raise ValidationError(f"The folder {dest.parent} does not exist.")
    return dest


def backup_to(dest: Path) -> Path:
    """Copy the database to ``dest``. Record it first (:func:`record_backup`), and anchor,
    so the copy holds its own record and matches the anchors file when restored."""
    dest = check_destination(dest)
    source = db.obj.connection()
    tmp = dest.with_name(dest.name + ".partial")
    try:
        os.close(create_private(tmp))  # 0600 whatever the umask; SQLite keeps the mode (and its journal's)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)  # SQLite's online backup API: a consistent snapshot
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if ok != "ok":
            raise StorageError(f"The backup failed its integrity check: {ok}.")
        tmp.replace(dest)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"Backup failed: {exc}.") from None
    return dest


def record_backup(dest: Path, *, actor: object, now=None, failed: str | None = None) -> None:
    """Audit a backup: it holds everyone's data, so who made it and where is on record.

    Written before the copy (the copy then holds it); ``failed``: the copy did not happen
    after all, and why (a second entry, since the first cannot be taken back)."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow

    with write_tx():
        if failed is None:
            audit.append(actor, "backup.write", "database", "-", {"file": str(dest)}, now or utcnow())
        else:
            audit.append(
                actor, "backup.failed", "database", "-", {"file": str(dest), "why": failed[:300]}, now or utcnow()
            )
