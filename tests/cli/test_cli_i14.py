"""Issue 14, item 15: the command line a newcomer meets.

One plain line on stderr and a non-zero exit for every mistake (the usage text only for
--help); answering "n" to erase is a refusal, not ctrl+c; an unknown class is refused;
and the demo school is reached with --demo on every command, never by an empty
database made on the side.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.paths import REPO


def kiosk(*args, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    path = tmp_path / "data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(path))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return path


@pytest.fixture
def small_db(tmp_path):
    """A small school: one admin, the samples' roster."""
    from models.store.db import close_db
    from models.upkeep.opening import open_database
    from tests.school import build

    path = tmp_path / "school.sqlite3"
    open_database(str(path))
    build()
    close_db()
    return path


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            [],
            "Error: kiosk needs a command: attendance, audit, backup, camera, concerns, demo, devices, erase, "
            "exceptions, labels, migrate-to, parents, police, policies, print, purge, relationships, report, "
            "restore, roster, run, sar, scan, school-devices, serve, staff, staff-devices, trust. (kiosk --help says more.)",
        ),
        (
            ["devices"],
            "Error: kiosk devices needs a command: list, register, revoke. (kiosk devices --help says more.)",
        ),
        (["scan"], "Error: Missing option '--mode'. Choose from: hand-in, release. (kiosk scan --help says more.)"),
    ],
)
def test_a_mistake_is_one_line_without_the_usage_text(run, args, said):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith(said) and err.count("\n") == 1, err
    assert "Usage:" not in err and "Options:" not in err


def test_help_still_shows_the_usage(run):
    code, out, _ = run("devices", "--help")
    assert code == 0 and out.startswith("Usage: kiosk devices")


def test_an_unknown_class_is_refused(small_db, run):
    code, out, err = run("devices", "list", "--class", "Nope", "--db", small_db)
    assert code == 1 and out == ""
    assert err.startswith("Error: There is no class called 'Nope'. The classes are: ") and err.count("\n") == 1


def test_a_class_is_found_whatever_its_case(small_db, run):
    code, out, _ = run("devices", "list", "--class", "oak", "--format", "csv", "--db", small_db)
    assert code == 0 and out.startswith("code,")
    code, out, _ = run("devices", "list", "--class", "Oak", "--format", "csv", "--db", small_db)
    assert code == 0


def test_answering_no_to_erase_is_a_refusal_not_ctrl_c(small_db):
    pin = {"KIOSK_PIN": DEMO_PINS["admin"]}
    for answer in ("n\n", ""):  # "n", and the end of input
        done = kiosk("erase", "--pupil", "000003", "--as", "admin", "--db", small_db, stdin=answer, env=pin)
        assert done.returncode == 1, done.stderr
        assert done.stderr == "Error: Not erased: you did not answer y, so nothing was changed.\n"
    done = kiosk(
        "sar", "--pupil", "000003", "--as", "admin", "--db", small_db, "--out", small_db.with_suffix(".json"), env=pin
    )
    assert done.returncode == 0, done.stderr  # still there


def test_every_command_takes_demo_and_none_makes_an_empty_database(data_dir, run):
    code, out, _ = run("demo")
    assert code == 0 and out.startswith("Demo school created")
    assert sorted(p.name for p in data_dir.glob("*.sqlite3")) == ["demo.sqlite3"]
    # Without --demo: the school's database, which does not exist: one line, and nothing made.
    code, out, err = run("devices", "list", "--class", "Oak")
    assert code == 1 and out == ""
    assert err == (
        f"Error: There is no school database yet at {data_dir / 'kiosk.sqlite3'}. "
        f"The demo school is in {data_dir / 'demo.sqlite3'}: add --demo to use it.\n"
    )
    assert not (data_dir / "kiosk.sqlite3").exists()
    # With --demo, every command reaches the demo school.
    code, out, _ = run("devices", "list", "--class", "Oak", "--demo", "--format", "csv")
    assert code == 0 and "Phoebe Bell" in out
    code, out, _ = run("report", "uncollected", "--demo")
    assert code == 0 and "SLOT" in out
    code, out, _ = run("print", "queue", "--demo")
    assert code == 0
    code, _, err = run("demo")
    assert code == 1 and "add --demo to any command (kiosk run --demo)" in err and err.count("\n") == 1
    assert not (data_dir / "kiosk.sqlite3").exists()


def test_no_demo_yet_says_how_to_make_it(data_dir, run):
    code, _, err = run("staff", "list", "--demo")
    assert code == 1
    assert (
        err
        == f"Error: There is no demo school yet ({data_dir / 'demo.sqlite3'}): make it with kiosk demo (or kiosk run --demo).\n"
    )
    code, _, err = run("staff", "list")
    assert code == 1 and "add the first admin with kiosk staff add, or try the demo school with kiosk demo." in err
    assert not data_dir.exists() or not list(data_dir.glob("*.sqlite3"))


def test_the_demo_prints_nowhere_whatever_printer_is_set(data_dir, tmp_path, run, monkeypatch):
    """Issue 14, item 10: demo data never prints, neither its old slips nor a reprint."""
    spool = tmp_path / "spool.bin"
    monkeypatch.setenv("KIOSK_PRINTER", f"file://{spool}")
    assert run("demo")[0] == 0
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, err = run("print", "reprint", "1", "--as", "office", "--demo")
    assert code == 0, err
    assert not spool.exists()
    code, out, _ = run("print", "queue", "--demo", "--format", "json")
    assert code == 0 and "file://" not in out
