"""Compare barcode decoders on a labelled frame set and print one markdown table.

Decoders, all run in the same process on the same decoded frames:
  - pyzbar as it comes (every symbology zbar knows, greyscale frame),
  - pyzbar limited to QR code + Code 128,
  - kiosk.camera.Decoder (ROI cascade),
  - zxing-cpp (benchmark-only dependency, imported here only).

A read counts as a hit when it equals truth.json's text, and as wrong when it differs
from it or appears on a frame whose truth is null. Raw decoders' first symbol is taken.

    python benchmarks/bench_camera.py [--set DIR] [--generate N] [--repeat R]

--generate N first writes an N-frame synthetic set (benchmarks/camera_set.py) into
--set DIR, or into a temporary folder that is removed afterwards. Timings are per
frame, the best of --repeat runs (other processes on the machine add noise).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kiosk.camera import Decoder  # noqa: E402

DEFAULT_SET = ROOT.parent / "shared" / "samples" / "camera"


def _pyzbar(symbols: list | None) -> Callable[[np.ndarray], str | None]:
    from pyzbar.pyzbar import decode

    def read(image: np.ndarray) -> str | None:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = decode(gray, symbols=symbols) if symbols else decode(gray)
        return found[0].data.decode("latin-1") if found else None

    return read


def _zxing() -> Callable[[np.ndarray], str | None]:
    import zxingcpp

    def read(image: np.ndarray) -> str | None:
        found = zxingcpp.read_barcodes(image)
        return found[0].text if found else None

    return read


def _ours() -> Callable[[np.ndarray], str | None]:
    decoder = Decoder()
    return lambda image: decoder.decode(image).text


def decoders() -> dict[str, Callable[[np.ndarray], str | None]]:
    """Name -> read(image) for every decoder in the comparison."""
    from pyzbar.pyzbar import ZBarSymbol

    return {
        "pyzbar, as it comes": _pyzbar(None),
        "pyzbar, QR + Code 128": _pyzbar([ZBarSymbol.QRCODE, ZBarSymbol.CODE128]),
        "kiosk.camera.Decoder": _ours(),
        "zxing-cpp": _zxing(),
    }


def score(
    read: Callable[[np.ndarray], str | None], frames: dict[str, np.ndarray], truth: dict[str, str | None], repeat: int
) -> dict[str, float]:
    """Hits, wrong reads and per-frame timings (best of `repeat`) of one decoder."""
    hits = wrong = 0
    times = []
    for name, image in frames.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            text = read(image)
            best = min(best, (time.perf_counter() - start) * 1000)
        times.append(best)
        if text is not None:
            hits += text == truth[name]
            wrong += text != truth[name]
    times.sort()
    return {
        "hits": hits,
        "wrong": wrong,
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
    }


def report(folder: Path, repeat: int) -> None:
    """Score every decoder on one labelled folder and print the markdown table."""
    if not (folder / "truth.json").is_file():
        raise SystemExit(f"no truth.json in {folder}")
    truth = json.loads((folder / "truth.json").read_text())
    frames = {name: cv2.imread(str(folder / name), cv2.IMREAD_COLOR) for name in sorted(truth)}
    expected = sum(text is not None for text in truth.values())

    print(f"Set: {folder} ({len(frames)} frames, {expected} with a code; timings: best of {repeat} per frame)\n")
    print("| decoder | hits / expected | wrong reads | median ms | p95 ms |")
    print("| --- | --- | --- | --- | --- |")
    for name, read in decoders().items():
        s = score(read, frames, truth, repeat)
        print(f"| {name} | {s['hits']} / {expected} | {s['wrong']} | {s['median']:.1f} | {s['p95']:.1f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, help=f"folder of frames + truth.json (default {DEFAULT_SET})")
    parser.add_argument("--generate", type=int, metavar="N", help="generate an N-frame synthetic set first")
    parser.add_argument("--seed", type=int, default=7, help="seed for --generate")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per frame, best kept")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="camera_set_") as scratch:
        folder = args.set or (Path(scratch) if args.generate else DEFAULT_SET)
        if args.generate:
            from camera_set import make_set

            make_set(folder, args.generate, args.seed)
        report(folder, args.repeat)


if __name__ == "__main__":
    main()
