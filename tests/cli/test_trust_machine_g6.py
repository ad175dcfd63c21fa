"""`kiosk trust` from a new user's walk: every trust report's CSV and JSON have the same
columns whatever the trust's state (site, code, school first, note last: "" / null when
there is nothing to say), and `trust uncollected` ends its table with the trust's total
(as the screen does), which its CSV and JSON leave out (a reader sums the schools)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from models.staff import auth
from models.store.db import close_db
from tests.cli.test_cli_trust_i16s import site_1  # noqa: F401 (a fixture)
from tests.conftest import NOW, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

LEAD, DSL, ADMIN = "620394", "703815", "836150"
COLUMNS = {
    "sites": ["site", "code", "school", "schema", "note"],
    "compliance": [
        "site",
        "code",
        "school",
        "school_days",
        "handed_in",
        "expected",
        "rate_percent",
        "breaches",
        "not_collected",
        "visitors_not_signed_out",
        "note",
    ],
    "uncollected": [
        "site",
        "code",
        "school",
        "held",
        "in_tray",
        "confiscated",
        "kept_overnight",
        "in_overflow",
        "note",
    ],
    "feed": ["site", "code", "school", "time", "kind_text", "subject", "class_name", "summary", "by", "detail", "note"],
    "governors": ["site", "code", "school", "section", "measure", "group", "value", "note"],
}


@pytest.fixture
def trust(site_1, run, monkeypatch):  # noqa: F811
    """Site 1: a phone confiscated (the feed has it), one handed in and collected; Elm: two
    phones in its tray; the trust's DSL."""
    from models import sites
    from models.custody.devices import resolve
    from models.custody.ledger import confiscate, hand_in, release
    from models.upkeep.opening import open_database
    from tests.school import build

    url, school = site_1
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    open_database(url)
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], DSL, now=NOW)
    hand_in(school.codes["000001"], school.office, now=NOW)
    hand_in(school.codes["000002"], school.office, now=NOW)
    release(school.codes["000002"], school.office, now=NOW)
    ava = resolve(school.codes["000001"]).device.id
    confiscate(ava, school.office, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)
    close_db()
    open_database(sites.with_site(url, "elm"))
    elm = build()
    hand_in(elm.codes["000004"], elm.office, now=NOW)
    hand_in(elm.codes["000005"], elm.office, now=NOW)
    close_db()
    return url


def _report(run, monkeypatch, url, name, fmt):
    extra = {"governors": ["--term", "autumn-2026"], "feed": ["--from", "2026-11-01", "--to", "2026-11-30"]}
    if name == "sites":
        return run("trust", "sites", "--format", fmt, "--db", url)
    monkeypatch.setenv("KIOSK_PIN", DSL if name == "feed" else LEAD)
    who = "tdsl" if name == "feed" else "tlead"
    return run("trust", name, *extra.get(name, []), "--format", fmt, "--as", who, "--db", url)


def _machine(run, monkeypatch, url):
    """Each report's CSV heading and JSON keys."""
    out = {}
    for name in COLUMNS:
        code, text, err = _report(run, monkeypatch, url, name, "csv")
        assert code in (0, 1), (name, err)
        heading = next(csv.reader(io.StringIO(text)))
        code, text, err = _report(run, monkeypatch, url, name, "json")
        rows = json.loads(text)
        out[name] = (heading, rows)
    return out


def test_every_trust_csv_and_json_has_the_same_columns_whatever_the_trust_s_state(trust, run, monkeypatch):
    before = _machine(run, monkeypatch, trust)
    for name, (heading, rows) in before.items():
        assert heading == COLUMNS[name], (name, heading)
        assert rows, name
        for r in rows:
            assert list(r)[:3] == ["site", "code", "school"] and list(r)[-1] == "note", (name, r)
            assert r["note"] is None, (name, r)  # every school read: nothing to say
    # A place waiting for its records: the same columns, its note said.
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, _, err = run("trust", "add-site", "ash", "--name", "Ash Primary", "--empty", "--as", "admin", "--db", trust)
    assert code == 0, err
    after = _machine(run, monkeypatch, trust)
    for name, (heading, rows) in after.items():
        assert heading == COLUMNS[name], (name, heading)
        ash = [r for r in rows if r["school"] == "Ash Primary"]
        assert ash and ash[0]["code"] == "ash" and ash[0]["note"].startswith("empty: waiting"), (name, rows)
        assert all(list(r)[-1] == "note" for r in rows), name


def test_trust_uncollected_has_the_trust_s_total_in_its_table_only(trust, run, monkeypatch):
    code, out, err = _report(run, monkeypatch, trust, "uncollected", "table")
    assert code == 0, err
    lines = out.splitlines()
    total = next(line for line in lines if line.startswith("—  ") and "Trust total" in line)
    # held, in tray, confiscated, overnight (since NOW, before today), overflow
    assert total.split()[-5:] == ["3", "2", "1", "3", "0"], total
    assert lines.index(total) == 3  # after the heading and the two schools
    assert max(len(line) for line in lines) <= 80, out
    for fmt in ("csv", "json"):
        code, text, _ = _report(run, monkeypatch, trust, "uncollected", fmt)
        assert "The trust (all schools)" not in text and "Trust total" not in text, fmt


def test_the_trust_s_total_has_no_site_number_in_any_format(trust, run, monkeypatch):
    """The total is the trust's, not a school's: never "site 0" (f4s6, finding 4). The tables
    show "—" in the site column; CSV leaves it blank and JSON null, as for nothing known."""
    for report in ("compliance", "uncollected"):
        code, out, err = _report(run, monkeypatch, trust, report, "table")
        assert code == 0, err
        total = next(line for line in out.splitlines() if "Trust total" in line)
        assert total.split()[0] == "—", total
    code, out, err = _report(run, monkeypatch, trust, "compliance", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["school"] == "The trust (all schools)" and rows[-1]["site"] == "", rows[-1]
    code, out, err = _report(run, monkeypatch, trust, "compliance", "json")
    rows = json.loads(out)
    assert rows[-1]["school"] == "The trust (all schools)" and rows[-1]["site"] is None, rows[-1]
    assert 0 not in [r["site"] for r in rows]
