"""Roster CSV parsing (models.school.roster) and safe CSV export (models.store.csvsafe)."""

from __future__ import annotations

import csv
import datetime
import io
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.errors import KioskError
from models.school import roster
from models.school.roster import RosterContact, RosterFileError, RosterResult, RowError, parse_roster
from models.store.csvsafe import neutralise, write_csv
from tests.paths import REPO

SAMPLES = Path(os.environ.get("KIOSK_SAMPLES_DIR") or REPO.parent / "shared" / "samples")
SIMS_HEADER = (
    "Adno,Legal Surname,Legal Forename,Year,Reg,DOB,Priority 1 Contact Name,"
    "Priority 1 Contact Relationship,Priority 2 Contact Name,Priority 2 Contact Relationship"
)
TODAY = datetime.date(2025, 9, 1)
CLASSES = {"Acorns": 0, "Saplings": 1, "Hazel": 2, "Rowan": 3, "Beech": 4, "Chestnut": 5, "Oak": 6}


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample {name} not found in {SAMPLES} (set KIOSK_SAMPLES_DIR to the samples folder)")
    return path


def csv_bytes(*lines: str, header: str = SIMS_HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join((header, *lines)) + "\r\n").encode(encoding)


def one_error(*lines: str, **kw) -> str:
    result = parse_roster(csv_bytes(*lines, **kw), today=TODAY)
    assert result.rows == []
    assert len(result.errors) == 1
    return result.errors[0].message


GOOD = "001003,Jones,Arthur,Reception,Acorns,24/11/2019,Ibrahim Jones,Father,Ivy Phillips,Mother"


# --- the three samples --------------------------------------------------------------


def test_sims_sample_all_pupils_classes_contacts_and_leading_zeros():
    result = parse_roster(sample("roster-sims-style.csv"))

    assert result.errors == [] and result.warnings == []
    assert result.source_format == "SIMS" and result.encoding == "utf-8"
    assert len(result.rows) == 210
    assert [r.line for r in result.rows] == list(range(2, 212))
    assert {r.class_name: r.year_group for r in result.rows} == CLASSES
    for name in CLASSES:
        assert sum(r.class_name == name for r in result.rows) == 30
    assert len({r.admission_no for r in result.rows}) == 210
    assert all(r.admission_no.startswith("00") and len(r.admission_no) == 6 for r in result.rows)

    first = result.rows[0]
    assert (first.admission_no, first.first_name, first.last_name) == ("001003", "Arthur", "Jones")
    assert first.dob == datetime.date(2019, 11, 24)
    assert first.contacts == (
        RosterContact("Ibrahim Jones", "Father", 1),
        RosterContact("Ivy Phillips", "Mother", 2),
    )
    last = result.rows[-1]  # 001415 has only a priority 1 contact
    assert last.contacts == (RosterContact("Olumide Thompson", "Grandparent", 1),)
    assert all(1 <= len(r.contacts) <= 2 for r in result.rows)


def test_arbor_sample_bom_iso_dates_and_same_pupils_as_sims():
    arbor = parse_roster(sample("roster-arbor-style.csv"))
    sims = {r.admission_no: r for r in parse_roster(sample("roster-sims-style.csv")).rows}

    assert arbor.errors == [] and arbor.warnings == []
    assert arbor.source_format == "Arbor"
    assert len(arbor.rows) == 60
    assert arbor.rows[0].admission_no == "001003"  # no BOM stuck to the first heading or value
    assert arbor.rows[0].dob == datetime.date(2019, 11, 24)  # 2019-11-24
    for row in arbor.rows:
        twin = sims[row.admission_no]
        assert (row.line, row.first_name, row.last_name, row.year_group, row.class_name, row.dob) == (
            twin.line,
            twin.first_name,
            twin.last_name,
            twin.year_group,
            twin.class_name,
            twin.dob,
        )
        assert row.contacts == twin.contacts[:1]  # Arbor export has the primary guardian only


