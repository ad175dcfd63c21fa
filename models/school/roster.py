"""Read a pupil roster exported from the school's MIS (SIMS, Arbor or similar) as CSV.

UI-free and database-free: :func:`parse_roster` turns a file into validated
:class:`RosterRow` objects plus one :class:`RowError` per rejected line; applying
them to the database is the importer's job.

Guarantees:

* Only :class:`RosterFileError` is raised, for whole-file problems; its ``str()``
  is one plain-English line.  (A ``TypeError`` for a source that is neither a
  path nor bytes is a programming mistake, not a file problem.)  Nothing is half-returned: every non-blank data
  record becomes exactly one row or exactly one error (an error may list several
  problems of the same line, joined by "; ").
* Line numbers are physical lines, header = line 1 when it is the first line; a
  record with a quoted multi-line field is reported at the line where it starts.
* Values are stripped of surrounding whitespace and otherwise kept verbatim:
  formula-looking text such as ``=cmd|...`` is data here and is neutralised only
  on export (see :mod:`models.store.csvsafe`).
* Messages and warnings never contain control characters: user text is only
  echoed after it passed the control-character check, or via :func:`_show`.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass

from models.custody.codes import printable
from models.errors import KioskError, ScanOutcome

MAX_BYTES = 20 * 1024 * 1024
MAX_FIELD = 100

_LABEL = {
    "admission_no": "admission number",
    "first_name": "forename",
    "last_name": "surname",
    "year_group": "year group",
    "class_name": "class",
    "dob": "date of birth",
}
_REQUIRED = ("admission_no", "first_name", "last_name", "year_group", "class_name")
_EXAMPLE_HEADING = {
    "admission_no": "Adno",
    "first_name": "Legal Forename",
    "last_name": "Legal Surname",
    "year_group": "Year",
    "class_name": "Reg",
}

# Normalised heading (lower case, letters and digits only) -> field.  Earlier
# aliases win when a file has two columns for one field (Legal Forename beats
# Preferred Forename); the loser is listed in the "ignored columns" warning.
_ALIASES: dict[str, tuple[str, ...]] = {
    "admission_no": (
        "adno",
        "admissionno",
        "admissionnumber",
        "admno",
        "admissionnum",
        "studentid",
        "pupilid",
        "pupilno",
        "pupilnumber",
        "studentno",
        "studentnumber",
    ),
    "first_name": (
        "legalforename",
        "forename",
        "firstname",
        "givenname",
        "studentfirstname",
        "pupilforename",
        "preferredforename",
        "preferredfirstname",
    ),
    "last_name": (
        "legalsurname",
        "surname",
        "lastname",
        "familyname",
        "studentlastname",
        "pupilsurname",
        "preferredsurname",
        "preferredlastname",
    ),
    "year_group": (
        "year",
        "yeargroup",
        "ncyear",
        "ncyeargroup",
        "nationalcurriculumyear",
        "curriculumyear",
        "yr",
    ),
    "class_name": (
        "reg",
        "reggroup",
        "registrationgroup",
        "registrationform",
        "regform",
        "form",
        "formgroup",
        "tutorgroup",
        "class",
        "classname",
    ),
    "dob": ("dob", "dateofbirth", "birthdate", "birthday"),
}
_ALIAS_RANK = {alias: (fld, rank) for fld, names in _ALIASES.items() for rank, alias in enumerate(names)}
# "Priority 1 Contact Name", "Priority 2 Contact Relationship", "Contact 1 Name"...
_CONTACT_N = re.compile(r"(?:priority|contact)(\d{1,2})(?:contact)?(name|relationship|relation)?")
# "Primary guardian", "Primary guardian relationship", "Secondary carer name"...
_CONTACT_WORD = re.compile(
    r"(primary|secondary|tertiary)(?:guardian|contact|carer|parent)(name|relationship|relation)?"
)
_PRIORITY_WORD = {"primary": 1, "secondary": 2, "tertiary": 3}

_SIMS_MARKERS = {"adno", "legalsurname", "legalforename", "reg"}
_ARBOR_MARKERS = {"studentid", "registrationform", "primaryguardian", "primaryguardianrelationship"}

_ADNO = re.compile(r"[A-Za-z0-9]{1,20}")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_NURSERY = {"nursery", "n", "nur", "nurs", "n1", "n2", "fs1", "f1", "yn", "-1"}
_RECEPTION = {"reception", "r", "rec", "yr", "yearr", "yearreception", "fs2", "f2"}
_YEAR_N = re.compile(r"(?:year|yr|y|nc|ncyear)?(\d{1,2})")
_YEAR_RANGE = "(Nursery, Reception, Year 1 to Year 6)"

# Format characters that _bad_char lets through although they are invisible.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}  # ZWNJ / ZWJ: needed to spell words in some scripts


class RosterFileError(KioskError):
    """The file as a whole cannot be used as a roster; ``str()`` is one plain-English line."""

    outcome = ScanOutcome.INVALID


@dataclass(frozen=True)
class RosterContact:
    name: str
    relationship: str
    priority: int  # 1, 2, ...


@dataclass(frozen=True)
class RosterRow:
    line: int  # physical line where the record starts; header = line 1
    admission_no: str  # text, leading zeros kept
    first_name: str
    last_name: str
    year_group: int  # -1 Nursery, 0 Reception, 1..6
    class_name: str
    dob: datetime.date | None
    contacts: tuple[RosterContact, ...]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str  # "line 5: date of birth 31/02/2015 is not a real date"


@dataclass
class RosterResult:
    rows: list[RosterRow]
    errors: list[RowError]
    warnings: list[str]
    source_format: str  # "SIMS" | "Arbor" | "generic"
    encoding: str = "utf-8"  # "utf-8", "utf-16" or "cp1252": how the bytes were read
    # The fields the file has columns for: "dob", (priority, "name"), (priority,
    # "relationship")... An import changes only these. None: every field (a roster
    # built in code, which says everything about its pupils).
    columns: frozenset | None = None

    def has_column(self, key: object) -> bool:
        return self.columns is None or key in self.columns

    def contact_priorities(self) -> frozenset[int]:
        """The contact positions the file has a name column for (built in code: every position)."""
        if self.columns is None:
            return frozenset(range(1, 100))
        return frozenset(k[0] for k in self.columns if isinstance(k, tuple) and k[1] == "name")


def parse_roster(source: str | os.PathLike[str] | bytes, *, today: datetime.date | None = None) -> RosterResult:
    """Parse a roster CSV given as a path (``str`` or ``PathLike``) or as the file's bytes.

    *today* is the date after which a date of birth counts as in the future
    (default: the local date today).
    """
    data = _read(source)
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = _records(reader)

    header_line, header = next(records, (0, []))
    if not header:
        raise RosterFileError("the roster file is empty")
    columns, ignored = _map_header(header)
    contacts = sorted({key[0] for key in columns if isinstance(key, tuple)})

    warnings: list[str] = []
    if ignored:
        warnings.append(
            f"ignored {len(ignored)} column{'s' if len(ignored) != 1 else ''} the kiosk does not use: "
            + ", ".join(_show(name, 40) for name in ignored)
        )

    ncols = len(header)
    today = today or datetime.date.today()
    first_seen: dict[str, int] = {}
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    for line, record in records:
        row, problems = _parse_record(line, record, ncols, columns, contacts, first_seen, today, warnings)
        if row is not None:
            rows.append(row)
        else:
            errors.append(RowError(line, f"line {line}: " + "; ".join(problems)))

    if not rows and not errors:
        raise RosterFileError(f"the roster file has column headings on line {header_line} but no pupils below them")
    return RosterResult(rows, errors, warnings, _source_format(header), encoding, frozenset(columns))


# --- reading the file -------------------------------------------------------------


def _read(source: str | os.PathLike[str] | bytes) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        name = _show(os.fspath(source), 80)
        try:
            # O_NONBLOCK: a pipe with no writer is refused below instead of waiting for ever
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
            with open(fd, "rb") as fh:
                st = os.fstat(fd)
                if stat.S_ISDIR(st.st_mode):
                    raise IsADirectoryError
                if not stat.S_ISREG(st.st_mode):
                    raise RosterFileError(
                        f"cannot read the roster file {name}: it is not a regular file (a device or a pipe?)"
                    )
                if st.st_size > MAX_BYTES:
                    raise RosterFileError(_too_large(st.st_size))
                data = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise RosterFileError(f"cannot open the roster file {name}: it does not exist") from None
        except IsADirectoryError:
            raise RosterFileError(f"cannot open the roster file {name}: it is a folder, not a file") from None
        except PermissionError:
            raise RosterFileError(f"cannot open the roster file {name}: permission denied") from None
        except (OSError, ValueError) as exc:  # ValueError: embedded NUL in the path
            reason = _show(getattr(exc, "strerror", None) or str(exc), 80)
            raise RosterFileError(f"cannot read the roster file {name}: {reason}") from None
    else:
        raise TypeError(f"parse_roster() needs a path or bytes, not {type(source).__name__}")
    if len(data) > MAX_BYTES:
        raise RosterFileError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (
        f"the roster file is too large ({size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_BYTES // 1024 // 1024} MB): is it really a pupil roster export?"
    )


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM optional), UTF-16 with a BOM (Excel "Unicode text"), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise RosterFileError("the roster file says it is UTF-16 text but is not readable as such") from None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise RosterFileError("the roster file is an Excel workbook, not CSV: open it in Excel and save it as CSV")
    if b"\x00" in data:
        raise RosterFileError("the roster file contains binary data and is not a CSV export")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise RosterFileError(
            "the roster file is not text in a known encoding (UTF-8 or Windows-1252): export it again as CSV"
        ) from None


def _delimiter(text: str) -> str:
    """Comma, unless the heading line has more semicolons (European Excel) or tabs."""
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in ",;\t"}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] > counts[","] else ","
    return ","


def _records(reader):
    """Yield (start line, fields) for every non-blank record; raise RosterFileError on bad CSV."""
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
            raise RosterFileError(f"line {start}: the roster file is not valid CSV ({_show(str(exc), 60)})") from None
        if any(value.strip() for value in record):
            yield start, record


# --- the heading line ---------------------------------------------------------------


def _norm(heading: str) -> str:
    return re.sub(r"[^a-z0-9]", "", heading.lower())


def _map_header(header: list[str]) -> tuple[dict, list[str]]:
    """Map column index per field; contacts keyed by (priority, "name"|"relationship")."""
    best: dict = {}  # key -> (rank, index)
    for index, heading in enumerate(header):
        key, rank = _heading_key(_norm(heading))
        if key is not None and (key not in best or rank < best[key][0]):
            best[key] = (rank, index)
    used = {index for _rank, index in best.values()}
    ignored = [h.strip() for i, h in enumerate(header) if i not in used and h.strip()]

    missing = [f for f in _REQUIRED if f not in best]
    if len(missing) == len(_REQUIRED):
        raise RosterFileError(
            "the first line of the roster file is not a row of column headings "
            "(expected headings such as 'Adno', 'Legal Surname', 'Legal Forename', 'Year' and 'Reg')"
        )
    if missing:
        plural = len(missing) > 1
        names = _and([_LABEL[f] for f in missing])
        examples = _and([f"'{_EXAMPLE_HEADING[f]}'" for f in missing])
        raise RosterFileError(
            f"the roster file has no {names} column{'s' if plural else ''} "
            f"(expected {'headings' if plural else 'a heading'} such as {examples})"
        )
    return {key: index for key, (_rank, index) in best.items()}, ignored


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _heading_key(norm: str) -> tuple[object, int]:
    if norm in _ALIAS_RANK:
        fld, rank = _ALIAS_RANK[norm]
        return fld, rank
    m = _CONTACT_N.fullmatch(norm)
    if m and int(m.group(1)) >= 1:
        return (int(m.group(1)), "relationship" if m.group(2) and m.group(2) != "name" else "name"), 0
    m = _CONTACT_WORD.fullmatch(norm)
    if m:
        part = "relationship" if m.group(2) and m.group(2) != "name" else "name"
        return (_PRIORITY_WORD[m.group(1)], part), 0
    return None, 0


def _source_format(header: list[str]) -> str:
    norms = {_norm(h) for h in header}
    if len(norms & _SIMS_MARKERS) >= 2:
        return "SIMS"
    if len(norms & _ARBOR_MARKERS) >= 2:
        return "Arbor"
    return "generic"


# --- one record ---------------------------------------------------------------------


def _parse_record(line, record, ncols, columns, contact_prios, first_seen, today, warnings):
    """Return (RosterRow, []) or (None, problems)."""
    if len(record) != ncols and not (len(record) > ncols and not any(v.strip() for v in record[ncols:])):
        return None, [f"expected {ncols} columns, found {len(record)}"]

    problems: list[str] = []
    values: dict = {}
    for key, index in columns.items():
        label = _label(key)
        raw = record[index]
        raw = _plain_spaces(raw)
        bad = _bad_char(raw)
        if bad is not None:
            what = (
                "a character that cannot be shown"
                if unicodedata.category(bad) in ("Cn", "Co", "Cs")
                else "a control character"
            )
            problems.append(f"{label} contains {what} (U+{ord(bad):04X}), which is not allowed")
            continue
        value = raw.strip()
        if len(value) > MAX_FIELD:
            problems.append(f"{label} is longer than {MAX_FIELD} characters")
            continue
        values[key] = value

    adno = values.get("admission_no")
    if adno is not None:
        if not adno:
            problems.append("admission number is missing")
        elif not _ADNO.fullmatch(adno):
            problems.append(f"admission number '{adno}' must be 1 to 20 letters or digits")
        elif adno in first_seen:
            problems.append(f"admission number {adno} is repeated (first on line {first_seen[adno]})")
        else:
            first_seen[adno] = line
    for key in ("first_name", "last_name", "class_name"):
        if values.get(key) == "":
            problems.append(f"{_LABEL[key]} is missing")

    year = None
    if "year_group" in values:
        year, problem = _year_group(values["year_group"])
        if problem:
            problems.append(problem)

    dob = None
    if values.get("dob"):
        dob, problem = _date(values["dob"], today)
        if problem:
            problems.append(problem)

    contacts, notes = [], []
    for prio in contact_prios:
        name = values.get((prio, "name"), "")
        relationship = values.get((prio, "relationship"), "")
        if name:
            contacts.append(RosterContact(name, relationship, prio))
        elif relationship:
            notes.append(
                f"line {line}: priority {prio} contact has a relationship ('{relationship}') "
                "but no name, so it was left out"
            )

    if problems:
        return None, problems
    warnings.extend(notes)  # only for rows that are kept
    assert adno is not None and year is not None  # each was a problem above when missing
    return (
        RosterRow(
            line=line,
            admission_no=adno,
            first_name=values["first_name"],
            last_name=values["last_name"],
            year_group=year,
            class_name=values["class_name"],
            dob=dob,
            contacts=tuple(contacts),
        ),
        [],
    )


def _label(key) -> str:
    if isinstance(key, tuple):
        prio, part = key
        return f"priority {prio} contact {part}"
    return _LABEL[key]


def _year_group(value: str) -> tuple[int | None, str | None]:
    if not value:
        return None, "year group is missing"
    norm = re.sub(r"[\s._]", "", value.lower())  # keeps "-": "Year -1" is not Year 1
    if norm in _NURSERY:
        return -1, None
    if norm in _RECEPTION:
        return 0, None
    m = _YEAR_N.fullmatch(norm)
    if m and int(m.group(1)) <= 6:
        return int(m.group(1)), None  # "Year 0" / "0" is Reception
    return None, f"year group {_show(value, 24)} is not a primary-school year {_YEAR_RANGE}"


def _date(value: str, today: datetime.date) -> tuple[datetime.date | None, str | None]:
    if m := _UK_DATE.fullmatch(value):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(value):
        year, month, day = (int(g) for g in m.groups())
    else:
        return None, f"date of birth {_show(value, 24)} is not a date in the form DD/MM/YYYY or YYYY-MM-DD"
    try:
        dob = datetime.date(year, month, day)
    except ValueError:
        return None, f"date of birth {value} is not a real date"
    if dob > today:
        return None, f"date of birth {value} is in the future"
    return dob, None


# --- text safety --------------------------------------------------------------------


def _plain_spaces(value: str) -> str:
    """Every Unicode space (no-break, thin, ideographic... as spreadsheets export them) as a plain space."""
    if value.isascii():
        return value
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in value)


def _bad_char(value: str) -> str | None:
    """The first character in *value* that cannot be shown as it is, if any.

    Covers C0/C1 controls (tab, newline, ESC of terminal escape sequences, DEL),
    invisible format characters (bidi overrides, zero-width space, BOM, soft
    hyphen) except ZWNJ/ZWJ, the Unicode line/paragraph separators, surrogates,
    private-use and unassigned code points (no font draws them the same way twice).
    Other spaces are made plain by :func:`_plain_spaces` first.
    """
    for ch in value:
        if ch.isprintable() or ch == " " or ch in _ALLOWED_FORMAT:
            continue
        return ch
    return None


def _show(value: str, limit: int) -> str:
    """*value* made safe to echo in a message: quoted, non-printables as ``?``, shortened."""
    return f"'{printable(value, limit)}'"
