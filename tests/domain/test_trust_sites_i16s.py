"""Issue 16: a trust's schools on one PostgreSQL database, each a site of its own.

A site is a schema holding the whole set of tables; a terminal names its site in the
database URL (``?site=``, or KIOSK_SITE / the config's ``site``), and sees that school's
records and no other. Site 1 is the school that was there first, where it always was.
"""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from models import sites, trust
from models.audit import chain as audit
from models.config import Settings, database_url
from models.custody.ledger import hand_in
from models.errors import ConfigError, PermissionDenied, StorageError, ValidationError
from models.staff import auth
from models.store.db import close_db, current_site, db, write_lock
from models.store.tables import AuditEntry, CustodyEvent, Pupil
from models.upkeep.opening import open_database
from tests.conftest import NOW, POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


# -- naming sites (no database) ---------------------------------------------------------


@pytest.mark.parametrize("typed,code", [("oakfield", "oakfield"), ("st_marys", "st_marys"), ("a1", "a1")])
def test_a_site_code_is_a_short_lower_case_name(typed, code):
    assert sites.check_code(typed) == code
    assert sites.schema_for(code) == "site_" + code


@pytest.mark.parametrize(
    "typed", ["", "1school", "oak field", 'x"; DROP SCHEMA public; --', "a" * 31, "café", "public", "PUBLIC"]
)
def test_a_site_code_that_could_not_name_a_schema_is_refused_in_one_line(typed):
    with pytest.raises(ConfigError) as err:
        sites.check_code(typed)
    assert "\n" not in str(err.value)


def test_public_is_not_a_site_code_because_it_is_site_1s_schema():
    # `trust sites` lists site 1's schema as public: a school coded public would be opened by
    # KIOSK_SITE=public while the reader meant site 1 (walk, issue 16)
    with pytest.raises(ConfigError, match="site 1"):
        sites.check_code("public")


def test_the_site_travels_with_the_url_and_only_on_postgresql():
    url = "postgresql://kiosk@db.trust.local/kiosk?sslmode=require"
    at = sites.with_site(url, "oakfield")
    assert sites.split_url(at) == (url, "oakfield")
    assert sites.split_url(url) == (url, sites.MAIN)
    assert sites.with_site(at, sites.MAIN) == url
    with pytest.raises(ConfigError, match="SQLite"):
        sites.with_site("sqlite:////tmp/k.sqlite3", "oakfield")
    with pytest.raises(ConfigError, match="SQLite"):
        sites.split_url("sqlite:////tmp/k.sqlite3?site=oakfield")
    with pytest.raises(ConfigError, match="more than one site"):
        sites.split_url(url + "&site=a&site=b")


def test_the_terminal_s_configured_site_is_added_to_its_database(monkeypatch):
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    s = Settings(database="postgresql://kiosk@db/trust", site="oakfield")
    assert sites.split_url(database_url(None, s))[1] == "oakfield"
    assert database_url("postgresql://kiosk@db/trust?site=oakfield", s).endswith("site=oakfield")
    with pytest.raises(ConfigError, match="names site 'elm'"):
        database_url("postgresql://kiosk@db/trust?site=elm", s)
    assert database_url(None, Settings(database="postgresql://kiosk@db/trust")) == "postgresql://kiosk@db/trust"
    assert database_url("postgresql://kiosk@db/trust?site=elm", Settings()).endswith("site=elm")  # nothing set


def test_kiosk_site_set_empty_is_site_1_and_a_url_naming_another_school_is_refused(monkeypatch, tmp_path):
    """The trust walk: KIOSK_SITE= (site 1, as the README says) with ?site=elm opened Elm."""
    from models.config import load_settings

    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.setenv("KIOSK_SITE", "")
    (tmp_path / "kiosk.toml").write_text("")
    s = load_settings(tmp_path / "kiosk.toml")
    with pytest.raises(ConfigError) as err:
        database_url("postgresql://kiosk@db/trust?site=elm", s)
    assert str(err.value) == "The database URL names site 'elm' but KIOSK_SITE is set empty, which is site 1: name one."
    assert database_url("postgresql://kiosk@db/trust", s) == "postgresql://kiosk@db/trust"


def test_each_site_writes_under_its_own_lock():
    keys = {sites.write_lock_key(0x4B494F534B, sites.schema_for(c)) for c in ("oakfield", "elm", "st_marys")}
    assert len(keys) == 3 and 0x4B494F534B not in keys
    assert sites.write_lock_key(0x4B494F534B, "public") == 0x4B494F534B  # site 1 as it always was
    assert all(0 < k < 2**63 for k in keys)


