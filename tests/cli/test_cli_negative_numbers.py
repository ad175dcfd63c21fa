"""A negative or zero record number (``kiosk exceptions review -5 ...``) is one plain line
and exit 1, never click's usage block ("No such option '-5'"); real options still work,
and an option's value may still start with a minus sign."""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from kiosk.cli import main
    from models.store.db import close_db

    db = tmp_path_factory.mktemp("neg") / "demo.sqlite3"
    assert main(["demo", "--db", str(db)]) == 0
    close_db()
    return db


EXC = "use the number shown by kiosk exceptions list."
JOB = "use the number shown by kiosk print queue."


@pytest.mark.parametrize(
    "args,pin,said",
    [
        (
            ["exceptions", "review", "-5", "--next", "2026-12-20", "--as", "head"],
            "head",
            f"-5 is not an exception number: {EXC}",
        ),
        (
            ["exceptions", "review", "--next", "2026-12-20", "-5", "--as", "head"],
            "head",
            f"-5 is not an exception number: {EXC}",
        ),
        (
            ["exceptions", "review", "0", "--next", "2026-12-20", "--as", "head"],
            "head",
            f"0 is not an exception number: {EXC}",
        ),
        (
            ["exceptions", "revoke", "-12", "--reason", "Phone out in class", "--as", "head"],
            "head",
            f"-12 is not an exception number: {EXC}",
        ),
        (
            ["exceptions", "revoke", "-0", "--reason", "Phone out in class", "--as", "head"],
            "head",
            f"-0 is not an exception number: {EXC}",
        ),
        (["exceptions", "agreement", "-1"], None, f"-1 is not an exception number: {EXC}"),
        (["exceptions", "agreement", "0"], None, f"0 is not an exception number: {EXC}"),
        (["print", "reprint", "-3", "--as", "office"], "office", f"-3 is not a print job number: {JOB}"),
        (["print", "reprint", "000", "--as", "office"], "office", f"000 is not a print job number: {JOB}"),
        (["print", "retry", "--job", "-3", "--as", "office"], "office", f"-3 is not a print job number: {JOB}"),
        (["print", "retry", "--job=0", "--as", "office"], "office", f"0 is not a print job number: {JOB}"),
    ],
)
def test_a_negative_or_zero_record_number_is_one_plain_line(demo_db, run, monkeypatch, args, pin, said):
    if pin:
        monkeypatch.setenv("KIOSK_PIN", DEMO_PINS[pin])
    code, out, err = run(*args, "--db", demo_db)
    assert (code, err) == (1, f"Error: {said}\n"), out + err
    assert "Usage:" not in out + err


def test_an_option_value_with_a_minus_sign_is_still_a_value(demo_db, run, monkeypatch):
    """``--reason -5`` is the reason, not a record number: the command goes on to look for exception 999."""
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    code, out, err = run("exceptions", "revoke", "999", "--reason", "-5", "--as", "head", "--db", demo_db)
    assert code == 1 and "not an exception number" not in err and "Usage:" not in err, err


def test_real_options_and_help_still_work(demo_db, run):
    code, out, _ = run("exceptions", "review", "--help")
    assert code == 0 and "--next" in out
    code, _, err = run("exceptions", "agreement", "1", "--nonsense", "--db", demo_db)
    assert code == 2 and "No such option" in err and "--nonsense" in err


def test_a_word_is_still_not_a_number(demo_db, run):
    code, _, err = run("exceptions", "agreement", "twelve", "--db", demo_db)
    assert code == 2 and err.count("\n") == 1 and "is not an exception number" in err


@pytest.mark.parametrize(
    "args,said",
    [
        (["print", "queue", "--limit", "-5"], "Invalid value for '--limit': -5 is not in the range 1<=x<=1000."),
        (["print", "queue", "--limit", "abc"], "Invalid value for '--limit': 'abc' is not a valid integer range."),
        (["report", "uncollected", "--nonsense"], "No such option '--nonsense'."),
        (["report", "nosuch"], "No such command 'nosuch'."),
    ],
)
def test_a_usage_mistake_is_one_line_that_names_the_help(demo_db, run, args, said):
    """Click printed its usage block: three lines and a blank before the error."""
    code, out, err = run(*args, "--db", demo_db)
    command = "kiosk " + " ".join(a for a in args[:2] if not a.startswith("-") and a != "nosuch")
    assert (code, out) == (2, "")
    assert err == f"Error: {said} ({command} --help says more.)\n", err
