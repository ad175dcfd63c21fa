"""The class checklist's order (issue 14, item 13.2): what still needs the teacher first.

Phones not handed in today and phones still held come first, then those returned, then
pupils with nothing to return; by name within each group. The order is the report's
(models.reports.phones), not the screen's.
"""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import phones as reports
from models.reports.phones import ChecklistRow, CheckStatus
from models.store.tables import Device
from tests.school import NOW, build

T1512 = dt.datetime(2026, 11, 12, 15, 12)


def row(name: str, status: CheckStatus) -> ChecklistRow:
    return ChecklistRow("", name, None, "", status, status.value, "")


def test_the_order_puts_what_needs_the_teacher_first_and_keeps_the_name_order_within_a_group():
    rows = [
        row("Adams", CheckStatus.RELEASED),
        row("Baker", CheckStatus.NO_PHONE),
        row("Clark", CheckStatus.IN_SLOT),
        row("Davis", CheckStatus.NOT_HANDED_IN),
        row("Evans", CheckStatus.EXCEPTION),
        row("Fox", CheckStatus.CONFISCATED),
        row("Grant", CheckStatus.IN_SLOT),
        row("Hall", CheckStatus.POLICE),
        row("Irwin", CheckStatus.NOT_HANDED_IN),
        row("Jones", CheckStatus.RELEASED),
    ]
    assert [r.pupil for r in reports.checklist_order(rows)] == [
        "Davis",
        "Irwin",  # not handed in today
        "Clark",
        "Grant",  # in a slot
        "Fox",  # confiscated: held for a parent or carer
        "Hall",  # with the police
        "Adams",
        "Jones",  # returned
        "Evans",  # an agreed exception: nothing to return
        "Baker",  # no phone
    ]


def test_class_checklist_lists_not_handed_in_and_held_before_returned(database):
    school = build()
    for adno in ("000001", "000002", "000004", "000005"):
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    custody.release(school.codes["000002"], school.office, now=T1512)  # Ben: returned
    oak = reports.class_checklist("Oak", NOW.date())
    assert [(r.pupil, r.status) for r in oak] == [
        ("Cara Smith", CheckStatus.NOT_HANDED_IN),
        ("Ava Patel", CheckStatus.IN_SLOT),
        ("Ben Jones", CheckStatus.RELEASED),
    ]

    dan = resolve(school.codes["000004"]).device.id
    custody.confiscate(dan, school.deputy, reason="used in class", policy="4.2", now=NOW)
    custody.release(school.codes["000005"], school.office, now=T1512)  # Ella: returned
    beech = reports.class_checklist("Beech", NOW.date())
    assert [(r.pupil, r.status) for r in beech] == [
        ("Dan Brown", CheckStatus.CONFISCATED),
        ("Ella Green", CheckStatus.RELEASED),
    ]

    Device.update(active=False).where(Device.id == resolve(school.codes["000003"]).device.id).execute()
    oak = reports.class_checklist("Oak", NOW.date())
    assert [(r.pupil, r.status) for r in oak] == [
        ("Ava Patel", CheckStatus.IN_SLOT),
        ("Ben Jones", CheckStatus.RELEASED),
        ("Cara Smith", CheckStatus.NO_PHONE),
    ]