def test_a_school_alone_on_sqlite_is_a_trust_of_one(tmp_path):
    open_database(str(tmp_path / "k.sqlite3"))
    try:
        assert [(s.number, s.code, s.schema) for s in trust.all_sites()] == [(1, "", "public")]
        with pytest.raises(ConfigError, match="PostgreSQL"):
            trust.add_site("elm", "Elm Primary", actor=None, now=NOW)
    finally:
        close_db()


# -- on PostgreSQL ------------------------------------------------------------------------


def _drop_sites(url: str) -> None:
    from models.store.db import init_db

    init_db(url)
    for (name,) in db.execute_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%%' OR nspname = 'trust'"
    ).fetchall():
        db.execute_sql(f'DROP SCHEMA "{name}" CASCADE')
    close_db()


@pytest.fixture
def trust_db(tmp_path, monkeypatch):
    """Site 1 with the small test school in it, on a fresh PostgreSQL database."""
    if not POSTGRES_URL:
        pytest.skip("KIOSK_TEST_POSTGRES is not set")
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    _drop_sites(POSTGRES_URL)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    school = build()
    yield POSTGRES_URL, school
    close_db()
    _drop_sites(POSTGRES_URL)


@needs_postgres
def test_a_new_school_has_its_own_empty_tables_and_site_1_keeps_its_records(trust_db):
    url, school = trust_db
    hand_in(school.codes["000001"], school.office, now=NOW)
    before = (Pupil.select().count(), CustodyEvent.select().count(), AuditEntry.select().count())

    elm = trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Trust School")
    assert [(s.number, s.code, s.name) for s in trust.all_sites()] == [
        (1, "", "Oak Trust School"),
        (elm.number, "elm", "Elm Primary"),
    ]
    assert AuditEntry.select().order_by(AuditEntry.seq.desc()).first().action == "trust.site_added"
    assert audit.verify().ok  # site 1's chain, with the entry that made the new school

    open_database(sites.with_site(url, "elm"))
    assert current_site() == "elm"
    assert (Pupil.select().count(), CustodyEvent.select().count(), AuditEntry.select().count()) == (0, 0, 0)
    admin = auth.create_staff("elmadmin", "Elm Admin", [auth.ADMIN], "271828", now=NOW)
    assert admin.id is not None and audit.verify().ok
    close_db()

    open_database(url)  # site 1, as before: nothing of Elm's in it
    assert current_site() == sites.MAIN
    assert (Pupil.select().count(), CustodyEvent.select().count()) == before[:2]
    assert not auth.Staff.select().where(auth.Staff.username == "elmadmin").exists()
    assert audit.verify().ok


@needs_postgres
def test_two_sites_record_hand_ins_without_seeing_each_other(trust_db):
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW)
    close_db()
    open_database(sites.with_site(url, "elm"))
    from tests.school import build

    elm = build()  # the same names and codes: another school's are its own business
    assert hand_in(elm.codes["000002"], elm.office, now=NOW).event_id is not None
    assert CustodyEvent.select().count() == 1
    assert write_lock() != 0x4B494F534B
    close_db()
    open_database(url)
    assert CustodyEvent.select().count() == 0
    assert hand_in(school.codes["000002"], school.office, now=NOW + dt.timedelta(minutes=1)).event_id is not None
    assert audit.verify().ok


@needs_postgres
def test_a_site_that_the_trust_has_not_made_is_one_line_and_makes_nothing(trust_db):
    url, _ = trust_db
    close_db()
    with pytest.raises(StorageError) as err:
        open_database(sites.with_site(url, "elmm"))
    assert "no site 'elmm'" in str(err.value) and "\n" not in str(err.value)
    # it names the commands that exist (walk: it named `kiosk sites list`, which does not)
    assert "kiosk trust sites" in str(err.value) and "kiosk trust add-site" in str(err.value)
    open_database(url)
    assert db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'site_elmm'").fetchone() is None


@needs_postgres
def test_a_school_is_added_once_and_only_from_site_1(trust_db):
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW)
    with pytest.raises(ValidationError, match="already a school with the code"):
        trust.add_site("elm", "Another Elm", actor=school.admin, now=NOW)
    with pytest.raises(ValidationError, match="already a school called"):
        trust.add_site("elm2", "elm primary", actor=school.admin, now=NOW)
    close_db()
    open_database(sites.with_site(url, "elm"))
    with pytest.raises(PermissionDenied):
        trust.add_site("ash", "Ash Primary", actor=None, now=NOW)


