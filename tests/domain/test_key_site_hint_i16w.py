"""A terminal that opens another school's records (a trust on PostgreSQL) meets that school's
PIN key fingerprint: the refusal must say the site may be wrong, not only that the key file
was replaced (trust walk, issue 16: an Elm terminal with KIOSK_SITE empty opened site 1)."""

from __future__ import annotations

import os

import pytest

from models.errors import StorageError
from models.staff import auth
from models.store import pinkey
from models.upkeep.demo import DEMO_PINS
from tests.school import NOW, build


@pytest.fixture
def own_key(tmp_path):
    path = pinkey.configure(tmp_path / "keys" / "pin.key")
    pinkey.forget()
    yield path
    pinkey.configure(None)
    pinkey.forget()


def test_another_key_names_the_site_on_postgresql_and_only_the_file_on_sqlite(database, own_key):
    build()
    own_key.write_bytes(os.urandom(pinkey.KEY_BYTES))  # another school's key, or a replaced file
    pinkey.forget()
    with pytest.raises(StorageError) as err:
        auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal="T1")
    said = str(err.value)
    assert said.startswith(f"The PIN key file {own_key} is not the one this database's PINs were made with")
    if database.startswith("postgresql"):
        assert "or this terminal opened another school's records: it is at site 1 of the trust" in said
        assert "check KIOSK_SITE and the config's site" in said
    else:
        assert "site" not in said
    assert "\n" not in said