def test_errors_sample_six_errors_formula_kept_irish_letters_intact():
    result = parse_roster(sample("roster-with-errors.csv"))

    assert result.errors == [
        RowError(3, "line 3: admission number is missing"),
        RowError(4, "line 4: forename is missing; surname is missing"),
        RowError(5, "line 5: date of birth 31/02/2015 is not a real date"),
        RowError(6, "line 6: admission number 002001 is repeated (first on line 2)"),
        RowError(7, "line 7: expected 10 columns, found 3"),
        RowError(8, "line 8: year group 'Year 14' is not a primary-school year (Nursery, Reception, Year 1 to Year 6)"),
    ]
    assert [r.line for r in result.rows] == [2, 9, 10]
    okafor, formula, irish = result.rows
    assert okafor.first_name == "Chidera"  # the first 002001 is kept, the repeat refused
    assert formula.last_name == "=cmd|' /C calc'!A0"
    assert (irish.first_name, irish.last_name) == ("Saoirse", "Ní Bhriain")
    assert irish.contacts == (RosterContact("Orla Ní Bhriain", "Mother", 1),)


def test_windows_1252_copy_of_sims_parses_identically(tmp_path):
    path = sample("roster-sims-style.csv")
    utf8 = parse_roster(path)
    text = path.read_text(encoding="utf-8")
    text += "009999,Lefèvre,Zoé Renée,Year 2,Hazel,01/02/2017,Siân Lefèvre,Mother,,\n"
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes(text.encode("cp1252"))

    result = parse_roster(cp)

    assert result.encoding == "cp1252" and result.errors == []
    assert result.rows[:-1] == utf8.rows
    assert any(r.last_name == "Ní" for r in result.rows)  # í
    assert any(r.last_name == "Løvaas" for r in result.rows)  # ø
    extra = result.rows[-1]
    assert (extra.first_name, extra.last_name) == ("Zoé Renée", "Lefèvre")
    assert extra.contacts == (RosterContact("Siân Lefèvre", "Mother", 1),)


# --- whole-file problems -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the roster file is empty"),
        (b"\r\n  \r\n,,,\r\n", "the roster file is empty"),
        (SIMS_HEADER.encode() + b"\r\n\r\n", "the roster file has column headings on line 1 but no pupils below them"),
        (
            SIMS_HEADER.replace(",Reg,", ",Teacher,").encode() + b"\r\n" + GOOD.encode(),
            "the roster file has no class column (expected a heading such as 'Reg')",
        ),
        (
            b"Adno,Surname,Year\r\n1,Smith,3\r\n",
            "the roster file has no forename and class columns (expected headings such as 'Legal Forename' and 'Reg')",
        ),
        (
            GOOD.encode() + b"\r\n",
            "the first line of the roster file is not a row of column headings "
            "(expected headings such as 'Adno', 'Legal Surname', 'Legal Forename', 'Year' and 'Reg')",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01",
            "the roster file contains binary data and is not a CSV export",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "the roster file is an Excel workbook, not CSV: open it in Excel and save it as CSV",
        ),
        (
            SIMS_HEADER.encode() + b"\r\n001,\x81\x8d\x8f\x90\x9d",
            "the roster file is not text in a known encoding (UTF-8 or Windows-1252): export it again as CSV",
        ),
        (
            SIMS_HEADER.encode() + b'\r\n001,"' + b"x" * 200_000 + b'"\r\n',
            "line 2: the roster file is not valid CSV ('field larger than field limit (131072)')",
        ),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "no-class",
        "two-missing",
        "no-header",
        "png",
        "xlsx",
        "undecodable",
        "huge-field",
    ],
)
def test_whole_file_problems_are_one_plain_line(data, expected):
    with pytest.raises(RosterFileError) as caught:
        parse_roster(data)
    assert str(caught.value) == expected
    assert isinstance(caught.value, KioskError)  # the UI shows every KioskError the same way


