"""Camera barcode pipeline: frame sources, a QR / Code 128 decoder, a debouncer, a self-test.

UI-free. OpenCV, NumPy and pyzbar are imported on first use, never at import time,
so the app starts fast and only pays for OpenCV when the camera is first used.

Decoding is a cheap-first cascade over a few regions of interest (ROIs), never the
whole frame (zbar on a full 1280x720 frame costs ~25 ms; on an ROI, ~1 ms):

1. ROIs: cells of dense texture (bars, modules, print), found on an 8x8-cell map of
   pixel differences, at most four, strongest first (see _regions).
2. Deskew: each ROI is rotated so that its dominant gradient is horizontal. zbar
   scans rows and columns only, so Code 128 tilted by more than a few degrees is
   otherwise unreadable; this step alone gives most of the gain over plain pyzbar.
3. Pass 1 decodes every deskewed ROI as it is. Only if none reads, pass 2 tries
   enhanced variants of each ROI in turn (smoothing along the bars, upscaling across
   them, unsharp mask, Otsu / adaptive threshold, CLAHE) and stops at the first read.

Zero wrong reads comes first: a read must match `pattern`; a Code 128 must be seen
on two or more scan lines (single-line reads were measured to be wrong yet
plausible-looking, e.g. ",2917140" for K2917140); an image that zbar reads two ways
counts as unread; and ROIs that read different codes make the frame None.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

DEFAULT_PATTERN = r"^[A-Z][0-9]{7}$"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
CAMERA_TEST_FRAMES = 100  # frames camera_test() reads from a live camera unless told otherwise

_CELL = 8  # side of the cells of the texture map, in pixels
_MAX_REGIONS = 4  # ROIs decoded per frame
_MAX_SIDE = 1920  # larger frames are shrunk first: decoding time grows with pixels


class CameraError(Exception):
    """A camera, video or image source problem, with a one-line plain-English message."""


@dataclass(frozen=True)
class Frame:
    """One frame: a name (file name, or frame number as text) and a BGR image."""

    name: str
    image: np.ndarray


@dataclass(frozen=True)
class Decoded:
    """The decoder's answer for one frame; text is None when nothing plausible was read."""

    text: str | None
    symbology: str | None
    ms: float


@dataclass(frozen=True)
class FrameResult:
    """One line of a camera self-test."""

    frame: str
    code: str | None
    symbology: str | None
    ms: float


@functools.cache
def _cv2() -> ModuleType:
    try:
        import cv2
    except ImportError as exc:
        raise CameraError(f"OpenCV is not installed ({exc}).") from None
    # OpenCV's warnings go to stderr and would scribble over the terminal UI;
    # failures reach the user as CameraError instead.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2


@functools.cache
def _np() -> ModuleType:
    try:
        import numpy
    except ImportError as exc:
        raise CameraError(f"NumPy is not installed ({exc}).") from None
    return numpy


@functools.cache
def _zbar() -> tuple[Callable[..., Any], list[Any], type[Exception]]:
    """pyzbar's decode function, the symbologies labels use (QR code, Code 128), its error."""
    try:
        from pyzbar.pyzbar import ZBarSymbol, decode
        from pyzbar.pyzbar_error import PyZbarError
    except ImportError as exc:  # also raised when the zbar shared library is missing
        raise CameraError(f"Barcode reading is unavailable: {exc}.") from None
    return decode, [ZBarSymbol.QRCODE, ZBarSymbol.CODE128], PyZbarError


# --------------------------------------------------------------------------- sources


