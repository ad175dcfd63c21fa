"""Peewee models: the tables, and nothing else.

Domain operations live beside this module (``custody``, ``people``, ``devices`` …);
they are the only code that writes these tables, each write inside
:func:`models.audit.tx.write_tx` together with its audit entry.

Times are stored as naive UTC. Nothing from a device's contents is ever stored.
"""

from __future__ import annotations

from typing import Any

import peewee as pw

from models.store.db import db


class BaseModel(pw.Model):
    id: Any  # for type checkers: peewee adds the primary key (an int on a row, a column in a query)

    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = pw.IntegerField(primary_key=True)
    description = pw.CharField()
    applied_at = pw.DateTimeField()


class SchoolClass(BaseModel):
    name = pw.CharField(unique=True, max_length=60)
    year_group = pw.IntegerField()  # -1 Nursery, 0 Reception, 1..6


class Pupil(BaseModel):
    admission_no = pw.CharField(unique=True, max_length=20)
    first_name = pw.CharField(max_length=100)
    last_name = pw.CharField(max_length=100)
    year_group = pw.IntegerField()
    school_class = pw.ForeignKeyField(SchoolClass, backref="pupils", on_delete="RESTRICT")
    school_class_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    dob = pw.DateField(null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Contact(BaseModel):
    """A parent or carer listed for a pupil. Never deleted: events may refer to it."""

    pupil = pw.ForeignKeyField(Pupil, backref="contacts", on_delete="CASCADE")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    name = pw.CharField(max_length=100)
    relationship = pw.CharField(max_length=60, default="")
    priority = pw.IntegerField(default=1)
    can_collect = pw.BooleanField(default=True)
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("pupil", "name"), True),)


class Staff(BaseModel):
    username = pw.CharField(unique=True, max_length=40)
    display_name = pw.CharField(max_length=100)
    roles = pw.CharField(max_length=200)  # comma-separated, see models.staff.auth.ROLES
    pin_hash = pw.CharField(max_length=200)
    failed_attempts = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class StaffClass(BaseModel):
    """The classes a teacher teaches."""

    staff = pw.ForeignKeyField(Staff, backref="class_links", on_delete="CASCADE")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    school_class = pw.ForeignKeyField(SchoolClass, backref="staff_links", on_delete="CASCADE")
    school_class_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)

    class Meta:
        indexes = ((("staff", "school_class"), True),)


class Tray(BaseModel):
    """A locked tray with numbered slots; optionally reserved for one class."""

    name = pw.CharField(unique=True, max_length=20)
    slots = pw.IntegerField()
    school_class = pw.ForeignKeyField(SchoolClass, null=True, backref="trays", on_delete="SET NULL")
    school_class_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)


class Device(BaseModel):
    """A phone (or other device) that the school holds from time to time."""

    kind = pw.CharField(max_length=20, default="pupil")  # pupil | visitor
    pupil = pw.ForeignKeyField(Pupil, null=True, backref="devices", on_delete="RESTRICT")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    description = pw.CharField(max_length=100, default="")
    registered_at = pw.DateTimeField()
    active = pw.BooleanField(default=True)
    labels: Any  # for type checkers: the backref of Label.device (a query of this phone's labels)


class Label(BaseModel):
    """A printed barcode label. A lost label is revoked and points to its replacement."""

    code = pw.CharField(unique=True, max_length=16)
    device = pw.ForeignKeyField(Device, backref="labels", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    issued_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    revoke_reason = pw.CharField(null=True, max_length=200)
    replaced_by = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    replaced_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)


