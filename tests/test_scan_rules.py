"""Issue 11, items 7 and 15, in the domain: what a scan may record, and where a phone goes.

* Only K codes are pupils' phones: an S (slip) or V (visitor's phone) code is never
  registered to a pupil, handed in or released as one, and the refusal says what the code
  is and where to use it.
* A full tray never blocks the record: the phone goes to the configured overflow place.
"""

from __future__ import annotations

import pytest

from models import audit, codes, custody
from models.devices import register_pupil_device
from models.errors import KioskError, ValidationError
from models.tables import CustodyEvent, Device, Label
from tests.school import NOW, build

SLIP = codes.make_code("S", 121367)
VISITOR = codes.make_code("V", 345678)


@pytest.fixture
def school(database):
    return build()


# ---------------------------------------------------------------- item 7: only K codes are pupils' phones


@pytest.mark.parametrize("code, what", [(SLIP, "visitor's slip"), (VISITOR, "visitor's phone label")])
def test_a_slip_or_visitor_code_is_never_registered_to_a_pupil(school, code, what):
    with pytest.raises(ValidationError) as err:
        register_pupil_device("000003", actor=school.office, code=code, now=NOW)
    assert str(err.value) == f"{code} is a {what}, not a pupil's phone label: only K labels are registered to pupils."
    assert not Label.select().where(Label.code == code).exists()
    assert Device.select().where(Device.pupil == 3).count() == 1  # Cara's one phone, nothing added


@pytest.mark.parametrize("operation", [custody.hand_in, custody.release])
def test_a_slip_scanned_at_hand_in_or_release_says_what_it_is_and_where_to_use_it(school, operation):
    before = CustodyEvent.select().count()
    with pytest.raises(KioskError) as err:
        operation(SLIP, school.office, now=NOW)
    assert str(err.value) == f"{SLIP} is a visitor's slip: sign visitors out on the Visitors screen."
    assert err.value.outcome == "NOT_PUPIL"
    assert CustodyEvent.select().count() == before


@pytest.mark.parametrize("operation", [custody.hand_in, custody.release])
def test_a_visitor_label_scanned_at_hand_in_or_release_points_to_the_visitors_screen(school, operation):
    with pytest.raises(KioskError) as err:
        operation(VISITOR, school.office, now=NOW)
    assert str(err.value) == (f"{VISITOR} is a visitor's phone label: receive and return visitors' phones "
                              "on the Visitors screen.")
    assert err.value.outcome == "NOT_PUPIL"


def test_a_registered_visitor_phone_is_not_handed_in_as_a_pupils_phone(school):
    # A V label on a visitor's device: whatever its state, hand-in refuses it before looking it up.
    device = Device.create(kind="visitor", description="phone", registered_at=NOW)
    Label.create(code=VISITOR, device=device, issued_at=NOW)
    before = CustodyEvent.select().count()
    with pytest.raises(KioskError, match="visitor's phone label"):
        custody.hand_in(VISITOR, school.office, now=NOW)
    assert CustodyEvent.select().count() == before
    assert custody.verify_states() == [] and audit.verify().ok
