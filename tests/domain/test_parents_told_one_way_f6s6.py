"""A tester walking issue 15: "parents told" on a concern could be recorded two unlinked ways,
`concerns follow-up 1 --done parents_told` (no who, when or how) and `parents informed
--concern 1` (structured). A follow-up now refuses the tick and names the structured record;
`--done` given twice in one call is refused."""

from __future__ import annotations

import pytest

from kiosk.actions import parents as act_parents
from kiosk.session import SignedIn
from models.errors import ValidationError
from models.safeguarding import concerns
from models.store.tables import ConcernAction, ParentsInformed, Pupil
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build()


def raise_one(school):
    pupil = Pupil.get(Pupil.admission_no == "000001")
    return concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil.id, what="Messages", category="bullying", now=NOW
    )


def test_a_follow_up_refuses_parents_told_and_names_the_structured_record(school):
    c = raise_one(school)
    with pytest.raises(ValidationError) as refused:
        concerns.follow_up(c.id, school.head, note="Rang mum", actions=[concerns.PARENTS_TOLD], now=NOW)
    line = str(refused.value)
    assert f"kiosk parents informed --concern {c.id}" in line and "\n" not in line
    assert not ConcernAction.select().exists()
    concerns.follow_up(c.id, school.head, note="Asked the ESS", actions=[concerns.ESS_ADVICE], now=NOW)


def test_the_kiosk_routes_it_to_the_parents_told_form(school):
    c = raise_one(school)
    about = act_parents.inform_about_concern(SignedIn.of(school.head), c.id)
    assert about.concern_id == c.id and about.pupil == "Ava Patel" and about.at == c.raised_at
    assert [name for _, name in about.contacts] == ["Priya Patel (Mother)", "Raj Patel (Father)"]
    told = act_parents.ParentsTold(told_at=NOW, how="phone", contact_id=about.contacts[0][0])
    line = act_parents.informed_of_concern(SignedIn.of(school.head), c.id, told, NOW)
    assert line.startswith(f"Recorded: parents told of concern #{c.id} by phone")
    assert ParentsInformed.get().concern_id == c.id


def test_the_command_line_refuses_the_tick_and_a_step_given_twice(database, run, monkeypatch):
    from kiosk.cli import _access
    from models.store.db import close_db

    school = build()
    c = raise_one(school)
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", lambda: False)
    monkeypatch.setenv("KIOSK_PIN", "725649")  # the head
    base = ["--db", database, "--as", "head"]
    code, out, err = run("concerns", "follow-up", str(c.id), "--note", "Rang mum", "--done", "parents_told", *base)
    assert code == 1 and out == "" and f"kiosk parents informed --concern {c.id}" in err and err.count("\n") == 1
    code, out, err = run(
        "concerns", "follow-up", str(c.id), "--note", "x", "--done", "ess_advice", "--done", "ess_advice", *base
    )
    assert code == 1 and out == "" and "--done ess_advice is given twice" in err and err.count("\n") == 1
    code, out, err = run("concerns", "follow-up", str(c.id), "--note", "Asked", "--done", "ess_advice", *base)
    assert code == 0, err
