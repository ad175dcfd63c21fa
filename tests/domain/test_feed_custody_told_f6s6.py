"""A tester walking issue 15: the DSL feed's custody view (S, Enter on a confiscation) left out
the "parents informed" and police-contact records that the phone's own view (P, the code)
shows under "Parents informed and police contacts:". Both read the same domain function."""

from __future__ import annotations

import datetime as dt

from kiosk.actions import custody as custody_actions
from kiosk.actions import safeguarding
from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import parents
from models.school.people import contacts_of
from models.store.tables import Pupil
from tests.school import NOW, build


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def test_the_feeds_custody_view_shows_parents_informed_and_police_contacts(database):
    s = build()
    dev = resolve(s.codes["000001"]).device.id
    event = custody.confiscate(dev, s.deputy, category="bullying", reason="Messages", policy="M6", now=NOW)
    mum = contacts_of(Pupil.get(Pupil.admission_no == "000001").id)[0]
    parents.record_informed(s.deputy, told_at=later(5), how="phone", event_id=event.id, contact_id=mum.id, now=later(5))
    parents.record_police_contact(
        s.deputy, line="101", reference="KP-77", called_at=later(6), device_id=dev, now=later(6)
    )
    head = SignedIn.of(s.head)
    history = safeguarding.open_entry(head, None, dev, later(10), event.id)
    view = custody_actions.load_phone(head, device_id=dev)
    assert len(view.told) == 2
    text = "\n".join(history.lines)
    assert parents.PHONE_HEADING == "Parents informed and police contacts:"
    assert parents.PHONE_HEADING in history.lines
    for line in view.told:  # the same lines, in the same words, as the phone's own view
        assert line in history.lines
    assert "KP-77" in text and "parents informed" in text
    assert history.lines[history.focus].startswith(f"#{event.id}")  # still opened at the entry


def test_nothing_told_adds_no_heading(database):
    s = build()
    dev = resolve(s.codes["000001"]).device.id
    event = custody.confiscate(dev, s.deputy, category="bullying", reason="Messages", policy="M6", now=NOW)
    history = safeguarding.open_entry(SignedIn.of(s.head), None, dev, later(10), event.id)
    assert parents.PHONE_HEADING not in history.lines
