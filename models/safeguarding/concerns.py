"""Breaches and safeguarding concerns for the DSL, and the DSL's safeguarding feed.

Any member of staff may raise a concern about a pupil, a member of staff or a visitor
(mobile technology policy 7: staff "will inform the DSL of any breaches"). Leadership, the
DSL and the headteacher (``read_concerns``) read the concerns they may see
(:func:`may_see_concern`) in the feed, each marked seen for them when they open it. The DSL
(``view_concerns``: DSL and headteacher) sees every concern not yet seen counted on
the home screen, and follows it up (``follow_up_concerns``) with a note and the steps done
(:data:`ACTIONS`, each its own dated, signed ConcernAction row), closing it only with an
outcome (:data:`OUTCOMES`). Lessons learnt are appended once it is closed
(:func:`record_lessons`: leadership debriefs, mobile technology policy 9). A radicalisation concern or any allegation is urgent
(:func:`urgent_unseen`): the DSL is alerted at once, by its kind, until it is opened.

The feed merges concerns with the custody ledger's confiscations, searches and police
hand-overs (the one map :data:`CUSTODY_FEED`). Each entry carries what opens its full
history: ``device_id`` (the chain of custody, ``custody.history``) or ``concern_id``
(:func:`concern_history`). Seen is per reader: a concern or a custody entry is NEW for
each reader until they open it themself (:func:`mark_seen`, :func:`mark_event_seen`: a
ConcernSeen or CustodySeen row each, append-only); the DSL opening it leaves it NEW for the
headteacher. A mark with no reader (``seen_by`` NULL) is for everyone: what an upgraded
database held before seen marks (``models.upkeep.migrations``).

A concern about a member of staff is an allegation (KCSIE Part 4): labelled so, and its
follow-up records the referral to the LADO (:func:`follow_up`). Nobody reads an allegation
about themself; one about the headteacher goes to the chair of governors, and to the DSL
when the DSL is not the headteacher (:func:`may_see_concern`), never to the headteacher:
not listed, not counted, not readable, not followed up.

Audit entries carry ids and codes only: never the text of a concern or a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, day_bounds, local_day, local_from_utc_naive, utcnow
from models.custody.ledger import (
    CONFISCATED_EV,
    DSL_DECISION,
    NOT_SEARCHED,
    NUDE_IMAGES,
    POLICE_EV,
    POLICE_RETURNED,
    REVERSAL,
    SEARCHED,
    describe_event,
    parents_told,
)
from models.errors import NotFound, RuleViolation, ValidationError
from models.staff import concern_access
from models.staff.auth import CHAIR, DETAIL_ROLES, PERMISSIONS, may, require
from models.store.tables import (
    Concern,
    ConcernAction,
    ConcernSeen,
    CustodyEvent,
    CustodySeen,
    Device,
    Pupil,
    SchoolClass,
    Staff,
    Tray,
    Visit,
)
from models.text import Evidence, text_field

ABOUT_PUPIL, ABOUT_STAFF, ABOUT_VISITOR = "pupil", "staff", "visitor"
ABOUT_KINDS = (ABOUT_PUPIL, ABOUT_STAFF, ABOUT_VISITOR)
# The kinds of concern (online safety policy 11, mobile technology policy 7 and 9). Read by
# the governors' report: keep it a module-level dict of code -> words.
CATEGORIES = {
    "phone_breach": "breach of the phone policy",  # the common case: first, Enter chooses it
    "bullying": "bullying or cyberbullying",
    "nude_images": "nude or semi-nude images",
    "sexual_abuse": "online sexual abuse or exploitation",
    "radicalisation": "radicalisation (Prevent)",
    "staff_conduct": "staff conduct or allegation",
    "visitor_device": "visitor device use",
    "other": "other",
}
# Kinds recorded before the list above (schema 10 and earlier): still read, never chosen now.
OLD_CATEGORIES = {
    "online_safety": "online safety (an earlier kind)",
    "safeguarding": "safeguarding concern (an earlier kind)",
}
CATEGORY_WORDS = {**CATEGORIES, **OLD_CATEGORIES}
# The kinds that fit only one subject (issue 15): staff conduct is an allegation about a member
# of staff; visitor device use is a visitor's. Every other kind fits any subject. Records
# raised before this rule (a staff concern filed as visitor device use) still read.
CATEGORY_SUBJECT = {"staff_conduct": ABOUT_STAFF, "visitor_device": ABOUT_VISITOR}
_SUBJECT_WORDS = {ABOUT_PUPIL: "a pupil", ABOUT_STAFF: "a member of staff", ABOUT_VISITOR: "a visitor"}
# Told to the DSL at once (online safety policy 11.6; KCSIE Part 4: any allegation too; nude or
# semi-nude images, OS 11.1.1 and UKCIS 2024: "the DSL should be informed immediately", as a
# confiscation of that kind is).
URGENT_CATEGORIES = frozenset({"radicalisation", "nude_images"})
OPEN, CLOSED = "open", "closed"

# Feed kinds: concerns, and the custody ledger's safeguarding events.
CONCERN, CONFISCATION, SEARCH, POLICE = "concern", "confiscation", "search", "police"
# The one map of the custody events the DSL sees in the feed: ledger kind -> (feed kind, words).
# A kind added here is listed, filtered by, counted unseen on Home and marked seen when opened.
CUSTODY_FEED: dict[str, tuple[str, str]] = {
    CONFISCATED_EV: (CONFISCATION, "confiscation"),
    SEARCHED: (SEARCH, "search"),
    POLICE_EV: (POLICE, "police hand-over"),
    POLICE_RETURNED: ("police_return", "return from the police"),
    DSL_DECISION: ("dsl_decision", "DSL's decision"),
}
# A "not searched (consent refused)" record is a SEARCHED event but not a search (f1s6): the feed
# shows it as a kind of its own and the counts keep it apart from the searches.
NOT_SEARCHED_FEED = ("not_searched", "not searched: consent refused")
FEED_KINDS = {CONCERN: "concern", **dict(CUSTODY_FEED.values()), NOT_SEARCHED_FEED[0]: NOT_SEARCHED_FEED[1]}


def _is_not_searched() -> Any:
    return (CustodyEvent.kind == SEARCHED) & (CustodyEvent.outcome == NOT_SEARCHED)


def _not_not_searched() -> Any:
    """Every custody event but a "not searched (consent refused)" record (outcome is NULL for most kinds)."""
    return (CustodyEvent.kind != SEARCHED) | CustodyEvent.outcome.is_null() | (CustodyEvent.outcome != NOT_SEARCHED)


MAX_NOTES = 10000
_NOT_A_PUPILS = {
    "staff": "A member of staff's device"
}  # whose: for the DSL and the head (models.custody.school_devices)


# Limits of the free-text fields (characters); the forms use the same numbers.
WHAT_LIMIT = 2000  # what happened
NAME_LIMIT = 100  # the person's name, when not a pupil or member of staff
NOTE_LIMIT = 2000  # a follow-up note
# What happened, a follow-up note (with the actions taken, or the outcome it closes with) and
# lessons learnt are the record itself: said in words (models.text.Evidence; issue 15, f3).
WHAT_WORDS = Evidence("description of what happened", "say in words what was seen or said")
NOTE_WORDS = Evidence("follow-up note", "say in words what was done")
LESSONS_WORDS = Evidence("lessons learnt", "say in words what will change", plural=True)


def categories_for(about_kind: str | None) -> list[str]:
    """The kinds (codes, in :data:`CATEGORIES` order) that fit a concern about ``about_kind``:
    what the concern form offers once whom it is about is chosen."""
    return [code for code in CATEGORIES if CATEGORY_SUBJECT.get(code, about_kind) == about_kind]


def category_problem(category: str, about_kind: str) -> str | None:
    """The one-line refusal when the kind ``category`` does not fit a concern about
    ``about_kind`` (:data:`CATEGORY_SUBJECT`), or None."""
    subject = CATEGORY_SUBJECT.get(category)
    if subject is None or subject == about_kind:
        return None
    words = CATEGORIES[category].split(" or ")[0]
    return (
        f"{words[0].upper()}{words[1:]} is a kind for a concern about {_SUBJECT_WORDS[subject]}: choose another kind."
    )


def _get(concern_id: int) -> Concern:
    c = Concern.get_or_none(Concern.id == concern_id)
    if c is None:
        raise NotFound("There is no such concern.")
    return c


# ---------------------------------------------------------------- who sees a concern

ALLEGATION = "allegation"  # the label of a concern about a member of staff (KCSIE Part 4)


def is_allegation(c: Concern) -> bool:
    return c.about_kind == ABOUT_STAFF


_head_ids = concern_access.head_ids  # the staff who are headteachers
_sees = concern_access.sees  # the one rule (models.staff.concern_access), shared with the records duties
may_see_concern = concern_access.may_see_concern


def goes_to(c: Concern) -> str:
    """Who will see the concern, for the person who raised it: "the DSL will see it."; an
    allegation about the headteacher: "the chair of governors will see it.", or, when no
    one at the kiosk may read it, what to do instead."""
    who = who_will_see(c.about_kind, c.staff_id)
    if who is None:
        return "no chair of governors has an account here, so tell the chair directly."
    return f"{who} will see it."


def who_will_see(about_kind: str, staff_id: int | None) -> str | None:
    """Who a concern about ``about_kind`` (and ``staff_id``, about staff) would go to, before
    it is raised: "the DSL", or for an allegation about the headteacher "the chair of
    governors" (or "the DSL" when the DSL is not the head and no chair has an account);
    None when no one at the kiosk may read it."""
    if not (about_kind == ABOUT_STAFF and staff_id in _head_ids()):
        return "the DSL"
    c = Concern(about_kind=about_kind, staff_id=staff_id)  # unsaved: only who would see it
    readers = [s for s in Staff.select().where(Staff.active == True) if _sees(s, c, {staff_id})]  # noqa: E712
    if not readers:
        return None
    return "the chair of governors" if any(CHAIR in s.role_set for s in readers) else "the DSL"


def require_concerns(actor: Staff | None) -> None:
    """Refuse unless ``actor`` sees some concerns: leadership, the DSL and the headteacher
    (``read_concerns``) or the chair of governors (``view_head_allegations``)."""
    if actor is not None and may(actor, "view_head_allegations"):
        return
    require(actor, "read_concerns")


def _visible(concern_id: int, actor: Staff) -> Concern:
    """The concern, if ``actor`` may see it; else as if there were none (so an allegation
    about the reader is not even confirmed to exist)."""
    require_concerns(actor)
    c = _get(concern_id)
    if not may_see_concern(actor, c):
        raise NotFound("There is no such concern.")
    return c


# ---------------------------------------------------------------- writing


def raise_concern(
    actor: Staff,
    *,
    about_kind: str,
    what: str,
    category: str = "phone_breach",
    pupil_id: int | None = None,
    staff_id: int | None = None,
    visit_id: int | None = None,
    name: str | None = None,
    device_id: int | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """Raise a concern for the DSL. Any member of staff.

    About a pupil (``pupil_id``), a member of staff (``staff_id``) or a visitor
    (``visit_id`` of their visit, and/or their ``name``). ``device_id`` links a phone
    whose chain of custody belongs with the concern.
    """
    now = now or utcnow()
    if about_kind not in ABOUT_KINDS:
        raise ValidationError("Say who the concern is about: a pupil, a member of staff or a visitor.")
    if category not in CATEGORIES:
        raise ValidationError("Choose the kind of concern: " + ", ".join(CATEGORIES.values()) + ".")
    if problem := category_problem(category, about_kind):
        raise ValidationError(problem)
    what = WHAT_WORDS.check(what, limit=WHAT_LIMIT)
    name = text_field(name, "person's name", required=False, limit=NAME_LIMIT)
    if name is not None and "\n" in name:
        raise ValidationError("The person's name must be on one line.")
    if about_kind != ABOUT_PUPIL and pupil_id is not None:
        raise ValidationError("Only a concern about a pupil names a pupil.")
    if about_kind != ABOUT_STAFF and staff_id is not None:
        raise ValidationError("Only a concern about a member of staff names one.")
    if about_kind != ABOUT_VISITOR and visit_id is not None:
        raise ValidationError("Only a concern about a visitor names a visit.")
    if about_kind == ABOUT_VISITOR:
        if visit_id is None and name is None:
            raise ValidationError("Give the visitor's name or pick their visit.")
        if visit_id is not None and (not isinstance(visit_id, int) or visit_id < 1):
            raise ValidationError("That is not a visit.")
    elif name is not None:
        raise ValidationError("A concern about a pupil or member of staff names them from the list, not as text.")
    with write_tx():
        require(actor, "raise_concern")
        pupil = staff = device = None
        if about_kind == ABOUT_PUPIL:
            pupil = Pupil.get_or_none(Pupil.id == pupil_id) if pupil_id else None
            if pupil is None:
                raise NotFound("Choose the pupil the concern is about.")
        elif about_kind == ABOUT_STAFF:
            staff = Staff.get_or_none(Staff.id == staff_id) if staff_id else None
            if staff is None:
                raise NotFound("Choose the member of staff the concern is about.")
        if device_id is not None:
            device = Device.get_or_none(Device.id == device_id)
            if device is None:
                raise NotFound("No such phone.")
            if pupil is not None and device.pupil_id not in (None, pupil.id):
                raise RuleViolation(f"That phone is not registered to {pupil.full_name}.")
        concern = Concern.create(
            about_kind=about_kind,
            pupil=pupil,
            staff=staff,
            visit_id=visit_id,
            name=name,
            device=device,
            category=category,
            what=what,
            raised_by=actor,
            raised_at=now,
            status=OPEN,
            updated_at=now,
        )
        details: dict[str, Any] = {"about": about_kind, "category": category}
        for key, value in (
            ("pupil_id", pupil_id),
            ("staff_id", staff_id),
            ("visit_id", visit_id),
            ("device_id", device_id),
        ):
            if value is not None:
                details[key] = value
        audit.append(actor, "concern.raise", "concern", concern.id, details, now)
        return concern


def _not_raised_by(reader: Staff) -> Any:
    """The concerns ``reader`` did not raise (a record is seen by whoever made it)."""
    return Concern.raised_by != reader.id


def _concerns_seen_by(reader: Staff, ids: Iterable[int] | None = None) -> set[int]:
    """The concerns ``reader`` has opened (or seen for everyone: a mark with no reader)."""
    q = ConcernSeen.select(ConcernSeen.concern).where(
        ConcernSeen.seen_by.is_null() | (ConcernSeen.seen_by == reader.id)
    )
    if ids is not None:
        q = q.where(ConcernSeen.concern.in_(list(ids) or [0]))
    return {m.concern_id for m in q}


def _mark_concern_seen(concern: Concern, actor: Staff, now: dt.datetime) -> ConcernSeen | None:
    """``actor``'s seen mark on ``concern`` (inside a write transaction); None if they had one.
    The first opening also stays on the concern (seen_at, seen_by: its history)."""
    if ConcernSeen.select().where((ConcernSeen.concern == concern.id) & (ConcernSeen.seen_by == actor.id)).exists():
        return None
    mark = ConcernSeen.create(concern=concern.id, seen_by=actor, seen_at=now)
    if concern.seen_at is None:
        Concern.update(seen_at=now, seen_by=actor, updated_at=now).where(Concern.id == concern.id).execute()
    return mark


def mark_seen(concern_id: int, actor: Staff, *, now: dt.datetime | None = None) -> Concern:
    """``actor`` has seen the concern (for them only: it stays NEW for the other readers until
    they open it). Seeing it again changes nothing."""
    now = now or utcnow()
    with write_tx():
        concern = _visible(concern_id, actor)
        mark = _mark_concern_seen(concern, actor, now)
        if mark is None:
            return concern
        audit.append(actor, "concern.seen", "concern", concern.id, {"concern_id": concern.id, "mark_id": mark.id}, now)
        return _get(concern.id)


# How a concern ended: the DSL chooses one to close it (a note alone leaves it open). Read by
# the governors' report: keep it a module-level dict of code -> words.
OUTCOMES = {
    "no_further_action": "No further action",
    "resolved_in_school": "Resolved in school",
    "early_help": "Early help offered",
    "social_care": "Referred to children's social care",
    "police": "Reported to the police",
    "lado": "Referred to the LADO",
    # A radicalisation concern only (the Prevent duty; online safety policy 11.6):
    "prevent": "Referred to Prevent",
    "channel": "Taken to a Channel panel",
    "prevent_advice": "No further action after Prevent advice",
    "other": "Other (see the note)",
}
CLOSE_OUTCOMES = tuple(OUTCOMES.values())
_OUTCOME_CODES = {words: code for code, words in OUTCOMES.items()}
LADO_OUTCOME = "lado"
RADICALISATION = "radicalisation"
PREVENT_OUTCOMES = frozenset({"prevent", "channel", "prevent_advice"})  # for a radicalisation concern only
NEEDS_PREVENT_REFERRAL = frozenset({"prevent", "channel"})  # a Channel panel follows a Prevent referral

# The structured steps a follow-up records (online safety policy 10 and 11; each dated and
# signed, append-only: ConcernAction). Read by the governors' report: code -> words.
PARENTS_TOLD, SOCIAL_CARE, EARLY_HELP, LADO, POLICE_TOLD, ESS_ADVICE, PREVENT = (
    "parents_told",
    "social_care",
    "early_help",
    "lado",
    "police",
    "ess_advice",
    "prevent",
)
ACTIONS = {
    PARENTS_TOLD: "parents or carers told",
    SOCIAL_CARE: "referred to children's social care",
    EARLY_HELP: "early help",
    LADO: "referred to the LADO",
    POLICE_TOLD: "police contacted",
    ESS_ADVICE: "advice sought from the Education Safeguarding Service",
    PREVENT: "referred to Prevent",  # a radicalisation concern: the day, to whom, the reference
}
REFERRALS = (LADO, PREVENT)  # the steps with fields of their own (a day and more), never a bare tick
# "Parents told" is one structured record (models.safeguarding.parents: which parent, who told
# them, when, how), not a bare tick on a follow-up as well (two unlinked ways, a tester's walk,
# issue 15): a follow-up refuses it and says where it is recorded. Rows from before stay as they were.
NOT_TICKED = frozenset({PARENTS_TOLD})


def parents_told_elsewhere(concern_id: int) -> str:
    """The refusal of a "parents told" tick on a follow-up: where it is recorded instead."""
    return (
        "Parents told is recorded with who told them, when and how: "
        f"use kiosk parents informed --concern {concern_id} (at the kiosk, the parents-told form)."
    )


CLOSED_ENTRY, LESSONS_ENTRY = "closed", "lessons"  # the other kinds of ConcernAction
# Lessons learnt once a concern is closed (mobile technology policy 9, online safety policy 10).
LESSONS_ROLES = PERMISSIONS["record_lessons"]


LADO_REFERENCE_LIMIT = 100
_LADO_WORDS = "referred to the LADO on "
PREVENT_TO_LIMIT = 100  # to whom a Prevent referral went (e.g. "Kent Prevent team")
PREVENT_REFERENCE_LIMIT = 100


def outcomes_for(c: Concern) -> list[str]:
    """The outcomes (words) a concern may be closed with: the Prevent ones only for a
    radicalisation concern."""
    return [w for code, w in OUTCOMES.items() if code not in PREVENT_OUTCOMES or c.category == RADICALISATION]


def _one_line(value: str | None, what: str, limit: int, *, required: bool = False) -> str | None:
    text = text_field(value, what, required=required, limit=limit)
    if text is not None and "\n" in text:
        raise ValidationError(f"The {what} must be on one line.")
    return text


def outcome_code(outcome: str | None) -> str | None:
    """The :data:`OUTCOMES` code of an outcome given as its code or its words; None if neither."""
    if outcome in OUTCOMES:
        return outcome
    return _OUTCOME_CODES.get(outcome or "")


def referrals_of(concern_id: int) -> set[str]:
    """The referrals (:data:`REFERRALS`: to the LADO, to Prevent) recorded on a concern."""
    q = ConcernAction.select(ConcernAction.kind).where(
        (ConcernAction.concern == concern_id) & ConcernAction.kind.in_(list(REFERRALS))
    )
    return {a.kind for a in q}


def missing_referral(outcome: str | None, referred: Iterable[str]) -> str | None:
    """The refusal when closing with ``outcome`` (a code or its words) needs a referral that
    is not among ``referred`` (the :data:`REFERRALS` recorded now or before), or None. The
    follow-up form asks it at Continue, :func:`follow_up` when recording."""
    code = outcome_code(outcome) if outcome is not None else None
    done = set(referred)
    if code in NEEDS_PREVENT_REFERRAL and PREVENT not in done:
        words = OUTCOMES[code]
        return f"Record the referral to Prevent (the day and to whom) before closing as {words[0].lower()}{words[1:]}."
    if code == LADO_OUTCOME and LADO not in done:
        return (
            "Record the referral to the LADO (the day and the LADO's reference) before closing as referred to the LADO."
        )
    return None


def referral_day_problem(raised_on: dt.date, *, lado: dt.date | None, prevent: dt.date | None) -> str | None:
    """The refusal when a LADO or Prevent referral day is before ``raised_on``, the school's
    day the concern was raised (``local_day(concern.raised_at)``): a referral follows the
    concern, as the parents told and the police contact follow their record. The follow-up
    form asks it before Confirm; :func:`follow_up` when recording (a day in the future it
    refuses first)."""
    raised = raised_on
    for what, day in (("LADO", lado), ("Prevent", prevent)):
        if day is not None and day < raised:
            return f"The day of the {what} referral is before the concern was raised ({raised.isoformat()})."
    return None


def follow_up(
    concern_id: int,
    actor: Staff,
    *,
    note: str,
    close: bool = False,
    outcome: str | None = None,
    lado_referred_on: dt.date | None = None,
    lado_reference: str | None = None,
    actions: Iterable[str] = (),
    prevent_referred_on: dt.date | None = None,
    prevent_to: str | None = None,
    prevent_reference: str | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """Record the DSL's follow-up with a note. The concern stays open unless ``close``,
    which needs an ``outcome`` from :data:`OUTCOMES` (its code or its words; kept in the
    signed note and the ConcernAction row, not in the audit log, which names no detail of a
    concern).

    ``actions``: codes of :data:`ACTIONS` done (each recorded as its own dated, signed row).
    An allegation about a member of staff records its referral to the LADO here: the day
    it was referred (``lado_referred_on``) and the LADO's reference, both given. Closing as
    "Referred to the LADO" needs that referral recorded, now or before.

    A radicalisation concern records its referral to Prevent likewise: the day
    (``prevent_referred_on``) and to whom (``prevent_to``), both given, and the reference
    if there is one (``prevent_reference``). Its outcomes (:data:`PREVENT_OUTCOMES`) are for a
    radicalisation concern only; closing as "Referred to Prevent" or "Taken to a Channel
    panel" needs the referral recorded, now or before.

    Notes accumulate (each line dated and signed); a closed concern takes no more.
    """
    now = now or utcnow()
    note = NOTE_WORDS.check(note, limit=NOTE_LIMIT)
    code = outcome_code(outcome)
    if close and code is None:
        raise ValidationError("Choose the outcome to close the concern: " + "; ".join(CLOSE_OUTCOMES) + ".")
    if not close and outcome is not None:
        raise ValidationError("An outcome is given only when closing the concern.")
    done = list(dict.fromkeys(actions))
    unknown = [a for a in done if a not in ACTIONS]
    if unknown:
        raise ValidationError("Unknown action: choose from " + "; ".join(ACTIONS.values()) + ".")
    if PARENTS_TOLD in done:
        raise ValidationError(parents_told_elsewhere(concern_id))
    reference = text_field(lado_reference, "LADO's reference", required=False, limit=LADO_REFERENCE_LIMIT)
    if reference is not None and "\n" in reference:
        raise ValidationError("The LADO's reference must be on one line.")
    if (lado_referred_on is None) != (reference is None):
        raise ValidationError("Give both the day of the LADO referral and the LADO's reference, or neither.")
    if LADO in done and lado_referred_on is None:
        raise ValidationError("Give the day of the LADO referral and the LADO's reference.")
    if lado_referred_on is not None and lado_referred_on > local_day(now):
        raise ValidationError("The day of the LADO referral is in the future.")
    if lado_referred_on is not None:
        note = f"{note} ({_LADO_WORDS}{lado_referred_on.isoformat()}, reference {reference})"
        done = [a for a in done if a != LADO] + [LADO]
    prevent_to = _one_line(prevent_to, "name of who the Prevent referral went to", PREVENT_TO_LIMIT)
    prevent_ref = _one_line(prevent_reference, "Prevent referral's reference", PREVENT_REFERENCE_LIMIT)
    if (prevent_referred_on is None) != (prevent_to is None):
        raise ValidationError(
            "Give the day of the Prevent referral and to whom it went (the reference too, if there is one)."
        )
    if prevent_ref is not None and prevent_referred_on is None:
        raise ValidationError("Give the day of the Prevent referral and to whom it went with its reference.")
    if PREVENT in done and prevent_referred_on is None:
        raise ValidationError("Give the day of the Prevent referral and to whom it went.")
    if prevent_referred_on is not None and prevent_referred_on > local_day(now):
        raise ValidationError("The day of the Prevent referral is in the future.")
    if prevent_referred_on is not None:
        ref_words = f", reference {prevent_ref}" if prevent_ref else ""
        note = f"{note} (referred to Prevent on {prevent_referred_on.isoformat()}: {prevent_to}{ref_words})"
        done = [a for a in done if a != PREVENT] + [PREVENT]
    if close:
        assert code is not None
        words = OUTCOMES[code]
        note = f"{note} (closed: {words[0].lower()}{words[1:]})"
    with write_tx():
        require(actor, "follow_up_concerns")  # the DSL, the headteacher (the chair: hers); leadership reads
        concern = _visible(concern_id, actor)
        if concern.status == CLOSED:
            raise RuleViolation("This concern is already closed.")
        if problem := referral_day_problem(
            local_day(concern.raised_at), lado=lado_referred_on, prevent=prevent_referred_on
        ):
            raise ValidationError(problem)
        if lado_referred_on is not None and not is_allegation(concern):
            raise ValidationError("Only an allegation about a member of staff is referred to the LADO.")
        if (prevent_referred_on is not None or (close and code in PREVENT_OUTCOMES)) and (
            concern.category != RADICALISATION
        ):
            raise ValidationError(
                "Only a radicalisation concern is referred to Prevent or closed with a Prevent outcome."
            )
        if close and (problem := missing_referral(code, [*done, *referrals_of(concern.id)])):
            raise RuleViolation(problem)
        entry = f"{local_from_utc_naive(now)} {actor.display_name}: {note}"
        notes = f"{concern.follow_up_note}\n{entry}" if concern.follow_up_note else entry
        if len(notes) > MAX_NOTES:
            raise ValidationError("The follow-up notes are full: close this concern and raise a new one.")
        mark = _mark_concern_seen(concern, actor, now)  # who follows it up has seen it
        values: dict[str, Any] = dict(followed_up_at=now, followed_up_by=actor, follow_up_note=notes, updated_at=now)
        if close:
            values["status"] = CLOSED
        Concern.update(**values).where(Concern.id == concern.id).execute()
        today = local_day(now)
        referred = {LADO: (lado_referred_on, reference, None), PREVENT: (prevent_referred_on, prevent_ref, prevent_to)}
        rows = [
            ConcernAction.create(
                concern=concern.id,
                kind=a,
                done_on=referred[a][0] if a in referred else today,
                reference=referred[a][1] if a in referred else None,
                note=referred[a][2] if a in referred else None,
                recorded_by=actor,
                recorded_at=now,
            )
            for a in done
        ]
        if close:
            rows.append(
                ConcernAction.create(
                    concern=concern.id,
                    kind=CLOSED_ENTRY,
                    done_on=today,
                    outcome=code,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
        details: dict[str, Any] = {"concern_id": concern.id, "closed": close}
        if lado_referred_on is not None:
            details["lado"] = True  # that it was referred; the reference stays in the note
        if prevent_referred_on is not None:
            details["prevent"] = True  # likewise: to whom and the reference stay in the row
        if rows:
            details["action_ids"] = [r.id for r in rows]  # ids only: what they say is in the rows
        if mark is not None:
            details["mark_id"] = mark.id
        audit.append(actor, "concern.follow_up", "concern", concern.id, details, now)
        return _get(concern.id)


def record_lessons(concern_id: int, actor: Staff, lessons: str, *, now: dt.datetime | None = None) -> ConcernAction:
    """Lessons learnt from a closed concern (the debrief: mobile technology policy 9, online
    safety policy 10), appended as a dated, signed entry: by leadership, the DSL or the
    headteacher, or the chair of governors on an allegation about the headteacher; only by
    someone who may see the concern (:func:`may_see_concern`, as the feed), else as if there
    were no such concern."""
    now = now or utcnow()
    lessons = LESSONS_WORDS.check(lessons, limit=NOTE_LIMIT)
    with write_tx():
        require(actor, "record_lessons")
        c = _get(concern_id)
        if not may_see_concern(actor, c):
            raise NotFound("There is no such concern.")
        if c.status != CLOSED:
            raise RuleViolation("Lessons learnt are recorded once the concern is closed.")
        row = ConcernAction.create(
            concern=c.id, kind=LESSONS_ENTRY, done_on=local_day(now), note=lessons, recorded_by=actor, recorded_at=now
        )
        audit.append(actor, "concern.lessons", "concern", c.id, {"concern_id": c.id, "action_id": row.id}, now)
        return row


def actions_of(concern_id: int) -> list[ConcernAction]:
    """A concern's recorded actions, outcome and lessons learnt, oldest first."""
    return list(
        ConcernAction.select()
        .where(ConcernAction.concern == concern_id)
        .order_by(ConcernAction.recorded_at, ConcernAction.id)
    )