def test_unreadable_and_oversized_paths(tmp_path):
    with pytest.raises(RosterFileError, match="does not exist"):
        parse_roster(tmp_path / "nope.csv")
    with pytest.raises(RosterFileError, match="is a folder"):
        parse_roster(str(tmp_path))
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # sparse: refused from its size, never read
        fh.truncate(roster.MAX_BYTES + 1)
    with pytest.raises(RosterFileError, match=r"too large \(20.0 MB; the limit is 20 MB\)"):
        parse_roster(big)
    with pytest.raises(RosterFileError, match="too large"):
        parse_roster(b"x" * (roster.MAX_BYTES + 1))


# --- rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Nursery", -1),
        ("N", -1),
        ("N2", -1),
        ("-1", -1),
        ("FS1", -1),
        ("Reception", 0),
        ("R", 0),
        ("Rec", 0),
        ("Year R", 0),
        ("YR", 0),
        ("0", 0),
        ("Year 1", 1),
        ("Y3", 3),
        ("3", 3),
        ("year  6", 6),
        ("NC Year 5", 5),
        ("Yr 2", 2),
    ],
)
def test_year_group_spellings(text, year):
    row = GOOD.replace(",Reception,", f",{text},")
    assert parse_roster(csv_bytes(row)).rows[0].year_group == year


@pytest.mark.parametrize("text", ["Year 7", "Year 14", "13", "-3", "Year -1", "Toddlers", "Y 3b"])
def test_year_groups_outside_primary_are_refused(text):
    assert one_error(GOOD.replace(",Reception,", f",{text},")) == (
        f"line 2: year group '{text}' is not a primary-school year (Nursery, Reception, Year 1 to Year 6)"
    )


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("24/11/2019", datetime.date(2019, 11, 24)),
        ("4/1/2019", datetime.date(2019, 1, 4)),
        ("2019-11-24", datetime.date(2019, 11, 24)),
        ("", None),
    ],
)
def test_date_formats(dob, expected):
    assert parse_roster(csv_bytes(GOOD.replace("24/11/2019", dob))).rows[0].dob == expected


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        ("31/02/2015", "date of birth 31/02/2015 is not a real date"),
        ("2015-13-01", "date of birth 2015-13-01 is not a real date"),
        ("02/09/2025", "date of birth 02/09/2025 is in the future"),
        ("11/24/2019", "date of birth 11/24/2019 is not a real date"),
        ("24.11.2019", "date of birth '24.11.2019' is not a date in the form DD/MM/YYYY or YYYY-MM-DD"),
        ("24/11/19", "date of birth '24/11/19' is not a date in the form DD/MM/YYYY or YYYY-MM-DD"),
    ],
)
def test_bad_dates_are_row_errors(dob, message):
    assert one_error(GOOD.replace("24/11/2019", dob)) == f"line 2: {message}"


def test_control_characters_are_refused_not_stripped():
    assert one_error(GOOD.replace("Jones,Arthur", "Jo\x1b[2Jnes,Arthur")) == (
        "line 2: surname contains a control character (U+001B), which is not allowed"
    )
    assert one_error(GOOD.replace("Arthur", "Arthur\t")) == (
        "line 2: forename contains a control character (U+0009), which is not allowed"
    )
    assert one_error(GOOD.replace("Arthur", "Art\u202ehur")) == (  # right-to-left override
        "line 2: forename contains a control character (U+202E), which is not allowed"
    )
    # a quoted newline inside a name: one record, refused, reported where it starts
    assert one_error(GOOD.replace("Arthur", '"Art\nhur"')) == (
        "line 2: forename contains a control character (U+000A), which is not allowed"
    )


