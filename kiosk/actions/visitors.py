"""Visitors: the office's list, signing in and out, phones, slips, the roll call, concerns.

The office's use cases take the member of staff signed in (:class:`SignedIn`) first and
check their permission here as the screen did; the domain (``models.visitors.visits``) checks
everything again. The public self-service screen's use cases (``public_*``) take no
person: nobody is signed in there, and the domain allows a visitor only their own slip.
The printer is passed as the plain value the screen was given (a spec or URL).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.config import Settings
    from models.policy.rules import DeviceRules
    from models.store.tables import Staff
    from models.visitors.visits import OnSiteRow


# ---------------------------------------------------------------- plain data


@dataclass(frozen=True)
class Details:
    """A visitor's details as typed (trimmed by the domain)."""

    name: str
    organisation: str
    visitor_type: str
    purpose: str
    visiting: str
    car_reg: str = ""
    visitor_id: int | None = None  # a returning visitor picked from the type-ahead


@dataclass(frozen=True)
class Returning:
    """A returning visitor offered by the type-ahead (or found by an old slip)."""

    id: int
    name: str
    organisation: str
    visitor_type: str
    car_reg: str

    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


@dataclass(frozen=True)
class StaffSignIn:
    """What the office's sign-in dialog gathered: the details and the checks made."""

    details: Details
    phone: str
    rules_accepted: bool
    id_seen: bool
    dbs_assured: bool | None  # None: not asked for this type and not ticked
    dbs_confirmed_by: str
    supervised: bool


@dataclass(frozen=True)
class OfficeList:
    """The office's list (signed in, then left with a phone to return) and the printer's line."""

    rows: list[OnSiteRow]
    printer: str


@dataclass(frozen=True)
class AskLeftAt:
    """A slip of a visit from an earlier day: the office gives the time they left first."""

    visit_id: int
    name: str
    signed_in_at: dt.datetime  # naive UTC


@dataclass(frozen=True)
class Scanned:
    """A code scanned at the office: the line to show, or a question to ask first."""

    line: str = ""
    ask: AskLeftAt | None = None


@dataclass(frozen=True)
class PublicSignedIn:
    """A visitor signed in at the public screen, for its "done" step."""

    name: str
    badge: str
    supervised: bool
    pending: bool  # a phone to hand in to the office now
    exception_pending: bool  # an organisation's exception the office confirms
    job: int | None  # the slip's print job


@dataclass(frozen=True)
class PublicSignedOut:
    """A visitor signed out with their own slip at the public screen."""

    name: str
    collect: str  # the slot their phone waits in for the office to return it
    held: str  # a phone the school still holds: its state


# ---------------------------------------------------------------- shared look-ups


def _acting(who: SignedIn, permission: str = "visitors") -> Staff:
    """The signed-in person's row, once they may do ``permission``."""
    from models.staff.auth import require

    staff = staff_row(who)
    require(staff, permission)
    return staff


def device_rules(settings: Settings) -> DeviceRules:
    """The device rules the settings point at (a frozen DeviceRules: plain data)."""
    from models.policy.rules import rules_for

    return rules_for(settings)


def returning_visitors(prefix: str) -> list[Returning]:
    """Type-ahead: returning visitors with a word of their name (or the name) starting with ``prefix``."""
    from models.visitors.visits import find_returning

    typed = " ".join(prefix.split()).casefold()
    if len(typed) < 3:
        return []
    found = [
        Returning(v.id, v.name, v.organisation, v.visitor_type, v.car_reg or "")
        for v in find_returning(prefix, limit=5)
    ]
    return [r for r in found if any(w.startswith(typed) for w in [r.name.casefold(), *r.name.casefold().split()])]


def printer_line(printer: Any) -> str:
    """The printer's outbox in one line (waiting, offline, in doubt)."""
    from models import outbox

    return outbox.printer_status(printer).line()


# ---------------------------------------------------------------- the office


def office_list(who: SignedIn, settings: Settings, printer: Any, now: dt.datetime) -> OfficeList:
    from models import outbox
    from models.visitors import visits as visitors

    _acting(who)
    return OfficeList(rows=visitors.office_list(settings, now), printer=outbox.printer_status(printer).line())


def sign_in(who: SignedIn, settings: Settings, rules: DeviceRules, s: StaffSignIn, now: dt.datetime) -> str:
    from models.visitors import visits as visitors

    d = s.details
    done = visitors.sign_in(
        settings=settings,
        rules=rules,
        rules_accepted=s.rules_accepted,
        name=d.name,
        organisation=d.organisation,
        visitor_type=d.visitor_type,
        purpose=d.purpose,
        visiting=d.visiting,
        phone=s.phone,
        car_reg=d.car_reg or None,
        actor=_acting(who),
        id_seen=s.id_seen,
        dbs_assured=s.dbs_assured,
        dbs_confirmed_by=s.dbs_confirmed_by or None,
        supervised=s.supervised,
        visitor_id=d.visitor_id,
        now=now,
    )
    return done.line() + " The slip is printing."


