"""Issue 16, walk: the newest nightly backup restores cleanly.

`kiosk backup` with no path (the nightly timer) deleted the folder's old copies and wrote
its `backup.pruned` entry (anchored) after the copy was taken, so the copy's log was one
entry short of the anchors and every restore of the newest backup said the audit check
FAILED. The prune is now on record before the copy (the copy holds it), and the old
copies are deleted only once the copy is whole.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from models.errors import StorageError
from models.store.db import close_db, db, init_db
from models.upkeep.demo import DEMO_PINS
from tests.conftest import second_postgres


@pytest.fixture
def school_db(database):
    from models.custody.ledger import hand_in
    from tests.school import NOW, build

    school = build()
    hand_in(next(iter(school.codes.values())), school.office, now=NOW + dt.timedelta(minutes=1))
    close_db()
    return database


def _folder_with_an_old_backup(url: str, tmp_path: Path) -> tuple[Path, Path, Path]:
    from models.upkeep.backup import stem_of

    folder = tmp_path / "backups"
    folder.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backup]\ndir = "{folder}"\nkeep_days = 14\n')
    ext = "pgdump" if url.startswith("postgresql") else "sqlite3"
    stem = stem_of(url if "://" in url else f"sqlite:///{url}")
    old = folder / f"{stem}-backup-20260101-020000Z.{ext}"
    old.write_bytes(b"x")
    return folder, config, old


def _log(url: str) -> list[tuple[str, dict]]:
    init_db(url, create=False)
    try:
        return [(a, json.loads(d)) for a, d in db.execute_sql("SELECT action, details FROM audit_entry ORDER BY seq")]
    finally:
        close_db()


def test_the_newest_nightly_backup_restores_and_verifies_with_its_prune_on_record(
    school_db, run, tmp_path, monkeypatch
):
    folder, config, old = _folder_with_an_old_backup(school_db, tmp_path)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", "--as", "admin", "--db", school_db, "--config", config)
    assert code == 0, err
    assert not old.exists() and f"Deleted 1 backup older than 14 days: {old.name}." in out
    assert "1 backup of this database kept" in out, out
    (newest,) = [p for p in folder.iterdir()]
    target = second_postgres("prune_f5") if school_db.startswith("postgresql") else str(tmp_path / "new.sqlite3")
    monkeypatch.delenv("KIOSK_PIN")
    code, out, err = run("restore", newest, "--db", target, "--config", config)
    assert code == 0 and "Audit log OK" in out and "FAILED" not in err, out + err
    restored = _log(target)
    pruned = [d for a, d in restored if a == "backup.pruned"]
    assert pruned and pruned[-1]["deleted"] == [old.name] and pruned[-1]["count"] == 1  # not lost
    assert _log(school_db) == restored  # the copy holds the whole log as it was left


def test_a_failed_nightly_backup_deletes_nothing_and_says_so_in_the_log(school_db, run, tmp_path, monkeypatch):
    from models.upkeep import backup

    _folder, config, old = _folder_with_an_old_backup(school_db, tmp_path)

    def broken(dest):
        raise StorageError("Backup failed: the disk is full.")

    monkeypatch.setattr(backup, "backup_to", broken)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, _, err = run("backup", "--as", "admin", "--db", school_db, "--config", config)
    assert code == 1 and "the disk is full" in err
    assert old.exists()
    failed = [d for a, d in _log(school_db) if a == "backup.failed"]
    assert failed and failed[-1].get("old_backups_kept") == [old.name]  # the prune on record did not happen


def test_an_old_backup_that_cannot_be_deleted_is_one_line_and_on_record(school_db, run, tmp_path, monkeypatch):
    import os

    folder, config, old = _folder_with_an_old_backup(school_db, tmp_path)
    real = os.unlink

    def refuse(path, *args, **kwargs):
        if str(path).endswith(old.name):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, _, err = run("backup", "--as", "admin", "--db", school_db, "--config", config)
    assert code == 1 and "Cannot delete the old backup" in err and len(err.strip().splitlines()) == 1, err
    assert old.exists()
    left = [d for a, d in _log(school_db) if a == "backup.prune_failed"]
    assert left and left[-1]["not_deleted"] == [old.name]