class FrameSource:
    """An iterator of Frames that owns its capture; close() (or `with`) releases it."""

    def __init__(self, frames: Iterator[Frame], capture: Any = None) -> None:
        self._frames = frames
        self._capture = capture

    def __iter__(self) -> FrameSource:
        return self

    def __next__(self) -> Frame:
        try:
            return next(self._frames)
        except (StopIteration, CameraError):
            self.close()
            raise
        except _cv2().error as exc:
            self.close()
            raise CameraError(f"Cannot read frame: {_reason(exc)}") from None

    def close(self) -> None:
        """Stop iterating and release the camera or video file."""
        self._frames.close()
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_source(spec: str | int | os.PathLike[str]) -> FrameSource:
    """Open a camera device index (int or digit string), a video file, or a folder of images.

    A folder yields its image files sorted by name (other files are ignored); a single
    image file yields itself. Raises CameraError at once if the source cannot be opened
    or holds no frames.
    """
    index = _device_index(spec)
    if index is not None:
        return _open_device(index)
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not files:
            raise CameraError(f"No images in folder: {path}")
        return _open_images(files)
    if path.is_file():
        return _open_images([path]) if path.suffix.lower() in IMAGE_SUFFIXES else _open_video(path)
    raise CameraError(f"Camera source not found: {path}")


def _device_index(spec: str | int | os.PathLike[str]) -> int | None:
    """The camera index that spec names (an int or a digit string), if it names one."""
    if isinstance(spec, int):
        return spec
    return int(spec) if isinstance(spec, str) and spec.strip().isdigit() else None


def _open_device(index: int) -> FrameSource:
    cv2 = _cv2()
    try:
        capture = cv2.VideoCapture(index)
        opened = capture.isOpened()
    except cv2.error:
        opened = False
    if not opened:
        raise CameraError(f"No camera found at device {index}.")

    def frames() -> Iterator[Frame]:
        number = 0
        while True:
            ok, image = capture.read()
            if not ok:
                raise CameraError(f"Camera at device {index} stopped sending frames.")
            yield Frame(str(number), image)
            number += 1

    return FrameSource(frames(), capture)


def _open_video(path: Path) -> FrameSource:
    cv2 = _cv2()
    try:
        capture = cv2.VideoCapture(str(path))
        ok, first = capture.read() if capture.isOpened() else (False, None)
    except cv2.error:
        ok, first = False, None
    if not ok:
        raise CameraError(f"Cannot read video file: {path}")

    def frames() -> Iterator[Frame]:
        image, number = first, 0
        while True:
            yield Frame(str(number), image)
            more, image = capture.read()
            if not more:
                return
            number += 1

    return FrameSource(frames(), capture)


def _open_images(files: list[Path]) -> FrameSource:
    cv2 = _cv2()

    def frames() -> Iterator[Frame]:
        for file in files:
            image = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if image is None:
                raise CameraError(f"Cannot read image file: {file}")
            yield Frame(file.name, image)

    return FrameSource(frames())


def _reason(exc: Exception) -> str:
    """A short reason from an OpenCV or zbar error, e.g. '!_src.empty()'."""
    return getattr(exc, "err", "") or str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- decoding


class Decoder:
    """Reads one label code (QR code or Code 128) per frame, preferring None to a guess.

    `pattern` is a regular expression the whole decoded text must match.
    """

    def __init__(self, pattern: str = DEFAULT_PATTERN) -> None:
        self.pattern = re.compile(pattern)

    def decode(self, image: np.ndarray) -> Decoded:
        """Decode a BGR (or greyscale) frame; text is None unless exactly one plausible code was read."""
        start = time.perf_counter()
        try:
            read = self._decode(_gray(image))
        except (_cv2().error, _zbar()[2]) as exc:
            raise CameraError(f"Cannot decode frame: {_reason(exc)}") from None
        text, symbology = read if read else (None, None)
        return Decoded(text, symbology, (time.perf_counter() - start) * 1000)

    def _decode(self, gray: np.ndarray) -> tuple[str, str] | None:
        crops = [_deskew(gray[y0:y1, x0:x1]) for x0, y0, x1, y1 in _regions(gray, _MAX_REGIONS)]
        # Pass 1: every ROI as it is (once deskewed); reads from all ROIs must agree.
        reads = set().union(*(self._read(crop) for crop, _ in crops))
        if reads:
            return _single(reads)
        # Pass 2: enhanced variants, ROI by ROI, until one reads.
        for crop, one_d in crops:
            for variant in _enhanced(crop, one_d):
                reads = self._read(variant)
                if reads:
                    return _single(reads)
        return None

    def _read(self, image: np.ndarray) -> set[tuple[str, str]]:
        """The plausible (text, symbology) read of one image: empty, or a single pair."""
        decode, symbols, _ = _zbar()
        found = decode(image, symbols=symbols)
        if len({symbol.data for symbol in found}) != 1:
            return set()  # nothing, or one image read two ways: trust neither
        symbol = found[0]
        text = symbol.data.decode("latin-1")
        if symbol.type == "CODE128" and symbol.quality < 2:
            return set()  # seen on a single scan line: such reads can be wrong yet plausible
        return {(text, symbol.type)} if self.pattern.fullmatch(text) else set()


