"""Importing the three sample MIS exports into the database: all or nothing."""

import pytest

from models import audit
from models.people import RosterRejected, import_roster
from models.roster import parse_roster
from models.tables import Contact, Pupil, SchoolClass
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


def test_contacts_dropped_from_the_file_are_kept_inactive(database, samples):
    import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "001003")
    assert Contact.select().where((Contact.pupil == pupil) & Contact.active).count() == 2
    import_roster(parse_roster(samples / "roster-arbor-style.csv"), now=NOW)  # only the primary guardian
    assert Contact.select().where((Contact.pupil == pupil) & Contact.active).count() == 1
    assert Contact.select().where(Contact.pupil == pupil).count() == 2
