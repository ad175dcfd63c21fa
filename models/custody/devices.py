"""Registering phones under labels, revoking lost labels, and looking codes up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.clock import local_from_utc_naive, utcnow
from models.custody import codes
from models.custody.dsl_hold import held_for_dsl
from models.errors import InvalidCode, NotFound, RevokedCode, UnknownCode, ValidationError
from models.staff.auth import require
from models.store.tables import Device, DeviceState, Label, Pupil, SchoolClass, Staff


@dataclass(frozen=True)
class Resolved:
    label: Label
    device: Device
    pupil: Pupil | None
    class_name: str
    visitor_name: str = ""  # a visitor's phone: the name they signed in under

    @property
    def owner(self) -> str:
        if self.pupil:
            return self.pupil.full_name
        return self.visitor_name or "Visitor"


def resolve(code: str) -> Resolved:
    """A scanned code to its label, device and pupil, or a plain-English refusal.

    The code's shape and check digit are checked first (:func:`codes.normalise`), so a
    misread never reaches the database.
    """
    code = codes.normalise(code)
    row = (
        Label.select(Label, Device, Pupil, SchoolClass)
        .join(Device)
        .join(Pupil, on=(Device.pupil == Pupil.id), join_type=JOIN.LEFT_OUTER)
        .join(SchoolClass, on=(Pupil.school_class == SchoolClass.id), join_type=JOIN.LEFT_OUTER)
        .where(Label.code == code)
        .first()
    )
    if row is None:
        raise UnknownCode(f"{code} is not registered to any phone.")
    if row.revoked_at is not None:
        new = Label.get_or_none(Label.id == row.replaced_by_id) if row.replaced_by_id else None
        when = local_from_utc_naive(row.revoked_at)[:10]
        if new is not None:
            raise RevokedCode(
                f"Label {code} was revoked on {when} and replaced by {new.code}: use the new label.", new.code
            )
        if row.device.kind == "visitor":  # spent when the phone went back: the visit is over
            raise RevokedCode(f"Label {code} was retired on {when}: the phone was returned to the visitor.")
        raise RevokedCode(f"Label {code} was revoked on {when} and not replaced: register the phone again.")
    device = row.device
    pupil = device.pupil if device.pupil_id else None
    class_name = pupil.school_class.name if pupil else ""
    visitor_name = ""
    if pupil is None and device.kind == "visitor":
        from models.store.tables import Visit  # noqa: PLC0415

        visit = Visit.select(Visit.name).where(Visit.device == device.id).order_by(Visit.id.desc()).first()
        visitor_name = visit.name if visit else ""
        class_name = "visitor"  # shown where a pupil's class is: "Dave Collins · visitor"
    return Resolved(row, device, pupil, class_name, visitor_name)


def retired_label_device(code: str) -> tuple[Device, str] | None:
    """A revoked or retired label's phone and why it is retired, for reading its history.

    None if the code is not a revoked label. The phone is shown read-only: a retired
    label never records anything.
    """
    code = codes.normalise(code)
    label = Label.get_or_none(Label.code == code)
    if label is None or label.revoked_at is None:
        return None
    try:
        resolve(code)
    except RevokedCode as exc:
        return label.device, str(exc)
    return None  # pragma: no cover - resolve always refuses a revoked label


def _new_code(prefix: str) -> str:
    for _ in range(100):
        code = codes.random_code(prefix)
        if not Label.select().where(Label.code == code).exists():
            return code
    raise RuntimeError("could not find a free label code")  # 1 in 10**200 with a few thousand labels


def register_pupil_device(
    admission_no: str,
    *,
    actor: Staff | str | None = None,
    description: str = "phone",
    code: str | None = None,
    now: dt.datetime | None = None,
) -> Label:
    """Register a pupil's phone and issue its first label."""
    now = now or utcnow()
    description = (description or "phone").strip()
    if len(description) > 100 or not description.isprintable():
        raise ValidationError("A device description is up to 100 printable characters.")
    if code is not None:
        code = codes.normalise(code)
        if code[0] != codes.PUPIL_PREFIX:  # only K codes become pupils' phones
            raise ValidationError(
                f"{code} is a {codes.CODE_KINDS[code[0]]}, not a pupil's phone label: "
                "only K labels are registered to pupils."
            )
    with write_tx():
        pupil = Pupil.get_or_none(Pupil.admission_no == (admission_no or "").strip())
        if pupil is None:
            raise NotFound(f"No pupil has admission number {admission_no!r}.")
        if not pupil.active:
            raise ValidationError(f"{pupil.full_name} has left the school (inactive).")
        if actor is not None and not isinstance(actor, str):
            require(actor, "register_device")
        if code is not None and Label.select().where(Label.code == code).exists():
            raise ValidationError(f"Label {code} is already in use.")
        code = code or _new_code(codes.PUPIL_PREFIX)
        device = Device.create(kind="pupil", pupil=pupil, description=description, registered_at=now)
        DeviceState.create(device=device, state="out", since=now)
        label = Label.create(code=code, device=device, issued_at=now)
        audit.append(actor, "device.register", "device", device.id, {"label_id": label.id, "pupil_id": pupil.id}, now)
    return label


