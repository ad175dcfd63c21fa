"""Issue 16, the trust's attack: `kiosk trust grants --role` took the database's owner, a
superuser or another school's role (each would give a school's terminals every school's
records); an empty `KIOSK_SITE=` overrode the site the config file names; and wrong
`--as` sign-ins on a new database shut out its first admin for good."""

from __future__ import annotations

import datetime as dt

import pytest

from models.config import load_settings
from models.errors import AuthError, ConfigError, PermissionDenied
from models.staff import auth
from models.staff.accounts import check_first_admin, create_first_admin
from models.store.tables import Staff
from models.upkeep.demo import DEMO_PINS
from tests.conftest import NOW, POSTGRES_URL
from tests.domain.test_school_grants_i16h import _drop_role, _sql, trust  # noqa: F401 - the fixture

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="KIOSK_TEST_POSTGRES is not set")


# -- trust grants --role ------------------------------------------------------------------


def _grants(run, *args):
    return run("trust", "grants", "--site", "elm", *args, "--db", POSTGRES_URL)


@needs_postgres
def test_the_database_s_owner_is_not_a_school_s_role(trust, run):  # noqa: F811
    (owner,) = _sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")[0]
    status, out, err = _grants(run, "--role", owner)
    assert status == 1 and not out and err.count("\n") == 1, err
    assert "the database's owner" in err and trust["elm"] in err  # and the role to use instead


@needs_postgres
def test_a_superuser_is_not_a_school_s_role(trust, run):  # noqa: F811
    _drop_role("g5_super")
    _sql("CREATE ROLE g5_super SUPERUSER")
    try:
        status, out, err = _grants(run, "--role", "g5_super")
        assert status == 1 and not out and err.count("\n") == 1 and "superuser" in err, err
    finally:
        _drop_role("g5_super")


@needs_postgres
def test_another_school_s_role_is_not_this_school_s(trust, run):  # noqa: F811
    status, out, err = _grants(run, "--role", trust["ash"])  # Ash's own, by its name
    assert status == 1 and not out and err.count("\n") == 1 and "the school ash's role" in err, err
    _drop_role("g5_ashes")
    try:
        status, sql, err = run("trust", "grants", "--site", "ash", "--role", "g5_ashes", "--db", POSTGRES_URL)
        assert status == 0, err
        _sql(sql)  # Ash's terminals use a role of another name
        status, out, err = _grants(run, "--role", "g5_ashes")
        assert status == 1 and not out and "the school ash's role" in err, err
    finally:
        _drop_role("g5_ashes")
    status, sql, err = _grants(run)  # its own default role is fine
    assert status == 0 and trust["elm"] in sql, err


@needs_postgres
def test_the_sql_itself_refuses_the_owner_if_it_is_run_anyway(trust):  # noqa: F811
    import psycopg2.errors

    from models.trust.grants import school_role_sql

    (owner,) = _sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")[0]
    with pytest.raises(psycopg2.errors.RaiseException, match="owner, a superuser or another school"):
        _sql(school_role_sql("elm", owner))
    assert _sql("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'site_elm'") == [(owner,)]


# -- KIOSK_SITE= --------------------------------------------------------------------------


def test_an_empty_kiosk_site_does_not_override_the_config_s_site(tmp_path, monkeypatch):
    config = tmp_path / "kiosk.toml"
    config.write_text('site = "elm"\n')
    monkeypatch.setenv("KIOSK_SITE", "")
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert "KIOSK_SITE" in str(err.value) and "'elm'" in str(err.value) and "\n" not in str(err.value)
    monkeypatch.setenv("KIOSK_SITE", "   ")
    with pytest.raises(
        ConfigError, match="KIOSK_SITE is set to spaces only"
    ):  # spaces: refused whatever the config (f4s6)
        load_settings(config)
    monkeypatch.delenv("KIOSK_SITE")
    assert load_settings(config).site == "elm"
    monkeypatch.setenv("KIOSK_SITE", "ash")  # a school named: it is that school, as before
    assert load_settings(config).site == "ash"
    config.write_text("")
    monkeypatch.setenv("KIOSK_SITE", "")  # nothing names a site: empty is site 1, as before
    settings = load_settings(config)
    assert settings.site == "" and settings.site_1_chosen


def test_an_empty_kiosk_site_is_one_line_at_the_command_line(tmp_path, run, monkeypatch):
    config = tmp_path / "kiosk.toml"
    config.write_text('site = "elm"\n')
    monkeypatch.setenv("KIOSK_SITE", "")
    status, out, err = run("trust", "sites", "--config", config)
    assert status != 0 and not out and err.count("\n") == 1 and "KIOSK_SITE" in err, err


# -- the first admin ----------------------------------------------------------------------


def test_wrong_sign_ins_before_anyone_exists_do_not_shut_out_the_first_admin(database):
    for pin in ("111111", "222222", "333333", "444444", "555555", "666666"):
        with pytest.raises(AuthError):
            auth.authenticate("admin", pin, now=NOW)
    admin = create_first_admin("admin", "IT Admin", [auth.ADMIN], DEMO_PINS["admin"], now=NOW)
    later = NOW + dt.timedelta(hours=1)  # (the wrong PINs still slow this terminal for a while, as always)
    assert auth.authenticate("admin", DEMO_PINS["admin"], now=later).id == admin.id


def test_on_a_school_with_staff_the_door_stays_shut_whatever_is_deleted(database):
    from tests.school import build

    school = build()
    with pytest.raises(AuthError):
        auth.authenticate("nobody", "111111", now=NOW)
    with pytest.raises(PermissionDenied):
        check_first_admin([auth.ADMIN])
    Staff.update(active=False).execute()  # every account switched off outside the kiosk
    with pytest.raises(PermissionDenied, match="has had staff before"):
        check_first_admin([auth.ADMIN])
    assert school.admin.id


def test_the_first_admin_is_added_after_a_wrong_as_at_the_command_line(tmp_path, run, monkeypatch):
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    db = tmp_path / "k.sqlite3"
    open_database(str(db))  # a new school's database, no one in it yet
    close_db()
    monkeypatch.setenv("KIOSK_PIN", "111111")
    monkeypatch.setenv("KIOSK_NEW_PIN", DEMO_PINS["admin"])
    for _ in range(5):
        status, _, err = run(
            "staff", "add", "boss", "--name", "IT Admin", "--role", "admin", "--as", "boss", "--db", db
        )
        assert status != 0, err
    status, _, err = run("staff", "add", "boss", "--name", "IT Admin", "--role", "admin", "--db", db)
    assert status == 0, err
