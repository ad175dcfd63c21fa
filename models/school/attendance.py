"""Pupils' day marks: absent, or in school with no phone today; and the MIS attendance import.

Consistency means every phone brought in was handed in: a pupil who is absent, or who
came without a phone, is not expected at the hand-in that day (models.reports.compliance,
the hand-in progress and the class checklist leave them out).

The rules:

* a mark is per pupil per school day: ``absent`` or ``no_phone``; the office, the class's
  own teacher, leadership and the headteacher may mark (``mark_attendance``);
* the day is a weekday (Monday to Friday) of the current school year (from 1 September),
  today or at most :data:`MARK_DAYS_BACK` days back (:func:`day_problem`); older days come
  from the MIS attendance import;
* marks are appended, never edited: a correction is a new mark (the latest stands) or a
  withdrawal with a reason; each records who and when, with its audit entry (ids and
  codes only);
* a pupil who hands a phone in on a day marked "no phone" (or absent) counts as handed in:
  the hand-in wins, and the mark stays in the record;
* the daily attendance CSV from the MIS (:func:`parse_attendance`, format in the README)
  marks a pupil absent when none of the day's sessions has a present code ("/", "\\" or
  "L"); a present code withdraws an absence in force that the import itself made. The
  import never overrides what a member of staff recorded at the kiosk that day, so
  importing the same file again changes nothing. Bad rows are one line each; the good
  rows import (``import_attendance``: the office, the admin).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, utcnow
from models.errors import KioskError, NotFound, RuleViolation, ValidationError
from models.school.roster import RosterFileError, _decode, _delimiter, _norm, _read, _records, _show
from models.staff.auth import require
from models.store.tables import DayMark, Pupil, Staff
from models.text import line_field

# The same words as models.reports.phones.MARK_* (which reads the marks for the reports;
# the two areas do not import each other).
ABSENT = "absent"
NO_PHONE = "no_phone"
WITHDRAWN = "withdrawn"
MARKS = (ABSENT, NO_PHONE)


MARK_WORDS = {ABSENT: "absent", NO_PHONE: "no phone today", WITHDRAWN: "mark withdrawn"}
KIOSK, MIS = "kiosk", "mis"
PRESENT_CODES = frozenset({"/", "\\", "L"})
REASON_LIMIT = 200
MARK_DAYS_BACK = 30  # a mark at the kiosk is for today or a school day in the last 30 days


def school_year_start(day: dt.date) -> dt.date:
    """1 September of the school year ``day`` is in (a UK school year runs September to August)."""
    return dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def _long(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def day_problem(day: dt.date, today: dt.date) -> str | None:
    """Why ``day`` cannot be marked at the kiosk on ``today`` (one line), or None."""
    if day > today:
        return "That day has not come yet: mark today or an earlier day."
    if day.weekday() >= 5:
        return f"{_long(day)} is a weekend: marks are for school days (Monday to Friday)."
    start = school_year_start(today)
    if day < start:
        return (
            f"{_long(day)} is before this school year (from {_long(start)}): "
            f"mark a school day this year, at most {MARK_DAYS_BACK} days back."
        )
    if (today - day).days > MARK_DAYS_BACK:
        return (
            f"{_long(day)} is more than {MARK_DAYS_BACK} days ago: mark a school day at most "
            f"{MARK_DAYS_BACK} days back (older days come from the MIS attendance import)."
        )
    return None


class AttendanceFileError(KioskError):
    """The whole attendance file cannot be read (one plain line)."""


def _latest(pupil_id: int, day: dt.date) -> DayMark | None:
    return (
        DayMark.select().where((DayMark.pupil == pupil_id) & (DayMark.day == day)).order_by(DayMark.id.desc()).first()
    )


# ---------------------------------------------------------------- marking at the kiosk


@dataclass(frozen=True, slots=True)
class Marked:
    """A day mark recorded (:func:`mark_day`)."""

    mark_id: int
    pupil: str
    day: dt.date
    mark: str  # absent | no_phone | withdrawn

    @property
    def line(self) -> str:
        if self.mark == WITHDRAWN:
            return f"{self.pupil}: the mark for {self.day.isoformat()} is withdrawn."
        return f"{self.pupil}: marked {MARK_WORDS[self.mark]} on {self.day.isoformat()}."


def mark_day(
    actor: Staff,
    pupil_id: int,
    day: dt.date,
    mark: str,
    *,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> Marked:
    """Mark a pupil ``absent`` or ``no_phone`` on ``day``, or withdraw the mark in force
    (``withdrawn``, with a reason). Today or an earlier school day (:func:`day_problem`)."""
    now = now or utcnow()
    if mark not in (*MARKS, WITHDRAWN):
        raise ValidationError(f"Mark {mark!r} is not known: use absent, no_phone or withdrawn.")
    if problem := day_problem(day, local_day(now)):
        raise ValidationError(problem)
    if mark == WITHDRAWN:
        reason = line_field(reason or "", "reason", REASON_LIMIT)
        if not reason:
            raise ValidationError("Say why the mark is withdrawn.")
    else:
        reason = None
    with write_tx():
        pupil = Pupil.get_or_none(Pupil.id == pupil_id)
        if pupil is None or not pupil.active:
            raise NotFound("That pupil is not on roll.")
        require(actor, "mark_attendance", school_class_id=pupil.school_class_id)
        latest = _latest(pupil.id, day)
        in_force = latest.mark if latest is not None and latest.mark in MARKS else None
        if mark == WITHDRAWN and in_force is None:
            raise RuleViolation(f"{pupil.full_name} has no mark on {day.isoformat()} to withdraw.")
        if mark != WITHDRAWN and in_force == mark:
            raise RuleViolation(f"{pupil.full_name} is already marked {MARK_WORDS[mark]} on {day.isoformat()}.")
        row = DayMark.create(
            pupil=pupil.id, day=day, mark=mark, source=KIOSK, reason=reason, recorded_by=actor, recorded_at=now
        )
        audit.append(
            actor,
            "attendance.mark",
            "day_mark",
            row.id,
            {"pupil_id": pupil.id, "day": day.isoformat(), "mark": mark, "source": KIOSK, "was": in_force},
            now,
        )
    return Marked(row.id, pupil.full_name, day, mark)


# ---------------------------------------------------------------- the MIS attendance CSV

_HEADINGS = {
    "admission_no": ("adno", "admissionno", "admissionnumber", "studentid", "pupilid"),
    "date": ("date", "attendancedate", "day"),
    "mark": ("mark", "code", "markcode", "attendancecode", "am", "ammark", "pm", "pmmark"),
}
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CODE = re.compile(r"[A-Za-z/\\#\-]")


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    line: int
    admission_no: str
    day: dt.date
    codes: tuple[str, ...]  # the session codes given (AM, PM, or one mark)

    @property
    def present(self) -> bool:
        """In school: any session with a present code ("/", "\\", "L")."""
        return any(c in PRESENT_CODES for c in self.codes)


@dataclass
class AttendanceFile:
    rows: list[AttendanceRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, "line N: why"


def parse_attendance(source: str | os.PathLike[str] | bytes, *, today: dt.date) -> AttendanceFile:
    """Read an attendance CSV: admission number, date, and a mark code (or AM and PM codes).

    Raises :class:`AttendanceFileError` only for the whole file; each bad row is one error."""
    try:
        text, _ = _decode(_read(source))
    except RosterFileError as exc:
        raise AttendanceFileError(str(exc).replace("roster file", "attendance file")) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    out = AttendanceFile()
    columns: dict[str, list[int]] = {}
    try:
        for line, record in _records(reader):
            if not columns:
                for i, heading in enumerate(record):
                    key = _norm(heading)
                    for name, words in _HEADINGS.items():
                        if key in words:
                            columns.setdefault(name, []).append(i)
                missing = [n for n in _HEADINGS if n not in columns]
                if missing:
                    raise AttendanceFileError(
                        "the attendance file's first line has no "
                        + " or ".join(
                            {"admission_no": "'Adno'", "date": "'Date'", "mark": "'Mark' (or 'AM'/'PM')"}[m]
                            for m in missing
                        )
                        + " heading"
                    )
                continue
            row, why = _row(line, record, columns, today)
            if row is not None:
                out.rows.append(row)
            else:
                out.errors.append(f"line {line}: {why}")
    except RosterFileError as exc:
        raise AttendanceFileError(str(exc).replace("roster file", "attendance file")) from None
    if not columns:
        raise AttendanceFileError("the attendance file is empty")
    return out


def _row(
    line: int, record: list[str], columns: dict[str, list[int]], today: dt.date
) -> tuple[AttendanceRow | None, str]:
    def cell(i: int) -> str:
        return record[i].strip() if i < len(record) else ""

    adno = cell(columns["admission_no"][0])
    if not adno:
        return None, "no admission number"
    if len(adno) > 20 or not adno.isprintable():
        return None, f"admission number {_show(adno, 24)} is not one"
    value = cell(columns["date"][0])
    if m := _UK_DATE.fullmatch(value):
        d, mo, y = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(value):
        y, mo, d = (int(g) for g in m.groups())
    else:
        return None, f"date {_show(value, 24)} is not a date in the form DD/MM/YYYY or YYYY-MM-DD"
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return None, f"date {value} is not a real date"
    if day > today:
        return None, f"date {value} is in the future"
    codes = tuple(cell(i) for i in columns["mark"] if cell(i))
    if not codes:
        return None, f"no mark code for {adno}"
    for c in codes:
        if len(c) != 1 or not _CODE.fullmatch(c):
            return None, f"mark code {_show(c, 8)} is not a register code"
    return AttendanceRow(line, adno, day, tuple(c.upper() if c.isalpha() else c for c in codes)), ""


@dataclass(frozen=True, slots=True)
class AttendanceImport:
    """What an import did (:func:`import_attendance`)."""

    absent: int  # absences marked
    withdrawn: int  # absences the import had made, withdrawn by a present code
    unchanged: int  # rows that changed nothing (already so, or recorded by staff at the kiosk)
    errors: tuple[str, ...]  # one line per bad row

    @property
    def line(self) -> str:
        return (
            f"{self.absent} marked absent, {self.withdrawn} absence(s) withdrawn, {self.unchanged} unchanged, "
            f"{len(self.errors)} row(s) with errors."
        )


def import_attendance(actor: Staff, parsed: AttendanceFile, *, now: dt.datetime | None = None) -> AttendanceImport:
    """Apply the good rows of a parsed attendance file in one transaction (see the module)."""
    now = now or utcnow()
    errors = list(parsed.errors)
    absent = withdrawn = unchanged = 0
    with write_tx():
        require(actor, "import_attendance")
        wanted = {r.admission_no for r in parsed.rows}
        pupils = {p.admission_no: p for p in Pupil.select().where(Pupil.admission_no.in_(sorted(wanted)))}
        days = [r.day for r in parsed.rows]
        latest: dict[tuple[int, dt.date], DayMark] = {}
        if days:
            for m in (
                DayMark.select()
                .where((DayMark.day >= min(days)) & (DayMark.day <= max(days)))
                .order_by(DayMark.id)
                .iterator()
            ):
                latest[m.pupil_id, m.day if isinstance(m.day, dt.date) else dt.date.fromisoformat(m.day)] = m
        first_id = None
        for r in parsed.rows:
            pupil = pupils.get(r.admission_no)
            if pupil is None:
                errors.append(f"line {r.line}: no pupil with admission number {_show(r.admission_no, 24)}")
                continue
            last = latest.get((pupil.id, r.day))
            if last is not None and last.source == KIOSK:
                unchanged += 1  # staff's word at the kiosk that day stands
                continue
            in_force = last.mark if last is not None and last.mark in MARKS else None
            if r.present:
                if in_force != ABSENT:
                    unchanged += 1
                    continue
                mark, reason = WITHDRAWN, "present on the MIS register"
            else:
                if in_force == ABSENT:
                    unchanged += 1
                    continue
                mark, reason = ABSENT, None
            row = DayMark.create(
                pupil=pupil.id,
                day=r.day,
                mark=mark,
                source=MIS,
                code="".join(r.codes)[:4],
                reason=reason,
                recorded_by=actor,
                recorded_at=now,
            )
            latest[pupil.id, r.day] = row
            first_id = first_id or row.id
            if mark == ABSENT:
                absent += 1
            else:
                withdrawn += 1
        if absent or withdrawn:  # a file imported again changes nothing, not even the log
            audit.append(
                actor,
                "attendance.import",
                "day_mark",
                first_id or "-",
                {
                    "rows": len(parsed.rows),
                    "absent": absent,
                    "withdrawn": withdrawn,
                    "unchanged": unchanged,
                    "errors": len(errors),
                    "from": min(days).isoformat() if days else None,
                    "to": max(days).isoformat() if days else None,
                },
                now,
            )
    errors.sort(key=lambda e: int(e.split(":")[0].split()[1]))
    return AttendanceImport(absent, withdrawn, unchanged, tuple(errors))
