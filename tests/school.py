"""A small school for domain tests: two classes, a few pupils and staff, trays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.custody.codes import make_code
from models.custody.devices import register_pupil_device
from models.custody.trays import TraySpec, sync_trays
from models.school.people import import_roster
from models.school.roster import RosterContact, RosterResult, RosterRow
from models.staff import auth
from models.store.tables import Staff
from models.upkeep.demo import DEMO_PINS

NOW = dt.datetime(2026, 11, 12, 8, 30)
BEECH_PIN = "271845"  # the other staff have the demo's PINs (models.upkeep.demo.DEMO_PINS)


def _row(line, adno, first, last, year, cls, contacts=()):
    return RosterRow(
        line=line,
        admission_no=adno,
        first_name=first,
        last_name=last,
        year_group=year,
        class_name=cls,
        dob=dt.date(2015, 1, 1),
        contacts=tuple(RosterContact(name=n, relationship=r, priority=i + 1) for i, (n, r) in enumerate(contacts)),
    )


@dataclass
class School:
    office: Staff
    oak: Staff
    beech_teacher: Staff
    deputy: Staff
    head: Staff
    admin: Staff
    codes: dict[str, str]  # admission_no -> label code


def build(slots_oak: int = 30, shared_slots: int = 10, now: dt.datetime = NOW) -> School:
    rows = [
        _row(2, "000001", "Ava", "Patel", 6, "Oak", [("Priya Patel", "Mother"), ("Raj Patel", "Father")]),
        _row(3, "000002", "Ben", "Jones", 6, "Oak", [("Carol Jones", "Mother")]),
        _row(4, "000003", "Cara", "Smith", 6, "Oak", []),
        _row(5, "000004", "Dan", "Brown", 5, "Beech", [("Eve Brown", "Grandparent")]),
        _row(6, "000005", "Ella", "Green", 5, "Beech", [("Fay Green", "Mother")]),
    ]
    import_roster(RosterResult(rows=rows, errors=[], warnings=[], source_format="test"), now=now)
    sync_trays([TraySpec("B", slots_oak, "Oak"), TraySpec("C", shared_slots)], now=now)
    staff = {
        "office": auth.create_staff("office", "Office", [auth.OFFICE], DEMO_PINS["office"], now=now),
        "oak": auth.create_staff("oak", "Oak Teacher", [auth.TEACHER], DEMO_PINS["oak"], classes=["Oak"], now=now),
        "beech": auth.create_staff("beech", "Beech Teacher", [auth.TEACHER], BEECH_PIN, classes=["Beech"], now=now),
        "deputy": auth.create_staff("deputy", "Deputy", [auth.LEADERSHIP], DEMO_PINS["deputy"], now=now),
        "head": auth.create_staff("head", "Head", [auth.HEADTEACHER, auth.DSL], DEMO_PINS["head"], now=now),
        "admin": auth.create_staff("admin", "Admin", [auth.ADMIN], DEMO_PINS["admin"], now=now),
    }
    codes = {}
    for i, r in enumerate(rows):  # fixed codes, so screenshots are stable
        code = make_code("K", 123450 + i * 1111)
        codes[r.admission_no] = register_pupil_device(r.admission_no, actor="test", code=code, now=now).code
    return School(staff["office"], staff["oak"], staff["beech"], staff["deputy"], staff["head"], staff["admin"], codes)