class CustodyEvent(BaseModel):
    """The custody ledger: append-only. No update, no delete; undo is a reversal."""

    device = pw.ForeignKeyField(Device, backref="events", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    kind = pw.CharField(max_length=30)
    at = pw.DateTimeField(index=True)
    actor = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT")
    actor_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    label_code = pw.CharField(null=True, max_length=16)
    tray = pw.ForeignKeyField(Tray, null=True, on_delete="RESTRICT")
    tray_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    slot_no = pw.IntegerField(null=True)
    # confiscation (a return from the police: what happens next)
    reason = pw.TextField(null=True)
    policy = pw.CharField(null=True, max_length=200)
    # release to a contact
    contact = pw.ForeignKeyField(Contact, null=True, on_delete="RESTRICT", backref="releases")
    contact_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    id_seen = pw.BooleanField(null=True)
    # search
    consent_by = pw.CharField(null=True, max_length=20)  # pupil | parent
    consent_contact = pw.ForeignKeyField(Contact, null=True, on_delete="RESTRICT", backref="consents")
    consent_contact_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    witness = pw.CharField(null=True, max_length=100)
    grounds = pw.TextField(null=True)
    outcome = pw.CharField(null=True, max_length=40)
    parents_informed_at = pw.DateTimeField(null=True)
    parents_informed_how = pw.CharField(null=True, max_length=100)
    # issue 15 (schema 13): a confiscation's reason category (models.custody.ledger.CATEGORIES);
    # the fuller search record (DfE "Searching, screening and confiscation", 2022); a DSL
    # decision's code is kept in ``outcome`` and its words in ``note``
    category = pw.CharField(null=True, max_length=30)
    item_sought = pw.CharField(null=True, max_length=200)
    location = pw.CharField(null=True, max_length=100)
    no_witness_reason = pw.CharField(null=True, max_length=200)
    others_present = pw.CharField(null=True, max_length=200)
    found_what = pw.TextField(null=True)
    follow_up = pw.TextField(null=True)
    # police hand-over and return (the officer who took it, or who returned it); a return's
    # "what happens next" is kept in ``reason``
    officer = pw.CharField(null=True, max_length=100)
    force_reference = pw.CharField(null=True, max_length=60)
    # reversal
    reverses = pw.ForeignKeyField("self", null=True, unique=True, on_delete="RESTRICT", backref="reversed_by")
    reverses_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    note = pw.TextField(null=True)
    audit_seq = pw.IntegerField(unique=True)

    class Meta:
        # (kind, at): a term's confiscations and a day's reversals and hand-ins
        # (models.reports.compliance.breaches, models.reports.phones.kept_overnight; schema 17).
        indexes = ((("device", "id"), False), (("kind", "at"), False))


class DeviceState(BaseModel):
    """Where each device is now: a projection of the ledger, kept in the same transaction.

    ``(tray, slot_no)`` is unique, so no slot ever holds two phones and no phone is
    ever in two slots. ``models.custody.ledger.verify_states`` replays the ledger to prove it
    agrees.
    """

    device = pw.ForeignKeyField(Device, primary_key=True, backref="state_row", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    state = pw.CharField(max_length=20)
    tray = pw.ForeignKeyField(Tray, null=True, on_delete="RESTRICT")
    tray_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    slot_no = pw.IntegerField(null=True)
    since = pw.DateTimeField()
    last_event = pw.ForeignKeyField(CustodyEvent, null=True, on_delete="RESTRICT")
    last_event_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    # Held for the DSL (suspected nude or semi-nude images): "" none, "dsl" awaiting the DSL's
    # decision, "police" kept for the police, "decided" the DSL has decided (schema 11)
    dsl_hold = pw.CharField(max_length=10, default="")

    class Meta:
        indexes = ((("tray", "slot_no"), True),)


class AuditEntry(BaseModel):
    """Hash-chained audit log. Refers to records by id, so it survives a purge."""

    seq = pw.IntegerField(primary_key=True)
    at = pw.CharField(max_length=40)  # ISO text: hashed exactly as stored
    actor = pw.CharField(max_length=60)
    action = pw.CharField(max_length=60)
    entity = pw.CharField(max_length=40)
    entity_id = pw.CharField(max_length=40)
    details = pw.TextField()  # canonical JSON
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64)
    # canonical JSON: hashes of the protected rows this entry's transaction wrote, ids of
    # those it deleted (models.audit.integrity); part of the entry's hash when present (version 5)
    rows = pw.TextField(null=True)

    class Meta:
        # the governors' report counts entries by action over a term (schema version 17)
        indexes = ((("action", "at"), False),)


class AuditHead(BaseModel):
    """The newest entry's seq and hash, kept with each append: reveals a cut-off tail."""

    id = pw.IntegerField(primary_key=True)
    seq = pw.IntegerField()
    hash = pw.CharField(max_length=64)


# ---------------------------------------------------------------- visitors (schema version 2)


class Visitor(BaseModel):
    """A person who has visited: kept so a returning visitor is found by three letters."""

    name = pw.CharField(max_length=100)
    name_key = pw.CharField(max_length=100, index=True)  # casefolded, single spaces: for type-ahead
    organisation = pw.CharField(max_length=100, default="")
    visitor_type = pw.CharField(max_length=20)  # models.config.VISITOR_TYPES
    car_reg = pw.CharField(max_length=12, null=True)
    last_visit_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()


class Visit(BaseModel):
    """One visit, from sign-in to sign-out. Name and organisation are as given that day."""

    visitor = pw.ForeignKeyField(Visitor, backref="visits", on_delete="RESTRICT")
    visitor_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    name = pw.CharField(max_length=100)
    organisation = pw.CharField(max_length=100, default="")
    visitor_type = pw.CharField(max_length=20)
    badge_number = pw.CharField(max_length=10)
    slip_code = pw.CharField(max_length=16, unique=True)  # S-code in the slip's QR, scanned to sign out
    purpose = pw.CharField(max_length=200)
    visiting = pw.CharField(max_length=100)
    car_reg = pw.CharField(max_length=12, null=True)
    # checks (models.config.VisitorChecks)
    id_seen = pw.BooleanField(default=False)
    dbs_assured = pw.BooleanField(null=True)  # None: not asked for this visitor type
    dbs_confirmed_by = pw.CharField(max_length=100, null=True)
    supervised = pw.BooleanField()
    # the phone question: tray | car_or_off | exception
    phone_choice = pw.CharField(max_length=20)
    exception_id = pw.IntegerField(null=True)  # models.policy.agreed record, when phone_choice == exception
    device = pw.ForeignKeyField(Device, null=True, backref="visits", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    # the device rules accepted
    rules_version = pw.CharField(max_length=40)
    rules_sha256 = pw.CharField(max_length=64)
    rules_accepted_at = pw.DateTimeField()
    signed_in_at = pw.DateTimeField(index=True)
    signed_in_by = pw.ForeignKeyField(
        Staff, null=True, on_delete="RESTRICT", backref="visits_signed_in"
    )  # None: self-service
    signed_in_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    signed_out_at = pw.DateTimeField(null=True, index=True)
    signed_out_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="visits_signed_out")
    signed_out_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)


