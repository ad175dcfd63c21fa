"""The demo school: a roster, staff, trays, registered phones and a few days of history.

Deterministic (seeded), so the demo's label codes are the same on every machine and
the README can list some to try.

The whole school is built in ONE transaction: if the build is interrupted (an error,
ctrl+c, the process killed, the power cut) nothing of it is kept, so the next
``kiosk demo`` or ``kiosk run --demo`` finds an empty database and builds it whole.
Its slips go to the printer only after it has committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from models.audit.tx import write_tx
from models.clock import SCHOOL_TZ, local_to_utc, to_local, utcnow
from models.config import ASSETS, Settings
from models.custody import codes
from models.custody import ledger as custody
from models.custody.devices import register_pupil_device
from models.custody.trays import sync_trays
from models.errors import ValidationError
from models.policy import agreed
from models.safeguarding import concerns
from models.school.people import contacts_of, import_roster
from models.school.roster import parse_roster
from models.staff import auth
from models.store.tables import Device, KioskSetting, Pupil, SchoolClass, Staff

DEMO_STAFF = [
    # username, display name, roles, PIN, classes
    ("office", "Mrs J Patel (office)", [auth.OFFICE], "482916", []),
    ("oak", "Mr T Okoro (Oak)", [auth.TEACHER], "503827", ["Oak"]),
    ("deputy", "Mrs R Hughes (deputy head)", [auth.LEADERSHIP], "614738", []),
    ("head", "Miss A Lavelle (head, DSL)", [auth.HEADTEACHER, auth.DSL], "725649", []),
    ("admin", "IT admin", [auth.ADMIN], "836150", []),
    # Allegations about the headteacher go to the chair of governors (KCSIE Part 4).
    ("chair", "Mr G Ashworth (chair of governors)", [auth.CHAIR], "947261", []),
]
# Tests and docs read the demo PINs from here, so a change of PIN policy is one edit.
DEMO_PINS = {username: pin for username, _name, _roles, pin, _classes in DEMO_STAFF}
DEMO_SETTING = "demo"
PHONE_YEARS = (5, 6)
SEED = 2026
DEMO_PRINTER = "dummy://demo"  # where the demo school prints: nowhere (see demo_settings)


def is_demo_school() -> bool:
    """Whether the open database is the demo school (so its sign-in screen may show the demo PINs)."""
    row = KioskSetting.get_or_none(KioskSetting.name == DEMO_SETTING)
    return row is not None and row.value == "1"


def forget_demo() -> bool:
    """The open database is a school of its own now, not the demo (the demo's records restored
    or moved somewhere else): its sign-in shows no demo PINs, and it prints where its config
    says. Whether it was the demo. Not in the audit log: the flag is the kiosk's, not a record."""
    from models.store.db import db

    with db.atomic():
        return KioskSetting.delete().where(KioskSetting.name == DEMO_SETTING).execute() > 0


def _school_days_before(today: dt.date, n: int) -> list[dt.date]:
    days: list[dt.date] = []
    d = today
    while len(days) < n:
        d -= dt.timedelta(days=1)
        if d.weekday() < 5:
            days.append(d)
    return sorted(days)


