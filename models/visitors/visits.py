"""Visitors: sign-in with the device rules, the phone question and the slip; sign-out.

Everything here is one transaction per action. :func:`sign_in` validates all its
input first (nothing is written if anything is wrong), then writes together: the
visitor (new, or the returning one updated), the visit, its audit entry, the V-label
of a phone to hand in (a ``Device(kind="visitor")``, so the tray and the ledger stay
one truth), and the slip's print job in the outbox. A printer that is off never loses
a visit: the slip waits in the outbox.

A visitor's phone is received and returned only by a member of staff, and the custody
event names them (:func:`phone_action`): at self-service the visitor only says they
will hand it in (the phone is *pending*, with no slot); the office receives it when it
applies or scans the V label, and returns it ("returned to the visitor") when it scans
that label again, acts from its list, or signs the visitor out. A slot is free only
after that return: a visitor who signs out at self-service with their phone still held
is told to collect it from the office, and the phone stays held until then.

Self-service (``actor=None``) may sign in only visitor types whose checks need no
member of staff (no ID to see, no DBS assurance to confirm); for the others it says
"please see the office". It signs out only with the visitor's own slip, on the day
they came, and says nothing about anyone else. An exception is claimed there only by
the person it names; an organisation's exception waits for the office to confirm it
with ID seen (:func:`confirm_exception`). Staff (``actor`` a Staff with the
``visitors`` permission) confirm the checks the school's config asks for each type,
and give the time a visitor from an earlier day left.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from peewee import JOIN, Expression

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import day_bounds, local_day, local_to_utc, to_local, utcnow
from models.config import VISITOR_TYPE_NAMES, VISITOR_TYPE_SHORT, VISITOR_TYPES, Settings, VisitorChecks
from models.custody import codes
from models.custody import ledger as custody
from models.custody.trays import overflow_place, slot_name
from models.errors import InvalidCode, NotFound, RuleViolation, ValidationError
from models.policy import agreed
from models.policy.rules import DeviceRules
from models.staff.auth import require
from models.store.db import tuples as _tuples
from models.store.tables import AgreedException, Device, DeviceState, Label, Staff, Tray, Visit, Visitor

if TYPE_CHECKING:
    from printing import Document

TRAY, CAR_OR_OFF, EXCEPTION = "tray", "car_or_off", "exception"
PHONE_CHOICES = (TRAY, CAR_OR_OFF, EXCEPTION)
# Stored, never chosen: an organisation's exception claimed at self-service, for the
# office to confirm (ID seen) from its list.
EXCEPTION_PENDING = "exception_pending"
PHONE_WORDS = {
    TRAY: "handed in to the office",
    CAR_OR_OFF: "left in the car or switched off",
    EXCEPTION: "agreed exception",
    EXCEPTION_PENDING: "exception claimed: the office to confirm",
}
SELF_SERVICE = "self-service"
SLIP_NEEDED = "To sign out here, scan the QR code on your slip. No slip? Please see the office."
ORG_EXCEPTION_PENDING = (
    "Your organisation's exception is confirmed by the office, with photo ID: "
    "please see the office. Until then, keep your phone switched off and out of sight."
)

LIMITS = {"name": 100, "organisation": 100, "purpose": 200, "visiting": 100, "dbs_confirmed_by": 100}
_CAR_REG = re.compile(r"^[A-Z0-9]{1,10}$")
_PREFIX = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]*)*$")
NO_EXCEPTION = "No agreed exception found for you: please see the office."


class NoAgreedException(RuleViolation):
    """An agreed exception was chosen and none is on record: the visitor may choose again."""


# ---------------------------------------------------------------- validation


def _line(value: object, what: str, *, required: bool = True, limit: int = 100) -> str:
    """One line of typed text: trimmed, single spaces, printable, at most ``limit``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"The {what} must be text.")
    if any(not ch.isprintable() for ch in value.strip()):
        raise ValidationError(f"The {what} contains control characters: type it again.")
    text = " ".join(value.split())
    if not text:
        if required:
            raise ValidationError(f"Please give the {what}.")
        return ""
    if len(text) > limit:
        raise ValidationError(f"The {what} is too long ({len(text)} characters; at most {limit}).")
    return text


