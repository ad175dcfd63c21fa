"""Fixtures of the journey tests (issue 14): the demo school, made once and copied for
each test, and the installed app on a pty of each size. The terminal and the checks a
person's eyes make are in journey_kit.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.journeys.journey_kit import KIOSK, SIZES, Kiosk, School, school_env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo school, made once by the installed `kiosk demo --demo`: its folder."""
    if not KIOSK.exists():
        pytest.fail(f"the installed kiosk entry point is missing: {KIOSK} (pip install -e .)")
    folder = tmp_path_factory.mktemp("demo-template")
    for sub in ("home", "data", "config"):
        (folder / sub).mkdir()
    done = subprocess.run(
        [str(KIOSK), "demo", "--demo"], env=school_env(folder), cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture
def school(demo_template, tmp_path) -> School:
    """A fresh copy of the demo school, for this test alone."""
    folder = tmp_path / "school"
    shutil.copytree(demo_template, folder)
    return School(folder, school_env(folder))


@pytest.fixture(params=SIZES)
def size(request) -> tuple[int, int]:
    return request.param


@pytest.fixture
def start_kiosk(school, size):
    """start_kiosk(): the app on this test's school and pty size (after any set-up of the school)."""
    started: list[Kiosk] = []

    def start() -> Kiosk:
        kiosk = Kiosk(school, size)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.close()
