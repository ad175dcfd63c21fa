"""The governors' report as files: one self-contained HTML page, a PDF, a tidy CSV and JSON.

Drawn with ReportLab alone: its chart library draws the weekly hand-in rates once, as
inline SVG for the page and as vector graphics in the PDF (no image files, no fonts to
fetch, nothing from outside). ReportLab writes in its "invariant" mode, so the same
figures give the same bytes (no time stamp or random document id in the PDF).

The figures come from :mod:`models.reports.governors`; nothing here reads the database.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.errors import StorageError
from models.reports.governors import ALL_CLASSES, SMALL_COUNTS_NOTE, GovernorsReport
from models.store.csvsafe import write_csv
from models.store.files import create_private, private_dir
from models.text import how_many

TITLE = "Mobile phones: report to governors"
CSV_COLUMNS = ["section", "measure", "group", "value"]
# A palette that stays apart in greyscale print (Okabe-Ito), then black for all classes.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
CHART_W, CHART_H = 480, 220
CHART_MAX_CLASSES = 7  # more classes than this: the chart shows all classes together


def file_names(report: GovernorsReport) -> dict[str, str]:
    stem = f"governors-{report.term.key}"
    return {ext: f"{stem}.{ext}" for ext in ("html", "pdf", "csv", "json")}


# ---------------------------------------------------------------- the tables, shared by the page and the PDF


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def sections(report: GovernorsReport) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(heading, columns, rows, note) for each table of the report, in order."""
    out: list[tuple[str, list[str], list[list[str]], str]] = []
    out.append(
        (
            "Hand-in consistency over the term, by class",
            ["Class", "School days", "Handed in", "Expected", "Rate"],
            [
                [w.class_name, str(w.school_days), str(w.handed_in), str(w.expected), _pct(w.rate)]
                for w in report.term_by_class
            ]
            or [["(no school days yet)", "0", "0", "0", "–"]],
            f"{how_many(len(report.school_days), 'school day')} (weekdays with any hand-in).",
        )
    )
    weeks = sorted({w.week for w in report.weeks})
    classes = [c.class_name for c in report.term_by_class]
    rate = {(w.week, w.class_name): w for w in report.weeks}
    out.append(
        (
            "Hand-in rate by week, % (week beginning)",
            ["Week", *("All" if c == ALL_CLASSES else c for c in classes)],
            [
                [f"{wk:%d %b}"] + ["–" if (wk, c) not in rate else _rate(rate[wk, c].rate) for c in classes]
                for wk in weeks
            ],
            "",
        )
    )
    b = report.breaches
    out.append(
        (
            "Breaches and repeats",
            ["Measure", "Count"],
            [
                ["Confiscations for a breach (not for child protection)", str(b["confiscations"])],
                ["Concerns: breach of the phone policy (pupils)", str(b["breach_concerns"])],
                ["Pupils with a breach", str(b["pupils"])],
                ["Pupils with two or more breaches", str(b["repeat_pupils"])],
                *[[f"Breaches in {cls}", str(n)] for cls, n in report.breaches_by_class.items()],
            ],
            "",
        )
    )
    if report.repeats:
        out.append(
            (
                "Pupils with repeated breaches",
                ["Pupil", "Class", "Breaches"],
                [
                    [r.name if r.name is not None else f"Pupil {i}", r.class_name, str(r.breaches)]
                    for i, r in enumerate(report.repeats, 1)
                ],
                "" if report.names else "Names are left out (give --names to include them).",
            )
        )
    out.append(
        (
            "Confiscations, searches and police hand-overs",
            ["Record", "Group", "Count"],
            [
                *[["Confiscations", reason, str(n)] for reason, n in report.confiscations_by_reason.items()],
                *[["Searches", outcome, str(n)] for outcome, n in report.searches_by_outcome.items()],
                ["Hand-overs to the police", "", str(report.police_handovers)],
                # Parents told is its own event, not an outcome of the search: its own line.
                [
                    "Searches where parents were told",
                    "",
                    f"{report.searches_parents_informed} of {report.searches_total}",
                ],
                # A record that consent was refused and the phone was not searched: not a search (f1s6).
                ["Not searched: consent refused", "", str(report.not_searched)],
            ],
            "Confiscations by reason category; searches by outcome; parents told is recorded apart.",
        )
    )
    out.append(
        (
            "Concerns raised in the term, by category and outcome",
            ["Category", "Outcome", "Count"],
            [[cat, outcome, str(n)] for cat, outcomes in report.concerns.items() for outcome, n in outcomes.items()]
            or [["(none)", "", "0"]],
            "",
        )
    )
    e = report.exceptions
    out.append(
        (
            "Exceptions agreed with the headteacher, and their reviews",
            ["Measure", "Count"],
            [
                ["In effect during the term", str(e["in_effect"])],
                ["Agreed during the term", str(e["agreed_in_term"])],
                ["Reviews recorded", str(e["reviews_recorded"])],
                ["Reviews overdue at the end of the term", str(e["reviews_overdue"])],
                ["Revoked during the term", str(e["revoked_in_term"])],
                *[[f"In effect: {kind}", str(n)] for kind, n in report.exceptions_by_kind.items()],
            ],
            "",
        )
    )
    out.append(
        (
            "Visitors",
            ["Measure", "Count"],
            [
                *[[f"Visits: {vtype}", str(n)] for vtype, n in report.visitors_by_type.items()],
                ["Not signed out by the end of their day", str(report.visitors_not_signed_out)],
                ["Concerns about visitors", str(report.visitor_concerns)],
            ],
            "",
        )
    )
    out.append(
        (
            "Policies and their review dates",
            ["Policy", "Version", "Approved", "Next review", "Status"],
            [
                [p.name, p.version, p.approved_on.isoformat(), p.next_review_on.isoformat(), p.status]
                for p in report.policies
            ]
            or [["(none recorded)", "", "", "", ""]],
            "",
        )
    )
    return out


