"""Pupils, classes and contacts, and applying a parsed MIS roster to them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import utcnow
from models.errors import ValidationError
from models.school.roster import RosterResult
from models.store.tables import Contact, Pupil, SchoolClass

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
        counts = [
            (action, sum(1 for c in self.contact_changes if c.action == action))
            for action in (ADDED, CHANGED, SWITCHED_OFF)
        ]
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


# Pupils applied per transaction: measured on the 5,000-pupil roster of the benchmark
# school (each pupil with two contacts, all new), 40 take about 35 ms (python -m benchmarks.bench_purge).
IMPORT_BATCH_ROWS = 40
IMPORT_ACTION = "roster.import"


def roster_digest(result: RosterResult) -> str:
    """What the import is, by content: the same file (the same rows, columns and format) gives
    the same digest, so a rerun of an import that stopped part way is known as that import."""
    rows = [
        [
            r.admission_no,
            r.first_name,
            r.last_name,
            r.year_group,
            r.class_name,
            r.dob.isoformat() if r.dob else None,
            [[c.name, c.relationship, c.priority] for c in r.contacts],
        ]
        for r in result.rows
    ]
    columns = None if result.columns is None else sorted(map(repr, result.columns))
    body = json.dumps([result.source_format, columns, rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def unfinished_import() -> dict | None:
    """The newest roster import, if it stopped part way: its details (``import``: the file's
    digest, ``batch`` of ``batches``). Running the same file again completes it."""
    from models.store.tables import AuditEntry

    entry = (
        AuditEntry.select(AuditEntry.details)
        .where(AuditEntry.action == IMPORT_ACTION)
        .order_by(AuditEntry.seq.desc())
        .first()
    )
    if entry is None:
        return None
    details = json.loads(entry.details)
    return details if details.get("complete") is False else None


def import_roster(
    result: RosterResult,
    *,
    skip_invalid: bool = False,
    actor: object = "cli",
    now: dt.datetime | None = None,
    batch_rows: int | None = None,
    after_batch=None,
    pause: float | None = None,
) -> ImportSummary:
    """Add and update pupils and their contacts from a parsed roster.

    A file with rejected rows changes nothing unless ``skip_invalid``. Pupils missing
    from the file are left as they are (a partial export must not remove anyone).
    An import changes only what its file has columns for: no date-of-birth column
    leaves dates of birth alone; contacts are matched by name (case and spacing
    ignored), and a contact is switched off only when the file has a column for their
    position (priority) and names someone else there. The summary lists every contact
    added, changed or switched off.

    In short transactions of ``batch_rows`` pupils, each with its own ``roster.import``
    entry naming the import (``import``: the digest of the file's content, ``rows``,
    ``batch`` of ``batches``) and saying whether it is the last (``complete``). An
    import that stopped part way (a power cut) has applied whole pupils only, and its
    newest entry says ``"complete": false`` (:func:`unfinished_import`); importing the
    same file again completes it, since applying a row that is already in place changes
    nothing.
    """
    import time

    from models.records.duties import _pause

    now = now or utcnow()
    if result.errors and not skip_invalid:
        raise RosterRejected(result)
    summary = ImportSummary(rejected=len(result.errors))
    size = max(1, batch_rows or IMPORT_BATCH_ROWS)
    pause = _pause() if pause is None else pause
    digest = roster_digest(result)
    earlier = unfinished_import()
    chunks = [result.rows[i : i + size] for i in range(0, len(result.rows), size)] or [[]]
    for number, rows in enumerate(chunks, 1):
        part = ImportSummary()
        with write_tx():
            touched = _apply_rows(rows, result, part, now)
            details = {
                "import": digest,
                "format": result.source_format,
                "rows": len(result.rows),
                "batch": number,
                "batches": len(chunks),
                "complete": number == len(chunks),
                "added": part.added,
                "updated": part.updated,
                "rejected": summary.rejected,
                "pupil_ids": touched,
                "contacts": {
                    key: [c.contact_id for c in part.contact_changes if c.action == action]
                    for key, action in (("added", ADDED), ("changed", CHANGED), ("switched_off", SWITCHED_OFF))
                },
            }
            if number == 1 and earlier is not None:
                details["resumes"] = earlier.get("import") == digest  # the same file again: completes it
            audit.append(actor, IMPORT_ACTION, "roster", result.source_format, details, now)
        summary.added += part.added
        summary.updated += part.updated
        summary.unchanged += part.unchanged
        summary.classes_added += part.classes_added
        summary.contact_changes += part.contact_changes
        if number < len(chunks):
            if after_batch is not None:
                after_batch(number)
            if pause:
                time.sleep(pause)
    return summary


def _apply_rows(rows, result: RosterResult, summary: ImportSummary, now: dt.datetime) -> list[int]:
    """Apply these roster rows (inside the caller's transaction); the ids of the pupils changed."""
    classes = {c.name: c for c in SchoolClass.select()}
    touched: list[int] = []
    for row in rows:
        cls = classes.get(row.class_name)
        if cls is None:
            cls = SchoolClass.create(name=row.class_name, year_group=row.year_group)
            classes[row.class_name] = cls
            summary.classes_added.append(row.class_name)
        elif cls.year_group != row.year_group:
            SchoolClass.update(year_group=row.year_group).where(SchoolClass.id == cls.id).execute()
            cls.year_group = row.year_group
        values = dict(
            first_name=row.first_name,
            last_name=row.last_name,
            year_group=row.year_group,
            school_class=cls.id,
            dob=row.dob,
            active=True,
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
            first_name=pupil.first_name,
            last_name=pupil.last_name,
            year_group=pupil.year_group,
            school_class=pupil.school_class_id,
            dob=pupil.dob,
            active=pupil.active,
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
    return touched


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
        changes.append(
            ContactChange(action, row.name, row.relationship, pupil.admission_no, pupil_name, detail, row.id)
        )

    named: set[str] = set()
    for c in contacts:
        key = _name_key(c.name)
        if not key or key in named:
            continue  # the same person twice in one row: the first position counts
        named.add(key)
        has_relationship = result.has_column((c.priority, "relationship")) and bool(c.relationship)
        row = existing.get(key)
        if row is None:
            row = Contact.create(
                pupil=pupil,
                name=" ".join(c.name.split()),
                priority=c.priority,
                relationship=c.relationship if has_relationship else "",
            )
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
        Pupil.select(Pupil, SchoolClass)
        .join(SchoolClass)
        .where(
            (Pupil.active == True)  # noqa: E712
            & (
                Pupil.first_name.contains(text)
                | Pupil.last_name.contains(text)
                | (Pupil.admission_no**like)
                | (Pupil.first_name.concat(" ").concat(Pupil.last_name) ** like)
            )
        )
        .order_by(Pupil.last_name, Pupil.first_name)
        .limit(limit)
    )
    return list(query)


def contacts_of(pupil_id: int) -> list[Contact]:
    return list(
        Contact.select()
        .where((Contact.pupil == pupil_id) & (Contact.active == True))  # noqa: E712
        .order_by(Contact.priority, Contact.name)
    )
