"""A register of staff's pre-existing relationships with pupils and families.

Mobile technology policy 5: "any pre-existing relationships or circumstance, which could
compromise staff's ability to comply with this, will be discussed with the DSL"; social
media policy 4.2: such relationships "will be discussed with the DSL and the headteacher".

The rules:

* only the DSL or the headteacher records, reviews, ends or reads an entry
  (permission ``record_relationship``); nobody records, reviews or ends their own (as nobody
  holds their own device): the headteacher's is for the chair of governors (who sees only
  the headteacher's) or a DSL who is not the headteacher; a DSL's own is for the headteacher
  (:func:`require_for`);
* an entry names one member of staff and EITHER one pupil (their row) OR a family or
  parent, named as text; the nature is one of :data:`NATURES`, described in a line;
* the DSL's advice is kept as given; the discussion cannot be in the future;
* the next review is after today and at most one year after the day it was discussed (when
  recorded) or reviewed: the policies' rule (``models.governance.policies.one_year_after``);
* an entry is never edited or deleted in place: a review is a new
  ``RelationshipReview`` row (its note and the next review date; the entry's
  ``review_on`` moves on), ending it records who, when and why; each with its audit entry;
* the same member of staff cannot have two open entries for the same pupil or family.

Audit entries hold ids and dates, never the advice, the notes or the family's name (the
log outlives an erasure).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, utcnow
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.governance.policies import one_year_after
from models.staff.auth import CHAIR, DSL, HEADTEACHER, PERMISSIONS, require
from models.store.tables import Pupil, RelationshipReview, SchoolClass, Staff, StaffRelationship
from models.text import line_field, text_field

NATURES = {
    "relative": "a relative",
    "neighbour": "a neighbour",
    "family_friend": "a family friend",
    "other": "another relationship",
}
PERMISSION = "record_relationship"
OPEN, ENDED, REVIEW_DUE = "open", "ended", "review due"


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(f"Give the {what} as a date.")
    return value


def check_next_review(next_review_on: dt.date, today: dt.date, *, discussed_on: dt.date | None = None) -> None:
    """After today, and at most one year after ``discussed_on`` (a new entry) or today (a review)."""
    since = discussed_on or today
    last = one_year_after(since)
    if not today < next_review_on <= last:
        of = "of the day it was discussed" if discussed_on is not None and discussed_on != today else "of today"
        raise ValidationError(
            f"The next review must be after today and within a year {of} (by {last.isoformat()}): "
            "relationships are reviewed at least yearly."
        )


def _is_head(staff: Staff) -> bool:
    return HEADTEACHER in staff.role_set


def require_for(actor: Staff, staff: Staff, *, doing: str | None = None) -> None:
    """Refuse (one line) unless ``actor`` may record, review or end ``staff``'s relationship:
    never one's own (the chair of governors records the headteacher's, the headteacher a
    DSL's, the DSL everyone else's); the chair of governors only the headteacher's."""
    require(actor, PERMISSION, doing=doing)
    if actor.id == staff.id:
        if _is_head(staff):
            who = "the chair of governors (or a DSL who is not the headteacher) records the headteacher's"
        elif DSL in staff.role_set:
            who = "the headteacher records a DSL's"
        else:
            who = "the DSL (or the headteacher) records it"
        raise PermissionDenied(f"Nobody records their own relationship with a pupil or family: {who}.")
    if not _is_head(staff) and not actor.role_set & (PERMISSIONS[PERMISSION] - {CHAIR}):
        raise PermissionDenied(
            "The chair of governors records only the headteacher's relationships: ask the DSL or the headteacher."
        )


def _get(relationship_id: int) -> StaffRelationship:
    rel = StaffRelationship.get_or_none(StaffRelationship.id == relationship_id)
    if rel is None:
        raise NotFound("There is no such relationship on the register.")
    return rel


