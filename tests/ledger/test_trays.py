"""Trays follow the configuration, but never in a way that strands a phone."""

import pytest

from models.custody import ledger as custody
from models.custody.trays import TraySpec, parse_slot, sync_trays
from models.errors import ConfigError, ValidationError
from models.store.tables import Tray
from tests.school import NOW, build


@pytest.fixture
def school(database):
    return build()


def test_resize_add_and_retire(school):
    changes = sync_trays([TraySpec("B", 40, "Oak"), TraySpec("D", 5)], now=NOW)
    assert changes == ["updated tray B", "added tray D (5 slots)", "retired tray C"]
    assert not Tray.get(Tray.name == "C").active
    assert sync_trays([TraySpec("B", 40, "Oak"), TraySpec("D", 5)], now=NOW) == []


def test_refusals_with_their_messages(school):
    custody.hand_in(school.codes["000001"], school.office, now=NOW)  # B-01
    custody.hand_in(school.codes["000004"], school.office, now=NOW)  # C-01
    cases = [
        ([TraySpec("B", 0, "Oak")], "Tray B must have 1 to 500 slots."),
        ([TraySpec("B-1", 3)], "Tray name 'B-1' must be 1 to 12 letters or digits."),
        ([TraySpec("B", 3, "Oak"), TraySpec("b", 3)], "Tray 'b' is listed twice."),
        ([TraySpec("B", 3, "Narnia")], "Tray B is for class 'Narnia', which is not in the roster."),
        ([TraySpec("B", 30, "Oak")], "Tray C is no longer configured but still holds phones: move them first."),
    ]
    for specs, message in cases:
        with pytest.raises(ConfigError) as err:
            sync_trays(specs, now=NOW)
        assert str(err.value) == message
    custody.hand_in(school.codes["000002"], school.office, now=NOW)  # B-02
    with pytest.raises(ConfigError, match="Tray B cannot shrink to 1 slots: slot B-02 holds a phone."):
        sync_trays([TraySpec("B", 1, "Oak"), TraySpec("C", 10)], now=NOW)


def test_parse_slot_bad_forms(school):
    for text, message in [
        ("B07", "'B07' is not a slot: write it like B-07."),
        ("Z-01", "There is no tray 'Z'."),
        ("B-31", "Tray B has slots 1 to 30."),
    ]:
        with pytest.raises(ValidationError) as err:
            parse_slot(text)
        assert str(err.value) == message
