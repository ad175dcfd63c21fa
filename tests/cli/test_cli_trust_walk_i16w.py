"""`kiosk trust` from a walk (issue 16): machine formats carry site 1's code as "", the
display text only in the table; a range in the future and a code not as the README says
are refused in one line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.test_cli_trust_i16s import site_1  # noqa: F401 (a fixture)
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def test_site_1_s_code_is_empty_in_json_and_csv_and_named_in_the_table(site_1, run, monkeypatch):  # noqa: F811
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    code, out, _ = run("trust", "sites", "--format", "json", "--db", url)
    assert [s["code"] for s in json.loads(out)] == ["", "elm"]
    code, out, _ = run("trust", "sites", "--format", "csv", "--db", url)
    assert [r["code"] for r in csv.DictReader(io.StringIO(out))] == ["", "elm"]
    code, out, _ = run("trust", "sites", "--db", url)
    assert "(none: site 1)" in out


@pytest.mark.parametrize("typed", ["Elm2", "el-m", "site_elm", "pg_toast", "trust", "information_schema"])
def test_a_site_code_not_as_the_readme_says_is_refused(site_1, run, monkeypatch, typed):  # noqa: F811
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, out, err = run("trust", "add-site", typed, "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code != 0 and "added" not in out and len(err.strip().splitlines()) == 1
    code, out, _ = run("trust", "sites", "--format", "json", "--db", url)
    assert [s["code"] for s in json.loads(out)] == [""]


def test_a_compliance_range_in_the_future_is_refused(site_1, run, monkeypatch):  # noqa: F811
    url, _ = site_1
    monkeypatch.setenv("KIOSK_PIN", "620394")
    for command in (("report", "compliance"), ("trust", "compliance", "--as", "tlead")):
        code, out, err = run(*command, "--from", "2029-12-01", "--to", "2030-01-01", "--db", url)
        assert code != 0 and not out and "after today" in err and len(err.strip().splitlines()) == 1
