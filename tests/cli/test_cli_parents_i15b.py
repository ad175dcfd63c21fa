"""`kiosk parents …` and `kiosk police contact` (issue 15), with one-line refusals."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import _access
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.db import close_db
from tests.school import NOW, build

HEAD, OFFICE, OAK = "725649", "482916", "503827"


@pytest.fixture
def school_db(database, monkeypatch):
    school = build()
    dev = resolve(school.codes["000001"]).device.id
    custody.confiscate(dev, school.oak, category="behaviour", reason="filming", policy="MST 6", now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database, school.codes["000001"]


def test_parents_waiting_then_informed_then_nothing_waits(school_db, run, monkeypatch):
    db, _code = school_db
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    base = ["--db", db, "--as", "head"]
    code, out, err = run("parents", "waiting", "--format", "json", *base)
    assert code == 0, err
    (row,) = json.loads(out)
    assert (row["kind"], row["pupil"], row["by"]) == ("confiscation", "Ava Patel", "Oak Teacher")
    code, out, err = run(
        "parents", "informed", "--event", row["event_id"], "--name", "Gran Patel", "--how", "phone",
        "--at", "2026-11-12 09:05", "--told-by", "Mrs Office", *base,
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"Recorded: parents told of confiscation #{row['event_id']} by phone (entry ")
    assert run("parents", "waiting", *base)[1] == "(none)\n"


def test_parents_refusals_are_one_line(school_db, run, monkeypatch):
    db, _code = school_db
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, out, err = run("parents", "waiting", "--db", db, "--as", "office")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "may not" in err
    code, out, err = run(
        "parents", "informed", "--event", "1", "--name", "X", "--how", "phone", "--at", "2026-11-12 09:05",
        "--db", db, "--as", "office",
    )  # fmt: skip
    assert code != 0 and "may not record that parents were told" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("KIOSK_PIN", "271845")  # a teacher of another class: may not read the details
    code, out, err = run(
        "parents", "informed", "--event", "1", "--name", "X", "--how", "phone", "--at", "2026-11-12 09:05",
        "--db", db, "--as", "beech",
    )  # fmt: skip
    assert code != 0 and "details of this confiscation" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("KIOSK_PIN", OAK)  # the teacher who confiscated it may record it
    code, out, err = run(
        "parents", "informed", "--event", "1", "--name", "X", "--how", "phone", "--at", "next tuesday",
        "--db", db, "--as", "oak",
    )  # fmt: skip
    assert code != 0 and "is not a time" in err
    code, out, err = run(
        "parents", "informed", "--event", "1", "--name", "X", "--how", "phone", "--at", "2026-11-12 08:00",
        "--db", db, "--as", "oak",
    )  # fmt: skip
    assert code != 0 and "before the confiscation" in err
    code, out, err = run(
        "parents", "informed", "--event", "1", "--name", "X", "--how", "phone", "--at", "2026-11-12 09:00",
        "--db", db, "--as", "oak",
    )  # fmt: skip
    assert code == 0, err


def test_police_contact_about_a_phone(school_db, run, monkeypatch):
    db, code_ = school_db
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    code, out, err = run(
        "police", "contact", "--phone", code_, "--line", "101", "--reference", "KP-1", "--at", "2026-11-12 10:00",
        "--db", db, "--as", "head",
    )  # fmt: skip
    assert code == 0, err
    assert out == "Recorded: the police contacted on 101, reference KP-1 (contact 1).\n"
    code, out, err = run("police", "contact", "--line", "101", "--reference", "KP-1", "--at", "2026-11-12 10:00",
                         "--db", db, "--as", "head")  # fmt: skip
    assert code != 0 and "--phone" in err
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, out, err = run(
        "police", "contact", "--phone", code_, "--line", "999", "--reference", "KP-2", "--at", "2026-11-12 10:00",
        "--db", db, "--as", "office",
    )  # fmt: skip
    assert code != 0 and "may not" in err


def test_police_contact_dated_before_the_phone_is_refused_in_one_line(school_db, run, monkeypatch):
    db, code_ = school_db
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    code, out, err = run(
        "police", "contact", "--phone", code_, "--line", "101", "--reference", "KP-9", "--at", "2019-01-01 10:00",
        "--db", db, "--as", "head",
    )  # fmt: skip
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "or later." in err, err


def test_police_contact_may_be_before_a_later_search_of_the_confiscated_phone(database, run, monkeypatch):
    # Walk (f3): confiscated 08:30, searched 09:40; the call was at 09:00 and is about the incident.
    import datetime as dt

    school = build()
    dev = resolve(school.codes["000001"]).device.id
    custody.confiscate(dev, school.deputy, category="behaviour", reason="filming", policy="MST 6", now=NOW)
    custody.record_search(
        dev, school.deputy, consent_by="pupil", witness="Mrs Head", item_sought="messages", location="the office",
        grounds="Reported image", found_what=None, outcome="nothing_found",
        searched_at=NOW + dt.timedelta(minutes=70), now=NOW + dt.timedelta(minutes=80),
    )  # fmt: skip
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", "614738")
    args = ["police", "contact", "--phone", school.codes["000001"], "--line", "101", "--reference", "R1"]
    code, out, err = run(*args, "--at", "2026-11-12 08:20", "--db", database, "--as", "deputy")
    assert code != 0 and "before the confiscation it is about (" in err, err
    code, out, err = run(*args, "--at", "2026-11-12 09:00", "--db", database, "--as", "deputy")
    assert code == 0, err
    assert out == "Recorded: the police contacted on 101, reference R1 (contact 1).\n"
