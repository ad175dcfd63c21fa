"""Purge, erase and roster import in short transactions (SQLite and PostgreSQL).

Each batch is one write transaction with its own audit entry; the records are true and
verify clean after every batch, so a job stopped part way (here: a hook raising after
batch k, as a power cut would) is finished by running it again; another terminal's
write gets in between batches. Small batch sizes are injected, and no pause between
batches: how long a batch takes on the 1M-event database is measured by
``python -m benchmarks.bench_purge``, not here.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from models.audit import chain as audit
from models.custody import ledger as custody
from models.errors import RuleViolation
from models.records import duties as records
from models.school.people import import_roster, unfinished_import
from models.school.roster import parse_roster
from models.store.db import close_db
from models.store.tables import AuditEntry, CustodyEvent, Device, DeviceState, Pupil
from tests.records.test_records import NOTHING, RETENTION, assert_consistent, day_in_and_out, device_of, events_of
from tests.school import NOW, build

DAY = dt.timedelta(days=1)
WAIT_S = 30  # a bound on every wait: never reached unless something is wrong


class Stop(Exception):
    """A power cut between two batches."""


def stop_after(k):
    def hook(batch):
        if batch == k:
            raise Stop

    return hook


@pytest.fixture
def school(database):
    school = build(now=NOW - 400 * DAY)
    for days in (100, 99, 98, 97):  # four expired days for four pupils: 32 events, 16 episodes
        for adno in ("000001", "000002", "000003", "000004"):
            day_in_and_out(school, adno, days)
    day_in_and_out(school, "000001", 5)  # recent: kept
    return school


def purge_entries(after=0):
    return [
        (e.seq, json.loads(e.details))
        for e in AuditEntry.select()
        .where((AuditEntry.action == audit.PURGE_ACTION) & (AuditEntry.seq > after))
        .order_by(AuditEntry.seq)
    ]


# ---------------------------------------------------------------- purge


def test_a_batched_purge_deletes_what_one_purge_would_in_several_audited_batches(school):
    expected = records.purge(RETENTION, dry_run=True, now=NOW)
    assert expected.deleted == {**NOTHING, "hand_ins": 32}
    seq = audit.head()[0]
    checked = []

    def check(batch):  # true and verifying after every batch
        assert_consistent()
        checked.append(batch)

    result = records.purge(RETENTION, now=NOW, batch_rows=4, pause=0, after_batch=check)
    assert result.deleted == expected.deleted
    # 8 batches of 4 events, then one for the visitor phones left with no visit
    assert result.batches == 9 and checked == list(range(1, 9))
    entries = purge_entries(seq)
    assert [s for s, _ in entries] == result.audit_seqs and result.audit_seq == entries[-1][0]
    assert [d["complete"] for _, d in entries] == [False] * 8 + [True]
    assert len({d["run"] for _, d in entries}) == 1
    assert sum(d["deleted"]["hand_ins"] for _, d in entries) == 32
    assert all(d["deleted"]["hand_ins"] <= 4 for _, d in entries)
    assert entries[-1][1]["run_deleted"] == expected.deleted
    assert len(events_of(device_of(school, "000001").id)) == 2
    assert_consistent()


def test_a_purge_stopped_part_way_is_true_and_verifies_and_running_it_again_finishes(school):
    expected = records.purge(RETENTION, dry_run=True, now=NOW)
    seq = audit.head()[0]
    with pytest.raises(Stop):
        records.purge(RETENTION, now=NOW, batch_rows=4, pause=0, after_batch=stop_after(3))
    assert_consistent()
    entries = purge_entries(seq)
    assert len(entries) == 3 and all(d["complete"] is False for _, d in entries)
    assert CustodyEvent.select().count() == 32 + 2 - 12
    again = records.purge(RETENTION, now=NOW, batch_rows=4, pause=0)
    assert_consistent()
    rerun = purge_entries(entries[-1][0])
    assert rerun[0][1]["resumes"] == entries[0][1]["run"]  # says it finishes the one that stopped
    assert rerun[-1][1]["complete"] is True
    assert again.deleted["hand_ins"] + 12 == expected.deleted["hand_ins"]
    assert records.purge(RETENTION, now=NOW, dry_run=True).deleted == NOTHING


def test_a_legal_hold_that_starts_between_batches_keeps_that_phones_history(school):
    dan = device_of(school, "000004")
    before = {e.id for e in events_of(dan.id)}

    def confiscate_dan(batch):
        if batch == 1:  # dan's oldest episode may be gone already; the rest is now evidence
            custody.confiscate(
                dan.id,
                school.deputy,
                category="behaviour",
                reason="photos",
                policy="MTP 6",
                now=NOW - dt.timedelta(hours=1),
            )

    result = records.purge(RETENTION, now=NOW, batch_rows=4, pause=0, after_batch=confiscate_dan)
    kept = {e.id for e in events_of(dan.id)}
    assert len(before - kept) <= 2  # at most the one episode of batch 1
    assert any(h.entity == "device" and h.entity_id == dan.id and h.code == custody.CONFISCATED for h in result.holds)
    assert result.deleted["hand_ins"] < 32
    assert_consistent()


def test_a_write_from_another_terminal_completes_between_batches(school):
    """The scan waits for one batch at most: it is committed before the purge's next batch."""
    code = school.codes["000005"]
    go, done = threading.Event(), threading.Event()
    failure = []

    def terminal():
        try:
            if go.wait(WAIT_S):
                custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=5))
                done.set()
        except Exception as exc:  # noqa: BLE001 - reported below
            failure.append(exc)
        finally:
            close_db()  # this thread's own connection

    thread = threading.Thread(target=terminal)
    thread.start()
    waited = []

    def between(batch):
        if batch == 1:
            go.set()
            waited.append(done.wait(WAIT_S))

    try:
        result = records.purge(RETENTION, now=NOW, batch_rows=4, pause=0, after_batch=between)
    finally:
        go.set()
        thread.join(WAIT_S)
    assert not failure and waited == [True]
    scan = CustodyEvent.get(
        (CustodyEvent.device == device_of(school, "000005").id) & (CustodyEvent.kind == custody.HANDED_IN)
    ).audit_seq
    assert result.audit_seqs[0] < scan < result.audit_seqs[1]
    assert_consistent()