def span_line(report: GovernorsReport) -> str:
    t = report.term
    line = f"{t.label}: {t.from_day:%-d %b %Y} to {t.to_day:%-d %b %Y}"
    if report.covered_to < t.to_day:
        line += f" (the term is under way: figures up to {report.covered_to:%-d %b %Y})"
    return line + "."


def footer_lines(report: GovernorsReport) -> list[str]:
    lines = [
        f"Made {report.made_at:%-d %b %Y %H:%M} from the kiosk's records. "
        + ("Names are included: keep this copy confidential." if report.names else "No names are included."),
        *report.notes,
    ]
    if report.small_counts:
        lines.append(SMALL_COUNTS_NOTE)
    return lines


# ---------------------------------------------------------------- the chart


def chart(report: GovernorsReport, font: str = "Helvetica") -> Any:
    """The weekly hand-in rate per class (and all classes, in black) as a ReportLab Drawing.

    ``font``: the PDF's own font (with the letters Helvetica lacks); the page's SVG names
    Helvetica, which the browser resolves."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    weeks = sorted({w.week for w in report.weeks})
    classes = [c.class_name for c in report.term_by_class]
    title = "Phones handed in, % of those expected, by week"
    if len(classes) > CHART_MAX_CLASSES + 1:  # a line each would be a tangle: the table has them
        classes = [ALL_CLASSES]
        title += " (all classes; each class is in the table)"
    rate = {(w.week, w.class_name): w.rate for w in report.weeks}
    drawing = Drawing(CHART_W, CHART_H)
    if not weeks:
        drawing.add(
            String(CHART_W / 2, CHART_H / 2, "No school days in this term yet.", textAnchor="middle", fontName=font)
        )
        return drawing
    lc = HorizontalLineChart()
    lc.x, lc.y, lc.width, lc.height = 40, 45, CHART_W - 150, CHART_H - 65
    lc.data = [tuple(rate.get((wk, c)) for wk in weeks) for c in classes]  # None: a gap
    lc.categoryAxis.categoryNames = [f"{wk:%d %b}" for wk in weeks]
    lc.categoryAxis.labels.angle = 45 if len(weeks) > 6 else 0
    lc.categoryAxis.labels.boxAnchor = "ne" if len(weeks) > 6 else "n"
    lc.categoryAxis.labels.fontSize = 7
    lc.categoryAxis.labels.fontName = font
    lc.valueAxis.valueMin, lc.valueAxis.valueMax, lc.valueAxis.valueStep = 0, 100, 20
    lc.valueAxis.labels.fontSize = 7
    lc.valueAxis.labels.fontName = font
    lc.valueAxis.labelTextFormat = "%d %%"
    lc.joinedLines = 1
    legend = Legend()
    legend.x, legend.y = CHART_W - 100, CHART_H - 20
    legend.fontSize = 7
    legend.fontName = font
    legend.columnMaximum = CHART_MAX_CLASSES + 1  # one column: every class and all classes
    legend.deltay = 12
    legend.alignment = "right"
    pairs = []
    for i, c in enumerate(classes):
        colour = colors.black if c == ALL_CLASSES else colors.HexColor(PALETTE[i % len(PALETTE)])
        lc.lines[i].strokeColor = colour
        lc.lines[i].strokeWidth = 2.5 if c == ALL_CLASSES else 1.2
        lc.lines[i].symbol = makeMarker("FilledCircle", size=3 if c == ALL_CLASSES else 2)
        lc.lines[i].symbol.fillColor = colour
        pairs.append((colour, c))
    legend.colorNamePairs = pairs
    drawing.add(lc)
    drawing.add(legend)
    drawing.add(String(lc.x, CHART_H - 12, title, fontSize=9, fontName=font))
    return drawing


def chart_svg(report: GovernorsReport) -> str:
    """The chart as an inline <svg> element (no XML declaration, no DOCTYPE)."""
    from reportlab.graphics import renderSVG

    text = renderSVG.drawToString(chart(report))
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


# ---------------------------------------------------------------- the four files

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:52em;color:#111;line-height:1.35}
h1{font-size:1.5em;margin-bottom:.1em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}
td.n{text-align:right}th{background:#eee}p.note{font-size:.9em;color:#333}
td:first-child,td.d{white-space:nowrap}div.wide{overflow-x:auto}
table.wide{font-size:.8em}table.wide td,table.wide th{padding:.15em .3em}
footer{margin-top:2em;font-size:.85em;color:#333;border-top:1px solid #999}figure{margin:1em 0}
figure svg{width:100%;max-width:44em;height:auto}
@media print{body{margin:0;max-width:none}}
"""


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace(" %", "").isdigit()


