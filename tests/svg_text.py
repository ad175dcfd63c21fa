"""Read a Textual SVG screenshot back as lines of text, to say *what* differs.

A failed snapshot on CI leaves only an HTML report on the CI machine; printing the
lines that differ puts the answer in the log. Each character cell keeps its style
(resolved from the SVG's own classes, whose numbering differs between files), so a
change of colour or weight is reported too.
"""

from __future__ import annotations

import html
import re

_STYLE = re.compile(r"\.(terminal-(?:\d+-)?r\d+) \{([^}]*)\}")
_TEXT = re.compile(
    r'<text class="(terminal-(?:\d+-)?r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-(?:\d+-)?line-(\d+)\)">([^<]*)</text>'
)
CELL = 12.2  # the width of one character cell in Textual's SVG export


def cells(svg: str) -> dict[int, dict[int, tuple[str, str]]]:
    """``{line: {column: (character, style)}}`` for every drawn character."""
    styles = {name: body.strip() for name, body in _STYLE.findall(svg)}
    lines: dict[int, dict[int, tuple[str, str]]] = {}
    for cls, x, line, content in _TEXT.findall(svg):
        column = round(float(x) / CELL)
        row = lines.setdefault(int(line), {})
        for i, char in enumerate(html.unescape(content).replace("\xa0", " ")):
            row[column + i] = (char, styles.get(cls, cls))
    return lines


def text_of(row: dict[int, tuple[str, str]]) -> str:
    if not row:
        return ""
    width = max(row) + 1
    return "".join(row.get(c, (" ", ""))[0] for c in range(width)).rstrip()


def differences(expected: str, actual: str, limit: int = 40) -> list[str]:
    """Plain lines describing where two screenshots differ (empty if they do not)."""
    a, b = cells(expected), cells(actual)
    out: list[str] = []
    for line in sorted(set(a) | set(b)):
        ra, rb = a.get(line, {}), b.get(line, {})
        if ra == rb:
            continue
        ta, tb = text_of(ra), text_of(rb)
        if ta == tb:
            columns = sorted(c for c in set(ra) | set(rb) if ra.get(c) != rb.get(c))
            out.append(f"line {line}: same text, style differs at columns {columns[0]}-{columns[-1]}: {ta!r}")
        else:
            out.append(f"line {line}: expected {ta!r}")
            out.append(f"line {line}:   actual {tb!r}")
        if len(out) >= limit:
            out.append("…")
            break
    return out