def test_expired_audit_entries_go_in_batches_and_the_chain_verifies(database, monkeypatch):
    school = build(now=NOW - 3000 * DAY)
    for days in (2900, 2899, 2898):
        day_in_and_out(school, "000001", days)
    day_in_and_out(school, "000001", 5)
    total = AuditEntry.select().count()
    monkeypatch.setattr(records.AuditKind, "CHUNK", 3)
    with pytest.raises(Stop):
        records.purge(RETENTION, now=NOW, batch_rows=3, pause=0, after_batch=stop_after(2))
    assert_consistent()
    result = records.purge(RETENTION, now=NOW, batch_rows=3, pause=0)
    assert_consistent()
    assert result.batches > 1
    assert AuditEntry.select().where(AuditEntry.action != audit.PURGE_ACTION).count() == 2  # the recent day
    assert result.deleted["audit"] > 0 and result.deleted["audit"] < total


def test_a_row_edited_after_a_batched_purge_is_still_caught(school):
    records.purge(RETENTION, now=NOW, batch_rows=4, pause=0)
    kept = events_of(device_of(school, "000001").id)[0]
    CustodyEvent.update(reason="edited").where(CustodyEvent.id == kept.id).execute()
    report = audit.verify()
    assert not report.ok and any(f"custody event {kept.id}" in p for p in report.problems)


# ---------------------------------------------------------------- erase


def test_erase_in_batches_takes_the_oldest_episodes_first_then_the_rest(school):
    ava = device_of(school, "000001")
    pupil_id = ava.pupil_id
    seq = audit.head()[0]
    seen = []

    def check(batch):
        assert_consistent()
        seen.append(len(events_of(ava.id)))

    result = records.erase(records.pupil_subject("000001"), now=NOW, batch_rows=4, pause=0, after_batch=check)
    assert seen == [6, 2]  # 10 events: 4, then 4, then the last 2 with everything else
    entries = [
        json.loads(e.details)
        for e in AuditEntry.select()
        .where((AuditEntry.action == records.ERASE_ACTION) & (AuditEntry.seq > seq))
        .order_by(AuditEntry.seq)
    ]
    assert [d.get("complete") for d in entries] == [False, False, True]
    assert result.deleted["custody_events"] == 10 and result.deleted["pupil"] == 1
    assert Pupil.get_or_none(Pupil.id == pupil_id) is None and Device.get_or_none(Device.id == ava.id) is None
    assert_consistent()


def test_an_erase_stopped_part_way_verifies_and_running_it_again_finishes(school):
    ava = device_of(school, "000001")
    with pytest.raises(Stop):
        records.erase(records.pupil_subject("000001"), now=NOW, batch_rows=4, pause=0, after_batch=stop_after(1))
    assert_consistent()
    assert len(events_of(ava.id)) == 6 and DeviceState.get_by_id(ava.id).state == custody.OUT
    records.erase(records.pupil_subject("000001"), now=NOW, batch_rows=4, pause=0)
    assert Pupil.get_or_none(Pupil.admission_no == "000001") is None
    assert_consistent()


