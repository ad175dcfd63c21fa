"""Start ``kiosk serve`` and a headless chromium for it: shared by the browser benchmark
(benchmarks/bench_browser.py) and the browser test (tests/browser/test_browser_i16g.py).

Part of ``benchmarks`` (run from the repository, never installed), so a benchmark needs
nothing of ``tests``; the test imports it from here. Selenium is imported only when a
browser is opened: without it, :func:`missing` says so.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
)
READY = "Serving the reception kiosk"  # what kiosk serve prints once it listens


def missing() -> list[str]:
    """What a browser run needs and this machine lacks (Debian's package names; selenium is pip's)."""
    gaps = [
        name for name, exe in (("chromium", "chromium"), ("chromium-driver", "chromedriver")) if not shutil.which(exe)
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        gaps.append("selenium")
    return gaps


def kiosk_env(data: Path, home: Path | None = None) -> dict[str, str]:
    """This process's environment for a kiosk of its own: its data in ``data`` (and HOME
    in ``home`` if given), nothing of the caller's database, settings, PIN or terminal."""
    env = dict(os.environ, KIOSK_DATA_DIR=str(data))
    if home is not None:
        env["HOME"] = str(home)
    for var in ("KIOSK_DATABASE_URL", "KIOSK_CONFIG", "KIOSK_PIN", "KIOSK_TERMINAL"):
        env.pop(var, None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict[str, str], *, start_within: float = 60) -> Iterator[str]:
    """``kiosk serve --demo`` on a free loopback port, for as long as the block runs: its
    URL. RuntimeError if it has not said it is serving within ``start_within`` seconds."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, said = time.monotonic() + start_within, ""
        while READY not in said:
            left = deadline - time.monotonic()
            if left <= 0 or server.poll() is not None:
                raise RuntimeError(f"kiosk serve did not start: {said}")
            assert server.stdout is not None
            if select.select([server.stdout], [], [], left)[0]:
                said += server.stdout.readline()
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


def chromium(profile: Path) -> Any:
    """A headless chromium driven by selenium through chromedriver, with a profile of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
