"""Issue 16, a walk of the trust's reports: what a walker found (site codes rewritten or
reserved names let through, a compliance range in the future shown as today's figures, a
school with no hand-ins counted one school day)."""

from __future__ import annotations

import datetime as dt

import pytest

from models import sites, trust
from models.errors import ConfigError, ValidationError
from models.reports import compliance
from models.store.db import close_db
from models.upkeep.opening import open_database
from tests.conftest import NOW
from tests.domain.test_trust_sites_i16s import _trust_staff, needs_postgres, trust_db  # noqa: F401 (a fixture)
from tests.school import build

TODAY = dt.date(2026, 11, 12)  # NOW's local day (a Thursday)


# -- site codes (D9) ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Elm2", "el-m", " elm ", "ELM"])
def test_a_site_code_is_refused_not_rewritten(typed):
    # `add-site Elm2` became elm2 and `el-m` became el_m: the README says such codes are refused
    with pytest.raises(ConfigError) as err:
        sites.check_code(typed)
    assert "\n" not in str(err.value) and "lower-case" in str(err.value)


@pytest.mark.parametrize("typed", ["trust", "information_schema", "pg_toast", "pg_x", "site_elm", "public"])
def test_a_reserved_name_is_not_a_site_code(typed):
    # site_elm would be the schema site_site_elm, and KIOSK_SITE=site_elm then opened an empty school
    with pytest.raises(ConfigError) as err:
        sites.check_code(typed)
    assert "\n" not in str(err.value) and typed in str(err.value)


def test_an_over_long_code_is_refused_without_echoing_it_cut():
    typed = "a" * 45
    with pytest.raises(ConfigError) as err:
        sites.check_code(typed)
    message = str(err.value)
    assert "a" * 31 not in message and "30" in message and "\n" not in message


@pytest.mark.parametrize("typed", ["elm", "st_marys", "a1", "oak_2"])
def test_a_plain_code_is_kept_as_typed(typed):
    assert sites.check_code(typed) == typed


# -- a compliance range in the future (D5) ------------------------------------------------


@pytest.mark.parametrize(
    "from_day,to_day",
    [
        (dt.date(2029, 12, 1), dt.date(2030, 1, 1)),  # entirely in the future
        (TODAY - dt.timedelta(days=7), TODAY + dt.timedelta(days=1)),  # ends tomorrow
        (None, TODAY + dt.timedelta(days=3)),
    ],
)
def test_a_compliance_range_that_ends_after_today_is_refused(database, from_day, to_day):
    build()
    for read in (compliance.compliance, compliance.summary):
        with pytest.raises(ValidationError) as err:
            read(from_day, to_day, now=NOW)
        assert "after today" in str(err.value) and "\n" not in str(err.value)


def test_a_compliance_range_that_starts_after_today_is_refused_as_such(database):
    build()
    for read in (compliance.compliance, compliance.summary):
        with pytest.raises(ValidationError, match="after today"):
            read(TODAY + dt.timedelta(days=1), None, now=NOW)


def test_a_compliance_range_that_ends_today_is_read(database):
    build()
    assert compliance.summary(TODAY - dt.timedelta(days=7), TODAY, now=NOW).to_day == TODAY
    assert compliance.compliance(TODAY - dt.timedelta(days=7), TODAY, now=NOW).to_day == TODAY


@needs_postgres
def test_the_trust_s_compliance_refuses_a_range_in_the_future(trust_db):
    url, school = trust_db
    lead, _ = _trust_staff()
    from models.trust.reports import compliance_across

    with pytest.raises(ValidationError, match="after today"):
        compliance_across(lead, dt.date(2029, 12, 1), dt.date(2030, 1, 1), now=NOW)


# -- school days (D11) ------------------------------------------------------------------------


@needs_postgres
def test_a_school_with_no_hand_ins_has_no_school_days_in_the_trust_s_compliance(trust_db):
    # the README: school days are the days with a hand-in; `trust governors` showed 0 and
    # `trust compliance` 1 for the same school
    from models.custody.ledger import hand_in
    from models.reports import governors as gov
    from models.trust.reports import compliance_across, governors_across

    url, school = trust_db
    hand_in(school.codes["000001"], school.office, now=NOW)
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    close_db()
    open_database(sites.with_site(url, "elm"))
    build()  # Elm: pupils with phones, nothing handed in
    close_db()
    open_database(url)
    lead, _ = _trust_staff()
    later = NOW + dt.timedelta(hours=1)
    one, elm, total = compliance_across(lead, TODAY - dt.timedelta(days=3), TODAY, now=later)
    assert (one.school_days, one.handed_in) == (1, 1)
    assert (elm.school_days, elm.handed_in, elm.expected, elm.rate) == (0, 0, 0, None)
    assert total.school_days == 1
    term = gov.resolve_term("autumn-2026", None, None)
    figures = {site.code: r for site, r in governors_across(lead, term, now=later)}
    assert len(figures["elm"].school_days) == elm.school_days == 0
