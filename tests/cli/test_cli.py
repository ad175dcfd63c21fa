"""The command line: exit codes, one-line errors, no tracebacks."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from models.upkeep.demo import DEMO_PINS
from tests.paths import REPO


@pytest.fixture
def demo_db(tmp_path, run, monkeypatch):
    """The demo school as it stood at 14:00 yesterday, so that the day's confiscation is
    always in it whatever time the suite runs (at 08:00 today's would not have happened)."""
    import datetime as dt

    from models import clock
    from models.upkeep import demo

    yesterday = clock.to_local(clock.utcnow()).date() - dt.timedelta(days=1)
    at = clock.local_to_utc(dt.datetime.combine(yesterday, dt.time(14, 0)), clock.SCHOOL_TZ)
    monkeypatch.setattr(demo, "utcnow", lambda: at)
    path = tmp_path / "demo.sqlite3"
    code, out, _ = run("demo", "--db", path)
    assert code == 0 and out.startswith("Demo school created: 210 pupils, 6 staff,")
    return path


def scan(db, mode, user, lines, pin):
    env = {**os.environ, "KIOSK_PIN": pin}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "scan", "--mode", mode, "--as", user, "--db", str(db)],
        input=lines,
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_demo_refuses_a_database_with_a_school(demo_db, run):
    code, _, err = run("demo", "--db", demo_db)
    assert code == 1
    assert err == "Error: This database already has a school in it: the demo needs an empty database.\n"


def test_devices_list_json_and_class_filter(demo_db, run):
    code, out, _ = run("devices", "list", "--class", "Oak", "--format", "json", "--db", demo_db)
    rows = json.loads(out)
    assert code == 0 and rows
    assert {"code", "admission_no", "pupil", "class", "state"} <= set(rows[0])
    assert {r["class"] for r in rows} == {"Oak"}


def test_register_revoke_and_csv_neutralises_formulas(tmp_path, run, samples, monkeypatch):
    db = tmp_path / "k.sqlite3"
    # A new install: the first admin needs no --as, then acts for the rest.
    monkeypatch.setenv("KIOSK_NEW_PIN", "836150")
    assert run("staff", "add", "boss", "--name", "IT Admin", "--role", "admin", "--db", db)[0] == 0
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, out, err = run("roster", "import", samples / "roster-with-errors.csv", "--as", "boss", "--db", db)
    assert code == 1
    assert "line 3: " in err and "line 8: " in err
    assert err.strip().endswith("Fix the file, or use --skip-invalid to import the other rows.")
    code, out, _ = run(
        "roster", "import", samples / "roster-with-errors.csv", "--skip-invalid", "--as", "boss", "--db", db
    )
    assert code == 0 and "3 added" in out
    code, out, _ = run("devices", "register", "002008", "--as", "boss", "--db", db)
    assert code == 0 and out.startswith("Registered K")
    label = out.split()[1]
    code, out, _ = run("devices", "list", "--format", "csv", "--db", db)
    assert "Formula =cmd|' /C calc'!A0" in out  # stored and exported as text
    evil = tmp_path / "evil.csv"
    evil.write_text('Adno,Legal Surname,Legal Forename,Year,Reg\n009001,Smith,=HYPERLINK("http://x"),Year 6,Oak\n')
    assert run("roster", "import", evil, "--as", "boss", "--db", db)[0] == 0
    assert run("devices", "register", "009001", "--as", "boss", "--db", db)[0] == 0
    code, out, _ = run("devices", "list", "--format", "csv", "--db", db)
    import csv
    import io

    cells = [row[2] for row in csv.reader(io.StringIO(out))]
    assert '\'=HYPERLINK("http://x") Smith' in cells
    code, out, _ = run("devices", "revoke", label, "--as", "boss", "--db", db)
    assert code == 0 and f"Revoked {label}. Replacement label: K" in out
    code, _, err = run("devices", "register", "nope", "--as", "boss", "--db", db)
    assert code == 1 and err == "Error: No pupil has admission number 'nope'.\n"
    code, _, err = run("devices", "revoke", "K12", "--as", "boss", "--db", db)
    assert code == 1 and "a label code is a letter and 7 digits" in err


