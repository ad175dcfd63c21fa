"""The capture table and triggers are checked once a connection, not at every write
(issue 16: the check was the dearest round trip of a scan on PostgreSQL), and what the
kiosk writes is still bound: verify passes after many writes on the connection."""

from __future__ import annotations

import datetime as dt

import peewee

from models.audit import chain as audit
from models.audit import integrity
from models.custody import ledger as custody
from models.store.db import db
from tests.school import NOW, build


def _statements(fn) -> list[str]:
    seen: list[str] = []
    original = peewee.Database.execute_sql

    def logged(self, sql, *args, **kwargs):
        seen.append(sql)
        return original(self, sql, *args, **kwargs)

    peewee.Database.execute_sql = logged
    try:
        fn()
    finally:
        peewee.Database.execute_sql = original
    return seen


def _checks(statements: list[str]) -> int:
    return sum("kiosk_cap_" in sql for sql in statements)


def test_the_capture_check_runs_once_a_connection_and_writes_stay_bound(database):
    s = build()
    codes = sorted(s.codes.values())
    custody.hand_in(codes[0], s.office, now=NOW)  # the connection checked (and prepared) by now
    later = _statements(lambda: custody.hand_in(codes[1], s.office, now=NOW + dt.timedelta(minutes=1)))
    assert later and _checks(later) == 0
    for n, code in enumerate(codes[2:]):
        custody.hand_in(code, s.office, now=NOW + dt.timedelta(minutes=2 + n))
    assert audit.verify().ok


def test_a_capture_table_lost_with_a_rollback_is_made_again(database):
    """Made inside a transaction that is rolled back: not taken as checked, so the next
    write makes it again and is bound."""
    s = build()
    codes = sorted(s.codes.values())
    conn = db.obj.connection()
    with integrity._lock:
        integrity._prepared.pop(id(conn), None)
        integrity._fragile.discard(id(conn))
        integrity._checked.pop(id(conn), None)
    table = "temp.kiosk_dirty" if isinstance(db.obj, peewee.SqliteDatabase) else "pg_temp.kiosk_dirty"
    db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    try:
        with db.atomic():
            integrity.prepare()  # made inside this transaction
            assert id(conn) not in integrity._checked
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    custody.hand_in(codes[0], s.office, now=NOW)
    assert audit.verify().ok