_OLD_CLOSED = " (closed: "


def concern_outcome(c: Concern) -> str | None:
    """The :data:`OUTCOMES` code a closed concern was closed with (for one closed before
    outcomes were kept as rows: read from its note), or None."""
    row = (
        ConcernAction.select(ConcernAction.outcome)
        .where((ConcernAction.concern == c.id) & (ConcernAction.kind == CLOSED_ENTRY))
        .order_by(ConcernAction.id.desc())
        .first()
    )
    if row is not None:
        return row.outcome
    if c.status != CLOSED or not c.follow_up_note:
        return None
    last = c.follow_up_note.splitlines()[-1]
    if _OLD_CLOSED not in last:
        return None
    said = last.rsplit(_OLD_CLOSED, 1)[1].rstrip(")")
    return next((code for code, words in OUTCOMES.items() if words.lower() == said.lower()), None)


def action_line(a: ConcernAction) -> str:
    """One line of a concern's history for an action row."""
    by = a.recorded_by.display_name
    when = local_from_utc_naive(a.recorded_at)
    if a.kind == LESSONS_ENTRY:
        return f"{when}  lessons learnt, by {by}: {a.note}"
    if a.kind == CLOSED_ENTRY:
        return f"{when}  closed by {by}: {OUTCOMES.get(a.outcome or '', a.outcome)}"
    words = ACTIONS.get(a.kind, a.kind)
    day = f" on {a.done_on.isoformat()}" if a.done_on else ""
    day += f" (to {a.note})" if a.kind == PREVENT and a.note else ""
    ref = f", reference {a.reference}" if a.reference else ""
    return f"{when}  {words}{day}{ref} (recorded by {by})"


