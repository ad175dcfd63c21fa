"""Validation of text typed into the kiosk: one place for the rules every field shares.

A field is stripped; an empty one is refused when it is required (or gives None); it has
a length limit; and it holds no control characters (a free-text field may hold line
breaks). Each refusal is one plain-English line naming the field.
"""

from __future__ import annotations

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