def _car_reg(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or any(not ch.isprintable() for ch in value):
        raise ValidationError("The car registration contains control characters: type it again.")
    reg = "".join(value.split()).upper()
    if not reg:
        return None
    if not _CAR_REG.match(reg):
        raise ValidationError("A car registration is up to 10 letters and digits, e.g. AB12 CDE.")
    return reg


# The typed details, in form order: (field, how a message names it).
DETAIL_FIELDS = (
    ("name", "name"),
    ("organisation", "organisation"),
    ("purpose", "purpose of your visit"),
    ("visiting", "name of the person you are visiting"),
)


class DetailError(ValidationError):
    """A visitor's typed detail is wrong; ``field`` names it (a DETAIL_FIELDS key or ``car_reg``)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def clean_details(
    *, name: object, organisation: object, purpose: object, visiting: object, car_reg: str | None
) -> dict[str, str | None]:
    """The details a visitor typed, trimmed and checked, in form order: the first
    problem raises :class:`DetailError` naming the field. Used by :func:`sign_in` and by
    the forms (so they can say which box to correct before anything is sent)."""
    given = {"name": name, "organisation": organisation, "purpose": purpose, "visiting": visiting}
    out: dict[str, str | None] = {}
    for field, words in DETAIL_FIELDS:
        try:
            out[field] = _line(given[field], words, required=field != "organisation", limit=LIMITS[field])
        except ValidationError as exc:
            raise DetailError(exc.message, field) from None
    try:
        out["car_reg"] = _car_reg(car_reg)
    except ValidationError as exc:
        raise DetailError(exc.message, "car_reg") from None
    return out


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def visitor_type_name(vtype: str) -> str:
    return VISITOR_TYPE_NAMES.get(vtype, vtype)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class SignedIn:
    visit: Visit
    visitor: Visitor
    badge_number: str
    slip_code: str
    supervised: bool
    phone_choice: str
    slot: str = ""  # the tray slot of a phone the office received
    phone_label: str = ""  # the V-code to stick on it
    print_job_id: int | None = None

    @property
    def phone_pending(self) -> bool:
        """The visitor said they will hand their phone in; the office has not received it yet."""
        return self.phone_choice == TRAY and not self.slot

    @property
    def exception_pending(self) -> bool:
        return self.visit.phone_choice == EXCEPTION_PENDING

    def line(self) -> str:
        text = f"Signed in {self.visit.name}, badge {self.badge_number}"
        if self.slot:
            text += f"; phone received into slot {self.slot} (label {self.phone_label})"
        return text + "."


@dataclass(frozen=True)
class SignedOut:
    visit: Visit
    slot: str = ""  # where the phone the office returned was
    phone_held: str = ""  # a phone the school still holds (confiscated/police): its state
    collect_slot: str = ""  # signed out at self-service: the phone waits in this slot for the office to return it

    def line(self) -> str:
        text = f"Signed out {self.visit.name}"
        if self.slot:
            text += f": give back the phone from slot {self.slot} (recorded as returned to the visitor)"
        elif self.collect_slot:
            text += f": their phone stays in slot {self.collect_slot} until the office returns it"
        elif self.phone_held:
            text += f": their phone is {custody.STATE_WORDS.get(self.phone_held, self.phone_held)}; see the DSL"
        return text + "."


# ---------------------------------------------------------------- sign in


def _checks_for(settings: Settings, vtype: str) -> VisitorChecks:
    return settings.visitor_checks.get(vtype) or VisitorChecks()


def _new_slip_code() -> str:
    for _ in range(100):
        code = codes.random_code(codes.SLIP_PREFIX)
        if not Visit.select().where(Visit.slip_code == code).exists():
            return code
    raise RuntimeError("could not find a free slip code")


def _badge_number(now: dt.datetime, tz: ZoneInfo) -> str:
    """The day's next badge number (001, 002 …), skipping a number still worn by a visitor
    left signed in from an earlier day (two 001s on site confuse the fire roll call);
    runs under the write lock."""
    start, end = day_bounds(local_day(now, tz), tz)
    n = Visit.select().where((Visit.signed_in_at >= start) & (Visit.signed_in_at < end)).count()
    worn = {  # today's numbers, and those still on site from earlier days
        number
        for (number,) in _tuples(
            Visit.select(Visit.badge_number).where(
                ((Visit.signed_in_at >= start) & (Visit.signed_in_at < end))
                | (Visit.signed_out_at.is_null() & (Visit.signed_in_at < start))
            )
        )
    }
    n += 1
    while f"{n:03d}" in worn:
        n += 1
    return f"{n:03d}"


def _new_visitor_phone(actor: Staff | None, now: dt.datetime) -> tuple[Device, Label]:
    from models.custody.devices import _new_code  # noqa: PLC0415 - the one place codes are allocated

    device = Device.create(kind="visitor", pupil=None, description="visitor phone", registered_at=now)
    DeviceState.create(device=device, state=custody.OUT, since=now)
    label = Label.create(code=_new_code(codes.VISITOR_PREFIX), device=device, issued_at=now)
    audit.append(actor, "device.register", "device", device.id, {"label_id": label.id, "kind": "visitor"}, now)
    return device, label


def _matching_exception(name: str, organisation: str, day: dt.date) -> AgreedException | None:
    """The headteacher's recorded exception for this visitor today, or None."""
    return agreed.active_for_visitor(name, organisation, day)


def sign_in(
    *,
    settings: Settings,
    rules: DeviceRules,
    rules_accepted: bool,
    name: str,
    organisation: str,
    visitor_type: str,
    purpose: str,
    visiting: str,
    phone: str,
    car_reg: str | None = None,
    actor: Staff | None = None,
    id_seen: bool = False,
    dbs_assured: bool | None = None,
    dbs_confirmed_by: str | None = None,
    supervised: bool | None = None,
    visitor_id: int | None = None,
    now: dt.datetime | None = None,
) -> SignedIn:
    """Sign a visitor in; one plain-English KioskError if anything is missing or wrong.

    ``rules`` is the :class:`DeviceRules` the visitor was shown; its version and hash
    are stored. ``phone`` is ``tray``, ``car_or_off`` or ``exception``. ``visitor_id``
    names a returning visitor found by :func:`find_returning` or a scanned slip.
    """
    now = now or utcnow()
    tz = settings.tz
    # -- everything that needs no database
    details = clean_details(name=name, organisation=organisation, purpose=purpose, visiting=visiting, car_reg=car_reg)
    name, organisation, purpose, visiting = (details[f] or "" for f, _ in DETAIL_FIELDS)  # text: only car_reg is None
    car = details["car_reg"]
    if visitor_type not in VISITOR_TYPES:
        raise ValidationError(
            "Choose the kind of visitor: " + ", ".join(VISITOR_TYPE_NAMES[t].lower() for t in VISITOR_TYPES) + "."
        )
    if phone not in PHONE_CHOICES:
        raise ValidationError("Say where your phone is: handed in, in the car or switched off, or an agreed exception.")
    if rules_accepted is not True:
        raise RuleViolation("Please read the device rules and accept them to sign in.")
    if not isinstance(rules, DeviceRules):
        raise TypeError("rules must be the DeviceRules shown to the visitor")
    checks = _checks_for(settings, visitor_type)
    kind_words = visitor_type_name(visitor_type).lower()
    if actor is None:
        if checks.id_seen or checks.dbs_assured:
            raise RuleViolation(f"A {kind_words} is signed in by the office (ID and checks): please see the office.")
        if supervised is not None and supervised != checks.supervised:
            raise RuleViolation("Only the office can change whether a visitor is supervised.")
        id_seen, dbs_assured, dbs_by = False, None, None
    else:
        if checks.id_seen and id_seen is not True:
            raise RuleViolation(f"Check the photo ID of a {kind_words} and confirm it was seen.")
        dbs_by = (
            _line(
                dbs_confirmed_by,
                "name of who confirmed the DBS assurance",
                required=False,
                limit=LIMITS["dbs_confirmed_by"],
            )
            or None
        )
        if checks.dbs_assured:
            if dbs_assured is not True:
                raise RuleViolation(
                    f"A {kind_words} needs DBS assurance from their employer: without it they cannot be signed in."
                )
            if dbs_by is None:
                raise ValidationError("Say who confirmed the DBS assurance (name and organisation).")
        elif dbs_assured is None:
            dbs_by = None
        elif dbs_assured and dbs_by is None:
            raise ValidationError("Say who confirmed the DBS assurance (name and organisation).")
    band = checks.supervised if supervised is None else bool(supervised)
    exception_id = None
    stored_choice = phone
    if phone == EXCEPTION:
        found = _matching_exception(name, organisation, local_day(now, tz))
        if found is None:
            raise NoAgreedException(NO_EXCEPTION)
        if found.subject_kind == "visitor":  # names this person: theirs to claim
            exception_id = int(found.id)
        elif actor is None:  # an organisation's: only the office confirms it, with ID seen
            stored_choice = EXCEPTION_PENDING
        elif id_seen is not True:
            raise RuleViolation("An organisation's exception is confirmed with photo ID: check it and tick ID seen.")
        else:
            exception_id = int(found.id)

    from printing import render_for, visitor_slip, warm_up  # noqa: PLC0415

    spec = settings.printer_spec
    warm_up()  # import python-escpos before taking the write lock (first time ~0.2 s)

    with write_tx():
        if actor is not None:
            require(actor, "visitors")
        # At self-service a typed name never finds anyone: only the visitor's own (scanned) slip
        # does. Matching on a typed name would tell a stranger that someone of that name is
        # here, and write their visit (and car) into another person's record.
        visitor = _returning_or_new(
            visitor_id, name, organisation, visitor_type, car, now, match_name=actor is not None
        )
        open_visit = Visit.get_or_none((Visit.visitor == visitor.id) & Visit.signed_out_at.is_null())
        if open_visit is not None:
            if actor is None:  # their own slip was scanned: it is theirs to hear
                raise RuleViolation("You are signed in already: scan today's slip to sign out, or see the office.")
            raise RuleViolation(
                f"{open_visit.name} is already signed in (badge {open_visit.badge_number}): sign out first."
            )
        badge = _badge_number(now, tz)
        slip_code = _new_slip_code()
        device = label = None
        if phone == TRAY:
            device, label = _new_visitor_phone(actor, now)
        visit = Visit.create(
            visitor=visitor,
            name=name,
            organisation=organisation,
            visitor_type=visitor_type,
            badge_number=badge,
            slip_code=slip_code,
            purpose=purpose,
            visiting=visiting,
            car_reg=car,
            id_seen=bool(id_seen),
            dbs_assured=dbs_assured,
            dbs_confirmed_by=dbs_by,
            supervised=band,
            phone_choice=stored_choice,
            exception_id=exception_id,
            device=device,
            rules_version=rules.version,
            rules_sha256=rules.sha256,
            rules_accepted_at=now,
            signed_in_at=now,
            signed_in_by=actor,
        )
        audit.append(
            actor if actor is not None else SELF_SERVICE,
            "visit.sign_in",
            "visit",
            visit.id,
            {
                "visitor_id": visitor.id,
                "type": visitor_type,
                "badge": badge,
                "slip_code": slip_code,
                "phone": stored_choice,
                "exception_id": exception_id,
                "device_id": device.id if device else None,
                "id_seen": bool(id_seen),
                "dbs_assured": dbs_assured,
                "supervised": band,
                "rules_version": rules.version,
                "rules_sha256": rules.sha256,
            },
            now,
        )
        slot = ""
        if device is not None and actor is not None:  # the office has the phone in its hands
            assert label is not None  # made with the device
            _, slot = custody.hand_in_visitor_phone(device.id, actor, label.code, now=now)
        # at self-service the phone is only promised: the office receives it (receive_phone)
        doc = visitor_slip(
            school_name=settings.school_name,
            visitor_name=name,
            organisation=organisation,
            time_in=to_local(now, tz).replace(tzinfo=None),
            badge_number=badge,
            supervised=band,
            device_rules=list(rules.short),
            dsl_name=settings.dsl_name,
            report_concern=settings.report_concern,
            signout_code=slip_code,
            visiting=visiting,
        )
        from models import outbox  # noqa: PLC0415

        job = outbox.enqueue(
            render_for(spec, doc),
            kind="slip",
            printer_url=spec.to_url(),
            ref=f"visit:{visit.id}",
            title=f"Visitor slip, badge {badge}",
            actor=actor if actor is not None else SELF_SERVICE,
            now=now,
        )
    return SignedIn(visit, visitor, badge, slip_code, band, phone, slot, label.code if label else "", job.id)


def _returning_or_new(
    visitor_id: int | None,
    name: str,
    organisation: str,
    vtype: str,
    car: str | None,
    now: dt.datetime,
    *,
    match_name: bool = True,
) -> Visitor:
    key = name_key(name)
    if visitor_id is not None:
        visitor = Visitor.get_or_none(Visitor.id == visitor_id)
        if visitor is None:
            raise NotFound("That returning visitor is no longer on record: sign in as new.")
    elif not match_name:
        visitor = None
    else:
        visitor = (
            Visitor.select()
            .where((Visitor.name_key == key) & (Visitor.organisation == organisation))
            .order_by(Visitor.id.desc())
            .first()
        )
    if visitor is None:
        return Visitor.create(
            name=name,
            name_key=key,
            organisation=organisation,
            visitor_type=vtype,
            car_reg=car,
            last_visit_at=now,
            created_at=now,
        )
    Visitor.update(
        name=name,
        name_key=key,
        organisation=organisation,
        visitor_type=vtype,
        car_reg=car if car is not None else visitor.car_reg,
        last_visit_at=now,
    ).where(Visitor.id == visitor.id).execute()
    return Visitor.get_by_id(visitor.id)


# ---------------------------------------------------------------- sign out


def _visit_by_slip(code: str) -> Visit:
    try:
        code = codes.normalise(code)
    except InvalidCode:
        raise InvalidCode("That is not a visitor slip: scan the QR code on the slip.") from None
    if code[0] != codes.SLIP_PREFIX:
        raise InvalidCode(f"{code} is a phone label, not a visitor slip: scan the QR code on the slip.")
    visit = Visit.get_or_none(Visit.slip_code == code)
    if visit is None:
        raise NotFound(f"No visit has slip {code}.")
    return visit


def find_by_slip_code(code: str) -> Visit:
    """The visit whose slip was scanned (for sign-out, or to prefill a returning visitor)."""
    return _visit_by_slip(code)


def _spend_label(device_id: int, now: dt.datetime, reason: str) -> int | None:
    """The phone has gone back to its visitor (or never came): its V-label is spent."""
    label = Label.get_or_none((Label.device == device_id) & Label.revoked_at.is_null())
    Device.update(active=False).where(Device.id == device_id).execute()
    if label is None:
        return None
    Label.update(revoked_at=now, revoke_reason=reason).where(Label.id == label.id).execute()
    return label.id


def is_earlier_day(visit: Visit, now: dt.datetime, tz: ZoneInfo | None = None) -> bool:
    """The visit began on an earlier local day than ``now``."""
    from models.clock import SCHOOL_TZ  # noqa: PLC0415

    tz = tz or SCHOOL_TZ
    return local_day(visit.signed_in_at, tz) < local_day(now, tz)


def _when(at: dt.datetime, tz: ZoneInfo | None = None) -> str:
    from models.clock import SCHOOL_TZ  # noqa: PLC0415

    local = to_local(at, tz or SCHOOL_TZ)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B}"