# ---------------------------------------------------------------- alerts: told to the DSL at once


def is_urgent(c: Concern) -> bool:
    """A concern the DSL is alerted to at once: radicalisation (Prevent), nude or semi-nude
    images, or any allegation."""
    return c.category in URGENT_CATEGORIES or is_allegation(c)


def alert_words(c: Concern, heads: set[int] | None = None) -> str:
    """The kind of an urgent concern, never its details: "an allegation about the headteacher"."""
    if is_allegation(c):
        heads = _head_ids() if heads is None else heads
        return "an allegation about the headteacher" if c.staff_id in heads else "an allegation about a member of staff"
    if c.category == "nude_images":
        return "a nude or semi-nude images concern"
    return "a radicalisation (Prevent) concern"


def urgent_unseen(reader: Staff) -> list[tuple[int, str]]:
    """Urgent concerns ``reader`` may see and has not opened yet, oldest first: (id, kind words).
    The DSL's alert (``view_concerns``; the chair's for an allegation about the headteacher):
    leadership, who read concerns too, is not alerted. One the reader raised is not theirs to be
    told of."""
    if not (may(reader, "view_concerns") or may(reader, "view_head_allegations")):
        return []
    heads = _head_ids()
    seen = ConcernSeen.select(ConcernSeen.concern).where(
        ConcernSeen.seen_by.is_null() | (ConcernSeen.seen_by == reader.id)
    )
    q = (
        Concern.select()
        .where(
            Concern.id.not_in(seen)
            & _not_raised_by(reader)
            & ((Concern.category.in_(sorted(URGENT_CATEGORIES))) | (Concern.about_kind == ABOUT_STAFF))
        )
        .order_by(Concern.id)
    )
    return [(c.id, alert_words(c, heads)) for c in q if _sees(reader, c, heads)]


