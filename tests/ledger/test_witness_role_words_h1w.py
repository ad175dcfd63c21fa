"""Issue 15 (a new-user walk): the witness to a search is not the searcher named by their
own role ("the headteacher" when the head searched, "DSL" when the DSL did)."""

from __future__ import annotations

import pytest

from models.custody import ledger as custody
from models.errors import ValidationError
from models.staff import auth
from models.store.tables import CustodyEvent
from tests.school import NOW, build

HEAD = ("Miss A Lavelle (head, DSL)", {auth.HEADTEACHER, auth.DSL})
DEPUTY = ("Mrs R Hughes (deputy head)", {auth.LEADERSHIP})
PLAIN_HEAD = ("Miss A Lavelle", {auth.HEADTEACHER})  # no role in the display name
PLAIN_DSL = ("Mr D Lead", {auth.DSL})


@pytest.mark.parametrize(
    ("searcher", "witness"),
    [
        (HEAD, "the headteacher"),
        (HEAD, "Headteacher"),
        (HEAD, "head"),
        (HEAD, "The Head."),
        (HEAD, "head teacher"),
        (HEAD, "DSL"),
        (HEAD, "the DSL"),
        (HEAD, "designated safeguarding lead"),
        (HEAD, "head and DSL"),
        (HEAD, "Headteacher / DSL"),
        (HEAD, "(head, DSL)"),
        (PLAIN_HEAD, "the headteacher"),
        (PLAIN_HEAD, "the school's headteacher"),
        (PLAIN_DSL, "DSL"),
        (PLAIN_DSL, "the designated safeguarding lead"),
        (DEPUTY, "the deputy head"),
        (DEPUTY, "Deputy"),
    ],
)
def test_the_searchers_own_role_is_not_a_witness(searcher, witness):
    name, roles = searcher
    assert custody.witness_problem(witness, name, roles) == (
        "The witness must be someone other than the person searching: name them, not your role."
    )


@pytest.mark.parametrize(
    ("searcher", "witness"),
    [
        (HEAD, "Mrs R Hughes (deputy head)"),
        (HEAD, "the deputy head"),  # another person's role: not the searcher's
        (HEAD, "Mr T Okoro, class teacher"),
        (PLAIN_DSL, "the headteacher"),  # the DSL searched; the head witnessed
        (PLAIN_HEAD, "DSL"),  # a head who is not the DSL: the DSL witnessed
        (DEPUTY, "the headteacher"),
        (HEAD, "Mrs Head"),  # a surname that is a role word, with a title: a person
        (HEAD, "Mr D Lead"),
    ],
)
def test_another_persons_role_or_name_is_a_witness(searcher, witness):
    name, roles = searcher
    assert custody.witness_problem(witness, name, roles) is None


def test_recording_a_search_refuses_the_searchers_role_as_witness(database):
    school = build()
    dev = custody.hand_in(school.codes["000001"], school.office, now=NOW).device_id
    kw = dict(
        consent_by="pupil",
        grounds="A pupil reported an image on the phone",
        item_sought="an image",
        location="the office",
        outcome="nothing_found",
    )
    with pytest.raises(ValidationError, match="name them, not your role"):
        custody.record_search(dev, school.head, now=NOW, witness="the headteacher", **kw)
    with pytest.raises(ValidationError, match="name them, not your role"):
        custody.record_search(dev, school.head, now=NOW, witness="DSL", **kw)
    assert not CustodyEvent.select().where(CustodyEvent.kind == "searched").exists()
    custody.record_search(dev, school.head, now=NOW, witness="Deputy", **kw)  # the deputy, a person here
