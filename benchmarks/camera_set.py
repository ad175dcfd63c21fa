"""Generate a synthetic, webcam-like set of phone-label frames for bench_camera.py.

Each frame is 1280x720: a cluttered, unevenly lit desk background with, most of
the time, one paper label carrying a QR code or a Code 128 symbol of a code like
K1234567 (a few V1234567 visitor codes), warped by rotation and perspective and
degraded by blur, motion blur, low contrast, sensor noise and JPEG compression.
About a quarter of the frames hold a "NO CODE" label or no label at all.
The set is written with a truth.json in the same format as the shared samples.
Deterministic for a given seed.

    python benchmarks/camera_set.py OUT_DIR [-n 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import barcode
import cv2
import numpy as np
import qrcode

WIDTH, HEIGHT = 1280, 720


def _code128_modules(text: str) -> np.ndarray:
    """Code 128 symbol as a 1-D array of modules (1 = bar), encoded by python-barcode."""
    return np.array([c == "1" for c in barcode.Code128(text).build()[0]], dtype=bool)


def _qr_modules(text: str) -> np.ndarray:
    """QR code as a 2-D array of modules (True = dark), encoded by qrcode."""
    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


def _label(rng: np.random.Generator, kind: str, text: str) -> np.ndarray:
    """A flat label (paper = 1.0, ink = 0.0) as float32, with quiet zones and margins."""
    if kind == "qr":
        modules = _qr_modules(text)
        px = rng.uniform(3.0, 8.0)
        side = int(round(modules.shape[0] * px))
        code = cv2.resize((~modules).astype(np.float32), (side, side), interpolation=cv2.INTER_NEAREST)
        pad = int(round(px * rng.uniform(4, 7)))
        label = np.ones((side + 2 * pad, side + 2 * pad), np.float32)
        label[pad : pad + side, pad : pad + side] = code
        return label
    if kind == "code128":
        modules = _code128_modules(text)
        px = rng.uniform(1.7, 3.6)
        width = int(round(modules.size * px))
        height = int(round(width * rng.uniform(0.15, 0.3)))
        row = cv2.resize((~modules).astype(np.float32)[None, :], (width, 1), interpolation=cv2.INTER_AREA)
        pad_x = int(round(px * rng.uniform(11, 16)))
        pad_y = int(round(height * rng.uniform(0.35, 0.6)))
        label = np.ones((height + 2 * pad_y, width + 2 * pad_x), np.float32)
        label[pad_y : pad_y + height, pad_x : pad_x + width] = np.repeat(row, height, axis=0)
        return label
    # A decoy: a label with printed text but no symbol.
    w, h = int(rng.uniform(220, 380)), int(rng.uniform(100, 170))
    label = np.full((h, w), 255, np.uint8)  # putText draws on 8-bit images only
    cv2.putText(
        label, "NO CODE", (w // 6, h // 2 + 12), cv2.FONT_HERSHEY_SIMPLEX, w / 300, 0, max(2, w // 110), cv2.LINE_AA
    )
    return label.astype(np.float32) / 255


def _background(rng: np.random.Generator) -> np.ndarray:
    """Desk-like clutter under uneven light, as float32 grey levels 0..255."""
    base = rng.uniform(50, 200)
    gx, gy = rng.uniform(-70, 70, 2)
    xs = np.linspace(-0.5, 0.5, WIDTH, dtype=np.float32)
    ys = np.linspace(-0.5, 0.5, HEIGHT, dtype=np.float32)
    bg = np.clip(base + gx * xs[None, :] + gy * ys[:, None], 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(3, 10))):
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        w, h = int(rng.integers(10, 220)), int(rng.integers(5, 160))
        cv2.rectangle(bg, (x, y), (x + w, y + h), int(rng.integers(10, 250)), -1)
    for _ in range(int(rng.integers(0, 3))):
        x, y = int(rng.integers(0, WIDTH - 200)), int(rng.integers(20, HEIGHT))
        cv2.putText(
            bg,
            "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), 8)),
            (x, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            rng.uniform(0.5, 1.2),
            int(rng.integers(0, 255)),
            int(rng.integers(1, 3)),
            cv2.LINE_AA,
        )
    return bg.astype(np.float32)


def _motion_kernel(rng: np.random.Generator) -> np.ndarray:
    """A normalised line kernel for linear motion blur of random length and angle."""
    length = int(rng.integers(3, 10))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    return kernel / kernel.sum()


def make_frame(rng: np.random.Generator, kind: str, text: str | None) -> np.ndarray:
    """Render one BGR frame (before JPEG) holding a label of `kind` ("qr", "code128", "decoy" or "none")."""
    bg = _background(rng)
    if kind != "none":
        label = _label(rng, kind, text or "")
        h, w = label.shape
        low_contrast = rng.random() < 0.3
        paper = rng.uniform(150, 200) if low_contrast else rng.uniform(200, 250)
        ink = paper - (rng.uniform(40, 80) if low_contrast else rng.uniform(140, 200))
        label = ink + (paper - ink) * label
        # Rotation: mostly gentle, sometimes any angle; then a little perspective.
        angle = rng.uniform(-180, 180) if rng.random() < 0.25 else rng.uniform(-35, 35)
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) - [w / 2, h / 2]
        rad = np.deg2rad(angle)
        rot = np.float32([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]])
        dst = corners @ rot.T + rng.normal(0, 0.04 * max(w, h), (4, 2)).astype(np.float32)
        span = dst.max(axis=0) - dst.min(axis=0)
        cx = rng.uniform(span[0] / 2 + 5, max(span[0] / 2 + 6, WIDTH - span[0] / 2 - 5))
        cy = rng.uniform(span[1] / 2 + 5, max(span[1] / 2 + 6, HEIGHT - span[1] / 2 - 5))
        dst = (dst + [cx, cy]).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
        warped = cv2.warpPerspective(label, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones_like(label), matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        bg = bg * (1 - mask) + warped * mask
    roll = rng.random()
    if roll < 0.35:
        bg = cv2.GaussianBlur(bg, (0, 0), rng.uniform(0.6, 1.8))
    elif roll < 0.55:
        bg = cv2.filter2D(bg, -1, _motion_kernel(rng))
    bg = bg + rng.normal(0, rng.uniform(2, 8), bg.shape)
    tint = rng.uniform(0.92, 1.08, 3)
    return np.clip(bg[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)


def make_set(out_dir: Path, n: int = 200, seed: int = 7) -> dict[str, str | None]:
    """Write n frames and truth.json into out_dir; return the truth mapping."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth: dict[str, str | None] = {}
    for i in range(n):
        roll = rng.random()
        kind = "qr" if roll < 0.35 else "code128" if roll < 0.75 else "decoy" if roll < 0.9 else "none"
        text = None
        if kind in ("qr", "code128"):
            text = ("V" if rng.random() < 0.1 else "K") + "".join(str(d) for d in rng.integers(0, 10, 7))
        name = f"gen_{i:04d}.jpg"
        quality = int(rng.integers(35, 92))  # webcam-grade JPEG noise
        cv2.imwrite(str(out_dir / name), make_frame(rng, kind, text), [cv2.IMWRITE_JPEG_QUALITY, quality])
        truth[name] = text
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("-n", type=int, default=200, help="number of frames (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    truth = make_set(args.out_dir, args.n, args.seed)
    print(f"wrote {len(truth)} frames ({sum(v is not None for v in truth.values())} with a code) to {args.out_dir}")


if __name__ == "__main__":
    main()
