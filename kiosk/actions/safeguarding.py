"""The DSL's feed and concerns: load the feed, open an entry's history, follow a concern
up, and raise one (any member of staff may).

The domain (``models.safeguarding.concerns``, ``models.custody.ledger``) checks every permission and rule
again; these functions load the signed-in person's row, call it, and return plain data
or the one line to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn
from models.safeguarding.concerns import ACTIONS, NOT_TICKED, OUTCOMES, PARENTS_TOLD, REFERRALS

__all__ = [
    "ACTIONS",
    "NOT_TICKED",
    "OUTCOMES",
    "PARENTS_TOLD",
    "REFERRALS",
]  # for the command line's choices (kiosk.cli imports no models)

if TYPE_CHECKING:
    from models.safeguarding.concerns import FeedEntry


@dataclass(frozen=True)
class Feed:
    """The feed for a date range and filters, with the classes to filter by and the counts."""

    entries: list[FeedEntry]  # frozen, plain data
    classes: list[str]
    unseen: int
    open: int
    unseen_events: int = 0  # confiscations, searches, police hand-overs no DSL has opened
    raised_only: bool = False  # the reader sees only the concerns they raised, as they raised them
    unseen_not_searched: int = 0  # "not searched (consent refused)" records not yet opened: not searches


@dataclass(frozen=True)
class EntryHistory:
    """One feed entry's full history: a concern's story and/or a phone's chain of custody."""

    title: str
    lines: tuple[str, ...]
    focus: int = 0  # the line of the entry opened (a custody event's, in its phone's chain): shown first


@dataclass(frozen=True)
class ConcernForm:
    """What the person raising a concern typed: the arguments of ``models.safeguarding.concerns.raise_concern``."""

    about_kind: str
    category: str
    what: str
    pupil_id: int | None = None
    staff_id: int | None = None
    name: str | None = None
    subject_label: str = field(default="", compare=False)  # for the summary only


def load_feed(who: SignedIn, from_day: dt.date, to_day: dt.date, class_name: str | None, kind: str | None) -> Feed:
    """The feed from ``from_day`` to ``to_day``, filtered by class and kind (``read_concerns``;
    the chair of governors: allegations about the headteacher)."""
    from models.safeguarding import concerns
    from models.staff.auth import may
    from models.store.tables import SchoolClass

    staff = staff_row(who)
    entries = concerns.safeguarding_feed(from_day, to_day, class_name, kind, actor=staff)
    classes = [c.name for c in SchoolClass.select().order_by(SchoolClass.name)]
    if not (may(staff, "read_concerns") or may(staff, "view_head_allegations")):
        return Feed(entries, classes, 0, 0, 0, raised_only=True)  # only what they raised (f1s6)
    return Feed(
        entries,
        classes,
        concerns.unseen_count(staff),
        concerns.open_count(staff),
        concerns.unseen_events_count(staff),
        unseen_not_searched=concerns.unseen_not_searched_count(staff),
    )


