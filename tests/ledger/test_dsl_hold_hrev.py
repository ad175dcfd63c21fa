"""models.custody.dsl_hold: "held for the DSL" defined once (the ledger, the devices'
refusals, the checklist and the phone's view all ask it)."""

from __future__ import annotations

from models.custody import ledger
from models.custody.dsl_hold import HOLD_DECIDED, HOLD_DSL, HOLD_POLICE, HOLDS, held_for_dsl


def test_held_for_the_dsl_is_awaiting_the_dsl_or_kept_for_the_police():
    assert [hold for hold in sorted(HOLDS) if held_for_dsl(hold)] == [HOLD_DSL, HOLD_POLICE]
    assert not held_for_dsl(HOLD_DECIDED) and not held_for_dsl("") and not held_for_dsl(None)


def test_the_ledger_uses_the_same_holds():
    assert (ledger.HOLD_DSL, ledger.HOLD_POLICE, ledger.HOLD_DECIDED) == (HOLD_DSL, HOLD_POLICE, HOLD_DECIDED)
    assert set(ledger.HOLD_AFTER.values()) <= HOLDS
