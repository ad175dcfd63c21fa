"""A call to the police cannot be dated before the record it is about: the phone's latest
confiscation or search (else its registration), or the concern. It was accepted back-dated
(a call on 1 December about a confiscation on 7 December; the CLI took 2019)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import ValidationError
from models.safeguarding import parents
from models.staff import auth
from models.store.tables import Device, PoliceContact
from tests.school import NOW, build

T = dt.timedelta


def test_a_call_before_the_confiscation_it_is_about_is_refused(database):
    school = build()
    dev = resolve(school.codes["000001"]).device.id
    custody.confiscate(dev, school.deputy, category="behaviour", reason="filming", policy="MST 6", now=NOW)
    call = dict(device_id=dev, line="101", reference="KP-1", now=NOW + T(minutes=30))
    with pytest.raises(ValidationError, match="before the confiscation it is about .*or later"):
        parents.record_police_contact(school.head, called_at=NOW - T(days=6), **call)
    assert PoliceContact.select().count() == 0
    assert parents.record_police_contact(school.head, called_at=NOW + T(minutes=10), **call).device_id == dev


def test_a_call_before_the_phone_was_registered_is_refused(database):
    school = build()
    dev = resolve(school.codes["000001"]).device.id
    registered = Device.get_by_id(dev).registered_at
    call = dict(device_id=dev, line="999", reference="KP-2", now=NOW + T(minutes=5))
    with pytest.raises(ValidationError, match="or later"):
        parents.record_police_contact(school.head, called_at=registered - T(days=400), **call)
    assert PoliceContact.select().count() == 0


def test_the_refusal_for_office_names_a_contact_with_the_police():
    assert auth.ACTION_WORDS["police_contact"] == "record a contact with the police"
    assert auth.not_allowed("Mrs J Patel (office)", ["office"], "police_contact") == (
        "Mrs J Patel (office) may not record a contact with the police."
    )


def test_the_phone_view_refuses_f10_to_the_office_with_the_words_for_a_call(database):
    from kiosk.actions import custody as custody_actions
    from kiosk.session import SignedIn

    school = build()
    dev = resolve(school.codes["000001"]).device.id
    view = custody_actions.load_phone(SignedIn.of(school.office), device_id=dev, now=NOW)
    assert "may not record a contact with the police" in view.refusals["police_contact"], view.refusals
    assert "hand a phone" not in view.refusals["police_contact"]
