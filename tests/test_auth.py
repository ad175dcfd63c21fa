"""PINs: hashed, never stored in clear; lockout survives a restart."""

import datetime as dt

import pytest

from models import auth
from models.db import close_db, init_db
from models.errors import AuthError, ValidationError
from models.tables import Staff
from tests.school import NOW, build


def test_pin_is_hashed_with_argon2id(database):
    build()
    for s in Staff.select():
        assert s.pin_hash.startswith("$argon2id$")
        for pin in ("1111", "2222", "3333", "4444", "9999", "2323"):
            assert pin not in s.pin_hash


def test_login_and_messages(database):
    build()
    assert auth.authenticate("Office ", "1111", now=NOW).username == "office"
    with pytest.raises(AuthError) as err:
        auth.authenticate("office", "0000", now=NOW)
    assert str(err.value) == "Wrong PIN. 4 tries left before the account locks."
    with pytest.raises(AuthError, match="Unknown username."):
        auth.authenticate("nobody", "1111", now=NOW)
    with pytest.raises(AuthError, match="Type your username."):
        auth.authenticate("", "1111", now=NOW)


def test_lockout_after_five_wrong_pins_survives_restart(tmp_path):
    url = str(tmp_path / "k.sqlite3")
    init_db(url)
    build()
    for _ in range(4):
        with pytest.raises(AuthError, match="(try|tries) left"):
            auth.authenticate("oak", "9999", now=NOW)
    with pytest.raises(AuthError) as err:
        auth.authenticate("oak", "9999", now=NOW)
    assert str(err.value) == "Wrong PIN. Account oak is now locked until 08:45."
    close_db()
    init_db(url)  # a restart
    with pytest.raises(AuthError) as err:
        auth.authenticate("oak", "2222", now=NOW + dt.timedelta(minutes=5))
    assert str(err.value) == "Account oak is locked until 08:45 after 5 wrong PINs."
    assert auth.authenticate("oak", "2222", now=NOW + dt.timedelta(minutes=16)).username == "oak"
    close_db()


def test_admin_unlock(database):
    build()
    for _ in range(5):
        with pytest.raises(AuthError):
            auth.authenticate("office", "0000", now=NOW)
    auth.unlock("office", actor="cli", now=NOW)
    assert auth.authenticate("office", "1111", now=NOW)


def test_bad_staff_input(database):
    build()
    with pytest.raises(ValidationError, match="A PIN is 4 to 8 digits."):
        auth.create_staff("newbie", "New", ["office"], "12a4", now=NOW)
    with pytest.raises(ValidationError, match="Unknown role 'cook'"):
        auth.create_staff("newbie", "New", ["cook"], "1234", now=NOW)
    with pytest.raises(ValidationError, match="already a member of staff called 'office'"):
        auth.create_staff("office", "Dup", ["office"], "1234", now=NOW)
    with pytest.raises(ValidationError, match="A username is"):
        auth.create_staff("x y", "New", ["office"], "1234", now=NOW)
