"""The member of staff who raised a concern reads it back as they recorded it (f1s6, finding 2).

Issue 15 item 4: concern details are "for leadership, the DSL and the headteacher, and the
teacher who recorded them". Decision: whoever raised a concern reads it as they recorded it
(the subject, the category, what they wrote, when) and whether it is open or closed, but not
the DSL's follow-ups, referrals, outcome or lessons, unless their role already allows it. An
allegation about the raiser themself stays hidden; nothing else of anyone's is opened to them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import safeguarding as safeguarding_actions
from kiosk.session import SignedIn
from models.errors import NotFound, PermissionDenied
from models.safeguarding import concerns
from models.staff import concern_access
from models.store.tables import Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()
LATER = NOW + dt.timedelta(hours=1)
DSL_ONLY = (
    "DSL-NOTE",
    "LADO-REF-9",
    "referred to the LADO",
    "Resolved in school",
    "LESSON-TEXT",
    "advice sought from the Education Safeguarding Service",  # a step (parents told is its own record: f6s6)
)


@pytest.fixture
def school(database):
    return build()


def _raised_and_closed(school, by: Staff, **about):
    c = concerns.raise_concern(by, what="OAK-WROTE messages at break", category="bullying", now=NOW, **about)
    concerns.follow_up(c.id, school.head, note="DSL-NOTE spoke to mum", actions=["ess_advice"], now=LATER)
    return c


def test_the_teacher_reads_back_what_she_raised_and_its_status_not_the_dsls_work(school):
    pid = Pupil.get(Pupil.admission_no == "000001").id
    c = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pid, what="OAK-WROTE messages at break", category="bullying", now=NOW
    )
    concerns.follow_up(c.id, school.head, note="DSL-NOTE spoke to mum", actions=["ess_advice"], now=LATER)
    lines = concerns.concern_history(c.id, school.oak)
    text = "\n".join(lines)
    assert "OAK-WROTE messages at break" in text and "Ava Patel" in text and "bullying" in text
    assert lines[-2] == "open"
    for secret in DSL_ONLY:
        assert secret not in text, secret
    concerns.follow_up(c.id, school.head, note="DSL-NOTE closing", close=True, outcome="resolved_in_school", now=LATER)
    concerns.record_lessons(c.id, school.head, "LESSON-TEXT", now=LATER)
    text = "\n".join(concerns.concern_history(c.id, school.oak))
    assert "closed" in text.splitlines()
    for secret in DSL_ONLY:
        assert secret not in text, secret
    # the feed lists it for her, as she wrote it, and nothing else
    feed = concerns.safeguarding_feed(TODAY, TODAY, actor=school.oak)
    assert [(e.concern_id, e.summary, e.status) for e in feed] == [(c.id, "OAK-WROTE messages at break", "closed")]


def test_the_raiser_cannot_follow_up_close_or_record_lessons(school):
    pid = Pupil.get(Pupil.admission_no == "000001").id
    c = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=pid, what="Crying at break time", category="other", now=NOW
    )
    with pytest.raises(PermissionDenied):
        concerns.follow_up(c.id, school.office, note="mine", now=LATER)
    with pytest.raises(PermissionDenied):
        concerns.record_lessons(c.id, school.office, "mine", now=LATER)


def test_nobody_reads_anothers_concern_by_having_raised_one(school):
    pid = Pupil.get(Pupil.admission_no == "000001").id
    mine = concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pid, what="MINE", category="other", now=NOW)
    theirs = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=pid, what="THEIRS", category="other", now=NOW
    )
    assert [e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.oak)] == [mine.id]
    with pytest.raises((PermissionDenied, NotFound)):
        concerns.concern_history(theirs.id, school.oak)


def test_an_allegation_about_the_raiser_stays_hidden_and_about_the_head_reads_as_raised(school):
    about_head = concerns.raise_concern(
        school.deputy, about_kind="staff", staff_id=school.head.id, what="DEPUTY-WROTE", category="other", now=NOW
    )
    # leadership may not see an allegation about the head, but reads back the one she raised
    text = "\n".join(concerns.concern_history(about_head.id, school.deputy))
    assert "DEPUTY-WROTE" in text and "open" in text.splitlines()
    assert about_head.id in {e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, actor=school.deputy)}
    # a concern raised "about themself" is still an allegation about them: hidden
    c = Staff.get_by_id(school.oak.id)
    self_report = concerns.raise_concern(c, about_kind="staff", staff_id=c.id, what="SELF", category="other", now=NOW)
    assert not concern_access.may_read_as_raised(c, self_report)
    assert self_report.id not in {e.concern_id for e in concerns.safeguarding_feed(TODAY, TODAY, actor=c)}
    with pytest.raises((PermissionDenied, NotFound)):
        concerns.concern_history(self_report.id, c)


def test_a_role_that_reads_concerns_still_reads_them_whole(school):
    c = _raised_and_closed(
        school, school.deputy, about_kind="pupil", pupil_id=Pupil.get(Pupil.admission_no == "000001").id
    )
    text = "\n".join(concerns.concern_history(c.id, school.deputy))
    assert "DSL-NOTE" in text and "advice sought from the Education Safeguarding Service" in text


def test_opening_it_from_the_feed_shows_it_as_raised(school):
    pid = Pupil.get(Pupil.admission_no == "000001").id
    c = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pid, what="OAK-WROTE", category="bullying", now=NOW
    )
    concerns.follow_up(c.id, school.head, note="DSL-NOTE", now=LATER)
    me = SignedIn.of(school.oak)
    feed = safeguarding_actions.load_feed(me, TODAY, TODAY, None, None)
    assert [e.concern_id for e in feed.entries] == [c.id] and feed.raised_only
    opened = safeguarding_actions.open_entry(me, c.id, None, LATER)
    text = "\n".join(opened.lines)
    assert "OAK-WROTE" in text and "DSL-NOTE" not in text
    assert "follow-up" in text.lower() and "for the DSL" in text  # says what is not shown, and why
