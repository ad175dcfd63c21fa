"""Issue 16, the trust's attack: which school's records each site holds.

Someone with rights over the database swapped two schools' schemas (or filled one school's
place with a copy of another's tables), and every view across the trust and `kiosk audit
verify` at site 1 said nothing, because nothing in a school's tables says which school it
is. The trust's registry now records each school's audit log (models.trust.chains), and a
school holding a log that is not the one recorded for it is named and never read.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import sites, trust
from models.audit import chain as audit
from models.custody.ledger import hand_in
from models.staff import auth
from models.store.db import close_db, db
from models.store.tables import AuditEntry
from models.upkeep.opening import open_database
from tests.conftest import NOW, POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")
LATER = NOW + dt.timedelta(hours=1)


def _drop_sites(url: str) -> None:
    from models.store.db import init_db

    init_db(url)
    for (name,) in db.execute_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%%' OR nspname = 'trust'"
    ).fetchall():
        db.execute_sql(f'DROP SCHEMA "{name}" CASCADE')
    close_db()


@pytest.fixture
def three(tmp_path, monkeypatch):
    """Site 1, Elm and Ash, each the test school with its own records; open at site 1."""
    if not POSTGRES_URL:
        pytest.skip("KIOSK_TEST_POSTGRES is not set")
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    url = POSTGRES_URL
    _drop_sites(url)
    _reset_postgres(url)
    open_database(url)
    one = build()
    hand_in(one.codes["000001"], one.office, now=NOW)
    trust.add_site("elm", "Elm Primary", actor=one.admin, now=NOW, first_name="Oak Primary")
    trust.add_site("ash", "Ash Primary", actor=one.admin, now=NOW)
    for code, pupils in (("elm", ["000002"]), ("ash", ["000003", "000004"])):
        close_db()
        open_database(sites.with_site(url, code))
        school = build()
        for p in pupils:
            hand_in(school.codes[p], school.office, now=NOW)
    close_db()
    open_database(url)
    lead = auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], "314159", now=NOW)
    yield url, lead
    close_db()
    _drop_sites(url)


def _swap(a: str, b: str) -> None:
    db.execute_sql(f'ALTER SCHEMA "site_{a}" RENAME TO "site_swap_tmp"')
    db.execute_sql(f'ALTER SCHEMA "site_{b}" RENAME TO "site_{a}"')
    db.execute_sql(f'ALTER SCHEMA "site_swap_tmp" RENAME TO "site_{b}"')


def _verify_at_site_1(url: str):
    from kiosk.actions.records import verify
    from models.audit.anchors import default_path

    return verify(default_path(url), (), None)


@needs_postgres
def test_two_schools_whose_schemas_were_swapped_are_named_and_not_read(three):
    from models.trust.reports import compliance_across

    url, lead = three
    rows = compliance_across(lead, NOW.date(), NOW.date(), now=LATER)
    assert [(r.site.code, r.handed_in) for r in rows[:-1]] == [("", 1), ("elm", 1), ("ash", 2)]
    assert trust.registry_problems() == [] and _verify_at_site_1(url).ok

    _swap("elm", "ash")  # Ash's figures would show as Elm's, and Elm's as Ash's

    by = {s.code: s for s in trust.all_sites()}
    assert by[""].ready and not by["elm"].ready and not by["ash"].ready
    assert by["elm"].lost and "another school's records" in by["elm"].state_text
    rows = compliance_across(lead, NOW.date(), NOW.date(), now=LATER)
    assert [(r.site.code, r.handed_in) for r in rows[:-1]] == [("", 1), ("elm", 0), ("ash", 0)]
    assert rows[-1].handed_in == 1  # the total leaves both out
    problems = trust.registry_problems()
    assert any("'Elm Primary'" in p and "swapped" in p for p in problems), problems
    assert any("'Ash Primary'" in p for p in problems) and all("\n" not in p for p in problems)
    assert not _verify_at_site_1(url).ok

    _swap("elm", "ash")  # put back: read again
    assert all(s.ready for s in trust.all_sites()) and trust.registry_problems() == []


@needs_postgres
def test_a_school_s_own_terminal_refuses_a_place_holding_another_school_s_records(three):
    """Elm's terminal, on what is now Ash's place, no longer opens it (models.upkeep.opening;
    tests/cli/test_own_place_f5.py), so its verify never reads Ash's log as Elm's."""
    from models.errors import StorageError

    url, _ = three
    _swap("elm", "ash")
    close_db()
    with pytest.raises(StorageError, match="holds another school's records") as caught:
        open_database(sites.with_site(url, "elm"))
    assert "Elm Primary" in str(caught.value)
    close_db()
    open_database(url)
    _swap("elm", "ash")


@needs_postgres
def test_a_read_under_way_checks_the_school_s_log_again(three):
    from models.errors import StorageError

    _url, _lead = three
    elm = next(s for s in trust.all_sites() if s.code == "elm")
    _swap("elm", "ash")  # after the list of schools was read, before the school is
    with pytest.raises(StorageError, match="another school's records"):
        with trust.reading(elm):
            pass


@needs_postgres
def test_a_school_s_place_filled_with_a_copy_of_another_s_records_is_not_read(three):
    from benchmarks.gen_trust import copy_school

    url, _ = three
    close_db()
    copy_school(url, "site_elm", ["site_ash"], log=lambda m: None)  # Elm's tables, log and all, into Ash
    open_database(url)
    by = {s.code: s for s in trust.all_sites()}
    assert by["elm"].ready and not by["ash"].ready
    assert any("'Ash Primary'" in p for p in trust.registry_problems())


@needs_postgres
def test_the_registry_edited_to_fit_a_swap_is_found_by_verify_at_site_1(three):
    """The trust's owner role can write the registry, but not site 1's log, which recorded
    each school's log when it was added."""
    url, _ = three
    _swap("elm", "ash")
    db.execute_sql(
        "UPDATE trust.site_chain SET origin = CASE site_id "
        "WHEN (SELECT id FROM trust.site WHERE code = 'elm') THEN (SELECT hash FROM site_elm.audit_head WHERE id = 3) "
        "ELSE (SELECT hash FROM site_ash.audit_head WHERE id = 3) END WHERE site_id IN "
        "(SELECT id FROM trust.site WHERE code IN ('elm', 'ash'))"
    )
    assert all(s.ready for s in trust.all_sites())  # the views are fooled by the registry...
    problems = trust.registry_problems()
    assert any(p.startswith("Table site_chain:") for p in problems), problems  # ...verify is not
    assert not _verify_at_site_1(url).ok


