"""`kiosk parents waiting --as deputy` lists only what the deputy may record (findings after
issue 15): a phone held for the DSL is not on it; the head (the DSL) sees it."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import _access
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.store.db import close_db
from tests.school import NOW, build

HEAD, DEPUTY = "725649", "614738"


@pytest.fixture
def school_db(database, monkeypatch):
    school = build()
    for adno, category in (("000001", custody.NUDE_IMAGES), ("000002", "behaviour")):
        dev = resolve(school.codes[adno]).device.id
        custody.confiscate(dev, school.oak, category=category, reason="seen in class", policy="MST 6", now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


@pytest.mark.parametrize(
    ("who", "pin", "pupils"), [("deputy", DEPUTY, ["Ben Jones"]), ("head", HEAD, ["Ava Patel", "Ben Jones"])]
)
def test_parents_waiting_lists_what_its_reader_may_record(school_db, run, monkeypatch, who, pin, pupils):
    monkeypatch.setenv("KIOSK_PIN", pin)
    code, out, err = run("parents", "waiting", "--format", "json", "--db", school_db, "--as", who)
    assert code == 0, err
    assert sorted(r["pupil"] for r in json.loads(out)) == pupils
