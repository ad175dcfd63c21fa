"""KIOSK_SITE of spaces only is refused, not taken for site 1; and KIOSK_SITE with --demo
(the demo school's own file, which has no sites) is refused, not quietly ignored (f4s6, finding 6)."""

from __future__ import annotations

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return tmp_path


@pytest.mark.parametrize("value", [" ", "   ", "\t"])
def test_kiosk_site_of_spaces_only_is_refused(home, run, monkeypatch, value):
    monkeypatch.setenv("KIOSK_SITE", value)
    status, out, err = run("staff", "list", "--db", home / "k.sqlite3")
    assert status != 0 and not out and err.count("\n") == 1, err
    assert "KIOSK_SITE" in err and "spaces" in err, err
    assert not (home / "k.sqlite3").exists()


def test_an_empty_kiosk_site_is_still_site_1(home, run, monkeypatch):
    monkeypatch.setenv("KIOSK_SITE", "")
    status, out, err = run("staff", "list", "--db", home / "k.sqlite3")
    assert "KIOSK_SITE" not in err, err  # (no database there yet: that is what it says)


@pytest.mark.parametrize("command", [["staff", "list"], ["demo"], ["audit", "verify"]])
def test_kiosk_site_with_demo_is_refused(home, run, monkeypatch, command):
    monkeypatch.setenv("KIOSK_SITE", "elm")
    status, out, err = run(*command, "--demo")
    assert status != 0 and not out and err.count("\n") == 1, err
    assert "--demo" in err and "KIOSK_SITE" in err, err
    assert not (home / "data" / "demo.sqlite3").exists()  # nothing made
