"""Every `kiosk trust` table fits 80 columns, however long a school's name or a
governors' group (f4s6, finding 9): a cell too wide for its column wraps onto the next
line, so nothing is lost; CSV and JSON keep every value on its row."""

from __future__ import annotations

import pytest

from tests.cli.test_cli_trust_i16s import site_1  # noqa: F401 (a fixture)
from tests.cli.test_trust_machine_g6 import ADMIN, _report, trust  # noqa: F401 (a fixture)
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")

LONG = "Saint Bartholomew's Church of England Voluntary Aided Primary"


@pytest.mark.parametrize("report", ["sites", "compliance", "uncollected", "feed", "governors"])
def test_every_trust_table_fits_80_columns(trust, run, monkeypatch, report):  # noqa: F811
    monkeypatch.setenv("KIOSK_PIN", ADMIN)
    code, _, err = run("trust", "rename-site", "elm", "--name", LONG, "--as", "admin", "--db", trust)
    assert code == 0, err
    waiting = f"{LONG} Two"  # a place waiting for its records: its note too
    code, _, err = run("trust", "add-site", "oak", "--name", waiting, "--empty", "--as", "admin", "--db", trust)
    assert code == 0, err
    code, out, err = _report(run, monkeypatch, trust, report, "table")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n" + out
    assert "empty: waiting for its" in " ".join(out.split()), out
    if report != "feed":  # (Elm's feed is empty)
        words = " ".join(out.split())
        for word in LONG.split():
            assert word in words, (word, out)  # wrapped, not cut
    code, out, err = _report(run, monkeypatch, trust, report, "csv")
    if report != "feed":
        assert LONG in out  # the machine formats: whole
