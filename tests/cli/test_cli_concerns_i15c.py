"""`kiosk concerns …` (issue 15, helper C): a follow-up with the steps done and the LADO
referral, closing, and lessons learnt, from the command line, with one-line refusals."""

from __future__ import annotations

import pytest

from kiosk.cli import _access
from models.safeguarding import concerns
from models.store.db import close_db
from models.store.tables import Staff
from tests.school import NOW, build

HEAD, OFFICE, DEPUTY = "725649", "482916", "614738"


@pytest.fixture
def school_db(database, monkeypatch):
    school = build()
    concerns.raise_concern(school.office, about_kind="staff", staff_id=school.oak.id, what="Texts", now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    return database


def test_follow_up_with_steps_close_as_lado_and_lessons(school_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    base = ["--db", school_db, "--as", "head"]
    code, out, err = run("concerns", "follow-up", "1", "--note", "Rang the LADO", "--close", "lado", *base)
    assert code == 1 and "Record the referral to the LADO" in err and out == ""
    code, out, err = run("concerns", "follow-up", "1", "--note", "Spoke to parents", "--lado-day", "2026-11-12", *base)
    assert code != 0 and "Give both --lado-day and --lado-reference, or neither." in err
    code, out, err = run(
        "concerns", "follow-up", "1", "--note", "Rang the LADO", "--done", "ess_advice",
        "--lado-day", "2026-11-12", "--lado-reference", "LADO/26/3", "--close", "lado", *base,
    )  # fmt: skip
    assert code == 0, err
    assert out == "Follow-up of allegation #1 recorded; the allegation is closed. Referred to the LADO.\n"
    monkeypatch.setenv("KIOSK_PIN", OFFICE)
    code, out, err = run(
        "concerns", "lessons", "1", "--text", "Brief staff on group chats", "--db", school_db, "--as", "office"
    )
    assert code == 1 and "may not record lessons learnt" in err
    monkeypatch.setenv("KIOSK_PIN", DEPUTY)  # leadership sees the allegation about Oak, and debriefs (g3)
    code, out, err = run("concerns", "lessons", "1", "--text", "Debrief", "--db", school_db, "--as", "deputy")
    assert (code, out) == (0, "Lessons learnt recorded on concern #1.\n"), err
    code, out, err = run(
        "concerns", "follow-up", "1", "--note", "Spoke to parents", "--db", school_db, "--as", "deputy"
    )
    assert code == 1 and "may not follow up safeguarding concerns" in err and out == ""
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    code, out, err = run("concerns", "lessons", "1", "--text", "Staff use school phones only", *base)
    assert code == 0 and out == "Lessons learnt recorded on concern #1.\n", err
    from models.upkeep.opening import open_database

    open_database(school_db)
    assert [a.kind for a in concerns.actions_of(1)] == ["ess_advice", "lado", "closed", "lessons", "lessons"]
    assert concerns.actions_of(1)[-2].recorded_by_id == Staff.get(Staff.username == "deputy").id
    assert concerns.actions_of(1)[-1].recorded_by_id == Staff.get(Staff.username == "head").id


def test_the_chair_follows_up_an_allegation_about_the_head_from_the_command_line(database, run, monkeypatch):
    """New-user walk (issue 15): the chair may follow up an allegation about the headteacher
    at the kiosk, but `kiosk concerns follow-up` asked for `view_concerns` and refused her."""
    from models.staff import auth

    school = build()
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    concerns.raise_concern(school.office, about_kind="staff", staff_id=school.head.id, what="Texts", now=NOW)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", "947261")
    code, out, err = run(
        "concerns", "follow-up", "1", "--note", "Rang the LADO", "--lado-day", "2026-11-12",
        "--lado-reference", "LADO/26/9", "--close", "lado", "--db", database, "--as", "chair",
    )  # fmt: skip
    assert code == 0, err
    assert "closed" in out
    # the chair owns the case, so records its lessons learnt; the deputy, who may not see it, may not
    code, out, err = run("concerns", "lessons", "1", "--text", "Train governors", "--db", database, "--as", "chair")
    assert (code, out) == (0, "Lessons learnt recorded on concern #1.\n"), err
    monkeypatch.setenv("KIOSK_PIN", DEPUTY)
    code, out, err = run(
        "concerns", "lessons", "1", "--text", "Brief staff on group chats", "--db", database, "--as", "deputy"
    )
    assert code == 1 and "There is no such concern." in err and out == ""


def test_a_radicalisation_concern_is_referred_to_prevent_and_closed_as_a_channel_panel(database, run, monkeypatch):
    from models.store.tables import Pupil

    school = build()
    pupil = Pupil.get(Pupil.admission_no == "000001").id
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil, what="Videos", category="radicalisation", now=NOW
    )
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", HEAD)
    base = ["--db", database, "--as", "head"]
    code, out, err = run("concerns", "follow-up", "1", "--note", "Spoke to parents", "--done", "prevent", *base)
    assert code != 0 and "'prevent' is not one of" in err  # the referral has its own options
    code, out, err = run(
        "concerns", "follow-up", "1", "--note", "Spoke to parents", "--prevent-day", "2026-11-12", *base
    )
    assert code != 0 and "Give both --prevent-day and --prevent-to" in err
    code, out, err = run("concerns", "follow-up", "1", "--note", "Panel", "--close", "channel", *base)
    assert code == 1 and "Record the referral to Prevent" in err
    code, out, err = run(
        "concerns", "follow-up", "1", "--note", "Rang the Prevent team", "--prevent-day", "2026-11-12",
        "--prevent-to", "Kent Prevent team", "--prevent-reference", "PRV/26/1", *base,
    )  # fmt: skip
    assert (code, out) == (0, "Follow-up of concern #1 recorded; the concern is open. Referred to Prevent.\n"), err
    code, out, err = run("concerns", "follow-up", "1", "--note", "Panel met", "--close", "channel", *base)
    assert code == 0, err
    from models.upkeep.opening import open_database

    open_database(database)
    assert [a.kind for a in concerns.actions_of(1)] == ["prevent", "closed"]
    assert concerns.concern_outcome(concerns.get(1)) == "channel"
