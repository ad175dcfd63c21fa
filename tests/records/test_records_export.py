"""Subject access exports: audited only once the file is completely written (issue 11, item 9)."""

from __future__ import annotations

import errno
import os
import stat
import zipfile

import pytest

from models.audit import chain as audit
from models.errors import KioskError, StorageError
from models.records import duties as records
from models.store.tables import AuditEntry
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build(now=NOW)


@pytest.fixture
def out(tmp_path):
    """A folder for exports (tmp_path itself holds the SQLite database)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def sar_entries() -> int:
    return AuditEntry.select().where(AuditEntry.action == records.SAR_ACTION).count()


def export():
    return records.subject_access(records.pupil_subject("000001"), now=NOW)


def test_a_written_export_is_audited_once_and_private(school, out):
    exp = export()
    assert sar_entries() == 0  # collecting is not disclosing
    path = records.write_sar(exp, out / "ava.zip")
    assert sar_entries() == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with zipfile.ZipFile(path) as zf:
        assert "sar.json" in zf.namelist()
    folder = records.write_sar(exp, out / "ava")
    assert sar_entries() == 2
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in folder.iterdir()} == {0o600}
    assert sorted(p.name for p in out.iterdir()) == ["ava", "ava.zip"]  # no temporary files left
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert (entry.action, entry.entity) == (records.SAR_ACTION, "pupil")


@pytest.mark.parametrize(
    "target", ["existing.zip", "full-folder", "missing/parent.zip", "missing/folder", "a-file/x.zip"]
)
def test_a_refused_export_writes_nothing_and_is_not_audited(school, out, target):
    (out / "existing.zip").write_bytes(b"somebody else's file")
    (out / "full-folder").mkdir()
    (out / "full-folder" / "keep.txt").write_text("keep")
    (out / "a-file").write_text("not a folder")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    head = audit.head()
    with pytest.raises(KioskError) as info:
        records.write_sar(export(), out / target)
    assert "\n" not in str(info.value) and "Nothing was exported" in str(info.value)
    assert audit.head() == head and sar_entries() == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert (out / "existing.zip").read_bytes() == b"somebody else's file"


def test_an_unwritable_place_is_refused_and_not_audited(school):
    head = audit.head()
    with pytest.raises(KioskError, match="Nothing was exported"):
        records.write_sar(export(), "/proc/sar-test.zip")
    assert audit.head() == head and sar_entries() == 0


@pytest.mark.parametrize("name", ["ava.zip", "ava"])
def test_a_disk_failing_mid_write_leaves_no_file_and_no_audit(school, out, monkeypatch, name):
    exp = export()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(records.os, "fsync", full)
    with pytest.raises(StorageError, match="Nothing was exported"):
        records.write_sar(exp, out / name)
    assert list(out.iterdir()) == [] and sar_entries() == 0


@pytest.mark.parametrize("name", ["ava.zip", "ava"])
def test_when_the_audit_fails_the_written_export_is_removed(school, out, monkeypatch, name):
    exp = export()

    def broken(*args, **kwargs):
        raise StorageError("The disk is full or failing: nothing was saved.")

    monkeypatch.setattr(records.audit, "append", broken)
    with pytest.raises(StorageError):
        records.write_sar(exp, out / name)
    assert list(out.iterdir()) == []
    monkeypatch.undo()
    assert sar_entries() == 0


def test_an_empty_folder_is_used(school, out):
    (out / "empty").mkdir()
    folder = records.write_sar(export(), out / "empty")
    assert (folder / "sar.json").exists() and sar_entries() == 1


def test_the_cli_refuses_an_existing_zip_without_an_audit_entry(database, tmp_path, capsys, monkeypatch):
    from kiosk.cli import main
    from models.staff.auth import HEADTEACHER, create_staff

    build(now=NOW)
    create_staff("records", "Records Head", [HEADTEACHER], "725649")
    monkeypatch.setenv("KIOSK_PIN", "725649")
    target = tmp_path / "ava.zip"
    target.write_bytes(b"old")
    assert main(["sar", "--pupil", "000001", "--out", str(target), "--as", "records", "--db", database]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and "already exists" in err and "\n" not in err
    assert sar_entries() == 0 and target.read_bytes() == b"old"


def test_a_zip_on_a_drive_without_hard_links_is_still_written(school, out, monkeypatch):
    """USB sticks (FAT) have no hard links: the zip is renamed into place instead."""

    def no_links(src, dst):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(records.os, "link", no_links)
    path = records.write_sar(export(), out / "ava.zip")
    assert zipfile.ZipFile(path).namelist() and sar_entries() == 1
    assert [p.name for p in out.iterdir()] == ["ava.zip"]


def test_a_chosen_empty_folder_is_left_empty_when_the_audit_fails(school, out, monkeypatch):
    (out / "empty").mkdir()

    def broken(*args, **kwargs):
        raise StorageError("The disk is full or failing: nothing was saved.")

    monkeypatch.setattr(records.audit, "append", broken)
    with pytest.raises(StorageError):
        records.write_sar(export(), out / "empty")
    assert [p.name for p in out.iterdir()] == ["empty"] and list((out / "empty").iterdir()) == []
