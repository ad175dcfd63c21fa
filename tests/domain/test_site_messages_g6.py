"""A terminal that cannot open its site is told so in plain words, naming the site: no talk
of search_path when the site's schema is gone or the database role may not use it (site
1's included: a school's own role, with no site named, lands there)."""

from __future__ import annotations

import pytest

from models.store.db import close_db
from tests.conftest import POSTGRES_URL
from tests.domain.test_school_grants_i16h import _grant, _sql, trust  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def _as(role: str) -> str:
    base, _, database = POSTGRES_URL.rpartition("/")
    return base.replace("//kiosk@", f"//{role}@", 1) + "/" + database


def test_a_school_s_role_with_no_site_named_is_told_it_opens_its_own_school(trust, run, monkeypatch):  # noqa: F811
    _sql(_grant(run, "elm"))
    monkeypatch.delenv("KIOSK_SITE", raising=False)  # site 1: the role may not use its schema
    code, out, err = run("report", "uncollected", "--db", _as(trust["elm"]))
    assert code != 0 and out == "" and err.count("\n") == 1, err
    assert "search_path" not in err and "schema none" not in err, err
    assert f"The database role '{trust['elm']}' may not open site 1" in err, err
    assert "KIOSK_SITE" in err, err


def test_a_school_whose_schema_is_gone_is_named(trust, run, monkeypatch):  # noqa: F811
    _sql('DROP SCHEMA "site_ash" CASCADE')
    close_db()
    monkeypatch.setenv("KIOSK_SITE", "ash")
    code, out, err = run("report", "uncollected", "--db", POSTGRES_URL)
    assert code != 0 and out == "" and err.count("\n") == 1, err
    assert "search_path" not in err, err
    assert "site 'ash' (Ash Primary)" in err and "tables are gone" in err, err
    assert "kiosk trust add-site ash --empty" in err, err
