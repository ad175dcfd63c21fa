"""Evidence in words beyond the search record (issue 15, f3).

A search's free text was already refused when it was not words (models.text.Evidence: "xxxx" and
"x" refused, "Hall" and "vape" taken). The same rule now holds, in the domain (so the forms and
the command line refuse alike, in one line naming the field), for a confiscation's reason, the
DSL's decision note, a concern's description of what happened, a follow-up note (which closes a
concern with its outcome), lessons learnt and the reason a member of staff's device is held.
Nothing is written when it is refused; a terse genuine entry is taken.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody import school_devices
from models.custody.devices import resolve
from models.errors import ValidationError
from models.safeguarding import concerns
from models.staff import auth
from models.store.tables import Concern, ConcernAction, CustodyEvent, Device, Pupil
from tests.school import NOW, build

LATER = NOW + dt.timedelta(hours=1)
NOT_WORDS = ["x", "r", "xxxx", "asdf", "1234", "!!!"]


@pytest.fixture
def school(database):
    built = build()
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    return built


def _device(school, adno="000001") -> int:
    return resolve(school.codes[adno]).device.id


def _refused(call, starts: str) -> None:
    with pytest.raises(ValidationError) as err:
        call()
    said = str(err.value)
    assert said.startswith(starts) and "\n" not in said, said


def _events() -> int:
    return CustodyEvent.select().count()


def _concern(school) -> Concern:
    pupil = Pupil.get(Pupil.admission_no == "000001").id
    return concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil, what="Upset after a group chat", category="bullying", now=NOW
    )


@pytest.mark.parametrize("text", NOT_WORDS)
def test_a_confiscations_reason_not_in_words_is_refused(school, text):
    before = _events()
    _refused(
        lambda: custody.confiscate(
            _device(school), school.oak, category="behaviour", reason=text, policy="M6", now=NOW
        ),
        "The reason for the confiscation is ",
    )
    assert _events() == before


def test_a_confiscations_terse_reason_is_taken(school):
    event = custody.confiscate(_device(school), school.oak, category="behaviour", reason="vape", policy="M6", now=NOW)
    assert event.reason == "vape"


@pytest.mark.parametrize("text", NOT_WORDS)
def test_the_dsls_decision_note_not_in_words_is_refused(school, text):
    d = _device(school)
    custody.confiscate(d, school.oak, category=custody.NUDE_IMAGES, reason="reported image", policy="OS 11.1", now=NOW)
    before = _events()
    _refused(
        lambda: custody.record_dsl_decision(d, school.dsl, decision="return_to_parents", note=text, now=LATER),
        "The note on the decision is ",
    )
    assert _events() == before
    custody.record_dsl_decision(d, school.dsl, decision="return_to_parents", note="Spoke to Mum", now=LATER)


@pytest.mark.parametrize("text", NOT_WORDS)
def test_a_concerns_description_not_in_words_is_refused(school, text):
    pupil = Pupil.get(Pupil.admission_no == "000001").id
    _refused(
        lambda: concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil, what=text, category="bullying"),
        "The description of what happened is ",
    )
    assert Concern.select().count() == 0


@pytest.mark.parametrize("text", NOT_WORDS)
def test_a_follow_up_note_not_in_words_is_refused_and_the_concern_stays_open(school, text):
    c = _concern(school)
    _refused(lambda: concerns.follow_up(c.id, school.head, note=text, now=LATER), "The follow-up note is ")
    _refused(
        lambda: concerns.follow_up(
            c.id, school.head, note=text, close=True, outcome="Resolved in school", actions=["parents"], now=LATER
        ),
        "The follow-up note is ",
    )
    assert Concern.get_by_id(c.id).status != concerns.CLOSED and ConcernAction.select().count() == 0


@pytest.mark.parametrize("text", NOT_WORDS)
def test_lessons_learnt_not_in_words_are_refused(school, text):
    c = _concern(school)
    concerns.follow_up(c.id, school.head, note="Spoke to both families", close=True, outcome="Resolved in school")
    before = ConcernAction.select().count()
    _refused(lambda: concerns.record_lessons(c.id, school.deputy, text, now=LATER), "The lessons learnt are ")
    assert ConcernAction.select().count() == before
    assert concerns.record_lessons(c.id, school.deputy, "Brief staff", now=LATER).note == "Brief staff"


@pytest.mark.parametrize("text", NOT_WORDS)
def test_a_staff_devices_hold_reason_not_in_words_is_refused(school, text):
    before = Device.select().count()
    _refused(
        lambda: school_devices.hold_staff_device(school.dsl, staff_id=school.oak.id, pending="lado", reason=text),
        "The reason the device is held is ",
    )
    assert Device.select().count() == before
    held = school_devices.hold_staff_device(school.dsl, staff_id=school.oak.id, pending="police", reason="IIOC")
    assert held.device_id is not None


def test_an_empty_field_is_still_asked_for_by_name(school):
    _refused(
        lambda: custody.confiscate(_device(school), school.oak, category="behaviour", reason="  ", policy="M6"),
        "Give the reason for the confiscation.",
    )
