"""The records registry's shared pieces (models.records.base): own_rows, which registers
the rows a person owns for each kind of subject, and counted, the counts in words."""

from __future__ import annotations

from models.records import base
from models.records.base import EVERYONE, PUPIL, STAFF, VISITOR, counted, own_rows


def test_own_rows_registers_for_every_subject_kind_in_order(monkeypatch):
    monkeypatch.setattr(base, "ROW_OWNERS", {VISITOR: {"visit": lambda s: [1]}})
    own_rows({"a": lambda s: [], "b": lambda s: []})
    own_rows({"c": lambda s: []}, [STAFF])
    assert set(base.ROW_OWNERS) == EVERYONE == {PUPIL, STAFF, VISITOR}
    assert list(base.ROW_OWNERS[VISITOR]) == ["visit", "a", "b"]  # after what was there: each may use those before
    assert list(base.ROW_OWNERS[STAFF]) == ["a", "b", "c"]
    assert list(base.ROW_OWNERS[PUPIL]) == ["a", "b"]


def test_every_kind_of_subject_owns_the_same_shared_tables():
    from models.records import kinds  # noqa: F401 (registers its tables)

    shared = {"agreed_exception", "concern", "staff_relationship", "policy_acknowledgement", "day_mark"}
    for kind in EVERYONE:
        assert shared <= set(base.ROW_OWNERS[kind]), kind
    assert {"school_device_entry", "staff_device"} <= set(base.ROW_OWNERS[STAFF])
    assert not {"school_device_entry", "visit"} & set(base.ROW_OWNERS[PUPIL])


def test_counted_says_the_counts_in_words():
    assert counted({"custody_events": 3, "concerns": 0}) == "3 custody events, 0 concerns"
    assert counted({}) == ""
