"""Long jobs that run in batches (a roster import, a retention purge, an erasure): which
of them stopped part way, so that every command can say so until it is run again."""

from __future__ import annotations

import json

from models.audit import chain as audit
from models.records import duties as records
from models.school.people import unfinished_import
from models.store.tables import AuditEntry


def unfinished_jobs() -> list[str]:
    """One plain line for each long job whose newest run stopped part way (a power cut, a
    Ctrl-C): a roster import, a retention purge, an erasure. Running it again finishes it."""
    lines = []
    imp = unfinished_import()
    if imp is not None:
        lines.append(
            f"The last roster import stopped part way (after batch {imp.get('batch')} of "
            f"{imp.get('batches')}): import the same file again to finish it."
        )
    if records.unfinished(audit.PURGE_ACTION) is not None:
        lines.append("The last retention purge stopped part way: run kiosk purge again to finish it.")
    entry = (
        AuditEntry.select(AuditEntry.details, AuditEntry.entity, AuditEntry.entity_id)
        .where(AuditEntry.action == records.ERASE_ACTION)
        .order_by(AuditEntry.seq.desc())
        .first()
    )
    if entry is not None:
        try:
            details = json.loads(entry.details)
        except ValueError:
            details = {}
        if isinstance(details, dict) and details.get("complete") is False:
            lines.append(
                f"An erasure stopped part way ({entry.entity} {entry.entity_id}): run the same kiosk erase "
                "again to finish it."
            )
    return lines
