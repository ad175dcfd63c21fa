"""Attacks: PINs in a database dump, back-off across processes, audit tampering via the CLI.

Already covered elsewhere (not repeated here): PIN hashes are argon2id and lockout
survives re-opening the database (test_auth.py); a teacher cannot release another
class's confiscated phone or record a search (test_custody.py::test_roles and
::test_search_rules); an edited audit entry is caught by ``kiosk audit verify``
(test_cli.py) and every kind of tampering by ``audit.verify`` (test_audit.py).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from models.config import DEMO_CONFIG, load_settings
from models.custody import ledger as custody
from models.errors import AuthError
from models.staff import auth
from models.store.db import close_db, db, init_db, is_sqlite
from models.store.tables import ALL_MODELS, AuditEntry
from models.upkeep.demo import DEMO_PINS, DEMO_STAFF, create_demo
from models.upkeep.opening import open_database
from tests.paths import REPO
from tests.school import NOW, build

RARE_PIN, RARE_WRONG = "73915046", "86420975"  # digits that occur nowhere else in a database


def dump(url: str) -> str:
    """Everything in the database as text: SQLite's iterdump, or every row of every table as JSON."""
    init_db(url)
    try:
        if is_sqlite():
            return "\n".join(db.connection().iterdump())
        lines = []
        for model in ALL_MODELS:
            table = model._meta.table_name
            lines += [r[0] for r in db.execute_sql(f'SELECT row_to_json(t)::text FROM "{table}" t').fetchall()]
        return "\n".join(lines)
    finally:
        close_db()


def test_no_pin_is_in_a_database_dump(database):
    create_demo(load_settings(str(DEMO_CONFIG)), now=NOW)
    auth.create_staff("temp", "Supply teacher", [auth.OFFICE], RARE_PIN, now=NOW)
    for username, _name, _roles, pin, _classes in DEMO_STAFF:  # every demo PIN used, right and wrong
        auth.authenticate(username, pin, now=NOW)
    auth.authenticate("temp", RARE_PIN, now=NOW)
    for _ in range(5):
        with pytest.raises(AuthError):
            auth.authenticate("temp", RARE_WRONG, now=NOW)
    with pytest.raises(AuthError, match="Too many wrong PINs here"):  # this terminal waits now
        auth.authenticate("temp", RARE_PIN, now=NOW)
    auth.unlock("temp", actor="cli", now=NOW)
    close_db()
    text = dump(database)
    assert "Supply teacher" in text and "$argon2id$" in text  # the dump does hold the staff table
    assert RARE_PIN not in text and RARE_WRONG not in text  # nowhere at all, not even inside other values
    demo_pins = {pin for *_, pin, _classes in DEMO_STAFF}
    staff_rows = [ln for ln in text.splitlines() if "$argon2id$" in ln]
    assert len(staff_rows) == len(DEMO_STAFF) + 1
    for pin in demo_pins:
        # Short demo PINs can occur inside ids, times and codes; stored as a value they would be
        # a quoted SQL/JSON string of their own, or somewhere in a staff row.
        assert f"'{pin}'" not in text and f'"{pin}"' not in text
        # (the hash itself is random base64: take it out before looking at the rest of the row)
        assert not any(pin in re.sub(r"\$argon2id\$[^'\"]*", "", row) for row in staff_rows), pin
    open_database(database)


def _scan(url: str, username: str, pin: str, tmp_path: Path) -> subprocess.CompletedProcess:
    from benchmarks.fault_school import share_pin_key

    share_pin_key(tmp_path)  # the other process's data directory holds the same PIN key (0600)
    env = {**os.environ, "KIOSK_PIN": pin, "KIOSK_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "scan", "--mode", "hand-in", "--as", username, "--db", url],
        input=b"",
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_back_off_holds_across_separate_processes(database, tmp_path):
    """Wrong PINs at the command line are counted in the database: a new process still waits,
    and an account is never locked by them (the reception's sign-in still works)."""
    from models.clock import utcnow

    build()
    start = utcnow()
    for i in range(12):  # as fast as the back-off allows, up to its longest wait (5 minutes)
        _n, not_before = auth._backoff(auth.this_terminal(), auth.COMMAND_LINE, start)
        at = max(start, not_before or start) if i else start
        start = at
        with pytest.raises(AuthError, match="Wrong username or PIN"):
            auth.authenticate("oak", "000000", now=at)
    close_db()
    proc = _scan(database, "oak", DEMO_PINS["oak"], tmp_path)  # the right PIN, in a fresh process: wait
    assert proc.returncode == 1
    assert re.match(
        r"Error: Too many wrong PINs here: wait [0-9]+ (seconds|minutes?), then try again.", proc.stderr.decode()
    ), proc.stderr.decode()
    open_database(database)
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=start, surface=auth.RECEPTION).username == "oak"