def render_html(report: GovernorsReport) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{e(TITLE)}: {e(report.term.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(TITLE)}</h1>",
        *([f'<p class="warning"><strong>{e(report.notes[0])}</strong></p>'] if report.audit_failed else []),
        f"<p>{e(span_line(report))}</p>",
        f'<figure role="img" aria-label="Weekly hand-in rate by class">{chart_svg(report)}</figure>',
    ]
    for heading, columns, rows, note in sections(report):
        wide = len(columns) > 6  # the weekly table of a big school: a column a class
        parts.append(f"<h2>{e(heading)}</h2>" + ('<div class="wide"><table class="wide">' if wide else "<table>"))
        parts.append("<thead><tr>")
        parts.append("".join(f'<th scope="col">{e(c)}</th>' for c in columns) + "</tr></thead><tbody>")
        for row in rows:
            cells = "".join(
                f'<td class="n">{e(v)}</td>'
                if _is_number(v)
                else f'<td class="d">{e(v)}</td>'
                if _DATE.match(v)
                else f"<td>{e(v)}</td>"
                for v in row
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>" + ("</div>" if wide else ""))
        if note:
            parts.append(f'<p class="note">{e(note)}</p>')
    parts.append("<footer>" + "".join(f"<p>{e(line)}</p>" for line in footer_lines(report)) + "</footer>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# Fonts with the letters of pupils' names (Ł, ș, ė, ő …), which the PDF's built-in Helvetica
# lacks: DejaVu Sans or Arial where the system has them, else the Bitstream Vera that
# ReportLab ships (fewer letters, but always there). Embedded as subsets.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("Vera.ttf", "VeraBd.ttf"),
)
_REGULAR, _BOLD = "KioskReportSans", "KioskReportSans-Bold"


def _fonts() -> tuple[str, str]:
    """The names of the report's regular and bold fonts, registered once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if _REGULAR in pdfmetrics.getRegisteredFontNames():
        return _REGULAR, _BOLD
    for regular, bold in FONT_CANDIDATES:
        if os.path.isabs(regular) and not (os.path.exists(regular) and os.path.exists(bold)):
            continue
        try:
            pdfmetrics.registerFont(TTFont(_REGULAR, regular))
            pdfmetrics.registerFont(TTFont(_BOLD, bold))
        except (TTFError, OSError):
            continue
        for italic in (0, 1):
            addMapping(_REGULAR, 0, italic, _REGULAR)
            addMapping(_REGULAR, 1, italic, _BOLD)
        return _REGULAR, _BOLD
    return "Helvetica", "Helvetica-Bold"


LONG_TABLE = 25  # rows: a table this long may run over a page; a shorter one is kept whole
TAIL_ROWS = 4  # a long table's last rows, kept with its note (and the footer, after the last table)
HEAD_ROOM = 45  # mm: a long table's heading starts a new page unless its first rows fit below it


def render_pdf(report: GovernorsReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    for name in ("BodyText", "Title", "Heading3"):
        styles[name].fontName = bold if name != "BodyText" else regular
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=f"{TITLE}: {report.term.label}",
        author="reception-kiosk",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        invariant=1,
    )
    e = html.escape  # Paragraph reads a little markup: the text is escaped
    story: list[Any] = [
        Paragraph(e(TITLE), styles["Title"]),
        *([Paragraph(f"<b>{e(report.notes[0])}</b>", styles["BodyText"])] if report.audit_failed else []),
        Paragraph(e(span_line(report)), styles["BodyText"]),
        Spacer(1, 4 * mm),
        chart(report, font=regular),
    ]
    cell = styles["BodyText"].clone("cell", fontSize=8.5, leading=10)
    narrow = styles["BodyText"].clone("narrow", fontSize=7, leading=8.5)
    right = {st.name: st.clone(f"{st.name}-right", alignment=TA_RIGHT) for st in (cell, narrow)}

    def table_of(columns: list[str], rows: list[list[str]], *, header: bool = True) -> Any:
        wide = len(columns) > 6  # the weekly table of a big school: a column a class
        style = narrow if wide else cell
        data = [[Paragraph(f"<b>{e(c)}</b>", style) for c in columns]] if header else []
        data += [[Paragraph(e(v), right[style.name] if _is_number(v) else style) for v in row] for row in rows]
        width = doc.width
        first = 16 * mm if wide else width * (0.4 if len(columns) > 2 else 0.7 if len(columns) == 2 else 1.0)
        rest = [(width - first) / (len(columns) - 1)] * (len(columns) - 1) if len(columns) > 1 else []
        table = Table(data, colWidths=[first, *rest], repeatRows=1 if header else 0, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    *([("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)] if wide else []),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    *([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))] if header else []),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table

    # The footer goes with the end of the last table, so the last page is never the footer
    # alone; a long table keeps its heading with its first rows (a page break first when
    # less than HEAD_ROOM is left) and its last TAIL_ROWS rows with what follows them.
    footer: list[Any] = [Spacer(1, 6 * mm), *(Paragraph(e(line), small) for line in footer_lines(report))]
    all_sections = sections(report)
    for i, (heading, columns, rows, note) in enumerate(all_sections):
        after = footer if i == len(all_sections) - 1 else []
        notes = [Paragraph(e(note), small)] if note else []
        title = Paragraph(e(heading), styles["Heading3"])
        if len(rows) < LONG_TABLE:
            story.append(KeepTogether([title, table_of(columns, rows), *notes, *after]))
            continue
        story += [CondPageBreak(HEAD_ROOM * mm), title, table_of(columns, rows[:-TAIL_ROWS])]
        story.append(KeepTogether([table_of(columns, rows[-TAIL_ROWS:], header=False), *notes, *after]))

    def page_number(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"{report.term.label} · page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()


def render_csv(report: GovernorsReport) -> str:
    buf = io.StringIO()
    write_csv(buf, CSV_COLUMNS, [[r.section, r.measure, r.group, r.value] for r in report.rows()])
    return buf.getvalue()


def render_json(report: GovernorsReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


def _write_tmp(path: Path, data: bytes) -> Path:
    """``data`` in a new 0600 file beside ``path`` (to be put in place by :func:`write_files`)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = create_private(tmp)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def write_files(report: GovernorsReport, out_dir: str | os.PathLike) -> Sequence[Path]:
    """Write the four files into ``out_dir`` (made if missing, 0700); returns their paths.

    Each file is written 0600 beside its name first, and only when all four are written
    are they put in place (an older copy of the same term's files is replaced); a failure
    leaves the older copy, if any, as it was, and says why in one line.
    """
    names = file_names(report)
    payloads = {
        "html": render_html(report).encode("utf-8"),
        "pdf": render_pdf(report),
        "csv": render_csv(report).encode("utf-8"),
        "json": render_json(report).encode("utf-8"),
    }
    written: list[tuple[Path, Path]] = []
    try:
        folder = private_dir(out_dir)
        for ext, data in payloads.items():
            path = folder / names[ext]
            written.append((_write_tmp(path, data), path))
        for tmp, path in written:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in written:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise StorageError(
            f"Could not write the report in {os.fspath(out_dir)}: {exc.strerror or exc}. Choose another --out."
        ) from None
    return [path for _, path in written]
