"""Issue 15 (merge of staff devices): a member of staff's phone held for the LADO or the
police was counted on "Phones not collected" as confiscated, "to a listed parent or carer
only", and listed under Visitors. It is held for the DSL, and named as a staff device."""

from __future__ import annotations

import datetime as dt

from kiosk.screens.uncollected import counts_text
from models.custody.ledger import PhoneState
from models.reports.phones import STAFF_DEVICE_OWNER, UncollectedPhone

AT = dt.datetime(2026, 11, 12, 9, 0)


def phone(pupil: str, class_name: str, held_as: PhoneState) -> UncollectedPhone:
    return UncollectedPhone("B-01", False, "", "", pupil, class_name, held_as, AT)


def test_a_staff_device_is_counted_as_held_for_the_dsl_not_for_a_parent():
    total, per_class = counts_text(
        [
            phone("Ava Patel", "Oak", PhoneState.CONFISCATED),
            phone(STAFF_DEVICE_OWNER, "", PhoneState.CONFISCATED),
        ]
    )
    assert "1 confiscated (to a listed parent or carer only)" in total, total
    assert "1 staff device held for the DSL" in total, total
    assert per_class == "By class: Oak 1 · Staff devices 1"
