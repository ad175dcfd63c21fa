"""The school's policies: their versions and review dates, and staff's acknowledgements.

Mobile technology policy 8 and online safety policy 3: each policy is reviewed "at least
annually". Social media policy 4: staff are taken through it at induction; here each
member of staff acknowledges having read each policy at induction, then yearly.

The rules:

* a policy on the register has a short key (for commands), a name, its current version,
  the day that version was approved and its next review date: after the approval and at
  most a year after it (:func:`one_year_after`);
* recording a review (``manage_policies``: the headteacher) sets the version, its approval
  date and the next review date; the audit entry keeps what they were before;
* an acknowledgement records the member of staff, the policy, the version they read, the
  day, and how: ``kiosk`` (they acknowledge it themself, signed in with their PIN, today)
  or ``paper`` (a signed copy, recorded for them by the office or the headteacher, dated
  the day it was signed: not before the current version was approved, nor in the future);
  acknowledgements are appended, never edited;
* a member of staff is OVERDUE for a policy they must acknowledge when they have no
  acknowledgement of its current version, or none within the last 12 months;
* the reminder (:func:`reviews_due`) lists every policy whose review date is within
  :data:`REMIND_WITHIN_DAYS` days or passed, and the visitors' device rules
  (``models.policy.rules``) likewise, or when their file gives no review date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_day, utcnow
from models.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from models.policy.rules import DeviceRules
from models.staff.auth import require
from models.store.tables import PolicyAcknowledgement, SchoolPolicy, Staff
from models.text import line_field

PAPER, KIOSK = "paper", "kiosk"
HOW = {PAPER: "signed paper", KIOSK: "at the kiosk"}
REMIND_WITHIN_DAYS = 30
DEVICE_RULES_KEY = "device-rules"  # the device rules file, in the reminder (not a row of the register)
_KEY = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,39}$")


def one_year_after(day: dt.date) -> dt.date:
    """The same date a year later (29 February: 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(f"Give the {what} as a date.")
    return value


def _version(text: str) -> str:
    text = line_field(text, "policy's version", 40)
    if not _VERSION.match(text):
        raise ValidationError(f"The version {text!r} must be letters, digits, spaces, dots or dashes (at most 40).")
    return text


def _check_dates(approved_on: dt.date, next_review_on: dt.date, today: dt.date) -> None:
    if approved_on > today:
        raise ValidationError("The date the version was approved is in the future.")
    if not approved_on < next_review_on <= one_year_after(approved_on):
        raise ValidationError(
            "The next review must be after the approval and within a year of it "
            f"(by {one_year_after(approved_on).isoformat()}): policies are reviewed at least annually."
        )


def get_policy(key: str) -> SchoolPolicy:
    key = (key or "").strip().lower()
    policy = SchoolPolicy.get_or_none(SchoolPolicy.key == key)
    if policy is None:
        known = ", ".join(p.key for p in SchoolPolicy.select(SchoolPolicy.key).order_by(SchoolPolicy.key))
        raise NotFound(f"There is no policy {key[:40]!r} on the register" + (f" (it has: {known})." if known else "."))
    return policy


# ---------------------------------------------------------------- the register


def add_policy(
    actor: Staff | None,
    *,
    key: str,
    name: str,
    version: str,
    approved_on: dt.date,
    next_review_on: dt.date,
    staff_acknowledge: bool = True,
    now: dt.datetime | None = None,
) -> SchoolPolicy:
    """Put a policy on the register. Headteacher (``actor`` None: the demo's build)."""
    now = now or utcnow()
    key = (key or "").strip().lower()
    if not _KEY.match(key) or key == DEVICE_RULES_KEY:
        raise ValidationError(
            f"The policy's short name {key[:40]!r} must be 2 to 40 lower-case letters, digits or dashes"
            f" (and not {DEVICE_RULES_KEY!r}), e.g. online-safety."
        )
    name = line_field(name, "policy's name", 150)
    version = _version(version)
    approved_on = _date(approved_on, "date the version was approved")
    next_review_on = _date(next_review_on, "next review date")
    _check_dates(approved_on, next_review_on, local_day(now))
    with write_tx():
        if actor is not None:
            require(actor, "manage_policies")
        if SchoolPolicy.get_or_none(SchoolPolicy.key == key) is not None:
            raise RuleViolation(f"The policy {key!r} is already on the register: record a review of it instead.")
        policy = SchoolPolicy.create(
            key=key,
            name=name,
            version=version,
            approved_on=approved_on,
            next_review_on=next_review_on,
            staff_acknowledge=staff_acknowledge,
            updated_by=actor,
            updated_at=now,
        )
        audit.append(
            actor or "demo",
            "policy.add",
            "school_policy",
            policy.id,
            {
                "key": key,
                "version": version,
                "approved_on": approved_on.isoformat(),
                "next_review_on": next_review_on.isoformat(),
                "staff_acknowledge": staff_acknowledge,
            },
            now,
        )
        return policy


def record_review(
    actor: Staff,
    key: str,
    *,
    version: str,
    approved_on: dt.date,
    next_review_on: dt.date,
    now: dt.datetime | None = None,
) -> SchoolPolicy:
    """The policy was reviewed: its (new) version, the day it was approved, the next review. Headteacher."""
    now = now or utcnow()
    version = _version(version)
    approved_on = _date(approved_on, "date the version was approved")
    next_review_on = _date(next_review_on, "next review date")
    _check_dates(approved_on, next_review_on, local_day(now))
    with write_tx():
        require(actor, "manage_policies")
        policy = get_policy(key)
        if approved_on < policy.approved_on:
            raise ValidationError(
                f"The {policy.name} was last approved on {policy.approved_on.isoformat()}: "
                "a review cannot be approved before that."
            )
        before = {
            "version": policy.version,
            "approved_on": policy.approved_on.isoformat(),
            "next_review_on": policy.next_review_on.isoformat(),
        }
        SchoolPolicy.update(
            version=version, approved_on=approved_on, next_review_on=next_review_on, updated_by=actor, updated_at=now
        ).where(SchoolPolicy.id == policy.id).execute()
        audit.append(
            actor,
            "policy.review",
            "school_policy",
            policy.id,
            {
                "key": policy.key,
                "before": before,
                "version": version,
                "approved_on": approved_on.isoformat(),
                "next_review_on": next_review_on.isoformat(),
            },
            now,
        )
        return SchoolPolicy.get_by_id(policy.id)


def list_policies() -> list[SchoolPolicy]:
    return list(SchoolPolicy.select().order_by(SchoolPolicy.next_review_on, SchoolPolicy.key))


# ---------------------------------------------------------------- acknowledgements


def acknowledge(
    actor: Staff,
    key: str,
    *,
    staff_id: int,
    how: str,
    on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> PolicyAcknowledgement:
    """Record that a member of staff acknowledged having read a policy (see the module's rules)."""
    now = now or utcnow()
    today = local_day(now)
    if how not in HOW:
        raise ValidationError("Say how it was acknowledged: on signed paper (paper) or at the kiosk (kiosk).")
    on = today if on is None else _date(on, "date it was acknowledged")
    if on > today:
        raise ValidationError("The date it was acknowledged is in the future.")
    with write_tx():
        if how == KIOSK:
            require(actor, "acknowledge_policy")
            if actor.id != staff_id:
                raise PermissionDenied(
                    "At the kiosk, staff acknowledge a policy for themselves: a signed paper copy is recorded as paper."
                )
            if on != today:
                raise ValidationError("An acknowledgement at the kiosk is made today: a signed paper copy is dated.")
        else:
            require(actor, "file_policy_paperwork")
        staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True))  # noqa: E712
        if staff is None:
            raise NotFound("Choose the member of staff who acknowledged the policy.")
        policy = get_policy(key)
        if not policy.staff_acknowledge:
            raise RuleViolation(f"Staff are not asked to acknowledge the {policy.name}.")
        if on < policy.approved_on:
            raise ValidationError(
                f"The current version of the {policy.name} ({policy.version}) was approved on "
                f"{policy.approved_on.isoformat()}: a copy signed before then was of an older version."
            )
        if (
            PolicyAcknowledgement.select()
            .where(
                (PolicyAcknowledgement.staff == staff.id)
                & (PolicyAcknowledgement.policy == policy.id)
                & (PolicyAcknowledgement.version == policy.version)
                & (PolicyAcknowledgement.acknowledged_on == on)
            )
            .exists()
        ):
            raise RuleViolation(
                f"{staff.display_name}'s acknowledgement of the {policy.name} on {on.isoformat()} is already recorded."
            )
        ack = PolicyAcknowledgement.create(
            staff=staff,
            policy=policy,
            version=policy.version,
            acknowledged_on=on,
            how=how,
            recorded_by=actor,
            recorded_at=now,
        )
        audit.append(
            actor,
            "policy.acknowledge",
            "policy_acknowledgement",
            ack.id,
            {
                "staff_id": staff.id,
                "policy_id": policy.id,
                "version": policy.version,
                "on": on.isoformat(),
                "how": how,
            },
            now,
        )
        return ack