def test_headless_scan_results(demo_db, run, monkeypatch):
    code, out, _ = run("devices", "list", "--format", "json", "--db", demo_db)
    rows = json.loads(out)
    out_rows = [r for r in rows if r["state"] == "out"]
    a, b = out_rows[-1], out_rows[-2]  # (the demo's pupil with a medical exception is near the start)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, _ = run("devices", "revoke", b["code"], "--as", "office", "--db", demo_db)
    lines = (
        "\n".join([a["code"], a["code"], "K0000000"[:-1] + "1", "garbage\x1b[2J", b["code"], "", a["code"].lower()])
        + "\n"
    )
    proc = scan(demo_db, "hand-in", "office", lines.encode(), DEMO_PINS["office"])
    assert proc.returncode == 0, proc.stderr
    results = proc.stdout.decode().splitlines()
    words = [r.split()[0] for r in results]
    assert words == ["OK", "DUPLICATE", "INVALID", "INVALID", "REVOKED", "DUPLICATE"]
    assert results[0].startswith(f"OK {a['code']} {a['pupil']} {a['class']} slot ")
    assert "\x1b" not in proc.stdout.decode()


def test_scan_unknown_and_blocked(demo_db):
    from models.custody import codes

    unknown = codes.make_code("K", 1)
    proc = scan(demo_db, "release", "office", f"{unknown}\n".encode(), DEMO_PINS["office"])
    assert proc.stdout.decode().startswith(f"UNKNOWN {unknown} {unknown} is not registered")
    conn = sqlite3.connect(demo_db)
    code = conn.execute(
        "SELECT l.code FROM device_state s JOIN label l ON l.device_id = s.device_id "
        "WHERE s.state = 'confiscated' AND l.revoked_at IS NULL"
    ).fetchone()[0]
    conn.close()
    proc = scan(demo_db, "release", "office", f"{code}\n".encode(), DEMO_PINS["office"])
    assert proc.stdout.decode().startswith(f"BLOCKED {code} ")
    assert "parent/carer collection only" in proc.stdout.decode()


def test_scan_wrong_pin_and_role(demo_db, run):
    proc = scan(demo_db, "hand-in", "office", b"", "0000")
    assert proc.returncode == 1
    assert proc.stderr.decode() == "Error: Wrong username or PIN.\n"
    rows = json.loads(run("devices", "list", "--format", "json", "--db", demo_db)[1])
    chestnut = next(r for r in rows if r["class"] == "Chestnut")
    # A role that may not hand in is refused before any code is read, as the screens do.
    proc = scan(demo_db, "hand-in", "admin", f"{chestnut['code']}\n".encode(), DEMO_PINS["admin"])
    assert proc.returncode == 1 and proc.stdout == b""
    assert proc.stderr.decode() == "Error: IT admin (admin) may not hand in phones.\n"
    proc = scan(demo_db, "hand-in", "oak", f"{chestnut['code']}\n".encode(), DEMO_PINS["oak"])
    assert proc.stdout.decode().startswith(
        f"BLOCKED {chestnut['code']} Mr T Okoro (Oak) may hand in phones only for their own class, not Chestnut."
    )


def test_scan_survives_invalid_utf8_and_huge_lines(demo_db):
    proc = scan(demo_db, "hand-in", "office", b"\xff\xfe\xfa\n" + b"9" * 10_000 + b"\n", DEMO_PINS["office"])
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert [line.split()[0] for line in lines] == ["INVALID", "INVALID"]
    assert all(len(line) < 200 for line in lines)


def test_reports(demo_db, run, monkeypatch):
    code, out, _ = run("report", "uncollected", "--format", "json", "--db", demo_db)
    assert code == 0 and any(r["state"] == "confiscated" for r in json.loads(out))
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])  # the day's events are read by someone (f1s6)
    code, out, _ = run("report", "day", "--format", "json", "--as", "office", "--db", demo_db)
    assert code == 0 and isinstance(json.loads(out), list)
    code, out, err = run("report", "day", "--date", "31/12/26", "--db", demo_db)
    assert code == 2 and "'31/12/26' is not a date: write it as DD/MM/YYYY or YYYY-MM-DD." in err


def test_audit_verify_and_tamper(demo_db, run):
    code, out, _ = run("audit", "verify", "--db", demo_db)
    assert code == 0 and out.startswith("Audit log OK:")
    conn = sqlite3.connect(demo_db)
    conn.execute("UPDATE audit_entry SET actor = 'someone' WHERE seq = 42")
    conn.commit()
    conn.close()
    code, out, err = run("audit", "verify", "--db", demo_db)
    assert code == 1
    assert "Entry 42 was edited" in err and err.strip().endswith("Audit check FAILED. First bad entry: 42.")


def test_audit_verify_catches_a_projection_out_of_step(demo_db, run):
    conn = sqlite3.connect(demo_db)
    conn.execute(
        "UPDATE device_state SET state = 'out', tray_id = NULL, slot_no = NULL WHERE state = 'in_tray' AND device_id = (SELECT MIN(device_id) FROM device_state WHERE state = 'in_tray')"
    )
    conn.commit()
    conn.close()
    code, _, err = run("audit", "verify", "--db", demo_db)
    assert code == 1 and "differs from the ledger" in err