@needs_postgres
def test_reading_another_school_cannot_write_into_it(trust_db):
    url, school = trust_db
    elm = trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW)
    hand_in(school.codes["000001"], school.office, now=NOW)
    with trust.reading(elm):
        assert CustodyEvent.select().count() == 0  # Elm's ledger, not site 1's
    with pytest.raises(peewee.DatabaseError, match="read-only"):
        with trust.reading(elm):
            Pupil.create(admission_no="999999", first_name="X", last_name="Y")
    assert CustodyEvent.select().count() == 1  # back at site 1 on the same connection
    close_db()
    open_database(sites.with_site(url, "elm"))
    assert Pupil.select().count() == 0


@needs_postgres
def test_each_site_keeps_its_own_audit_anchors(trust_db):
    from models.audit.anchors import default_path

    url, _ = trust_db
    paths = {default_path(url), default_path(sites.with_site(url, "elm")), default_path(sites.with_site(url, "ash"))}
    assert len(paths) == 3


# -- reports across the trust -------------------------------------------------------------


def _two_schools(url, school):
    """Site 1 (the test school: two hand-ins) and Elm (the same school: one hand-in, one
    confiscation, one concern); back at site 1."""
    from models.custody.ledger import confiscate
    from models.safeguarding.concerns import raise_concern
    from tests.school import build

    hand_in(school.codes["000001"], school.office, now=NOW)
    hand_in(school.codes["000002"], school.office, now=NOW)
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    close_db()
    open_database(sites.with_site(url, "elm"))
    elm = build()
    out = hand_in(elm.codes["000004"], elm.office, now=NOW)
    confiscate(out.device_id, elm.deputy, category="behaviour", reason="Filming in class", policy="M6", now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "000005")
    raise_concern(
        elm.oak, about_kind="pupil", pupil_id=pupil.id, what="Upset after a message", category="bullying", now=NOW
    )
    elm_audit = AuditEntry.select().count()
    close_db()
    open_database(url)
    return elm_audit


def _trust_staff():
    return (
        auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], "314159", now=NOW),
        auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], "141421", now=NOW),
    )


@needs_postgres
def test_the_trust_s_compliance_is_each_school_s_then_the_total(trust_db):
    url, school = trust_db
    elm_audit = _two_schools(url, school)
    lead, _ = _trust_staff()
    from models.trust.reports import compliance_across, uncollected_across

    later = NOW + dt.timedelta(hours=1)
    rows = compliance_across(lead, NOW.date(), NOW.date(), now=later)
    assert [r.site.name for r in rows] == ["Oak Primary", "Elm Primary", "The trust (all schools)"]
    one, elm, total = rows
    assert (one.handed_in, elm.handed_in, total.handed_in) == (2, 1, 3)
    assert (one.expected, elm.expected, total.expected) == (5, 5, 10)
    assert total.rate == 30.0 and elm.breaches == 1 and total.breaches == 1
    held = uncollected_across(lead, now=later)
    assert [(h.site.code, h.in_tray, h.confiscated) for h in held] == [("", 2, 0), ("elm", 0, 1)]
    close_db()
    open_database(sites.with_site(url, "elm"))
    assert AuditEntry.select().count() == elm_audit  # read, never written
    assert audit.verify().ok


@needs_postgres
def test_only_the_trust_s_safeguarding_lead_reads_every_school_s_feed(trust_db):
    url, school = trust_db
    _two_schools(url, school)
    lead, tdsl = _trust_staff()
    from models.trust.reports import compliance_across, feed_across

    feed = feed_across(tdsl, NOW.date(), NOW.date())
    assert {(f.site.code, f.entry.kind) for f in feed} >= {("elm", "concern"), ("elm", "confiscation")}
    with pytest.raises(PermissionDenied):
        feed_across(lead, NOW.date(), NOW.date())
    for someone in (school.head, school.office, school.admin):  # a school's own roles do not reach the trust
        with pytest.raises(PermissionDenied):
            compliance_across(someone, NOW.date(), NOW.date())


@needs_postgres
def test_a_trust_role_is_held_at_site_1_and_reads_nothing_from_another_school(trust_db):
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW)
    close_db()
    open_database(sites.with_site(url, "elm"))
    with pytest.raises(ValidationError, match="site 1"):
        auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], "141421", now=NOW)
    from models.trust.reports import compliance_across

    with pytest.raises(PermissionDenied, match="site 1"):
        compliance_across(None, NOW.date(), NOW.date())


