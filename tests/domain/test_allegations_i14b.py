"""Allegations about staff and the headteacher (issue 15, item 5; KCSIE Part 4).

A concern about a member of staff is an allegation, labelled so; its follow-up records the
referral to the LADO. One about the headteacher is hidden from her (not listed, counted,
readable or followable) and goes to the chair of governors, and to the DSL when the DSL
is not the headteacher. Nobody reads an allegation about themself.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.actions import safeguarding as safeguarding_actions
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import NotFound, PermissionDenied, ValidationError
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import AuditEntry, Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()


@pytest.fixture
def school(database):
    return build()


def chair() -> Staff:
    return auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)


def about(school, subject: Staff, what: str = "Seen on her phone with a pupil's photo") -> concerns.Concern:
    return concerns.raise_concern(
        school.office, about_kind="staff", staff_id=subject.id, what=what, category="staff_conduct", now=NOW
    )


def listed(reader: Staff) -> set[int]:
    return {e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, actor=reader) if e.concern_id}


def test_a_concern_about_staff_is_labelled_an_allegation_in_the_feed_and_its_history(school):
    c = about(school, school.oak, "Phone out in a lesson")
    pupil = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
        what="Upset",
        now=NOW,
    )
    feed = {e.concern_id: e for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.head)}
    assert feed[c.id].kind_text == "allegation (staff conduct)"
    assert feed[pupil.id].kind_text == "breach of the phone policy"
    assert "allegation (staff conduct) about Oak Teacher (staff)" in concerns.concern_history(c.id)[0]
    view = safeguarding_actions.open_entry(SignedIn.of(school.head), c.id, None, NOW)
    assert view.title == f"Allegation #{c.id} about Oak Teacher"


def test_the_headteacher_never_sees_an_allegation_about_herself(school):
    c = about(school, school.head)
    other = about(school, school.oak)
    head = school.head  # headteacher and DSL, as in the demo
    assert listed(head) == {other.id}
    assert concerns.unseen_count(head) == 1 and concerns.open_count(head) == 1
    for attempt in (
        lambda: concerns.concern_history(c.id, head),
        lambda: concerns.mark_seen(c.id, head, now=NOW),
        lambda: concerns.follow_up(c.id, head, note="Nothing in it", close=True, outcome="No further action", now=NOW),
        lambda: safeguarding_actions.open_entry(SignedIn.of(head), c.id, None, NOW),
        lambda: safeguarding_actions.follow_up(SignedIn.of(head), c.id, "note", None, NOW),
    ):
        with pytest.raises(NotFound) as err:
            attempt()
        assert str(err.value) == "There is no such concern."  # not even that it exists
    assert concerns.get(c.id).seen_at is None and concerns.get(c.id).status == concerns.OPEN


def test_the_chair_reads_and_follows_up_an_allegation_about_the_head_and_nothing_else(school):
    governor = chair()
    c = about(school, school.head)
    other = about(school, school.oak)
    dev = resolve(school.codes["000001"]).device.id
    custody.confiscate(dev, school.deputy, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)
    assert listed(governor) == {c.id}
    feed = concerns.safeguarding_feed(TODAY, TODAY, actor=governor)
    assert [e.kind for e in feed] == ["concern"]  # no confiscation: nothing custody-related
    assert concerns.unseen_count(governor) == 1
    view = safeguarding_actions.open_entry(SignedIn.of(governor), c.id, None, NOW)
    assert view.title == f"Allegation #{c.id} about Head" and "Seen on her phone" in view.lines[0]
    assert concerns.get(c.id).seen_by_id == governor.id
    with pytest.raises(NotFound):
        concerns.concern_history(other.id, governor)
    with pytest.raises(PermissionDenied):
        safeguarding_actions.open_entry(SignedIn.of(governor), None, dev, NOW)
    line = safeguarding_actions.follow_up(
        SignedIn.of(governor), c.id, "Discussed with the LADO", "Referred to the LADO", NOW, lado=(TODAY, "LADO/26/7")
    )
    assert line == f"Follow-up of allegation #{c.id} recorded; the allegation is closed. Referred to the LADO."
    assert "(referred to the LADO on 2026-11-12, reference LADO/26/7)" in concerns.get(c.id).follow_up_note
    for action in ("hand_in", "release", "release_to_contact", "move", "confiscate", "search", "police"):
        assert not auth.may(governor, action), action
    for action in ("view_concerns", "view_reports", "manage_records", "record_exception"):
        assert not auth.may(governor, action), action


def test_a_dsl_who_is_not_the_head_also_sees_an_allegation_about_the_head(school):
    dsl = auth.create_staff("dslonly", "Mr D Safe", [auth.DSL], "614739", now=NOW)
    c = about(school, school.head)
    assert c.id in listed(dsl)
    assert concerns.concern_history(c.id, dsl)[0].startswith(concerns.local_from_utc_naive(NOW))
    assert c.id not in listed(school.deputy)  # leadership reads concerns, never one about the head (g3)
    # and an allegation about the DSL is hidden from the DSL, read by the headteacher
    about_dsl = about(school, dsl)
    assert about_dsl.id not in listed(dsl) and about_dsl.id in listed(school.head)
    with pytest.raises(NotFound):
        concerns.mark_seen(about_dsl.id, dsl, now=NOW)


def test_home_counts_only_the_concerns_the_reader_may_see(school):
    governor = chair()
    about(school, school.head)
    about(school, school.oak)
    assert concerns.unseen_count(school.head) == 1 and concerns.unseen_count(governor) == 1
    assert concerns.unseen_count() == 2  # the domain's own count: every concern


def test_the_lado_referral_is_recorded_with_its_day_and_reference(school):
    c = about(school, school.oak)
    pupil_concern = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
        what="Upset after a group chat",
        now=NOW,
    )
    head = school.head
    cases = [
        (dict(lado_referred_on=TODAY), "Give both the day of the LADO referral and the LADO's reference, or neither."),
        (dict(lado_reference="R1"), "Give both the day of the LADO referral and the LADO's reference, or neither."),
        (
            dict(lado_referred_on=TODAY + dt.timedelta(days=1), lado_reference="R1"),
            "The day of the LADO referral is in the future.",
        ),
    ]
    for kwargs, why in cases:
        with pytest.raises(ValidationError) as err:
            concerns.follow_up(c.id, head, note="Spoke to parents", now=NOW, **kwargs)
        assert str(err.value) == why
    with pytest.raises(ValidationError) as err:
        concerns.follow_up(
            pupil_concern.id, head, note="Spoke to parents", lado_referred_on=TODAY, lado_reference="R1", now=NOW
        )
    assert str(err.value) == "Only an allegation about a member of staff is referred to the LADO."
    assert concerns.get(c.id).follow_up_note is None  # nothing written by a refusal
    concerns.follow_up(c.id, head, note="Phoned the LADO", lado_referred_on=TODAY, lado_reference="LADO/26/9", now=NOW)
    assert concerns.get(c.id).status == concerns.OPEN
    closed = concerns.follow_up(c.id, head, note="LADO: no further action", close=True, outcome="Referred to the LADO")
    assert closed.status == concerns.CLOSED
    history = concerns.concern_history(c.id, head)
    assert any("Phoned the LADO (referred to the LADO on 2026-11-12, reference LADO/26/9)" in x for x in history)
    entries = [json.loads(a.details) for a in AuditEntry.select().where(AuditEntry.action == "concern.follow_up")]
    assert entries[0].get("lado") is True and "LADO/26/9" not in json.dumps(entries)  # the audit names no detail


def test_whoever_raises_an_allegation_about_the_head_is_told_where_it_goes(school):
    from kiosk.actions.safeguarding import ConcernForm, raise_concern

    form = ConcernForm("staff", "staff_conduct", "Shouted at a pupil", staff_id=school.head.id)
    line = raise_concern(SignedIn.of(school.office), form, NOW)
    assert line.startswith("Allegation #") and line.endswith(
        "about Head raised: no chair of governors has an account here, so tell the chair directly."
    )
    chair()
    assert raise_concern(SignedIn.of(school.office), form, NOW).endswith(
        "about Head raised: the chair of governors will see it."
    )
    about_oak = ConcernForm("staff", "staff_conduct", "Phone in a lesson", staff_id=school.oak.id)
    assert raise_concern(SignedIn.of(school.office), about_oak, NOW).endswith(
        "about Oak Teacher raised: the DSL will see it."
    )


def test_the_headteacher_cannot_read_or_erase_an_allegation_about_herself_through_a_records_request(school, tmp_path):
    """`kiosk sar --staff head` run as the headteacher (she may manage records) leaves the
    allegation about her out, uncounted: the export says, as every export she makes does,
    that allegations about a headteacher are never in it (a refusal only when there was one
    told her there was: the session-6 walk). `kiosk erase --staff head` is refused to her
    whatever is held. Another records officer (admin) still exports it, withheld for the chair;
    the headteacher still exports an allegation about someone else."""
    import zipfile

    from kiosk.actions import records as records_actions
    from models.records import duties

    c = about(school, school.head, "HEAD-SECRET photo")
    about(school, school.oak, "OAK allegation")
    me = SignedIn.of(school.head)
    subject = records_actions.subject(staff_user=school.head.username)
    records_actions.subject_access(me, subject, str(tmp_path / "sar.zip"), NOW)  # never the default: the cwd
    with zipfile.ZipFile(tmp_path / "sar.zip") as z:
        whole = b"".join(z.read(n) for n in z.namelist())
    assert b"HEAD-SECRET" not in whole and b"allegations about a headteacher are never in" in whole
    with pytest.raises(PermissionDenied) as err:
        records_actions.erase(me, subject)
    assert "allegation" not in str(err.value)
    own = duties.subject_access(duties.staff_subject(school.head.username), actor=school.head, now=NOW)
    assert own.sections["concerns"] == [] and own.withheld.count == 0
    assert concerns.get(c.id) is not None  # nothing erased
    admin = Staff.get(Staff.username == "admin")
    export = duties.subject_access(duties.staff_subject(school.head.username), actor=admin, now=NOW)
    # the admin may not see it: withheld, for the chair of governors to review (g3)
    assert export.sections["concerns"] == [] and export.withheld.by_reviewer == {"the chair of governors": (c.id,)}
    oak = duties.subject_access(duties.staff_subject(school.oak.username), actor=school.head, now=NOW)
    assert len(oak.sections["concerns"]) == 1
