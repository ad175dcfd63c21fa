"""Issue 16, walk: `kiosk serve --db PATH` on a database that does not exist made an empty
one at start. Only `kiosk run`, `kiosk demo` and the first `kiosk staff add` make a
database (README); serve says so in one line, and makes nothing (`--demo` still makes
the demo school, as `kiosk run --demo` does)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("where", ["kiosk.sqlite3", "new/kiosk.sqlite3"])
def test_serve_on_a_database_that_does_not_exist_is_one_line_and_makes_none(tmp_path, where):
    missing = tmp_path / where
    if missing.parent != tmp_path:
        missing.parent.mkdir()
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env.pop("KIOSK_DATABASE_URL", None)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "serve", "--db", str(missing), "--port", str(_free_port())],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("kiosk serve started serving a database that did not exist")
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and "Traceback" not in lines[0], lines
    assert f"There is no database at {missing}" in lines[0] and "Nothing was created" in lines[0], lines
    assert "Serving" not in lines[0]
    assert not missing.exists() and not list(missing.parent.glob("kiosk.sqlite3*"))
