"""Issue 12, Files: the data directory 0700 and every file about people 0600, whatever the umask.

Each kind of file is made by the code path that makes it in the kiosk, under umask 022
(which would leave 0755 folders and 0644 files), and then its mode is read.
"""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from models.audit.tx import write_tx
from models.custody import ledger as custody
from models.staff import auth
from models.store.db import close_db, db
from models.upkeep.opening import open_database


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data directory that does not exist yet (the kiosk makes it)."""
    path = tmp_path / "home" / "kiosk-data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(path))
    return path


def _staff():
    return auth.create_staff("files", "Files Test", ["office", "admin"], "482916", actor="test")


def test_default_database_and_data_directory(umask022, data_dir, run):
    code, _, err = run("staff", "list")  # the default database, in the data directory
    assert code == 0, err
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "kiosk.sqlite3") == 0o600
    assert err == ""  # nothing needed tightening


def test_database_and_its_wal_and_shm(umask022, tmp_path):
    path = tmp_path / "k.sqlite3"
    open_database(str(path))
    try:
        with write_tx():
            _staff()
            sides = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
            assert all(p.exists() for p in sides)
            assert mode(path) == 0o600
            assert [mode(p) for p in sides] == [0o600, 0o600]
    finally:
        close_db()


def test_rollback_journal_of_a_database_kept_private(umask022, tmp_path):
    """SQLite gives its -journal the database's own mode (a backup's copy is not in WAL mode)."""
    path = tmp_path / "k.sqlite3"
    open_database(str(path))
    close_db()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA locking_mode=EXCLUSIVE")  # the journal stays after the commit
        con.execute("PRAGMA journal_mode=PERSIST")
        con.execute("CREATE TABLE t (x)")
        con.commit()
        journal = path.with_name(path.name + "-journal")
        assert journal.exists()
        assert mode(journal) == 0o600
    finally:
        con.close()


def test_anchors_file(umask022, data_dir, tmp_path, run):
    path = tmp_path / "k.sqlite3"
    open_database(str(path))
    _staff()
    close_db()
    code, out, err = run("audit", "anchor", "--db", path)
    assert code == 0, err
    anchors = next(data_dir.glob("*.anchors"))
    assert mode(data_dir) == 0o700
    assert mode(anchors) == 0o600


def test_anchors_file_elsewhere_in_a_new_folder(umask022, tmp_path):
    from models.audit import anchors

    open_database(str(tmp_path / "k.sqlite3"))
    try:
        _staff()
        target = tmp_path / "share" / "kiosk" / "anchors.txt"
        anchors.write(target, actor="test")
    finally:
        close_db()
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_backup(umask022, tmp_path):
    from models.upkeep.backup import backup_to

    open_database(str(tmp_path / "k.sqlite3"))
    try:
        _staff()
        dest = backup_to(tmp_path / "copy.sqlite3")
    finally:
        close_db()
    assert mode(dest) == 0o600


@pytest.mark.parametrize("out", ["sar.zip", "sar-folder"])
def test_subject_access_export(umask022, tmp_path, out):
    from models.records import duties as records

    open_database(str(tmp_path / "k.sqlite3"))
    try:
        who = _staff()
        export = records.subject_access(records.staff_subject(who.username), actor="test")
        path = records.write_sar(export, tmp_path / out)
    finally:
        close_db()
    if path.is_dir():
        assert mode(path) == 0o700
        assert {mode(f) for f in path.iterdir()} == {0o600}
    else:
        assert mode(path) == 0o600


def test_app_log_and_crash_log(umask022, data_dir):
    import logging

    from kiosk.logfile import configure_logging, log_error, log_path

    log_error(RuntimeError("boom"))  # the terminal app's crash log
    assert mode(data_dir) == 0o700
    assert mode(log_path()) == 0o600
    log_path().unlink()
    before = list(logging.getLogger("kiosk").handlers)
    configure_logging()  # the app's log
    try:
        assert mode(log_path()) == 0o600
    finally:
        for h in logging.getLogger("kiosk").handlers:
            if h not in before:
                logging.getLogger("kiosk").removeHandler(h)
                h.close()


def test_cli_crash_log(umask022, data_dir):
    from kiosk.cli import _record_crash
    from kiosk.logfile import log_path

    assert _record_crash(RuntimeError("boom")) == f" Details are in {log_path()}."
    assert mode(data_dir) == 0o700
    assert mode(log_path()) == 0o600
    assert "RuntimeError: boom" in log_path().read_text(encoding="utf-8")


def test_wider_modes_made_earlier_are_tightened_at_start(umask022, data_dir, tmp_path, run):
    """A kiosk installed before this rule: its folder, database, -wal/-shm, anchors and log
    were 0755/0644. The next command narrows them, and says so."""
    data_dir.mkdir(parents=True)
    os.chmod(data_dir, 0o755)
    path = data_dir / "kiosk.sqlite3"
    con = sqlite3.connect(path)  # as before: created with the umask's 0644
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    open_database(str(path))
    _staff()
    close_db()
    os.chmod(path, 0o644)
    for name in ("kiosk.log", "kiosk-00000000.anchors", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):
        (data_dir / name).touch()
        os.chmod(data_dir / name, 0o644)
    other = data_dir / "notes-from-it.txt"  # not the kiosk's: left alone
    other.touch()
    os.chmod(other, 0o644)
    code, _, err = run("staff", "list")
    assert code == 0, err
    assert mode(data_dir) == 0o700
    for name in ("kiosk.sqlite3", "kiosk.log", "kiosk-00000000.anchors"):
        assert mode(data_dir / name) == 0o600, name
    assert mode(other) == 0o644
    notes = err.splitlines()
    assert len(notes) == 6 and all(line.startswith("Note: ") and "(owner only)" in line for line in notes)
    assert f"Note: {data_dir} was readable by others (0755); it is now 0700 (owner only)." in notes
    for name in ("kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):  # (SQLite removes the last two on close)
        assert f"Note: {data_dir / name} was readable by others (0644); it is now 0600 (owner only)." in notes
    code, _, err = run("staff", "list")
    assert code == 0 and err == ""  # said once


def test_database_outside_the_data_directory_is_tightened(umask022, tmp_path, run):
    path = tmp_path / "school.sqlite3"
    open_database(str(path))
    close_db()
    os.chmod(path, 0o644)
    code, _, err = run("staff", "list", "--db", path)
    assert code == 0
    assert mode(path) == 0o600
    assert err == f"Note: {path} was readable by others (0644); it is now 0600 (owner only).\n"


def test_a_hand_in_under_umask_022_leaves_nothing_readable(umask022, data_dir, tmp_path):
    """The whole of one morning's work: every file in the data directory is private."""
    from tests.school import NOW, build

    open_database(str(data_dir / "kiosk.sqlite3"))
    try:
        school = build()
        custody.hand_in(school.codes["000001"], school.office, now=NOW)
        db.execute_sql("SELECT 1")
        assert mode(data_dir) == 0o700
        assert {p.name: mode(p) for p in data_dir.iterdir()} == {p.name: 0o600 for p in data_dir.iterdir()}
    finally:
        close_db()


def test_a_printer_that_is_a_file_keeps_its_slips_private(umask022, tmp_path):
    """``[printer] url = "file:///…"`` (a spool file): slips name visitors and pupils."""
    import printing
    from printing import PrinterSpec

    out = tmp_path / "slips.bin"
    printing.send(PrinterSpec.from_url(f"file://{out}"), b"a slip")
    assert mode(out) == 0o600


def test_anchors_beside_either_database(umask022, data_dir, database):
    """The default anchors file is in the data directory for SQLite and PostgreSQL alike."""
    from models.audit import anchors

    _staff()
    path = anchors.default_path(database)
    anchors.write(path, actor="test")
    assert path.parent == data_dir
    assert mode(data_dir) == 0o700
    assert mode(path) == 0o600


def test_a_folder_with_one_of_the_kiosks_names_is_left_alone(umask022, data_dir, run):
    """helper-32: a folder where the anchors file goes lost its x bit (0755 to 0600) when a
    read-only command tightened the data directory's files."""
    code, _, err = run("staff", "list")
    assert code == 0, err
    folder = data_dir / "kiosk-00000000.anchors"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    code, _, err = run("staff", "list")
    assert code == 0, err
    assert mode(folder) == 0o755 and str(folder) not in err
