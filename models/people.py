"""Pupils, classes and contacts, and applying a parsed MIS roster to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import audit
from .clock import utcnow
from .db import write_tx
from .errors import ValidationError
from .roster import RosterResult
from .tables import Contact, Pupil, SchoolClass


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    classes_added: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.rejected:
            text += f", {self.rejected} rejected rows skipped"
        if self.classes_added:
            text += f"; new classes: {', '.join(self.classes_added)}"
        return text


class RosterRejected(ValidationError):
    """A roster with bad rows, imported without --skip-invalid: nothing changed."""

    def __init__(self, result: RosterResult) -> None:
        n = len(result.errors)
        super().__init__(
            f"{n} {'row was' if n == 1 else 'rows were'} rejected, so nothing was imported. "
            "Fix the file, or use --skip-invalid to import the other rows."
        )
        self.result = result


def import_roster(
    result: RosterResult, *, skip_invalid: bool = False, actor: object = "cli", now: dt.datetime | None = None
) -> ImportSummary:
    """Add and update pupils and their contacts from a parsed roster, all or nothing.

    A file with rejected rows changes nothing unless ``skip_invalid``. Pupils missing
    from the file are left as they are (a partial export must not remove anyone).
    """
    now = now or utcnow()
    if result.errors and not skip_invalid:
        raise RosterRejected(result)
    summary = ImportSummary(rejected=len(result.errors))
    with write_tx():
        classes = {c.name: c for c in SchoolClass.select()}
        touched: list[int] = []
        for row in result.rows:
            cls = classes.get(row.class_name)
            if cls is None:
                cls = SchoolClass.create(name=row.class_name, year_group=row.year_group)
                classes[row.class_name] = cls
                summary.classes_added.append(row.class_name)
            elif cls.year_group != row.year_group:
                SchoolClass.update(year_group=row.year_group).where(SchoolClass.id == cls.id).execute()
                cls.year_group = row.year_group
            values = dict(
                first_name=row.first_name, last_name=row.last_name, year_group=row.year_group,
                school_class=cls.id, dob=row.dob, active=True,
            )
            pupil = Pupil.get_or_none(Pupil.admission_no == row.admission_no)
            if pupil is None:
                pupil = Pupil.create(admission_no=row.admission_no, created_at=now, updated_at=now, **values)
                summary.added += 1
                touched.append(pupil.id)
                _sync_contacts(pupil, row.contacts)
                continue
            current = dict(
                first_name=pupil.first_name, last_name=pupil.last_name, year_group=pupil.year_group,
                school_class=pupil.school_class_id, dob=pupil.dob, active=pupil.active,
            )
            changed = current != values
            if changed:
                Pupil.update(updated_at=now, **values).where(Pupil.id == pupil.id).execute()
            changed_contacts = _sync_contacts(pupil, row.contacts)
            if changed or changed_contacts:
                summary.updated += 1
                touched.append(pupil.id)
            else:
                summary.unchanged += 1
        audit.append(
            actor, "roster.import", "roster", result.source_format,
            {"added": summary.added, "updated": summary.updated, "rejected": summary.rejected, "pupil_ids": touched},
            now,
        )
    return summary


def _sync_contacts(pupil: Pupil, contacts) -> bool:
    """Make the pupil's active contacts those in the file; return whether any changed."""
    existing = {c.name: c for c in Contact.select().where(Contact.pupil == pupil)}
    changed = False
    wanted = set()
    for c in contacts:
        wanted.add(c.name)
        row = existing.get(c.name)
        if row is None:
            Contact.create(pupil=pupil, name=c.name, relationship=c.relationship, priority=c.priority)
            changed = True
        elif (row.relationship, row.priority, row.active) != (c.relationship, c.priority, True):
            Contact.update(relationship=c.relationship, priority=c.priority, active=True).where(Contact.id == row.id).execute()
            changed = True
    for name, row in existing.items():
        if name not in wanted and row.active:
            Contact.update(active=False).where(Contact.id == row.id).execute()  # kept: events may name them
            changed = True
    return changed


def find_pupils(text: str, limit: int = 20) -> list[Pupil]:
    """Pupils whose name or admission number contains ``text`` (for registering a phone)."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    like = f"%{text}%"
    query = (
        Pupil.select(Pupil, SchoolClass).join(SchoolClass)
        .where(
            (Pupil.active == True)  # noqa: E712
            & (Pupil.first_name.contains(text) | Pupil.last_name.contains(text) | (Pupil.admission_no ** like)
               | (Pupil.first_name.concat(" ").concat(Pupil.last_name) ** like))
        )
        .order_by(Pupil.last_name, Pupil.first_name).limit(limit)
    )
    return list(query)


def contacts_of(pupil_id: int) -> list[Contact]:
    return list(
        Contact.select().where((Contact.pupil == pupil_id) & (Contact.active == True))  # noqa: E712
        .order_by(Contact.priority, Contact.name)
    )
