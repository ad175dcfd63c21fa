"""Retention per the IRMS toolkit for schools (issue 15): child protection records (a
concern about a pupil; a pupil's search or police hand-over, with the confiscation it
belongs to) are kept until the pupil's date of birth + 25 years, or the flat period if
later; an unknown date of birth keeps them and the purge says so; concerns about staff
are never purged (KCSIE Part 4); a school may configure the 25 years longer, never
shorter. Subject access and erasure are unchanged. SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.audit import chain as audit
from models.config import ConfigError, Settings, load_settings
from models.custody import ledger as custody
from models.errors import RuleViolation
from models.records import duties as records
from models.safeguarding import concerns
from models.school.people import contacts_of, import_roster
from models.school.roster import RosterResult, RosterRow
from models.store.tables import AuditEntry, Concern, CustodyEvent, Device, Pupil
from tests.school import build

RETENTION = dict(Settings().retention_days)  # confiscations and concerns: 2190 days (six years)
DAY = dt.timedelta(days=1)
DOB = dt.date(2015, 1, 1)  # every pupil of tests.school.build
SEARCHED_AT = dt.datetime(2025, 6, 2, 10, 0)  # Ava is 10
SEVEN_YEARS_LATER = dt.datetime(2032, 6, 2, 10, 0)
DOB_PLUS_25 = dt.datetime(2040, 1, 1, 0, 0)  # the first moment of 1 January 2040
START = SEARCHED_AT - 30 * DAY


def set_dob(adno: str, dob: dt.date | None, now: dt.datetime) -> None:
    """Change one pupil's date of birth as the school does: a roster import with a dob column."""
    pupil = Pupil.get(Pupil.admission_no == adno)
    row = RosterRow(
        line=2,
        admission_no=adno,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        year_group=pupil.year_group,
        class_name=pupil.school_class.name,
        dob=dob,
        contacts=(),  # the file has no contact columns: contacts are left alone
    )
    import_roster(
        RosterResult(rows=[row], errors=[], warnings=[], source_format="test", columns=frozenset({"dob"})), now=now
    )
    assert Pupil.get(Pupil.admission_no == adno).dob == dob


@pytest.fixture
def school(database):
    return build(now=START)


def _ava():
    pupil = Pupil.get(Pupil.admission_no == "000001")
    return pupil, Device.get(Device.pupil == pupil.id)


def _searched_and_returned(school, device, at):
    """A confiscation, a search and the phone back with a parent: one closed episode of three."""
    custody.confiscate(
        device.id, school.deputy, category="behaviour", reason="Filming at break", policy="MTP 6", now=at
    )
    custody.record_search(
        device.id,
        school.deputy,
        consent_by="pupil",
        witness="Mr W",
        item_sought="messages",
        location="the office",
        grounds="Reported filming",
        outcome="nothing_found",
        now=at + dt.timedelta(hours=1),
    )
    custody.release_to_contact(
        device.id,
        school.office,
        contact_id=contacts_of(device.pupil_id)[0].id,
        id_seen=True,
        now=at + dt.timedelta(hours=2),
    )


def _confiscated_and_returned(school, device, at):
    custody.confiscate(device.id, school.deputy, category="behaviour", reason="In class", policy="MTP 3", now=at)
    custody.release_to_contact(
        device.id,
        school.office,
        contact_id=contacts_of(device.pupil_id)[0].id,
        id_seen=True,
        now=at + dt.timedelta(hours=2),
    )


def _closed_concern(school, at, **about):
    c = concerns.raise_concern(school.oak, what="Told a teacher something worrying", now=at, **about)
    concerns.follow_up(
        c.id, school.head, note="Referred.", close=True, outcome="Referred to children's social care", now=at
    )
    return c


def _kinds(device_id):
    return [e.kind for e in CustodyEvent.select().where(CustodyEvent.device == device_id).order_by(CustodyEvent.id)]


