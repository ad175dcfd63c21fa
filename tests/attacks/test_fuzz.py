"""Fuzzing (hypothesis): roster CSVs and scanned text.

Control characters, terminal escape sequences, 10 kB lines and invalid UTF-8. Nothing
crashes; bad input is refused with one printable line; nothing typed in comes back
raw (no ESC, no C0/C1 control, no line break inside a message or an output line).
"""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk.cli import main
from models.custody import codes
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import InvalidCode, KioskError
from models.school.people import import_roster
from models.school.roster import RosterFileError, parse_roster
from models.store.db import close_db
from models.store.tables import Contact, Pupil, SchoolClass
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.school import NOW, build

NASTY = [
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x1bP+q\x1b\\",
    "\x9b31m",
    "\x00",
    "\x07",
    "\x08",
    "\r",
    "\x7f",
    "\u202e",
    "\u2028",
    "\x85",
    "\ufeff",
    "\ud800",
    "K1234566",
    " ",
    ",",
    '"',
    ";",
    "\t",
    "é",
    "😀",
]
nasty_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=5), max_size=12).map("".join),
    st.integers(1, 10_500).map(lambda n: ("K" + "9" * 10_000 + "\x1b[31m")[:n]),  # up to 10 kB lines
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def shown_as_is(name: str) -> bool:
    """Printable, apart from the joiners some scripts need to spell a name (ZWNJ, ZWJ)."""
    return name.replace("\u200c", "").replace("\u200d", "").isprintable()


def clean(message: str) -> bool:
    """One printable line: no control character of any kind, no escape, no line break."""
    return message.isprintable() and len(message) < 1000  # a row may have several faults, each named


# ---------------------------------------------------------------- scanned codes


@given(nasty_text)
@FUZZ
@example("k1234566 ")
@example("\x1b[2J")
def test_normalise_accepts_only_valid_codes_and_refuses_cleanly(text):
    try:
        code = codes.normalise(text)
    except InvalidCode as exc:
        assert clean(str(exc)), repr(str(exc))
    else:
        assert codes.is_valid(code) and code == text.strip().upper()


@pytest.fixture
def school(sqlite_db):
    return build()


@given(text=nasty_text)
@FUZZ
def test_resolve_and_hand_in_refuse_bad_text_cleanly_and_write_nothing(school, text):
    from models.store.tables import AuditEntry, CustodyEvent

    before = (CustodyEvent.select().count(), AuditEntry.select().count())
    for call in (lambda: resolve(text), lambda: custody.hand_in(text, school.office, now=NOW)):
        try:
            call()
        except KioskError as exc:
            assert clean(str(exc)), repr(str(exc))
    if not codes.is_valid(text.strip().upper()):
        assert (CustodyEvent.select().count(), AuditEntry.select().count()) == before


