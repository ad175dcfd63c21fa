"""Code 128 payloads for the printer's own barcode engine (ESC/POS ``GS k``, m = 73).

Epson's Code 128 takes the data prefixed with a code-set selector: ``{B`` starts in
code set B (printable ASCII), ``{C`` switches to code set C, where each byte is a
*pair* of digits sent as one binary value 0-99. Our label codes are a letter and seven
digits (``K1234566``), so ``{BK1{C`` + three digit pairs is 22 modules shorter than
all-B: at three dots a module the symbol then fits 58 mm paper too (see
:func:`module_dots`).

Module arithmetic (ISO/IEC 15417): every symbol character is 11 modules wide, the stop
pattern 13; a symbol is start + data characters + check character + stop, and needs a
quiet zone of 10 modules each side.
"""

from __future__ import annotations

import re

QUIET_ZONE_MODULES = 10
_ALLOWED = re.compile(r"^[\x20-\x7a\x7c-\x7e]+$")  # printable ASCII except "{" (Epson's escape)


def is_encodable(code: str) -> bool:
    return bool(_ALLOWED.match(code))


def _split(code: str) -> tuple[str, str]:
    """Split into a code-set-B head and an even-length digit tail worth packing as set C."""
    i = len(code)
    while i > 0 and code[i - 1].isdigit() and code[i - 1].isascii():
        i -= 1
    head, digits = code[:i], code[i:]
    if len(digits) % 2:
        head, digits = head + digits[0], digits[1:]
    if len(digits) < 4:  # switching costs one character: only worth it from two pairs
        return code, ""
    return head, digits


def payload(code: str) -> str:
    """The ``GS k`` data for ``code``, with its code-set selectors."""
    if not is_encodable(code):
        raise ValueError(f"Code 128 text must be printable ASCII without '{{': {code!r}")
    head, digits = _split(code)
    pairs = "".join(chr(int(digits[i : i + 2])) for i in range(0, len(digits), 2))
    if not digits:
        return "{B" + head
    if not head:
        return "{C" + pairs
    return "{B" + head + "{C" + pairs


def modules(code: str) -> int:
    """Width of the symbol for ``code`` in modules, quiet zones excluded."""
    head, digits = _split(code)
    data_chars = len(head) + (1 if head and digits else 0) + len(digits) // 2
    return 11 * (1 + data_chars + 1) + 13


def module_dots(code: str, printable_dots: int, preferred: int = 3) -> int | None:
    """The widest module (2..preferred dots, ESC/POS ``GS w``) at which the symbol and its
    quiet zones fit the printable width, or None if even 2 dots is too wide."""
    total = modules(code) + 2 * QUIET_ZONE_MODULES
    for dots in range(preferred, 1, -1):
        if total * dots <= printable_dots:
            return dots
    return None