# A confiscation for suspected nude or semi-nude images is told to the DSL at once (online
# safety 11.1.1; UKCIS 2024: "the DSL should be informed immediately"), as an urgent concern
# is: by its kind, never the pupil or the reason, until the DSL opens it in the feed.
NUDE_ALERT = "a confiscation for suspected nude or semi-nude images"


def urgent_custody_unseen(reader: Staff) -> list[tuple[int, str]]:
    """Confiscations for suspected nude or semi-nude images (not undone) that ``reader`` may
    see in the feed and has not opened yet, oldest first: (event id, kind words). Only those
    the DSL's alerts are for (``view_concerns``: the DSL, the headteacher); a pupil's phone
    only is ever confiscated, so there is no such confiscation about the headteacher."""
    if not may(reader, "view_concerns"):
        return []
    undone = CustodyEvent.select(CustodyEvent.reverses).where(CustodyEvent.reverses.is_null(False))
    q = (
        CustodyEvent.select(CustodyEvent.id)
        .where(
            (CustodyEvent.kind == CONFISCATED_EV)
            & (CustodyEvent.category == NUDE_IMAGES)
            & CustodyEvent.id.not_in(_custody_seen(reader))
            & _not_made_by(reader)
            & CustodyEvent.id.not_in(undone)
        )
        .order_by(CustodyEvent.id)
    )
    return [(e.id, NUDE_ALERT) for e in q]