def sign_out(
    who: SignedIn,
    now: dt.datetime,
    slip_code: str | None = None,
    visit_id: int | None = None,
    left_at: dt.datetime | None = None,
) -> str:
    from models.visitors import visits as visitors

    return visitors.sign_out(
        slip_code=slip_code, visit_id=visit_id, actor=_acting(who), left_at=left_at, now=now
    ).line()


def scan(who: SignedIn, settings: Settings, now: dt.datetime, code: str) -> Scanned:
    """A code scanned at the visitors screen: a V label (receive / return the phone) or a slip (sign out).

    A slip of a visit from an earlier day signs nobody out here: the screen asks for
    the time they left first (``Scanned.ask``).
    """
    from models.custody import codes
    from models.errors import InvalidCode
    from models.visitors import visits as visitors

    staff = _acting(who)
    try:
        prefix = codes.normalise(code)[0]
    except InvalidCode:
        raise InvalidCode(
            "That is not a visitor's slip or phone label: scan the QR code on the slip, or the V label on the phone."
        ) from None
    if prefix == codes.VISITOR_PREFIX:
        return Scanned(line=visitors.phone_action(code=code, actor=staff, now=now).line())
    if prefix == codes.PUPIL_PREFIX:
        raise InvalidCode(
            f"{codes.normalise(code)} is a pupil's phone label: use Hand in or Release for pupils' phones."
        )
    visit = visitors.find_by_slip_code(code)
    if visit.signed_out_at is None and visitors.is_earlier_day(visit, now, settings.tz):
        return Scanned(ask=AskLeftAt(visit.id, visit.name, visit.signed_in_at))
    return Scanned(line=visitors.sign_out(slip_code=code, actor=staff, now=now).line())


def phone(who: SignedIn, visit_id: int, now: dt.datetime) -> str:
    """The row's phone: received into a slot, or returned from it."""
    from models.visitors import visits as visitors

    return visitors.phone_action(visit_id=visit_id, actor=_acting(who), now=now).line()


def confirm_exception(who: SignedIn, visit_id: int, now: dt.datetime) -> str:
    """An organisation's exception confirmed with the visitor's photo ID seen."""
    from models.visitors import visits as visitors

    visit = visitors.confirm_exception(visit_id, actor=_acting(who), id_seen=True, now=now)
    return f"Exception confirmed for {visit.name}, ID seen: they may use their phone as it allows."


@dataclass(frozen=True)
class RollCall:
    """The fire roll call, for the screen (it is shown whatever the printer does)."""

    title: str  # "Fire roll call at 14:05: 2 visitors on site"
    lines: tuple[str, ...]  # one per visitor, by surname: name, organisation, time in, visiting
    message: str  # what happened to the printed copy


def roll_call(who: SignedIn, settings: Settings, now: dt.datetime) -> RollCall:
    """Everyone on site now, shown on screen and queued for the printer; the message says
    when the printer is offline (the copy waits in the outbox: the screen is the list)."""
    from models import outbox
    from models.clock import to_local
    from models.visitors import visits as visitors

    staff = _acting(who)
    tz = settings.tz
    rows = visitors.roll_call_rows(settings, now)
    visitors.print_roll_call(settings, actor=staff, now=now)
    status = outbox.printer_status(settings.printer_spec)
    n = len(rows)
    count = f"{n} visitor{'' if n == 1 else 's'} on site"
    taken = to_local(now, tz)
    lines = []
    for r in rows:
        since = to_local(r.signed_in_at, tz)
        when = since.strftime("%H:%M") if since.date() == taken.date() else since.strftime("%H:%M on %a %d %b")
        line = f"[ ] {r.name}: {r.organisation or 'no organisation'}, in at {when}"
        lines.append(line + (f", visiting {r.visiting}" if r.visiting else ""))
    if status.online is False:
        why = f" ({status.last_error.rstrip('.')})" if status.last_error else ""
        message = (
            f"The printer is offline{why}: use the roll call on screen ({count}). "
            "The printed copy waits and prints when the printer is back."
        )
    else:
        message = f"Fire roll call sent to the printer: {count}."
    return RollCall(f"Fire roll call at {taken:%H:%M}: {count}", tuple(lines), message)


