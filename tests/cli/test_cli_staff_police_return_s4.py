"""`kiosk staff-devices police-return`: a member of staff's device back from the police (issue 15).
The chair records it for the headteacher's own device and no one else's; the head is refused on
their own; each refusal is one line."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import _access
from models.staff import auth
from models.store.db import close_db
from models.upkeep.demo import DEMO_PINS
from tests.school import NOW, build


@pytest.fixture
def school_db(database, monkeypatch):
    build()  # the head is the headteacher and the DSL, as in the demo
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def as_(monkeypatch, who: str, db: str) -> list[str]:
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS[who])
    return ["--db", db, "--as", who]


def with_the_police(run, monkeypatch, db: str, actor: str, owner: str) -> str:
    base = as_(monkeypatch, actor, db)
    code, out, err = run("staff-devices", "hold", "--staff", owner, "--for", "police", "--reason", "Policy 11.3", *base)
    assert code == 0, err
    device = out.split()[1]
    code, out, err = run(
        "staff-devices", "police", device, "--officer", "PC Smith", "--number", "123", "--reference", "KP/1", "--yes",
        *base,
    )  # fmt: skip
    assert code == 0, err
    return device


def police_return(run, device: str, base: list[str]):
    return run(
        "staff-devices", "police-return", device, "--officer", "PC Smith", "--number", "123", "--reference", "KP/1",
        "--next", "LADO to decide", *base,
    )  # fmt: skip


def one_line_error(err: str) -> bool:
    return err.startswith("Error: ") and err.count("\n") == 1


def test_the_chair_records_the_heads_device_back_and_the_head_is_refused(school_db, run, monkeypatch):
    device = with_the_police(run, monkeypatch, school_db, "chair", "head")
    code, out, err = police_return(run, device, as_(monkeypatch, "head", school_db))
    assert code == 1 and one_line_error(err) and "their own device" in err, err
    code, out, err = police_return(run, device, as_(monkeypatch, "chair", school_db))
    assert code == 0, err
    assert out.startswith(f"Device {device} is back from the police: hold it in slot C-") and out.count("\n") == 1
    code, out, err = run("staff-devices", "list", "--format", "json", *as_(monkeypatch, "chair", school_db))
    assert json.loads(out)[0]["state"].startswith("held in slot C-"), err
    code, out, err = police_return(run, device, as_(monkeypatch, "chair", school_db))  # not with the police now
    assert code == 1 and one_line_error(err), err


def test_the_chair_is_refused_on_another_persons_device(school_db, run, monkeypatch):
    device = with_the_police(run, monkeypatch, school_db, "head", "oak")
    code, out, err = police_return(run, device, as_(monkeypatch, "chair", school_db))
    assert (code, out) == (1, "") and one_line_error(err), err
    code, out, err = police_return(run, device, as_(monkeypatch, "head", school_db))
    assert code == 0 and out.startswith(f"Device {device} is back from the police"), err


def test_an_unknown_device_is_one_line(school_db, run, monkeypatch):
    code, out, err = police_return(run, "999", as_(monkeypatch, "head", school_db))
    assert code != 0 and one_line_error(err), err
