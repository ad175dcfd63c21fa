"""The one helper for a PostgreSQL database beside the test one (the restore and site
backup tests, and each pytest-xdist worker's own): made when missing, emptied when asked."""

from __future__ import annotations

import pytest

from models.store.db import close_db, db, init_db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


def test_a_second_database_is_made_beside_the_test_one_and_emptied():
    from tests.conftest import database_beside, second_postgres

    url = second_postgres("beside_i16h")
    assert url == database_beside(POSTGRES_URL, "beside_i16h")
    assert url.rpartition("/")[2] == POSTGRES_URL.rpartition("/")[2] + "_beside_i16h"
    init_db(url)
    try:
        db.execute_sql("CREATE TABLE left_behind (x integer)")
        db.execute_sql('CREATE SCHEMA "site_gone"')
    finally:
        close_db()
    assert second_postgres("beside_i16h") == url
    init_db(url)
    try:
        assert db.get_tables() == []
        assert db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'site_gone'").fetchone() is None
    finally:
        close_db()