def _scan(monkeypatch, capsys, db, data: bytes):
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["office"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    rc = main(["scan", "--mode", "hand-in", "--as", "office", "--db", db])
    close_db()
    return rc, *capsys.readouterr()


line_bytes = st.one_of(
    nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.sampled_from([b"\xff\xfe\xfa", b"\xc3", b"K123456\xe9", b"\xed\xa0\x80", b"\x1b[2J\x1b[H"]),
)


@given(lines=st.lists(line_bytes.map(lambda b: b.replace(b"\n", b"")), min_size=1, max_size=6))
@FUZZ
def test_kiosk_scan_answers_every_line_once_and_never_echoes_raw(monkeypatch, capsys, school, sqlite_db, lines):
    close_db()
    data = b"".join(line + b"\n" for line in lines)
    rc, out, err = _scan(monkeypatch, capsys, sqlite_db, data)
    assert rc == 0 and err == ""
    expected = [ln for ln in lines if ln.decode("utf-8", "replace").strip()]
    got = out.split("\n")[:-1] if out else []
    assert len(got) == len(expected), (lines, out)
    for line in got:
        assert clean(line), repr(line)
        assert line.split(" ", 1)[0] in ("INVALID", "UNKNOWN"), line  # no school here has these codes


# ---------------------------------------------------------------- roster CSVs

HEADER = "Adno,Legal Surname,Legal Forename,Year,Reg,Contact 1 Name,Contact 1 Relationship\r\n"


def _check_parsed(result) -> None:
    for e in result.errors:
        assert clean(e.message), repr(e.message)
    for w in result.warnings:
        assert clean(w), repr(w)
    for row in result.rows:
        for value in (row.admission_no, row.first_name, row.last_name, row.class_name, *(c.name for c in row.contacts)):
            assert value.isprintable() and value == value.strip() and value, repr(value)
        for c in row.contacts:  # a relationship may be left blank
            assert c.relationship.isprintable() and c.relationship == c.relationship.strip(), repr(c.relationship)


@given(st.binary(max_size=3000))
@FUZZ
@example(b"\xff\xfeA\x00")
@example(b"Adno,Legal Surname\n1,\x1b[2J\n")
def test_any_bytes_as_a_roster_parse_or_refuse_cleanly(data):
    try:
        result = parse_roster(data)
    except RosterFileError as exc:
        assert clean(str(exc)), repr(str(exc))
        return
    _check_parsed(result)


cell = st.one_of(nasty_text, st.sampled_from(["Smith", "O'Brien", "Zoë", "5", "6", "Oak", "Year 6", "R", "N"]))


@given(
    rows=st.lists(st.tuples(st.integers(0, 999_999), cell, cell, cell, cell, cell, cell), min_size=1, max_size=5),
    tail=st.binary(max_size=20),
)
@example(rows=[(1, "\ud7fc", "Ava", "6", "Oak", "Mum", "Mother")], tail=b"")  # unassigned: refused
@example(rows=[(2, "\ue000", "Ava", "6", "Oak", "Mum", "Mother")], tail=b"")  # private use: refused
@example(rows=[(3, "Smith\u00a0Jones", "Ava", "6", "Oak", "Mum\u3000Smith", "Mother")], tail=b"")  # spaces made plain
@FUZZ
def test_fuzzed_roster_rows_import_or_are_rejected_cleanly(sqlite_db, rows, tail):
    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    body = "".join(f"{adno:06d}," + ",".join(field(c) for c in cells) + "\r\n" for adno, *cells in rows)
    data = (HEADER + body).encode("utf-8", "surrogatepass") + tail
    try:
        result = parse_roster(data, today=NOW.date())
    except RosterFileError as exc:
        assert clean(str(exc)), repr(str(exc))
        return
    _check_parsed(result)
    try:
        import_roster(result, skip_invalid=True, now=NOW)
    except KioskError as exc:
        assert clean(str(exc)), repr(str(exc))
    for p in Pupil.select():
        assert shown_as_is(p.first_name) and shown_as_is(p.last_name) and len(p.first_name) <= 100
    for c in Contact.select():
        assert shown_as_is(c.name) and len(c.name) <= 100
    assert all(shown_as_is(c.name) for c in SchoolClass.select())


def test_roster_values_longer_than_their_columns_are_rejected_not_stored(database):
    long_name = "A" * 10_000
    data = (
        HEADER
        + f"000001,{long_name},Ava,6,Oak,Mum,Mother\r\n000002,Jones,Ben,6,Oak,{long_name},Mother\r\n"
        + f"000003,Smith,Cara,6,{'O' * 200},Dad,Father\r\n"
    ).encode()
    result = parse_roster(data, today=NOW.date())
    assert [e.line for e in result.errors] == [2, 3, 4]
    assert all(clean(e.message) and len(e.message) < 200 for e in result.errors)
    with pytest.raises(KioskError):
        import_roster(result, now=NOW)
    assert Pupil.select().count() == 0


def test_a_refused_import_leaves_no_transaction_open_and_the_database_reopens(sqlite_db):
    from models.store.db import db

    data = (HEADER + f"000001,{'A' * 10_000},Ava,6,Oak,Mum,Mother\r\n").encode()
    with pytest.raises(KioskError):
        import_roster(parse_roster(data, today=NOW.date()), now=NOW)
    assert db.transaction_depth() == 0 and not db.in_transaction()
    close_db()
    open_database(sqlite_db)
    assert Pupil.select().count() == 0