@pytest.fixture
def chain(database):
    school = build()
    for code in school.codes.values():
        custody.hand_in(code, school.office, now=NOW)
    n = AuditEntry.select().count()
    close_db()
    return database, n


def _verify(url: str, capsys) -> tuple[int, str, str]:
    code = main(["audit", "verify", "--db", url])
    close_db()
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _tamper(url: str, *statements: str) -> None:
    init_db(url)
    with db.atomic():
        for sql in statements:
            db.execute_sql(sql)
    close_db()


def test_cli_audit_verify_passes_an_untouched_log(chain, capsys):
    url, n = chain
    code, out, _ = _verify(url, capsys)
    assert code == 0 and out.startswith(f"Audit log OK: {n} entries")
    open_database(url)


def test_cli_audit_verify_catches_a_deleted_entry(chain, capsys):
    url, _ = chain
    _tamper(url, "DELETE FROM audit_entry WHERE seq = 6")
    code, _, err = _verify(url, capsys)
    assert code == 1 and "Entry 6 is missing" in err and err.strip().endswith("First bad entry: 6.")
    open_database(url)


def test_cli_audit_verify_catches_reordered_entries(chain, capsys):
    url, _ = chain
    init_db(url)
    e4, e5 = AuditEntry.get_by_id(4), AuditEntry.get_by_id(5)
    close_db()
    cols = ("at", "actor", "action", "entity", "entity_id", "details", "prev_hash", "hash")

    def assign(e):
        return ", ".join(f"{c} = {_quote(getattr(e, c))}" for c in cols)

    _tamper(
        url, f"UPDATE audit_entry SET {assign(e5)} WHERE seq = 4", f"UPDATE audit_entry SET {assign(e4)} WHERE seq = 5"
    )
    code, _, err = _verify(url, capsys)
    assert code == 1 and "removed or reordered" in err and err.strip().endswith("First bad entry: 4.")
    open_database(url)


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def test_cli_audit_verify_catches_a_truncated_tail_even_with_the_head_rewritten(chain, capsys):
    url, n = chain
    _tamper(url, f"DELETE FROM audit_entry WHERE seq > {n - 3}")
    code, _, err = _verify(url, capsys)
    assert code == 1 and f"The log is cut short: entries {n - 2}–{n} are missing from the end." in err
    init_db(url)
    last = AuditEntry.get_by_id(n - 3)
    close_db()
    _tamper(url, f"UPDATE audit_head SET seq = {last.seq}, hash = '{last.hash}'")
    code, _, err = _verify(url, capsys)
    assert code == 1 and "refers to entry" in err and "the log was cut short" in err
    open_database(url)


def test_cli_audit_verify_catches_an_edit_made_with_the_sqlite_shell(chain, capsys):
    url, _ = chain
    if "://" in url:
        pytest.skip("the sqlite3 shell only applies to a SQLite file")
    conn = sqlite3.connect(url)
    row = conn.execute("SELECT details FROM audit_entry WHERE seq = 9").fetchone()[0]
    details = json.loads(row)
    details["device_id"] = 999
    conn.execute("UPDATE audit_entry SET details = ? WHERE seq = 9", (json.dumps(details),))
    conn.commit()
    conn.close()
    code, _, err = _verify(url, capsys)
    assert code == 1 and "Entry 9 was edited" in err
    open_database(url)
