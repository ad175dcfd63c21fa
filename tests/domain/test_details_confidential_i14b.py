"""Who reads a search's grounds, consent and outcome, a confiscation's reason and a police
hand-over's details (issue 15, item 4): leadership, the DSL, the headteacher and the member
of staff who recorded that event. Everyone else reads that it happened, when, and where the
phone is; the details are withheld in plain words. One test per role for each read path.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions import custody as custody_actions
from kiosk.actions import listings
from kiosk.actions import safeguarding as safeguarding_actions
from kiosk.session import SignedIn
from models.clock import SCHOOL_TZ
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import PermissionDenied
from models.reports import phones as reports
from models.safeguarding import concerns
from models.school.people import contacts_of
from models.staff import auth
from models.store.tables import Pupil, Staff
from tests.school import NOW, build

TODAY = NOW.date()
SECRETS = ("Filming in MST-SECRET", "grounds-SECRET", "Priya Patel", "PC SECRET 99", "REF-SECRET")
WITHHELD = "(details for leadership and the DSL)"

# role -> whether that reader reads the details of the confiscation (recorded by "oak") and of
# the search and police hand-over (recorded by "deputy")
READS = {
    "office": (False, False),
    "teacher_of_class": (False, False),
    "teacher_of_other_class": (False, False),
    "recorder": (True, False),  # oak recorded the confiscation, not the search or police
    "leadership": (True, True),
    "dsl": (True, True),
    "headteacher": (True, True),
    "admin": (False, False),
    "chair": (False, False),
}


@pytest.fixture
def school(database):
    s = build()
    auth.create_staff("oak2", "Second Oak Teacher", [auth.TEACHER], "503828", classes=["Oak"], now=NOW)
    auth.create_staff("dslonly", "Mr D Safe", [auth.DSL], "614739", now=NOW)
    auth.create_staff("headonly", "Mrs H Only", [auth.HEADTEACHER], "725640", now=NOW)
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], "947261", now=NOW)
    return s


USERNAME = {
    "office": "office",
    "teacher_of_class": "oak2",
    "teacher_of_other_class": "beech",
    "recorder": "oak",
    "leadership": "deputy",
    "dsl": "dslonly",
    "headteacher": "headonly",
    "admin": "admin",
    "chair": "chair",
}


def staff(role: str) -> Staff:
    return Staff.get(Staff.username == USERNAME[role])


def who(role: str) -> SignedIn:
    return SignedIn.of(staff(role))


def _events(school) -> int:
    """Ava's phone (Oak): handed in, confiscated by her teacher, searched and handed to the
    police by the deputy."""
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(
        dev,
        school.oak,
        category="behaviour",
        reason="Filming in MST-SECRET",
        policy="MTP 6",
        now=NOW + dt.timedelta(hours=1),
    )
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    custody.record_search(
        dev,
        school.deputy,
        consent_by="parent",
        consent_contact_id=mum.id,
        witness="Head",
        item_sought="messages",
        location="the office",
        grounds="grounds-SECRET",
        found_what="an image of another pupil",
        outcome="content_deleted",
        now=NOW + dt.timedelta(hours=2),
    )
    custody.hand_to_police(
        dev, school.deputy, officer="PC SECRET 99", force_reference="REF-SECRET", now=NOW + dt.timedelta(hours=3)
    )
    return dev


def _check(lines: list[str], role: str) -> None:
    """The confiscation, search and police lines of a chain, as ``role`` reads them."""
    conf = next(x for x in lines if "confiscated" in x)
    search = next(x for x in lines if "searched" in x)
    police = next(x for x in lines if "handed to police" in x)
    reads_conf, reads_rest = READS[role]
    assert ("Filming in MST-SECRET" in conf) is reads_conf, conf
    assert (WITHHELD in conf) is not reads_conf, conf
    assert "slot B-01" in conf  # where the phone is held is for everyone
    for line, secrets in (
        (search, ("grounds-SECRET", "Priya Patel", "content")),
        (police, ("PC SECRET 99", "REF-SECRET")),
    ):
        for secret in secrets:
            assert (secret in line) is reads_rest, line
        assert (WITHHELD in line) is not reads_rest, line


def test_the_rule_in_one_place():
    assert auth.may_read_details({"leadership"}, None)
    assert auth.may_read_details({"dsl"}, None) and auth.may_read_details({"headteacher"}, None)
    for roles in ({"office"}, {"teacher"}, {"admin"}, {"chair"}, ()):
        assert not auth.may_read_details(roles, None)


@pytest.mark.parametrize("role", list(READS))
def test_phone_history_as_each_role(school, role):
    dev = _events(school)
    view = custody_actions.load_phone(who(role), device_id=dev)
    _check(list(view.chain), role)
    assert view.state_text.startswith("With the police")  # where the phone is: for everyone


@pytest.mark.parametrize("role", list(READS))
def test_day_report_as_each_role(school, role):
    _events(school)
    rows = reports.day(TODAY, SCHOOL_TZ, reader=staff(role))
    lines = [f"{r['event']} {r['slot']} {r['detail']}" for r in rows]
    _check(lines, role)


def test_the_command_lines_day_report_names_no_one_so_withholds_every_detail(school):
    _events(school)
    rows = listings.day_events(TODAY, SCHOOL_TZ)
    text = "\n".join(str(r) for r in rows)
    assert not any(s in text for s in SECRETS)
    assert text.count(WITHHELD) == 3
    assert [r["event"] for r in rows] == ["handed in", "confiscated", "searched", "handed to police"]


@pytest.mark.parametrize("role", list(READS))
def test_safeguarding_feed_and_its_entries_as_each_role(school, role):
    dev = _events(school)
    if role == "chair":  # the chair's feed: allegations about the headteacher, nothing custody-related
        assert concerns.safeguarding_feed(TODAY, TODAY, actor=staff(role)) == []
        with pytest.raises(PermissionDenied):
            safeguarding_actions.open_entry(who(role), None, dev, NOW)
        return
    if role not in ("dsl", "headteacher", "leadership"):  # the feed: leadership, the DSL, the headteacher (g3)
        # anyone else reads there only the concerns they raised (f1s6): no custody event at all
        assert concerns.safeguarding_feed(TODAY, TODAY, actor=staff(role)) == []
        with pytest.raises(PermissionDenied):
            safeguarding_actions.open_entry(who(role), None, dev, NOW)
        return
    feed = concerns.safeguarding_feed(TODAY, TODAY, actor=staff(role))
    _check([f"{e.kind_text}: {e.summary}".replace("police hand-over", "handed to police") for e in feed], role)
    _check(list(safeguarding_actions.open_entry(who(role), None, dev, NOW).lines), role)


@pytest.mark.parametrize("role", list(READS))
def test_an_undo_of_a_confiscation_keeps_its_reason_as_private_as_the_confiscation(school, role):
    """An undo's reason often repeats what it undoes ("wrong pupil: it was Ben filming"): it is
    read only by those who may read the details of what was undone, or who recorded the undo.
    Where the phone is stays for everyone."""
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(
        dev, school.oak, category="behaviour", reason="Filming", policy="MTP 6", now=NOW + dt.timedelta(hours=1)
    )
    custody.reverse(
        custody.latest_event(dev).id, school.deputy, reason="UNDO-SECRET it was Ben", now=NOW + dt.timedelta(hours=2)
    )
    line = next(x for x in custody_actions.load_phone(who(role), device_id=dev).chain if "undo of" in x)
    # as the confiscation's details: leadership, the DSL, the head, and oak who recorded it
    reads = READS[role][0]
    assert ("UNDO-SECRET" in line) is reads, line
    assert (WITHHELD in line) is not reads, line


def test_an_undo_of_a_hand_in_is_read_by_everyone(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.reverse(custody.latest_event(dev).id, school.office, reason="wrong phone scanned", now=NOW)
    line = next(
        x for x in custody_actions.load_phone(who("teacher_of_other_class"), device_id=dev).chain if "undo of" in x
    )
    assert "wrong phone scanned" in line


def test_a_refused_release_does_not_say_why_the_phone_is_held_for_the_dsl(school):
    """New-user walk (issue 15): a teacher, the office and the release desk read only that the
    phone is held for the DSL, never the reason (suspected nude or semi-nude images)."""
    from models.errors import RuleViolation

    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(
        dev,
        school.office,
        category=custody.NUDE_IMAGES,
        reason="Phone out in class",
        policy="OS 11.1",
        now=NOW + dt.timedelta(hours=1),
    )
    with pytest.raises(RuleViolation) as err:
        custody.release(school.codes["000001"], school.oak, now=NOW + dt.timedelta(hours=2))
    assert "Held for the DSL" in str(err.value)
    assert "nude" not in str(err.value)
    view = custody_actions.load_phone(who("teacher_of_class"), device_id=dev)
    assert not any("nude" in text for text in view.refusals.values())
