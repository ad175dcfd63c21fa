"""A tester walking issue 15: `school-devices add T6 --kind tablet --description 'iPad (PIN is
the school postcode ME18 5QE)' --passcode-set` was accepted. After "PIN is", "passcode is",
"code:" (and the like) anything but a word saying only that one is set is the passcode,
described or not: refused; "passcode set" and its kind still pass."""

from __future__ import annotations

import pytest

from models.custody import school_devices
from models.errors import ValidationError
from models.store.tables import SchoolDevice
from tests.school import NOW, build

REFUSED = [
    "iPad (PIN is the school postcode ME18 5QE)",
    "PIN is the school postcode",
    "passcode is the same as the office phone",
    "code: the head's birthday",
    "Code: a word the office knows",
    "password is the name of the school",
    "passcode set to the postcode",
    "the passcode is this year's trip name",
    "PIN - the school postcode",
    "passcode — our usual one",
    "PIN is my usual",
]
ACCEPTED = [
    "passcode set",
    "passcode is set",
    "passcode set by the office",
    "PIN: none",
    "passcode: yes",
    "password protected",
    "the PIN is known to the office",
    "PIN is held by the office",
    "pin badge 1234",
    "iPad Air, postcode ME18 5QE on the case",  # an address label, no passcode named
]


@pytest.mark.parametrize("text", REFUSED)
def test_a_passcode_described_in_words_is_refused(text):
    problem = school_devices.passcode_problem(text, "device's description")
    assert problem is not None, text
    assert "\n" not in problem


@pytest.mark.parametrize("text", ACCEPTED)
def test_saying_a_passcode_is_set_still_passes(text):
    assert school_devices.passcode_problem(text, "device's description") is None, text


def test_the_testers_device_is_not_added(database):
    school = build()
    with pytest.raises(ValidationError, match="^The device's description looks like it holds a passcode"):
        school_devices.add_device(
            school.admin,
            asset_tag="T6",
            kind="tablet",
            description="iPad (PIN is the school postcode ME18 5QE)",
            passcode_set=True,
            now=NOW,
        )
    assert SchoolDevice.select().count() == 0
