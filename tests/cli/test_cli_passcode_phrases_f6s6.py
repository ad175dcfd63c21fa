"""`kiosk school-devices add` as a tester walked it (issue 15): a passcode described in words
("PIN is the school postcode ME18 5QE") is refused in one line that does not repeat it."""

from __future__ import annotations

from tests.school import build


def test_the_testers_command_is_refused_in_one_line(database, run, monkeypatch):
    from kiosk.cli import _access
    from models.store.db import close_db

    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", "836150")  # the admin (tests.school uses the demo's PINs)
    code, out, err = run(
        "school-devices", "add", "T6", "--kind", "tablet", "--description",
        "iPad (PIN is the school postcode ME18 5QE)", "--passcode-set", "--db", database, "--as", "admin",
    )  # fmt: skip
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "looks like it holds a passcode or PIN" in err and "ME18" not in err