class PrintJob(BaseModel):
    """The print outbox: rendered bytes, committed with the record they print.

    status: pending (to send, at ``next_attempt_at``) -> sending (claimed by a sender)
    -> sent; a job left in ``sending`` by a crash becomes ``in_doubt`` and is never
    sent again by itself (see models.outbox); ``cancelled`` by staff.
    """

    kind = pw.CharField(max_length=20)  # slip | labels | roll_call | test | other
    ref = pw.CharField(max_length=40, default="")  # e.g. "visit:12"
    title = pw.CharField(max_length=200, default="")
    printer_url = pw.CharField(max_length=300)
    data = pw.BlobField()
    status = pw.CharField(max_length=12, index=True)
    attempts = pw.IntegerField(default=0)
    created_at = pw.DateTimeField()
    next_attempt_at = pw.DateTimeField()
    claimed_at = pw.DateTimeField(null=True)
    sent_at = pw.DateTimeField(null=True)
    last_failed_at = pw.DateTimeField(null=True)
    last_error = pw.CharField(max_length=300, null=True)
    reprint_of = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="reprints")
    reprint_of_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)


VISITOR_MODELS: list[type[BaseModel]] = [Visitor, Visit, PrintJob]


ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    SchoolClass,
    Pupil,
    Contact,
    Staff,
    StaffClass,
    Tray,
    Device,
    Label,
    CustodyEvent,
    DeviceState,
    AuditEntry,
    AuditHead,
    *VISITOR_MODELS,
]


# ---------------------------------------------------------------- exceptions and concerns (migration 3)


