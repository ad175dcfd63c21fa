"""The scale benchmark's generated trust (benchmarks/gen_trust.py) verifies on PostgreSQL:
site 1's generated history and the copy at the other school each have a valid audit
chain and a DeviceState that replays from the ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import POSTGRES_URL, _reset_postgres

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs KIOSK_TEST_POSTGRES")


def test_a_tiny_generated_trust_verifies_at_every_school():
    from benchmarks import gen_trust

    assert POSTGRES_URL
    try:
        result = gen_trust.generate(
            POSTGRES_URL, schools=2, pupils=40, events=200, end=dt.date(2026, 11, 11), log=lambda m: None
        )
        assert result["events_total"] >= 200
        assert gen_trust.marker(POSTGRES_URL)["schools"] == 2
        checks = gen_trust.check(POSTGRES_URL, [gen_trust.site_code(2)], log=lambda m: None)
        assert checks == {"verified site 1": True, f"verified {gen_trust.site_code(2)}": True}
    finally:
        gen_trust.wipe(POSTGRES_URL)
        _reset_postgres(POSTGRES_URL)
