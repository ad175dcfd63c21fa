"""Rendering documents: ESC/POS through python-escpos, or a plain-text preview.

Layout is done once, here, for both outputs: a document becomes a list of lines and
graphic items at a given column count, so the preview on screen wraps exactly where
the paper does.

Columns: Font A is 12 dots wide. 80 mm paper has 72 mm (576 dots at 203 dpi)
printable, 48 columns; 58 mm paper has 48 mm (384 dots), 32 columns. A printer with a
narrower head (TM-T88 series: 512 dots, 42 columns) takes ``columns=42``.

Character encoding: pinned to **CP858** (code page 19 on Epson-compatible printers).
It is CP850 (the DOS Western European page) with the euro sign: it has £, €, and the
accented capitals and small letters of the names a UK primary school actually sees
(Irish fadas Á É Í Ó Ú, ç ñ ß ø å, German umlauts, Portuguese ã õ), where CP437 lacks
most capitals (Á Í Ó Ú Ã Õ Ø). Every job starts with ``ESC @`` (which resets the
code page) followed by ``ESC t 19``, so the bytes are reproducible whatever state the
printer was left in, and python-escpos's "magic" encoder is pinned to that page (it
would otherwise switch code pages per character). Characters outside CP858 are
transliterated first (``ł`` -> ``l``; see ``text.to_codepage``). Profiles that do not
list CP858 (a few clones, the ``simple`` profile) fall back to CP437, page 0, which
every ESC/POS printer has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from . import code128
from ._escpos import printer_module, quiet_stdout
from .documents import (
    QR_ERROR_CORRECTION,
    Band,
    Barcode128,
    Cut,
    Document,
    Feed,
    Heading,
    KeyValue,
    Paragraph,
    QRCode,
    Rule,
    SignatureLine,
    Text,
)
from .errors import PrinterConfigError
from .text import cells, clean, pad, to_codepage, wrap

PAPER_COLUMNS = {80: 48, 58: 32}
PAPER_DOTS = {80: 576, 58: 384}
DEFAULT_ENCODING = "CP858"
FALLBACK_ENCODING = "CP437"
_PYTHON_CODECS = {"CP858": "cp858", "CP437": "cp437"}

ESC = b"\x1b"
_SELECT_COLOUR = {False: ESC + b"r\x00", True: ESC + b"r\x01"}  # ESC r n: black / second colour


def columns_for(paper_mm: int) -> int:
    """Text columns of Font A on ``paper_mm`` (80 or 58) paper."""
    try:
        return PAPER_COLUMNS[paper_mm]
    except KeyError:
        raise ValueError(f"paper_mm must be 80 or 58, not {paper_mm!r}") from None


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Style:
    align: str = "left"
    size: int = 1  # 1 normal, 2 double width and height, 3 double height only
    bold: bool = False
    underline: bool = False
    invert: bool = False
    red: bool = False


_NORMAL = _Style()


@dataclass(frozen=True)
class _Line:
    style: _Style
    segments: tuple[tuple[str, bool], ...]  # (text, bold)

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.segments)


@dataclass(frozen=True)
class _BandLine:
    text: str


@dataclass(frozen=True)
class _QR:
    content: str
    size: int


@dataclass(frozen=True)
class _Barcode:
    code: str
    height: int
    hri: bool


@dataclass(frozen=True)
class _Feed:
    lines: int


@dataclass(frozen=True)
class _Cut:
    partial: bool


def _plain(style: _Style, text: str, bold: bool = False) -> _Line:
    return _Line(style, ((text, bold),))


def _layout(doc: Document, cols: int, conv: Callable[[str], str]) -> list[Any]:
    """Document -> lines and items for ``cols`` columns; ``conv`` cleans user text."""
    ops: list[Any] = []
    half = max(cols // 2, 1)
    for block in doc.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                style, width = _Style(align="center", size=2), half
            else:
                style, width = _Style(size=3), cols
            ops += [_plain(style, line, True) for line in wrap(conv(block.text), width)]
        elif isinstance(block, Text):
            style = _Style(align=block.align, size=block.size, underline=block.underline)
            width = half if block.size == 2 else cols
            ops += [_plain(style, line, block.bold) for line in wrap(conv(block.text), width)]
        elif isinstance(block, Paragraph):
            first = " " * block.indent + ("- " if block.bullet else "")
            rest = " " * (block.indent + (2 if block.bullet else 0))
            ops += [_plain(_NORMAL, line) for line in wrap(conv(block.text), cols, first=first, rest=rest)]
        elif isinstance(block, Band):
            ops += [_BandLine(line) for line in wrap(conv(block.text), half)]
        elif isinstance(block, KeyValue):
            ops += _layout_key_values(block, cols, conv)
        elif isinstance(block, QRCode):
            ops.append(_QR(clean(block.content), block.size))
            if block.caption:
                ops += [_plain(_Style(align="center"), line) for line in wrap(conv(block.caption), cols)]
        elif isinstance(block, Barcode128):
            ops.append(_Barcode(block.code, block.height, block.hri))
        elif isinstance(block, Rule):
            ops.append(_plain(_NORMAL, block.char * cols))
        elif isinstance(block, SignatureLine):
            ops.append(_Feed(2))
            ops.append(_plain(_NORMAL, "_" * cols))
            role = conv(block.role)
            name = conv(block.name)
            label = f"{role}: {name}" if name else role
            for i, line in enumerate(wrap(label, cols)):
                if i == 0 and line.startswith(role):
                    ops.append(_Line(_NORMAL, ((role, True), (line[len(role) :], False))))
                else:
                    ops.append(_plain(_NORMAL, line))
            if block.with_date:
                ops.append(_Feed(1))
                ops.append(_plain(_NORMAL, "Date: " + "_" * min(16, max(cols - 6, 1))))
        elif isinstance(block, Feed):
            ops.append(_Feed(block.lines))
        elif isinstance(block, Cut):
            ops.append(_Cut(block.partial))
        else:  # pragma: no cover - Document validates block types
            raise TypeError(f"not a printing block: {type(block).__name__}")
    return ops


def _layout_key_values(block: KeyValue, cols: int, conv: Callable[[str], str]) -> list[_Line]:
    rows = [(conv(k) + ":", conv(v)) for k, v in block.rows]
    if not rows:
        return []
    key_width = max(cells(k) for k, _ in rows) + 1
    ops: list[_Line] = []
    if key_width > cols // 2:  # keys too long for a value column: stack them
        for key, value in rows:
            ops += [_plain(_NORMAL, line, True) for line in wrap(key, cols)]
            ops += [_plain(_NORMAL, line) for line in wrap(value, cols, first="  ")]
        return ops
    for key, value in rows:
        lines = wrap(value, cols - key_width)
        ops.append(_Line(_NORMAL, ((pad(key, key_width), True), (lines[0], False))))
        ops += [_plain(_NORMAL, " " * key_width + line) for line in lines[1:]]
    return ops


# --------------------------------------------------------------------------- text preview


def to_text(doc: Document, width: int = 48) -> str:
    """Plain-text preview, wrapped where the paper wraps (48 columns on 80 mm, 32 on 58 mm).

    No line is longer than ``width``. QR codes and barcodes show as ``[QR: ...]`` and
    ``[Code 128: ...]``, the band as ``### WORD ###``, a cut as a line of ``~``.
    """
    if width < 16:
        raise ValueError("width must be at least 16 columns")
    out: list[str] = []

    def put(line: str, align: str = "left") -> None:
        if align in ("center", "right"):
            line = pad(line, width, align)  # in cells: an emoji takes two
        out.append(line.rstrip())

    for op in _layout(doc, width, clean):
        if isinstance(op, _Line):
            put(op.text, op.style.align)
        elif isinstance(op, _BandLine):
            out.append(pad(f" {op.text} ", width, "center", "#"))
        elif isinstance(op, _QR):
            for line in wrap(f"[QR: {op.content}]", width):
                put(line, "center")
        elif isinstance(op, _Barcode):
            put(f"[Code 128: {op.code}]", "center")
        elif isinstance(op, _Feed):
            out += [""] * op.lines
        elif isinstance(op, _Cut):
            out.append("~" * width)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- ESC/POS


def _pick_encoding(printer: Any, wanted: str) -> str:
    pages = printer.profile.get_code_pages()
    for name in (wanted.upper(), FALLBACK_ENCODING):
        if name in pages and name in _PYTHON_CODECS:
            return name
    raise PrinterConfigError(
        f"Printer profile '{printer.profile.profile_data.get('name', '?')}' has neither "
        f"{wanted} nor {FALLBACK_ENCODING}."
    )


def _has_red(printer: Any) -> bool:
    colours = printer.profile.profile_data.get("colors") or {}
    return "red" in colours.values()


class _Writer:
    """Sends only the style changes each line needs, tracking what the printer is in."""

    def __init__(self, printer: Any) -> None:
        self.p = printer
        self.state = _NORMAL  # what ESC @ leaves

    def style(self, want: _Style) -> None:
        p, cur = self.p, self.state
        if want.size != cur.size:
            if want.size == 2:
                p.set(double_width=True, double_height=True)
            elif want.size == 3:
                p.set(double_height=True)
            else:
                p.set(normal_textsize=True)
            # the size is set with ESC !, which also turns bold and underline off
            cur = replace(cur, size=want.size, bold=False, underline=False)
        if want.bold != cur.bold:
            p.set(bold=want.bold)
        if want.underline != cur.underline:
            p.set(underline=1 if want.underline else 0)
        if want.align != cur.align:
            p.set(align=want.align)
        if want.invert != cur.invert:
            p.set(invert=want.invert)
        if want.red != cur.red:
            p._raw(_SELECT_COLOUR[want.red])
        self.state = want

    def line(self, style: _Style, segments: Iterable[tuple[str, bool]]) -> None:
        for text, bold in segments:
            self.style(replace(style, bold=bold))
            if text:
                self.p.text(text)
        self.p.text("\n")


def render_escpos(
    doc: Document,
    printer: Any,
    paper_mm: int = 80,
    *,
    columns: int | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> None:
    """Write ``doc`` to any python-escpos printer object (Dummy, Network, Usb, ...).

    Starts with ``ESC @`` and ``ESC t`` (code page), so the output does not depend on
    what an earlier, perhaps interrupted, job left behind.
    """
    cols = columns or columns_for(paper_mm)
    columns_for(paper_mm)  # 80 or 58, even when columns is given
    dots = PAPER_DOTS[paper_mm]
    enc = _pick_encoding(printer, encoding)
    codec = _PYTHON_CODECS[enc]

    def conv(value: str) -> str:
        return to_codepage(clean(value), codec)

    red = _has_red(printer)
    printer.hw("INIT")
    printer.magic.encoding = None  # ESC @ reset the code page: make charcode() send ESC t again
    printer.charcode(enc)
    w = _Writer(printer)
    profile = printer.profile
    for op in _layout(doc, cols, conv):
        if isinstance(op, _Line):
            w.line(op.style, op.segments)
        elif isinstance(op, _BandLine):
            if red:
                w.line(_Style(align="center", size=2, red=True), ((op.text, True),))
            else:  # white on black across the whole width
                w.line(_Style(size=2, invert=True), ((op.text.center(cols // 2), True),))
        elif isinstance(op, _QR):
            _qr(w, op, profile)
        elif isinstance(op, _Barcode):
            _barcode(w, op, dots, profile)
        elif isinstance(op, _Feed):
            w.style(replace(w.state, invert=False, red=False))
            printer.text("\n" * op.lines)
        elif isinstance(op, _Cut):
            w.style(_NORMAL)
            printer.cut(mode="PART" if op.partial else "FULL")


def _qr(w: _Writer, op: _QR, profile: Any) -> None:
    ec = {"L": 0, "M": 1, "Q": 2, "H": 3}[QR_ERROR_CORRECTION]
    w.style(_Style(align="center"))
    if profile.supports("qrCode"):
        w.p.qr(op.content, ec=ec, size=op.size, native=True)
        w.p.text("\n")
    else:  # the printer cannot draw QR codes: send it as a raster image
        with quiet_stdout():
            w.p.qr(op.content, ec=ec, size=op.size, native=False, center=True)


def _barcode(w: _Writer, op: _Barcode, dots: int, profile: Any) -> None:
    width = code128.module_dots(op.code, dots) or 2
    w.style(_Style(align="center"))
    with quiet_stdout():
        if profile.supports("barcodeB"):
            w.p.barcode(
                code128.payload(op.code),
                "CODE128",
                height=op.height,
                width=width,
                pos="BELOW" if op.hri else "OFF",
                font="A",
                align_ct=True,
                function_type="B",
            )
        elif any(profile.supports(m) for m in ("graphics", "bitImageColumn", "bitImageRaster")):
            w.p.barcode(op.code, "CODE128", height=op.height, width=width, align_ct=True, force_software=True)
        else:  # no barcode support at all: at least print the code
            w.p.text(op.code + "\n")
    # barcode() sent ESC a 1 itself; our tracked state already says "center"


def to_bytes(
    doc: Document,
    paper_mm: int = 80,
    profile: str = "default",
    *,
    columns: int | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> bytes:
    """Render ``doc`` through python-escpos's Dummy printer and return the bytes.

    The result is deterministic for a given document, paper, profile and encoding, so
    it can be stored in the outbox and sent (or re-sent) later with ``send()``.
    """
    columns_for(paper_mm)  # validate early
    Dummy = printer_module().Dummy
    try:
        printer = Dummy(profile=profile)
    except KeyError:
        raise PrinterConfigError(f"Unknown printer profile '{profile}'.") from None
    render_escpos(doc, printer, paper_mm, columns=columns, encoding=encoding)
    return printer.output
