"""The scale benchmark (issue 16) found the governors' report counting exception reviews
(audit entries by action and time) by reading the whole audit log: 130 ms of its time at a
school of 333,000 events on PostgreSQL. The log has an index on (action, at) for it, and
the ledger one on (kind, at) for the reports that pick events by kind over a term."""

from __future__ import annotations

from models.store.db import db, is_sqlite


def _indexes(table: str = "audit_entry") -> set[tuple[str, ...]]:
    if is_sqlite():
        names = [r[1] for r in db.execute_sql(f"PRAGMA index_list('{table}')").fetchall()]
        return {tuple(r[2] for r in db.execute_sql(f"PRAGMA index_info('{n}')").fetchall()) for n in names}
    rows = db.execute_sql(
        "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = %s::regclass GROUP BY i.indexrelid",
        (table,),
    ).fetchall()
    return {tuple(r[0]) for r in rows}


def test_the_audit_log_is_indexed_by_action_and_time(database):
    assert ("action", "at") in _indexes()


def test_the_ledger_is_indexed_by_kind_and_time(database):
    """Compliance's breaches and the phones kept overnight pick the term's events by kind:
    through the index on ``at`` alone they read every event of the term."""
    assert ("kind", "at") in _indexes("custody_event")
