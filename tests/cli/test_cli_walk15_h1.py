"""Issue 15's new-user walk (helper h1) at the command line: the chair hands the head's own
device to the police (and nothing else); a call to the police about a phone held for the DSL
is refused to leadership in one line; a passcode in a school device's description is refused."""

from __future__ import annotations

import pytest

from kiosk.cli import _access
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.staff import auth
from models.store.db import close_db
from models.upkeep.demo import DEMO_PINS
from tests.school import NOW, build


@pytest.fixture
def school_db(database, monkeypatch):
    school = build()  # the head is the headteacher and the DSL, as in the demo
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    dev = resolve(school.codes["000001"]).device.id
    custody.confiscate(dev, school.oak, category="nude_images", reason="an image", policy="OS 11.1", now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database, school.codes["000001"]


def as_(monkeypatch, who: str, db: str) -> list[str]:
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS[who])
    return ["--db", db, "--as", who]


def to_police(run, device: str, base: list[str]):
    return run(
        "staff-devices", "police", device, "--officer", "PC Smith", "--number", "123", "--reference", "KP/1", "--yes",
        *base,
    )  # fmt: skip


def test_the_chair_hands_the_heads_own_device_to_the_police_and_no_other(school_db, run, monkeypatch):
    db, _ = school_db
    base = as_(monkeypatch, "chair", db)
    code, out, err = run(
        "staff-devices", "hold", "--staff", "head", "--for", "police", "--reason", "Policy 11.3", *base
    )
    assert code == 0, err
    heads = out.split()[1]
    code, out, err = to_police(run, heads, as_(monkeypatch, "head", db))
    assert code == 1 and "their own device" in err and len(err.strip().splitlines()) == 1
    code, out, err = to_police(run, heads, as_(monkeypatch, "chair", db))
    assert (code, out) == (0, f"Device {heads} handed to the police, reference KP/1. This is final.\n"), err
    code, out, err = run("staff-devices", "hold", "--staff", "oak", "--for", "police", "--reason", "Policy 11.3",
                         *as_(monkeypatch, "head", db))  # fmt: skip
    oaks = out.split()[1]
    code, out, err = to_police(run, oaks, as_(monkeypatch, "chair", db))
    assert code == 1 and len(err.strip().splitlines()) == 1, err  # not the chair's to hand over


def test_a_call_to_the_police_about_a_phone_held_for_the_dsl_is_refused_to_leadership(school_db, run, monkeypatch):
    db, phone = school_db
    call = ["police", "contact", "--phone", phone, "--line", "101", "--reference", "KP-1", "--at", "2026-11-12 10:00"]
    code, out, err = run(*call, *as_(monkeypatch, "deputy", db))
    assert code == 1 and err == (
        "Error: Held for the DSL: the DSL decides on the police and the parents (online safety 11.1.1): "
        "only the DSL or the headteacher may record a call to the police about it.\n"
    )
    code, out, err = run(*call, *as_(monkeypatch, "head", db))
    assert code == 0, err


def test_a_passcode_in_a_school_devices_description_is_refused(school_db, run, monkeypatch):
    db, _ = school_db
    base = as_(monkeypatch, "admin", db)
    add = ["school-devices", "add", "SCH-PH-01", "--kind", "phone", "--passcode-set", "--description"]
    code, out, err = run(*add, "trips phone, PIN: 482916", *base)
    assert code == 1 and err == (
        "Error: The device's description looks like it holds a passcode or PIN: take it out. The register "
        "records only whether a passcode is set, never the passcode (mobile technology policy 4).\n"
    )
    code, out, err = run(*add, "iPad 7 (2019), serial 4F7Q2", *base)
    assert (code, out) == (0, "SCH-PH-01 (phone) is on the register.\n"), err