def test_field_length_and_admission_number_shape():
    assert one_error(GOOD.replace("Arthur", "A" * 101)) == "line 2: forename is longer than 100 characters"
    assert parse_roster(csv_bytes(GOOD.replace("Arthur", "A" * 100))).rows[0].first_name == "A" * 100
    assert one_error(GOOD.replace("001003", "00-1003")) == (
        "line 2: admission number '00-1003' must be 1 to 20 letters or digits"
    )
    assert one_error(GOOD.replace("001003", "A" * 21)) == (
        f"line 2: admission number '{'A' * 21}' must be 1 to 20 letters or digits"
    )
    assert parse_roster(csv_bytes(GOOD.replace("001003", "AB0001234567890123CD"))).rows[0].admission_no == (
        "AB0001234567890123CD"
    )


def test_several_problems_on_one_line_make_one_error():
    assert one_error(",,Arthur,Year 9,,32/01/2019,,,,") == (
        "line 2: admission number is missing; surname is missing; class is missing; "
        "year group 'Year 9' is not a primary-school year (Nursery, Reception, Year 1 to Year 6); "
        "date of birth 32/01/2019 is not a real date"
    )


def test_whitespace_stripped_formula_text_kept_and_extra_empty_columns_tolerated():
    row = '  001003 , Jones ,@SUM(A1), Year 1 ,-Acorns,24/11/2019,=HYPERLINK("x"),Father,,,,'
    result = parse_roster(csv_bytes(row))
    (got,) = result.rows
    assert (got.admission_no, got.last_name, got.first_name, got.class_name) == (
        "001003",
        "Jones",
        "@SUM(A1)",
        "-Acorns",
    )
    assert got.contacts == (RosterContact('=HYPERLINK("x")', "Father", 1),)
    assert one_error(GOOD + ",surplus") == "line 2: expected 10 columns, found 11"


def test_line_numbers_follow_blank_lines_and_multiline_quoted_fields():
    lines = [
        GOOD,
        "",
        ",,,,,,,,,",
        GOOD.replace("001003", "001004").replace("Ibrahim Jones", '"Ibrahim\nJones"'),
        GOOD.replace("001003", "001005"),
        GOOD.replace("001003", "001006").replace("Acorns", ""),
    ]
    result = parse_roster(csv_bytes(*lines), today=TODAY)
    assert [r.line for r in result.rows] == [2, 7]
    assert [e.message for e in result.errors] == [
        "line 5: priority 1 contact name contains a control character (U+000A), which is not allowed",
        "line 8: class is missing",
    ]


def test_header_aliases_unknown_columns_and_semicolons():
    header = "UPN;Pupil ID;FORENAME;Preferred Forename;surname;NC-Year;Form;Date of Birth;Gender;Contact 1 Name"
    data = csv_bytes("A123;0042;Mohammed;Mo;Khan;Y2;Hazel;2017-03-01;M;Aisha Khan", header=header)
    result = parse_roster(data)
    (row,) = result.rows
    assert result.source_format == "generic"
    assert (row.admission_no, row.first_name, row.last_name, row.year_group, row.class_name) == (
        "0042",
        "Mohammed",
        "Khan",
        2,
        "Hazel",
    )
    assert row.contacts == (RosterContact("Aisha Khan", "", 1),)
    assert result.warnings == ["ignored 3 columns the kiosk does not use: 'UPN', 'Preferred Forename', 'Gender'"]


def test_contact_relationship_without_name_is_dropped_with_a_warning():
    result = parse_roster(csv_bytes(GOOD.replace("Ivy Phillips", "")))
    assert result.rows[0].contacts == (RosterContact("Ibrahim Jones", "Father", 1),)
    assert result.warnings == [
        "line 2: priority 2 contact has a relationship ('Mother') but no name, so it was left out"
    ]


def test_utf16_excel_unicode_text_export():
    text = SIMS_HEADER.replace(",", "\t") + "\r\n" + GOOD.replace(",", "\t").replace("Jones", "Ó Sé") + "\r\n"
    result = parse_roster(text.encode("utf-16"))
    assert result.encoding == "utf-16"
    assert result.rows[0].last_name == "Ó Sé"


