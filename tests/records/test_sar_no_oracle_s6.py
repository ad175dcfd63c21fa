"""A subject access export never tells its maker of an allegation about them (issue 15 walk,
session 6).

The walk: the deputy raised an allegation about the headteacher. The head then exported the
deputy's records and read the deputy's ``concern.raise`` audit entry naming her (staff_id)
with nothing said to be withheld; after the chair's follow-up, the head's export of the
chair showed the LADO referral; and her export of her own records was refused with "These
records include an allegation about you" (a yes/no test she could run at any time). An
admin's export held the same raise.

* A concern whoever makes the export may not see is withheld with its audit entries, also
  when the subject is the member of staff who raised it or acted on it.
* A headteacher's export never counts or names what is withheld for the chair of governors
  (that would say there is an allegation about a headteacher): every export a headteacher
  makes says, whether or not there is one, that allegations about a headteacher are not in it.
* Nobody erases their own records, and a headteacher no headteacher's, whatever is held.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.errors import PermissionDenied
from models.records import duties
from models.safeguarding import concerns
from models.staff import auth
from tests.school import NOW, build

H = dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    s = build()
    s.chair = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    return s


def _allegation_about_the_head(school):
    return concerns.raise_concern(
        school.deputy, about_kind="staff", staff_id=school.head.id, category="staff_conduct",
        what="Seen sharing pupil photos on a personal phone", now=NOW,
    )  # fmt: skip


def _concern_entries(export, concern_id):
    return [
        r
        for r in export.sections["audit"]
        if r["entity"] == "concern" and str(r["entity_id"]) == str(concern_id) or r["action"].startswith("concern.")
    ]


def test_the_heads_export_of_the_raiser_holds_nothing_of_the_allegation_and_does_not_count_it(school):
    c = _allegation_about_the_head(school)
    export = duties.subject_access(duties.staff_subject("deputy"), actor=school.head, now=NOW + H)
    assert _concern_entries(export, c.id) == []
    text = json.dumps(export.as_json(), default=str)
    assert "staff_conduct" not in text and "personal phone" not in text
    assert export.withheld.count == 0  # nothing counted that says what there is
    assert "the chair of governors" not in json.dumps(export.withheld.as_json()["review"])


def test_every_export_a_head_makes_says_allegations_about_a_head_are_not_in_it(school):
    before = duties.subject_access(duties.staff_subject("deputy"), actor=school.head, now=NOW + H)
    _allegation_about_the_head(school)
    after = duties.subject_access(duties.staff_subject("deputy"), actor=school.head, now=NOW + 2 * H)
    assert before.withheld.statement() == after.withheld.statement()
    assert "allegations about a headteacher" in after.withheld.statement()
    deputys_own = duties.subject_access(duties.staff_subject("deputy"), actor=school.admin, now=NOW + H)
    assert "allegations about a headteacher are never in" not in deputys_own.withheld.statement()


def test_the_chairs_follow_up_is_not_in_the_heads_export_of_the_chair(school):
    c = _allegation_about_the_head(school)
    concerns.follow_up(c.id, school.chair, note="Referred to the LADO", now=NOW + H)
    export = duties.subject_access(duties.staff_subject("chair"), actor=school.head, now=NOW + 2 * H)
    assert _concern_entries(export, c.id) == []
    assert "Referred to the LADO" not in json.dumps(export.as_json(), default=str)


def test_an_admins_export_of_the_raiser_withholds_the_allegation(school):
    c = _allegation_about_the_head(school)
    export = duties.subject_access(duties.staff_subject("deputy"), actor=school.admin, now=NOW + H)
    assert _concern_entries(export, c.id) == []
    assert export.withheld.by_reviewer == {"the chair of governors": (c.id,)}


@pytest.mark.parametrize("with_allegation", [False, True])
def test_ones_own_export_and_erasure_say_the_same_whatever_is_held(school, with_allegation):
    """The head's export of her own records, and her erasure of them, read the same whether or
    not there is an allegation about her: the export leaves any out uncounted and always says
    so; the erasure is refused to her (and to the admin, of the admin's own) whatever is held."""
    if with_allegation:
        _allegation_about_the_head(school)
    own = duties.subject_access(duties.staff_subject("head"), actor=school.head, now=NOW + H)
    assert own.withheld.count == 0 and own.sections["concerns"] == []
    assert own.withheld.statement().startswith("NOTE: allegations about a headteacher are never in")
    assert "staff_conduct" not in json.dumps(own.as_json(), default=str)
    for who, actor in (("head", school.head), ("admin", school.admin)):
        with pytest.raises(PermissionDenied) as refused:
            duties.erase(duties.staff_subject(who), actor=actor, now=NOW + H)
        assert "allegation" not in str(refused.value)