def test_a_search_of_a_pupil_aged_ten_outlives_six_years_and_goes_after_dob_plus_25(school):
    ava, phone = _ava()
    assert ava.dob == DOB
    _searched_and_returned(school, phone, SEARCHED_AT)
    _confiscated_and_returned(school, phone, SEARCHED_AT + 2 * DAY)  # no search: the flat period alone
    concern = _closed_concern(school, SEARCHED_AT, about_kind="pupil", pupil_id=ava.id, category="other")

    seven = records.purge(RETENTION, now=SEVEN_YEARS_LATER)
    assert seven.deleted["confiscations"] == 2  # the plain confiscation episode: six years is enough
    assert seven.deleted["concerns"] == 0
    assert _kinds(phone.id) == ["confiscated", "searched", "released_to_contact"]
    assert Concern.get_or_none(Concern.id == concern.id) is not None
    assert all(h.code != "no_dob" for h in seven.holds)  # kept by rule, not for want of a date

    the_day_before = records.purge(RETENTION, now=DOB_PLUS_25 - dt.timedelta(microseconds=1))
    assert the_day_before.deleted["confiscations"] == 0 and the_day_before.deleted["concerns"] == 0

    gone = records.purge(RETENTION, now=DOB_PLUS_25)
    assert gone.deleted["confiscations"] == 3 and gone.deleted["concerns"] == 1
    assert _kinds(phone.id) == []
    assert Concern.get_or_none(Concern.id == concern.id) is None
    assert audit.verify().ok


def test_the_flat_period_decides_when_it_is_later_than_dob_plus_25(school):
    ava, phone = _ava()
    set_dob("000001", dt.date(1990, 5, 1), START)  # 35 at the search: DOB + 25 is long past
    _searched_and_returned(school, phone, SEARCHED_AT)
    assert records.purge(RETENTION, now=SEARCHED_AT + 2000 * DAY).deleted["confiscations"] == 0
    assert records.purge(RETENTION, now=SEARCHED_AT + 2191 * DAY).deleted["confiscations"] == 3


def test_an_unknown_date_of_birth_keeps_them_and_the_purge_says_so(school):
    ava, phone = _ava()
    set_dob("000001", None, START)
    _searched_and_returned(school, phone, SEARCHED_AT)
    concern = _closed_concern(school, SEARCHED_AT, about_kind="pupil", pupil_id=ava.id, category="other")
    far = dt.datetime(2120, 1, 1)

    dry = records.purge(RETENTION, dry_run=True, now=far)
    result = records.purge(RETENTION, now=far)
    for r in (dry, result):
        assert r.deleted["confiscations"] == 0 and r.deleted["concerns"] == 0
        assert {(h.entity, h.entity_id, h.code) for h in r.holds} == {
            ("device", phone.id, "no_dob"),
            ("concern", concern.id, "no_dob"),
        }
        lines = r.lines()
        assert "Nothing kept because of a legal hold." in lines
        at = lines.index("Kept for want of a date of birth (2):")
        assert all("date of birth is unknown" in line for line in lines[at + 1 : at + 3])
    assert _kinds(phone.id) == ["confiscated", "searched", "released_to_contact"]
    details = json.loads(AuditEntry.get_by_id(result.audit_seq).details)
    assert {(h["entity"], h["id"], h["why"]) for h in details["holds"]} == {
        ("device", phone.id, "no_dob"),
        ("concern", concern.id, "no_dob"),
    }

    set_dob("000001", DOB, far)  # the date of birth found: the next purge lets them go
    again = records.purge(RETENTION, now=far + DAY)
    assert again.deleted["confiscations"] == 3 and again.deleted["concerns"] == 1
    assert again.holds == []


def test_a_concern_about_staff_is_never_purged_and_is_listed(school):
    staff_one = _closed_concern(school, SEARCHED_AT, about_kind="staff", staff_id=school.office.id)
    visitor_one = _closed_concern(school, SEARCHED_AT, about_kind="visitor", name="Sam Visitor")
    result = records.purge(RETENTION, now=dt.datetime(2120, 1, 1))
    assert result.deleted["concerns"] == 1  # the visitor's: six years
    assert Concern.get_or_none(Concern.id == visitor_one.id) is None
    assert Concern.get_or_none(Concern.id == staff_one.id) is not None
    assert [(h.entity, h.entity_id, h.code) for h in result.holds] == [("concern", staff_one.id, "staff_allegation")]
    lines = result.lines()
    assert "Kept by the retention rules, for review by hand (1):" in lines
    assert any("KCSIE Part 4" in line for line in lines)