def open_entry(
    who: SignedIn,
    concern_id: int | None,
    device_id: int | None,
    now: dt.datetime,
    event_id: int | None = None,
) -> EntryHistory:
    """The entry's full history; opening a concern marks it seen by the DSL (or the chair of
    governors, for an allegation about the headteacher: without the phone's chain of custody),
    and opening a confiscation, search or police hand-over (``event_id``) writes the DSL's
    (or the headteacher's) seen mark on it."""
    from models.custody import ledger as custody
    from models.safeguarding import concerns
    from models.staff.auth import may, require

    staff = staff_row(who)
    if concern_id is not None and (mine := concerns.raised_only(concern_id, staff)) is not None:
        # A concern they raised and may not see whole: as they raised it, nothing the DSL added (f1s6).
        kind = "Allegation" if concerns.is_allegation(mine) else "Concern"
        return EntryHistory(
            f"{kind} #{mine.id} about {concerns.subject_of(mine)}", tuple(concerns.as_raised_lines(mine))
        )
    concerns.require_concerns(staff)
    lines: list[str] = []
    title = ""
    if event_id is not None:
        concerns.mark_event_seen(event_id, staff, now=now)
    if concern_id is not None:
        concern = concerns.mark_seen(concern_id, staff, now=now)
        kind = "Allegation" if concerns.is_allegation(concern) else "Concern"
        title = f"{kind} #{concern.id} about {concerns.subject_of(concern)}"
        lines += concerns.concern_history(concern_id, staff)
        from models.safeguarding import parents

        lines += parents.concern_lines(concern_id, staff)  # parents informed, police contacts (issue 15)
    if device_id is not None and concern_id is not None and not may(staff, "read_concerns"):
        lines += ["", "The phone's chain of custody is for leadership, the DSL and the headteacher."]
    elif device_id is not None:
        require(staff, "read_concerns")
        events = custody.history(device_id)
        undone = {e.reverses_id: e.id for e in events if e.reverses_id}
        if lines:
            lines += ["", "The phone's chain of custody:"]
        else:
            from models.store.tables import Device

            device = Device.get_by_id(device_id)
            owner = (
                device.pupil.full_name
                if device.pupil is not None
                else "a member of staff"  # whose: in the lines, for those who may read it
                if device.kind == "staff"
                else "a visitor"
            )
            title = f"Chain of custody of {owner}'s phone (device {device_id})"
        first = len(lines)
        lines += [
            f"#{e.id}  {custody.describe_event(e, reader=staff)}"
            + (f"  [undone by #{undone[e.id]}]" if e.id in undone else "")
            for e in events
        ] or ["Nothing recorded for this phone."]
        from models.safeguarding import parents as told

        lines += told.phone_section(device_id, staff)  # as the phone's own view shows them (P)
        if event_id is not None and concern_id is None:  # open the chain at the entry itself
            focus = next((first + i for i, e in enumerate(events) if e.id == event_id), 0)
            return EntryHistory(title, tuple(lines), focus)
    return EntryHistory(title, tuple(lines))


def referrals_recorded(who: SignedIn, concern_id: int) -> frozenset[str]:
    """The referrals (to the LADO, to Prevent) recorded on a concern ``who`` may see: what the
    follow-up form needs to know before closing as one of them."""
    from models.safeguarding import concerns

    concerns.get(concern_id, staff_row(who))  # only a concern they may see
    return frozenset(concerns.referrals_of(concern_id))


def follow_up(
    who: SignedIn,
    concern_id: int,
    note: str,
    outcome: str | None,
    now: dt.datetime,
    lado: tuple[dt.date, str] | None = None,
    actions: tuple[str, ...] = (),
    prevent: tuple[dt.date, str, str | None] | None = None,
) -> str:
    """Record the DSL's follow-up note, closing the concern with ``outcome`` if one is
    given (else it stays open); ``lado``: an allegation's referral to the LADO (the day,
    the LADO's reference); ``actions``: codes of the steps done
    (``models.safeguarding.concerns.ACTIONS``); ``prevent``: a radicalisation concern's
    referral to Prevent (the day, to whom, the reference or None). The line to show."""
    from models.safeguarding import concerns

    concern = concerns.follow_up(
        concern_id,
        staff_row(who),
        note=note,
        close=outcome is not None,
        outcome=outcome,
        lado_referred_on=lado[0] if lado else None,
        lado_reference=lado[1] if lado else None,
        actions=actions,
        prevent_referred_on=prevent[0] if prevent else None,
        prevent_to=prevent[1] if prevent else None,
        prevent_reference=prevent[2] if prevent else None,
        now=now,
    )
    kind = "allegation" if concerns.is_allegation(concern) else "concern"
    referred = " Referred to the LADO." if lado else ""
    referred += " Referred to Prevent." if prevent else ""
    return f"Follow-up of {kind} #{concern.id} recorded; the {kind} is {concern.status}.{referred}"


def raise_concern(who: SignedIn, form: ConcernForm, now: dt.datetime) -> str:
    """Record a concern for the DSL (any member of staff); the line to show."""
    from models.safeguarding import concerns

    concern = concerns.raise_concern(
        staff_row(who),
        about_kind=form.about_kind,
        what=form.what,
        category=form.category,
        pupil_id=form.pupil_id,
        staff_id=form.staff_id,
        name=form.name,
        now=now,
    )
    kind = "Allegation" if concerns.is_allegation(concern) else "Concern"
    return f"{kind} #{concern.id} about {concerns.subject_of(concern)} raised: {concerns.goes_to(concern)}"


