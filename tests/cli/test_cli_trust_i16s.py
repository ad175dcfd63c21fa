"""`kiosk trust`: a trust's schools from the command line, on PostgreSQL (issue 16).

Site 1's admin adds a school; that school's terminals name it (KIOSK_SITE); its first admin
is added there; its scans are its own; the trust's lead reads both schools' figures at
site 1; the school's own staff cannot.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from models.staff import auth
from models.store.db import close_db
from tests.conftest import NOW, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


@pytest.fixture
def site_1(tmp_path, monkeypatch):
    from models.upkeep.opening import open_database
    from tests.conftest import _reset_postgres
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    _reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL)
    school = build()
    auth.create_staff("tlead", "Trust Lead", [auth.TRUST_LEAD], "620394", now=NOW)
    close_db()
    yield POSTGRES_URL, school
    close_db()
    _reset_postgres(POSTGRES_URL)


def test_a_school_joins_the_trust_and_the_trust_reads_both(site_1, run, monkeypatch):
    url, school = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")  # site 1's admin
    code, out, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    assert "site 2 (code elm)" in out and "KIOSK_SITE=elm" in out

    code, out, _ = run("trust", "sites", "--format", "json", "--db", url)
    assert [(s["site"], s["school"]) for s in json.loads(out)][1] == (2, "Elm Primary")

    monkeypatch.setenv("KIOSK_SITE", "elm")  # a terminal at Elm
    monkeypatch.setenv("KIOSK_NEW_PIN", "271828")
    code, out, err = run("staff", "add", "elmadmin", "--name", "Elm Admin", "--role", "admin", "--db", url)
    assert code == 0, err  # Elm's first admin, at Elm
    monkeypatch.setenv("KIOSK_PIN", "271828")
    monkeypatch.setenv("KIOSK_NEW_PIN", "392817")
    code, out, err = run(
        "staff", "add", "elmoffice", "--name", "Elm Office", "--role", "office", "--as", "elmadmin", "--db", url
    )
    assert code == 0, err
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, _, err = run("staff", "add", "x", "--name", "X", "--role", "office", "--as", "admin", "--db", url)
    assert code == 1 and "\n" not in err.strip()  # site 1's admin is no one at Elm
    code, out, _ = run("staff", "list", "--format", "json", "--db", url)
    assert {s["username"] for s in json.loads(out)} == {"elmadmin", "elmoffice"}

    monkeypatch.delenv("KIOSK_SITE")  # back at site 1
    monkeypatch.setenv("KIOSK_PIN", "620394")
    code, out, err = run("trust", "compliance", "--format", "json", "--as", "tlead", "--db", url)
    assert code == 0, err
    rows = json.loads(out)
    assert [r["site"] for r in rows] == [1, 2, None] and rows[-1]["school"] == "The trust (all schools)"
    code, out, err = run("trust", "uncollected", "--as", "tlead", "--db", url)
    assert code == 0 and "Elm Primary" in out
    code, _, err = run("trust", "feed", "--as", "tlead", "--db", url)
    assert code == 1 and "may not" in err  # the feed is the trust's safeguarding lead's
    monkeypatch.setenv("KIOSK_PIN", "725649")
    code, _, err = run("trust", "compliance", "--as", "head", "--db", url)
    assert code == 1 and "may not" in err  # a school's headteacher reads her own school's reports

    monkeypatch.setenv("KIOSK_SITE", "elm")
    code, out, err = run("audit", "verify", "--db", url)
    assert code == 0, out + err
    monkeypatch.delenv("KIOSK_SITE")
    code, out, err = run("audit", "verify", "--db", url)
    assert code == 0, out + err


def test_a_site_nobody_made_is_one_line(site_1, run, monkeypatch):
    url, _ = site_1
    monkeypatch.setenv("KIOSK_SITE", "elmm")
    code, _, err = run("report", "uncollected", "--db", url)
    assert code == 1 and "no site 'elmm'" in err and err.count("\n") == 1
    monkeypatch.setenv("KIOSK_SITE", "Elm Primary!")
    code, _, err = run("report", "uncollected", "--db", url)
    assert code != 0 and "cannot be a site code" in err and err.count("\n") == 1


def test_trust_governors_without_a_term_names_only_options_it_has(site_1, run, monkeypatch):
    # walk, issue 16: it said "or both --from and --to", options `trust governors` does not have
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "620394")
    for term in ("", "   "):
        code, out, err = run("trust", "governors", "--term", term, "--as", "tlead", "--db", url)
        assert code == 1 and out == "" and err.count("\n") == 1, err
        assert "--term autumn-2026" in err and "--from" not in err, err


def test_on_sqlite_a_site_is_refused_in_one_line(tmp_path, run, monkeypatch):
    monkeypatch.setenv("KIOSK_SITE", "elm")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = run("report", "uncollected", "--db", tmp_path / "k.sqlite3")
    assert code != 0 and "SQLite" in err and err.count("\n") == 1
    assert not (tmp_path / "k.sqlite3").exists()


def test_a_school_s_admin_cannot_pass_as_site_1_by_setting_the_search_path(site_1, run, monkeypatch):
    """The "site 1 only" checks go by the schema actually in use: a URL (or PGOPTIONS) that
    puts the connection in Elm's schema while naming no site is refused before anything is
    read or written."""
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    monkeypatch.setenv("KIOSK_SITE", "elm")
    monkeypatch.setenv("KIOSK_NEW_PIN", "271828")
    code, _, err = run("staff", "add", "elmadmin", "--name", "Elm Admin", "--role", "admin", "--db", url)
    assert code == 0, err
    monkeypatch.delenv("KIOSK_SITE")
    monkeypatch.setenv("KIOSK_PIN", "271828")
    monkeypatch.setenv("KIOSK_NEW_PIN", "392817")
    sneaky = url + "?options=-csearch_path%3Dsite_elm"
    for args in (
        ("staff", "add", "elmtl", "--name", "Elm TL", "--role", "trust_lead", "--as", "elmadmin", "--db", sneaky),
        ("trust", "add-site", "rogue", "--name", "Rogue", "--as", "elmadmin", "--db", sneaky),
        ("trust", "sites", "--db", sneaky),
    ):
        code, out, err = run(*args)
        assert code != 0 and "search_path" in err and err.count("\n") == 1, (args, out, err)
    monkeypatch.setenv("PGOPTIONS", "-c search_path=site_elm")  # not in the URL: what the server says
    code, out, err = run("trust", "add-site", "rogue", "--name", "Rogue", "--as", "elmadmin", "--db", url)
    assert code != 0 and "schema site_elm" in err and err.count("\n") == 1, (out, err)
    monkeypatch.delenv("PGOPTIONS")
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, out, _ = run("trust", "sites", "--format", "json", "--db", url)
    assert [s["school"] for s in json.loads(out)][1:] == ["Elm Primary"]  # no rogue school
    monkeypatch.setenv("KIOSK_SITE", "elm")
    code, out, _ = run("staff", "list", "--format", "json", "--db", url)
    assert {s["username"] for s in json.loads(out)} == {"elmadmin"}  # no elmtl


def test_the_trust_s_reports_read_plainly_and_agree(site_1, run, monkeypatch):
    """Plain headings; phones held add up (held = in tray + confiscated; overnight and in
    overflow are among them); no rate is n/a; the feed's CSV has the whole text; a school
    with no hand-ins is in the governors' figures with zeros; small counts are warned of."""
    from models.custody.devices import resolve
    from models.custody.ledger import confiscate, hand_in
    from models.safeguarding.concerns import raise_concern
    from models.store.tables import Pupil
    from models.upkeep.opening import open_database

    url, school = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    open_database(url)
    hand_in(school.codes["000001"], school.office, now=NOW)
    hand_in(school.codes["000003"], school.office, now=NOW)
    confiscate(
        resolve(school.codes["000003"]).device.id,
        school.office,
        category="behaviour",
        reason="Filming",
        policy="MTP 6",
        now=NOW,
    )
    long_text = "Upset after a message on the group chat. " * 6 + "THE END"
    raise_concern(
        school.oak, about_kind="pupil", pupil_id=Pupil.get(Pupil.admission_no == "000002").id, what=long_text, now=NOW
    )
    close_db()
    monkeypatch.setenv("KIOSK_PIN", "620394")

    code, out, err = run("trust", "uncollected", "--as", "tlead", "--db", url)
    assert code == 0, err
    head = out.splitlines()[0]
    assert "HELD" in head and "IN TRAY" in head and "CONFISCATED" in head and "_" not in head
    assert "OVERNIGHT" in head and "IN OVERFLOW" in head and "are some of those, not more" in out
    code, out, _ = run("trust", "uncollected", "--as", "tlead", "--db", url, "--format", "json")
    for r in json.loads(out):
        assert r["held"] == r["in_tray"] + r["confiscated"]

    code, out, err = run("trust", "compliance", "--as", "tlead", "--db", url)
    assert code == 0, err
    elm = next(line for line in out.splitlines() if "Elm Primary" in line)
    assert "n/a" in elm and "None" not in out and "RATE" in out.splitlines()[0]
    assert "_" not in out.splitlines()[0]

    monkeypatch.setenv("KIOSK_PIN", "836150")
    monkeypatch.setenv("KIOSK_NEW_PIN", "141421")
    code, _, err = run(
        "staff", "add", "tdsl", "--name", "Trust DSL", "--role", "trust_dsl", "--as", "admin", "--db", url
    )
    assert code == 0, err
    monkeypatch.setenv("KIOSK_PIN", "141421")
    day = NOW.date().isoformat()
    code, out, err = run("trust", "feed", "--from", day, "--to", day, "--as", "tdsl", "--db", url)
    assert code == 0, err
    # each entry in lines of its own within 80 columns, in plain words, its text whole (f4s6)
    assert "KIND_TEXT" not in out and "CLASS_NAME" not in out and "THE END" in out
    assert max(len(line) for line in out.splitlines()) <= 80, out
    code, out, err = run("trust", "feed", "--from", day, "--to", day, "--as", "tdsl", "--db", url, "--format", "csv")
    assert code == 0, err
    assert "detail" in out.splitlines()[0] and "THE END" in out

    monkeypatch.setenv("KIOSK_PIN", "620394")
    code, out, err = run(
        "trust", "governors", "--term", "autumn-2026", "--as", "tlead", "--db", url, "--format", "json"
    )
    assert code == 0, err
    rows = json.loads(out)
    elm_hand_in = [r for r in rows if r["site"] == 2 and r["section"] == "hand_in_term"]
    assert {r["measure"]: r["value"] for r in elm_hand_in} == {
        "school_days": 0,
        "handed_in": 0,
        "expected": 0,
        "rate_percent": None,
    }
    code, out, err = run("trust", "governors", "--term", "autumn-2026", "--as", "tlead", "--db", url)
    assert code == 0, err
    assert "Some counts are 1 or 2 and may identify a child" in out + err
    assert "None" not in out
    import datetime as dt

    from models.store.tables import AuditEntry

    open_database(url)
    read = AuditEntry.select().where(AuditEntry.action == "trust.report_read").order_by(AuditEntry.seq.desc()).first()
    details = json.loads(read.details)
    close_db()
    assert details["term"] == "Autumn term 2026" and details["from"] == "2026-09-01"
    assert details["to"] <= dt.date.today().isoformat()  # the days read: to today while the term is under way