@needs_postgres
@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE trust.site SET name = 'Ash Primary' WHERE code = 'elm'",
        "UPDATE trust.site SET schema_name = 'x' WHERE code = 'elm'; "
        "UPDATE trust.site SET schema_name = 'site_elm' WHERE code = 'ash'; "
        "UPDATE trust.site SET schema_name = 'site_ash' WHERE code = 'elm'",
        "DELETE FROM trust.site WHERE code = 'ash'",
        "UPDATE trust.site SET name = 'Renamed' WHERE code = ''",
    ],
)
def test_a_registry_edited_outside_the_kiosk_is_found_by_verify(trust_db, edit):
    """Someone with the database swaps two schools' schemas (one's figures would show as the
    other's), renames one or deletes its row: `kiosk audit verify` at site 1 names it."""
    from kiosk.actions.records import verify
    from models.audit.anchors import default_path

    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    trust.add_site("ash", "Ash Primary", actor=school.admin, now=NOW)
    assert trust.registry_problems() == []
    db.execute_sql(edit)
    problems = trust.registry_problems()
    assert problems and all("\n" not in p for p in problems)
    assert not verify(default_path(url), (), None).ok


@needs_postgres
def test_a_school_whose_tables_were_lost_gets_its_empty_place_again_for_a_restore(trust_db):
    # walk, issue 16: the documented restore of a lost school (add-site CODE --empty, then
    # restore) was refused with "There is already a school with the code 'elm'"
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW)
    db.execute_sql('DROP SCHEMA "site_elm" CASCADE')
    with pytest.raises(ValidationError, match="called 'Elm Primary'"):
        trust.add_site("elm", "Another Name", actor=school.admin, now=NOW, empty=True)
    again = trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, empty=True)
    assert again.schema == "site_elm" and again.code == "elm"
    assert db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'site_elm'").fetchone() is not None
    assert db.execute_sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'site_elm'"
    ).fetchone() == (0,)
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.seq)][-1] == "trust.site_remade"
    assert trust.registry_problems() == []
    # a school whose place is still there is not made again
    with pytest.raises(ValidationError, match="already a school with the code"):
        trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, empty=True)


@needs_postgres
def test_no_trust_reader_sees_or_counts_an_allegation_about_themself(trust_db):
    """KCSIE Part 4: an allegation about the trust's safeguarding lead (raised at site 1,
    where the trust's roles are held) is in no trust report they read; one about a school's
    headteacher stays with the trust's safeguarding lead (the trust is the employer)."""
    from models.reports.governors import resolve_term
    from models.safeguarding.concerns import raise_concern
    from models.trust.reports import feed_across, governors_across

    url, school = trust_db
    _two_schools(url, school)
    lead, tdsl = _trust_staff()
    for about in (tdsl, lead, school.head):
        raise_concern(
            school.office,
            about_kind="staff",
            staff_id=about.id,
            what=f"About {about.username}",
            category="staff_conduct",
            now=NOW,
        )
    subjects = {f.entry.summary for f in feed_across(tdsl, NOW.date(), NOW.date()) if f.site.code == ""}
    assert "About tdsl" not in subjects
    assert {"About tlead", "About head"} <= subjects

    term = resolve_term(None, NOW.date(), NOW.date())

    def staff_concerns(reader):
        (_, one), _elm = governors_across(reader, term, now=NOW + dt.timedelta(hours=1))
        return one.concerns.get("staff conduct or allegation", {}).get("open", 0)

    assert staff_concerns(tdsl) == 2  # about tlead and the head, not about tdsl
    assert staff_concerns(lead) == 2  # about tdsl and the head, not about tlead


def test_a_trust_permission_holds_only_at_site_1(monkeypatch):
    # walk, issue 16: a trust lead account that reached a school's site (a SQLite school with
    # one, moved in with migrate-to) had T on Home there, and the screen could only fail
    from kiosk.session import SignedIn
    from models.store import db as store

    lead = SignedIn(id=1, username="tl", display_name="Trust Lead", roles=frozenset({auth.TRUST_LEAD}))
    assert lead.may("trust_reports")
    monkeypatch.setattr(store, "_site", "elm")
    for action in ("trust_reports", "trust_safeguarding", "manage_sites"):
        assert not auth.permitted({auth.TRUST_LEAD, auth.TRUST_DSL, auth.ADMIN}, action)
    assert not lead.may("trust_reports")
    assert auth.permitted({auth.ADMIN}, "manage_staff")  # a school's own permissions are as they were