def print_phone_label(who: SignedIn, settings: Settings, visit_id: int, now: dt.datetime) -> str:
    """Print the V label for a visitor's phone (held by the office, or to be received)."""
    from models.visitors import visits as visitors

    code, _ = visitors.print_phone_label(settings, visit_id, actor=_acting(who, "print"), now=now)
    return f"Printing phone label {code}: stick it on the phone (scan it to receive or return the phone)."


def reprint(who: SignedIn, visit_id: int, name: str, now: dt.datetime) -> str:
    from models.visitors import visits as visitors

    visitors.reprint_slip(visit_id, actor=_acting(who, "print"), now=now)
    return f"Reprinting {name}'s slip."


def retry_printing(who: SignedIn, now: dt.datetime) -> str:
    from models import outbox

    n = outbox.retry_now(actor=_acting(who, "print"), now=now)
    if not n:
        return "No print jobs are waiting."
    return f"Trying the printer again now: {n} job{'' if n == 1 else 's'} waiting."


def concern(who: SignedIn, visit_id: int, name: str, what: str, now: dt.datetime) -> str:
    """A concern about a visitor's device use, for the DSL."""
    from models.safeguarding.concerns import raise_concern

    raise_concern(
        _acting(who, "raise_concern"),
        about_kind="visitor",
        visit_id=visit_id,
        what=what,
        category="visitor_device",
        now=now,
    )
    return f"Concern about {name}'s device use recorded for the DSL."


# ---------------------------------------------------------------- the public screen (nobody signed in)


class SlipGuard:
    """Slip codes tried at one public screen. A right slip signs its visitor out or fills
    in their details, so codes must not be guessed there: after ``FREE`` wrong slips in a
    row the screen takes none for ``PAUSE`` seconds, doubling with each further wrong one,
    and sends the visitor to the office. A right slip starts the count again. (A visitor
    who misreads their slip once or twice never meets it.)"""

    FREE = 3
    PAUSE = 30.0
    REFUSED = "Too many slips were not recognised here: please see the office."

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.misses = 0
        self.until: dt.datetime | None = None

    def check(self, now: dt.datetime) -> None:
        from models.errors import RuleViolation

        with self._lock:
            if self.until is not None and now < self.until:
                raise RuleViolation(self.REFUSED)

    def missed(self, now: dt.datetime) -> None:
        with self._lock:
            self.misses += 1
            if self.misses >= self.FREE:
                self.until = now + dt.timedelta(seconds=self.PAUSE * 2 ** (self.misses - self.FREE))

    def found(self) -> None:
        with self._lock:
            self.misses, self.until = 0, None


def public_slip(now: dt.datetime, code: str, guard: SlipGuard) -> PublicSignedOut | Returning:
    """A slip scanned at the public screen: today's open visit signs out; an old one gives
    the visitor back. A wrong slip counts against ``guard`` (see :class:`SlipGuard`)."""
    from models.errors import InvalidCode, NotFound
    from models.store.tables import Visitor
    from models.visitors import visits as visitors

    guard.check(now)
    try:
        visit = visitors.find_by_slip_code(code)
    except (InvalidCode, NotFound):
        guard.missed(now)
        raise
    guard.found()
    if visit.signed_out_at is None:
        return public_sign_out(now, slip_code=code)
    v = Visitor.get_by_id(visit.visitor_id)
    return Returning(v.id, v.name, v.organisation, v.visitor_type, v.car_reg or "")


def public_sign_in(
    settings: Settings, rules: DeviceRules, details: Details, phone: str, now: dt.datetime
) -> PublicSignedIn:
    from models.visitors import visits as visitors

    done = visitors.sign_in(
        settings=settings,
        rules=rules,
        rules_accepted=True,
        name=details.name,
        organisation=details.organisation,
        visitor_type=details.visitor_type,
        purpose=details.purpose,
        visiting=details.visiting,
        phone=phone,
        car_reg=details.car_reg or None,
        visitor_id=details.visitor_id,
        actor=None,
        now=now,
    )
    return PublicSignedIn(
        name=done.visit.name,
        badge=done.badge_number,
        supervised=done.supervised,
        pending=done.phone_pending,
        exception_pending=done.exception_pending,
        job=done.print_job_id,
    )


def public_sign_out(now: dt.datetime, slip_code: str) -> PublicSignedOut:
    """Sign out with the visitor's own slip (the only way at the public screen)."""
    from models.visitors import visits as visitors

    out = visitors.sign_out(slip_code=slip_code, actor=None, now=now)
    return PublicSignedOut(name=out.visit.name, collect=out.collect_slot, held=out.phone_held)