# ---------------------------------------------------------------- custody events seen by the DSL


def _custody_feed_event(event_id: int) -> CustodyEvent:
    e = CustodyEvent.get_or_none(CustodyEvent.id == event_id)
    if e is None or e.kind not in CUSTODY_FEED:
        raise NotFound("There is no such entry in the safeguarding feed.")
    return e


def mark_event_seen(event_id: int, actor: Staff, *, now: dt.datetime | None = None) -> bool:
    """Someone who reads the feed (leadership, the DSL, the headteacher) opened a confiscation,
    search or police hand-over from it: a seen mark, once per person (append-only). True if one
    was written now."""
    now = now or utcnow()
    with write_tx():
        require(actor, "read_concerns")
        e = _custody_feed_event(event_id)
        if CustodySeen.select().where((CustodySeen.event == e.id) & (CustodySeen.seen_by == actor.id)).exists():
            return False
        mark = CustodySeen.create(event=e.id, seen_by=actor, seen_at=now)
        audit.append(actor, "custody.seen", "custody_event", e.id, {"event_id": e.id, "mark_id": mark.id}, now)
        return True


def _custody_seen(reader: Staff | None) -> Any:
    """The ids of the custody events ``reader`` has opened (or seen for everyone); with no
    reader, those anyone has opened (the domain's own use)."""
    q = CustodySeen.select(CustodySeen.event)
    if reader is not None:
        q = q.where(CustodySeen.seen_by.is_null() | (CustodySeen.seen_by == reader.id))
    return q


