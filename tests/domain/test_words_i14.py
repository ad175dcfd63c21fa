"""Issue 14, item 14: the words a newcomer reads."""

from __future__ import annotations

from kiosk.actions.access import not_allowed
from kiosk.session import SignedIn
from models import auth


def test_a_name_that_says_its_role_is_not_given_a_second_pair():
    patel = SignedIn(1, "office", "Mrs J Patel (office)", frozenset({auth.OFFICE}))
    assert not_allowed(patel, "record_exception") == "Mrs J Patel (office) may not record exceptions."
    head = SignedIn(2, "head", "Mr A Head", frozenset({auth.HEADTEACHER, auth.DSL}))
    assert not_allowed(head, "manage_staff") == "Mr A Head (headteacher, DSL) may not manage staff."