def test_the_25_years_may_be_configured_longer_never_shorter(school, tmp_path):
    ava, phone = _ava()
    _searched_and_returned(school, phone, SEARCHED_AT)
    cfg = tmp_path / "config.toml"
    cfg.write_text("[retention]\nchild_protection_years = 30\n")
    longer = load_settings(cfg).retention_days
    assert longer["child_protection_years"] == 30
    assert records.purge(longer, now=DOB_PLUS_25 + 365 * DAY).deleted["confiscations"] == 0
    for bad in ("20", "24", "0", "true", "25.5", "101"):
        cfg.write_text(f"[retention]\nchild_protection_years = {bad}\n")
        with pytest.raises(ConfigError, match="from 25 to 100"):
            load_settings(cfg)
    # Whatever a caller passes, fewer than 25 years counts as 25.
    shorter = {**RETENTION, "child_protection_years": 5}
    assert records.purge(shorter, now=SEVEN_YEARS_LATER).deleted["confiscations"] == 0
    assert records.purge(shorter, now=DOB_PLUS_25).deleted["confiscations"] == 3


def test_subject_access_and_erase_are_unchanged(school):
    ava, phone = _ava()
    _searched_and_returned(school, phone, SEARCHED_AT)
    open_one = concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=ava.id, what="Still being looked into", now=SEARCHED_AT
    )
    subject = records.pupil_subject("000001")
    export = records.subject_access(subject, now=SEVEN_YEARS_LATER)
    assert [r["kind"] for r in export.sections["custody_events"]] == ["confiscated", "searched", "released_to_contact"]
    assert [r["id"] for r in export.sections["concerns"]] == [open_one.id]
    # Erase is refused only by the legal holds, as before: here the open concern.
    with pytest.raises(RuleViolation, match="still open with the DSL"):
        records.erase(subject, now=SEVEN_YEARS_LATER)
    concerns.follow_up(
        open_one.id, school.head, note="Closed.", close=True, outcome="No further action", now=SEARCHED_AT
    )
    done = records.erase(subject, now=SEVEN_YEARS_LATER)
    assert done.deleted["custody_events"] == 3 and done.deleted["concerns"] == 1
    assert Pupil.get_or_none(Pupil.admission_no == "000001") is None


def test_a_phone_handed_to_the_police_stays_a_legal_hold(school):
    ava, phone = _ava()
    custody.confiscate(phone.id, school.deputy, category="behaviour", reason="Threats", policy="MTP 6", now=SEARCHED_AT)
    custody.hand_to_police(phone.id, school.deputy, officer="PC 123 Smith", force_reference="AB/1", now=SEARCHED_AT)
    result = records.purge(RETENTION, now=dt.datetime(2120, 1, 1))
    assert result.deleted["confiscations"] == 0
    assert ("device", phone.id, "police") in {(h.entity, h.entity_id, h.code) for h in result.holds}
    with pytest.raises(RuleViolation, match="police"):
        records.erase(records.pupil_subject("000001"), now=SEVEN_YEARS_LATER)


def test_the_defaults_keep_their_meaning():
    days = Settings().retention_days
    assert days["confiscations"] == days["concerns"] == 2190
    assert days["child_protection_years"] == 25


def test_a_date_of_birth_cleared_while_a_purge_runs_keeps_the_next_batch(school):
    """Each batch plans again in its own transaction: a roster import between batches that
    clears a pupil's date of birth keeps that pupil's search, and the purge says why."""
    _ava_pupil, ava_phone = _ava()
    ben_phone = Device.get(Device.pupil == Pupil.get(Pupil.admission_no == "000002").id)
    _searched_and_returned(school, ava_phone, SEARCHED_AT)
    _searched_and_returned(school, ben_phone, SEARCHED_AT + DAY)

    def between(batch):
        if batch == 1:
            set_dob("000002", None, DOB_PLUS_25)

    result = records.purge(RETENTION, now=DOB_PLUS_25, batch_rows=3, pause=0, after_batch=between)
    assert _kinds(ava_phone.id) == []
    assert _kinds(ben_phone.id) == ["confiscated", "searched", "released_to_contact"]
    assert result.deleted["confiscations"] == 3
    assert ("device", ben_phone.id, "no_dob") in {(h.entity, h.entity_id, h.code) for h in result.holds}
    assert audit.verify().ok