def test_backup_is_consistent_and_refuses_to_overwrite(demo_db, tmp_path, run, monkeypatch):
    dest = tmp_path / "backup.sqlite3"
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, _ = run("backup", dest, "--as", "admin", "--db", demo_db)
    assert code == 0 and dest.exists()
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM custody_event").fetchone()[0] > 100
    conn.close()
    code, _, err = run("backup", dest, "--as", "admin", "--db", demo_db)
    assert code == 1 and "already exists" in err


def test_bad_database_and_config_are_one_line(tmp_path, run):
    code, _, err = run("devices", "list", "--db", "mysql://x@y/z")
    assert code == 1 and err.count("\n") == 1 and "Unsupported database URL scheme" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("school_name = [unclosed")
    code, _, err = run("devices", "list", "--config", bad, "--db", tmp_path / "k.sqlite3")
    assert code == 1 and err.startswith("Error: ") and "is not valid TOML" in err and err.count("\n") == 1
    code, _, err = run("devices", "list", "--config", tmp_path / "missing.toml", "--db", tmp_path / "k.sqlite3")
    assert code == 1 and "Config file not found" in err
    code, _, err = run("roster", "import", tmp_path / "nope.csv", "--db", tmp_path / "k.sqlite3")
    assert code == 1 and err.count("\n") == 1


def test_env_database_url_is_used(tmp_path, run, monkeypatch, demo_db):
    monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{demo_db}")
    code, out, _ = run("devices", "list", "--format", "json")
    assert code == 0 and len(json.loads(out)) > 40


def test_staff_add_and_list(tmp_path, run, monkeypatch, samples):
    db = tmp_path / "k.sqlite3"
    monkeypatch.setenv("KIOSK_NEW_PIN", "836150")  # the new member's PIN; KIOSK_PIN is the acting admin's
    assert run("staff", "add", "boss", "--name", "IT Admin", "--role", "admin", "--db", db)[0] == 0
    monkeypatch.setenv("KIOSK_PIN", "836150")
    assert run("roster", "import", samples / "roster-sims-style.csv", "--as", "boss", "--db", db)[0] == 0
    monkeypatch.setenv("KIOSK_NEW_PIN", "503827")
    code, out, _ = run(
        "staff",
        "add",
        "msmith",
        "--name",
        "Ms Smith",
        "--role",
        "teacher",
        "--class",
        "Oak",
        "--as",
        "boss",
        "--db",
        db,
    )
    assert code == 0 and out == "Added msmith (teacher).\n"
    code, _, err = run("staff", "add", "msmith", "--name", "Again", "--role", "office", "--as", "boss", "--db", db)
    assert code == 1 and err == "Error: There is already a member of staff called 'msmith'.\n"
    code, _, err = run(
        "staff", "add", "x1", "--name", "X", "--role", "teacher", "--class", "Narnia", "--as", "boss", "--db", db
    )
    assert code == 1 and err == "Error: There is no class called 'Narnia'.\n"
    monkeypatch.setenv("KIOSK_NEW_PIN", "12")
    code, _, err = run("staff", "add", "x2", "--name", "X", "--role", "office", "--as", "boss", "--db", db)
    assert code == 1 and err == "Error: A PIN is 6 to 12 digits.\n"
    code, out, _ = run("staff", "list", "--format", "json", "--db", db)
    assert [r["username"] for r in json.loads(out)] == ["boss", "msmith"]


# ------------------------------------------------------------------ records duties


