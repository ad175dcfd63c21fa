"""Text hygiene shared by the previews and the ESC/POS renderer.

Everything a user typed (a visitor's name, an organisation) passes through
:func:`clean` before it is laid out, so it cannot carry printer commands: ESC/POS
commands all start with a control byte (ESC 0x1B, GS 0x1D, DLE 0x10, FS 0x1C, ...),
and after :func:`clean` the text has no control character of any kind (Unicode
categories Cc, Cf, Cs, Co, Zl, Zp are removed or turned into spaces).

:func:`to_codepage` then maps the cleaned text onto the printer's single-byte code
page (CP858 by default, see ``render.py``), transliterating what the code page lacks
(``ł`` -> ``l``, ``“`` -> ``"``) so that no character turns into a stray byte.
"""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import date, datetime
from functools import lru_cache

# Categories that never reach the paper: controls (C0, DEL, C1), format characters
# (bidi overrides, zero-width joiners), surrogates, private use, unassigned.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Whitespace-like controls become a space rather than vanishing, so "Ann\tLee" stays two words.
_SPACE_CONTROLS = {"\t", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029"}

# What to print when the code page lacks a character and Unicode decomposition does
# not give a plain letter (NFKD handles é, ś, ż, ñ ... already).
_TRANSLITERATE = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ħ": "h",
    "Ħ": "H",
    "ı": "i",
    "ŀ": "l",
    "Ŀ": "L",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ß": "ss",
    "þ": "th",
    "Þ": "Th",
    "ð": "d",
    "Ð": "D",
    "ŋ": "n",
    "Ŋ": "N",
    "ĸ": "k",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "·": "-",
    "€": "EUR",
    "£": "GBP",
    "™": "TM",
    "©": "(c)",
    "®": "(R)",
    "×": "x",
    "÷": "/",
    "½": "1/2",
    "¼": "1/4",
    "¾": "3/4",
}

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clean(value: object) -> str:
    """One line of printable text: no control or format characters, single spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    out = []
    for ch in text:
        if ch in _SPACE_CONTROLS:
            out.append(" ")
            continue
        cat = unicodedata.category(ch)
        if cat in _DROP_CATEGORIES:
            continue
        if cat == "Zs":  # no-break and other odd spaces: a plain space
            out.append(" ")
            continue
        out.append(ch)
    return " ".join("".join(out).split())


@lru_cache(maxsize=None)
def _encodable(ch: str, codec: str) -> bool:
    if ord(ch) < 0x80:
        return 0x20 <= ord(ch) < 0x7F
    try:
        ch.encode(codec)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def to_codepage(text: str, codec: str) -> str:
    """Rewrite *clean* text so that every character exists in ``codec``.

    Characters missing from the code page are decomposed (``ś`` -> ``s``),
    transliterated (``ł`` -> ``l``, ``—`` -> ``-``) or, as a last resort, become ``?``.
    """
    out = []
    for ch in text:
        if _encodable(ch, codec):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and all(_encodable(c, codec) for c in base):
            out.append(base)
            continue
        sub = _TRANSLITERATE.get(ch)
        if sub is not None and all(_encodable(c, codec) for c in sub):
            out.append(sub)
            continue
        out.append("?")
    return "".join(out)


def _cell(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cells(text: str) -> int:
    """The columns ``text`` takes: an emoji or a CJK character two, a combining mark none.
    (len() counted one each, so a name with an emoji pushed the preview's lines out of line.)"""
    return sum(_cell(ch) for ch in text)


def pad(text: str, width: int, align: str = "left", fill: str = " ") -> str:
    """``text`` padded with ``fill`` to ``width`` columns (as str.ljust, center, rjust, in cells)."""
    room = max(0, width - cells(text))
    if align == "center":
        left = room // 2 + (room & width & 1)  # (where str.center puts the odd space)
        return fill * left + text + fill * (room - left)
    if align == "right":
        return fill * room + text
    return text + fill * room


def _wrap_cells(text: str, width: int, first: str, rest: str) -> list[str]:
    """Greedy word wrap measured in cells (text with wide characters in it)."""
    lines: list[str] = []
    line, has_word = first, False
    for word in text.split():
        sep = " " if has_word else ""
        if cells(line) + cells(sep) + cells(word) <= width:
            line, has_word = line + sep + word, True
            continue
        if has_word:
            lines.append(line)
            line, has_word = rest, False
        while cells(line) + cells(word) > width:  # a word longer than the line: broken
            room, head = width - cells(line), ""
            for ch in word:
                if head and cells(head) + _cell(ch) > room:
                    break
                head += ch
            lines.append(line + head)
            line, word = rest, word[len(head) :]
        line, has_word = line + word, bool(word)
    if has_word:
        lines.append(line)
    return lines or [""]


def wrap(text: str, width: int, *, first: str = "", rest: str | None = None) -> list[str]:
    """Word-wrap one paragraph to ``width`` columns; long words are broken, never overflow."""
    width = max(width, 1)
    rest = first if rest is None else rest
    if len(first) >= width or len(rest) >= width:  # indent wider than the paper: drop it
        first = rest = ""
    if not text:
        return [first.rstrip()] if first.strip() else [""]
    if cells(text) != len(text):  # wide characters: measured in cells
        return _wrap_cells(text, width, first, rest)
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [""]


def format_time(value: datetime) -> str:
    """``09:05``: the 24-hour clock used on UK school paperwork."""
    return f"{value.hour:02d}:{value.minute:02d}"


def format_date(value: date) -> str:
    """``Tue 21 Nov 2025``, built by hand so the printout never depends on the OS locale."""
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime) -> str:
    """``Tue 21 Nov 2025 09:05``."""
    return f"{format_date(value)} {format_time(value)}"