def _not_made_by(reader: Staff | None) -> Any:
    """The custody events ``reader`` did not record (a record is seen by whoever made it)."""
    if reader is None:
        return CustodyEvent.id.is_null(False)
    return CustodyEvent.actor.is_null() | (CustodyEvent.actor != reader.id)


def unseen_events_count(reader: Staff | None = None, *, not_searched: bool = False) -> int:
    """Confiscations, searches and police hand-overs ``reader`` has not opened yet (0 for a
    reader who may not see them; no reader: those nobody has opened). A "not searched (consent
    refused)" record is not a search: counted only with ``not_searched`` (and then only those)."""
    if reader is not None and not may(reader, "read_concerns"):
        return 0
    seen = _custody_seen(reader)
    which = _is_not_searched() if not_searched else _not_not_searched()
    return (
        CustodyEvent.select()
        .where(CustodyEvent.kind.in_(list(CUSTODY_FEED)) & which & CustodyEvent.id.not_in(seen) & _not_made_by(reader))
        .count()
    )


def unseen_not_searched_count(reader: Staff | None = None) -> int:
    """ "Not searched (consent refused)" records ``reader`` has not opened yet: apart from the searches."""
    return unseen_events_count(reader, not_searched=True)


# ---------------------------------------------------------------- reading


def _count(where: Any, reader: Staff | None) -> int:
    if reader is None:  # the domain's own use: every concern
        return Concern.select().where(where).count()
    heads = _head_ids()
    return sum(1 for c in Concern.select().where(where) if _sees(reader, c, heads))


