"""The camera in the scan loop (F5 on the hand-in screen) and `kiosk camera test`.

Frames come from a folder (``create_app(camera_source=...)``) or, for a camera that
stays on, from a fake source fed frame by frame. No sleeps: the tests wait on the
camera worker and on the screen's messages.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk import camera
from kiosk.cli import main
from kiosk.screens.scan_base import CAMERA_ON
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.paths import REPO
from tests.pilot import make_app, scans_done, settle, sign_in, text, until

BLANK = np.full((120, 160, 3), 120, np.uint8)


def qr_frame(code: str) -> np.ndarray:
    """A 640x480 grey BGR frame with a QR code of `code` in it."""
    qr = cv2.QRCodeEncoder.create().encode(code)
    qr = cv2.resize(qr, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    frame = np.full((480, 640), 140, np.uint8)
    frame[100 : 100 + qr.shape[0], 200 : 200 + qr.shape[1]] = qr
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def write_frames(folder: Path, images: list[np.ndarray]) -> Path:
    folder.mkdir()
    for i, image in enumerate(images):
        cv2.imwrite(str(folder / f"frame_{i:03d}.png"), image)
    return folder


async def camera_stopped(pilot):
    """Wait until the screen has heard that the camera worker finished."""
    await until(pilot, lambda: pilot.app.screen.camera_worker is None, what="the camera worker stopping")


def notes(app) -> list[str]:
    from kiosk.textual_compat import notices

    return notices(app)


@pytest.fixture
def camera_samples(samples: Path) -> Path:
    folder = samples / "camera"
    if not (folder / "truth.json").is_file():
        pytest.skip(f"camera sample frames not found at {folder}")
    return folder


# --------------------------------------------------------------------------- a folder source


@pytest.mark.both_engines
async def test_codes_in_frames_become_hand_ins_once_each(school, tmp_path):
    ava, ben, dan = school.codes["000001"], school.codes["000002"], school.codes["000004"]
    # Ava's phone stays in front of the camera for two frames: one scan, not two.
    folder = write_frames(tmp_path / "frames", [qr_frame(ava), qr_frame(ava), BLANK, qr_frame(ben), qr_frame(dan)])
    app = make_app(start="hand-in", camera_source=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("f5")
        await settle(pilot)  # waits for the camera worker: a folder ends
        await scans_done(pilot, 3)
        await camera_stopped(pilot)
        screen = app.screen
        assert [(r.code, r.outcome) for r in screen.results] == [(ava, "OK"), (ben, "OK"), (dan, "OK")]
        assert text(app, "#outcome-who") == "Dan Brown · Beech"
        assert text(app, "#counter") == "3 scans"
        assert text(app, "#camera-indicator") == ""
        assert "Camera off: the source has no more frames." in notes(app)
        handed_in = CustodyEvent.select().where(CustodyEvent.kind == "handed_in").order_by(CustodyEvent.id)
        assert [e.label_code for e in handed_in] == [ava, ben, dan]


async def test_shared_sample_frames_are_scanned_like_typed_codes(school, tmp_path, camera_samples):
    from models.custody.devices import register_pupil_device

    # Real webcam frames: no code, a code registered here (K6153036 happens to have a
    # valid check digit), a code with a wrong check digit, and a valid unregistered one.
    truth = json.loads((camera_samples / "truth.json").read_text())
    names = ["frame_000.jpg", "frame_001.jpg", "frame_003.jpg", "frame_004.jpg"]
    assert [truth[n] for n in names] == [None, "K6153036", "K4689591", "K6386235"]
    register_pupil_device("000003", actor="test", code="K6153036")
    folder = tmp_path / "samples"
    folder.mkdir()
    for name in names:
        shutil.copy(camera_samples / name, folder / name)
    app = make_app(start="hand-in", camera_source=str(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("f5")
        await settle(pilot)
        await scans_done(pilot, 3)
        await camera_stopped(pilot)
        assert [(r.code, r.outcome) for r in app.screen.results] == [
            ("K6153036", "OK"),
            ("K4689591", "INVALID"),
            ("K6386235", "UNKNOWN"),
        ]
        assert app.screen.results[0].owner == "Cara Smith"
        assert text(app, "#outcome-word") == "NOT REGISTERED"
        handed_in = CustodyEvent.select().where(CustodyEvent.kind == "handed_in")
        assert [e.label_code for e in handed_in] == ["K6153036"]


async def test_the_release_screen_has_the_camera_too(school, tmp_path):
    from models.custody import ledger as custody
    from tests.school import NOW

    ava = school.codes["000001"]
    custody.hand_in(ava, school.office, now=NOW)
    folder = write_frames(tmp_path / "frames", [qr_frame(ava)])
    app = make_app(start="release", camera_source=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert type(app.screen).__name__ == "ReleaseScreen"
        await pilot.press("f5")
        await settle(pilot)
        await scans_done(pilot, 1)
        await camera_stopped(pilot)
        assert [(r.code, r.outcome) for r in app.screen.results] == [(ava, "OK")]
        assert text(app, "#outcome-word") == "RELEASED"


@pytest.mark.parametrize(
    "source,message",
    [
        ("missing-folder", "Camera source not found:"),
        ("99", "No camera found at device 99."),
    ],
)
async def test_missing_camera_gives_one_line_and_scanning_goes_on(school, tmp_path, source, message):
    spec = str(tmp_path / source) if not source.isdigit() else source
    app = make_app(start="hand-in", camera_source=spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("f5")
        await settle(pilot)
        await camera_stopped(pilot)
        assert text(app, "#camera-indicator") == ""
        [note] = [n for n in notes(app) if n.startswith(message)]
        assert "\n" not in note
        # The keyboard lane is untouched, and F5 can try again.
        await pilot.press(*school.codes["000002"], "enter")
        await scans_done(pilot, 1)
        assert text(app, "#outcome-word") == "HANDED IN"
        await pilot.press("f5")
        await settle(pilot)
        await camera_stopped(pilot)
        assert len([n for n in notes(app) if n.startswith(message)]) == 2


# --------------------------------------------------------------------------- a camera that stays on


class LiveCamera:
    """A stand-in for a webcam: frames are fed one by one; blank frames in between."""

    def __init__(self) -> None:
        self.frames: queue.Queue = queue.Queue()
        self.closed = threading.Event()

    def open(self, spec) -> camera.FrameSource:
        def frames():
            try:
                number = 0
                while True:
                    try:
                        image = self.frames.get(timeout=0.01)  # a webcam blocks for its next frame too
                    except queue.Empty:
                        image = BLANK
                    yield camera.Frame(str(number), image)
                    number += 1
            finally:
                self.closed.set()

        return camera.FrameSource(frames())


@pytest.fixture
def live(monkeypatch) -> LiveCamera:
    cam = LiveCamera()
    monkeypatch.setattr(camera, "open_source", cam.open)
    return cam


async def wait_for(pilot, condition) -> None:
    await until(pilot, condition)


async def test_f5_switches_the_camera_on_and_off(school, live):
    ava, ben = school.codes["000001"], school.codes["000002"]
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        assert text(app, "#camera-indicator") == ""
        await pilot.press("f5")
        await wait_for(pilot, lambda: text(app, "#camera-indicator") == CAMERA_ON)
        live.frames.put(qr_frame(ava))
        await scans_done(pilot, 1)
        await pilot.press(*ben, "enter")  # keyboard and camera share one lane
        await scans_done(pilot, 2)
        assert [(r.seq, r.code, r.outcome) for r in app.screen.results] == [(1, ava, "OK"), (2, ben, "OK")]
        await pilot.press("f5")
        assert text(app, "#camera-indicator") == ""
        await wait_for(pilot, live.closed.is_set)  # the worker let go of the camera
        assert app.screen.camera_worker is None


async def test_leaving_the_screen_stops_the_camera(school, live):
    app = make_app(start="hand-in")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("f5")
        await wait_for(pilot, lambda: text(app, "#camera-indicator") == CAMERA_ON)
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"
        await wait_for(pilot, live.closed.is_set)


def test_scan_screens_do_not_load_opencv_until_the_camera_is_on():
    out = subprocess.run(
        [
            sys.executable,
            "-B",
            "-c",
            "import sys, json, kiosk.cli, kiosk.app, kiosk.screens.hand_in; print(json.dumps(sorted(sys.modules)))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not {m for m in loaded if m.split(".")[0] in {"cv2", "numpy", "pyzbar"}}


# --------------------------------------------------------------------------- kiosk camera test


def test_cli_camera_test_on_the_shared_samples_makes_no_wrong_reads(camera_samples, capsys):
    truth = json.loads((camera_samples / "truth.json").read_text())
    assert main(["camera", "test", "--source", str(camera_samples)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(truth)
    rows = [line.split() for line in lines]
    assert [r[0] for r in rows] == sorted(truth)
    assert all(len(r) == 4 and r[3] == "ms" and float(r[2]) >= 0 for r in rows)
    wrong = [(name, code) for name, code, *_ in rows if code != "-" and code != truth[name]]
    assert wrong == []
    assert sum(code != "-" for _, code, *_ in rows) >= 20


def test_cli_camera_test_json(camera_samples, capsys):
    truth = json.loads((camera_samples / "truth.json").read_text())
    assert main(["camera", "test", "--source", str(camera_samples), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in rows] == sorted(truth)
    assert all(r["code"] is None or r["code"] == truth[r["frame"]] for r in rows)


def test_cli_camera_test_on_generated_frames(tmp_path, capsys):
    folder = write_frames(tmp_path / "frames", [qr_frame("K1234566"), BLANK])
    assert main(["camera", "test", "--source", str(folder)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [r[:2] for r in rows] == [["frame_000.png", "K1234566"], ["frame_001.png", "-"]]


def test_cli_camera_test_bad_source_is_one_line_exit_1(tmp_path, capsys):
    assert main(["camera", "test", "--source", str(tmp_path / "nothing-here")]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip().splitlines() == [f"Error: Camera source not found: {tmp_path / 'nothing-here'}"]