def record(
    actor: Staff,
    *,
    staff_id: int,
    nature: str,
    described: str,
    dsl_advice: str,
    discussed_on: dt.date,
    review_on: dt.date,
    pupil_id: int | None = None,
    family: str | None = None,
    now: dt.datetime | None = None,
) -> StaffRelationship:
    """Record a pre-existing relationship discussed with the DSL. DSL or headteacher only."""
    now = now or utcnow()
    today = local_day(now)
    if nature not in NATURES:
        raise ValidationError("Choose the nature of the relationship: " + ", ".join(NATURES) + ".")
    described = line_field(described, "description of the relationship", 200)
    dsl_advice_text = text_field(dsl_advice, "DSL's advice", limit=2000)
    family = " ".join(line_field(family, "family or parent's name").split()) if family is not None else None
    if (pupil_id is None) == (family is None):
        raise ValidationError("Name either the pupil or the family (or parent), not both.")
    discussed_on = _date(discussed_on, "date it was discussed with the DSL")
    review_on = _date(review_on, "review date")
    if discussed_on > today:
        raise ValidationError("The date it was discussed with the DSL is in the future.")
    check_next_review(review_on, today, discussed_on=discussed_on)
    with write_tx():
        require(actor, PERMISSION)
        staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True))  # noqa: E712
        if staff is None:
            raise NotFound("Choose the member of staff the relationship is about.")
        require_for(actor, staff)
        pupil = None
        if pupil_id is not None:
            pupil = Pupil.get_or_none((Pupil.id == pupil_id) & (Pupil.active == True))  # noqa: E712
            if pupil is None:
                raise NotFound("Choose the pupil the relationship is with.")
        clash = _open_for(staff, pupil, family)
        if clash is not None:
            raise RuleViolation(
                f"{staff.display_name}'s relationship with {with_whom(clash)} is already on the register "
                f"(number {clash.id}): review it instead."
            )
        rel = StaffRelationship.create(
            staff=staff,
            pupil=pupil,
            family=family,
            nature=nature,
            described=described,
            dsl_advice=dsl_advice_text,
            discussed_on=discussed_on,
            review_on=review_on,
            recorded_by=actor,
            recorded_at=now,
            updated_at=now,
        )
        details: dict[str, Any] = {
            "staff_id": staff.id,
            "nature": nature,
            "discussed_on": discussed_on.isoformat(),
            "review_on": review_on.isoformat(),
        }
        if pupil is not None:
            details["pupil_id"] = pupil.id
        audit.append(actor, "relationship.record", "staff_relationship", rel.id, details, now)
        return rel


def _open_for(staff: Staff, pupil: Pupil | None, family: str | None) -> StaffRelationship | None:
    query = StaffRelationship.select().where(
        (StaffRelationship.staff == staff.id) & StaffRelationship.ended_at.is_null()
    )
    if pupil is not None:
        return query.where(StaffRelationship.pupil == pupil.id).first()
    return next((r for r in query.where(StaffRelationship.pupil.is_null()) if _key(r.family) == _key(family)), None)


def review(
    relationship_id: int, actor: Staff, *, note: str, next_review_on: dt.date, now: dt.datetime | None = None
) -> StaffRelationship:
    """The DSL (or headteacher) reviewed the relationship: a note and the next review date."""
    now = now or utcnow()
    note_text = text_field(note, "review note", limit=2000)
    next_review_on = _date(next_review_on, "next review date")
    with write_tx():
        require(actor, PERMISSION)
        rel = _get(relationship_id)
        require_for(actor, rel.staff)
        if rel.ended_at is not None:
            raise RuleViolation(
                f"This relationship was ended on {local_day(rel.ended_at)}: there is nothing to review."
            )
        check_next_review(next_review_on, local_day(now))
        row = RelationshipReview.create(
            relationship=rel, reviewed_by=actor, reviewed_at=now, note=note_text, next_review_on=next_review_on
        )
        StaffRelationship.update(review_on=next_review_on, updated_at=now).where(
            StaffRelationship.id == rel.id
        ).execute()
        audit.append(
            actor,
            "relationship.review",
            "staff_relationship",
            rel.id,
            {"review_id": row.id, "review_on": next_review_on.isoformat()},
            now,
        )
        return _get(rel.id)