def unseen_count(reader: Staff | None = None) -> int:
    """Concerns ``reader`` may see and has not opened yet (for their home screen); with no
    reader, those nobody has opened."""
    if reader is None:
        return _count(Concern.seen_at.is_null(), None)
    seen = ConcernSeen.select(ConcernSeen.concern).where(
        ConcernSeen.seen_by.is_null() | (ConcernSeen.seen_by == reader.id)
    )
    return _count(Concern.id.not_in(seen) & _not_raised_by(reader), reader)


def open_count(reader: Staff | None = None) -> int:
    return _count(Concern.status == OPEN, reader)


def get(concern_id: int, reader: Staff | None = None) -> Concern:
    return _get(concern_id) if reader is None else _visible(concern_id, reader)


AS_RAISED_NOTE = (
    "You raised this concern: its follow-up, referrals, outcome and lessons learnt are for the DSL "
    "and leadership, not shown here."
)


def raised_only(concern_id: int, reader: Staff) -> Concern | None:
    """The concern, if ``reader`` reads it only as they raised it (``concern_access.reads_as_raised``);
    None if they see it whole. Refused, as if there were none, if they may read it neither way."""
    c = Concern.get_or_none(Concern.id == concern_id)
    if c is not None and concern_access.may_read_as_raised(reader, c):
        return c
    _visible(concern_id, reader)  # the whole concern, or the usual refusal
    return None


def as_raised_lines(c: Concern) -> list[str]:
    """A concern as its raiser recorded it, and whether it is open or closed: nothing the DSL added."""
    return [
        f"{local_from_utc_naive(c.raised_at)}  {kind_words(c)} about "
        f"{subject_of(c)} ({c.about_kind}) raised by {c.raised_by.display_name}: {c.what}",
        "closed" if c.status == CLOSED else "open",
        AS_RAISED_NOTE,
    ]


def subject_of(c: Concern) -> str:
    if c.about_kind == ABOUT_PUPIL:
        assert c.pupil is not None  # a concern about a pupil is raised only with the pupil's row
        return c.pupil.full_name
    if c.about_kind == ABOUT_STAFF:
        assert c.staff is not None  # likewise the member of staff's
        return c.staff.display_name
    if c.name:
        return c.name
    visit = Visit.get_or_none(Visit.id == c.visit_id) if c.visit_id is not None else None
    return visit.name if visit is not None else f"visitor (visit {c.visit_id})"  # the visit erased: its number


def kind_words(c: Concern) -> str:
    """ "bullying or cyberbullying"; about a member of staff: "allegation (staff conduct)"."""
    words = CATEGORY_WORDS.get(c.category, c.category)
    if is_allegation(c) and c.category == "staff_conduct":
        words = "staff conduct"  # not "allegation (staff conduct or allegation)"
    return f"{ALLEGATION} ({words})" if is_allegation(c) else words


def concern_history(concern_id: int, reader: Staff | None = None) -> list[str]:
    """A concern's whole story, one plain line per step, oldest first (with ``reader``:
    only a concern they may see; one they raised and may not see whole, as they raised it:
    :func:`as_raised_lines`)."""
    if reader is not None and (mine := raised_only(concern_id, reader)) is not None:
        return as_raised_lines(mine)
    c = get(concern_id, reader)
    lines = [
        f"{local_from_utc_naive(c.raised_at)}  {kind_words(c)} about "
        f"{subject_of(c)} ({c.about_kind}) raised by {c.raised_by.display_name}: {c.what}"
    ]
    if c.device_id:
        lines.append(f"linked phone: device {c.device_id} (its chain of custody is in the phone's history)")
    if c.seen_at:
        assert c.seen_by is not None  # seen_at and seen_by are written together
        lines.append(f"{local_from_utc_naive(c.seen_at)}  seen by {c.seen_by.display_name}")
    if c.follow_up_note:
        lines += [f"follow-up {line}" for line in c.follow_up_note.splitlines()]
    lines += [action_line(a) for a in actions_of(c.id)]
    lines.append("closed" if c.status == CLOSED else "open")
    return lines


def _seen_in_feed(c: Concern, reader: Staff | None, opened: set[int] | None) -> bool:
    """Whether ``c`` is seen for ``reader``: they opened it (``opened``), or raised it (a record
    is seen by whoever made it, as a custody record is); no reader: anyone opened it."""
    if reader is None or opened is None:
        return c.seen_at is not None
    return c.id in opened or c.raised_by_id == reader.id


@dataclass(frozen=True)
class FeedEntry:
    """One line of the DSL's feed, with what the UI needs to open its full history."""

    at: dt.datetime  # naive UTC
    time: str  # local, "YYYY-MM-DD HH:MM"
    kind: str  # concern | confiscation | search | police
    kind_text: str
    subject: str
    about: str  # pupil | staff | visitor
    class_name: str
    summary: str  # one line, cut to fit a table
    by: str
    device_id: int | None = None  # opens custody.history(device_id)
    concern_id: int | None = None  # opens concern_history(concern_id)
    event_id: int | None = None
    category: str = ""
    status: str = ""  # concerns: open | closed
    seen: bool | None = None  # seen by the DSL? (concerns: opened; custody events: a seen mark)
    undone: bool = False  # custody events later reversed
    detail: str = ""  # the whole text on one line (up to DETAIL_LIMIT), for the highlighted entry

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


