"""Printer-agnostic documents: plain dataclasses, no ESC/POS, no database objects.

A :class:`Document` is a title and a tuple of blocks. ``render.py`` turns it into
ESC/POS bytes or a plain-text preview; nothing here knows how.

The builders at the bottom (:func:`visitor_slip`, :func:`phone_labels`,
:func:`roll_call`, :func:`exception_agreement`, :func:`uncollected_phones`) take
plain data only: strings, dates/datetimes, sequences, and small row dataclasses
(or mappings with the same keys).

QR size
-------
The printer draws native QR codes (``GS ( k``) whose "size" is the width of one
module in printer dots. A 203 dpi head has 203 / 25.4 = 8 dots per mm, so one dot
is 0.125 mm; the brief asks for at least 4 dots (0.5 mm) per module. We use
``QR_MODULE_DOTS = 6`` (0.75 mm at 203 dpi, 0.85 mm on a 180 dpi TM-T88), which
a webcam at the reception desk reads at arm's length. A label code such as
``K1234566`` is QR version 1 (21 x 21 modules): 21 x 6 = 126 dots = 15.8 mm, plus
the 4-module quiet zone on each side, 29 x 6 = 174 dots = 21.8 mm. QR content is
capped at ``QR_MAX_BYTES = 80`` bytes, which is at most version 5 at error-correction
level M (37 modules): (37 + 8) x 6 = 270 dots, inside the 384 printable dots of
58 mm paper, so every QR code we make fits every roll we support.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from typing import Any, Iterable, Literal, Mapping, Sequence, Union

from . import code128
from .text import clean, format_date, format_datetime, format_time

Align = Literal["left", "center", "right"]
_ALIGNS = ("left", "center", "right")

QR_MODULE_DOTS = 6  # dots per QR module: >= 4 at 203 dpi, see the module docstring
QR_MIN_MODULE_DOTS = 4
QR_MAX_BYTES = 80
QR_ERROR_CORRECTION = "M"  # 15 % of the symbol can be scuffed or folded and still scan
NARROWEST_PRINTABLE_DOTS = 384  # 58 mm paper at 203 dpi (48 mm printable)


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    return value


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    """A title. Level 1: double width and height, bold, centred. Level 2: bold, double height."""

    text: str
    level: int = 1

    def __post_init__(self) -> None:
        _str(self.text, "Heading.text")
        if self.level not in (1, 2):
            raise ValueError("Heading.level must be 1 or 2")


@dataclass(frozen=True)
class Text:
    """One line of text (wrapped if too long). ``size`` 2 is double width and height."""

    text: str
    bold: bool = False
    size: int = 1
    align: Align = "left"
    underline: bool = False

    def __post_init__(self) -> None:
        _str(self.text, "Text.text")
        if self.size not in (1, 2):
            raise ValueError("Text.size must be 1 or 2")
        if self.align not in _ALIGNS:
            raise ValueError(f"Text.align must be one of {_ALIGNS}")


@dataclass(frozen=True)
class Paragraph:
    """Word-wrapped text; with ``bullet`` the first line starts "- " and the rest hang under it."""

    text: str
    bullet: bool = False
    indent: int = 0

    def __post_init__(self) -> None:
        _str(self.text, "Paragraph.text")
        if not 0 <= self.indent <= 8:
            raise ValueError("Paragraph.indent must be 0..8")


@dataclass(frozen=True)
class Band:
    """A word printed as a full-width band: white on black, or red on a two-colour printer."""

    text: str

    def __post_init__(self) -> None:
        _str(self.text, "Band.text")


@dataclass(frozen=True)
class KeyValue:
    """Aligned "Key: value" lines; keys are bold, long values wrap under the value column."""

    rows: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        rows = tuple((_str(k, "KeyValue key"), _str(v, "KeyValue value")) for k, v in self.rows)
        object.__setattr__(self, "rows", rows)


@dataclass(frozen=True)
class QRCode:
    """A QR code drawn by the printer, centred, with an optional caption under it."""

    content: str
    size: int = QR_MODULE_DOTS
    caption: str = ""

    def __post_init__(self) -> None:
        _str(self.content, "QRCode.content")
        _str(self.caption, "QRCode.caption")
        if not QR_MIN_MODULE_DOTS <= self.size <= 16:
            raise ValueError(f"QRCode.size must be {QR_MIN_MODULE_DOTS}..16 dots per module")
        data = clean(self.content)
        if not data:
            raise ValueError("QRCode.content is empty")
        if len(data.encode("utf-8")) > QR_MAX_BYTES:
            raise ValueError(f"QRCode.content is longer than {QR_MAX_BYTES} bytes")


@dataclass(frozen=True)
class Barcode128:
    """A Code 128 barcode drawn by the printer, centred, with the code printed under it."""

    code: str
    height: int = 80  # dots: 10 mm at 203 dpi
    hri: bool = True  # print the human-readable code under the bars

    def __post_init__(self) -> None:
        _str(self.code, "Barcode128.code")
        if not code128.is_encodable(self.code):
            raise ValueError(f"Barcode128.code must be printable ASCII without '{{': {self.code!r}")
        if code128.module_dots(self.code, NARROWEST_PRINTABLE_DOTS) is None:
            raise ValueError(f"Barcode128.code {self.code!r} is too long to fit 58 mm paper")
        if not 16 <= self.height <= 255:
            raise ValueError("Barcode128.height must be 16..255 dots")


@dataclass(frozen=True)
class Rule:
    """A horizontal rule across the paper."""

    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or not (" " < self.char < "\x7f"):
            raise ValueError("Rule.char must be one printable ASCII character")


@dataclass(frozen=True)
class SignatureLine:
    """Room to sign, a line, then "Role: name" and a date line."""

    role: str
    name: str = ""
    with_date: bool = True

    def __post_init__(self) -> None:
        _str(self.role, "SignatureLine.role")
        _str(self.name, "SignatureLine.name")


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lines <= 10:
            raise ValueError("Feed.lines must be 1..10")


@dataclass(frozen=True)
class Cut:
    """Feed past the cutter and cut (partial cut leaves a hinge, if the printer can)."""

    partial: bool = False


Block = Union[Heading, Text, Paragraph, Band, KeyValue, QRCode, Barcode128, Rule, SignatureLine, Feed, Cut]
BLOCK_TYPES = (Heading, Text, Paragraph, Band, KeyValue, QRCode, Barcode128, Rule, SignatureLine, Feed, Cut)


@dataclass(frozen=True)
class Document:
    """A printable document: a title (for job lists and logs) and its blocks, in order."""

    title: str
    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        _str(self.title, "Document.title")
        blocks = tuple(self.blocks)
        for b in blocks:
            if not isinstance(b, BLOCK_TYPES):
                raise TypeError(f"not a printing block: {type(b).__name__}")
        object.__setattr__(self, "blocks", blocks)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class PhoneLabel:
    """One pupil phone label."""

    code: str
    pupil_name: str
    class_name: str


@dataclass(frozen=True)
class OnSite:
    """One visitor on site, for the fire roll call."""

    name: str
    organisation: str
    time_in: datetime
    visiting: str = ""


@dataclass(frozen=True)
class HeldPhone:
    """One phone still held at the end of the day."""

    slot: str
    pupil_name: str
    class_name: str
    state: str


def _row(cls: type, item: Any) -> Any:
    """Accept the row dataclass itself or a mapping with its field names."""
    if isinstance(item, cls):
        return item
    if isinstance(item, Mapping):
        names = [f.name for f in fields(cls)]
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
        missing = [n for n in required if n not in item]
        if missing:
            raise TypeError(f"{cls.__name__} needs {', '.join(missing)}")
        return cls(**{n: item[n] for n in names if n in item})
    raise TypeError(f"expected {cls.__name__} or a mapping, not {type(item).__name__}")


# --------------------------------------------------------------------------- builders


def visitor_slip(
    *,
    school_name: str,
    visitor_name: str,
    organisation: str,
    time_in: datetime,
    badge_number: str,
    supervised: bool,
    device_rules: Sequence[str],
    dsl_name: str,
    report_concern: str,
    signout_code: str,
    visiting: str = "",
    deputy_dsl_names: Sequence[str] = (),
) -> Document:
    """The slip a visitor keeps while on site.

    ``signout_code`` is what the QR code holds (the badge code, e.g. ``V1234566``);
    it is scanned at the desk on the way out.
    """
    band = "SUPERVISED" if supervised else "UNSUPERVISED"
    band_note = (
        "You must be accompanied by a member of staff at all times."
        if supervised
        else "You may move around the school unaccompanied."
    )
    details = [("Name", visitor_name), ("From", organisation or "-")]
    if visiting:
        details.append(("Visiting", visiting))
    details += [("Time in", format_datetime(time_in)), ("Badge", badge_number)]
    blocks: list[Block] = [
        Text(school_name, bold=True, align="center"),
        Heading("VISITOR"),
        Feed(),
        Band(band),
        Text(band_note, align="center"),
        Feed(),
        KeyValue(tuple(details)),
        Rule(),
        Text("Phones and devices", bold=True),
        *(Paragraph(rule, bullet=True) for rule in device_rules),
        Rule(),
        Text("Safeguarding", bold=True),
        Paragraph(f"Designated Safeguarding Lead: {dsl_name}"),
    ]
    if deputy_dsl_names:
        blocks.append(Paragraph("Deputy DSL: " + ", ".join(deputy_dsl_names)))
    blocks += [
        Paragraph(f"Worried about a child? {report_concern}"),
        Rule(),
        Text("Scan to sign out", align="center"),
        QRCode(signout_code, caption=signout_code),
        Cut(),
    ]
    return Document(f"Visitor slip: {clean(visitor_name)}", tuple(blocks))


def phone_labels(labels: Iterable[PhoneLabel | Mapping[str, Any]]) -> Document:
    """One label per pupil phone: name, class, QR code and Code 128 of the code, then a cut."""
    rows = [_row(PhoneLabel, item) for item in labels]
    if not rows:
        raise ValueError("no phone labels to print")
    blocks: list[Block] = []
    for label in rows:
        blocks += [
            Text(label.pupil_name, bold=True, size=2, align="center"),
            Text(label.class_name, align="center"),
            Feed(),
            QRCode(label.code),
            Feed(),
            Barcode128(label.code),
            Cut(),
        ]
    title = f"Phone label: {clean(rows[0].code)}" if len(rows) == 1 else f"Phone labels: {len(rows)}"
    return Document(title, tuple(blocks))


def visitor_phone_label(*, code: str, visitor_name: str, badge_number: str, day: date) -> Document:
    """The label stuck on a visitor's phone while the office holds it: who it belongs to,
    their badge and the day, and its ``V`` code as a QR code and a Code 128 (the office
    scans it to receive the phone and again to give it back)."""
    return Document(
        f"Visitor phone label {_str(code, 'code')}",
        (
            Text(visitor_name, bold=True, size=2, align="center"),
            Text(f"Visitor, badge {badge_number}", align="center"),
            Text(f"Phone held by the office, {format_date(day)}", align="center"),
            Feed(),
            QRCode(code),
            Feed(),
            Barcode128(code),
            Cut(),
        ),
    )


def roll_call(
    *,
    school_name: str,
    taken_at: datetime,
    visitors: Iterable[OnSite | Mapping[str, Any]],
) -> Document:
    """Fire roll call: everyone signed in at ``taken_at``, with a tick box each, and the count.

    Visitors are listed in the order given (the caller sorts, e.g. by surname).
    """
    rows = [_row(OnSite, item) for item in visitors]
    blocks: list[Block] = [
        Heading("FIRE ROLL CALL"),
        Text(school_name, bold=True, align="center"),
        KeyValue((("Printed", format_datetime(taken_at)), ("On site", str(len(rows))))),
        Rule("="),
    ]
    if not rows:
        blocks.append(Paragraph("No visitors are signed in."))
    for v in rows:
        when = format_time(v.time_in)
        if v.time_in.date() != taken_at.date():
            when = format_datetime(v.time_in)
        detail = f"{v.organisation or 'No organisation'}; in {when}"
        if v.visiting:
            detail += f"; visiting {v.visiting}"
        blocks += [Text(f"[ ] {v.name}", bold=True), Paragraph(detail, indent=4)]
    blocks += [
        Rule("="),
        Text(f"Total visitors on site: {len(rows)}", bold=True),
        SignatureLine("Checked by"),
        Cut(),
    ]
    return Document(f"Fire roll call {format_datetime(taken_at)}", tuple(blocks))


def exception_agreement(
    *,
    school_name: str,
    pupil_name: str,
    class_name: str,
    allowed: str,
    where: str,
    conditions: Sequence[str],
    sanction: str,
    starts_on: date,
    ends_on: date | None,
    agreed_on: date,
    headteacher_name: str,
    parent_name: str = "",
    review_on: date | None = None,
    subject_role: str = "Pupil",
    kind: str = "",
    reference: str = "",
    signers: Sequence[tuple[str, str]] | None = None,
) -> Document:
    """Written agreement of a phone exception agreed with the headteacher, for signing.

    ``subject_role`` labels the person it is for ("Pupil", "Visitor", "Staff");
    ``class_name`` is their class or organisation. ``signers`` replaces the default
    signature lines (learner, parent/carer, headteacher) for visitors and staff.
    """
    dates = [
        (subject_role, pupil_name),
    ]
    if class_name:
        dates.append(("Class" if subject_role == "Pupil" else "Organisation", class_name))
    if kind:
        dates.append(("Kind", kind))
    if reference:
        dates.append(("Reference", reference))
    dates += [
        ("Agreed on", format_date(agreed_on)),
        ("From", format_date(starts_on)),
        ("Until", format_date(ends_on) if ends_on else "further notice"),
    ]
    if review_on:
        dates.append(("Review on", format_date(review_on)))
    blocks: list[Block] = [
        Text(school_name, bold=True, align="center"),
        Heading("Phone exception agreement", level=2),
        Feed(),
        KeyValue(tuple(dates)),
        Rule(),
        Text("What is allowed", bold=True),
        Paragraph(allowed),
        Text("Where", bold=True),
        Paragraph(where),
    ]
    if conditions:
        blocks.append(Text("Conditions", bold=True))
        blocks += [Paragraph(c, bullet=True) for c in conditions]
    blocks += [
        Text("If the phone is misused", bold=True),
        Paragraph(sanction),
        Rule(),
        Paragraph("We have read this agreement and agree to it. The school keeps the signed copy."),
        *(
            SignatureLine(role, name)
            for role, name in (
                signers
                if signers is not None
                else (("Learner", pupil_name), ("Parent/carer", parent_name), ("Headteacher", headteacher_name))
            )
        ),
        Cut(),
    ]
    return Document(f"Phone exception agreement: {clean(pupil_name)}", tuple(blocks))


def uncollected_phones(
    *,
    school_name: str,
    at: datetime,
    phones: Iterable[HeldPhone | Mapping[str, Any]],
    anchor: str | None = None,
) -> Document:
    """Phones still held at the end of the day: slot, pupil, class and state.

    ``anchor`` is the audit log's head in short form (``#1234 3f2a9c1e…``), written to
    the anchors file as this slip was made: the school's paper copy of it."""
    rows = [_row(HeldPhone, item) for item in phones]
    blocks: list[Block] = [
        Heading("Phones not collected", level=2),
        Text(school_name, bold=True),
        KeyValue((("At", format_datetime(at)), ("Still held", str(len(rows))))),
        Rule("="),
    ]
    if not rows:
        blocks.append(Paragraph("Every phone has been collected."))
    for p in rows:
        blocks += [Text(f"{p.slot}  {p.pupil_name}", bold=True), Paragraph(f"{p.class_name}; {p.state}", indent=4)]
    blocks += [Rule("="), Text(f"Total still held: {len(rows)}", bold=True)]
    if anchor:
        blocks += [
            Rule(),
            KeyValue((("Audit anchor", _str(anchor, "anchor")),)),
            Paragraph(
                "Keep this slip. `kiosk audit verify --anchor` with this line shows whether "
                "any record up to now was changed later."
            ),
        ]
    blocks.append(Cut())
    return Document(f"Uncollected phones {format_datetime(at)}", tuple(blocks))