def sign_out(
    *,
    slip_code: str | None = None,
    visit_id: int | None = None,
    actor: Staff | None = None,
    left_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> SignedOut:
    """Sign a visitor out by their slip's QR code, or (office only) by the visit picked from the list.

    At self-service (``actor`` None) only the visitor's own slip signs them out, and
    only on the day they came. A phone the office holds stays held: the visitor
    collects it from the office, who return it (:func:`return_phone`). When the
    office signs a visitor out, their phone is returned in the same transaction, by
    that member of staff.

    ``left_at`` (naive UTC) is when the visitor left, given by the office; it is
    required for a visit from an earlier day (never today's time silently), and may
    not be before the sign-in or in the future.
    """
    now = now or utcnow()
    if (slip_code is None) == (visit_id is None):
        raise ValidationError("Scan the slip or pick the visitor from the list.")
    if actor is None and visit_id is not None:
        raise RuleViolation(SLIP_NEEDED)
    if actor is None and left_at is not None:
        raise RuleViolation("Only the office can record an earlier time of leaving.")
    with write_tx():
        if actor is not None:
            require(actor, "visitors")
        visit: Visit | None
        if slip_code is not None:
            visit = _visit_by_slip(slip_code)
        else:
            visit = Visit.get_or_none(Visit.id == visit_id)
            if visit is None:
                raise NotFound("There is no such visit.")
        if visit.signed_out_at is not None:
            when = to_local(visit.signed_out_at).strftime("%H:%M")
            raise RuleViolation(f"{visit.name} already signed out at {when}.")
        earlier = is_earlier_day(visit, now)
        if earlier and actor is None:
            raise RuleViolation(
                f"This slip is from {to_local(visit.signed_in_at):%A} {to_local(visit.signed_in_at).day} "
                f"{to_local(visit.signed_in_at):%B}: please see the office to sign out."
            )
        if earlier and left_at is None:
            raise ValidationError(f"{visit.name} signed in at {_when(visit.signed_in_at)}: give the time they left.")
        if left_at is not None:
            if left_at < visit.signed_in_at.replace(second=0, microsecond=0):
                raise ValidationError(
                    f"{visit.name} signed in at {_when(visit.signed_in_at)}: the time they left cannot be before that."
                )
            if left_at > now:
                raise ValidationError("The time they left is in the future.")
            left_at = max(left_at, visit.signed_in_at)  # the minute they came: never a second before
        out_at = left_at or now
        slot, held, collect = "", "", ""
        details: dict = {"visitor_id": visit.visitor_id}
        if left_at is not None:
            details["left_at_given"] = True
            details["recorded_at"] = now.isoformat(timespec="seconds")
        if visit.device_id is not None:
            row = custody.state_of(visit.device_id)
            device = Device.get_by_id(visit.device_id)
            if row.state == custody.IN_TRAY and actor is None:
                collect = _slot_of(row)
                details["phone_awaits_return"] = True
            elif row.state == custody.IN_TRAY and actor is not None:
                event, slot = custody.return_visitor_phone(visit.device_id, actor, now=now)
                assert event is not None  # in the tray (read above, in this transaction): a return is written
                details["custody_event_id"] = event.id
                details["label_id"] = _spend_label(visit.device_id, now, "returned to the visitor")
            elif row.state in (custody.CONFISCATED, custody.POLICE):
                held = row.state
            elif device.active:  # promised at self-service, never received by the office
                details["phone_not_received"] = True
                details["label_id"] = _spend_label(visit.device_id, now, "visit ended; phone never received")
            details["device_id"] = visit.device_id
        n = (
            Visit.update(signed_out_at=out_at, signed_out_by=actor)
            .where((Visit.id == visit.id) & Visit.signed_out_at.is_null())
            .execute()
        )
        if n != 1:  # pragma: no cover - the write lock makes this impossible
            raise RuleViolation(f"{visit.name} has just been signed out.")
        audit.append(actor if actor is not None else SELF_SERVICE, "visit.sign_out", "visit", visit.id, details, now)
        visit = Visit.get_by_id(visit.id)
    return SignedOut(visit, slot, held, collect)


def _slot_of(row: DeviceState) -> str:
    if row.tray_id is None:
        return ""
    return slot_name(Tray.get_by_id(row.tray_id).name, row.slot_no)


# ---------------------------------------------------------------- the office receives and returns phones


@dataclass(frozen=True)
class PhoneDone:
    """A visitor's phone received or returned by the office."""

    name: str
    received: bool  # True: received into ``slot``; False: returned from it
    slot: str
    code: str
    overflow: bool | None = None  # in the overflow place (``slot`` names it); None: compare with the configured one

    def line(self) -> str:
        overflow = self.slot == overflow_place() if self.overflow is None else self.overflow
        where = self.slot if overflow else f"slot {self.slot}"
        if self.received:
            extra = " No free slot: tell the office to add slots." if overflow else ""
            return f"Received {self.name}'s phone ({self.code}): put it in {where}.{extra}"
        return f"Returned {self.name}'s phone ({self.code}) from {where}: give it back to them."


def _visit_of_device(device_id: int) -> Visit:
    visit = Visit.select().where(Visit.device == device_id).order_by(Visit.id.desc()).first()
    if visit is None:
        raise NotFound("No visit has that phone.")
    return visit


def _visit_and_label(code: str | None, visit_id: int | None) -> tuple[Visit, Label | None]:
    if (code is None) == (visit_id is None):
        raise ValidationError("Scan the phone's V label or pick the visitor from the list.")
    if code is not None:
        code = codes.normalise(code)
        if code[0] != codes.VISITOR_PREFIX:
            raise InvalidCode(f"{code} is not a visitor's phone label: scan the V label on the phone.")
        label = Label.get_or_none(Label.code == code)
        if label is None:
            raise NotFound(f"No visitor's phone has label {code}.")
        visit = _visit_of_device(label.device_id)
        if label.revoked_at is not None:
            if visit.signed_out_at is None:  # the phone went back, the visitor is still here
                raise RuleViolation(
                    f"Label {code} was {label.revoke_reason or 'retired'}: {visit.name} has the phone back "
                    "and is still signed in."
                )
            raise RuleViolation(f"Label {code} was {label.revoke_reason or 'retired'}: {visit.name}'s visit is over.")
        return visit, label
    by_id = Visit.get_or_none(Visit.id == visit_id)
    if by_id is None:
        raise NotFound("There is no such visit.")
    visit = by_id
    if visit.device_id is None:
        raise RuleViolation(f"{visit.name} did not say they would hand a phone in.")
    label = Label.get_or_none((Label.device == visit.device_id) & Label.revoked_at.is_null())
    return visit, label


def phone_action(
    *, code: str | None = None, visit_id: int | None = None, actor: Staff, now: dt.datetime | None = None
) -> PhoneDone:
    """The office scans a visitor's V label (or acts on their row of the list).

    A phone the visitor said they would hand in is received into the first free shared
    slot; a phone in the tray is returned to the visitor and its label retired (the
    slot is free again). Either way the event names the member of staff.
    """
    now = now or utcnow()
    with write_tx():
        require(_staff(actor), "visitors")
        visit, label = _visit_and_label(code, visit_id)
        row = custody.state_of(visit.device_id)
        device = Device.get_by_id(visit.device_id)
        if row.state == custody.OUT:
            if not device.active or label is None or _gone_back([device.id]):
                raise RuleViolation(f"{visit.name}'s phone has already gone back to them.")
            if visit.signed_out_at is not None:
                raise RuleViolation(f"{visit.name} has signed out: their phone cannot be received now.")
            event, slot = custody.hand_in_visitor_phone(device.id, actor, label.code, now=now)
            audit.append(actor, "visit.phone_received", "visit", visit.id, {"device_id": device.id, "slot": slot}, now)
            return PhoneDone(visit.name, True, slot, label.code, event.slot_no is None)
        if row.state != custody.IN_TRAY:
            raise RuleViolation(f"{visit.name}'s phone is {custody.STATE_WORDS[row.state]}: see the DSL.")
        returned, slot = custody.return_visitor_phone(device.id, actor, now=now)
        assert returned is not None  # in the tray (read above, in this transaction): a return is written
        label_id = _spend_label(device.id, now, "returned to the visitor")
        audit.append(
            actor,
            "visit.phone_returned",
            "visit",
            visit.id,
            {"device_id": device.id, "custody_event_id": returned.id, "label_id": label_id},
            now,
        )
        return PhoneDone(visit.name, False, slot, label.code if label else "", returned.slot_no is None)


def _staff(actor: object) -> Staff:
    if not isinstance(actor, Staff):
        raise RuleViolation("Only a member of staff can receive or return a visitor's phone: please see the office.")
    return actor


def confirm_exception(visit_id: int, *, actor: Staff, id_seen: bool, now: dt.datetime | None = None) -> Visit:
    """The office confirms an organisation's exception claimed at self-service, with photo ID seen."""
    now = now or utcnow()
    with write_tx():
        require(_staff(actor), "visitors")
        visit = Visit.get_or_none(Visit.id == visit_id)
        if visit is None:
            raise NotFound("There is no such visit.")
        if visit.phone_choice != EXCEPTION_PENDING:
            raise RuleViolation(f"{visit.name} has no exception waiting to be confirmed.")
        if visit.signed_out_at is not None:
            raise RuleViolation(f"{visit.name} has signed out.")
        if id_seen is not True:
            raise RuleViolation(f"Check {visit.name}'s photo ID and tick that it was seen.")
        found = _matching_exception(visit.name, visit.organisation, local_day(now))
        if found is None:
            raise RuleViolation(
                f"No exception covers {visit.name} ({visit.organisation or 'no organisation'}) "
                "today: they keep their phone switched off, or hand it in."
            )
        Visit.update(phone_choice=EXCEPTION, exception_id=found.id, id_seen=True).where(Visit.id == visit.id).execute()
        audit.append(
            actor, "visit.exception_confirmed", "visit", visit.id, {"exception_id": found.id, "id_seen": True}, now
        )
        return Visit.get_by_id(visit.id)


def names_for_devices(device_ids: Iterable[int]) -> dict[int, str]:
    """The visitor's name for each visitor phone among ``device_ids`` (device id -> name)."""
    ids = list(set(device_ids))
    if not ids:
        return {}
    out: dict[int, str] = {}
    for device_id, name in _tuples(
        Visit.select(Visit.device, Visit.name).where(Visit.device.in_(ids)).order_by(Visit.id)
    ):
        out[device_id] = name
    return out


# ---------------------------------------------------------------- finding and listing


def find_returning(prefix: str, *, limit: int = 10) -> list[Visitor]:
    """Returning visitors whose name (any word of it) starts with ``prefix`` (3+ letters).

    Newest visit first. Fewer than three letters gives [] (type-ahead waits).
    """
    text = " ".join((prefix or "").split()).casefold()
    if len(text) < 3:
        return []
    if len(text) > LIMITS["name"] or not _PREFIX.match(text):
        return []  # digits, wildcards, control characters: no visitor's name starts so
    query = (
        Visitor.select()
        .where(Visitor.name_key.startswith(text) | Visitor.name_key.contains(" " + text))
        .order_by(Visitor.last_visit_at.desc(), Visitor.id.desc())
        .limit(limit)
    )
    return list(query)


@dataclass(frozen=True)
class OnSiteRow:
    visit_id: int
    name: str
    organisation: str
    visitor_type: str
    visiting: str
    badge_number: str
    signed_in_at: dt.datetime  # naive UTC
    supervised: bool
    phone_choice: str
    slot: str  # tray slot of a handed-in phone, if it is there
    flagged: bool  # still signed in after the flag time (or since an earlier day)
    phone_state: str = ""  # "pending" (to hand in), custody state of a received phone, or ""
    signed_out: bool = False  # left, but the office still holds their phone (to return)
    earlier_day: bool = False  # signed in on an earlier day than now
    overflow: bool = False  # the phone is in the overflow place (``slot`` names it), not a slot

    @property
    def place(self) -> str:
        """Where the office holds their phone, for a sentence: "slot C-01", or the overflow place."""
        if not self.slot:
            return ""
        return self.slot if self.overflow else f"slot {self.slot}"

    @property
    def type_name(self) -> str:
        return visitor_type_name(self.visitor_type)

    @property
    def type_short(self) -> str:
        """The type in a word or two, for a narrow list ("Professional")."""
        return VISITOR_TYPE_SHORT.get(self.visitor_type, self.visitor_type)

    @property
    def phone_words(self) -> str:
        """Where their phone is, in a few words for the office's list."""
        if self.slot:
            return self.place + (": to return" if self.signed_out else "")
        if self.phone_state == PENDING:
            return "to hand in"
        if self.phone_state in (custody.CONFISCATED, custody.POLICE):
            return custody.STATE_WORDS[self.phone_state]
        if self.phone_choice == EXCEPTION_PENDING:
            return "exception: confirm"
        if self.phone_choice == TRAY:
            return "returned"
        return {CAR_OR_OFF: "car / off", EXCEPTION: "exception"}.get(self.phone_choice, self.phone_choice)


def flag_instant(signed_in_at: dt.datetime, settings: Settings) -> dt.datetime:
    """When a visit that began at ``signed_in_at`` gets flagged (naive UTC)."""
    day = local_day(signed_in_at, settings.tz)
    return local_to_utc(dt.datetime.combine(day, settings.visitor_flag_time), settings.tz)


PENDING = "pending"
_GIVEN_BACK = (custody.RETURNED, custody.RELEASED, custody.RELEASED_TO_CONTACT)


def _gone_back(device_ids: Iterable[int]) -> set[int]:
    """Those of ``device_ids`` whose phone has been given back at least once (never pending again)."""
    from models.store.tables import CustodyEvent  # noqa: PLC0415

    ids = list(set(device_ids))
    if not ids:
        return set()
    return {
        d
        for (d,) in _tuples(
            CustodyEvent.select(CustodyEvent.device).where(
                CustodyEvent.device.in_(ids) & CustodyEvent.kind.in_(_GIVEN_BACK)
            )
        )
    }


def _rows(where: Expression, settings: Settings, now: dt.datetime, *, signed_out: bool = False) -> list[OnSiteRow]:
    query = (
        Visit.select(Visit, DeviceState, Tray, Device)
        .join(DeviceState, JOIN.LEFT_OUTER, on=(Visit.device == DeviceState.device))
        .join(Tray, JOIN.LEFT_OUTER, on=(DeviceState.tray == Tray.id))
        .switch(Visit)
        .join(Device, JOIN.LEFT_OUTER, on=(Visit.device == Device.id))
        .where(where)
        .order_by(Visit.signed_in_at, Visit.id)
    )
    today = local_day(now, settings.tz)
    visits = list(query)
    gone_back = _gone_back([v.device_id for v in visits if v.device_id is not None])
    rows = []
    for v in visits:
        state = getattr(v, "devicestate", None)
        slot, phone_state, overflow = "", "", False
        if state is not None and state.device_id is not None:
            phone_state = state.state
            if state.state == custody.OUT:
                assert v.device is not None  # the phone has a state row: the visit names it
                phone_state = PENDING if v.device.active and v.device_id not in gone_back else ""
            if state.state == custody.IN_TRAY:
                slot = (
                    slot_name(state.tray.name, state.slot_no)
                    if state.tray_id is not None
                    else custody.overflow_place_of(v.device_id)
                )
                overflow = state.tray_id is None
        rows.append(
            OnSiteRow(
                v.id,
                v.name,
                v.organisation,
                v.visitor_type,
                v.visiting,
                v.badge_number,
                v.signed_in_at,
                v.supervised,
                v.phone_choice,
                slot,
                not signed_out and now >= flag_instant(v.signed_in_at, settings),
                phone_state,
                signed_out,
                local_day(v.signed_in_at, settings.tz) < today,
                overflow,
            )
        )
    return rows


def on_site(settings: Settings, now: dt.datetime | None = None) -> list[OnSiteRow]:
    """Everyone signed in and not yet out (whatever day they came), by time in."""
    now = now or utcnow()
    return _rows(Visit.signed_out_at.is_null() & (Visit.signed_in_at <= now), settings, now)


def phones_to_return(settings: Settings, now: dt.datetime | None = None) -> list[OnSiteRow]:
    """Visitors who have signed out while the office still holds their phone in the tray."""
    now = now or utcnow()
    return _rows(
        Visit.signed_out_at.is_null(False) & (DeviceState.state == custody.IN_TRAY), settings, now, signed_out=True
    )


def office_list(settings: Settings, now: dt.datetime | None = None) -> list[OnSiteRow]:
    """The office's list: everyone on site, then those gone whose phone is still to return."""
    return on_site(settings, now) + phones_to_return(settings, now)


def flagged(settings: Settings, now: dt.datetime | None = None) -> list[OnSiteRow]:
    """Visitors still signed in after the configured time: the office should check on them."""
    return [r for r in on_site(settings, now) if r.flagged]


def visits_on(day: dt.date, settings: Settings) -> list[Visit]:
    """Every visit that began on a local day, in order (for the day's visitor book)."""
    start, end = day_bounds(day, settings.tz)
    return list(
        Visit.select()
        .where((Visit.signed_in_at >= start) & (Visit.signed_in_at < end))
        .order_by(Visit.signed_in_at, Visit.id)
    )


def roll_call_rows(settings: Settings, now: dt.datetime | None = None) -> list[OnSiteRow]:
    """Everyone on site for the fire roll call, by surname then name."""
    rows = on_site(settings, now)
    return sorted(rows, key=lambda r: (r.name.split()[-1].casefold(), r.name.casefold()))


def roll_call_document(settings: Settings, now: dt.datetime | None = None) -> Document:
    """The printable fire roll call (printing.Document) of everyone on site now."""
    from printing import OnSite, roll_call  # noqa: PLC0415

    now = now or utcnow()
    tz = settings.tz
    return roll_call(
        school_name=settings.school_name,
        taken_at=to_local(now, tz).replace(tzinfo=None),
        visitors=[
            OnSite(r.name, r.organisation, to_local(r.signed_in_at, tz).replace(tzinfo=None), r.visiting)
            for r in roll_call_rows(settings, now)
        ],
    )


def print_roll_call(settings: Settings, *, actor: object = None, now: dt.datetime | None = None) -> int:
    """Put the fire roll call in the outbox; returns the job id (send it with the worker)."""
    from models import outbox  # noqa: PLC0415
    from printing import render_for  # noqa: PLC0415

    now = now or utcnow()
    spec = settings.printer_spec
    data = render_for(spec, roll_call_document(settings, now))
    with write_tx():
        job = outbox.enqueue(
            data,
            kind="roll_call",
            printer_url=spec.to_url(),
            ref="roll_call",
            title="Fire roll call",
            actor=actor,
            now=now,
        )
    return job.id


def print_phone_label(
    settings: Settings, visit_id: int, *, actor: object = None, now: dt.datetime | None = None
) -> tuple[str, int]:
    """Put the V label of a visit's phone in the outbox (to stick on the phone the office
    holds or is about to receive); returns the label's code and the job id."""
    from models import outbox  # noqa: PLC0415
    from printing import render_for, visitor_phone_label  # noqa: PLC0415

    now = now or utcnow()
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise NotFound("There is no such visit.")
    label = (
        Label.get_or_none((Label.device == visit.device_id) & Label.revoked_at.is_null())
        if visit.device_id is not None
        else None
    )
    if label is None:
        raise RuleViolation(
            f"{visit.name} has no phone label to print: only a phone the office holds, or is to receive, has one."
        )
    spec = settings.printer_spec
    doc = visitor_phone_label(
        code=label.code, visitor_name=visit.name, badge_number=visit.badge_number, day=local_day(now, settings.tz)
    )
    with write_tx():
        job = outbox.enqueue(
            render_for(spec, doc),
            kind="labels",
            printer_url=spec.to_url(),
            ref=f"vlabel:{visit.id}",
            title=f"Visitor phone label {label.code}, badge {visit.badge_number}",
            actor=actor,
            now=now,
        )
    return label.code, job.id


def reprint_slip(visit_id: int, *, actor: object = None, now: dt.datetime | None = None) -> int:
    """Print a visit's slip again (a new outbox job); returns the job id."""
    from models import outbox  # noqa: PLC0415
    from models.store.tables import PrintJob  # noqa: PLC0415

    job = (
        PrintJob.select(PrintJob.id)
        .where((PrintJob.ref == f"visit:{visit_id}") & (PrintJob.kind == "slip"))
        .order_by(PrintJob.id)
        .first()
    )
    if job is None:
        raise NotFound("That visit has no slip to reprint.")
    return outbox.reprint(job.id, actor=actor, now=now).id
