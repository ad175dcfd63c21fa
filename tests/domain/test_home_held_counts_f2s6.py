"""Home's "Held now" line (findings after issue 15): "confiscated" counts pupils' phones
confiscated only, never a member of staff's device held for the LADO or the police; and a
staff device is counted on Home only for those who may read of it
(``models.custody.staff_device_access.may_read``): office staff and teachers never learn of
one from Home."""

from __future__ import annotations

import re

import pytest

from kiosk.actions.reports import home_summary
from kiosk.session import SignedIn
from models.config import Settings
from models.custody import ledger as custody
from models.custody import school_devices
from models.staff import auth
from models.store.tables import Device, Label
from tests.school import NOW, build


@pytest.fixture
def school(database):
    built = build(now=NOW)
    built.dsl = auth.create_staff("dsl", "Mr D Lead (DSL)", [auth.DSL], "394857", now=NOW)
    built.chair = auth.create_staff("chair", "Chair", [auth.CHAIR], "947261", now=NOW)
    return built


def _held_line(who) -> str:
    text = home_summary(SignedIn.of(who), NOW, Settings(), None)
    found = re.search(r"Held now: [^\n]*", text)
    assert found, text
    return found.group(0)


def _device_of(code: str) -> int:
    return Label.get(Label.code == code).device_id


def test_held_now_counts_pupils_confiscated_phones_only_and_staff_devices_for_their_readers(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    custody.confiscate(
        _device_of(school.codes["000002"]),
        school.oak,
        category="behaviour",
        reason="Used in class",
        policy="M6",
        now=NOW,
    )
    school_devices.hold_staff_device(
        school.dsl, staff_id=school.oak.id, pending="lado", reason="Held for the LADO enquiry", now=NOW
    )
    school_devices.hold_staff_device(
        school.chair, staff_id=school.head.id, pending="police", reason="Held for the police enquiry", now=NOW
    )
    assert Device.select().where(Device.kind == "staff").count() == 2
    # Nobody reads two pupils' phones and two staff devices as "3 confiscated".
    for who in (school.office, school.oak, school.deputy):
        line = _held_line(who)
        assert line == "Held now: 2 (1 confiscated).", (who.username, line)
        assert "staff" not in line
    # The DSL may read both holds; the head only the other member of staff's, never her own.
    assert _held_line(school.dsl) == "Held now: 4 (1 confiscated; 2 staff devices held for the DSL)."
    assert _held_line(school.head) == "Held now: 3 (1 confiscated; 1 staff device held for the DSL)."