def test_an_erase_stops_when_the_phone_is_handed_in_between_batches(school):
    code = school.codes["000001"]

    def hand_in(batch):
        custody.hand_in(code, school.office, now=NOW - dt.timedelta(minutes=5))

    with pytest.raises(RuleViolation, match="stopped part way"):
        records.erase(records.pupil_subject("000001"), now=NOW, batch_rows=4, pause=0, after_batch=hand_in)
    assert Pupil.get_or_none(Pupil.admission_no == "000001") is not None
    assert DeviceState.get_by_id(device_of(school, "000001").id).state == custody.IN_TRAY
    assert_consistent()


# ---------------------------------------------------------------- roster import


def test_a_roster_import_in_batches_names_itself_and_says_when_it_completed(database, samples):
    result = parse_roster(samples / "roster-sims-style.csv")
    seq = audit.head()[0]
    summary = import_roster(result, now=NOW, batch_rows=50, pause=0)
    assert summary.added == 210
    entries = [json.loads(e.details) for e in AuditEntry.select().where(AuditEntry.seq > seq).order_by(AuditEntry.seq)]
    assert [(d["batch"], d["batches"], d["complete"]) for d in entries] == [
        (1, 5, False),
        (2, 5, False),
        (3, 5, False),
        (4, 5, False),
        (5, 5, True),
    ]
    assert len({d["import"] for d in entries}) == 1 and entries[0]["rows"] == 210
    assert sum(d["added"] for d in entries) == 210
    assert unfinished_import() is None
    assert audit.verify().ok


@pytest.mark.parametrize("stop", [1, 3])
def test_an_interrupted_import_is_completed_by_importing_the_same_file_again(database, samples, stop):
    result = parse_roster(samples / "roster-sims-style.csv")
    with pytest.raises(Stop):
        import_roster(result, now=NOW, batch_rows=50, pause=0, after_batch=stop_after(stop))
    assert Pupil.select().count() == 50 * stop  # whole pupils only
    left = unfinished_import()
    assert left is not None and (left["batch"], left["batches"], left["complete"]) == (stop, 5, False)
    assert audit.verify().ok
    again = import_roster(parse_roster(samples / "roster-sims-style.csv"), now=NOW, batch_rows=50, pause=0)
    assert (again.added, again.unchanged) == (210 - 50 * stop, 50 * stop)
    assert unfinished_import() is None
    first = json.loads(
        AuditEntry.select()
        .where(AuditEntry.action == "roster.import")
        .order_by(AuditEntry.seq.desc())
        .offset(4)
        .first()
        .details
    )
    assert first["resumes"] is True and first["batch"] == 1
    assert Pupil.select().count() == 210
    assert audit.verify().ok


# ---------------------------------------------------------------- the anchor after a purge


def as_head(monkeypatch) -> list[str]:
    """``--as head`` (PIN in $KIOSK_PIN) where ``kiosk purge`` asks who you are (issue 12)."""
    from kiosk.cli.records import purge as command
    from models.upkeep.demo import DEMO_PINS

    if not any("--as" in getattr(p, "opts", ()) for p in command.params):
        return []
    monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["head"])
    return ["--as", "head"]


def test_the_anchor_is_written_only_once_the_whole_purge_finished(school, database, run, tmp_path, monkeypatch):
    from models.audit import anchors
    from models.errors import StorageError
    from models.store import db as dbmod

    path = tmp_path / "anchors.txt"
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[audit]\nanchors = "{path}"\n')
    for name, value in (("BATCH_ROWS", 4), ("PAUSE_SQLITE_S", 0), ("PAUSE_POSTGRES_S", 0)):
        monkeypatch.setattr(records, name, value)
    who = as_head(monkeypatch)
    with monkeypatch.context() as m:

        def disk_fails():  # after batch 1 has committed
            raise StorageError("The disk is full or failing: nothing was saved.")

        m.setattr(dbmod, "checkpoint", disk_fails)
        code, out, err = run("purge", *who, "--db", database, "--config", cfg)
    assert code != 0 and "disk is full" in err
    assert not path.exists() or anchors.read(path) == []  # no anchor for a purge that did not finish
    code, out, err = run("purge", *who, "--db", database, "--config", cfg)
    assert code == 0, err
    code, text, err = run("audit", "verify", "--db", database, "--config", cfg)
    assert code == 0, text + err
    from models.upkeep.opening import open_database

    open_database(database)
    (anchor,) = anchors.read(path)
    last = AuditEntry.select().where(AuditEntry.action == audit.PURGE_ACTION).order_by(AuditEntry.seq.desc()).first()
    assert json.loads(last.details)["complete"] is True and anchor.seq == last.seq
