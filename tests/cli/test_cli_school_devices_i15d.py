"""`kiosk school-devices …` and `kiosk staff-devices …` (issue 15), with one-line refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.cli import _access
from models.store.db import close_db
from tests.school import build

HEAD, OFFICE, OAK, ADMIN = "725649", "482916", "503827", "836150"  # the demo's PINs (tests.school uses them)


@pytest.fixture
def school_db(database, monkeypatch):
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def day(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def as_(monkeypatch, who: str, pin: str, db: str) -> list[str]:
    monkeypatch.setenv("KIOSK_PIN", pin)
    return ["--db", db, "--as", who]


def test_add_loan_list_overdue_return(school_db, run, monkeypatch):
    base = as_(monkeypatch, "admin", ADMIN, school_db)
    code, out, err = run(
        "school-devices", "add", "sch-ph-01", "--kind", "phone", "--description", "trips phone", "--passcode-set", *base
    )
    assert (code, out) == (0, "SCH-PH-01 (phone) is on the register.\n"), err
    code, out, err = run(
        "school-devices", "loan", "SCH-PH-01", "--to", "oak", "--purpose", "trip", "--due", day(2), *base
    )
    assert code == 1 and err == "Error: Admin (admin) may not lend or take back the school's phones and tablets.\n"
    base = as_(monkeypatch, "office", OFFICE, school_db)
    code, out, err = run(
        "school-devices", "loan", "SCH-PH-01", "--to", "oak", "--purpose", "trip", "--note", "Y6 to the museum",
        "--due", day(2), *base,
    )  # fmt: skip
    assert (code, out) == (0, f"SCH-PH-01 lent to Oak Teacher, due back {day(2)}.\n"), err
    code, out, err = run(
        "school-devices", "loan", "SCH-PH-01", "--to", "deputy", "--purpose", "trip", "--due", day(2), *base
    )
    assert code == 1 and "already on loan to Oak Teacher" in err
    code, out, err = run("school-devices", "list", "--format", "json", *base)
    [row] = json.loads(out)
    assert (row["status"], row["borrower"], row["passcode"], row["purpose"]) == (
        "on loan",
        "Oak Teacher",
        "set",
        "school trip: Y6 to the museum",
    )
    assert run("school-devices", "overdue", *base)[1] == "(none)\n"
    code, out, err = run("school-devices", "return", "SCH-PH-01", "--condition", "fine", *base)
    assert (code, out) == (0, "SCH-PH-01 returned: received by Office.\n"), err
    base = as_(monkeypatch, "oak", OAK, school_db)
    code, out, err = run("school-devices", "list", *base)
    assert code == 1 and "may not see the register" in err


def test_a_loan_warns_of_no_passcode_and_never_goes_to_the_it_admin_account(school_db, run, monkeypatch):
    base = as_(monkeypatch, "admin", ADMIN, school_db)
    code, out, err = run(
        "school-devices", "add", "SCH-TAB-01", "--kind", "tablet", "--description", "spare iPad", "--no-passcode", *base
    )
    assert code == 0, err
    base = as_(monkeypatch, "office", OFFICE, school_db)
    code, out, err = run(
        "school-devices", "loan", "SCH-TAB-01", "--to", "admin", "--purpose", "trip", "--due", day(2), *base
    )
    assert code == 1 and "lent only to a member of staff" in err, out + err
    code, out, err = run(
        "school-devices", "loan", "SCH-TAB-01", "--to", "oak", "--purpose", "trip", "--due", day(2), *base
    )
    assert (code, out) == (
        0,
        f"SCH-TAB-01 lent to Oak Teacher, due back {day(2)}. Warning: SCH-TAB-01 has no passcode set: "
        "set one before it goes out (mobile technology policy 4).\n",
    ), err


def test_staff_devices_hold_list_return(school_db, run, monkeypatch):
    base = as_(monkeypatch, "head", HEAD, school_db)
    code, out, err = run(
        "staff-devices",
        "hold",
        "--staff",
        "oak",
        "--for",
        "lado",
        "--reason",
        "Policy 11.3",
        "--description",
        "iPhone",
        *base,
    )
    assert code == 0 and out.startswith("Device ") and "held for the LADO: put it in slot C-01" in out, err
    device = out.split()[1]
    code, out, err = run("staff-devices", "list", "--format", "json", *base)
    [row] = json.loads(out)
    assert (row["owner"], row["held_for"], row["state"]) == ("Oak Teacher", "LADO", "held in slot C-01")
    code, out, err = run(
        "staff-devices", "hold", "--staff", "head", "--for", "police", "--reason", "Phone out in class", *base
    )
    assert code == 1 and "their own device" in err
    code, out, err = run(
        "staff-devices", "police", device, "--officer", "PC Smith", "--number", "123", "--reference", "KP/1", *base
    )
    assert code == 2 and "--yes" in err
    code, out, err = run("staff-devices", "return", device, "--decision", "LADO: no further action", *base)
    assert (code, out) == (0, f"Device {device} is recorded as given back to the member of staff.\n"), err
    base = as_(monkeypatch, "office", OFFICE, school_db)
    code, out, err = run("staff-devices", "list", *base)
    assert code == 1 and "may not" in err


def test_a_staff_device_goes_to_the_police_from_the_command_line(school_db, run, monkeypatch):
    base = as_(monkeypatch, "head", HEAD, school_db)
    code, out, err = run("staff-devices", "hold", "--staff", "oak", "--for", "police", "--reason", "Policy 11.3", *base)
    device = out.split()[1]
    code, out, err = run(
        "staff-devices",
        "police",
        device,
        "--officer",
        "PC Smith",
        "--number",
        "123",
        "--reference",
        "KP/1",
        "--yes",
        *base,
    )
    assert (code, out) == (0, f"Device {device} handed to the police, reference KP/1. This is final.\n"), err
    code, out, err = run("staff-devices", "list", "--format", "json", *base)
    assert json.loads(out)[0]["state"] == "with the police"


@pytest.fixture
def school_db_with_chair(database, monkeypatch):
    from models.staff import auth

    build()
    auth.create_staff("chair", "Mrs C Chair", [auth.CHAIR], "591846")
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def test_the_chair_holds_and_returns_the_heads_device_from_the_command_line(school_db_with_chair, run, monkeypatch):
    """hwalk1: the head is also the DSL, so the head's device is held by the chair of governors."""
    base = as_(monkeypatch, "chair", "591846", school_db_with_chair)
    code, out, err = run("staff-devices", "hold", "--staff", "head", "--for", "lado", "--reason", "KCSIE 4", *base)
    assert code == 0 and "of Head is held for the LADO" in out, err
    device = out.split()[1]
    code, out, err = run("staff-devices", "list", "--format", "json", *base)
    assert [r["owner"] for r in json.loads(out)] == ["Head"], err
    code, out, err = run(
        "staff-devices", "hold", "--staff", "oak", "--for", "lado", "--reason", "Phone out in class", *base
    )
    assert (code, err.strip().splitlines()[-1]) == (
        1,
        "Error: The chair of governors holds only the headteacher's own device: ask the DSL or the headteacher.",
    ), out + err
    code, out, err = run("staff-devices", "return", device, "--decision", "LADO: no further action", *base)
    assert (code, out) == (0, f"Device {device} is recorded as given back to the member of staff.\n"), err
