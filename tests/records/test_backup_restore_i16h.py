"""`kiosk backup` and `kiosk restore`: a backup restored into an empty database holds the
same rows and its audit log verifies (SQLite always; PostgreSQL, through pg_dump and
pg_restore, when KIOSK_TEST_POSTGRES is set); a restore never goes over records; the
backup folder keeps this database's copies for `[backup] keep_days` and nothing else
is ever deleted from it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from models.errors import ConfigError, StorageError
from models.store.db import close_db, db, init_db
from models.upkeep.demo import DEMO_PINS
from tests.conftest import second_postgres


@pytest.fixture
def school_db(database):
    """The small school with a few hand-ins, on SQLite or PostgreSQL (closed for the CLI)."""
    from models.custody.ledger import hand_in
    from tests.school import NOW, build

    school = build()
    for code in list(school.codes.values())[:3]:
        hand_in(code, school.office, now=NOW + dt.timedelta(minutes=1))
    close_db()
    return database


def _rows(url: str) -> dict[str, list[tuple]]:
    init_db(url, create=False)
    try:
        return {t: list(db.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()) for t in sorted(db.get_tables())}
    finally:
        close_db()


def _target(url: str, tmp_path: Path) -> str:
    return second_postgres("restore_i16h") if url.startswith("postgresql") else str(tmp_path / "restored.sqlite3")


def test_a_backup_restored_into_an_empty_database_is_the_same_and_verifies(school_db, run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    copy = tmp_path / "copy.bak"
    code, out, err = run("backup", copy, "--as", "admin", "--db", school_db)
    assert code == 0, err
    assert copy.exists() and (os.stat(copy).st_mode & 0o077) == 0  # 0600: it holds everyone's data
    before = _rows(school_db)
    assert len(before["custody_event"]) >= 3
    target = _target(school_db, tmp_path)
    monkeypatch.delenv("KIOSK_PIN")  # a restore asks no one: nobody is in an empty database
    code, out, err = run("restore", copy, "--db", target)
    assert code == 0, err
    assert "Restored" in out and "Audit log OK" in out, out
    assert _rows(target) == before  # every row of every table, as backed up
    code, out, err = run("audit", "verify", "--db", target)
    assert code == 0 and "Audit log OK" in out, err


def test_a_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(school_db, run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    copy = tmp_path / "copy.bak"
    assert run("backup", copy, "--as", "admin", "--db", school_db)[0] == 0
    before = _rows(school_db)
    code, out, err = run("restore", copy, "--db", school_db)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is not empty" in err and "Nothing was changed" in err, err
    assert _rows(school_db) == before


def test_a_restore_refuses_a_file_that_is_no_backup_of_that_engine(tmp_path, run, sqlite_db):
    close_db()
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    code, _, err = run("restore", junk, "--db", tmp_path / "new.sqlite3")
    assert code == 1 and err.count("\n") == 1 and "is not a kiosk backup" in err
    assert not (tmp_path / "new.sqlite3").exists()
    code, _, err = run("restore", tmp_path / "missing.bak", "--db", tmp_path / "new.sqlite3")
    assert code == 1 and err.count("\n") == 1 and "Cannot read the backup" in err
    fake_dump = tmp_path / "x.pgdump"
    fake_dump.write_bytes(b"PGDMP" + b"\0" * 64)
    code, _, err = run("restore", fake_dump, "--db", tmp_path / "new.sqlite3")
    assert code == 1 and err.count("\n") == 1 and "cannot be restored into a SQLite file" in err
    assert not (tmp_path / "new.sqlite3").exists()


def test_a_sqlite_backup_is_one_file_and_reading_it_leaves_nothing_beside_it(school_db, run, tmp_path, monkeypatch):
    if school_db.startswith("postgresql"):
        pytest.skip("SQLite's side files")
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    folder = tmp_path / "b"
    folder.mkdir()
    copy = folder / "copy.sqlite3"
    assert run("backup", copy, "--as", "admin", "--db", school_db)[0] == 0
    assert run("restore", copy, "--db", tmp_path / "r.sqlite3")[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["copy.sqlite3"]  # no -wal or -shm left with the backup
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_without_pg_dump_a_postgresql_backup_says_so_plainly(monkeypatch):
    from models.upkeep import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(StorageError) as caught:
        backup.pg_tool("pg_dump")
    said = str(caught.value)
    assert "pg_dump was not found" in said and "apt install postgresql-client" in said and "\n" not in said


def test_without_pg_dump_the_command_says_so_and_records_the_failure(school_db, run, tmp_path, monkeypatch):
    if not school_db.startswith("postgresql"):
        pytest.skip("pg_dump is for PostgreSQL")
    from models.upkeep import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", tmp_path / "copy.pgdump", "--as", "admin", "--db", school_db)
    assert code == 1 and "pg_dump was not found" in err and err.count("\n") == 1, err
    assert not list(tmp_path.glob("copy.pgdump*"))
    actions = [a for (a,) in _query(school_db, "SELECT action FROM audit_entry ORDER BY seq")]
    assert actions[-3:] == ["backup.write", "audit.anchor", "backup.failed"], actions[-4:]


def _query(url: str, sql: str) -> list[tuple]:
    init_db(url, create=False)
    try:
        return list(db.execute_sql(sql).fetchall())
    finally:
        close_db()


# ---------------------------------------------------------------- the backup folder


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y%m%d-%H%M%SZ")


def test_kiosk_backup_into_the_folder_deletes_only_its_own_old_backups(school_db, run, tmp_path, monkeypatch):
    from models.upkeep.backup import stem_of

    folder = tmp_path / "backups"
    folder.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backup]\ndir = "{folder}"\nkeep_days = 14\n')
    ext = "pgdump" if school_db.startswith("postgresql") else "sqlite3"
    stem = stem_of(school_db if "://" in school_db else f"sqlite:///{school_db}")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    old = folder / f"{stem}-backup-{_stamp(now - dt.timedelta(days=20))}.{ext}"
    recent = folder / f"{stem}-backup-{_stamp(now - dt.timedelta(days=3))}.{ext}"
    others = [
        folder / f"otherschool-backup-{_stamp(now - dt.timedelta(days=200))}.{ext}",  # another database's
        folder / "notes.txt",
        folder / f"{stem}-backup-{_stamp(now - dt.timedelta(days=90))}.{ext}.keep",  # not our name
        folder / f"{stem}-copy-{_stamp(now - dt.timedelta(days=90))}.{ext}",
    ]
    for f in [old, recent, *others]:
        f.write_bytes(b"x")
    linked = folder / f"{stem}-backup-{_stamp(now - dt.timedelta(days=60))}.{ext}"
    linked.symlink_to(tmp_path / "kiosk.toml")  # a link by our name is not a backup of ours
    (folder / f"{stem}-backup-{_stamp(now - dt.timedelta(days=61))}.{ext}").mkdir()  # nor a folder
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", "--as", "admin", "--db", school_db, "--config", config)
    assert code == 0, err
    assert not old.exists() and recent.exists() and all(f.exists() for f in others)
    assert linked.is_symlink() and config.exists()
    made = [p for p in folder.iterdir() if p.name.startswith(f"{stem}-backup-") and p not in (recent, linked)]
    made = [p for p in made if p.is_file() and not p.name.endswith(".keep")]
    assert len(made) == 1 and (os.stat(made[0]).st_mode & 0o077) == 0
    assert f"Deleted 1 backup older than 14 days: {old.name}." in out
    assert "2 backups of this database kept" in out
    actions = [a for (a,) in _query(school_db, "SELECT action FROM audit_entry ORDER BY seq")]
    assert "backup.pruned" in actions[-3:]


def test_a_failed_backup_deletes_no_old_backup(school_db, run, tmp_path, monkeypatch):
    from models.upkeep import backup

    folder = tmp_path / "backups"
    folder.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backup]\ndir = "{folder}"\nkeep_days = 1\n')
    stem = backup.stem_of(school_db if "://" in school_db else f"sqlite:///{school_db}")
    ext = "pgdump" if school_db.startswith("postgresql") else "sqlite3"
    old = folder / f"{stem}-backup-20200101-000000Z.{ext}"
    old.write_bytes(b"x")

    def broken(dest):
        raise StorageError("Backup failed: the disk is full.")

    monkeypatch.setattr(backup, "backup_to", broken)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, _, err = run("backup", "--as", "admin", "--db", school_db, "--config", config)
    assert code == 1 and "the disk is full" in err
    assert old.exists()


def test_the_backup_folder_is_made_private_in_the_data_directory_by_default(sqlite_db, run, monkeypatch):
    from models.config import data_dir
    from tests.school import build

    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", "--as", "admin", "--db", sqlite_db)
    assert code == 0, err
    folder = data_dir() / "backups"
    assert folder.is_dir() and (os.stat(folder).st_mode & 0o077) == 0
    assert f"kept in {folder}" in out


def test_backup_settings_have_a_default_and_bad_ones_are_one_line(tmp_path):
    from models.config import BACKUP_KEEP_DAYS, Settings, load_settings

    assert BACKUP_KEEP_DAYS == 30 and Settings().backup_keep_days == 30
    for text, said in [
        ("[backup]\nkeep_days = 0\n", "backup.keep_days must be a whole number of days from 1 to 366"),
        ("[backup]\nkeep_days = true\n", "backup.keep_days must be"),
        ("[backup]\nkeep = 3\n", "Unknown setting 'keep' in [backup]"),
        ('[backup]\ndir = ""\n', "backup.dir must be a folder"),
    ]:
        cfg = tmp_path / "c.toml"
        cfg.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_settings(cfg)
        assert said in str(caught.value)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[backup]\ndir = "nightly"\nkeep_days = 7\n')
    settings = load_settings(cfg)
    assert settings.backup_dir == tmp_path / "nightly" and settings.backup_keep_days == 7


@pytest.fixture
def key_setting_restored():
    """The CLI configures the PIN key's path for the process: back to the default after."""
    from models.store import pinkey

    yield
    pinkey.configure(None)


