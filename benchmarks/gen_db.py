"""Generate a big school database for the scale benchmarks: fast, and valid.

    python -m benchmarks.gen_db PATH_OR_URL [--pupils 5000] [--events 1000000] [--phones 4000]

5,000 pupils in classes of 30 (each class with its own tray of 30 slots), 4,000 of
them with a registered phone, and about a school year of daily custody history until
``--events`` ledger events exist: each school day most phones are handed in between
08:30 and 08:55 and released between 15:10 and 15:35, a few are confiscated (some of
those searched) and collected by a parent at 15:40. On the last day a few phones are
left uncollected, so the "uncollected" report has something in it.

The school, staff, trays and phones are created through the ordinary domain functions
(``import_roster``, ``create_staff``, ``sync_trays``, ``register_pupil_device``). The
history is bulk-inserted (big transactions, ``executemany`` / ``execute_values``)
because a million single ``write_tx`` commits would take hours; it is built by the
same rules: each event goes through :func:`models.custody.ledger.step`, each has the audit
entry :func:`models.custody.ledger._append` would write (same details, the event's content hash
as :mod:`models.audit.integrity` binds it, hash chained with :func:`models.audit.chain.entry_hash` and the chain key), ``audit_seq`` points at it, and ``DeviceState`` ends
equal to a replay of the ledger. ``--verify`` runs ``audit.verify()`` and
``custody.verify_states()`` at the end (about a minute on 1M events).

Staff PINs are the demo's (models.upkeep.demo.DEMO_PINS: office 482916, deputy 614738, head
725649, admin 836150, teacher of class C001 503827), hashed with this process's PIN key. Label codes are K100000… in pupil order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLASS_SIZE = 30
FIRST_SERIAL = 100000
BRING_RATE = 0.66  # share of phones handed in on a school day
CONFISCATIONS_PER_DAY = 3
FLUSH_EVERY = 50_000


def school_days(end: dt.date, n: int) -> list[dt.date]:
    """The last n weekdays up to and including end (a weekend end counts back to Friday)."""
    days, d = [], end
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d -= dt.timedelta(days=1)
    return sorted(days)


class Writer:
    """Bulk inserts of events and audit entries, flushed in big transactions."""

    EVENT_COLS = (
        "id",
        "device_id",
        "kind",
        "at",
        "actor_id",
        "label_code",
        "tray_id",
        "slot_no",
        "reason",
        "policy",
        "contact_id",
        "id_seen",
        "consent_by",
        "witness",
        "grounds",
        "outcome",
        "audit_seq",
    )
    AUDIT_COLS = ("seq", "at", "actor", "action", "entity", "entity_id", "details", "prev_hash", "hash", "rows")

    def __init__(self) -> None:
        from models.audit import chain as audit
        from models.store.db import db, is_sqlite
        from models.store.tables import CustodyEvent

        self.db = db
        self.sqlite = is_sqlite()
        self.events: list[tuple] = []
        self.audits: list[tuple] = []
        self.seq, self.hash = audit.head()
        last = CustodyEvent.select(CustodyEvent.id).order_by(CustodyEvent.id.desc()).first()
        self.next_id = (last.id if last else 0) + 1
        self.count = 0
        self.key: bytes | None = None

    def _t(self, when: dt.datetime):
        return str(when) if self.sqlite else when  # SQLite: the text peewee itself stores

    def event(
        self,
        device_id: int,
        kind: str,
        at: dt.datetime,
        actor_id: int,
        tray_id,
        slot_no,
        *,
        label_code=None,
        reason=None,
        policy=None,
        contact_id=None,
        id_seen=None,
        consent_by=None,
        witness=None,
        grounds=None,
        outcome=None,
        audit_extra: dict | None = None,
    ) -> int:
        from models.audit.chain import entry_hash
        from models.audit.integrity import PROTECTED, row_hash

        event_id = self.next_id
        self.next_id += 1
        seq = self.seq + 1
        values = (
            event_id,
            device_id,
            kind,
            self._t(at),
            actor_id,
            label_code,
            tray_id,
            slot_no,
            reason,
            policy,
            contact_id,
            id_seen,
            consent_by,
            witness,
            grounds,
            outcome,
            seq,
        )
        self.events.append(values)
        # the row's content hash, as models.audit.integrity binds it (the columns not set are NULL)
        named = dict(zip(self.EVENT_COLS, values, strict=True))
        bound = row_hash("custody_event", event_id, [named.get(c) for c in PROTECTED["custody_event"]])
        rows = json.dumps({"b": {"custody_event": {str(event_id): bound}}}, sort_keys=True, separators=(",", ":"))
        details = {"event_id": event_id, "device_id": device_id, "kind": kind}
        if slot_no is not None:
            details["slot"] = [tray_id, slot_no]
        details.update(audit_extra or {})
        body = json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        at_text = at.isoformat(timespec="microseconds")
        who, action, ident = f"staff:{actor_id}", f"custody.{kind}", str(event_id)
        if self.key is None:  # the chain key, from the PIN key file the school was built with
            from models.audit.chain import chain_key

            self.key = chain_key()
        digest = entry_hash(self.hash, seq, at_text, who, action, "custody_event", ident, body, rows, key=self.key)
        self.audits.append((seq, at_text, who, action, "custody_event", ident, body, self.hash, digest, rows))
        self.seq, self.hash = seq, digest
        self.count += 1
        if len(self.events) >= FLUSH_EVERY:
            self.flush()
        return event_id

    def _insert(self, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in cols)
        if self.sqlite:
            marks = ", ".join("?" * len(cols))
            self.db.obj.connection().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        else:
            from psycopg2.extras import execute_values

            with self.db.obj.connection().cursor() as cur:
                execute_values(cur, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=5000)

    def flush(self) -> None:
        with self.db.atomic():
            self._insert("custody_event", self.EVENT_COLS, self.events)
            self._insert("audit_entry", self.AUDIT_COLS, self.audits)
            self.db.execute_sql(
                'UPDATE "audit_head" SET "seq" = %s, "hash" = %s WHERE "id" = 1'.replace(
                    "%s", "?" if self.sqlite else "%s"
                ),
                (self.seq, self.hash),
            )
            from models.audit.integrity import forget_captured

            forget_captured()  # their entries above already carry the events' hashes
        self.events.clear()
        self.audits.clear()


def generate(
    url: str,
    *,
    pupils: int = 5000,
    phones: int = 4000,
    events: int = 1_000_000,
    end: dt.date | None = None,
    seed: int = 6,
    verify: bool = False,
    log=print,
) -> dict:
    from models.clock import SCHOOL_TZ, local_to_utc
    from models.custody import ledger as custody
    from models.custody.devices import register_pupil_device
    from models.custody.trays import TraySpec, sync_trays
    from models.school.people import import_roster
    from models.school.roster import RosterContact, RosterResult, RosterRow
    from models.staff import auth
    from models.store.db import close_db, db, is_sqlite
    from models.store.tables import Contact, CustodyEvent, Device, DeviceState, Label, Pupil, SchoolClass, Staff, Tray
    from models.upkeep.opening import open_database

    t0 = time.perf_counter()
    rng = random.Random(seed)
    end = end or dt.date.today()
    open_database(url)
    if Pupil.select().exists() or CustodyEvent.select().exists():
        raise SystemExit(f"{url} already has a school in it: give a new file or an empty database.")
    if is_sqlite():
        db.execute_sql("PRAGMA synchronous = OFF")  # generation only; a crash just means generate again
    setup_at = local_to_utc(dt.datetime.combine(end - dt.timedelta(days=400), dt.time(7, 0)), SCHOOL_TZ)

    # --- the school, through the domain functions
    n_classes = -(-pupils // CLASS_SIZE)
    rows = []
    for i in range(pupils):
        c = i // CLASS_SIZE
        year = c * 8 // n_classes - 1  # Nursery (-1) to Year 6
        rows.append(
            RosterRow(
                line=i + 2,
                admission_no=f"{i + 1:06d}",
                first_name=f"First{i % 997:03d}",
                last_name=f"Family{i:05d}",
                year_group=year,
                class_name=f"C{c + 1:03d}",
                dob=dt.date(2014 + (6 - year) % 7, 1 + i % 12, 1 + i % 28),
                contacts=(RosterContact(name=f"Parent {i:05d}", relationship="Parent", priority=1),),
            )
        )
    import_roster(RosterResult(rows=rows, errors=[], warnings=[], source_format="generated"), actor="gen", now=setup_at)
    sync_trays(
        [TraySpec(f"T{c + 1:03d}", CLASS_SIZE, f"C{c + 1:03d}") for c in range(n_classes)], actor="gen", now=setup_at
    )
    from models.upkeep.demo import DEMO_PINS

    staff = {
        "office": auth.create_staff("office", "Office", [auth.OFFICE], DEMO_PINS["office"], actor="gen", now=setup_at),
        "teacher": auth.create_staff(
            "teacher", "Teacher C001", [auth.TEACHER], DEMO_PINS["oak"], classes=["C001"], actor="gen", now=setup_at
        ),
        "deputy": auth.create_staff(
            "deputy", "Deputy head", [auth.LEADERSHIP], DEMO_PINS["deputy"], actor="gen", now=setup_at
        ),
        "head": auth.create_staff(
            "head", "Head (DSL)", [auth.HEADTEACHER, auth.DSL], DEMO_PINS["head"], actor="gen", now=setup_at
        ),
        "admin": auth.create_staff("admin", "IT admin", [auth.ADMIN], DEMO_PINS["admin"], actor="gen", now=setup_at),
    }
    owners = sorted(rng.sample(range(pupils), phones))
    with db.atomic():  # one commit for the registrations
        for serial, i in enumerate(owners, start=FIRST_SERIAL):
            from models.custody.codes import make_code

            register_pupil_device(rows[i].admission_no, actor="gen", code=make_code("K", serial), now=setup_at)
    log(f"school: {pupils} pupils, {n_classes} classes and trays, {phones} phones ({time.perf_counter() - t0:.1f} s)")

    # --- lookups for the bulk history
    devices = list(
        Device.select(Device.id, Pupil.id, Pupil.school_class, Label.code)
        .join(Pupil, on=(Device.pupil == Pupil.id))
        .switch(Device)
        .join(Label, on=(Label.device == Device.id))
        .order_by(Device.id)
        .tuples()
    )
    tray_of_class = {t.school_class_id: t.id for t in Tray.select()}
    contact_of = {c.pupil_id: c.id for c in Contact.select(Contact.id, Contact.pupil)}
    office, deputy = staff["office"].id, staff["deputy"].id

    per_day = phones * BRING_RATE * 2 + CONFISCATIONS_PER_DAY * 2.5
    days = school_days(end, max(1, round(events / per_day) + 1))
    state = {d[0]: custody.Custody() for d in devices}
    last_event: dict[int, tuple[int, dt.datetime]] = {}
    used = {t: set() for t in tray_of_class.values()}
    w = Writer()

    def emit(device_id, kind, at, actor, **kw):
        cur = state[device_id]
        tray_id, slot_no = kw.pop("tray_id", None), kw.pop("slot_no", None)
        nxt = custody.step(cur, kind, tray_id, slot_no)
        ev_tray, ev_slot = (tray_id, slot_no) if tray_id is not None else (cur.tray_id, cur.slot_no)
        event_id = w.event(device_id, kind, at, actor, ev_tray, ev_slot, **kw)
        if cur.slot_no is not None and nxt.slot_no != cur.slot_no:
            used[cur.tray_id].discard(cur.slot_no)
        if nxt.slot_no is not None:
            used[nxt.tray_id].add(nxt.slot_no)
        state[device_id] = nxt
        last_event[device_id] = (event_id, at)

    def first_free(tray_id: int) -> int:
        taken = used[tray_id]
        return next(n for n in range(1, CLASS_SIZE + 1) if n not in taken)

    for n, day in enumerate(days):
        last_day = n == len(days) - 1
        base = local_to_utc(dt.datetime.combine(day, dt.time(8, 30)), SCHOOL_TZ)
        brought = [d for d in devices if rng.random() < BRING_RATE and state[d[0]].state == custody.OUT]
        step_s = 25 * 60 / max(1, len(brought))
        for j, (device_id, _pupil, class_id, code) in enumerate(brought):
            tray_id = tray_of_class[class_id]
            emit(
                device_id,
                custody.HANDED_IN,
                base + dt.timedelta(seconds=j * step_s),
                office,
                tray_id=tray_id,
                slot_no=first_free(tray_id),
                label_code=code,
            )
        taken = rng.sample(brought, min(CONFISCATIONS_PER_DAY, len(brought)))
        for k, (device_id, _pupil_id, _c, _code) in enumerate(taken):
            at = base + dt.timedelta(hours=2, minutes=17 * k)
            emit(
                device_id,
                custody.CONFISCATED_EV,
                at,
                deputy,
                reason="Used in class",
                policy="Mobile technology policy 6",
            )
            if k == 0:
                emit(
                    device_id,
                    custody.SEARCHED,
                    at + dt.timedelta(minutes=30),
                    deputy,
                    consent_by="pupil",
                    witness="Head",
                    grounds="Reported image",
                    outcome="nothing_found",
                    audit_extra={"outcome": "nothing_found"},
                )
        release_at = local_to_utc(dt.datetime.combine(day, dt.time(15, 10)), SCHOOL_TZ)
        step_s = 25 * 60 / max(1, len(brought))
        for j, (device_id, _pupil, _c, code) in enumerate(brought):
            if state[device_id].state != custody.IN_TRAY or (last_day and j % 100 == 7):
                continue  # confiscated; or (last day) left uncollected
            emit(device_id, custody.RELEASED, release_at + dt.timedelta(seconds=j * step_s), office, label_code=code)
        collect_at = local_to_utc(dt.datetime.combine(day, dt.time(15, 40)), SCHOOL_TZ)
        for k, (device_id, pupil_id, _c, _code) in enumerate(taken):
            if last_day and k == 0:
                continue  # still confiscated tonight
            emit(
                device_id,
                custody.RELEASED_TO_CONTACT,
                collect_at + dt.timedelta(minutes=k),
                office,
                contact_id=contact_of[pupil_id],
                id_seen=True,
                audit_extra={"contact_id": contact_of[pupil_id]},
            )
        if n % 20 == 0:
            log(f"  {day}: {w.count:,} events ({time.perf_counter() - t0:.0f} s)")
    w.flush()

    # --- DeviceState: the projection of the ledger just written
    with db.atomic():
        for device_id, cur in state.items():
            if device_id not in last_event:
                continue
            event_id, at = last_event[device_id]
            DeviceState.update(
                state=cur.state, tray=cur.tray_id, slot_no=cur.slot_no, since=at, last_event=event_id
            ).where(DeviceState.device == device_id).execute()
        if not is_sqlite():
            db.execute_sql(
                "SELECT setval(pg_get_serial_sequence('custody_event', 'id'), (SELECT MAX(id) FROM custody_event))"
            )
    if is_sqlite():
        db.execute_sql("PRAGMA synchronous = FULL")
        db.execute_sql("ANALYZE")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        db.execute_sql("ANALYZE")
    result = {
        "pupils": Pupil.select().count(),
        "classes": SchoolClass.select().count(),
        "phones": phones,
        "events": CustodyEvent.select().count(),
        "days": len(days),
        "first_day": str(days[0]),
        "last_day": str(days[-1]),
        "seconds": round(time.perf_counter() - t0, 1),
        "staff": Staff.select().count(),
    }
    if verify:
        from models.audit import chain as audit

        report = audit.verify()
        problems = custody.verify_states()
        result["audit_ok"] = report.ok
        result["states_ok"] = not problems
        if not report.ok or problems:
            log("VERIFY FAILED: " + "; ".join(report.problems[:3] + problems[:3]))
    close_db()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gen_db", description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a new SQLite file path, or a postgresql:// URL of an empty database")
    parser.add_argument("--pupils", type=int, default=5000)
    parser.add_argument("--phones", type=int, default=4000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None, help="last school day (default today)")
    parser.add_argument("--verify", action="store_true", help="check the audit chain and the projection afterwards")
    args = parser.parse_args(argv)
    result = generate(
        args.db,
        pupils=args.pupils,
        phones=args.phones,
        events=args.events,
        end=args.end,
        verify=args.verify,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
