"""What is waiting for parents to be told lists only what its reader may record (findings
after issue 15): a phone held for the DSL (suspected nude images) is the DSL's to tell the
parents of (online safety 11.1.1), so leadership's list leaves it out, as the dialog and
``kiosk parents informed`` refuse it; the DSL and the head see it."""

from __future__ import annotations

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied
from models.safeguarding import parents
from models.staff import auth
from tests.school import NOW, build


@pytest.fixture
def school(database):
    s = build()
    s.dsl = auth.create_staff("dsl", "Ms DSL", [auth.DSL], "390417", now=NOW)
    return s


def _confiscate(school, adno, category):
    dev = resolve(school.codes[adno]).device.id
    return custody.confiscate(dev, school.oak, category=category, reason="seen in class", policy="MST 6", now=NOW)


def test_leadership_is_not_listed_a_phone_held_for_the_dsl_the_dsl_is(school):
    held = _confiscate(school, "000001", custody.NUDE_IMAGES)
    plain = _confiscate(school, "000002", "behaviour")
    with pytest.raises(PermissionDenied):  # the deputy may not record it ...
        parents.about(school.deputy, event_id=held.id)
    assert [w.event_id for w in parents.waiting(school.deputy)] == [plain.id]  # ... so it is not listed
    for who in (school.dsl, school.head):
        listed = {w.event_id for w in parents.waiting(who)}
        assert listed == {held.id, plain.id}, who.username
    # Whatever anyone is listed, they may record.
    for who in (school.deputy, school.dsl, school.head):
        for w in parents.waiting(who):
            parents.about(who, event_id=w.event_id)