# The highlighted entry under the feed, and the trust feed's CSV `detail`: the whole text. The
# limit only bounds a record longer than any field allows (a concern's "what happened" is at most
# WHAT_LIMIT; a search's record is several fields); 600 cut a long concern (the second trust walk).
DETAIL_LIMIT = 4 * WHAT_LIMIT


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line of at most ``limit`` characters, ending in "…" when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def safeguarding_feed(
    from_day: dt.date,
    to_day: dt.date,
    class_name: str | None = None,
    kind: str | None = None,
    *,
    actor: Staff | None = None,
    tz: ZoneInfo = SCHOOL_TZ,
    not_about: int | None = None,
) -> list[FeedEntry]:
    """Concerns, confiscations, searches and police hand-overs between two local days
    (inclusive), newest first.

    ``class_name`` keeps only entries about pupils in that class; ``kind`` is one of
    :data:`FEED_KINDS` or a concern category (:data:`CATEGORY_WORDS`). With ``actor``, the
    DSL permission is checked first. Custody events (:data:`CUSTODY_FEED`) carry ``seen``:
    whether the DSL or the headteacher has opened them from the feed.

    ``not_about``: a member of staff (an id at this site) who reads the feed without being
    its ``actor`` (the trust's safeguarding lead, reading site 1 from the trust's report):
    an allegation about them is left out, as it is for any reader.
    """
    if actor is not None and not may(actor, "raise_concern"):
        require_concerns(actor)  # whoever may raise a concern reads back those they raised
    if to_day < from_day:
        raise ValidationError("The end date is before the start date.")
    if kind is not None and kind not in FEED_KINDS and kind not in CATEGORY_WORDS:
        raise ValidationError("Filter by one of: " + ", ".join([*FEED_KINDS, *CATEGORIES]) + ".")
    start, _ = day_bounds(from_day, tz)
    _, end = day_bounds(to_day, tz)
    entries: list[FeedEntry] = []
    reader: Staff | frozenset[str] = actor if actor is not None else DETAIL_ROLES  # no actor: the domain's own use

    if kind is None or kind == CONCERN or kind in CATEGORY_WORDS:
        q = (
            Concern.select(Concern, Pupil, SchoolClass)
            .join(Pupil, JOIN.LEFT_OUTER, on=(Concern.pupil == Pupil.id))
            .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .where((Concern.raised_at >= start) & (Concern.raised_at < end))
        )
        if kind in CATEGORY_WORDS:
            q = q.where(Concern.category == kind)
        if class_name:
            q = q.where(SchoolClass.name == class_name)
        staff_names = {s.id: s.display_name for s in Staff.select(Staff.id, Staff.display_name)}
        heads = _head_ids()
        concerns_found = list(q)
        opened = _concerns_seen_by(actor, [c.id for c in concerns_found]) if actor is not None else None
        for c in concerns_found:
            if actor is not None and not _sees(actor, c, heads) and not concern_access.raised_it(actor, c):
                continue  # e.g. an allegation about the reader, or about the headteacher (unless they raised it)
            if not_about is not None and c.about_kind == ABOUT_STAFF and c.staff_id == not_about:
                continue  # nobody reads an allegation about themself
            pupil = c.pupil if c.pupil_id else None
            entries.append(
                FeedEntry(
                    at=c.raised_at,
                    time=local_from_utc_naive(c.raised_at, tz),
                    kind=CONCERN,
                    kind_text=kind_words(c),
                    subject=subject_of(c),
                    about=c.about_kind,
                    class_name=pupil.school_class.name if pupil is not None else "",
                    summary=one_line(c.what),
                    detail=one_line(c.what, DETAIL_LIMIT),
                    by=staff_names.get(c.raised_by_id, ""),
                    device_id=c.device_id,
                    concern_id=c.id,
                    category=c.category,
                    status=c.status,
                    seen=_seen_in_feed(c, actor, opened),
                )
            )

    wanted = [k for k, (feed_kind, _) in CUSTODY_FEED.items() if kind is None or kind == feed_kind]
    if kind == NOT_SEARCHED_FEED[0]:
        wanted = [SEARCHED]
    if actor is not None and not may(actor, "read_concerns"):
        wanted = []  # the chair: allegations about the head; a raiser: their own concerns; nothing custody-related
    if wanted:
        events_q = (
            CustodyEvent.select(
                CustodyEvent,
                # of the joined rows, only what an entry shows (a full Staff row is a dozen columns)
                Device.id,
                Device.kind,
                Device.pupil,
                Pupil.id,
                Pupil.first_name,
                Pupil.last_name,
                Pupil.school_class,
                SchoolClass.id,
                SchoolClass.name,
                Staff.id,
                Staff.display_name,
            )
            .join(Device, on=(CustodyEvent.device == Device.id))
            .join(Pupil, JOIN.LEFT_OUTER, on=(Device.pupil == Pupil.id))
            .join(SchoolClass, JOIN.LEFT_OUTER, on=(Pupil.school_class == SchoolClass.id))
            .switch(CustodyEvent)
            .join(Staff, JOIN.LEFT_OUTER, on=(CustodyEvent.actor == Staff.id))
            .where(CustodyEvent.kind.in_(wanted) & (CustodyEvent.at >= start) & (CustodyEvent.at < end))
        )
        if kind == NOT_SEARCHED_FEED[0]:
            events_q = events_q.where(_is_not_searched())
        elif kind == SEARCH:
            events_q = events_q.where(_not_not_searched())  # a refused consent is not a search
        if class_name:
            events_q = events_q.where(SchoolClass.name == class_name)
        events = list(events_q)
        reversed_ids = {
            r.reverses_id
            for r in CustodyEvent.select(CustodyEvent.reverses).where(
                (CustodyEvent.kind == REVERSAL) & CustodyEvent.reverses.in_([e.id for e in events] or [0])
            )
        }
        seen_ids = {
            m.event_id for m in _custody_seen(actor).where(CustodySeen.event.in_([e.id for e in events] or [0]))
        }
        trays = {t.id: t.name for t in Tray.select(Tray.id, Tray.name)} if events else {}  # not a query per event
        told = parents_told(e.id for e in events if e.kind == SEARCHED and not e.parents_informed_at)
        for e in events:
            pupil = e.device.pupil if e.device.pupil_id else None
            feed_kind, feed_words = CUSTODY_FEED[e.kind]
            if e.kind == SEARCHED and e.outcome == NOT_SEARCHED:
                feed_kind, feed_words = NOT_SEARCHED_FEED
            detail = describe_event(e, trays, reader=reader, told=told).split("  ", 1)[1].rsplit("  (by", 1)[0]
            undone = e.id in reversed_ids
            by_staff = e.actor if e.actor_id else None
            entries.append(
                FeedEntry(
                    at=e.at,
                    time=local_from_utc_naive(e.at, tz),
                    kind=feed_kind,
                    kind_text=feed_words,
                    subject=pupil.full_name if pupil else _NOT_A_PUPILS.get(e.device.kind, "Visitor's phone"),
                    about=ABOUT_PUPIL if pupil else ABOUT_STAFF if e.device.kind == "staff" else ABOUT_VISITOR,
                    class_name=pupil.school_class.name if pupil else "",
                    summary=one_line(detail) + (" (undone)" if undone else ""),
                    detail=one_line(detail, DETAIL_LIMIT) + (" (undone)" if undone else ""),
                    by=by_staff.display_name if by_staff is not None else "system",
                    device_id=e.device_id,
                    event_id=e.id,
                    undone=undone,
                    seen=e.id in seen_ids or (actor is not None and e.actor_id == actor.id),  # their own record
                )
            )
    entries.sort(key=lambda x: (x.at, x.concern_id or 0, x.event_id or 0), reverse=True)
    return entries
