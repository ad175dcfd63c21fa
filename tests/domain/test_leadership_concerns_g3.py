"""Issue 15 (helper g3): who sees a concern, made coherent.

* Leadership reads concerns (issue 15: "search and concern details are for leadership, the
  DSL and the headteacher"; mobile technology policy 9: "leadership staff will debrief,
  identify lessons learnt") and records lessons learnt on them, but never an allegation about
  themself nor one about the headteacher (the chair's); following up and closing stay the DSL's.
* A concern is seen by whoever raised it (as a custody record is by whoever made it).
* A subject access export withholds every concern the person making it may not see (the same
  rule), says how many and who must review them, and never names who raised one.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from kiosk.actions import safeguarding as safeguarding_actions
from kiosk.session import SignedIn
from models.audit import chain as audit
from models.errors import NotFound, PermissionDenied
from models.records import duties
from models.safeguarding import concerns, parents
from models.staff import auth
from models.store.tables import Concern, Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def school(database):
    return build()


def pid(adno: str) -> int:
    return Pupil.get(Pupil.admission_no == adno).id


def about_pupil(by: Staff, what: str = "Messages", category: str = "bullying") -> Concern:
    return concerns.raise_concern(by, about_kind="pupil", pupil_id=pid("000001"), what=what, category=category, now=NOW)


def allegation(by: Staff, subject: Staff, what: str = "Photo of a pupil") -> Concern:
    return concerns.raise_concern(by, about_kind="staff", staff_id=subject.id, what=what, category="other", now=NOW)


def listed(who: Staff) -> set[int]:
    return {e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, kind="concern", actor=who)}


# ---------------------------------------------------------------- the rule, for each role


def test_each_role_sees_the_concerns_the_rule_gives_it(school):
    governor = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    dsl = auth.create_staff("dslonly", "Mr D Safe", [auth.DSL], "614739", now=NOW)
    child = about_pupil(school.oak)
    on_oak = allegation(school.office, school.oak)
    on_deputy = allegation(school.office, school.deputy)
    on_head = allegation(school.office, school.head)
    sees = {
        "office": set(),
        "oak": set(),  # a teacher: none whole (the one she raised is listed as raised: below, f1s6)
        "deputy": {child.id, on_oak.id},  # leadership: never about themself, never about the head
        "head": {child.id, on_oak.id, on_deputy.id},  # the DSL too: never about herself
        "admin": set(),
        "chair": {on_head.id},  # the chair: allegations about the headteacher only
        "dslonly": {child.id, on_oak.id, on_deputy.id, on_head.id},  # a DSL who is not the head
    }
    people = {s.username: s for s in Staff.select()}
    for username, expected in sees.items():
        who = people[username]
        got = {c.id for c in Concern.select() if concerns.may_see_concern(who, c)}
        assert got == expected, username
        # the feed also lists, as raised, those they raised and may not see whole (f1s6)
        as_raised = {"office": {on_oak.id, on_deputy.id, on_head.id}, "oak": {child.id}}.get(username, set())
        assert listed(who) == expected | as_raised, username
    assert governor.id == people["chair"].id and dsl.id == people["dslonly"].id


def test_leadership_reads_a_concern_marks_it_seen_for_itself_and_records_lessons_learnt(school):
    c = about_pupil(school.oak)
    assert concerns.unseen_count(school.deputy) == 1
    concerns.mark_seen(c.id, school.deputy, now=NOW)
    assert concerns.unseen_count(school.deputy) == 0
    assert concerns.unseen_count(school.head) == 1  # seen per reader: still NEW for the DSL
    history = safeguarding_actions.open_entry(SignedIn.of(school.deputy), c.id, None, LATER)
    assert "raised by Oak Teacher: Messages" in history.lines[0]
    with pytest.raises(PermissionDenied, match="may not follow up safeguarding concerns"):
        concerns.follow_up(
            c.id, school.deputy, note="Spoke to parents", close=True, outcome="No further action", now=NOW
        )
    concerns.follow_up(c.id, school.head, note="Done", close=True, outcome="Resolved in school", now=NOW)
    row = concerns.record_lessons(c.id, school.deputy, "Debrief: brief staff on group chats", now=LATER)
    assert row.recorded_by_id == school.deputy.id
    line = safeguarding_actions.record_lessons(SignedIn.of(school.deputy), c.id, "And the PSHE plan", LATER)
    assert line == f"Lessons learnt recorded on concern #{c.id}."
    assert audit.verify().ok


def test_leadership_never_records_lessons_on_an_allegation_about_itself_or_the_head(school):
    governor = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    on_deputy = allegation(school.office, school.deputy)
    on_head = allegation(school.office, school.head)
    concerns.follow_up(
        on_deputy.id, school.head, note="Spoke to parents", close=True, outcome="No further action", now=NOW
    )
    concerns.follow_up(on_head.id, governor, note="Spoke to parents", close=True, outcome="No further action", now=NOW)
    for c in (on_deputy, on_head):
        with pytest.raises(NotFound, match="^There is no such concern.$"):
            concerns.record_lessons(c.id, school.deputy, "Brief staff", now=NOW)
        with pytest.raises(NotFound, match="^There is no such concern.$"):
            concerns.mark_seen(c.id, school.deputy, now=NOW)


def test_leadership_is_not_sent_the_dsls_alerts(school):
    about_pupil(school.office, category="radicalisation")
    allegation(school.office, school.oak)
    assert concerns.urgent_unseen(school.deputy) == []
    assert safeguarding_actions.urgent_alerts(SignedIn.of(school.deputy)) == []
    assert safeguarding_actions.home_lines(SignedIn.of(school.deputy)) == []
    assert len(concerns.urgent_unseen(school.head)) == 2


# ---------------------------------------------------------------- a concern is seen by whoever raised it


def test_a_concern_the_dsl_raised_herself_is_not_new_to_her(school):
    own = about_pupil(school.head, category="radicalisation")
    other = about_pupil(school.oak)
    [mine] = [e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.head) if e.concern_id == own.id]
    [theirs] = [e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.head) if e.concern_id == other.id]
    assert mine.seen is True and theirs.seen is False
    assert concerns.unseen_count(school.head) == 1
    assert concerns.urgent_unseen(school.head) == []  # not alerted to her own
    # everyone else who reads it still has it NEW until they open it
    assert concerns.unseen_count(school.deputy) == 2
    [for_deputy] = [e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.deputy) if e.concern_id == own.id]
    assert for_deputy.seen is False
    dsl = auth.create_staff("dslonly", "Mr D Safe", [auth.DSL], "614739", now=NOW)
    assert concerns.urgent_unseen(dsl) == [(own.id, "a radicalisation (Prevent) concern")]


# ---------------------------------------------------------------- subject access


def admin_of() -> Staff:
    return Staff.get(Staff.username == "admin")


def test_an_admins_export_of_the_head_withholds_the_allegation_and_who_raised_it(school, tmp_path):
    governor = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    c = allegation(school.deputy, school.head, "HEAD-SECRET photographed a pupil")
    concerns.follow_up(c.id, governor, note="CHAIR-NOTE told the LADO", now=LATER)
    export = duties.subject_access(duties.staff_subject("head"), actor=admin_of(), now=LATER)
    assert export.sections["concerns"] == []
    assert export.withheld.count == 1
    assert export.withheld.by_reviewer == {"the chair of governors": (c.id,)}
    data = export.as_json()
    text = json.dumps(data)
    for secret in ("HEAD-SECRET", "CHAIR-NOTE", "Deputy", "Mr C Governor"):
        assert secret not in text, secret
    assert f'"entity": "concern", "entity_id": "{c.id}"' not in text  # nor its audit entries (who acted)
    assert not [r for r in export.sections["audit"] if r["entity"] == "concern"]
    assert "WITHHELD: 1 concern about this person is not in this export" in data["note"]
    assert "review it: the chair of governors: 1" in data["note"]
    assert data["withheld"] == {
        "count": 1,
        "review": [{"reviewer": "the chair of governors", "concern_ids": [c.id]}],
        "staff_devices": [],  # f1s6: staff devices and search details withheld are listed beside
        "details": [],
        "statement": export.withheld.statement(),
    }
    out = duties.write_sar(export, tmp_path / "head.zip")
    with zipfile.ZipFile(out) as z:
        assert "WITHHELD.txt" in z.namelist()
        assert "the chair of governors" in z.read("WITHHELD.txt").decode()
        assert all(b"HEAD-SECRET" not in z.read(n) and b"Deputy" not in z.read(n) for n in z.namelist())


def test_an_admins_export_of_a_pupil_withholds_the_concerns_with_what_hangs_off_them(school):
    c = about_pupil(school.oak, "PUPIL-SECRET messages")
    parents.record_informed(
        school.head,
        concern_id=c.id,
        told_at=NOW,
        how="phone",
        parent_name="Aunt ZELDA-SECRET",
        note="TOLD-NOTE",
        now=LATER,
    )
    parents.record_police_contact(
        school.head, concern_id=c.id, line="101", reference="POL-REF-1", called_at=NOW, now=LATER
    )
    export = duties.subject_access(duties.pupil_subject("000001"), actor=admin_of(), now=LATER)
    assert export.sections["concerns"] == [] and export.sections["parents_informed"] == []
    assert export.sections["police_contacts"] == []
    assert export.withheld.by_reviewer == {"the DSL": (c.id,)}
    text = json.dumps(export.as_json())
    for secret in ("PUPIL-SECRET", "TOLD-NOTE", "POL-REF-1", "Oak Teacher", "ZELDA-SECRET"):
        assert secret not in text, secret
    assert "review it: the DSL: 1" in export.as_json()["note"]
    # the headteacher, who is the DSL and may see it, exports it whole; nothing withheld
    whole = duties.subject_access(duties.pupil_subject("000001"), actor=school.head, now=LATER)
    assert [r["id"] for r in whole.sections["concerns"]] == [c.id]
    assert whole.sections["parents_informed"] and whole.sections["police_contacts"]
    assert whole.withheld.count == 0 and whole.as_json()["withheld"]["count"] == 0
    assert "WITHHELD" not in whole.as_json()["note"]


def test_the_head_exports_an_allegation_about_a_teacher_an_admin_does_not(school):
    c = allegation(school.office, school.oak, "OAK-SECRET")
    by_head = duties.subject_access(duties.staff_subject("oak"), actor=school.head, now=LATER)
    assert [r["id"] for r in by_head.sections["concerns"]] == [c.id]
    by_admin = duties.subject_access(duties.staff_subject("oak"), actor=admin_of(), now=LATER)
    assert by_admin.sections["concerns"] == [] and by_admin.withheld.by_reviewer == {"the DSL": (c.id,)}
    assert "OAK-SECRET" not in json.dumps(by_admin.as_json())


def test_the_sar_command_says_what_it_withheld(school, tmp_path):
    from kiosk.actions import records as records_actions

    c = allegation(school.office, school.oak)
    me = SignedIn.of(admin_of())
    done = records_actions.subject_access(me, records_actions.subject(staff_user="oak"), str(tmp_path / "o.zip"), LATER)
    assert done.withheld.startswith("WITHHELD: 1 concern about this person is not in this export")
    assert f"the DSL: 1 (#{c.id})" in done.withheld
