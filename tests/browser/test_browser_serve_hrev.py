"""benchmarks/browser_serve.py, the start-up the browser test and the browser benchmark
share: the parts that need no browser."""

from __future__ import annotations

import socket

from benchmarks.browser_serve import free_port, kiosk_env


def test_kiosk_env_is_a_kiosk_of_its_own(tmp_path, monkeypatch):
    for var in ("KIOSK_DATABASE_URL", "KIOSK_CONFIG", "KIOSK_PIN", "KIOSK_TERMINAL"):
        monkeypatch.setenv(var, "the caller's")
    env = kiosk_env(tmp_path / "data", home=tmp_path / "home")
    assert (env["KIOSK_DATA_DIR"], env["HOME"]) == (str(tmp_path / "data"), str(tmp_path / "home"))
    assert not {"KIOSK_DATABASE_URL", "KIOSK_CONFIG", "KIOSK_PIN", "KIOSK_TERMINAL"} & set(env)


def test_free_port_is_free_on_loopback():
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