class AgreedException(BaseModel):
    """A phone exception agreed with the headteacher (policy 6 and 7), for one subject.

    The subject is a pupil, a member of staff, a named visitor (``visitor_name``, with
    their organisation if any) or a whole organisation (``organisation`` only).
    ``name_key`` / ``org_key`` hold the case- and space-folded forms for look-ups at
    sign-in. A medical exception stores a CATEGORY from a fixed list
    (``models.policy.agreed.MEDICAL_CATEGORIES``), never a diagnosis. Revoking keeps the
    record.
    """

    subject_kind = pw.CharField(max_length=20)  # pupil | staff | visitor | organisation
    pupil = pw.ForeignKeyField(Pupil, null=True, backref="agreed_exceptions", on_delete="RESTRICT")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    staff = pw.ForeignKeyField(Staff, null=True, backref="agreed_exceptions", on_delete="RESTRICT")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    visitor_name = pw.CharField(null=True, max_length=100)
    organisation = pw.CharField(null=True, max_length=100)
    name_key = pw.CharField(null=True, max_length=100, index=True)
    org_key = pw.CharField(null=True, max_length=100, index=True)
    kind = pw.CharField(max_length=30)
    medical_category = pw.CharField(null=True, max_length=30)
    allowed = pw.TextField()
    location = pw.TextField()  # where it is allowed
    conditions = pw.TextField(default="")  # one condition per line
    sanction = pw.TextField(null=True)  # for pupils: the sanction for misuse
    agreed_with_contact = pw.ForeignKeyField(Contact, null=True, on_delete="RESTRICT", backref="agreed_exceptions")
    agreed_with_contact_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    agreed_with = pw.CharField(null=True, max_length=100)  # a name, when not a listed contact
    agreed_on = pw.DateField()
    starts_on = pw.DateField()
    review_on = pw.DateField()
    ends_on = pw.DateField()  # the last day it has effect
    risk_assessment_ref = pw.CharField(null=True, max_length=60)
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="exceptions_recorded")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()
    signed_copy_at = pw.DateTimeField(null=True)
    signed_copy_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    signed_copy_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    revoked_at = pw.DateTimeField(null=True)
    revoked_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    revoked_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    revoke_reason = pw.TextField(null=True)
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("starts_on", "ends_on"), False),)


class Concern(BaseModel):
    """A breach of the phone policy or a safeguarding concern, for the DSL.

    About a pupil, a member of staff or a visitor (``visit_id`` refers to the visitors'
    Visit table by id; ``name`` is the person's name as given when no record fits).
    """

    about_kind = pw.CharField(max_length=20)  # pupil | staff | visitor
    pupil = pw.ForeignKeyField(Pupil, null=True, backref="concerns", on_delete="RESTRICT")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    staff = pw.ForeignKeyField(Staff, null=True, backref="concerns_about", on_delete="RESTRICT")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    visit_id = pw.IntegerField(null=True, index=True)
    name = pw.CharField(null=True, max_length=100)
    device = pw.ForeignKeyField(Device, null=True, backref="concerns", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    category = pw.CharField(max_length=30)
    what = pw.TextField()
    raised_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="concerns_raised")
    raised_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    raised_at = pw.DateTimeField(index=True)
    seen_at = pw.DateTimeField(null=True)
    seen_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    seen_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    followed_up_at = pw.DateTimeField(null=True)
    followed_up_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    followed_up_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    follow_up_note = pw.TextField(null=True)
    status = pw.CharField(max_length=10, default="open")  # open | closed
    updated_at = pw.DateTimeField()


EXCEPTION_MODELS: list[type[BaseModel]] = [AgreedException, Concern]
ALL_MODELS += EXCEPTION_MODELS


# ---------------------------------------------------------------- compliance cache (schema version 4)


class ComplianceDay(BaseModel):
    """Derived, not a record: per local day, the pupils whose phone was handed in (not undone).

    ``pupils`` is a bitmap of pupil ids (bit n = pupil n, little-endian bytes); ``active``
    says whether any phone (a visitor's too) was handed in that day. Rebuilt from the
    ledger whenever a later event touches the day (see ``models.reports.compliance``).
    """

    day = pw.DateField(primary_key=True)
    active = pw.BooleanField()
    pupils = pw.BlobField()


class ComplianceMark(BaseModel):
    """The audit seq up to which :class:`ComplianceDay` has been checked against new events."""

    id = pw.IntegerField(primary_key=True)
    audit_seq = pw.IntegerField()


COMPLIANCE_MODELS: list[type[BaseModel]] = [ComplianceDay, ComplianceMark]
ALL_MODELS += COMPLIANCE_MODELS