def revoke_label(
    code: str,
    *,
    actor: Staff | str | None = None,
    reason: str = "lost",
    reissue: bool = True,
    now: dt.datetime | None = None,
) -> Label | None:
    """Revoke a label (lost, damaged); issue its replacement unless told not to."""
    now = now or utcnow()
    code = codes.normalise(code)
    reason = (reason or "").strip() or "lost"
    if len(reason) > 200 or not reason.isprintable():
        raise ValidationError("A reason is up to 200 printable characters.")
    with write_tx():
        label = Label.get_or_none(Label.code == code)
        if label is None:
            raise UnknownCode(f"{code} is not registered to any phone.")
        if label.revoked_at is not None:
            raise ValidationError(f"Label {code} is already revoked.")
        if actor is not None and not isinstance(actor, str):
            require(actor, "revoke_label")
        new = None
        if reissue:
            new = Label.create(code=_new_code(code[0]), device=label.device_id, issued_at=now)
        Label.update(revoked_at=now, revoke_reason=reason, replaced_by=new).where(Label.id == label.id).execute()
        audit.append(
            actor,
            "label.revoke",
            "label",
            label.id,
            {"device_id": label.device_id, "replaced_by": new.id if new else None},
            now,
        )
    return new


def current_label(device: Device) -> Label | None:
    return Label.select().where((Label.device == device) & Label.revoked_at.is_null()).order_by(Label.id.desc()).first()


def route_scan(text: str, roles: frozenset[str]) -> tuple[str | None, str]:
    """Where a code scanned at Home belongs, so that no scan is silently dropped.

    Returns ``("hand-in", code)`` when the hand-in screen should record it (a pupil's
    phone that is with its owner, or a K label not yet registered: that screen offers
    F3), or ``(None, line)``: one plain line saying what the code is and what to do.
    A phone the school already holds is never released from Home: releasing is a
    deliberate act on its own screen.
    """
    from models.custody.trays import place_name
    from models.staff.auth import PERMISSIONS
    from models.store.tables import Tray

    def may(action: str) -> bool:
        return bool(roles & PERMISSIONS[action])

    try:
        code = codes.normalise(text)
    except InvalidCode as exc:
        return None, f"{exc} Scan a phone's label again."
    if code[0] == codes.SLIP_PREFIX:
        return None, f"{code} is a visitor's slip: press V for Visitors and scan it there to sign the visitor out."
    if code[0] == codes.VISITOR_PREFIX:
        return None, f"{code} is a visitor's phone label: press V for Visitors to receive or return a visitor's phone."
    try:
        r: Resolved | None = resolve(code)
    except (UnknownCode, RevokedCode):
        r = None  # the hand-in screen says so, and offers F3 to register a new label
    if r is not None:
        row = DeviceState.get_or_none(DeviceState.device == r.device.id)
        state = row.state if row else "out"
        where = (
            place_name(
                Tray.get_or_none(Tray.id == row.tray_id) if row and row.tray_id else None, row.slot_no if row else None
            )
            if row
            else ""
        )
        if state == "in_tray":
            todo = (
                "press R for end-of-day release to give it back"
                if may("release")
                else "ask the office to release it on the End-of-day release screen"
            )
            return None, f"{r.owner}'s phone is in {where}: {todo}."
        if state == "confiscated" and row is not None and held_for_dsl(row.dsl_hold):
            return None, f"{r.owner}'s phone is held for the DSL (in {where}): only the DSL decides what happens to it."
        if state == "confiscated":
            return None, (
                f"{r.owner}'s phone is confiscated (held in {where}): only a listed parent or carer may collect it."
            )
        if state == "police":
            return None, f"{r.owner}'s phone is with the police: only its return from the police can be recorded."
    if not may("hand_in"):
        what = f"{r.owner}'s phone" if r is not None else "not registered to any phone"
        return None, (
            f"{code} is {what}: your role does not hand phones in. "
            "Ask the office to scan it on the Morning hand-in screen."
        )
    return "hand-in", code


