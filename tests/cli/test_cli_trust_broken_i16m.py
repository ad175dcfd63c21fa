"""`kiosk trust` when one school was changed outside the kiosk by its own database role
(the tester, issue 16): the trust's reports name that school in a warning (exit 1) and
still report the others, where they failed whole with "Unexpected error (ProgrammingError)".
And the feed and governors' figures refuse days after today, as `trust compliance` does."""

from __future__ import annotations

import json

import pytest

from models.staff import auth
from models.store.db import close_db, db
from tests.cli.test_cli_trust_i16s import site_1  # noqa: F401 (a fixture)
from tests.conftest import NOW, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def _elm(url, run, monkeypatch):
    from models.upkeep.opening import open_database

    monkeypatch.setenv("KIOSK_PIN", "836150")  # site 1's admin
    code, _, err = run("trust", "add-site", "elm", "--name", "Elm Primary", "--as", "admin", "--db", url)
    assert code == 0, err
    open_database(url)
    auth.create_staff("tdsl", "Trust DSL", [auth.TRUST_DSL], "141421", now=NOW)
    close_db()


def _sql(url, statement):
    from models.upkeep.opening import open_database

    open_database(url)
    db.execute_sql(statement)
    close_db()


@pytest.mark.parametrize(
    "change,reports",
    [
        ("ALTER TABLE site_elm.concern RENAME TO concern_old", ["feed", "compliance", "governors"]),
        ("DROP TABLE site_elm.custody_event CASCADE", ["compliance", "governors", "feed"]),
    ],
)
def test_a_school_whose_table_was_renamed_or_dropped_is_a_warning_and_the_others_are_read(  # noqa: F811
    site_1, run, monkeypatch, change, reports
):
    url, _ = site_1
    _elm(url, run, monkeypatch)
    _sql(url, change)
    for report in reports:
        pin, who = ("141421", "tdsl") if report == "feed" else ("620394", "tlead")
        monkeypatch.setenv("KIOSK_PIN", pin)
        extra = ["--term", "autumn-2026"] if report == "governors" else []
        code, out, err = run("trust", report, *extra, "--format", "json", "--as", who, "--db", url)
        assert code == 1 and "Unexpected error" not in err, err
        assert err.count("\n") == 1 and err.startswith("Warning: Elm Primary (elm)"), err
        assert "tables the kiosk made are gone from its schema site_elm" in err
        rows = json.loads(out)
        elm = [r for r in rows if r["code"] == "elm"]
        assert elm and all(r["note"].startswith("not read: tables the kiosk made are gone") for r in elm)
        if report != "feed":  # (site 1 has nothing in its feed today)
            assert any(r["site"] == 1 and r["note"] is None for r in rows), rows
    monkeypatch.setenv("KIOSK_PIN", "836150")
    code, out, err = run("audit", "verify", "--db", url)
    assert code != 0 and "'Elm Primary' (elm): tables the kiosk made are gone" in out + err


@pytest.mark.parametrize(
    "args,said",
    [
        (["feed", "--to", "2099-01-01"], "The end date is after today"),
        (["feed", "--from", "2026-12-01", "--to", "2099-06-30"], "The end date is after today"),
        (["feed", "--from", "2099-01-01", "--to", "2099-01-02"], "after today"),
        (["governors", "--term", "summer-2099"], "starts after today"),
    ],
)
def test_the_feed_and_governors_refuse_days_after_today_in_one_line(site_1, run, monkeypatch, args, said):  # noqa: F811
    url, _ = site_1
    _elm(url, run, monkeypatch)
    pin, who = ("141421", "tdsl") if args[0] == "feed" else ("620394", "tlead")
    monkeypatch.setenv("KIOSK_PIN", pin)
    code, out, err = run("trust", *args, "--as", who, "--db", url)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert said in err


def test_a_non_admin_renaming_a_school_is_told_what_they_may_not_do(site_1, run, monkeypatch):  # noqa: F811
    url, _ = site_1
    _elm(url, run, monkeypatch)
    monkeypatch.setenv("KIOSK_PIN", "482916")  # the office
    code, _, err = run("trust", "rename-site", "elm", "--name", "Elm School", "--as", "office", "--db", url)
    assert code == 1 and "add or rename the trust's schools" in err and "may not add schools" not in err, err
