"""The school's device rules for visitors: a Markdown file, versioned, hashed.

The file (``assets/device-rules.md`` unless the config's ``device_rules`` names
another) starts with front matter between ``---`` lines that must give a
``version``. What the visitor reads is the Markdown body after the front matter,
exactly as stored; a visit records the version and the SHA-256 of those exact bytes
(UTF-8), so the school can later show precisely what was accepted even after the
file has been edited.

The front matter may give a ``review`` date (``review: YYYY-MM-DD``): when the rules are
next to be reviewed, like the policies they come from (mobile technology policy 8). It is
read and checked here; the headteacher's reminder (``models.governance.policies``) names
the rules when it falls due, or when the file gives none.

The body must have an ``## In short`` section of 3 to 5 bullet lines: they are
printed on the visitor slip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from models.errors import ConfigError

SHORT_HEADING = "## In short"
SHORT_MIN, SHORT_MAX = 3, 5
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class DeviceRules:
    version: str
    text: str  # the Markdown body shown to the visitor, exactly as stored
    sha256: str  # of ``text`` encoded as UTF-8
    short: tuple[str, ...]  # 3-5 lines for the slip
    title: str = "Phones and devices: rules for visitors"
    path: Path | None = None
    review_on: dt.date | None = None  # the front matter's ``review``: None when the file gives none


def parse_rules(raw: str, *, where: str = "The device rules") -> DeviceRules:
    """Parse the file's text; a ConfigError (one line) says what is wrong with it."""
    raw = raw.replace("\r\n", "\n")
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ConfigError(f"{where} must start with front matter (a '---' line, then 'version: ...').")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ConfigError(f"{where}: the front matter has no closing '---' line.") from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ConfigError(f"{where}: front matter line {line.strip()!r} is not 'key: value'.")
        meta[key.strip().lower()] = value.strip().strip('"').strip("'")
    version = meta.get("version", "")
    if not version:
        raise ConfigError(f"{where} has no version in its front matter (e.g. 'version: 2026-09').")
    if not _VERSION.match(version):
        raise ConfigError(f"{where}: version {version!r} must be letters, digits, dots or dashes (at most 40).")
    review_on = _review_date(meta.get("review"), where)
    body = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
    if not body.strip():
        raise ConfigError(f"{where} has no text after the front matter.")
    if any(not (ch.isprintable() or ch == "\n") for ch in body):
        raise ConfigError(f"{where} contains control characters.")
    short = _short_form(body, where)
    return DeviceRules(
        version=version,
        text=body,
        sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        short=short,
        title=meta.get("title") or DeviceRules.title,
        review_on=review_on,
    )


def _review_date(text: str | None, where: str) -> dt.date | None:
    """The front matter's ``review`` date, checked; None when it gives none."""
    from models.clock import DAY_RANGE_TEXT, in_day_range

    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{where}: review date {text[:40]!r} is not a date: write it as YYYY-MM-DD.") from None
    if not in_day_range(day):
        raise ConfigError(f"{where}: review date {text} is out of range: give {DAY_RANGE_TEXT}.")
    return day


def _short_form(body: str, where: str) -> tuple[str, ...]:
    lines = body.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == SHORT_HEADING.lower())
    except StopIteration:
        raise ConfigError(
            f"{where} needs a '{SHORT_HEADING}' section of {SHORT_MIN} to {SHORT_MAX} bullets for the slip."
        ) from None
    items: list[str] = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if stripped.startswith("#"):
            break
        if stripped.startswith(("- ", "* ")):
            items.append(stripped[2:].strip())
        elif stripped and items and line.startswith("  "):
            items[-1] += " " + stripped  # a wrapped bullet
        elif stripped and items:
            break  # the paragraph after the list
    if not SHORT_MIN <= len(items) <= SHORT_MAX:
        raise ConfigError(
            f"{where}: the '{SHORT_HEADING}' section has {len(items)} bullets; it needs {SHORT_MIN} to {SHORT_MAX}."
        )
    return tuple(items)


def load_rules(path: str | Path | None = None) -> DeviceRules:
    """Read and parse the rules file (the settings' ``device_rules_path``; default the asset)."""
    from models.config import DEVICE_RULES, read_small_file

    p = Path(path) if path is not None else DEVICE_RULES
    # never a device, a pipe or a huge file: refused before it is read whole
    data = read_small_file(p, "The device rules file", "a Markdown file", "the device rules are a page or two of text")
    if data is None:
        raise ConfigError(f"The device rules file is missing: {p}")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"The device rules file {p} is not UTF-8 text.") from None
    rules = parse_rules(raw, where=f"The device rules file {p.name}")
    return DeviceRules(rules.version, rules.text, rules.sha256, rules.short, rules.title, p, rules.review_on)


def rules_for(settings) -> DeviceRules:
    """The rules the settings point at."""
    return load_rules(getattr(settings, "device_rules_path", None))
