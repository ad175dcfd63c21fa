"""``kiosk sar --out``: a name ending .json is a JSON file, .zip a zip file, anything
else without a suffix a folder; a name with another suffix is refused in one line
(nothing written, nothing audited)."""

from __future__ import annotations

import json

import pytest

from models.records import duties as records
from models.store.db import close_db
from models.store.tables import AuditEntry
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.school import build


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    return database


def _sar_entries(url: str) -> int:
    open_database(url)
    try:
        return AuditEntry.select().where(AuditEntry.action == records.SAR_ACTION).count()
    finally:
        close_db()


def _sar(run, url, out):
    return run("sar", "--pupil", "000001", "--out", out, "--as", "head", "--db", url)


def test_out_ending_json_writes_one_json_file(school_db, run, tmp_path):
    out = tmp_path / "m.json"
    code, stdout, err = _sar(run, school_db, out)
    assert code == 0, err
    assert out.is_file() and not out.is_dir()
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc  # the whole export, as sar.json holds it in a folder or zip
    assert stdout.startswith(f"Subject access export for pupil 000001 written to {out} (")
    assert (out.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("m")) == ["m.json"]  # no temporary left
    assert _sar_entries(school_db) == 1


def test_json_is_the_same_as_sar_json_in_a_folder(school_db, run, tmp_path):
    assert _sar(run, school_db, tmp_path / "m.json")[0] == 0
    assert _sar(run, school_db, tmp_path / "folder")[0] == 0
    a = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "folder" / "sar.json").read_text(encoding="utf-8"))
    assert a.keys() == b.keys()


def test_an_existing_json_file_is_not_overwritten(school_db, run, tmp_path):
    out = tmp_path / "m.json"
    out.write_text("keep")
    code, _, err = _sar(run, school_db, out)
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: ") and "Nothing was exported." in err
    assert out.read_text() == "keep" and _sar_entries(school_db) == 0


def test_an_upper_case_json_suffix_is_a_file_too(school_db, run, tmp_path):
    out = tmp_path / "M.JSON"
    assert _sar(run, school_db, out)[0] == 0
    assert out.is_file()


def test_a_name_without_a_suffix_is_still_a_folder(school_db, run, tmp_path):
    out = tmp_path / "export"
    assert _sar(run, school_db, out)[0] == 0
    assert (out / "sar.json").is_file()


def test_a_name_with_another_suffix_is_one_plain_line(school_db, run, tmp_path):
    out = tmp_path / "m.csv"
    code, _, err = _sar(run, school_db, out)
    assert code == 1
    assert err == (
        f"Error: {out} is not a name the export can take: name a new folder, or a file ending "
        ".zip or .json. Nothing was exported.\n"
    )
    assert not out.exists() and _sar_entries(school_db) == 0


def test_an_existing_empty_folder_with_a_dot_in_its_name_is_still_used(school_db, run, tmp_path):
    out = tmp_path / "sar.2026"
    out.mkdir()
    assert _sar(run, school_db, out)[0] == 0
    assert (out / "sar.json").is_file()


def test_the_help_says_what_out_can_be(run):
    code, stdout, _ = run("sar", "--help")
    assert code == 0 and ".json" in stdout and ".zip" in stdout