def _single(reads: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The one code read, or None if reads disagree on the text."""
    return next(iter(reads)) if len({text for text, _ in reads}) == 1 else None


def _gray(image: np.ndarray) -> np.ndarray:
    """The frame in greyscale, shrunk to at most _MAX_SIDE pixels a side."""
    cv2, np = _cv2(), _np()
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3) or not image.size:
        raise CameraError("Not an 8-bit image.")
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY)
    scale = _MAX_SIDE / max(image.shape)
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


def _regions(gray: np.ndarray, limit: int) -> list[tuple[int, int, int, int]]:
    """Up to `limit` boxes (x0, y0, x1, y1) around dense texture, strongest first.

    Texture is the mean absolute pixel difference over 8x8 cells, opened with a 3x3
    kernel so that lone edges of boxes and labels vanish while bars and modules stay.
    Hysteresis: cells well above the frame's noise floor seed a region, which then
    takes in the connected cells above a lower threshold, so a faint code next to
    high-contrast print still gets a whole box rather than a sliver.
    """
    cv2, np = _cv2(), _np()
    h, w = gray.shape
    if h < 4 * _CELL or w < 4 * _CELL:
        return [(0, 0, w, h)]
    edges = cv2.add(cv2.absdiff(gray[:-1, 1:], gray[:-1, :-1]), cv2.absdiff(gray[1:, :-1], gray[:-1, :-1]))
    texture = cv2.resize(edges, (w // _CELL, h // _CELL), interpolation=cv2.INTER_AREA)
    texture = cv2.morphologyEx(texture, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    floor, peak = float(np.median(texture)), float(texture.max())
    if peak - floor < 4:
        return []
    spread = max(1.0, float(np.median(np.abs(texture.astype(np.float32) - floor))))
    seeds = texture > floor + 0.4 * (peak - floor)
    low = ((texture > floor + max(0.2 * (peak - floor), 5 * spread)) | seeds).astype(np.uint8)
    low = cv2.morphologyEx(low, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11)))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(low, np.ones((3, 3), np.uint8)))
    strength: dict[int, float] = {}
    for label, value in zip(labels[seeds].tolist(), texture[seeds].tolist(), strict=True):
        strength[label] = max(value, strength.get(label, 0.0))
    boxes = []
    for label in sorted(strength, key=lambda k: -strength[k])[:limit]:
        x, y, bw, bh = (int(v) for v in stats[label, :4])
        boxes.append(
            (
                max(0, (x - 2) * _CELL),
                max(0, (y - 2) * _CELL),
                min(w, (x + bw + 2) * _CELL),
                min(h, (y + bh + 2) * _CELL),
            )
        )
    return boxes


def _deskew(crop: np.ndarray) -> tuple[np.ndarray, bool]:
    """Rotate the crop so its dominant gradient is horizontal; also say if it looks 1-D."""
    cv2, np = _cv2(), _np()
    gx = cv2.Scharr(crop, cv2.CV_32F, 1, 0)  # Scharr: far less orientation bias than Sobel
    gy = cv2.Scharr(crop, cv2.CV_32F, 0, 1)
    magnitude, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
    # Histogram of doubled angles, so both edges of a bar vote alike: 72 bins of 2.5 degrees.
    bins = np.rint(angle * 0.4).astype(np.int32) % 72
    hist = np.bincount(bins.ravel(), weights=magnitude.ravel(), minlength=72)
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
    top = int(np.argmax(smooth))
    near = np.arange(top - 2, top + 3)
    vector = (hist[near % 72] * np.exp(1j * np.radians(near * 5.0))).sum()
    theta = float(np.degrees(np.angle(vector))) / 2
    one_d = smooth[top] > 2 * smooth[(top + 36) % 72]  # a QR code has a second peak at 90 degrees
    if abs(theta) < 1:
        return crop, one_d
    h, w = crop.shape
    cos, sin = abs(np.cos(np.radians(theta))), abs(np.sin(np.radians(theta)))
    out_w, out_h = int(w * cos + h * sin), int(w * sin + h * cos)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), theta, 1.0)
    matrix[:, 2] += ((out_w - w) / 2, (out_h - h) / 2)
    return cv2.warpAffine(crop, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), one_d


def _enhanced(crop: np.ndarray, one_d: bool) -> Iterator[np.ndarray]:
    """Enhanced variants of a deskewed crop, most often useful first.

    A 1-D crop is first smoothed along its bars (upright now), which removes noise
    without blurring the code, then upscaled across the bars only.
    """
    cv2 = _cv2()
    clean = cv2.blur(crop, (1, 9)) if one_d else crop
    up = cv2.resize(clean, None, fx=2, fy=1 if one_d else 2, interpolation=cv2.INTER_CUBIC)
    sharp = _unsharp(up, sigma=2.0, amount=1.5)
    yield cv2.threshold(sharp, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    if one_d:
        yield cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(cv2.blur(up, (1, 17)))
    yield cv2.adaptiveThreshold(sharp, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 63, 2)
    if one_d:  # last resort for thin, blurred bars: 3x upscale and a hard unsharp mask
        up = cv2.resize(clean, None, fx=3, fy=1, interpolation=cv2.INTER_CUBIC)
        yield cv2.threshold(_unsharp(up, sigma=3.0, amount=3.0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _unsharp(image: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    cv2 = _cv2()
    return cv2.addWeighted(image, 1 + amount, cv2.GaussianBlur(image, (0, 0), sigma), -amount, 0)


# --------------------------------------------------------------------------- debouncing


class Debouncer:
    """Suppresses repeat scans: a code seen again within `window_s` seconds is ignored.

    Every sighting restarts the window, so a phone left in front of the camera
    is reported once, not every few seconds.
    """

    def __init__(self, window_s: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._last_seen: dict[str, float] = {}

    def seen(self, code: str) -> bool:
        """True if `code` was seen within the window (so ignore it); records this sighting."""
        now = self.clock()
        self._last_seen = {c: t for c, t in self._last_seen.items() if now - t < self.window_s}
        repeat = code in self._last_seen
        self._last_seen[code] = now
        return repeat


# --------------------------------------------------------------------------- self-test


def camera_test(
    spec: str | int | os.PathLike[str], decoder: Decoder | None = None, max_frames: int | None = None
) -> list[FrameResult]:
    """Decode every frame of a source (a live camera: the first CAMERA_TEST_FRAMES frames)."""
    decoder = decoder or Decoder()
    source = open_source(spec)
    if max_frames is None and _device_index(spec) is not None:
        max_frames = CAMERA_TEST_FRAMES
    results = []
    with source:
        for frame in source:
            read = decoder.decode(frame.image)
            results.append(FrameResult(frame.name, read.text, read.symbology, read.ms))
            if max_frames is not None and len(results) >= max_frames:
                break
    return results


def format_results(results: list[FrameResult], fmt: Literal["text", "json"] = "text") -> str:
    """Render self-test results: one line per frame, or a JSON list of {frame, code, ms}."""
    if fmt == "json":
        return json.dumps([{"frame": r.frame, "code": r.code, "ms": round(r.ms, 1)} for r in results], indent=2)
    if fmt != "text":
        raise ValueError(f"Unknown format: {fmt!r} (use 'text' or 'json').")
    width = max((len(r.frame) for r in results), default=0)
    return "\n".join(f"{r.frame:<{width}}  {r.code or '-':<8}  {r.ms:.1f} ms" for r in results)