def end(relationship_id: int, actor: Staff, *, reason: str, now: dt.datetime | None = None) -> StaffRelationship:
    """The relationship no longer needs managing (e.g. the pupil left): ended, with the reason. Kept."""
    now = now or utcnow()
    reason_text = text_field(reason, "reason for ending it", limit=500)
    with write_tx():
        require(actor, PERMISSION)
        rel = _get(relationship_id)
        require_for(actor, rel.staff)
        if rel.ended_at is not None:
            raise RuleViolation(f"This relationship was already ended on {local_day(rel.ended_at)}.")
        StaffRelationship.update(ended_at=now, ended_by=actor, end_reason=reason_text, updated_at=now).where(
            StaffRelationship.id == rel.id
        ).execute()
        audit.append(actor, "relationship.end", "staff_relationship", rel.id, {"relationship_id": rel.id}, now)
        return _get(rel.id)


# ---------------------------------------------------------------- reading


def with_whom(rel: StaffRelationship) -> str:
    if rel.pupil_id is not None:
        pupil = rel.pupil
        assert pupil is not None  # (its key is set)
        return f"{pupil.full_name} ({pupil.school_class.name})"
    return str(rel.family)


def review_due(rel: StaffRelationship, today: dt.date, within_days: int) -> bool:
    return rel.ended_at is None and rel.review_on <= today + dt.timedelta(days=within_days)


def status_on(rel: StaffRelationship, today: dt.date, within_days: int) -> str:
    if rel.ended_at is not None:
        return ENDED
    return REVIEW_DUE if review_due(rel, today, within_days) else OPEN


def list_relationships(actor: Staff, *, include_ended: bool = False) -> list[StaffRelationship]:
    """The register, soonest review first (ended ones last, with ``include_ended``). DSL or headteacher."""
    require(actor, PERMISSION, doing="see the register of staff relationships")
    query = (
        StaffRelationship.select(StaffRelationship, Pupil, SchoolClass)
        .join(Pupil, JOIN.LEFT_OUTER, on=(StaffRelationship.pupil == Pupil.id))
        .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
        .order_by(StaffRelationship.ended_at.is_null(False), StaffRelationship.review_on, StaffRelationship.id)
    )
    if not include_ended:
        query = query.where(StaffRelationship.ended_at.is_null())
    rows = list(query)
    if not actor.role_set & (PERMISSIONS[PERMISSION] - {CHAIR}):  # the chair: the headteacher's only
        rows = [r for r in rows if _is_head(r.staff)]
    return rows


def due_for_review(today: dt.date, within_days: int) -> list[StaffRelationship]:
    """Open entries whose review date is passed, today, or within ``within_days``."""
    horizon = today + dt.timedelta(days=within_days)
    return list(
        StaffRelationship.select()
        .where(StaffRelationship.ended_at.is_null() & (StaffRelationship.review_on <= horizon))
        .order_by(StaffRelationship.review_on, StaffRelationship.id)
    )


def reviews_of(rel: StaffRelationship) -> list[RelationshipReview]:
    return list(
        RelationshipReview.select()
        .where(RelationshipReview.relationship == rel.id)
        .order_by(RelationshipReview.reviewed_at, RelationshipReview.id)
    )


def describe(rel: StaffRelationship, today: dt.date, within_days: int) -> dict[str, Any]:
    """A row for the list."""
    return {
        "id": rel.id,
        "staff": rel.staff.display_name,
        "with": with_whom(rel),
        "nature": NATURES.get(rel.nature, rel.nature),
        "described": rel.described,
        "discussed_on": rel.discussed_on.isoformat(),
        "review_on": rel.review_on.isoformat(),
        "status": status_on(rel, today, within_days),
        "advice": rel.dsl_advice,
        "recorded_by": rel.recorded_by.display_name,
        "reviews": len(reviews_of(rel)),
    }
