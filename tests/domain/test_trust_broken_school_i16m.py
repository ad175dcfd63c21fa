"""Issue 16 (the tester): one school's own database role could break every report across
the trust. It owns its tables, so ``ALTER TABLE site_elm.concern RENAME TO concern_old``
made ``kiosk trust feed`` fail for the whole trust ("Unexpected error (ProgrammingError)"),
and dropping its ``custody_event`` did the same to the compliance and the governors'
figures. Now a school missing a table the kiosk made at its version is not ready
(:data:`models.trust.INCOMPLETE`); and a school the database refuses to read (a column
dropped) is marked not read (:data:`models.trust.UNREADABLE`), its read undone to a
savepoint: the other schools are still reported."""

from __future__ import annotations

import datetime as dt

import pytest

from models import trust
from models.reports import governors as gov
from models.safeguarding.concerns import raise_concern
from models.store.db import db
from models.store.tables import ALL_MODELS, Pupil
from models.trust.reports import compliance_across, feed_read, governors_across
from models.upkeep.migrations import LATEST, tables_at, version_implied
from tests.conftest import NOW, POSTGRES_URL
from tests.domain.test_trust_sites_i16s import _trust_staff, _two_schools, trust_db  # noqa: F401 (a fixture)

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")
LATER = NOW + dt.timedelta(hours=1)


def test_the_tables_of_a_version_are_those_its_migrations_made():
    assert tables_at(LATEST) == {m._meta.table_name for m in ALL_MODELS}
    assert "visitor" not in tables_at(1) and "visitor" in tables_at(2)
    assert "concern" in tables_at(3) and "concern_seen" not in tables_at(15) and "concern_seen" in tables_at(16)
    assert version_implied({"custody_event", "visitor", "concern"}) == 3
    assert version_implied(set()) == 1


def _broken_trust(url, school):
    """Site 1 (two hand-ins and a concern), Elm (a hand-in, a confiscation, a concern); the two
    readers across the trust."""
    _two_schools(url, school)
    pupil = Pupil.get(Pupil.admission_no == "000003")
    raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil.id, what="Crying at lunch", category="bullying", now=NOW
    )
    return _trust_staff()


def _site_1_still_reported(lead, tdsl, broken_state):
    rows = compliance_across(lead, NOW.date(), NOW.date(), now=LATER)
    one, elm, total = rows
    assert (one.site.code, one.handed_in, one.expected) == ("", 2, 5)
    assert elm.site.state == broken_state and elm.as_dict()["handed_in"] is None
    assert elm.site.lost and elm.site.state_text.startswith("not read") and "site_elm" in elm.site.fault_text
    assert total.handed_in == 2 and total.left_out == (elm.site,)

    entries, gone = feed_read(tdsl, NOW.date(), NOW.date(), now=LATER)
    assert {(e.site.code, e.entry.kind) for e in entries} == {("", "concern")}
    assert [(s.code, s.state) for s in gone] == [("elm", broken_state)]

    term = gov.resolve_term(None, NOW.date(), NOW.date())
    (one_site, one_report), (elm_site, elm_report) = governors_across(lead, term, now=LATER)
    assert one_report is not None and one_site.code == ""
    assert elm_report is None and elm_site.state == broken_state


@needs_postgres
@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE site_elm.concern RENAME TO concern_old",  # the tester's
        "DROP TABLE site_elm.custody_event CASCADE",  # the tester's
        "DROP TABLE site_elm.concern_seen",  # the newest version's own table: found by the version record
    ],
)
def test_a_school_missing_a_table_is_not_read_and_the_others_are_reported(trust_db, change):  # noqa: F811
    url, school = trust_db
    lead, tdsl = _broken_trust(url, school)
    db.execute_sql(change)
    [elm] = [s for s in trust.all_sites() if s.code == "elm"]
    assert elm.state == trust.INCOMPLETE and not elm.ready
    assert "gone from site_elm" in elm.state_text and "renamed or dropped outside the kiosk" in elm.fault_text
    _site_1_still_reported(lead, tdsl, trust.INCOMPLETE)
    problems = trust.registry_problems()
    assert any("'Elm Primary' (elm): tables the kiosk made are gone" in p for p in problems), problems


@needs_postgres
@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE site_elm.concern DROP COLUMN what CASCADE",  # the feed reads it
        "ALTER TABLE site_elm.custody_event DROP COLUMN kind CASCADE",  # every report reads its custody events
    ],
)
def test_a_school_the_database_refuses_to_read_is_not_read_and_the_others_are_reported(trust_db, change):  # noqa: F811
    url, school = trust_db
    lead, tdsl = _broken_trust(url, school)
    db.execute_sql(change)
    if "concern" in change:  # the feed fails at Elm; its figures are still read
        entries, gone = feed_read(tdsl, NOW.date(), NOW.date(), now=LATER)
        assert {(e.site.code, e.entry.kind) for e in entries} == {("", "concern")}
        assert [(s.code, s.state) for s in gone] == [("elm", trust.UNREADABLE)]
        assert "could not be read" in gone[0].fault_text and gone[0].state_text.startswith("not read")
        assert compliance_across(lead, NOW.date(), NOW.date(), now=LATER)[1].handed_in == 1
    else:
        _site_1_still_reported(lead, tdsl, trust.UNREADABLE)
    assert not db.in_transaction()  # the read's transaction ended (its savepoint undid Elm's read only)


@needs_postgres
def test_the_trust_feed_and_governors_refuse_days_after_today_as_the_compliance_does(trust_db):  # noqa: F811
    from models.errors import ValidationError

    url, school = trust_db
    lead, tdsl = _trust_staff()
    today = NOW.date()
    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="The end date is after today"):
        compliance_across(lead, today, tomorrow, now=NOW)
    with pytest.raises(ValidationError, match="The end date is after today"):
        feed_read(tdsl, today, tomorrow, now=NOW)
    with pytest.raises(ValidationError, match="The end date is after today"):
        feed_read(tdsl, tomorrow, tomorrow + dt.timedelta(days=30), now=NOW)
    with pytest.raises(ValidationError, match="The start date is after the end date"):
        feed_read(tdsl, today, today - dt.timedelta(days=1), now=NOW)
    assert feed_read(tdsl, today, today, now=NOW) == ([], [])
    with pytest.raises(ValidationError, match="starts after today"):
        governors_across(lead, gov.resolve_term(None, tomorrow, tomorrow), now=NOW)
    under_way = gov.resolve_term(None, today, today + dt.timedelta(days=40))  # a term under way: read to today
    assert [s.code for s, rep in governors_across(lead, under_way, now=NOW) if rep is not None] == [""]
