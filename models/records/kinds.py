"""Records duties for visitors, visits, print jobs, agreed exceptions and concerns.

The kinds listed here (:data:`KINDS`) join :data:`models.records.duties.KINDS`, which
``models.records.duties`` builds from one explicit list, so every purge, subject access request
and erasure sees them. Registry order (erasure walks it backwards, dependants first)::

    ... custody_events, staff, visitors, visits, print_jobs, exceptions, concerns, audit

**Visitors** are found by name, case and spacing ignored: their ``Visitor`` rows
(matched on the name they last gave) and every visit given under that name, plus the
other visits of the same ``Visitor`` rows. Their phones (``Device(kind="visitor")``,
through the visits) join the devices, labels and custody kinds via ``DEVICE_OWNERS``.
Two different people of the same name are one subject: check the export before
disclosing, and before erasing.

Retention and age:

* ``visits``: a visit (with its slip's print jobs) expires this long after it was signed
  out. A visit never signed out, a visit whose phone the school still holds and a visit
  named by an open concern are kept and listed as holds. A visitor's own row goes
  with their last visit; their phone (device, label, state) goes once its custody
  events have gone (custody keeps them for ``hand_ins``/``confiscations``), at the same
  purge or a later one. Other print jobs (labels, roll calls, tests) expire this long
  after they were made.
* ``exceptions``: an agreed exception expires this long after its end date, or after
  the day it was revoked if earlier.
* ``concerns``: a closed concern expires this long after it was closed (its last
  follow-up). An OPEN concern is a legal hold: it is never purged (listed once past the
  period), it keeps the history of the phone it links and the visit it names, and the
  person it is about cannot be erased until the DSL closes it. A concern about a PUPIL
  is a child protection record (IRMS toolkit: date of birth + 25 years): it also waits
  for the pupil's date of birth + ``child_protection_years``; with no date of birth it
  is kept and the purge lists it ("no_dob"). A concern about a member of STAFF (an
  allegation, KCSIE Part 4: retirement age or 10 years, whichever is longer) is never
  purged: the kiosk knows neither date; the purge lists it ("staff_allegation").

What is held is decided by :func:`models.records.duties.legal_holds` alone (erase calls it
too); the purges here only ask it about the records that would otherwise expire.

SAR: exceptions show a medical need as its category from the fixed list (there is no
diagnosis to show); print jobs are listed without their printed bytes. Erasure deletes
the rows outright, so revocation reasons and concern notes go with the person.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable
from typing import Any

from peewee import ColumnBase, Expression

from models.clock import local_day
from models.custody.ledger import OUT
from models.records import holds
from models.records.base import (
    AUDIT_REFS,
    DEVICE_OWNERS,
    EVERYONE,
    PUPIL,
    STAFF,
    VISITOR,
    PurgeContext,
    PurgePart,
    RecordKind,
    Subject,
    chunks,
    iso,
    own_rows,
    pupil_device_ids,
    pupil_dobs,
)
from models.store.db import tuples as _rows
from models.store.tables import (
    AgreedException,
    Concern,
    ConcernAction,
    ConcernSeen,
    CustodyEvent,
    DayMark,
    Device,
    DeviceState,
    Label,
    PolicyAcknowledgement,
    PrintJob,
    RelationshipReview,
    SchoolDevice,
    SchoolDeviceEntry,
    Staff,
    StaffDevice,
    StaffRelationship,
    Visit,
    Visitor,
)

OPEN = "open"  # models.safeguarding.concerns.OPEN
MEDICAL_WORDS = {  # models.policy.agreed.MEDICAL_CATEGORIES (not imported: keeps this module light)
    "monitoring_device": "reads a medical sensor, pump or monitor",
    "emergency_alert": "raises or receives medical emergency alerts",
    "medication_reminder": "medication reminders",
    "communication_aid": "communication or accessibility aid",
    "other_medical": "other medical need (see the healthcare plan)",
}


def _key(text: str | None) -> str:
    """Case- and space-folded, as ``Visitor.name_key`` and ``AgreedException.name_key`` are."""
    return " ".join((text or "").split()).casefold()


def _staff_names() -> dict[int, str]:
    return {s.id: s.display_name for s in Staff.select(Staff.id, Staff.display_name)}


def _in(field: ColumnBase, ids: Iterable[int]) -> Expression:
    """``field IN ids`` for any number of ids (chunked), or a condition matching nothing."""
    wanted = sorted(set(ids))
    if not wanted:
        return field.is_null() & field.is_null(False)
    return functools.reduce(operator.or_, [field.in_(chunk) for chunk in chunks(wanted, 500)])


# ---------------------------------------------------------------- who is the visitor


def _visits_named(key: str) -> set[int]:
    # Names are matched in Python: SQLite's lower() folds ASCII only.
    return {v.id for v in Visit.select(Visit.id, Visit.name).iterator() if _key(v.name) == key}


def _visitor_ids(subject: Subject) -> list[int]:
    key = _key(subject.key)
    ids = {v.id for v in Visitor.select(Visitor.id).where(Visitor.name_key == key)}
    named = _visits_named(key)
    ids |= {v.visitor_id for v in Visit.select(Visit.visitor).where(_in(Visit.id, named))}
    return sorted(ids)


def _visit_ids(subject: Subject) -> list[int]:
    named = _visits_named(_key(subject.key))
    mine = {v.id for v in Visit.select(Visit.id).where(_in(Visit.visitor, _visitor_ids(subject)))}
    return sorted(named | mine)


def _visitor_devices(subject: Subject) -> list[int]:
    visits = subject.ids("visit")
    return sorted(
        {v.device_id for v in Visit.select(Visit.device).where(_in(Visit.id, visits) & Visit.device.is_null(False))}
    )


def _slip_refs(visit_ids: Iterable[int]) -> list[str]:
    return [f"visit:{i}" for i in visit_ids]


def _print_job_ids(subject: Subject) -> list[int]:
    refs = _slip_refs(subject.ids("visit"))
    ids: set[int] = set()
    for chunk in chunks(refs, 500):
        ids |= {j.id for j in PrintJob.select(PrintJob.id).where(PrintJob.ref.in_(chunk))}
    return sorted(ids)


def _exception_ids(subject: Subject) -> list[int]:
    q = AgreedException.select(AgreedException.id)
    if subject.kind == PUPIL:
        q = q.where(AgreedException.pupil == subject.row_id)
    elif subject.kind == STAFF:
        q = q.where(AgreedException.staff == subject.row_id)
    elif subject.kind == VISITOR:
        q = q.where((AgreedException.subject_kind == VISITOR) & (AgreedException.name_key == _key(subject.key)))
    else:
        return []
    return sorted(e.id for e in q)


def _concern_ids(subject: Subject) -> list[int]:
    if subject.kind == PUPIL:
        return sorted(c.id for c in Concern.select(Concern.id).where(Concern.pupil == subject.row_id))
    if subject.kind == STAFF:
        return sorted(c.id for c in Concern.select(Concern.id).where(Concern.staff == subject.row_id))
    if subject.kind != VISITOR:
        return []
    key, visits = _key(subject.key), set(subject.ids("visit"))
    return sorted(
        c.id
        for c in Concern.select(Concern.id, Concern.name, Concern.visit_id).where(Concern.about_kind == VISITOR)
        if (c.visit_id in visits) or (c.name and _key(c.name) == key)
    )


own_rows({"visitor": _visitor_ids, "visit": _visit_ids, "print_job": _print_job_ids}, [VISITOR])
DEVICE_OWNERS[VISITOR] = _visitor_devices
own_rows({"agreed_exception": _exception_ids, "concern": _concern_ids})


def _audit_refs(subject: Subject) -> dict[str, tuple[int, ...]]:
    return {table: subject.ids(table) for table in ("visitor", "visit", "print_job", "agreed_exception", "concern")}


AUDIT_REFS.append(_audit_refs)


# ---------------------------------------------------------------- visitors and visits


class VisitorKind(RecordKind):
    """A visitor's own row (kept so a returning visitor is found). Goes with their last visit."""

    name, title = "visitors", "Visitor record"
    subjects = frozenset({VISITOR})
    columns = ("id", "name", "organisation", "visitor_type", "car_reg", "last_visit_at", "created_at")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        ids = subject.ids("visitor")
        return [
            {c: iso(getattr(v, c)) for c in self.columns}
            for v in Visitor.select().where(_in(Visitor.id, ids)).order_by(Visitor.id)
        ]

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("visitor")
        return Visitor.delete().where(_in(Visitor.id, ids)).execute() if ids else 0


