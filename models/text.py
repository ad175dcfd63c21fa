"""Validation of text typed into the kiosk: one place for the rules every field shares.

A field is stripped; an empty one is refused when it is required (or gives None); it has
a length limit; and it holds no control characters (a free-text field may hold line
breaks). Each refusal is one plain-English line naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, overload

from models.errors import ValidationError


@overload
def text_field(value: str | None, what: str, *, required: Literal[True] = ..., limit: int = ...) -> str: ...
@overload
def text_field(value: str | None, what: str, *, required: bool, limit: int = ...) -> str | None: ...


def text_field(value: str | None, what: str, *, required: bool = True, limit: int = 500) -> str | None:
    """Free text (a reason, a note): line breaks allowed. None when empty and not required."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(f"Give the {what}.")
        return None
    if len(value) > limit:
        raise ValidationError(f"The {what} is too long ({len(value)} characters; at most {limit}).")
    if any(not (ch.isprintable() or ch == "\n") for ch in value):
        raise ValidationError(f"The {what} contains control characters.")
    return value


def line_field(value: str | None, what: str, limit: int = 100) -> str:
    """One required line (a name, a number): no line breaks."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"Give the {what}.")
    if len(value) > limit:
        raise ValidationError(f"The {what} is too long ({len(value)} characters; at most {limit}).")
    if not value.isprintable():
        raise ValidationError(f"The {what} contains control characters.")
    return value


# ---------------------------------------------------------------- evidence in words

# Free text that is the evidence of a safeguarding record (a search's grounds, item sought and
# place, a confiscation's reason, the DSL's note) was checked for length only: a user's walk
# (issue 15) recorded grounds "xxxxxxxxxxxx" and the place "x". Such a field must hold at least
# one word: a run of two or more letters that is not one letter over and over ("xxxx"), a short
# run repeated ("ababab", "hahaha"), nor a run along a row of the keyboard or the alphabet
# ("asdf", "qwerty", "abcd"). A terse genuine entry passes: "Hall", "vape", "CCTV", "Year 6
# classroom", "IT suite". Digits and punctuation count for nothing ("12345", "???").
_KEY_RUNS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")
_REPEATED = re.compile(r"(.{1,3})\1{2,}")
_LETTERS = re.compile(r"[^\W\d_]+")


def _a_word(word: str) -> bool:
    """Whether a run of letters (casefolded) can be a word: not one letter or a short run repeated,
    nor four or more letters along a row of the keyboard or the alphabet."""
    if len(word) < 2 or len(set(word)) < 2 or _REPEATED.fullmatch(word):
        return False
    return not (len(word) >= 4 and any(word in run for run in _KEY_RUNS))


@dataclass(frozen=True)
class Evidence:
    """A free-text field of a safeguarding record that must be said in words: one rule and one
    set of refusals for the domain, the forms and the command line.

    ``what`` is the field as a refusal names it ("grounds", "place of the search"); ``name`` as
    :func:`text_field` names it when it is empty or too long (default: ``what``); ``hint`` what
    to write instead; ``min_letters`` the fewest letters it may have (a place may be "IT", grounds
    not "ab"); ``plural`` when ``what`` takes "are"."""

    what: str
    hint: str = "say it in words"
    min_letters: int = 3
    plural: bool = False
    name: str = ""

    def problem(self, text: str | None) -> str | None:
        """The one-line refusal for ``text``, or None (empty is :func:`text_field`'s to refuse)."""
        text = (text or "").strip()
        if not text:
            return None
        verb = "are" if self.plural else "is"
        words = [w.casefold() for w in _LETTERS.findall(text)]
        if sum(len(w) for w in words) < self.min_letters:
            return f"The {self.what} {verb} too short: {self.hint}."
        if not any(_a_word(w) for w in words):
            return f"The {self.what} {verb} not words: {self.hint}."
        return None

    @overload
    def check(self, value: str | None, *, required: Literal[True] = ..., limit: int = ...) -> str: ...
    @overload
    def check(self, value: str | None, *, required: bool, limit: int = ...) -> str | None: ...

    def check(self, value: str | None, *, required: bool = True, limit: int = 500) -> str | None:
        """:func:`text_field`, then :meth:`problem`: the text stripped, or None when empty and optional."""
        text = text_field(value, self.name or self.what, required=required, limit=limit)
        if text is not None and (problem := self.problem(text)):
            raise ValidationError(problem)
        return text


# A terminal's escape sequences, as pasted (or typed through a terminal that passed them
# on): CSI ("ESC [" or the 8-bit CSI, parameters, one final byte), OSC, DCS and the other
# strings ended by BEL or ST, then any other two-byte "ESC x". Only their text would be
# seen ("^[2J" in a box), and the domain refuses control characters anyway.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?          # CSI ... final byte (cut short: dropped too)
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])  # OSC, DCS, SOS, PM, APC ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    #   ... up to BEL or ST
    | \x1b[ -/]*[0-~]?                         # any other escape (ESC c, ESC ( B, a lone ESC)
    """,
    re.VERBOSE,
)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def strip_escapes(text: str) -> str:
    """``text`` without terminal escape sequences (CSI, OSC and the like, whole or cut short)."""
    return _ESCAPES.sub("", text)


def clean_typed(text: str, *, multiline: bool = False) -> str:
    """Text pasted or typed into a field, as the field should hold it: escape sequences and
    control characters removed, tabs and other spaces (a non-breaking space) made plain
    spaces. Line breaks are kept as "\\n" in a free-text field (``multiline``); in a one-line
    field the lines are joined with a space, so no line is lost. What comes out passes
    :func:`text_field` (or, one-line, :func:`line_field`) as far as characters go."""
    text = _ESCAPES.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    if not multiline:
        text = text.strip("\n")  # (a copied line ends in one: no space left after it)
    kept = []
    for ch in text:
        if ch == "\n":
            kept.append("\n" if multiline else " ")
        elif ch.isprintable():
            kept.append(ch)
        elif ch == "\t" or unicodedata.category(ch) == "Zs":
            kept.append(" ")
        # else: a control or format character: dropped
    return "".join(kept)


def how_many(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun agreeing: ``how_many(1, "school day")`` is "1 school day",
    ``how_many(2, "school day")`` "2 school days" (``plural`` when adding "s" is wrong)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