def test_purge_dry_run_then_purge_with_config_retention(demo_db, run, tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[retention]\nhand_ins = 1\n", encoding="utf-8")
    code, out, _ = run("purge", "--dry-run", "--format", "json", "--db", demo_db, "--config", cfg)
    dry = json.loads(out)
    assert code == 0 and dry["dry_run"] and dry["deleted"]["hand_ins"] > 0 and dry["audit_seq"] is None
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
    code, out, _ = run("purge", "--as", "admin", "--db", demo_db, "--config", cfg)
    assert code == 0 and out.startswith(f"Deleted: {dry['deleted']['hand_ins']} hand ins,")
    code, out, _ = run("purge", "--dry-run", "--db", demo_db, "--config", cfg)
    assert out.startswith("Would delete: 0 hand ins,")
    code, out, _ = run("audit", "verify", "--db", demo_db)
    assert code == 0 and "chain intact" in out


def test_sar_and_erase_from_the_command_line(demo_db, run, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    con = sqlite3.connect(demo_db)
    adno = con.execute("SELECT admission_no FROM pupil ORDER BY id LIMIT 1").fetchone()[0]
    con.close()
    out_zip = tmp_path / "sar.zip"
    code, out, _ = run("sar", "--as", "head", "--pupil", adno, "--out", out_zip, "--db", demo_db)
    assert code == 0 and out.startswith(f"Subject access export for pupil {adno} written to {out_zip} (1 pupil,")
    code, _, err = run("sar", "--as", "head", "--db", demo_db)
    assert code == 2 and "Give exactly one of --pupil, --visitor or --staff." in err
    code, _, err = run("sar", "--as", "head", "--visitor", "Mr Visitor", "--db", demo_db)
    assert code == 1 and err == "Error: No visitor called 'Mr Visitor' is on record: nothing is held under that name.\n"
    code, out, _ = run("erase", "--as", "head", "--pupil", adno, "--yes", "--db", demo_db)
    assert code == 0 and out.startswith(f"Erased pupil {adno}: 1 pupil,")
    code, _, err = run("sar", "--as", "head", "--pupil", adno, "--db", demo_db)
    assert code == 1 and err.startswith(f"Error: No pupil has admission number '{adno}'")
    # The demo's contractor from yesterday never signed out: exported, but not erased.
    code, out, _ = run("sar", "--as", "head", "--visitor", "gary  mills", "--out", tmp_path / "gary", "--db", demo_db)
    assert code == 0 and "1 visitors, 1 visits," in out and (tmp_path / "gary" / "visits.csv").exists()
    code, _, err = run("erase", "--as", "head", "--visitor", "Gary Mills", "--yes", "--db", demo_db)
    assert (
        code == 1
        and err
        == "Error: Visitor Gary Mills cannot be erased yet: they are still signed in: sign them out first. Nothing was erased.\n"
        and err.endswith("Nothing was erased.\n")
    )


def test_erase_refused_under_a_legal_hold_prints_the_reason(demo_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    con = sqlite3.connect(demo_db)
    # The demo's open concern exists at any time of day (its confiscation only after 08:35).
    adno = con.execute(
        "SELECT p.admission_no FROM concern c JOIN pupil p ON p.id = c.pupil_id WHERE c.status = 'open'"
    ).fetchone()[0]
    con.close()
    code, _, err = run("erase", "--as", "head", "--pupil", adno, "--db", demo_db)
    assert code == 1 and err.startswith(f"Error: Pupil {adno}") and "still open with the DSL" in err
    assert err.endswith("Nothing was erased.\n")
    assert err.count("\n") == 1


def test_the_demo_anchors_its_log(demo_db):
    """The demo writes hundreds of entries: anchored at once, not at the first daily anchor."""
    from models.audit import anchors
    from models.audit import chain as audit
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    open_database(str(demo_db))
    try:
        head, _ = audit.head()
    finally:
        close_db()
    last = anchors.last(anchors.default_path(str(demo_db)))
    assert last is not None and last.seq == head - 1  # the anchor's own entry follows it


@pytest.mark.parametrize(
    "action, details, note",
    [
        (
            "roster.import",
            {"import": "x", "batch": 2, "batches": 5, "complete": False},
            "Note: The last roster import stopped part way (after batch 2 of 5): import the same file again to finish it.\n",
        ),
        (
            "records.purge",
            {"run": "r1", "complete": False},
            "Note: The last retention purge stopped part way: run kiosk purge again to finish it.\n",
        ),
    ],
)
def test_every_command_says_when_a_long_job_stopped_part_way(demo_db, run, action, details, note, monkeypatch):
    """An import or purge cut off by a power cut was mentioned nowhere: the office thought it done."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    open_database(str(demo_db))
    with write_tx():
        audit.append("cli", action, "roster" if action == "roster.import" else "records", "-", details, utcnow())
    close_db()
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    code, out, err = run("report", "day", "--as", "office", "--db", demo_db)  # read by someone (f1s6)
    assert code == 0 and note in err, err
    code, out, err = run("devices", "list", "--db", demo_db)
    assert note in err


def test_the_chair_of_governors_can_be_added(tmp_path, run, monkeypatch):
    """New-user walk (issue 15): an allegation about the headteacher goes to the chair of
    governors, but `kiosk staff add` offered no chair role, so on a real school nobody
    could receive one."""
    db = tmp_path / "k.sqlite3"
    monkeypatch.setenv("KIOSK_NEW_PIN", "836150")
    assert run("staff", "add", "boss", "--name", "IT Admin", "--role", "admin", "--db", db)[0] == 0
    monkeypatch.setenv("KIOSK_PIN", "836150")
    monkeypatch.setenv("KIOSK_NEW_PIN", "947261")
    code, out, err = run(
        "staff", "add", "chair", "--name", "Mr C Governor", "--role", "chair", "--as", "boss", "--db", db
    )
    assert code == 0, err
    assert out == "Added chair (chair).\n"
