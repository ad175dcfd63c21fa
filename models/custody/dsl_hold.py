"""The DSL's hold on a confiscated phone: one definition, below the ledger and the devices.

A phone confiscated for suspected nude or semi-nude images is held (``Custody.hold``,
stored in ``DeviceState.dsl_hold``): awaiting the DSL ("dsl"), kept for the police as the
DSL decided ("police"), or free to go as the DSL decided ("decided"); "" is no hold.
Held for the DSL (:func:`held_for_dsl`) means the first two: only the DSL decides what
happens to it, it is not released, and nothing on it may be deleted.
"""

from __future__ import annotations

HOLD_DSL, HOLD_POLICE, HOLD_DECIDED = "dsl", "police", "decided"
HOLDS = {"", HOLD_DSL, HOLD_POLICE, HOLD_DECIDED}


def held_for_dsl(hold: str | None) -> bool:
    """Whether a phone with this hold is held for the DSL (awaiting the DSL, or kept for the police)."""
    return hold in (HOLD_DSL, HOLD_POLICE)
