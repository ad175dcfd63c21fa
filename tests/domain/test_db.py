"""Database set-up: SQLite pragmas, URLs, schema versions."""

import pytest

from models.errors import ConfigError, StorageError
from models.store.db import close_db, db, normalise_url
from models.store.tables import SchemaVersion
from models.upkeep import migrations
from models.upkeep.opening import open_database


def test_sqlite_is_opened_for_durability(sqlite_db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert db.obj._lock_type == "IMMEDIATE"


def test_urls(tmp_path):
    assert normalise_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_url("postgres://u@h/d") == "postgresql://u@h/d"
    with pytest.raises(ConfigError, match="Unsupported database URL scheme 'mysql'"):
        normalise_url("mysql://u@h/d")
    with pytest.raises(ConfigError, match="No database given"):
        normalise_url("  ")


def test_new_database_is_stamped_with_the_latest_version(database):
    assert migrations.current_version() == migrations.LATEST
    assert SchemaVersion.select().count() == 1


def test_reopening_is_idempotent(tmp_path):
    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    close_db()
    open_database(url)
    assert migrations.current_version() == migrations.LATEST
    close_db()


def test_newer_database_is_refused(tmp_path):
    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    SchemaVersion.create(version=migrations.LATEST + 1, description="future", applied_at="2030-01-01 00:00:00")
    close_db()
    with pytest.raises(StorageError, match="newer than this kiosk understands"):
        open_database(url)
    close_db()


def test_pending_migration_runs_once_with_its_version(tmp_path, monkeypatch):
    from playhouse.migrate import migrate as run

    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    calls = []

    def add_column(migrator):
        import peewee

        calls.append(1)
        run(migrator.add_column("tray", "colour", peewee.CharField(null=True)))

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        migrations.MIGRATIONS + [migrations.Migration(migrations.LATEST + 1, "tray colour", add_column)],
    )
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    assert migrations.migrate() == migrations.LATEST
    assert migrations.migrate() == migrations.LATEST
    assert calls == [1]
    assert "colour" in [c.name for c in db.get_columns("tray")]
    close_db()


def test_impossible_location_is_a_plain_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="Cannot create the folder for the database"):
        open_database(str(blocker / "k.sqlite3"))
    close_db()


def test_retrying_retries_a_busy_database_by_its_type_not_its_words(monkeypatch):
    from models.errors import DatabaseBusy, StorageError
    from models.store import db as dbmod

    monkeypatch.setattr(dbmod.time, "sleep", lambda s: None)
    tries = []

    def busy_twice():
        tries.append(1)
        if len(tries) < 3:
            raise DatabaseBusy("The database is busy")
        return "saved"

    assert dbmod.retrying(busy_twice) == "saved" and len(tries) == 3

    def other():
        tries.append(1)
        raise StorageError("The disk is busy failing")  # says "busy", but is not the lock

    tries.clear()
    with pytest.raises(StorageError):
        dbmod.retrying(other)
    assert len(tries) == 1