# --- properties --------------------------------------------------------------------


def _assert_clean(result: RosterResult) -> None:
    """One row or one error per line, and no message can smuggle a control character."""
    lines = [r.line for r in result.rows] + [e.line for e in result.errors]
    assert len(lines) == len(set(lines))
    for e in result.errors:
        assert e.message.startswith(f"line {e.line}: ")
    for text in [e.message for e in result.errors] + result.warnings:
        assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda b: csv_bytes() + b)))
def test_arbitrary_bytes_only_ever_raise_roster_file_error(data):
    try:
        result = parse_roster(data)
    except RosterFileError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    _assert_clean(result)


plausible = st.sampled_from(
    [
        "001234",
        "1234",
        "Smith",
        "Ní Bhriain",
        "Year 3",
        "R",
        "Year 14",
        "Oak",
        "01/02/2016",
        "2016-02-30",
        "=1+1",
        "@x",
        "",
        " ",
        "Mother",
        "\x1b[31m",
        "A" * 101,
    ]
)
cell = st.one_of(
    plausible,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=25),
)
pupil = st.tuples(  # mostly valid rows, so the property also covers accepted rows and repeats
    st.from_regex(r"00[0-9]{2}", fullmatch=True),
    st.sampled_from(["Smith", "Ní Bhriain", "=1+1"]),
    st.sampled_from(["Amy", " Zoé "]),
    st.sampled_from(["R", "Year 3", "Nursery", "Year 9"]),
    st.sampled_from(["Oak", "Rowan"]),
    st.sampled_from(["", "01/02/2016", "2016-02-30"]),
    cell,
    cell,
    st.just(""),
    st.just(""),
).map(list)
record = st.one_of(pupil, st.lists(cell, min_size=10, max_size=10), st.lists(cell, max_size=13))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, max_size=15))
def test_every_non_blank_line_is_a_row_or_an_error(records):
    buffer = io.StringIO(newline="")
    buffer.write(SIMS_HEADER + "\r\n")
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    expected = {i + 2 for i, rec in enumerate(records) if any(v.strip() for v in rec)}
    try:
        result = parse_roster(buffer.getvalue().encode("utf-8"), today=TODAY)
    except RosterFileError as exc:
        assert not expected and str(exc).endswith("but no pupils below them")
        return
    _assert_clean(result)
    assert {r.line for r in result.rows} | {e.line for e in result.errors} == expected


# --- csvsafe -----------------------------------------------------------------------


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_prefixes_every_dangerous_first_character(first):
    assert neutralise(first + "1+1") == "'" + first + "1+1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("Smith", "Smith"),
        ("", ""),
        ("O'Brien", "O'Brien"),
        ("a=b", "a=b"),
        ("'=1", "'=1"),
        (-1, "-1"),
        (3.5, "3.5"),
        (True, "True"),
        (datetime.date(2019, 11, 24), "2019-11-24"),
    ],
)
def test_neutralise_leaves_safe_values_alone(value, expected):
    assert neutralise(value) == expected


def test_write_csv_round_trips_with_apostrophes_and_crlf():
    rows = [["002008", "=cmd|' /C calc'!A0", "+44 1234", None, -1], ["002009", "Ní Bhriain", "@x", "\tTab", 6]]
    fh = io.StringIO(newline="")
    write_csv(fh, ["Adno", "Surname", "Phone", "Note", "Year"], rows)
    raw = fh.getvalue()
    assert raw.count("\r\n") == 3 and "\n" not in raw.replace("\r\n", "")
    assert list(csv.reader(io.StringIO(raw, newline=""))) == [
        ["Adno", "Surname", "Phone", "Note", "Year"],
        ["002008", "'=cmd|' /C calc'!A0", "'+44 1234", "", "-1"],
        ["002009", "Ní Bhriain", "'@x", "'\tTab", "6"],
    ]
