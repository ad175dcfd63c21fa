"""Issue 15 (a new-user walk): the register of the school's devices refuses a passcode written
as a word naming one followed by its value ("password hunter2", "pass: Tr1p!", "passcode =
mereworth") or as a bare 4 to 8 digit number ("Trip phone 482916"), in every free-text field
the register and its loans take; genuine descriptions still pass."""

from __future__ import annotations

import pytest

from models.custody import school_devices
from models.errors import ValidationError
from tests.school import NOW, build

REFUSED = [
    # what the walk got past
    "Trip phone - password hunter2",
    "Trip phone (pass: Tr1p!)",
    "Trip phone 482916",
    "passcode = mereworth",
    "Trip phone, passcode set to school postcode ME18 5NB",
    # the same, written otherwise
    "password: mereworth",
    "Passphrase correct horse battery",
    "passphrase: correct horse",
    "pin: red4",
    "code: Oak2026!",
    "unlock: swordfish",
    "password is kingswood",
    "the passcode was changed to mereworth",
    "PIN=ab12",
    "Trip phone 2580",
    "iPad 48291673",
    "spare phone, 0000",
    # refused already
    "iPad, PIN: 4829",
    "iPad code 1234",
    "Trip phone, unlock 0000",
]
ACCEPTED = [
    "iPad Air 5th generation",
    "Samsung A15 trip phone",
    "asset tag 2024-017",
    "iPad 7 (2019)",
    "Year 6 trip to Kingswood 2026",
    "passcode set by the office",
    "passcode set",
    "passcode is set",
    "password protected",
    "passcode: yes",
    "PIN: none",
    "unlock with Face ID",
    "asset code 20191234",
    "barcode 50012345",
    "serial 4F7Q2",
    "IMEI 356938035643809",
    "pin badge 1234",
    "code 12",
    "back on 12/12/2026 after the Kingswood trip",
    "bus pass holder",
    "one charger, two cables",
]


@pytest.mark.parametrize("text", REFUSED)
def test_a_passcode_written_as_a_value_or_a_bare_number_is_refused(text):
    problem = school_devices.passcode_problem(text, "device's description")
    assert problem is not None, text
    assert problem.startswith("The device's description looks like it holds a passcode or PIN")


@pytest.mark.parametrize("text", ACCEPTED)
def test_a_genuine_description_passes(text):
    assert school_devices.passcode_problem(text, "device's description") is None


def test_every_free_text_field_of_the_register_refuses_it(database):
    school = build()
    with pytest.raises(ValidationError, match="^The device's description looks like"):
        school_devices.add_device(
            school.admin,
            asset_tag="SCH-PH-01",
            kind="phone",
            description="password hunter2",
            passcode_set=True,
            now=NOW,
        )
    school_devices.add_device(
        school.admin,
        asset_tag="SCH-PH-01",
        kind="phone",
        description="Samsung A15 trip phone",
        passcode_set=True,
        now=NOW,
    )
    with pytest.raises(ValidationError, match="^The note on the purpose looks like"):
        school_devices.lend(
            school.office,
            asset_tag="SCH-PH-01",
            staff_id=school.oak.id,
            purpose="other",
            purpose_note="Kingswood trip (pass: Tr1p!)",
            due_on=NOW.date(),
            now=NOW,
        )
    school_devices.lend(
        school.office, asset_tag="SCH-PH-01", staff_id=school.oak.id, purpose="trip", due_on=NOW.date(), now=NOW
    )
    with pytest.raises(ValidationError, match="^The device's condition looks like"):
        school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="fine, 482916", now=NOW)
    school_devices.take_back(school.office, asset_tag="SCH-PH-01", condition="fine", now=NOW)
    with pytest.raises(ValidationError, match="^The reason for retiring the device looks like"):
        school_devices.retire(school.admin, asset_tag="SCH-PH-01", reason="broken; passcode = mereworth", now=NOW)