class AuthFailure(BaseModel):
    """A wrong (or refused) PIN: for the back-off of the screen it came from, the daily cap
    of the account it named, and the office's view of bursts (``models.staff.auth``).

    ``staff_id`` is None when the username is unknown (or not one the screen accepts).
    ``streak_over``: a later sign-in at the same terminal and surface ended its back-off;
    ``unlocked``: an admin cleared it from the account's daily count.
    """

    at = pw.DateTimeField(index=True)
    terminal = pw.CharField(max_length=100)
    surface = pw.CharField(max_length=20)
    staff_id = pw.IntegerField(null=True, index=True)
    streak_over = pw.BooleanField(default=False)
    unlocked = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("terminal", "surface", "at"), False),)


class KioskSetting(BaseModel):
    """Facts about this database kept in it, e.g. ``demo`` = "1" for the demo school
    (written by ``models.upkeep.demo.create_demo`` in the transaction that builds it)."""

    name = pw.CharField(primary_key=True, max_length=40)
    value = pw.CharField(max_length=200)


AUTH_MODELS: list[type[BaseModel]] = [AuthFailure, KioskSetting]
ALL_MODELS += AUTH_MODELS


# ---------------------------------------------------------------- records the policies ask for in writing (schema version 10)


class StaffRelationship(BaseModel):
    """A member of staff's pre-existing relationship with a pupil or a family, discussed with
    the DSL (mobile technology policy 5; social media policy 4.2). Recorded by the DSL or the
    headteacher; reviewed (:class:`RelationshipReview`) and ended, never edited or deleted in
    place (``models.governance.relationships``)."""

    staff = pw.ForeignKeyField(Staff, backref="relationships", on_delete="RESTRICT")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    pupil = pw.ForeignKeyField(Pupil, null=True, backref="staff_relationships", on_delete="RESTRICT")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    family = pw.CharField(null=True, max_length=100)  # a family or parent named as text, when no pupil row
    nature = pw.CharField(max_length=20)  # relative | neighbour | family_friend | other
    described = pw.CharField(max_length=200)  # e.g. "aunt", "lives next door"
    dsl_advice = pw.TextField()
    discussed_on = pw.DateField()
    review_on = pw.DateField()  # the next review (moved on by each review)
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()
    ended_at = pw.DateTimeField(null=True)
    ended_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    ended_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    end_reason = pw.TextField(null=True)
    updated_at = pw.DateTimeField()


class RelationshipReview(BaseModel):
    """One review of a :class:`StaffRelationship`: append-only."""

    relationship = pw.ForeignKeyField(StaffRelationship, backref="reviews", on_delete="RESTRICT")
    relationship_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    reviewed_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    reviewed_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    reviewed_at = pw.DateTimeField()
    note = pw.TextField()
    next_review_on = pw.DateField()


class SchoolPolicy(BaseModel):
    """One of the school's policies: its current version, when it was approved, and when it
    is next to be reviewed (at least annually: mobile technology policy 8, online safety 3)."""

    key = pw.CharField(unique=True, max_length=40)  # a short name for commands, e.g. "online-safety"
    name = pw.CharField(max_length=150)
    version = pw.CharField(max_length=40)
    approved_on = pw.DateField()
    next_review_on = pw.DateField()
    staff_acknowledge = pw.BooleanField(default=True)  # staff acknowledge it at induction, then yearly
    updated_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    updated_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    updated_at = pw.DateTimeField()


class PolicyAcknowledgement(BaseModel):
    """A member of staff acknowledged having read a policy (social media policy 4): append-only."""

    staff = pw.ForeignKeyField(Staff, backref="policy_acknowledgements", on_delete="RESTRICT")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    policy = pw.ForeignKeyField(SchoolPolicy, backref="acknowledgements", on_delete="RESTRICT")
    policy_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    version = pw.CharField(max_length=40)  # the policy's version acknowledged
    acknowledged_on = pw.DateField(index=True)
    how = pw.CharField(max_length=10)  # paper | kiosk
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()


GOVERNANCE_MODELS: list[type[BaseModel]] = [StaffRelationship, RelationshipReview, SchoolPolicy, PolicyAcknowledgement]
ALL_MODELS += GOVERNANCE_MODELS


