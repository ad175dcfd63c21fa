"""Resident memory of the running kiosk with the camera worker decoding: target <= 150 MB.

    python -m benchmarks.bench_memory [--seconds 15] [--samples DIR]

The real app (``kiosk run``) in a pty (benchmarks/bench_scan.py's Terminal and school),
signed in on the hand-in screen; F5 starts the camera worker on a folder source: the
shared sample frames (``../shared/samples/camera``), linked 500 times over so the
worker keeps decoding for the whole run. VmRSS and VmHWM (peak) of the kiosk process
are read from /proc every 0.1 s: at the sign-in screen, on the hand-in screen, and
while the camera decodes (a few codes are typed meanwhile too).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MB = 150.0


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) / 1024
    return rss, hwm


def looping_folder(samples: Path, dest: Path, repeat: int = 500) -> Path:
    frames = sorted(p for p in samples.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not frames:
        raise SystemExit(f"no sample frames in {samples}")
    dest.mkdir(parents=True)
    for r in range(repeat):
        for f in frames:
            (dest / f"{r:03d}_{f.name}").symlink_to(f.resolve())
    return dest


def run(samples: Path, seconds: float = 15.0) -> dict:
    from benchmarks import bench_scan

    with tempfile.TemporaryDirectory(prefix="kiosk-mem-") as scratch:
        folder = Path(scratch)
        school = bench_scan.make_school(folder / "school", 20)
        frames = looping_folder(samples, folder / "frames")
        text = school.config.read_text(encoding="utf-8")
        text = re.sub(r'(\[camera\][^\[]*?)source = "[^"]*"', rf'\1source = "{frames}"', text, count=1)
        school.config.write_text(text, encoding="utf-8")
        term = bench_scan.start_kiosk(school)
        try:
            term.wait_for("Staff sign-in", timeout=30)
            term.quiet()
            at_login = rss_mb(term.proc.pid)[0]
            bench_scan.sign_in(term)
            on_hand_in = rss_mb(term.proc.pid)[0]
            mark = term.mark()
            term.write(b"\x1b[15~")  # F5
            term.wait_for("CAMERA ON", since=mark, timeout=30)
            samples_mb = []
            end = time.perf_counter() + seconds
            codes = iter(school.codes)
            while time.perf_counter() < end:
                samples_mb.append(rss_mb(term.proc.pid)[0])
                if len(samples_mb) % 20 == 0:
                    term.write(next(codes, "").encode() + b"\r")
                time.sleep(0.1)
            with term.cond:
                shown = bench_scan.strip_ansi(b"".join(data for _, data in term.chunks[mark:]))
            camera_still_on = b"no more frames" not in shown and b"stopped unexpectedly" not in shown
            peak = rss_mb(term.proc.pid)[1]
        finally:
            term.close()
    return {
        "login_mb": at_login,
        "hand_in_mb": on_hand_in,
        "camera_median_mb": sorted(samples_mb)[len(samples_mb) // 2],
        "camera_max_mb": max(samples_mb),
        "peak_hwm_mb": peak,
        "seconds": seconds,
        "camera_still_on": camera_still_on,
    }


def rows_for_table(r: dict) -> list[tuple[str, str, str, str, str]]:
    return [
        ("memory", "RSS at the sign-in screen", f"{r['login_mb']:.0f} MB", "", ""),
        (
            "memory",
            f"RSS with the camera worker decoding ({r['seconds']:.0f} s), max / process peak (VmHWM)",
            f"{r['camera_max_mb']:.0f} / {r['peak_hwm_mb']:.0f} MB",
            f"≤ {TARGET_MB:.0f} MB",
            "yes" if r["peak_hwm_mb"] <= TARGET_MB else "**no**",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    from benchmarks.__main__ import samples_dir

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--samples", type=Path, default=None)
    args = parser.parse_args(argv)
    r = run(args.samples or samples_dir(), args.seconds)
    print(json.dumps(r, indent=2))
    for row in rows_for_table(r):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