class VisitKind(RecordKind):
    """Visits, from sign-in to sign-out; purging one takes its slip, visitor row and phone too."""

    name, title = "visits", "Visits"
    retention = ("visits",)
    subjects = frozenset({VISITOR})
    columns = (
        "id",
        "visitor_id",
        "name",
        "organisation",
        "visitor_type",
        "badge_number",
        "slip_code",
        "purpose",
        "visiting",
        "car_reg",
        "id_seen",
        "dbs_assured",
        "dbs_confirmed_by",
        "supervised",
        "phone_choice",
        "exception_id",
        "device_id",
        "rules_version",
        "rules_accepted_at",
        "signed_in_at",
        "signed_in_by",
        "signed_out_at",
        "signed_out_by",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        for v in Visit.select().where(_in(Visit.id, subject.ids("visit"))).order_by(Visit.id):
            row = {c: iso(getattr(v, c)) for c in self.columns if c not in ("signed_in_by", "signed_out_by")}
            row["signed_in_by"] = staff.get(v.signed_in_by_id, "self-service") if v.signed_in_by_id else "self-service"
            row["signed_out_by"] = (
                staff.get(v.signed_out_by_id, "") if v.signed_out_by_id else ("self-service" if v.signed_out_at else "")
            )
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("visit")
        return Visit.delete().where(_in(Visit.id, ids)).execute() if ids else 0

    purge_counts = ("visits", "visitors", "visitor_phones")

    def _expired(self, ctx: PurgeContext) -> Expression:
        cut = ctx.cutoff("visits")
        return (Visit.signed_out_at < cut) | (Visit.signed_out_at.is_null() & (Visit.signed_in_at < cut))

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        # a visit, its slip, its visitor and phone; then None: the visitor phones left with no
        # visit and no events (looked for in every batch, so also when no visit expires)
        # A phone whose custody events this purge deletes goes at the next one, as in a dry run.
        phones = {d.id for d in Device.select(Device.id).where(Device.kind == "visitor")}
        ctx.marks["visitor_phones"] = phones - {
            e.device_id
            for e in CustodyEvent.select(CustodyEvent.device).where(_in(CustodyEvent.device, phones)).distinct()
        }
        return [(i, 4) for (i,) in _rows(Visit.select(Visit.id).where(self._expired(ctx)).order_by(Visit.id))] + [
            (None, 4)
        ]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        part = PurgePart(deletes={"visits": 0, "visitors": 0, "visitor_phones": 0})
        where = (
            self._expired(ctx)
            if units is None
            else self._expired(ctx) & _in(Visit.id, [u for u in units if u is not None])
        )
        candidates = [v.id for v in Visit.select(Visit.id).where(where).order_by(Visit.id)]
        held = {key[1]: h for key, h in holds.strongest(holds.legal_holds(visits=candidates)).items()}
        expired: list[int] = []
        for visit_id in candidates:
            if visit_id in held:
                part.holds.append(held[visit_id])
            else:
                expired.append(visit_id)
        gone = set(expired)
        # A visitor row goes when none of its visits is left.
        touched = {v.visitor_id for v in Visit.select(Visit.visitor).where(_in(Visit.id, gone))}
        remaining = {
            v.visitor_id
            for v in Visit.select(Visit.id, Visit.visitor).where(_in(Visit.visitor, touched))
            if v.id not in gone
        }
        visitors = sorted(touched - remaining)
        # Visitor phones with no visit left, no custody events, back with their owner, in no concern.
        phone_ids = {d.id for d in Device.select(Device.id).where(Device.kind == "visitor")}
        still_used = {
            v.device_id
            for v in Visit.select(Visit.id, Visit.device).where(Visit.device.is_null(False))
            if v.id not in gone
        }
        with_events = {
            e.device_id
            for e in CustodyEvent.select(CustodyEvent.device).where(_in(CustodyEvent.device, phone_ids)).distinct()
        }
        in_concern = {c.device_id for c in Concern.select(Concern.device).where(Concern.device.is_null(False))}
        not_out = {
            s.device_id
            for s in DeviceState.select(DeviceState.device).where(
                _in(DeviceState.device, phone_ids) & (DeviceState.state != OUT)
            )
        }
        unused = phone_ids - still_used - with_events - in_concern - not_out
        if "visitor_phones" in ctx.marks:  # batched: only those that had no events when it began
            unused &= ctx.marks["visitor_phones"]
        phones = sorted(unused)
        part.deletes.update(visits=len(expired), visitors=len(visitors), visitor_phones=len(phones))
        part.notes.update(visits=expired, visitors=visitors, phones=phones)

        def apply() -> None:
            refs = _slip_refs(expired)
            for chunk in chunks(refs, 500):
                jobs = [j.id for j in PrintJob.select(PrintJob.id).where(PrintJob.ref.in_(chunk))]
                _delete_jobs(jobs)
            Visit.delete().where(_in(Visit.id, expired)).execute()
            Visitor.delete().where(_in(Visitor.id, visitors)).execute()
            _delete_devices(phones)

        part.apply = apply
        return part


def _delete_jobs(ids: list[int]) -> int:
    if not ids:
        return 0
    PrintJob.update(reprint_of=None).where(_in(PrintJob.reprint_of, ids)).execute()
    return PrintJob.delete().where(_in(PrintJob.id, ids)).execute()


def _delete_devices(ids: list[int]) -> None:
    if not ids:
        return
    Label.update(replaced_by=None).where(_in(Label.device, ids)).execute()
    Label.delete().where(_in(Label.device, ids)).execute()
    DeviceState.delete().where(_in(DeviceState.device, ids)).execute()
    Device.delete().where(_in(Device.id, ids)).execute()


class PrintJobKind(RecordKind):
    """The print outbox: a visit's slip (its bytes hold the visitor's name), labels, roll calls."""

    name, title = "print_jobs", "Printed slips"
    retention = ("visits",)
    subjects = frozenset({VISITOR})
    identifies = False
    columns = ("id", "kind", "ref", "title", "status", "created_at", "sent_at")  # never the printed bytes

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        ids = subject.ids("print_job")
        return [
            {c: iso(getattr(j, c)) for c in self.columns}
            for j in PrintJob.select().where(_in(PrintJob.id, ids)).order_by(PrintJob.id)
        ]

    def erase(self, subject: Subject) -> int:
        return _delete_jobs(list(subject.ids("print_job")))

    purge_counts = ("print_jobs",)

    def _expired(self, ctx: PurgeContext) -> Expression:
        return (PrintJob.created_at < ctx.cutoff("visits")) & ~PrintJob.ref.startswith("visit:")

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        return [(i, 1) for (i,) in _rows(PrintJob.select(PrintJob.id).where(self._expired(ctx)).order_by(PrintJob.id))]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        """Jobs not for a visit (labels, roll calls, tests) go this long after they were made."""
        where = self._expired(ctx) if units is None else self._expired(ctx) & _in(PrintJob.id, units)
        ids = [j.id for j in PrintJob.select(PrintJob.id).where(where)]

        def apply() -> None:
            _delete_jobs(ids)

        return PurgePart(deletes={"print_jobs": len(ids)}, apply=apply)


# ---------------------------------------------------------------- agreed exceptions


def _exception_age(e: AgreedException) -> dt.date:
    end = e.ends_on
    if e.revoked_at is not None:
        end = min(end, local_day(e.revoked_at))
    return end


class ExceptionKind(RecordKind):
    """Phone exceptions agreed with the headteacher. Age: the end date, or the revocation."""

    name, title = "exceptions", "Agreed phone exceptions"
    retention = ("exceptions",)
    subjects = EVERYONE
    columns = (
        "id",
        "subject_kind",
        "visitor_name",
        "organisation",
        "kind",
        "medical_category",
        "allowed",
        "location",
        "conditions",
        "sanction",
        "agreed_with",
        "agreed_on",
        "starts_on",
        "review_on",
        "ends_on",
        "risk_assessment_ref",
        "recorded_by",
        "recorded_at",
        "signed_copy_at",
        "revoked_at",
        "revoke_reason",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        for e in (
            AgreedException.select()
            .where(_in(AgreedException.id, subject.ids("agreed_exception")))
            .order_by(AgreedException.id)
        ):
            row: dict[str, Any] = {
                c: iso(getattr(e, c))
                for c in self.columns
                if c not in ("medical_category", "agreed_with", "recorded_by")
            }
            # A medical need is shown as its category: nothing more medical is held.
            row["medical_category"] = (
                MEDICAL_WORDS.get(e.medical_category, e.medical_category) if e.medical_category else None
            )
            contact = e.agreed_with_contact if e.agreed_with_contact_id else None
            row["agreed_with"] = contact.name if contact is not None else e.agreed_with
            row["recorded_by"] = staff.get(e.recorded_by_id, "")
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("agreed_exception")
        return AgreedException.delete().where(_in(AgreedException.id, ids)).execute() if ids else 0

    purge_counts = ("exceptions",)

    def _maybe(self, ctx: PurgeContext) -> Expression:
        """Candidates by SQL (ended before the cut-off, or revoked before it); then exactly by local day."""
        cut = ctx.cutoff("exceptions").date()
        return (AgreedException.ends_on < cut) | (
            AgreedException.revoked_at < ctx.cutoff("exceptions") + dt.timedelta(days=1)
        )

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        return [
            (i, 1)
            for (i,) in _rows(
                AgreedException.select(AgreedException.id).where(self._maybe(ctx)).order_by(AgreedException.id)
            )
        ]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        cut = ctx.cutoff("exceptions").date()
        where = self._maybe(ctx) if units is None else self._maybe(ctx) & _in(AgreedException.id, units)
        q = AgreedException.select().where(where)
        ids = [e.id for e in q if _exception_age(e) < cut]
        return PurgePart(
            deletes={"exceptions": len(ids)},
            apply=lambda: AgreedException.delete().where(_in(AgreedException.id, ids)).execute(),
        )


# ---------------------------------------------------------------- concerns


def _delete_concerns(ids: list[int]) -> int:
    """Delete concerns with their actions, outcome and lessons learnt (concern_action)."""
    if not ids:
        return 0
    ConcernAction.delete().where(_in(ConcernAction.concern, ids)).execute()
    ConcernSeen.delete().where(_in(ConcernSeen.concern, ids)).execute()
    return Concern.delete().where(_in(Concern.id, ids)).execute()


class ConcernKind(RecordKind):
    """Concerns for the DSL. Open: a legal hold. Closed: age from the last follow-up."""

    name, title = "concerns", "Concerns raised with the DSL"
    retention = ("concerns",)
    subjects = EVERYONE
    columns = (
        "id",
        "about_kind",
        "name",
        "visit_id",
        "device_id",
        "category",
        "what",
        "raised_by",
        "raised_at",
        "seen_at",
        "followed_up_at",
        "follow_up_note",
        "status",
        "actions",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        for c in Concern.select().where(_in(Concern.id, subject.ids("concern"))).order_by(Concern.id):
            row = {col: iso(getattr(c, col)) for col in self.columns if col not in ("raised_by", "actions")}
            row["raised_by"] = staff.get(c.raised_by_id, "")
            row["actions"] = "\n".join(
                f"{iso(a.recorded_at)} by {staff.get(a.recorded_by_id, '')}: {a.kind}"
                + "".join(
                    f"; {name} {value}"
                    for name, value in (("on", a.done_on), ("reference", a.reference), ("outcome", a.outcome))
                    if value
                )
                + (f": {a.note}" if a.note else "")
                for a in ConcernAction.select().where(ConcernAction.concern == c.id).order_by(ConcernAction.id)
            )
            rows.append({col: row[col] for col in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("concern")
        devices = pupil_device_ids(subject)
        if devices:  # a closed concern about someone else that linked this person's phone keeps its text, not the link
            Concern.update(device=None).where(_in(Concern.device, devices) & ~_in(Concern.id, ids)).execute()
        return _delete_concerns(list(ids))

    purge_counts = ("concerns",)

    @staticmethod
    def _retained(concern_id: int, code: str) -> holds.Hold:
        return holds.Hold("concerns", "concern", concern_id, code, holds.RETAINED_WORDS[code])

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        return [
            (i, 1)
            for (i,) in _rows(
                Concern.select(Concern.id).where(Concern.raised_at < ctx.cutoff("concerns")).order_by(Concern.id)
            )
        ]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        """A closed concern goes once the ``concerns`` period has passed since its last
        follow-up, and: about a pupil, once the pupil's date of birth + 25 years has
        passed too (IRMS, child protection; no date of birth: kept and listed); about a
        member of staff, never (KCSIE Part 4: retirement age or 10 years, which the kiosk
        cannot know; listed for review by hand). About a visitor: the period alone."""
        cut = ctx.cutoff("concerns")
        part = PurgePart(deletes={"concerns": 0})
        ids = []
        where = Concern.raised_at < cut
        if units is not None:
            where &= _in(Concern.id, units)
        old = list(
            Concern.select(
                Concern.id,
                Concern.about_kind,
                Concern.pupil,
                Concern.staff,
                Concern.status,
                Concern.raised_at,
                Concern.followed_up_at,
                Concern.updated_at,
            )
            .where(where)
            .order_by(Concern.id)
        )
        held = {key[1]: h for key, h in holds.strongest(holds.legal_holds(concerns=[c.id for c in old])).items()}
        dobs = pupil_dobs(c.pupil_id for c in old if c.pupil_id is not None)
        for c in old:
            if c.id in held:
                part.holds.append(held[c.id])
            elif (c.followed_up_at or c.updated_at) < cut:
                if c.about_kind == STAFF or c.staff_id is not None:
                    part.holds.append(self._retained(c.id, holds.STAFF_ALLEGATION))
                elif c.about_kind == PUPIL or c.pupil_id is not None:
                    dob = dobs.get(c.pupil_id) if c.pupil_id is not None else None
                    if dob is None:
                        part.holds.append(self._retained(c.id, holds.NO_DOB))
                    elif ctx.past_child_protection(dob):
                        ids.append(c.id)
                else:
                    ids.append(c.id)
        part.deletes["concerns"] = len(ids)

        def apply() -> None:
            _delete_concerns(ids)

        part.apply = apply
        return part


# ---------------------------------------------------------------- records the policies ask for (models.governance)
#
# Staff's pre-existing relationships (with their reviews): about the member of staff, and
# about the pupil they name or the family named as text (found, for a visitor's request, by
# that name, case and spacing ignored). Age: from the day the entry was ENDED, on the
# ``concerns`` period (a safeguarding record); an open entry is never purged. Erasing the
# pupil (or the named parent) deletes the entries naming them, with their reviews.
# Staff's acknowledgements of the policies: about the member of staff only. Age: the day
# acknowledged, on the ``audit`` period (kept as long as the log that records them).


def _relationship_ids(subject: Subject) -> list[int]:
    q = StaffRelationship.select(StaffRelationship.id, StaffRelationship.family)
    if subject.kind == PUPIL:
        return sorted(r.id for r in q.where(StaffRelationship.pupil == subject.row_id))
    if subject.kind == STAFF:
        return sorted(r.id for r in q.where(StaffRelationship.staff == subject.row_id))
    if subject.kind == VISITOR:
        key = _key(subject.key)
        return sorted(r.id for r in q.where(StaffRelationship.family.is_null(False)) if _key(r.family) == key)
    return []


def _acknowledgement_ids(subject: Subject) -> list[int]:
    if subject.kind != STAFF:
        return []
    return sorted(
        a.id
        for a in PolicyAcknowledgement.select(PolicyAcknowledgement.id).where(
            PolicyAcknowledgement.staff == subject.row_id
        )
    )


own_rows({"staff_relationship": _relationship_ids, "policy_acknowledgement": _acknowledgement_ids})


def _governance_refs(subject: Subject) -> dict[str, tuple[int, ...]]:
    return {table: subject.ids(table) for table in ("staff_relationship", "policy_acknowledgement")}


AUDIT_REFS.append(_governance_refs)


def _delete_relationships(ids: list[int]) -> int:
    if not ids:
        return 0
    RelationshipReview.delete().where(_in(RelationshipReview.relationship, ids)).execute()
    return StaffRelationship.delete().where(_in(StaffRelationship.id, ids)).execute()


class RelationshipKind(RecordKind):
    """Staff's pre-existing relationships with pupils and families, with their reviews."""

    name, title = "staff_relationships", "Pre-existing relationships discussed with the DSL"
    retention = ("concerns",)
    subjects = EVERYONE
    columns = (
        "id",
        "staff",
        "pupil_id",
        "family",
        "nature",
        "described",
        "dsl_advice",
        "discussed_on",
        "review_on",
        "recorded_by",
        "recorded_at",
        "ended_at",
        "end_reason",
        "reviews",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        ids = subject.ids("staff_relationship")
        for r in StaffRelationship.select().where(_in(StaffRelationship.id, ids)).order_by(StaffRelationship.id):
            reviews = RelationshipReview.select().where(RelationshipReview.relationship == r.id)
            row = {c: iso(getattr(r, c)) for c in self.columns if c not in ("staff", "recorded_by", "reviews")}
            row["staff"] = staff.get(r.staff_id, "")
            row["recorded_by"] = staff.get(r.recorded_by_id, "")
            row["reviews"] = "\n".join(
                f"{iso(v.reviewed_at)} by {staff.get(v.reviewed_by_id, '')}: {v.note} (next review {iso(v.next_review_on)})"
                for v in reviews.order_by(RelationshipReview.id)
            )
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        return _delete_relationships(list(subject.ids("staff_relationship")))

    purge_counts = ("staff_relationships",)

    def _expired(self, ctx: PurgeContext) -> Expression:
        return StaffRelationship.ended_at.is_null(False) & (StaffRelationship.ended_at < ctx.cutoff("concerns"))

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        query = StaffRelationship.select(StaffRelationship.id).where(self._expired(ctx)).order_by(StaffRelationship.id)
        return [(i, 2) for (i,) in _rows(query)]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        where = self._expired(ctx) if units is None else self._expired(ctx) & _in(StaffRelationship.id, units)
        ids = [r.id for r in StaffRelationship.select(StaffRelationship.id).where(where)]

        def apply() -> None:
            _delete_relationships(ids)

        return PurgePart(deletes={"staff_relationships": len(ids)}, apply=apply)


class AcknowledgementKind(RecordKind):
    """Staff's acknowledgements of having read the school's policies."""

    name, title = "policy_acknowledgements", "Policies acknowledged"
    retention = ("audit",)
    subjects = frozenset({STAFF})
    columns = ("id", "policy", "version", "acknowledged_on", "how", "recorded_by", "recorded_at")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from models.store.tables import SchoolPolicy

        staff = _staff_names()
        names = {p.id: p.name for p in SchoolPolicy.select(SchoolPolicy.id, SchoolPolicy.name)}
        rows = []
        ids = subject.ids("policy_acknowledgement")
        for a in (
            PolicyAcknowledgement.select().where(_in(PolicyAcknowledgement.id, ids)).order_by(PolicyAcknowledgement.id)
        ):
            row = {c: iso(getattr(a, c)) for c in self.columns if c not in ("policy", "recorded_by")}
            row["policy"] = names.get(a.policy_id, "")
            row["recorded_by"] = staff.get(a.recorded_by_id, "")
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("policy_acknowledgement")
        return PolicyAcknowledgement.delete().where(_in(PolicyAcknowledgement.id, ids)).execute() if ids else 0

    purge_counts = ("policy_acknowledgements",)

    def _expired(self, ctx: PurgeContext) -> Expression:
        return PolicyAcknowledgement.acknowledged_on < ctx.cutoff("audit").date()

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        query = (
            PolicyAcknowledgement.select(PolicyAcknowledgement.id)
            .where(self._expired(ctx))
            .order_by(PolicyAcknowledgement.id)
        )
        return [(i, 1) for (i,) in _rows(query)]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        where = self._expired(ctx) if units is None else self._expired(ctx) & _in(PolicyAcknowledgement.id, units)
        ids = [a.id for a in PolicyAcknowledgement.select(PolicyAcknowledgement.id).where(where)]
        return PurgePart(
            deletes={"policy_acknowledgements": len(ids)},
            apply=lambda: PolicyAcknowledgement.delete().where(_in(PolicyAcknowledgement.id, ids)).execute(),
        )


# ---------------------------------------------------------------- staff and school devices (issue 15)
#
# The school's own devices lent to staff: the loan and return entries naming the member of
# staff (as borrower or receiver) are theirs. Age: a loan and its return go together, on the
# ``audit`` period from the return; a loan not yet returned is kept. A member of staff's own
# device held for the LADO or the police: the link is theirs (exported, never purged: its
# custody history is an allegation record, see duties.CustodyKind). Staff are never erased
# (StaffKind's hold), so neither is erased here.


def _school_loan_ids(subject: Subject) -> list[int]:
    if subject.kind != STAFF:
        return []
    e = SchoolDeviceEntry
    loans = {r.id for r in e.select(e.id).where((e.kind == "loan") & (e.staff == subject.row_id))}
    returns = {r.id for r in e.select(e.id).where((e.kind == "return") & (e.received_by == subject.row_id))}
    loans |= {r.loan_id for r in e.select(e.loan).where(_in(e.id, returns))}
    returns |= {r.id for r in e.select(e.id).where((e.kind == "return") & _in(e.loan, loans))}
    return sorted(loans | returns)


def _staff_device_ids(subject: Subject) -> list[int]:
    if subject.kind != STAFF:
        return []
    return sorted(r.id for r in StaffDevice.select(StaffDevice.id).where(StaffDevice.staff == subject.row_id))


own_rows({"school_device_entry": _school_loan_ids, "staff_device": _staff_device_ids}, [STAFF])


def _school_device_refs(subject: Subject) -> dict[str, tuple[int, ...]]:
    return {table: subject.ids(table) for table in ("school_device_entry", "staff_device")}


AUDIT_REFS.append(_school_device_refs)


class SchoolDeviceLoanKind(RecordKind):
    """The school's own phones and tablets lent to a member of staff, and their returns."""

    name, title = "school_device_loans", "School devices lent and returned"
    retention = ("audit",)
    subjects = frozenset({STAFF})
    columns = (
        "id",
        "asset_tag",
        "kind",
        "at",
        "borrower",
        "purpose",
        "purpose_note",
        "due_on",
        "loan_id",
        "received_by",
        "note",
        "recorded_by",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        tags = {d.id: d.asset_tag for d in SchoolDevice.select(SchoolDevice.id, SchoolDevice.asset_tag)}
        e = SchoolDeviceEntry
        rows = []
        for r in e.select().where(_in(e.id, subject.ids("school_device_entry"))).order_by(e.id):
            rows.append(
                {
                    "id": r.id,
                    "asset_tag": tags.get(r.device_id, ""),
                    "kind": r.kind,
                    "at": iso(r.at),
                    "borrower": staff.get(r.staff_id, "") if r.staff_id else "",
                    "purpose": r.purpose or "",
                    "purpose_note": r.purpose_note or "",
                    "due_on": iso(r.due_on),
                    "loan_id": r.loan_id,
                    "received_by": staff.get(r.received_by_id, "") if r.received_by_id else "",
                    "note": r.note or "",
                    "recorded_by": staff.get(r.recorded_by_id, ""),
                }
            )
        return rows

    purge_counts = ("school_device_loans",)

    def _expired_pairs(self, ctx: PurgeContext, units: list[Any] | None = None) -> list[int]:
        e = SchoolDeviceEntry
        where = (e.kind == "return") & (e.at < ctx.cutoff("audit"))
        if units is not None:
            where &= _in(e.id, units)
        return [i for (i,) in _rows(e.select(e.id).where(where).order_by(e.id))]

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        return [(i, 2) for i in self._expired_pairs(ctx)]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        returns = self._expired_pairs(ctx, units)
        e = SchoolDeviceEntry
        loans = [r.loan_id for r in e.select(e.loan).where(_in(e.id, returns))]

        def apply() -> None:
            e.delete().where(_in(e.id, returns)).execute()
            e.delete().where(_in(e.id, loans)).execute()

        return PurgePart(deletes={"school_device_loans": len(returns) + len(loans)}, apply=apply)


class StaffDeviceKind(RecordKind):
    """A member of staff's own device held for the LADO or the police (its link to them)."""

    name, title = "staff_devices", "Own device held for the LADO or the police"
    subjects = frozenset({STAFF})
    columns = ("id", "device_id", "description", "pending", "recorded_by", "recorded_at", "state")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        for r in StaffDevice.select().where(_in(StaffDevice.id, subject.ids("staff_device"))).order_by(StaffDevice.id):
            state = DeviceState.get_or_none(DeviceState.device == r.device_id)
            rows.append(
                {
                    "id": r.id,
                    "device_id": r.device_id,
                    "description": Device.get_by_id(r.device_id).description,
                    "pending": r.pending,
                    "recorded_by": staff.get(r.recorded_by_id, ""),
                    "recorded_at": iso(r.recorded_at),
                    "state": state.state if state is not None else OUT,
                }
            )
        return rows


# ---------------------------------------------------------------- pupils' day marks (models.school.attendance)
#
# Absent / no phone today, about the pupil only. Age: the day marked, on the ``hand_ins``
# period (they explain a day's hand-in figures). Erasing the pupil deletes them.


def _day_mark_ids(subject: Subject) -> list[int]:
    if subject.kind != PUPIL:
        return []
    return sorted(m.id for m in DayMark.select(DayMark.id).where(DayMark.pupil == subject.row_id))


own_rows({"day_mark": _day_mark_ids})
AUDIT_REFS.append(lambda subject: {"day_mark": subject.ids("day_mark")})


class DayMarkKind(RecordKind):
    """Pupils marked absent or "no phone today" for a school day, and withdrawals."""

    name, title = "day_marks", "Days marked absent or without a phone"
    retention = ("hand_ins",)
    subjects = frozenset({PUPIL})
    columns = ("id", "day", "mark", "source", "code", "reason", "recorded_by", "recorded_at")

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        staff = _staff_names()
        rows = []
        for m in DayMark.select().where(_in(DayMark.id, subject.ids("day_mark"))).order_by(DayMark.id):
            row = {c: iso(getattr(m, c)) for c in self.columns if c != "recorded_by"}
            row["recorded_by"] = staff.get(m.recorded_by_id, "") if m.recorded_by_id else ""
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        ids = subject.ids("day_mark")
        return DayMark.delete().where(_in(DayMark.id, ids)).execute() if ids else 0

    purge_counts = ("day_marks",)

    def _expired(self, ctx: PurgeContext) -> Expression:
        return DayMark.day < ctx.cutoff("hand_ins").date()

    def purge_units(self, ctx: PurgeContext) -> list[tuple[Any, int]]:
        query = DayMark.select(DayMark.id).where(self._expired(ctx)).order_by(DayMark.id)
        return [(i, 1) for (i,) in _rows(query)]

    def plan_purge(self, ctx: PurgeContext, units: list[Any] | None = None, limit: int | None = None) -> PurgePart:
        where = self._expired(ctx) if units is None else self._expired(ctx) & _in(DayMark.id, units)
        ids = [m.id for m in DayMark.select(DayMark.id).where(where)]
        return PurgePart(
            deletes={"day_marks": len(ids)},
            apply=lambda: DayMark.delete().where(_in(DayMark.id, ids)).execute(),
        )


# In order; models.records.duties puts them after its own kinds and before the audit log.
# ---------------------------------------------------------------- parents informed, police contacts (issue 15)
# Each goes with the record it is about: purged with the custody event, concern or phone it
# names (the database cascades the delete, and the capture binds it); a pupil's erasure deletes
# them first. In the SAR of the pupil the record is about, and of the member of staff who
# recorded one.


def _informed_ids(subject: Subject) -> list[int]:
    from models.store.tables import ParentsInformed

    wanted = _in(ParentsInformed.concern, subject.ids("concern"))
    devices = pupil_device_ids(subject) if subject.kind == PUPIL else []
    if devices:
        events = CustodyEvent.select(CustodyEvent.id).where(_in(CustodyEvent.device, devices))
        wanted = wanted | ParentsInformed.event.in_(events)
    if subject.kind == STAFF and subject.row_id is not None:
        wanted = wanted | (ParentsInformed.recorded_by == subject.row_id)
    if subject.withheld_concerns:  # about a concern withheld from this export: withheld with it
        wanted = wanted & (ParentsInformed.concern.is_null() | ~_in(ParentsInformed.concern, subject.withheld_concerns))
    return sorted(r.id for r in ParentsInformed.select(ParentsInformed.id).where(wanted))


def _police_contact_ids(subject: Subject) -> list[int]:
    from models.store.tables import PoliceContact

    wanted = _in(PoliceContact.concern, subject.ids("concern"))
    devices = pupil_device_ids(subject) if subject.kind == PUPIL else []
    if devices:
        wanted = wanted | _in(PoliceContact.device, devices)
    if subject.kind == STAFF and subject.row_id is not None:
        wanted = wanted | (PoliceContact.recorded_by == subject.row_id)
    if subject.withheld_concerns:  # about a concern withheld from this export: withheld with it
        wanted = wanted & (PoliceContact.concern.is_null() | ~_in(PoliceContact.concern, subject.withheld_concerns))
    return sorted(r.id for r in PoliceContact.select(PoliceContact.id).where(wanted))


class ParentsInformedKind(RecordKind):
    """Parents or carers told of a confiscation, a search or a concern."""

    name, title = "parents_informed", "Parents or carers informed"
    subjects = frozenset({PUPIL, STAFF})
    columns = (
        "id",
        "event_id",
        "concern_id",
        "contact",
        "parent_name",
        "told_by_name",
        "told_at",
        "how",
        "note",
        "corrects_id",
        "recorded_by",
        "recorded_at",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from models.store.tables import Contact, ParentsInformed

        staff = _staff_names()
        rows = []
        for r in ParentsInformed.select().where(_in(ParentsInformed.id, _informed_ids(subject))):
            row = {c: iso(getattr(r, c)) for c in self.columns if c not in ("contact", "recorded_by")}
            contact = Contact.get_or_none(Contact.id == r.contact_id) if r.contact_id else None
            row["contact"] = contact.name if contact is not None else ""
            row["recorded_by"] = staff.get(r.recorded_by_id, "")
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        from models.store.tables import ParentsInformed

        if subject.kind != PUPIL:
            return 0
        ids = _informed_ids(subject)
        ParentsInformed.delete().where(_in(ParentsInformed.corrects, ids)).execute()  # corrections first
        return ParentsInformed.delete().where(_in(ParentsInformed.id, ids)).execute() if ids else 0


class PoliceContactKind(RecordKind):
    """Calls to the police (101, 999) about a phone or a concern."""

    name, title = "police_contacts", "Contacts with the police"
    subjects = frozenset({PUPIL, STAFF})
    columns = (
        "id",
        "device_id",
        "concern_id",
        "line",
        "reference",
        "called_at",
        "called_by_name",
        "note",
        "recorded_by",
        "recorded_at",
    )

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from models.store.tables import PoliceContact

        staff = _staff_names()
        rows = []
        for r in PoliceContact.select().where(_in(PoliceContact.id, _police_contact_ids(subject))):
            row = {c: iso(getattr(r, c)) for c in self.columns if c != "recorded_by"}
            row["recorded_by"] = staff.get(r.recorded_by_id, "")
            rows.append({c: row[c] for c in self.columns})
        return rows

    def erase(self, subject: Subject) -> int:
        from models.store.tables import PoliceContact

        if subject.kind != PUPIL:
            return 0
        ids = _police_contact_ids(subject)
        return PoliceContact.delete().where(_in(PoliceContact.id, ids)).execute() if ids else 0


def _informed_refs(subject: Subject) -> dict[str, tuple[int, ...]]:
    return {"parents_informed": tuple(_informed_ids(subject)), "police_contact": tuple(_police_contact_ids(subject))}


AUDIT_REFS.append(_informed_refs)


KINDS = (
    VisitorKind(),
    VisitKind(),
    PrintJobKind(),
    ExceptionKind(),
    ConcernKind(),
    RelationshipKind(),
    AcknowledgementKind(),
    SchoolDeviceLoanKind(),
    StaffDeviceKind(),
    DayMarkKind(),
    ParentsInformedKind(),
    PoliceContactKind(),
)