@dataclass(frozen=True)
class Overdue:
    """A member of staff who has not acknowledged a policy as they should."""

    staff_id: int
    staff_name: str
    username: str
    policy_key: str
    policy_name: str
    version: str  # the policy's current version
    last_on: dt.date | None  # their latest acknowledgement of it, of any version
    last_version: str | None

    @property
    def why(self) -> str:
        if self.last_on is None:
            return "never acknowledged"
        if self.last_version != self.version:
            return f"not since version {self.version}"
        return f"last on {self.last_on.isoformat()}, over a year ago"


def overdue(today: dt.date) -> list[Overdue]:
    """Active staff overdue for each policy staff must acknowledge (see the module's rules); by name."""
    year_ago = one_year_before(today)
    policies = list(SchoolPolicy.select().where(SchoolPolicy.staff_acknowledge == True).order_by(SchoolPolicy.key))  # noqa: E712
    if not policies:
        return []
    staff = list(Staff.select().where(Staff.active == True).order_by(Staff.display_name, Staff.id))  # noqa: E712
    latest: dict[tuple[int, int], PolicyAcknowledgement] = {}
    current: set[tuple[int, int]] = set()
    versions = {p.id: p.version for p in policies}
    for ack in PolicyAcknowledgement.select().order_by(PolicyAcknowledgement.acknowledged_on, PolicyAcknowledgement.id):
        pair = (ack.staff_id, ack.policy_id)
        latest[pair] = ack
        if versions.get(ack.policy_id) == ack.version:
            current.add(pair)
    out = []
    for s in staff:
        for p in policies:
            last = latest.get((s.id, p.id))
            if last is not None and (s.id, p.id) in current and last.acknowledged_on > year_ago:
                continue
            out.append(
                Overdue(
                    s.id,
                    s.display_name,
                    s.username,
                    p.key,
                    p.name,
                    p.version,
                    last.acknowledged_on if last is not None else None,
                    last.version if last is not None else None,
                )
            )
    return out