HAND_IN_OFFER = "offer-hand-in"  # route_home_scan: outside morning hand-in, Home offers it as a key


def in_hand_in_window(now: dt.datetime, start: dt.time, end: dt.time, tz) -> bool:
    """Whether ``now`` (naive UTC, from the app's clock) falls in the school's morning hand-in,
    ``start`` to ``end`` local time (``hand_in_from`` / ``hand_in_until`` in the config), on a
    weekday: a Saturday or Sunday is no school day. (The kiosk keeps no holiday calendar: a
    school day is known only afterwards, from its hand-ins.)"""
    from models.clock import to_local

    local = to_local(now, tz)
    return local.weekday() < 5 and start <= local.time() < end


def hand_in_window_words(now: dt.datetime, start: dt.time, end: dt.time, tz) -> str:
    """The morning hand-in's hours as Home says them ("07:30–09:30"), with why a scan at a
    weekend is outside them ("… on weekdays (today is Saturday)")."""
    from models.clock import to_local

    hours = f"{start:%H:%M}–{end:%H:%M}"
    local = to_local(now, tz)
    return hours if local.weekday() < 5 else f"{hours} on weekdays (today is {local:%A})"


def route_home_scan(
    text: str, roles: frozenset[str], *, morning: bool, window: str = ""
) -> tuple[str | None, str | None, str]:
    """Where a code scanned at Home goes: ``(route, code, line)``.

    In the morning hand-in window (``morning``) it is :func:`route_scan`'s answer, with no line:
    a phone with its owner goes straight to the hand-in screen, as a scanner at the desk
    expects. Outside it nothing is recorded from a scan at Home: a phone with its owner is
    looked up (``HAND_IN_OFFER``, its code, and a line saying where it is and which key hands
    it in), and an unregistered code is only described. A scan meant for a look-up whose
    task key was dropped (``p`` lost, the code reaching Home) no longer hands a phone in in
    the afternoon. ``window``: the hours as shown ("07:30–09:30").
    """
    route, value = route_scan(text, roles)
    if route is None:
        return None, None, value
    if morning:
        return route, value, ""
    code = value
    outside = f"Morning hand-in is {window}, so nothing was recorded" if window else "Nothing was recorded"
    try:
        r = resolve(code)
    except (UnknownCode, RevokedCode):
        return (
            None,
            None,
            (
                f"{code} is not registered to any phone. {outside}: "
                "press H for Morning hand-in to scan it there (F3 registers a new label)."
            ),
        )
    who = f"{r.owner} ({r.class_name})" if r.class_name else r.owner
    return (
        HAND_IN_OFFER,
        code,
        (
            f"{code}: {who}'s phone is with its owner, not held by the school. "
            f"{outside}: press Y to hand it in now, or Esc."
        ),
    )