def _at(day: dt.date, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return local_to_utc(dt.datetime(day.year, day.month, day.day, hh, mm, ss), SCHOOL_TZ)


def create_demo(settings: Settings, *, now: dt.datetime | None = None, history_days: int = 4) -> dict[str, int]:
    """Fill an empty database with the demo school, all or nothing. Refuses a database that has pupils."""
    now = now or utcnow()
    settings = demo_settings(settings)  # its slips go to the dummy printer, whatever printer is configured
    with write_tx():  # one transaction: an interrupted build leaves nothing behind
        if Pupil.select().exists() or Staff.select().exists():
            raise ValidationError("This database already has a school in it: the demo needs an empty database.")
        counts = _build(settings, now, history_days)
    from models import outbox
    from printing import send

    outbox.send_pending(send, settings.printer, now)  # the demo's slips "printed" on the dummy printer
    return counts


def demo_settings(settings: Settings) -> Settings:
    """The settings the demo school runs with: the same, but printing to :data:`DEMO_PRINTER`.

    Demo data never prints on paper: its old slips (made when it is built) and anything
    printed while trying it go to the dummy printer, never to ``[printer]`` or
    ``$KIOSK_PRINTER`` (``kiosk print test`` tries the real printer)."""
    if settings.printer.get("url") == DEMO_PRINTER:
        return settings
    return dataclasses.replace(settings, printer={**settings.printer, "url": DEMO_PRINTER})


def _build(settings: Settings, now: dt.datetime, history_days: int) -> dict[str, int]:
    rng = random.Random(SEED)
    KioskSetting.create(name=DEMO_SETTING, value="1")  # in the build's transaction: only the demo school has it
    result = parse_roster(ASSETS / "demo-roster.csv")
    import_roster(result, actor="demo", now=now - dt.timedelta(days=30))
    staff = {}
    for username, name, roles, pin, classes in DEMO_STAFF:
        staff[username] = auth.create_staff(username, name, roles, pin, classes=classes, actor="demo", now=now)
    sync_trays(settings.trays, actor="demo", now=now)

    # Phones for years 5 and 6: most pupils have one.
    used: set[str] = set()
    pupils = list(
        Pupil.select().join(SchoolClass).where(Pupil.year_group.in_(PHONE_YEARS)).order_by(Pupil.admission_no)
    )
    phones = 0
    for i, pupil in enumerate(pupils):
        if i % 7 == 6:
            continue  # about one in seven has no phone
        while True:
            code = codes.make_code(codes.PUPIL_PREFIX, rng.randrange(10**codes.SERIAL_DIGITS))
            if code not in used:
                used.add(code)
                break
        register_pupil_device(pupil.admission_no, actor="demo", code=code, now=now - dt.timedelta(days=21))
        phones += 1

    devices = list(Device.select().join(Pupil).order_by(Pupil.admission_no))
    office, deputy, head = staff["office"], staff["deputy"], staff["head"]
    today = to_local(now).date()
    events = 0
    past_days = _school_days_before(today, history_days)
    excepted = _demo_exceptions(devices[8], head, office, now, today, past_days[0])
    for n, day in enumerate(past_days):
        for j, device in enumerate(devices):
            if rng.random() < 0.08 or device.id == excepted:
                continue  # did not bring it that day, or keeps it under an agreed exception
            t = _at(day, 8, 40) + dt.timedelta(seconds=7 * j)
            custody.hand_in(device.labels[0].code, office, now=t)
            events += 1
        if n == 1:  # a confiscation, a search, and collection by a parent
            device = devices[3]
            custody.confiscate(
                device.id,
                deputy,
                category="bullying",
                reason="Used to photograph another pupil at break",
                policy="Mobile technology policy 6; online safety 9.3",
                now=_at(day, 11, 5),
            )
            contact = contacts_of(device.pupil_id)[0]
            custody.record_search(
                device.id,
                deputy,
                consent_by="parent",
                consent_contact_id=contact.id,
                witness="Miss A Lavelle",
                item_sought="a photograph of another pupil",
                location="the headteacher's office",
                grounds="Reported photograph of another pupil",
                found_what="a photograph of another pupil",
                outcome="pupil_asked_to_delete",
                parents_informed_at=_at(day, 12, 25),  # after the 12:10 search, recorded once they were told
                parents_informed_how="telephone",
                searched_at=_at(day, 12, 10),
                now=_at(day, 12, 30),
            )
            events += 2
        for j, device in enumerate(devices):
            st = custody.state_of(device.id)
            if st.state == custody.IN_TRAY and not (n == len(past_days) - 1 and j == 10):
                custody.release(device.labels[0].code, office, now=_at(day, 15, 10) + dt.timedelta(seconds=5 * j))
                events += 1
            elif st.state == custody.CONFISCATED:
                contact = contacts_of(device.pupil_id)[0]
                custody.release_to_contact(device.id, office, contact_id=contact.id, id_seen=True, now=_at(day, 15, 30))
                events += 1
    # Today: the morning hand-in is under way, and one phone was confiscated.
    morning = _at(today, 8, 35)
    if now > morning:
        for j, device in enumerate(devices[: len(devices) * 2 // 3]):
            if custody.state_of(device.id).state == custody.OUT and device.id != excepted:
                custody.hand_in(device.labels[0].code, office, now=min(now, morning + dt.timedelta(seconds=9 * j)))
                events += 1
        custody.confiscate(
            devices[5].id,
            head,
            category="behaviour",
            reason="Phone kept in bag and used in class",
            policy="Mobile technology policy 3 and 6",
            now=min(now, morning + dt.timedelta(hours=2)),
        )
        events += 1
    # An open concern for the DSL, not yet seen: about the pupil whose phone was confiscated.
    concerned = devices[5].pupil
    assert concerned is not None  # the demo's devices are pupils' phones
    concerns.raise_concern(
        staff["oak"] if concerned.school_class.name == "Oak" else deputy,
        about_kind="pupil",
        pupil_id=devices[5].pupil_id,
        device_id=devices[5].id,
        category="bullying",
        what="Upset after messages in a class group chat; phone used in class to reply.",
        now=min(now, morning + dt.timedelta(hours=2, minutes=10)),
    )
    _demo_visitors(settings, staff, past_days[-1] if past_days else _school_days_before(today, 1)[0], today, now)
    _demo_governance(staff, devices, today, now)
    return {"pupils": Pupil.select().count(), "staff": len(staff), "phones": phones, "events": events}


DEMO_VISITORS = [
    # name, organisation, type, purpose, visiting, phone, local sign-in (h, m), sign-out (h, m) or None
    ("Priya Shah", "", "parent_carer", "Reading volunteer induction", "Mrs J Patel", "car_or_off", (8, 50), (9, 40)),
    (
        "Dave Collins",
        "Kent Roofing Ltd",
        "contractor",
        "Gutter repair, hall roof",
        "Site manager",
        "tray",
        (9, 5),
        None,
    ),
    (
        "Dr Amara Okafor",
        "Kent Educational Psychology Service",
        "professional",
        "Observation, Year 4",
        "Miss A Lavelle",
        "exception",
        (9, 30),
        None,
    ),
    ("Tom Birch", "", "governor", "Safeguarding governor visit", "Miss A Lavelle", "car_or_off", (10, 15), (11, 45)),
]


def _demo_visitors(settings: Settings, staff: dict, yesterday: dt.date, today: dt.date, now: dt.datetime) -> None:
    """Visitors: some in today (one phone in the tray), some out, one left from yesterday (flagged)."""
    from models.policy.rules import rules_for
    from models.visitors import visits as visitors

    rules = rules_for(settings)
    office = staff["office"]

    def sign_in(name, org, vtype, purpose, visiting, phone, when):
        checks = settings.visitor_checks[vtype]
        staffed = checks.id_seen or checks.dbs_assured
        return visitors.sign_in(
            settings=settings,
            rules=rules,
            rules_accepted=True,
            name=name,
            organisation=org,
            visitor_type=vtype,
            purpose=purpose,
            visiting=visiting,
            phone=phone,
            actor=office if staffed else None,
            id_seen=checks.id_seen if staffed else False,
            dbs_assured=True if checks.dbs_assured else None,
            dbs_confirmed_by=f"{org} (letter of assurance)" if checks.dbs_assured else None,
            now=when,
        )

    # Yesterday's contractor never signed out: flagged to the office.
    sign_in(
        "Gary Mills",
        "Southern Electrical",
        "contractor",
        "PAT testing",
        "Site manager",
        "car_or_off",
        _at(yesterday, 13, 20),
    )
    for name, org, vtype, purpose, visiting, phone, t_in, t_out in DEMO_VISITORS:
        when = _at(today, *t_in)
        if when > now:
            continue
        r = sign_in(name, org, vtype, purpose, visiting, phone, when)
        if r.phone_pending:  # the office receives the phone the visitor said they would hand in
            visitors.phone_action(visit_id=r.visit.id, actor=office, now=when + dt.timedelta(minutes=1))
        if t_out is not None and _at(today, *t_out) <= now:
            visitors.sign_out(visit_id=r.visit.id, actor=office, now=_at(today, *t_out))


def _demo_exceptions(
    device: Device, head: Staff, office: Staff, now: dt.datetime, today: dt.date, first_day: dt.date
) -> int:
    """An active pupil exception (signed copy back) and a visitor organisation's exception
    ending within days. Returns the device of the pupil under the exception."""
    pupil = device.pupil
    assert pupil is not None  # the demo's devices are pupils' phones
    contact = contacts_of(pupil.id)[0] if contacts_of(pupil.id) else None
    agreed_day = first_day - dt.timedelta(days=3)
    exc = agreed.record(
        head,
        subject_kind=agreed.PUPIL,
        pupil_id=pupil.id,
        kind=agreed.MEDICAL,
        medical_category="monitoring_device",
        allowed=f"{pupil.first_name} keeps their phone to read a medical sensor app.",
        where="In their bag on silent; out only in the medical room or with their teacher",
        conditions=["No photos, video or messaging in school", "A teacher may check the app screen"],
        sanction="The phone is handed in at the office for the rest of the day and parents are called.",
        agreed_with_contact_id=contact.id if contact else None,
        agreed_with=None if contact else "Parent",
        agreed_on=agreed_day,
        starts_on=first_day,
        review_on=today + dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=120),
        now=local_to_utc(dt.datetime.combine(agreed_day, dt.time(9, 0)), SCHOOL_TZ),
    )
    agreed.mark_signed_copy(
        exc.id,
        office,
        received_at=local_to_utc(dt.datetime.combine(agreed_day + dt.timedelta(days=1), dt.time(8, 50)), SCHOOL_TZ),
        now=now,
    )
    agreed.record(
        head,
        subject_kind=agreed.ORGANISATION,
        organisation="Kent Educational Psychology Service",
        kind=agreed.MULTI_AGENCY,
        allowed="Phones for case notes and calls to their team.",
        where="Meeting room and staff room only",
        conditions=["Never photograph or record pupils"],
        agreed_with="Team lead, Kent EPS",
        agreed_on=today - dt.timedelta(days=30),
        starts_on=today - dt.timedelta(days=30),
        review_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        now=now,
    )
    return device.id


def _demo_governance(staff: dict, devices: list[Device], today: dt.date, now: dt.datetime) -> None:
    """The records the policies ask for in writing (models.governance), dated from today.

    The two policies are the school's own (their files are long past the review dates they
    state, September 2019 and 2022): here they have realistic CURRENT dates instead. The
    mobile technology policy was approved this September; the online safety policy nearly a
    year ago, so its review falls due within 30 days and Home reminds the headteacher. Every
    member of staff acknowledged both, but the IT admin has not yet acknowledged the online
    safety policy (Home says so). One teacher's relationship with a pupil's family is on the
    register, discussed with the DSL."""
    from models.governance import policies, relationships

    september = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    online_safety_approved = today - dt.timedelta(days=345)
    policies.add_policy(
        None,
        key="mobile-technology",
        name="Mobile and smart technology and social media policy",
        version=september.strftime("%Y-%m"),
        approved_on=september,
        next_review_on=policies.one_year_after(september),
        now=now,
    )
    policies.add_policy(
        None,
        key="online-safety",
        name="Online safety policy",
        version=online_safety_approved.strftime("%Y-%m"),
        approved_on=online_safety_approved,
        next_review_on=today + dt.timedelta(days=20),
        now=now,
    )
    head = staff["head"]
    for username, member in staff.items():
        for key, approved in (("mobile-technology", september), ("online-safety", online_safety_approved)):
            if username == "admin" and key == "online-safety":
                continue  # not yet: Home tells the headteacher
            signed = min(today, approved + dt.timedelta(days=3))
            policies.acknowledge(head, key, staff_id=member.id, how=policies.PAPER, on=signed, now=now)
    neighbour = devices[12].pupil if len(devices) > 12 else devices[0].pupil
    assert neighbour is not None  # the demo's devices are pupils' phones
    relationships.record(
        head,
        staff_id=staff["oak"].id,
        pupil_id=neighbour.id,
        nature="neighbour",
        described="lives next door to the family",
        dsl_advice=(
            "Keep to professional contact in school; no lifts, no contact on social media. "
            "Tell the DSL if the family asks for help outside school."
        ),
        discussed_on=today - dt.timedelta(days=20),
        review_on=today + dt.timedelta(days=70),
        now=now,
    )
