"""Importing the three sample MIS exports into the database: all or nothing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.audit import chain as audit
from models.school.people import RosterRejected, contacts_of, import_roster
from models.school.roster import parse_roster
from models.store.tables import AuditEntry, Contact, Pupil, SchoolClass
from tests.school import NOW


def test_sims_then_arbor_updates_not_duplicates(database, samples):
    s = import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    assert (s.added, s.updated, s.rejected) == (210, 0, 0)
    assert SchoolClass.select().count() == 7
    assert Pupil.get(Pupil.admission_no == "001003").school_class.name == "Acorns"
    a = import_roster(parse_roster(samples / "roster-arbor-style.csv"), now=NOW)
    assert a.added == 0 and a.updated + a.unchanged == 60
    assert Pupil.select().count() == 210
    again = import_roster(parse_roster(samples / "roster-arbor-style.csv"), now=NOW)
    assert again.unchanged == 60 and again.updated == 0
    assert audit.verify().ok


def test_file_with_errors_changes_nothing(database, samples):
    result = parse_roster(samples / "roster-with-errors.csv")
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7, 8]
    with pytest.raises(RosterRejected) as err:
        import_roster(result, now=NOW)
    assert str(err.value) == (
        "6 rows were rejected, so nothing was imported. Fix the file, or use --skip-invalid to import the other rows."
    )
    assert Pupil.select().count() == 0 and Contact.select().count() == 0


def test_skip_invalid_imports_good_rows_keeping_formula_and_irish_text(database, samples):
    s = import_roster(parse_roster(samples / "roster-with-errors.csv"), skip_invalid=True, now=NOW)
    assert (s.added, s.rejected) == (3, 6)
    formula = Pupil.get(Pupil.admission_no == "002008")
    assert formula.last_name == "=cmd|' /C calc'!A0"
    irish = Pupil.get(Pupil.admission_no == "002009")
    assert irish.last_name == "Ní Bhriain"
    assert Contact.get(Contact.pupil == irish).name == "Orla Ní Bhriain"


def active_contacts(adno):
    pupil = Pupil.get(Pupil.admission_no == adno)
    return [(c.name, c.relationship, c.priority) for c in contacts_of(pupil.id)]


def everyones_contacts():
    return {(c.pupil_id, c.name, c.relationship, c.priority, c.active) for c in Contact.select()}


SIMS_HEADER = (
    "Adno,Legal Surname,Legal Forename,Year,Reg,DOB,Priority 1 Contact Name,Priority 1 Contact Relationship,"
    "Priority 2 Contact Name,Priority 2 Contact Relationship\n"
)


def sims(*lines: str):
    return parse_roster((SIMS_HEADER + "".join(line + "\n" for line in lines)).encode())


def test_an_arbor_import_after_sims_keeps_the_second_contacts(database, samples):
    import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    before = everyones_contacts()
    assert active_contacts("001003") == [("Ibrahim Jones", "Father", 1), ("Ivy Phillips", "Mother", 2)]
    summary = import_roster(parse_roster(samples / "roster-arbor-style.csv"), now=NOW)  # only the primary guardian
    assert active_contacts("001003") == [("Ibrahim Jones", "Father", 1), ("Ivy Phillips", "Mother", 2)]
    assert everyones_contacts() == before  # the file has no column for a second contact: nothing about them changes
    assert (summary.unchanged, summary.updated) == (60, 0) and summary.contact_changes == []
    assert "contacts" not in summary.line()


def test_contacts_are_matched_by_name_not_position(database, samples):
    import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    count = Contact.select().count()
    summary = import_roster(
        sims("001003,Jones,Arthur,Reception,Acorns,24/11/2019,ivy  PHILLIPS,Mother,Ibrahim Jones,Father"), now=NOW
    )
    assert Contact.select().count() == count  # the same two people, not two new ones
    assert active_contacts("001003") == [("Ivy Phillips", "Mother", 1), ("Ibrahim Jones", "Father", 2)]
    assert [c.line() for c in summary.contact_changes] == [
        "changed: Ivy Phillips, contact of Arthur Jones (001003): priority 2 to 1",
        "changed: Ibrahim Jones, contact of Arthur Jones (001003): priority 1 to 2",
    ]


def test_a_contact_the_file_drops_is_switched_off_and_listed(database, samples):
    import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    summary = import_roster(
        sims(
            "001003,Jones,Arthur,Reception,Acorns,24/11/2019,Ibrahim Jones,Father,,",
            "001006,Allen,Noah,Reception,Acorns,01/10/2019,Alfie Allen,Mother,Sam Allen,Stepfather",
        ),
        now=NOW,
    )
    assert active_contacts("001003") == [("Ibrahim Jones", "Father", 1)]
    ivy = Contact.get(Contact.name == "Ivy Phillips")
    assert not ivy.active  # kept (events may name her), but can no longer collect
    assert [c.line() for c in summary.contact_changes] == [
        "switched off: Ivy Phillips (Mother), contact of Arthur Jones (001003)",
        "added: Sam Allen (Stepfather), contact of Noah Allen (001006): priority 2",
        "switched off: Harry White (Aunt), contact of Noah Allen (001006)",
    ]
    assert "contacts: 1 added, 2 switched off" in summary.line()
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    details = json.loads(entry.details)
    assert sorted(details["contacts"]["switched_off"]) == sorted(
        [ivy.id, Contact.get(Contact.name == "Harry White").id]
    )
    assert "Ivy" not in entry.details  # ids only
    # Named again: switched back on, and said so.
    again = import_roster(
        sims("001003,Jones,Arthur,Reception,Acorns,24/11/2019,Ibrahim Jones,Father,Ivy Phillips,Mother"), now=NOW
    )
    assert [c.line() for c in again.contact_changes] == [
        "changed: Ivy Phillips, contact of Arthur Jones (001003): switched back on",
    ]


def test_an_import_changes_only_what_its_file_has_columns_for(database, samples):
    import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    dob = Pupil.get(Pupil.admission_no == "001003").dob
    bare = parse_roster(
        b"Adno,Legal Surname,Legal Forename,Year,Reg,Priority 1 Contact Name\n"
        b"001003,Jones,Arthur,Reception,Acorns,Ibrahim Jones\n"
    )
    summary = import_roster(bare, now=NOW)
    assert Pupil.get(Pupil.admission_no == "001003").dob == dob  # no DOB column: the date of birth stays
    assert active_contacts("001003") == [("Ibrahim Jones", "Father", 1), ("Ivy Phillips", "Mother", 2)]
    assert (summary.unchanged, summary.contact_changes) == (1, [])


def test_the_cli_lists_every_contact_change(database, samples, tmp_path, capsys, monkeypatch):
    from kiosk.cli import main
    from models.staff.auth import OFFICE, create_staff

    create_staff("roster", "Roster Office", [OFFICE], "482916")
    monkeypatch.setenv("KIOSK_PIN", "482916")

    assert main(["roster", "import", str(samples / "roster-sims-style.csv"), "--as", "roster", "--db", database]) == 0
    capsys.readouterr()
    f = tmp_path / "one.csv"
    f.write_text(SIMS_HEADER + "001003,Jones,Arthur,Reception,Acorns,24/11/2019,Ibrahim Jones,Father,,\n")
    assert main(["roster", "import", str(f), "--as", "roster", "--db", database]) == 0
    out = capsys.readouterr().out
    assert "0 added, 1 updated, 0 unchanged; contacts: 1 switched off" in out
    assert "  switched off: Ivy Phillips (Mother), contact of Arthur Jones (001003)" in out.splitlines()
    assert main(["roster", "import", str(samples / "roster-arbor-style.csv"), "--as", "roster", "--db", database]) == 0
    out = capsys.readouterr().out
    assert "switched off" not in out and "Ivy" not in out


# ---------------------------------------------------------------- the rule, for any two files

PEOPLE = ["Ivy Phillips", "Ibrahim Jones", "Sam Allen", "Jo Ward"]
SPELLINGS = st.sampled_from([str, str, lambda n: n.upper() + " ", lambda n: " " + n.replace(" ", "  "), str.lower])
_counter = iter(range(100000, 999999))


@st.composite
def contact_file(draw):
    """Which contact positions the file has columns for, and who it names in them."""
    positions = sorted(draw(st.sets(st.integers(1, 3), max_size=3)))
    with_relationship = draw(st.booleans())
    cells = {}
    for p in positions:
        name = draw(st.sampled_from(PEOPLE + [""]))
        cells[p] = (draw(SPELLINGS)(name) if name else "", draw(st.sampled_from(["Mother", "Father", "Aunt", ""])))
    return positions, with_relationship, cells


def _csv(adno, spec):
    positions, with_relationship, cells = spec
    head = ["Adno", "Legal Surname", "Legal Forename", "Year", "Reg"]
    row = [adno, "Jones", "Arthur", "Reception", "Acorns"]
    for p in positions:
        head.append(f"Priority {p} Contact Name")
        row.append(cells[p][0])
        if with_relationship:
            head.append(f"Priority {p} Contact Relationship")
            row.append(cells[p][1])
    return parse_roster((",".join(head) + "\n" + ",".join(row) + "\n").encode())


def _state(pupil_id):
    return {
        c.id: (c.name, c.relationship, c.priority, c.active) for c in Contact.select().where(Contact.pupil == pupil_id)
    }


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=contact_file(), second=contact_file())
def test_a_second_file_changes_only_its_columns_and_lists_every_change(database, first, second):
    adno = f"{next(_counter)}"
    import_roster(_csv(adno, first), now=NOW)
    pupil = Pupil.get(Pupil.admission_no == adno)
    before = _state(pupil.id)
    summary = import_roster(_csv(adno, second), now=NOW)
    after = _state(pupil.id)
    positions, _rel, cells = second
    named = {}
    for p in positions:  # the first position a person is named at counts
        key = " ".join(cells[p][0].split()).casefold()
        if key:
            named.setdefault(key, p)
    for cid, (name, relationship, priority, active) in before.items():
        key = " ".join(name.split()).casefold()
        if key in named:
            assert after[cid][2:] == (named[key], True)  # matched by name, whatever its position was
        elif active and priority in positions:
            assert after[cid][3] is False  # its position is in the file and someone else is there
        else:
            assert after[cid] == (name, relationship, priority, active)  # the file says nothing about it
    # Every difference is listed, and nothing else.
    listed = {(c.action, c.contact_id) for c in summary.contact_changes}
    expected = {("added", cid) for cid in after.keys() - before.keys()}
    expected |= {("switched off", cid) for cid in before if before[cid][3] and not after[cid][3]}
    expected |= {("changed", cid) for cid in before if before[cid] != after[cid] and after[cid][3]}
    assert listed == expected
    assert all(len(c.line().splitlines()) == 1 and c.admission_no == adno for c in summary.contact_changes)
