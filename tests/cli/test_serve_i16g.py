"""kiosk serve without a browser: what each session is told, the page, and kiosk run
without a terminal (the browser itself: tests/browser/test_browser_i16g.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kiosk.cli import cli
from kiosk.cli import serve as serve_module
from kiosk.cli._common import Env
from models.staff import auth

REPO = Path(__file__).resolve().parent.parent.parent


def test_run_without_a_terminal_points_at_kiosk_serve(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", "--db", str(tmp_path / "k.sqlite3")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "kiosk serve" in result.stderr, result.stderr
    assert not (tmp_path / "k.sqlite3").exists()


def test_the_terminal_name_is_kiosk_terminal_when_set(monkeypatch):
    monkeypatch.setenv("KIOSK_TERMINAL", "browser 1234abcd from 127.0.0.1")
    assert auth.this_terminal() == "browser 1234abcd from 127.0.0.1"
    monkeypatch.delenv("KIOSK_TERMINAL")
    assert auth.this_terminal() != "browser 1234abcd from 127.0.0.1"


def _session(server, remote: str = "127.0.0.1"):
    async def nothing(*args) -> None:
        return None

    return server.session_class(
        server.command,
        remote=remote,
        write_bytes=nothing,
        write_str=nothing,
        close=nothing,
        download_manager=server.download_manager,
    )


def test_each_session_runs_the_app_on_what_serve_was_given_as_a_terminal_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    config = tmp_path / "school.toml"
    config.write_text("")
    env = Env(str(tmp_path / "school.sqlite3"), str(config))
    told = serve_module.session_environment(env)
    assert told == {
        "KIOSK_DATABASE_URL": str(tmp_path / "school.sqlite3"),
        "KIOSK_DATA_DIR": str((tmp_path / "data").resolve()),
        "KIOSK_CONFIG": str(config.resolve()),
    }
    server = serve_module.kiosk_server("127.0.0.1", 8000, told, demo=False)
    assert server.command.endswith("-m kiosk.cli run --served")
    one, two = _session(server)._build_environment(), _session(server, "10.0.0.7")._build_environment()
    for environ in (one, two):
        assert {k: environ[k] for k in told} == told
        assert environ["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    assert one["KIOSK_TERMINAL"] != two["KIOSK_TERMINAL"]
    assert re.fullmatch(
        r"browser from 10\.0\.0\.7 via .+", two["KIOSK_TERMINAL"]
    )  # its client's: test_serve_reload_i16h
    assert "--demo" in serve_module.kiosk_server("127.0.0.1", 8000, told, demo=True).command


def test_the_page_loads_nothing_from_elsewhere():
    page = (REPO / "assets" / "serve" / "app_index.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "googleapis" not in page and "@import" not in page
    script = serve_module.patched_script().decode()
    assert "window.kioskTerminals" in script
    assert not re.search(r"(fetch|import|src=)\(?[\"']https?://", script)


def test_serve_binds_to_loopback_by_default():
    option = {p.name: p for p in cli.commands["serve"].params}["host"]
    assert option.default == "127.0.0.1"
    assert "--served" not in CliRunner().invoke(cli, ["run", "--help"]).output  # (kiosk serve's own)
