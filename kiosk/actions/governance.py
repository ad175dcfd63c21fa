"""Records the policies ask for in writing (``models.governance``): the register of staff's
pre-existing relationships, the school's policies with their review dates, and staff's
acknowledgements of them. What ``kiosk relationships`` and ``kiosk policies`` do, and
Home's lines for the headteacher.

The domain checks every permission and rule again: a refusal is its one plain line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

REVIEW_WITHIN_DAYS = 30  # a relationship, or a policy, is "due for review" this many days ahead


def _staff_id(username: str) -> int:
    from models.errors import NotFound
    from models.store.tables import Staff

    name = (username or "").strip().lower()
    row = Staff.get_or_none((Staff.username == name) & (Staff.active == True))  # noqa: E712
    if row is None:
        raise NotFound(f"There is no active member of staff called {username[:40]!r}.")
    return int(row.id)


def _pupil_id(admission_no: str) -> int:
    from models.errors import NotFound
    from models.store.tables import Pupil

    adno = (admission_no or "").strip()
    row = Pupil.get_or_none((Pupil.admission_no == adno) & (Pupil.active == True))  # noqa: E712
    if row is None:
        raise NotFound(f"No pupil on roll has admission number {adno[:20]!r}.")
    return int(row.id)


def _today(now: dt.datetime) -> dt.date:
    from models.clock import local_day

    return local_day(now)


# ---------------------------------------------------------------- relationships


@dataclass(frozen=True)
class RelationshipRow:
    id: int
    staff: str
    with_whom: str
    nature: str
    described: str
    discussed_on: str
    review_on: str
    status: str
    advice: str
    recorded_by: str
    reviews: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "staff": self.staff,
            "with": self.with_whom,
            "nature": self.nature,
            "described": self.described,
            "discussed_on": self.discussed_on,
            "review_on": self.review_on,
            "status": self.status,
            "advice": self.advice,
            "recorded_by": self.recorded_by,
            "reviews": self.reviews,
        }


def _relationship_row(rel: Any, now: dt.datetime) -> RelationshipRow:
    from models.governance import relationships

    d = relationships.describe(rel, _today(now), REVIEW_WITHIN_DAYS)
    return RelationshipRow(
        d["id"],
        d["staff"],
        d["with"],
        d["nature"],
        d["described"],
        d["discussed_on"],
        d["review_on"],
        d["status"],
        d["advice"],
        d["recorded_by"],
        d["reviews"],
    )


def record_relationship(
    who: SignedIn,
    *,
    staff_username: str,
    nature: str,
    described: str,
    dsl_advice: str,
    discussed_on: dt.date,
    review_on: dt.date,
    admission_no: str | None,
    family: str | None,
    now: dt.datetime,
) -> RelationshipRow:
    """Put a pre-existing relationship on the register (the DSL or the headteacher)."""
    from models.governance import relationships

    actor = staff_row(who)
    from models.staff.auth import require

    require(actor, relationships.PERMISSION)  # before any look-up says who is on roll
    rel = relationships.record(
        actor,
        staff_id=_staff_id(staff_username),
        pupil_id=_pupil_id(admission_no) if admission_no else None,
        family=family,
        nature=nature,
        described=described,
        dsl_advice=dsl_advice,
        discussed_on=discussed_on,
        review_on=review_on,
        now=now,
    )
    return _relationship_row(rel, now)


def review_relationship(
    who: SignedIn, relationship_id: int, *, note: str, next_review_on: dt.date, now: dt.datetime
) -> RelationshipRow:
    from models.governance import relationships

    rel = relationships.review(relationship_id, staff_row(who), note=note, next_review_on=next_review_on, now=now)
    return _relationship_row(rel, now)


def end_relationship(who: SignedIn, relationship_id: int, *, reason: str, now: dt.datetime) -> RelationshipRow:
    from models.governance import relationships

    rel = relationships.end(relationship_id, staff_row(who), reason=reason, now=now)
    return _relationship_row(rel, now)


def relationships_list(who: SignedIn, now: dt.datetime, *, include_ended: bool = False) -> list[RelationshipRow]:
    """The register (the DSL or the headteacher only)."""
    from models.governance import relationships

    return [
        _relationship_row(r, now) for r in relationships.list_relationships(staff_row(who), include_ended=include_ended)
    ]


# ---------------------------------------------------------------- policies


@dataclass(frozen=True)
class PolicyRow:
    key: str
    name: str
    version: str
    approved_on: str
    next_review_on: str
    status: str  # "review overdue", "review due", or ""
    staff_acknowledge: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "approved_on": self.approved_on,
            "next_review_on": self.next_review_on,
            "status": self.status,
            "staff_acknowledge": "yes" if self.staff_acknowledge else "no",
        }


def _policy_row(p: Any, today: dt.date) -> PolicyRow:
    status = ""
    if p.next_review_on < today:
        status = "review overdue"
    elif p.next_review_on <= today + dt.timedelta(days=REVIEW_WITHIN_DAYS):
        status = "review due"
    return PolicyRow(
        p.key,
        p.name,
        p.version,
        p.approved_on.isoformat(),
        p.next_review_on.isoformat(),
        status,
        bool(p.staff_acknowledge),
    )


def policies_list(settings: Any, now: dt.datetime) -> list[PolicyRow]:
    """The register of policies, soonest review first, and the device rules file (read-only)."""
    from models.governance import policies

    today = _today(now)
    rows = [_policy_row(p, today) for p in policies.list_policies()]
    rules = _rules(settings)
    if rules is not None:
        review = rules.review_on
        status = (
            "no review date"
            if review is None
            else "review overdue"
            if review < today
            else "review due"
            if review <= today + dt.timedelta(days=REVIEW_WITHIN_DAYS)
            else ""
        )
        rows.append(
            PolicyRow(
                policies.DEVICE_RULES_KEY,
                "Device rules for visitors",
                rules.version,
                "",
                review.isoformat() if review else "",
                status,
                False,
            )
        )
    return rows


def _rules(settings: Any) -> Any:
    """The device rules the settings point at, or None when they cannot be read (said elsewhere)."""
    from models.errors import KioskError
    from models.policy.rules import rules_for

    try:
        return rules_for(settings)
    except KioskError:
        return None


def add_policy(
    who: SignedIn,
    *,
    key: str,
    name: str,
    version: str,
    approved_on: dt.date,
    next_review_on: dt.date,
    staff_acknowledge: bool,
    now: dt.datetime,
) -> PolicyRow:
    from models.governance import policies

    p = policies.add_policy(
        staff_row(who),
        key=key,
        name=name,
        version=version,
        approved_on=approved_on,
        next_review_on=next_review_on,
        staff_acknowledge=staff_acknowledge,
        now=now,
    )
    return _policy_row(p, _today(now))


def policy_reviewed(
    who: SignedIn, key: str, *, version: str, approved_on: dt.date, next_review_on: dt.date, now: dt.datetime
) -> PolicyRow:
    from models.governance import policies

    p = policies.record_review(
        staff_row(who), key, version=version, approved_on=approved_on, next_review_on=next_review_on, now=now
    )
    return _policy_row(p, _today(now))


def acknowledge(
    who: SignedIn, key: str, *, staff_username: str | None, how: str, on: dt.date | None, now: dt.datetime
) -> str:
    """Record an acknowledgement; the line to show."""
    from models.governance import policies

    actor = staff_row(who)
    staff_id = _staff_id(staff_username) if staff_username else int(actor.id)
    ack = policies.acknowledge(actor, key, staff_id=staff_id, how=how, on=on, now=now)
    return (
        f"{ack.staff.display_name} acknowledged the {ack.policy.name} (version {ack.version}) "
        f"on {ack.acknowledged_on.isoformat()}, {policies.HOW[ack.how]}."
    )


def overdue(who: SignedIn, now: dt.datetime) -> list[dict[str, str]]:
    """Staff overdue for acknowledging a policy (the headteacher)."""
    from models.governance import policies
    from models.staff.auth import require

    require(staff_row(who), "manage_policies", doing="see who has not acknowledged the policies")
    return [
        {"staff": o.staff_name, "username": o.username, "policy": o.policy_key, "why": o.why}
        for o in policies.overdue(_today(now))
    ]


# ---------------------------------------------------------------- Home


def home_lines(who: SignedIn, now: dt.datetime, settings: Any) -> list[str]:
    """Home's lines about these records: for the headteacher, policy reviews due within 30 days
    (or late) and staff overdue acknowledging (``kiosk policies list`` and ``overdue`` name
    them); for the DSL and the headteacher, relationships due for review."""
    from models.governance import policies, relationships

    today = _today(now)
    lines: list[str] = []
    if who.may("manage_policies"):
        # One short line (Home at 80x24 has no room for more): the reviews due within
        # REVIEW_WITHIN_DAYS days or late, and how many staff are yet to acknowledge a policy.
        due = policies.reviews_due(today, _rules(settings), REVIEW_WITHIN_DAYS)
        late = sum(1 for r in due if r.overdue(today))
        people = len({o.staff_id for o in policies.overdue(today)})
        parts = []
        if due:
            parts.append(f"Policy reviews due: {len(due)}" + (f" ({late} late)" if late else ""))
        if people:
            parts.append(("staff" if parts else "Staff") + f" yet to acknowledge policies: {people}")
        if parts:
            lines.append("; ".join(parts) + ".")
    if who.may(relationships.PERMISSION):
        due_rel = relationships.due_for_review(today, REVIEW_WITHIN_DAYS)
        if due_rel:
            lines.append(f"Staff relationships due for review: {len(due_rel)}.")
    return lines