# ---------------------------------------------------------------- staff and school devices (schema version 11)


class StaffDevice(BaseModel):
    """A member of staff's own phone, held for the LADO or the police (online safety policy
    11.3: "quarantine any devices until police advice has been sought"). Links the
    ``Device(kind="staff")`` in the custody ledger to its owner; written once, never edited
    (``models.custody.school_devices``). Its details are for the DSL and the headteacher."""

    device = pw.ForeignKeyField(Device, unique=True, backref="staff_link", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    staff = pw.ForeignKeyField(Staff, backref="devices_held", on_delete="RESTRICT")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    pending = pw.CharField(max_length=10)  # lado | police: what the school waits for
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()


# ---------------------------------------------------------------- day marks: absent, no phone today (schema version 12)


class DayMark(BaseModel):
    """A pupil's mark for one school day (models.school.attendance): append-only.

    ``mark``: ``absent``, ``no_phone`` (in school without a phone today) or ``withdrawn``
    (the mark before it no longer stands; ``reason`` says why). The latest row for a pupil
    and day is the one in force. ``source``: ``kiosk`` (a member of staff) or ``mis`` (the
    daily attendance import)."""

    pupil = pw.ForeignKeyField(Pupil, backref="day_marks", on_delete="RESTRICT")
    pupil_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    day = pw.DateField(index=True)
    mark = pw.CharField(max_length=12)
    source = pw.CharField(max_length=8)
    code = pw.CharField(max_length=4, default="")  # the MIS register code, for an import
    reason = pw.CharField(null=True, max_length=200)
    recorded_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()


class SchoolDevice(BaseModel):
    """One of the school's own phones or tablets (mobile technology policy 4: "a school mobile
    for use on trips and residential"). Whether a passcode is set, never the passcode."""

    asset_tag = pw.CharField(unique=True, max_length=30)
    kind = pw.CharField(max_length=10)  # phone | tablet
    description = pw.CharField(max_length=100)
    passcode_set = pw.BooleanField()
    registered_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    registered_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    registered_at = pw.DateTimeField()


class SchoolDeviceEntry(BaseModel):
    """The school devices' register: append-only. A loan, a return (of one loan) or a retirement."""

    device = pw.ForeignKeyField(SchoolDevice, backref="entries", on_delete="RESTRICT")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    kind = pw.CharField(max_length=10)  # loan | return | retire
    at = pw.DateTimeField(index=True)
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    # a loan: to a member of staff, for a purpose, due back on a day
    staff = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="school_device_loans")
    staff_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    purpose = pw.CharField(null=True, max_length=12)  # trip | residential | other
    purpose_note = pw.CharField(null=True, max_length=200)
    due_on = pw.DateField(null=True)
    # a return: the loan it ends, who received the device, its condition
    loan = pw.ForeignKeyField("self", null=True, unique=True, on_delete="RESTRICT", backref="returned_by")
    loan_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    received_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    received_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    note = pw.CharField(null=True, max_length=200)  # the condition on return, or why it was retired

    class Meta:
        indexes = ((("device", "id"), False),)


SCHOOL_DEVICE_MODELS: list[type[BaseModel]] = [StaffDevice, SchoolDevice, SchoolDeviceEntry]
ALL_MODELS += SCHOOL_DEVICE_MODELS
DAY_MARK_MODELS: list[type[BaseModel]] = [DayMark]
ALL_MODELS += DAY_MARK_MODELS


# ---------------------------------------------------------------- a concern's actions, custody seen marks (schema version 14)


class ConcernAction(BaseModel):
    """One structured step on a concern (models.safeguarding.concerns.ACTIONS: parents told, a
    referral, advice sought…), its closing outcome, or lessons learnt after it closed:
    append-only, each dated and signed."""

    concern = pw.ForeignKeyField(Concern, backref="actions", on_delete="RESTRICT")
    concern_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    kind = pw.CharField(max_length=30)  # an ACTIONS code | closed | lessons
    done_on = pw.DateField(null=True)  # the day it was done (a LADO referral: the day referred)
    reference = pw.CharField(null=True, max_length=100)  # the LADO's (or another agency's) reference
    outcome = pw.CharField(null=True, max_length=30)  # kind "closed": an OUTCOMES code
    note = pw.TextField(null=True)  # kind "lessons": what was learnt
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField(index=True)


