"""Slip codes cannot be guessed at the public screen (a new user's walk: fifteen wrong,
well-formed codes in a row were answered at once, and a right guess signed that visitor
out and showed their name, or filled in an old visitor's name, organisation and car)."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.actions.visitors import Returning, SlipGuard, public_slip
from models.custody import codes
from models.errors import InvalidCode, NotFound, RuleViolation
from tests.school import NOW
from tests.screens.test_visitor_screens import self_sign_in_directly


def wrong_slip(n: int) -> str:
    return codes.make_code(codes.SLIP_PREFIX, 900000 + n)


def test_three_wrong_slips_then_the_screen_pauses_and_doubles(school):
    guard = SlipGuard()
    for n in range(3):
        with pytest.raises(NotFound):
            public_slip(NOW, wrong_slip(n), guard)
    with pytest.raises(RuleViolation, match="please see the office"):
        public_slip(NOW + dt.timedelta(seconds=29), wrong_slip(3), guard)
    later = NOW + dt.timedelta(seconds=31)
    with pytest.raises(NotFound):  # the pause is over: one more try, and it was wrong
        public_slip(later, wrong_slip(4), guard)
    with pytest.raises(RuleViolation):  # now 60 s
        public_slip(later + dt.timedelta(seconds=59), wrong_slip(5), guard)


def test_a_misread_slip_counts_and_a_right_one_starts_again(school):
    done = self_sign_in_directly()
    guard = SlipGuard()
    with pytest.raises(InvalidCode):
        public_slip(NOW, "S1234567", guard)  # a wrong check digit is a wrong slip too
    with pytest.raises(NotFound):
        public_slip(NOW, wrong_slip(1), guard)
    found = public_slip(NOW, done.visit.slip_code, guard)
    assert not isinstance(found, Returning) and found.name == "Jane Doe"
    assert guard.misses == 0
    for n in range(2):  # two more wrong ones: still allowed
        with pytest.raises(NotFound):
            public_slip(NOW, wrong_slip(10 + n), guard)
