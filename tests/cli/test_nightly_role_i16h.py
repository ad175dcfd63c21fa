"""The nightly timers' own account (issue 16, least privilege): the role ``nightly`` may run
the retention purge and the backup, and nothing else: every other command that acts for
someone refuses it, it cannot sign in at the kiosk's screens (the reception, the visitor
screen, a browser), and it is held alone."""

from __future__ import annotations

import pytest

from models.errors import AuthError, ValidationError
from models.staff import auth
from tests.cli.test_cli_auth import (  # noqa: F401 - fixtures
    PINS,
    _case_ids,
    _refused_and_nothing_done,
    cases,
    entries_after,
    kiosk,
    last_seq,
    school,
    staff_id,
)

NIGHTLY_JOBS = {"backup", "purge"}


def test_the_nightly_role_may_purge_and_back_up_and_nothing_else():
    mine = {action for action, roles in auth.PERMISSIONS.items() if auth.NIGHTLY in roles}
    assert mine == {"purge_records", "backup"}
    assert auth.ROLE_NAMES[auth.NIGHTLY] == "nightly jobs"
    for action in ("manage_records", "manage_staff", "view_reports", "raise_concern", "acknowledge_policy"):
        assert auth.NIGHTLY not in auth.PERMISSIONS[action], action
    # the people who ran them before still may
    for role in (auth.ADMIN, auth.HEADTEACHER):
        assert role in auth.PERMISSIONS["purge_records"] and role in auth.PERMISSIONS["backup"]


@pytest.mark.parametrize("name", sorted(NIGHTLY_JOBS))
def test_the_nightly_account_runs_the_timers_jobs(school, kiosk, tmp_path, name):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    code, out, err = kiosk(case, "c_nightly", PINS["c_nightly"])
    assert code == 0, err
    who = f"staff:{staff_id(url, 'c_nightly')}"
    new = entries_after(url, before)
    assert (who, "auth.login") in new and (who, case.action) in new, new


@pytest.mark.parametrize("name", [n for n in _case_ids() if n not in NIGHTLY_JOBS])
def test_the_nightly_account_is_refused_everything_else(school, kiosk, tmp_path, name):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    code, _, err = kiosk(case, "c_nightly", PINS["c_nightly"])
    _refused_and_nothing_done(
        url, before, case, code, err, allowed_actions=("auth.login", "auth.refused", "audit.anchor")
    )
    assert "nightly jobs" in err and " may not " in err


@pytest.mark.parametrize("surface", [auth.RECEPTION, auth.VISITOR])
def test_the_nightly_account_cannot_sign_in_at_a_screen(sqlite_db, surface):
    from models.store.tables import AuditEntry

    auth.create_staff("nightly", "Nightly jobs", [auth.NIGHTLY], "863027")
    with pytest.raises(AuthError, match="nightly jobs only") as refused:
        auth.authenticate("nightly", "863027", surface=surface, terminal="reception 1")
    assert "\n" not in str(refused.value)
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert last.action == "auth.failed" and "nightly" in last.details
    assert auth.authenticate("nightly", "863027", surface=auth.COMMAND_LINE).username == "nightly"


async def test_the_nightly_account_stays_at_the_sign_in_screen(sqlite_db):
    from kiosk.screens.login import LoginScreen
    from tests.pilot import make_app, quiet, sign_in
    from tests.school import build

    build()
    auth.create_staff("nightly", "Nightly jobs", [auth.NIGHTLY], "863027")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "nightly", "863027")
        await quiet(pilot)
        assert isinstance(app.screen, LoginScreen)
        from kiosk.textual_compat import notices
        from tests.screens.test_trust_screen_i16t import screen_text

        shown = screen_text(app) + "\n".join(notices(app))
        assert "This account runs the nightly jobs only: it cannot" in shown  # (wrapped in the box)


def test_the_nightly_role_is_held_alone(sqlite_db, run, monkeypatch):
    with pytest.raises(ValidationError, match="held alone"):
        auth.create_staff("nightly", "Nightly", [auth.NIGHTLY, auth.ADMIN], "863027")
    auth.create_staff("c_admin", "Admin", [auth.ADMIN], "836150")
    from models.store.db import close_db

    close_db()
    monkeypatch.setenv("KIOSK_PIN", "836150")
    monkeypatch.setenv("KIOSK_NEW_PIN", "863027")
    code, _, err = run(
        "staff",
        "add",
        "nightly",
        "--name",
        "Nightly",
        "--role",
        "nightly",
        "--role",
        "admin",
        "--as",
        "c_admin",
        "--db",
        sqlite_db,
    )
    assert code != 0 and err.count("\n") == 1 and "held alone" in err
    code, out, err = run(
        "staff", "add", "nightly", "--name", "Nightly jobs", "--role", "nightly", "--as", "c_admin", "--db", sqlite_db
    )
    assert code == 0, err


def test_the_timers_act_as_the_nightly_role_in_deploy_and_its_guide():
    from tests.paths import REPO

    env = (REPO / "deploy" / "etc" / "timers.env").read_text(encoding="utf-8")
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "--role nightly" in env and "--role admin" not in env
    assert "KIOSK_TIMER_USER=nightly" in env
    assert 'kiosk staff add nightly --name "Nightly jobs" --role nightly' in guide
    assert "--role admin --as itadmin" not in guide
    for unit in ("reception-kiosk-purge.service", "reception-kiosk-backup.service"):
        assert "--as ${KIOSK_TIMER_USER}" in (REPO / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
