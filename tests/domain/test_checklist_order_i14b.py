"""The class checklist's order (issue 14, item 13.2): what still needs the teacher first.

Phones still held (to give back) and phones not handed in today come first, then those
returned, then pupils with nothing to return; by name within each group. The order is the report's
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
        "Clark",
        "Grant",  # in a slot: to give back
        "Fox",  # confiscated: held for a parent or carer
        "Davis",
        "Irwin",  # not handed in today
        "Hall",  # with the police
        "Adams",
        "Jones",  # returned
        "Evans",  # an agreed exception: nothing to return
        "Baker",  # no phone
    ]


def test_class_checklist_lists_held_and_not_handed_in_before_returned(database):
    school = build()
    for adno in ("000001", "000002", "000004", "000005"):
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    custody.release(school.codes["000002"], school.office, now=T1512)  # Ben: returned
    oak = reports.class_checklist("Oak", NOW.date())
    assert [(r.pupil, r.status) for r in oak] == [
        ("Ava Patel", CheckStatus.IN_SLOT),
        ("Cara Smith", CheckStatus.NOT_HANDED_IN),
        ("Ben Jones", CheckStatus.RELEASED),
    ]

    dan = resolve(school.codes["000004"]).device.id
    custody.confiscate(dan, school.deputy, category="behaviour", reason="used in class", policy="4.2", now=NOW)
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


# ---------------------------------------------------------------- the class chooser's counts (item 13.3)


def test_class_held_counts_phones_still_held_of_those_held_or_returned_today(database):
    school = build()
    for adno in ("000001", "000002", "000003", "000004", "000005"):
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    custody.release(school.codes["000001"], school.office, now=T1512)  # Oak: Ava returned
    ben = custody.release(school.codes["000002"], school.office, now=T1512)  # Ben returned, then undone
    custody.reverse(ben.event_id, school.office, reason="wrong child", now=T1512)
    dan = resolve(school.codes["000004"]).device.id
    custody.confiscate(dan, school.deputy, category="behaviour", reason="used in class", policy="4.2", now=NOW)  # held
    ella = resolve(school.codes["000005"]).device.id
    custody.confiscate(ella, school.deputy, category="behaviour", reason="used in class", policy="4.2", now=NOW)
    custody.hand_to_police(ella, school.head, officer="PC 1 Smith", force_reference="R-1", now=NOW)  # neither
    counts = reports.class_held(NOW.date())
    assert counts == {
        "Beech": reports.ClassHeld("Beech", held=1, of=1),
        "Oak": reports.ClassHeld("Oak", held=2, of=3),  # Ben and Cara held, Ava returned
    }
    held = {
        r.pupil
        for c in ("Oak", "Beech")
        for r in reports.class_checklist(c, NOW.date())
        if r.status in (CheckStatus.IN_SLOT, CheckStatus.CONFISCATED)
    }
    assert held == {"Ben Jones", "Cara Smith", "Dan Brown"}  # as the checklist shows them

    tomorrow = NOW.date() + dt.timedelta(days=1)  # held overnight still counts; yesterday's returns do not
    assert reports.class_held(tomorrow)["Oak"] == reports.ClassHeld("Oak", held=2, of=2)


# ---------------------------------------------------------------- kept overnight (item 13.4)


def test_phones_kept_overnight_are_those_held_since_before_today_and_never_given_back(database):
    school = build()
    dev = {adno: resolve(code).device.id for adno, code in school.codes.items()}
    for adno in ("000001", "000002", "000004", "000005"):
        custody.hand_in(school.codes[adno], school.office, now=NOW)
    custody.release(school.codes["000002"], school.office, now=T1512)  # Ben went home
    day2 = NOW + dt.timedelta(days=1)
    later = day2 + dt.timedelta(hours=7)
    custody.hand_in(school.codes["000002"], school.office, now=day2)  # Ben: in again today
    custody.hand_in(school.codes["000003"], school.office, now=day2)  # Cara: first time, today
    custody.confiscate(
        dev["000004"], school.deputy, category="behaviour", reason="used in class", policy="4.2", now=later
    )  # Dan
    ella = custody.release(school.codes["000005"], school.office, now=later)  # Ella: released today...
    custody.reverse(ella.event_id, school.office, reason="wrong child", now=later)  # ...undone: never left

    kept = reports.kept_overnight(list(dev.values()), day2.date())
    assert kept == {dev["000001"], dev["000004"], dev["000005"]}

    oak = {r.pupil: r for r in reports.class_checklist("Oak", day2.date())}
    assert oak["Ava Patel"].overnight and oak["Ava Patel"].text == "OVERNIGHT · in slot B-01"
    assert not oak["Ben Jones"].overnight and oak["Ben Jones"].text.startswith("in slot ")
    assert not oak["Cara Smith"].overnight
    beech = {r.pupil: r for r in reports.class_checklist("Beech", day2.date())}
    assert beech["Dan Brown"].text.startswith("OVERNIGHT · confiscated: parent collection")

    held = {r.pupil: r.overnight for r in reports.uncollected(later)}
    assert held == {
        "Ava Patel": True,
        "Ben Jones": False,
        "Cara Smith": False,
        "Dan Brown": True,
        "Ella Green": True,
    }
    assert not any(r.overnight for r in reports.class_checklist("Oak", NOW.date()))  # day 1: none yet
