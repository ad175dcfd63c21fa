"""`kiosk relationships …` and `kiosk policies …` (issue 15): the records the policies ask
for in writing, from the command line, with one-line refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.cli import _access
from models.store.db import close_db
from tests.school import build

HEAD, OFFICE, OAK = "725649", "482916", "503827"  # the demo's PINs (tests.school uses them)


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def day(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def as_(monkeypatch, pin: str) -> None:
    monkeypatch.setenv("KIOSK_PIN", pin)


def test_relationships_add_list_review_end(school_db, run, monkeypatch):
    as_(monkeypatch, HEAD)
    base = ["--db", school_db, "--as", "head"]
    code, out, err = run(
        "relationships", "add", "--staff", "oak", "--pupil", "000002", "--nature", "relative",
        "--described", "uncle", "--advice", "Another adult takes Ben's parents' evening.",
        "--discussed-on", day(-1), "--review", day(60), *base,
    )  # fmt: skip
    assert code == 0, err
    assert out == f"Relationship 1 recorded: Oak Teacher with Ben Jones (Oak). Next review {day(60)}.\n"
    code, out, err = run("relationships", "list", "--format", "json", "--advice", *base)
    (row,) = json.loads(out)
    assert (row["staff"], row["with"], row["nature"], row["status"], row["advice"]) == (
        "Oak Teacher",
        "Ben Jones (Oak)",
        "a relative",
        "open",
        "Another adult takes Ben's parents' evening.",
    )
    code, out, err = run("relationships", "review", "1", "--note", "No change.", "--next", day(20), *base)
    assert code == 0 and out.endswith(f"reviewed: next review {day(20)}.\n"), err
    code, out, _ = run("relationships", "list", "--format", "json", *base)
    assert json.loads(out)[0]["status"] == "review due" and json.loads(out)[0]["reviews"] == 1
    code, out, err = run("relationships", "end", "1", "--reason", "Ben moved school.", *base)
    assert code == 0 and out == "Relationship 1 (Oak Teacher with Ben Jones (Oak)) ended. The record is kept.\n", err
    assert run("relationships", "list", *base)[1] == "(none)\n"
    as_(monkeypatch, OFFICE)
    code, out, err = run("relationships", "list", "--db", school_db, "--as", "office")
    assert (
        code == 1
        and out == ""
        and err
        == (
            "Error: Office (office staff) may not see the register of staff relationships: that needs someone who may "
            "record staff's pre-existing relationships with pupils and families.\n"
        )
    )
    as_(monkeypatch, HEAD)
    code, out, _ = run("relationships", "list", "--all", "--format", "json", *base)
    assert json.loads(out)[0]["status"] == "ended"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--pupil", "000002", "--family", "The Joneses"], 1, "Error: Give either --pupil or --family, not both.\n"),
        (["--pupil", "999999"], 1, "Error: No pupil on roll has admission number '999999'.\n"),
        (["--family", "The Joneses", "--review", "2027-13-01"], 2, "'2027-13-01': There is no month 13."),
        (["--family", "The Joneses", "--review", day(400)], 1, "The next review must be after today and within a year"),
    ],
)
def test_relationship_errors_are_one_line(school_db, run, monkeypatch, args, code, words):
    as_(monkeypatch, HEAD)
    opts = {"--review": day(30)}
    rest = []
    i = 0
    while i < len(args):
        if args[i] == "--review":
            opts["--review"] = args[i + 1]
        else:
            rest += args[i : i + 2]
        i += 2
    got, out, err = run(
        "relationships", "add", "--staff", "oak", "--nature", "neighbour", "--described", "next door",
        "--advice", "Keep it professional.", "--discussed-on", day(0), "--review", opts["--review"], *rest,
        "--db", school_db, "--as", "head",
    )  # fmt: skip
    assert got == code and words in err and err.count("\n") == 1, err
    assert out == ""


def test_policies_add_acknowledge_overdue_reviewed(school_db, run, monkeypatch):
    as_(monkeypatch, HEAD)
    head = ["--db", school_db, "--as", "head"]
    code, out, err = run(
        "policies", "add", "online-safety", "--name", "Online safety policy", "--version", "2026-09",
        "--approved", day(-60), "--next-review", day(20), *head,
    )  # fmt: skip
    assert code == 0, err
    assert out == f"Online safety policy (online-safety) added: version 2026-09, next review {day(20)}.\n"
    code, out, err = run("policies", "list", "--format", "json", "--db", school_db)
    rows = {r["key"]: r for r in json.loads(out)}
    assert rows["online-safety"]["status"] == "review due"
    assert rows["device-rules"]["next_review_on"] == "2027-09-01"
    as_(monkeypatch, OAK)
    code, out, err = run("policies", "acknowledge", "online-safety", "--db", school_db, "--as", "oak")
    assert code == 0 and out == (
        f"Oak Teacher acknowledged the Online safety policy (version 2026-09) on {day(0)}, at the kiosk.\n"
    ), err
    code, out, err = run(
        "policies", "acknowledge", "online-safety", "--staff", "office", "--db", school_db, "--as", "oak"
    )
    assert code == 1 and err == (
        "Error: At the kiosk, staff acknowledge a policy for themselves: a signed paper copy is recorded as paper.\n"
    )
    as_(monkeypatch, OFFICE)
    code, out, err = run(
        "policies", "acknowledge", "online-safety", "--how", "paper", "--staff", "deputy", "--on", day(-3),
        "--db", school_db, "--as", "office",
    )  # fmt: skip
    assert code == 0 and "on signed paper" not in out and out.endswith(f"on {day(-3)}, signed paper.\n"), err
    code, out, err = run("policies", "acknowledge", "nope", "--db", school_db, "--as", "office")
    assert code == 1 and err == "Error: There is no policy 'nope' on the register (it has: online-safety).\n"
    code, out, err = run("policies", "overdue", "--db", school_db, "--as", "office")
    assert code == 1 and " may not " in err
    as_(monkeypatch, HEAD)
    code, out, err = run("policies", "overdue", "--format", "json", *head)
    assert {r["username"] for r in json.loads(out)} == {"office", "beech", "head", "admin"}
    code, out, err = run(
        "policies", "reviewed", "online-safety", "--version", "2026-12", "--approved", day(0),
        "--next-review", day(300), *head,
    )  # fmt: skip
    assert code == 0 and out == (
        f"Online safety policy reviewed: version 2026-12, approved {day(0)}, next review {day(300)}.\n"
    ), err
    code, out, err = run("policies", "overdue", "--format", "json", *head)
    assert len(json.loads(out)) == 6  # a new version: everyone again
