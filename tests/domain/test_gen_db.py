"""The big-database generator builds a school whose ledger, projection and audit chain verify."""

import datetime as dt

from benchmarks.gen_db import generate
from models.audit import chain as audit
from models.custody import ledger as custody
from models.store.tables import CustodyEvent, DeviceState, Pupil
from models.upkeep.opening import open_database


def test_generated_history_is_valid_on_every_backend(database):
    result = generate(database, pupils=120, phones=90, events=3000, end=dt.date(2026, 11, 20), log=lambda m: None)
    open_database(database)
    assert result["pupils"] == Pupil.select().count() == 120
    assert 3000 <= result["events"] == CustodyEvent.select().count() < 3400
    kinds = {e.kind for e in CustodyEvent.select(CustodyEvent.kind).distinct()}
    assert kinds == {"handed_in", "released_to_pupil", "confiscated", "searched", "released_to_contact"}
    assert audit.verify().ok and custody.verify_states() == []
    held = DeviceState.select().where(DeviceState.state != "out").count()
    assert 1 <= held < 90  # the last day leaves a few phones uncollected and one confiscated
    # A new event goes on the end of the chain like any other.
    new = CustodyEvent.select().order_by(CustodyEvent.id.desc()).first()
    assert new.audit_seq == audit.head()[0]
    # every event's content is bound by its own entry, and the next write binds only its own rows
    from models.custody import ledger
    from models.store.tables import AuditEntry, Label, Staff

    out = DeviceState.select().where(DeviceState.state == "out").first()
    code = Label.get(Label.device == out.device_id).code
    ledger.hand_in(code, Staff.get(Staff.username == "office"), now=dt.datetime(2026, 11, 21, 8, 30))
    newest = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert newest.rows is not None and len(newest.rows) < 1000