@needs_postgres
def test_a_trust_from_before_records_its_schools_logs_at_its_next_report(three):
    """The upgrade: a registry without the record of each school's log gets it, as the logs
    are then, at the first report across the trust (each in site 1's log), and a swap after
    that is found."""
    from models.trust.reports import uncollected_across

    url, lead = three
    db.execute_sql("DROP TABLE trust.site_chain")
    assert all(s.ready for s in trust.all_sites())
    before = AuditEntry.select().count()
    uncollected_across(lead, now=LATER)
    recorded = [
        json.loads(e.details)["code"]
        for e in AuditEntry.select().where((AuditEntry.action == "trust.chain_recorded") & (AuditEntry.seq > before))
    ]
    assert recorded == ["", "elm", "ash"]
    assert trust.registry_problems() == [] and _verify_at_site_1(url).ok
    _swap("elm", "ash")
    assert not any(s.ready for s in trust.all_sites() if s.code)


@needs_postgres
def test_each_school_the_trust_makes_has_a_log_of_its_own_from_the_start(three):
    """Two schools that record the same things at the same moment still have different
    logs (a school made by add-site starts from a random point of its own, bound by its
    first entry); the start removed is found by that school's own verify."""
    url, _ = three
    origins = {s.code: s.chain for s in trust.all_sites()}
    assert len(set(origins.values())) == 3 and None not in origins.values()
    close_db()
    open_database(sites.with_site(url, "elm"))
    assert audit.verify().ok
    db.execute_sql("DELETE FROM audit_head WHERE id = 3")
    report = audit.verify()
    assert not report.ok and report.first_bad_seq == 1


def test_a_log_whose_first_entries_a_purge_removed_is_still_the_same_log(database):
    """Retention removes a log's oldest entries, its first among them: the purge keeps in its
    own entry which log it was, and so does every purge after it."""
    from models.records import duties as records
    from tests.records.test_records import RETENTION
    from tests.school import build

    day = dt.timedelta(days=1)
    school = build(now=NOW - 3000 * day)
    hand_in(school.codes["000001"], school.office, now=NOW - 2900 * day)
    first = audit.origin()
    assert first == AuditEntry.get(AuditEntry.seq == 1).hash
    records.purge(RETENTION, now=NOW)
    assert not AuditEntry.select().where(AuditEntry.seq == 1).exists()
    assert audit.origin() == first and audit.verify().ok
    records.purge(RETENTION, now=NOW + 2500 * day)  # the first purge's own entry goes too
    assert audit.origin() == first and audit.verify().ok