@dataclass(frozen=True)
class ConcernConfirmWords:
    """The concern dialog's words at Confirm, both from who will see it (``concerns.who_will_see``)."""

    title: str  # "Raise a concern for the chair of governors"
    label: str  # "Confirm: tell the chair of governors"


def concern_confirm_words(form: ConcernForm) -> ConcernConfirmWords:
    """The title and the Confirm button's words for ``form``: who will see the concern once
    raised: the DSL, or the chair of governors when it is about the headteacher (who may be
    the DSL); when no one at the kiosk may read it, only that it is recorded."""
    from models.safeguarding import concerns

    who = concerns.who_will_see(form.about_kind, form.staff_id)
    if who is None:
        return ConcernConfirmWords("Raise a concern", "Confirm: record it")
    return ConcernConfirmWords(f"Raise a concern for {who}", f"Confirm: tell {who}")


def concern_confirm_label(form: ConcernForm) -> str:
    """The Confirm button's words for ``form`` (:func:`concern_confirm_words`)."""
    return concern_confirm_words(form).label


def record_lessons(who: SignedIn, concern_id: int, lessons: str, now: dt.datetime) -> str:
    """Lessons learnt from a closed concern (leadership, the DSL, the headteacher); the line to show."""
    from models.safeguarding import concerns

    concerns.record_lessons(concern_id, staff_row(who), lessons, now=now)
    return f"Lessons learnt recorded on concern #{concern_id}."


def urgent_alerts(who: SignedIn) -> list[tuple[str, str]]:
    """Radicalisation concerns, allegations and confiscations for suspected nude or semi-nude
    images not yet opened that ``who`` may see: (a key, "concern-7" or "custody-12", and the
    kind in words, never the details). Nothing for a role that sees no concerns."""
    from models.safeguarding import concerns

    if not (who.may("view_concerns") or who.may("view_head_allegations")):
        return []
    reader = staff_row(who)
    return [(f"concern-{cid}", words) for cid, words in concerns.urgent_unseen(reader)] + [
        (f"custody-{eid}", words) for eid, words in concerns.urgent_custody_unseen(reader)
    ]


def alert_line(alerts: list[tuple[str, str]]) -> str:
    """Home's alert line: "ALERT, not yet opened: an allegation about a member of staff (press S)."."""
    if not alerts:
        return ""
    kinds = list(dict.fromkeys(words for _, words in alerts))
    counted = [f"{words} (×{n})" if (n := sum(1 for _, w in alerts if w == words)) > 1 else words for words in kinds]
    return f"ALERT, not yet opened: {'; '.join(counted)}. Press S."


def home_alert(who: SignedIn) -> str:
    """The alert line for Home (empty when there is nothing urgent)."""
    return alert_line(urgent_alerts(who))


def home_lines(who: SignedIn) -> list[str]:
    """Home's safeguarding counts for ``who``: concerns, and custody entries, not yet seen."""
    from models.safeguarding import concerns

    if not (who.may("view_concerns") or who.may("view_head_allegations")):
        return []
    staff = staff_row(who)
    lines = []
    unseen = concerns.unseen_count(staff)  # never an allegation about the reader
    if not who.may("view_concerns"):  # the chair of governors: allegations about the headteacher only
        if unseen:
            lines.append(f"Concerns about the headteacher not yet opened: {unseen} (press S).")
        still_open = concerns.open_count(staff)
        lines.append(
            f"Open concerns about the headteacher: {still_open}."
            if still_open
            else "No open concerns about the headteacher."
        )
        return lines
    if unseen:
        lines.append(f"Concerns not yet seen by the DSL: {unseen} (press S).")
    events = concerns.unseen_events_count(staff)
    if events:
        lines.append(f"Confiscations, searches and police hand-overs not yet seen: {events} (press S).")
    refused = concerns.unseen_not_searched_count(staff)  # not searches: counted apart (f1s6)
    if refused:
        lines.append(f"Not searched (consent refused), not yet seen: {refused} (press S).")
    return lines
