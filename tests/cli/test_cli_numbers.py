"""Numbers on the command line: a huge or bad record number is one plain line, never
"Unexpected error (OverflowError)" (a tester's walk of issue 12)."""

from __future__ import annotations

import pytest

from models.upkeep.demo import DEMO_PINS

HUGE = "99999999999999999999"


@pytest.fixture
def demo_db(tmp_path, run):
    db = tmp_path / "demo.sqlite3"
    assert run("demo", "--db", db)[0] == 0
    return db


@pytest.mark.parametrize(
    "args,pin",
    [
        (["exceptions", "revoke", HUGE, "--reason", "Phone out in class", "--as", "head"], "head"),
        (["exceptions", "review", HUGE, "--next", "2026-12-20", "--as", "head"], "head"),
        (["exceptions", "agreement", HUGE], None),
        (["print", "reprint", HUGE, "--as", "office"], "office"),
        (["print", "retry", "--job", HUGE, "--as", "office"], "office"),
        (["print", "reprint", "12x", "--as", "office"], "office"),
    ],
)
def test_a_record_number_out_of_range_is_one_plain_line(demo_db, run, monkeypatch, args, pin):
    if pin:
        monkeypatch.setenv("KIOSK_PIN", DEMO_PINS[pin])
    code, out, err = run(*args, "--db", demo_db)
    assert code == 2, out + err
    assert err.count("\n") == 1 and "is not" in err and "number" in err, err
    assert "Unexpected error" not in out + err and "Traceback" not in out + err


def test_a_paper_anchor_with_a_huge_entry_number_is_one_plain_line(demo_db, run):
    code, out, err = run("audit", "verify", "--anchor", f"#{HUGE} 7afa637916d58874", "--db", demo_db)
    assert code == 1 and "is not an anchor" in err and "Unexpected error" not in err


@pytest.mark.parametrize(
    "args,user,said",
    [
        (
            ["labels", "print", "--class", "Oak"],
            "oak",
            "Error: Mr T Okoro (Oak) may not print phone labels: that needs someone who may register phones.\n",
        ),
        (
            ["backup", "copy.sqlite3"],
            "office",
            "Error: Mrs J Patel (office) may not make a backup.\n",
        ),
        (["purge"], "office", "Error: Mrs J Patel (office) may not purge records past their retention period.\n"),
    ],
)
def test_a_refusal_names_the_person_once_and_what_they_tried(demo_db, run, monkeypatch, tmp_path, args, user, said):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS[user])
    code, out, err = run(*args, "--as", user, "--db", demo_db)
    assert code == 1 and err == said
    assert not (tmp_path / "copy.sqlite3").exists()
