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


ADDED, CHANGED, SWITCHED_OFF = "added", "changed", "switched off"


@dataclass(frozen=True)
class ContactChange:
    """One parent or carer an import added, changed or switched off (can no longer collect)."""

    action: str  # added | changed | switched off
    name: str
    relationship: str
    admission_no: str
    pupil_name: str
    detail: str = ""  # e.g. "priority 2 to 1", "switched back on"
    contact_id: int = 0

    def line(self) -> str:
        who = self.name if self.action == CHANGED or not self.relationship else f"{self.name} ({self.relationship})"
        text = f"{self.action}: {who}, contact of {self.pupil_name} ({self.admission_no})"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    classes_added: list[str] = field(default_factory=list)
    contact_changes: list[ContactChange] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.rejected:
            text += f", {self.rejected} rejected rows skipped"
        if self.classes_added:
            text += f"; new classes: {', '.join(self.classes_added)}"
        counts = [(action, sum(1 for c in self.contact_changes if c.action == action)) for action in (ADDED, CHANGED, SWITCHED_OFF)]
        if any(n for _a, n in counts):
            text += "; contacts: " + ", ".join(f"{n} {action}" for action, n in counts if n)
        return text

    def contact_lines(self) -> list[str]:
        """Every contact added, changed or switched off, by name and pupil."""
        return [c.line() for c in self.contact_changes]


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
    An import changes only what its file has columns for: no date-of-birth column
    leaves dates of birth alone; contacts are matched by name (case and spacing
    ignored), and a contact is switched off only when the file has a column for their
    position (priority) and names someone else there. The summary lists every contact
    added, changed or switched off.
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
            if not result.has_column("dob"):
                values.pop("dob")
            pupil = Pupil.get_or_none(Pupil.admission_no == row.admission_no)
            if pupil is None:
                pupil = Pupil.create(admission_no=row.admission_no, created_at=now, updated_at=now, **values)
                summary.added += 1
                touched.append(pupil.id)
                summary.contact_changes.extend(_sync_contacts(pupil, row.contacts, result))
                continue
            current = dict(
                first_name=pupil.first_name, last_name=pupil.last_name, year_group=pupil.year_group,
                school_class=pupil.school_class_id, dob=pupil.dob, active=pupil.active,
            )
            current = {k: v for k, v in current.items() if k in values}
            changed = current != values
            if changed:
                Pupil.update(updated_at=now, **values).where(Pupil.id == pupil.id).execute()
            changed_contacts = _sync_contacts(pupil, row.contacts, result)
            summary.contact_changes.extend(changed_contacts)
            if changed or changed_contacts:
                summary.updated += 1
                touched.append(pupil.id)
            else:
                summary.unchanged += 1
        audit.append(
            actor, "roster.import", "roster", result.source_format,
            {"added": summary.added, "updated": summary.updated, "rejected": summary.rejected, "pupil_ids": touched,
             "contacts": {key: [c.contact_id for c in summary.contact_changes if c.action == action]
                          for key, action in (("added", ADDED), ("changed", CHANGED), ("switched_off", SWITCHED_OFF))}},
            now,
        )
    return summary


def _name_key(name: str) -> str:
    """A contact's name for matching: case and spacing ignored."""
    return " ".join((name or "").split()).casefold()


def _sync_contacts(pupil: Pupil, contacts, result: RosterResult) -> list[ContactChange]:
    """Bring the pupil's contacts in line with what the file says about them.

    Matched by name (case and spacing ignored), never by position. A relationship is
    changed only where the file has a relationship column and a value in it. A contact
    the file does not name is switched off (kept: events may name them) only if the
    file has a column for their position; otherwise the file says nothing about them.
    Returns every change, in the file's order, then the switched-off contacts.
    """
    existing = {_name_key(c.name): c for c in Contact.select().where(Contact.pupil == pupil).order_by(Contact.id)}
    pupil_name = f"{pupil.first_name} {pupil.last_name}"
    changes: list[ContactChange] = []

    def note(action: str, row: Contact, detail: str = "") -> None:
        changes.append(ContactChange(action, row.name, row.relationship, pupil.admission_no, pupil_name, detail, row.id))

    named: set[str] = set()
    for c in contacts:
        key = _name_key(c.name)
        if not key or key in named:
            continue  # the same person twice in one row: the first position counts
        named.add(key)
        has_relationship = result.has_column((c.priority, "relationship")) and bool(c.relationship)
        row = existing.get(key)
        if row is None:
            row = Contact.create(pupil=pupil, name=" ".join(c.name.split()), priority=c.priority,
                                 relationship=c.relationship if has_relationship else "")
            note(ADDED, row, f"priority {c.priority}")
            continue
        updates: dict = {}
        details: list[str] = []
        if row.priority != c.priority:
            updates["priority"] = c.priority
            details.append(f"priority {row.priority} to {c.priority}")
        if has_relationship and row.relationship != c.relationship:
            updates["relationship"] = c.relationship
            details.append(f"relationship {row.relationship or '(none)'} to {c.relationship}")
        if not row.active:
            updates["active"] = True
            details.append("switched back on")
        if updates:
            Contact.update(**updates).where(Contact.id == row.id).execute()
            note(CHANGED, row, ", ".join(details))
    covered = result.contact_priorities()
    for key, row in existing.items():
        if key not in named and row.active and row.priority in covered:
            Contact.update(active=False).where(Contact.id == row.id).execute()  # kept: events may name them
            note(SWITCHED_OFF, row)
    return changes


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
