"""A plain school for the fault benchmarks and tests, and the checks run after each fault.

``make_school(url, phones)``: classes F01… of 30 pupils, each with its own tray of 30
slots, one registered phone per pupil (codes K300000… in order), and the staff member
``office`` with PIN 482916 (the demo office PIN). Built through the domain functions, in one transaction.

``check_database(url)``: what must hold after any fault (kill -9, concurrent writers,
a full or read-only disk) — PRAGMA integrity_check (SQLite), no phone in two slots and
no slot with two phones, the stored state equal to a replay of the ledger, and the
audit chain intact. Returns a list of problems (empty when all is well).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLASS_SIZE = 30
FIRST_SERIAL = 300000
PIN = "482916"


def share_pin_key(data_dir: str | os.PathLike) -> None:
    """Give another process's data directory this process's PIN key (models.store.pinkey), so
    `kiosk scan` there can check the PINs of a school made here."""
    from models.store import pinkey

    target = Path(data_dir) / pinkey.FILE_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pinkey.load(create=True))


def make_school(url: str | os.PathLike, phones: int, *, pin: str = PIN) -> list[str]:
    """Create the school in an empty database; return the label codes, in class order."""
    from models.custody import codes
    from models.custody.devices import register_pupil_device
    from models.custody.trays import TraySpec, sync_trays
    from models.school.people import import_roster
    from models.school.roster import RosterResult, RosterRow
    from models.staff import auth
    from models.store.db import close_db, db
    from models.upkeep.opening import open_database

    classes = -(-phones // CLASS_SIZE)
    rows = [
        RosterRow(
            line=i + 2,
            admission_no=f"F{i:05d}",
            first_name="Pupil",
            last_name=f"F{i:05d}",
            year_group=6,
            class_name=f"F{i // CLASS_SIZE + 1:02d}",
            dob=None,
            contacts=(),
        )
        for i in range(phones)
    ]
    open_database(url)
    try:
        with db.atomic():
            import_roster(RosterResult(rows=rows, errors=[], warnings=[], source_format="faults"), actor="faults")
            sync_trays([TraySpec(f"F{c + 1:02d}", CLASS_SIZE, f"F{c + 1:02d}") for c in range(classes)], actor="faults")
            auth.create_staff("office", "Office", [auth.OFFICE], pin, actor="faults")
            out = []
            for i, row in enumerate(rows):
                code = codes.make_code("K", FIRST_SERIAL + i)
                register_pupil_device(row.admission_no, actor="faults", code=code)
                out.append(code)
    finally:
        close_db()
    return out


def wipe_postgres(url: str) -> None:
    """Empty a throw-away PostgreSQL database (drop and recreate its public schema), so
    each fault run starts on an empty one, as a fresh SQLite file does."""
    from models.store.db import close_db, db, init_db

    init_db(url)
    try:
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    finally:
        close_db()


def check_database(url: str | os.PathLike) -> list[str]:
    """Every invariant a fault must not break; [] when the database is sound."""
    from peewee import fn

    from models.audit import chain as audit
    from models.custody import ledger as custody
    from models.store.db import close_db, db, init_db, is_sqlite
    from models.store.tables import DeviceState

    problems: list[str] = []
    init_db(url)
    try:
        if is_sqlite():
            result = [r[0] for r in db.execute_sql("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:3]}")
        double = (
            DeviceState.select(DeviceState.tray, DeviceState.slot_no, fn.COUNT(DeviceState.device))
            .where(DeviceState.slot_no.is_null(False))
            .group_by(DeviceState.tray, DeviceState.slot_no)
            .having(fn.COUNT(DeviceState.device) > 1)
            .tuples()
        )
        problems += [f"slot {t}-{s} holds {n} phones" for t, s, n in double]
        problems += custody.verify_states()  # one row per device: a phone in two slots would differ here
        report = audit.verify()
        problems += report.problems
    finally:
        close_db()
    return problems


def states(url: str | os.PathLike, codes: list[str]) -> dict[str, str]:
    """code -> current custody state, read straight from the database."""
    from models.store.db import close_db, init_db
    from models.store.tables import DeviceState, Label

    init_db(url)
    try:
        rows = (
            Label.select(Label.code, DeviceState.state)
            .join(DeviceState, on=(DeviceState.device == Label.device))
            .where(Label.code.in_(codes))
            .tuples()
        )
        return dict(rows)
    finally:
        close_db()


def handed_in_count(url: str | os.PathLike) -> int:
    from models.store.db import close_db, init_db
    from models.store.tables import CustodyEvent

    init_db(url)
    try:
        return CustodyEvent.select().where(CustodyEvent.kind == "handed_in").count()
    finally:
        close_db()
