"""Label codes: short, unambiguous, self-checking.

A code is one prefix letter and seven digits, e.g. ``K1234566``:

* the prefix says what the label is on (``K`` a pupil's phone, ``V`` a visitor's
  phone in the tray, ``S`` a visitor's slip, scanned to sign out);
* six serial digits;
* one Damm check digit, computed over the prefix's digit and the serial.

Digits only after the prefix: nothing to confuse (O/0, I/1, S/5), no keyboard-layout
surprises from a USB keyboard-wedge scanner, and Code 128 packs digit pairs densely.
The Damm algorithm detects every single-digit substitution and every transposition of
two adjacent digits, so a misread or random typing is rejected before any database
lookup. The prefix is part of the checked string (mapped to a digit), so a changed
prefix is caught too.
"""

from __future__ import annotations

import re
import secrets

from models.errors import InvalidCode, KioskError, ScanOutcome

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

PUPIL_PREFIX = "K"
VISITOR_PREFIX = "V"
SLIP_PREFIX = "S"  # a visitor slip's sign-out QR code: never on a phone label
# Each prefix maps to a distinct digit that is fed to the check first.
PREFIXES = {PUPIL_PREFIX: 1, VISITOR_PREFIX: 2, SLIP_PREFIX: 3}
SERIAL_DIGITS = 6
CODE_LENGTH = 1 + SERIAL_DIGITS + 1

_SHAPE = re.compile(r"^[A-Z][0-9]{%d}$" % (SERIAL_DIGITS + 1))


def damm_digit(digits: str) -> int:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def check_digit(prefix: str, serial: str) -> str:
    return str(damm_digit(str(PREFIXES[prefix]) + serial))


def make_code(prefix: str, serial: int) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix {prefix!r}")
    if not 0 <= serial < 10**SERIAL_DIGITS:
        raise ValueError("serial out of range")
    body = f"{serial:0{SERIAL_DIGITS}d}"
    return prefix + body + check_digit(prefix, body)


def random_code(prefix: str = PUPIL_PREFIX) -> str:
    return make_code(prefix, secrets.randbelow(10**SERIAL_DIGITS))


def is_valid(code: str) -> bool:
    if not _SHAPE.match(code) or code[0] not in PREFIXES:
        return False
    return damm_digit(str(PREFIXES[code[0]]) + code[1:]) == 0


_CODE_LIKE = re.compile(r"^[A-Za-z]?[0-9]{5,}$")


def looks_like_code(text: str) -> bool:
    """Text shaped like a label code, valid or not: a letter (or none) and five or more digits,
    nothing else. No one's name looks like this: typed into a name field, it is a misread scan."""
    return bool(_CODE_LIKE.match(text.strip()))


def printable(text: str, limit: int = 24) -> str:
    """A safe, short rendering of untrusted scanned text for an error message.

    Control characters and escape sequences are shown as ``?`` so nothing typed or
    scanned is ever echoed raw to a terminal.
    """
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def normalise(text: str) -> str:
    """Parse scanned or typed text into a valid code, or raise :class:`InvalidCode`.

    Surrounding whitespace is ignored and letters are upper-cased (a scanner with
    caps lock on still works). Anything else is refused with a plain message.
    """
    if not isinstance(text, str):
        raise InvalidCode("Invalid code: not text.")
    code = text.strip().upper()
    if not code:
        raise InvalidCode("Nothing was scanned.")
    if code.isdigit() and 6 <= len(code) <= 12:  # a PIN typed into the scan field: never shown back
        raise InvalidCode("That is not a label code (a letter and 7 digits): if it was a PIN, it was not shown.")
    if len(code) != CODE_LENGTH or not _SHAPE.match(code):
        raise InvalidCode(f"Invalid code {printable(text.strip())!r}: a label code is a letter and 7 digits.")
    if code[0] not in PREFIXES:
        raise InvalidCode(f"Invalid code {code}: no label starts with {code[0]!r}.")
    if not is_valid(code):
        raise InvalidCode(f"Invalid code {code}: the check digit is wrong (misread or mistyped).")
    return code


# ---------------------------------------------------------------- what a code is for

CODE_KINDS = {SLIP_PREFIX: "visitor's slip", VISITOR_PREFIX: "visitor's phone label"}
WHERE_TO_USE = {
    SLIP_PREFIX: "sign visitors out on the Visitors screen",
    VISITOR_PREFIX: "receive and return visitors' phones on the Visitors screen",
}


class NotAPupilPhone(KioskError):
    """A valid code that is not a pupil's phone label (a slip or a visitor's phone)."""

    outcome = ScanOutcome.NOT_PUPIL


def pupil_phone_code(text: str) -> str:
    """Like :func:`normalise`, but only a pupil's phone label (K) passes.

    An S or V code is refused in one line that says what it is and where to use it,
    so the hand-in and release scans never touch a slip or a visitor's phone.
    """
    code = normalise(text)
    if code[0] != PUPIL_PREFIX:
        raise NotAPupilPhone(f"{code} is a {CODE_KINDS[code[0]]}: {WHERE_TO_USE[code[0]]}.")
    return code