def acknowledgements_of(staff_id: int) -> list[PolicyAcknowledgement]:
    return list(
        PolicyAcknowledgement.select()
        .where(PolicyAcknowledgement.staff == staff_id)
        .order_by(PolicyAcknowledgement.acknowledged_on, PolicyAcknowledgement.id)
    )


# ---------------------------------------------------------------- the reminder


@dataclass(frozen=True)
class ReviewDue:
    """A policy (or the device rules) whose review falls due soon, is overdue, or has no date."""

    key: str
    name: str
    next_review_on: dt.date | None  # None: the device rules file gives no review date

    def overdue(self, today: dt.date) -> bool:
        return self.next_review_on is not None and self.next_review_on < today

    def words(self, today: dt.date) -> str:
        if self.next_review_on is None:
            return f"{self.name}: no review date (add 'review: YYYY-MM-DD' to its front matter)"
        if self.overdue(today):
            return f"{self.name}: review overdue since {self.next_review_on.isoformat()}"
        return f"{self.name}: review due {self.next_review_on.isoformat()}"


def reviews_due(today: dt.date, rules: DeviceRules | None, within_days: int = REMIND_WITHIN_DAYS) -> list[ReviewDue]:
    """Policies (and the device rules, when given) to review within ``within_days`` or overdue; soonest first."""
    horizon = today + dt.timedelta(days=within_days)
    due = [
        ReviewDue(p.key, p.name, p.next_review_on)
        for p in SchoolPolicy.select().where(SchoolPolicy.next_review_on <= horizon)
    ]
    if rules is not None and (rules.review_on is None or rules.review_on <= horizon):
        due.append(ReviewDue(DEVICE_RULES_KEY, "Device rules for visitors", rules.review_on))
    return sorted(due, key=lambda r: (r.next_review_on or dt.date.min, r.key))