def test_a_restore_without_the_pin_key_says_so_in_one_line(school_db, run, tmp_path, monkeypatch, key_setting_restored):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    copy = tmp_path / "copy.bak"
    code, _, err = run("backup", copy, "--as", "admin", "--db", school_db)
    assert code == 0, err
    config = tmp_path / "new-pc.toml"
    config.write_text(f'[auth]\nkey_file = "{tmp_path / "no-key-here" / "pin.key"}"\n')
    target = _target(school_db, tmp_path)
    code, out, err = run("restore", copy, "--db", target, "--config", config)
    assert code == 1 and "Restored" in out
    assert err.count("\n") == 1 and "could not be checked" in err and "pin.key is missing" in err, err
    assert "Then run kiosk audit verify." in err


def test_a_restore_in_place_after_the_school_moved_on_is_recorded_and_then_verifies(
    sqlite_db, run, tmp_path, monkeypatch
):
    """The procedure in docs/deploy.md: move the database aside, kiosk restore into its
    place (its anchors file holds anchors the backup has not), kiosk audit restored."""
    from tests.school import build

    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    copy = tmp_path / "copy.sqlite3"
    assert run("backup", copy, "--as", "admin", "--db", sqlite_db)[0] == 0
    assert run("backup", tmp_path / "later.sqlite3", "--as", "admin", "--db", sqlite_db)[0] == 0  # moved on, anchored
    aside = tmp_path / "aside"
    aside.mkdir()
    for f in tmp_path.glob("kiosk.sqlite3*"):
        f.rename(aside / f.name)
    code, out, err = run("restore", copy, "--db", sqlite_db)
    assert code == 1 and "Restored" in out and "The log is cut short" in err
    assert err.splitlines()[-1].endswith("record the restore: kiosk audit restored --as HEAD|ADMIN.")
    code, out, err = run("audit", "restored", "--as", "admin", "--db", sqlite_db)
    assert code == 0 and "Restore recorded" in out, err
    code, out, err = run("audit", "verify", "--db", sqlite_db)
    assert code == 0 and "Audit log OK" in out and "Restored from a backup" in out, err


def test_a_configured_backup_folder_that_is_not_there_is_never_made(sqlite_db, run, tmp_path, monkeypatch):
    """A share that is not mounted: its backups must not quietly land on the local disk."""
    from tests.school import build

    build()
    close_db()
    share = tmp_path / "nas" / "kiosk-backups"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backup]\ndir = "{share}"\n')
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, err = run("backup", "--as", "admin", "--db", sqlite_db, "--config", config)
    assert code == 1 and err.count("\n") == 1
    assert "does not exist: is its disk or share mounted? No backup was made." in err
    assert not (tmp_path / "nas").exists()


def test_a_damaged_backup_restores_nothing(school_db, run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    copy = tmp_path / "copy.bak"
    assert run("backup", copy, "--as", "admin", "--db", school_db)[0] == 0
    cut = tmp_path / "cut.bak"
    cut.write_bytes(copy.read_bytes()[:5000])  # a copy cut off part way (a full USB stick)
    target = _target(school_db, tmp_path)
    code, out, err = run("restore", cut, "--db", target)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "Nothing was restored" in err
    if target.startswith("postgresql"):
        assert _query(target, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    else:
        assert not Path(target).exists() and not list(tmp_path.glob("restored.sqlite3*"))