class CustodySeen(BaseModel):
    """The DSL (or the headteacher) opened a confiscation, search or police hand-over from the
    safeguarding feed: append-only, one row per reader who opened it. ``seen_by`` NULL: an
    event from before the upgrade that brought seen marks (schema 14), seen for everyone."""

    event = pw.ForeignKeyField(CustodyEvent, backref="seen_marks", on_delete="RESTRICT")
    event_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    seen_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    seen_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    seen_at = pw.DateTimeField()


CONCERN_ACTION_MODELS: list[type[BaseModel]] = [ConcernAction, CustodySeen]
ALL_MODELS += CONCERN_ACTION_MODELS


# ---------------------------------------------------------------- parents informed, police contacts (schema version 15)


class ParentsInformed(BaseModel):
    """A parent or carer was told about a confiscation, a search (``event``) or a concern
    (``concern``): who was told, who told them, when and how. Append-only: a correction is
    a new entry (``corrects``) with its reason in ``note`` (``models.safeguarding.parents``).
    Goes with the record it is about (purge, erasure)."""

    event = pw.ForeignKeyField(CustodyEvent, null=True, backref="parents_informed", on_delete="CASCADE")
    event_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    concern = pw.ForeignKeyField(Concern, null=True, backref="parents_informed", on_delete="CASCADE")
    concern_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    contact = pw.ForeignKeyField(Contact, null=True, backref="+", on_delete="RESTRICT")  # a listed parent or carer
    contact_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    parent_name = pw.CharField(null=True, max_length=100)  # typed, when no listed contact fits
    told_by_name = pw.CharField(null=True, max_length=100)  # named, when not the member of staff recording it
    told_at = pw.DateTimeField(index=True)
    how = pw.CharField(max_length=20)  # models.safeguarding.parents.HOW
    note = pw.TextField(null=True)
    corrects = pw.ForeignKeyField("self", null=True, backref="corrections", on_delete="CASCADE")
    corrects_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()


class PoliceContact(BaseModel):
    """A call to the police (online safety policy 10: 101, or 999 in immediate danger) about a
    phone and/or a concern, before or without a hand-over: append-only
    (``models.safeguarding.parents``). Goes with the record it is about (purge, erasure)."""

    device = pw.ForeignKeyField(Device, null=True, backref="police_contacts", on_delete="CASCADE")
    device_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    concern = pw.ForeignKeyField(Concern, null=True, backref="police_contacts", on_delete="CASCADE")
    concern_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    line = pw.CharField(max_length=3)  # "101" | "999"
    reference = pw.CharField(max_length=60)  # the reference or incident number
    called_at = pw.DateTimeField(index=True)
    called_by_name = pw.CharField(null=True, max_length=100)  # named, when not the member of staff recording it
    note = pw.TextField(null=True)
    recorded_by = pw.ForeignKeyField(Staff, on_delete="RESTRICT", backref="+")
    recorded_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    recorded_at = pw.DateTimeField()


INFORMED_MODELS: list[type[BaseModel]] = [ParentsInformed, PoliceContact]
ALL_MODELS += INFORMED_MODELS


# ---------------------------------------------------------------- concerns seen per reader (schema version 16)


class ConcernSeen(BaseModel):
    """A reader who may see the concern (the DSL, the headteacher, the chair) opened it:
    append-only, one row per reader, so one reader opening it leaves it NEW for the others.
    ``seen_by`` NULL: a concern already opened before seen marks were kept per reader
    (schema 16), when one reader's opening counted for everyone: seen for everyone.
    ``Concern.seen_at``/``seen_by`` keep who opened it first (its history)."""

    concern = pw.ForeignKeyField(Concern, backref="seen_marks", on_delete="RESTRICT")
    concern_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    seen_by = pw.ForeignKeyField(Staff, null=True, on_delete="RESTRICT", backref="+")
    seen_by_id: Any  # for type checkers: peewee adds the key (an int on a row, a column in a query)
    seen_at = pw.DateTimeField()


CONCERN_SEEN_MODELS: list[type[BaseModel]] = [ConcernSeen]
ALL_MODELS += CONCERN_SEEN_MODELS
