"""`kiosk print …` and `kiosk labels print`: in-process, with a dummy printer."""

from __future__ import annotations

import json

import pytest

import printing
from models.policy.rules import load_rules
from models.store.db import close_db

ESC = b"\x1b"
INIT_CP858 = ESC + b"@" + ESC + b"t\x13"


@pytest.fixture
def school_db(tmp_path, monkeypatch):
    from models.upkeep.opening import open_database
    from tests.school import build

    path = tmp_path / "k.sqlite3"
    open_database(str(path))
    school = build()
    from models.staff.auth import OFFICE, create_staff

    create_staff("printer", "Print Office", [OFFICE], "482916")  # acts with --as printer
    close_db()
    monkeypatch.setenv("KIOSK_PIN", "482916")
    monkeypatch.setenv("KIOSK_PRINTER", "dummy://cli")
    printing.clear_dummy_jobs()
    yield path, school
    printing.clear_dummy_jobs()


def test_print_test_sends_a_sample_slip_with_the_current_rules(school_db, run):
    code, out, _ = run("print", "test")
    assert code == 0 and "device rules version 2026-09" in out and "sent to Dummy printer 'cli'" in out
    (job,) = printing.dummy_jobs("cli")
    assert job.startswith(INIT_CP858)
    for line in load_rules().short:
        assert line.split()[0].encode("cp858") in job


def test_print_test_on_an_offline_printer_is_one_line(school_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PRINTER", "dummy://cli?offline=1")
    code, _, err = run("print", "test")
    assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1 and "offline" in err
    monkeypatch.setenv("KIOSK_PRINTER", "lpt://x")
    code, _, err = run("print", "test")
    assert code == 1 and "Unknown printer kind 'lpt'" in err and err.count("\n") == 1


def test_labels_for_a_class_and_a_reissued_pupil_label(school_db, run):
    path, school = school_db
    code, out, _ = run("labels", "print", "--as", "printer", "--class", "Oak", "--db", path)
    assert code == 0 and out == "3 labels (job 1): printed.\n"
    (job,) = printing.dummy_jobs("cli")
    for adno in ("000001", "000002", "000003"):
        assert school.codes[adno].encode() in job
    assert school.codes["000004"].encode() not in job  # Beech
    assert job.count(b"\x1d(k\x03\x001C\x06") == 3  # a QR code each, 6 dots a module (>= 4 at 203 dpi)
    # a lost label is revoked; reissuing prints the new code, not the old one
    code, out, _ = run("devices", "revoke", "--as", "printer", school.codes["000002"], "--db", path)
    new_code = out.split("Replacement label: ")[1].strip().rstrip(".")
    code, out, _ = run("labels", "print", "--as", "printer", "--pupil", "000002", "--db", path)
    assert code == 0 and out == "1 label (job 2): printed.\n"
    reissue = printing.dummy_jobs("cli")[-1]
    assert new_code.encode() in reissue and school.codes["000002"].encode() not in reissue
    assert b"Ben Jones" in reissue and b"Oak" in reissue


def test_labels_refusals(school_db, run):
    path, _ = school_db
    code, _, err = run("labels", "print", "--as", "printer", "--db", path)
    assert code == 2 and "Give --class NAME or --pupil ADMISSION_NO" in err
    code, _, err = run("labels", "print", "--as", "printer", "--class", "Elm", "--db", path)
    assert code == 1 and err == "Error: There is no class called 'Elm'.\n"
    code, _, err = run("labels", "print", "--as", "printer", "--pupil", "000003\x1b", "--db", path)
    assert code == 1 and err.count("\n") == 1


def test_offline_printer_keeps_the_job_and_retry_prints_it_once(school_db, run, monkeypatch):
    path, _ = school_db
    monkeypatch.setenv("KIOSK_PRINTER", "dummy://cli?offline=1")
    code, out, _ = run("labels", "print", "--as", "printer", "--pupil", "000001", "--db", path)
    assert code == 0 and "not printed" in out and "waits in the outbox" in out
    code, _, err = run("print", "retry", "--as", "printer", "--db", path)
    assert code == 1 and "Printer still offline" in err
    code, out, _ = run("print", "queue", "--format", "json", "--db", path)
    (row,) = json.loads(out)
    assert (row["job"], row["status"], row["tries"]) == (1, "waiting", 2)
    code, out, _ = run("print", "queue", "--db", path)
    assert "Printer offline" in out and "1 job waiting" in out
    assert printing.dummy_jobs("cli") == []
    # the office reprints it on a working printer: a new job, and the old one can be cancelled
    monkeypatch.setenv("KIOSK_PRINTER", "dummy://cli")
    code, out, _ = run("print", "reprint", "--as", "printer", "1", "--db", path)
    assert code == 0 and out == "Job 2 (reprint of 1): printed.\n"
    assert len(printing.dummy_jobs("cli")) == 1
    code, _, err = run("print", "reprint", "--as", "printer", "99", "--db", path)
    assert code == 1 and err == "Error: There is no print job 99.\n"
