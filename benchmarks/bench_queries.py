"""Time the reports on the big database (benchmarks/gen_db.py): each target <= 20 ms.

    python -m benchmarks.bench_queries PATH_OR_URL [--repeat 20] [--only NAME]

Each query is the real function in ``models/`` (what the screens and the CLI call),
run once to warm the caches and then ``--repeat`` times; the median and the worst are
reported, with the number of rows it returned. The day used is the database's last
school day (the newest custody event's local date).

"Who is on site" and "compliance for a term" are called through :data:`HOOKS` (module,
function, how to call it), so the table names exactly what is timed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MS = 20.0

# name -> (module, function, how to call it given the context dict)
HOOKS: dict[str, tuple[str, str, Callable[[Callable, dict], object]]] = {
    "who is on site": ("models.visitors.visits", "on_site", lambda fn, ctx: fn(_settings(), ctx["now"])),
    "compliance for a term": (
        "models.reports.compliance",
        "compliance",
        lambda fn, ctx: fn(ctx["term_start"], ctx["day"], now=ctx["now"]),
    ),
}


def _settings():
    from models.config import Settings

    return Settings()


def time_call(fn: Callable[[], object], repeat: int) -> dict:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    rows = len(result) if hasattr(result, "__len__") else None
    return {"median_ms": statistics.median(times), "max_ms": max(times), "rows": rows}


QUERIES = (
    "class checklist",
    "day report",
    "uncollected",
    "class progress (hand-in screen)",
    *HOOKS,
)


def run(url: str, repeat: int = 20, only: str | None = None) -> dict[str, dict]:
    """Time each query (or only the one named ``only``, one of :data:`QUERIES`)."""
    import datetime as dt

    from peewee import fn

    from models.clock import local_day
    from models.reports import phones as reports
    from models.store.db import close_db
    from models.store.tables import CustodyEvent, Device, Pupil, SchoolClass
    from models.upkeep.opening import open_database

    open_database(url)
    try:
        newest = CustodyEvent.select(CustodyEvent.at).order_by(CustodyEvent.id.desc()).first()
        if newest is None:
            raise SystemExit(f"{url} has no custody events: generate it with benchmarks/gen_db.py first.")
        day = local_day(newest.at)
        now = newest.at + dt.timedelta(minutes=30)
        # The class with the most phones: the biggest checklist.
        biggest = (
            SchoolClass.select(SchoolClass.name)
            .join(Pupil)
            .join(Device, on=(Device.pupil == Pupil.id))
            .group_by(SchoolClass.name)
            .order_by(fn.COUNT(Device.id).desc(), SchoolClass.name)
            .first()
        )
        ctx = {
            "day": day,
            "now": now,
            "term_start": day - dt.timedelta(weeks=12),
            "events": CustodyEvent.select().count(),
        }
        out: dict[str, dict] = {}
        calls: dict[str, Callable[[], object]] = {
            "class checklist": lambda: reports.class_checklist(biggest.name, day),
            "day report": lambda: reports.day(day, reader=("leadership",)),
            "uncollected": lambda: reports.uncollected(now=now),
            "class progress (hand-in screen)": lambda: reports.class_progress(day),
        }
        for name, call_it in calls.items():
            if only in (None, name):
                out[name] = time_call(call_it, repeat)
        for name, (module, func, call) in HOOKS.items():
            if only not in (None, name):
                continue
            try:
                fn = getattr(importlib.import_module(module), func)
            except (ImportError, AttributeError):
                out[name] = {"missing": f"{module}.{func} is missing"}
                continue
            out[name] = time_call(lambda fn=fn, call=call: call(fn, ctx), repeat)
        out["_context"] = {"day": str(day), "class": biggest.name, "events": ctx["events"]}
        return out
    finally:
        close_db()


def _rows(r: dict) -> str:
    return "" if r["rows"] is None else f", {r['rows']:,} rows"


def rows_for_table(result: dict[str, dict], where: str) -> list[tuple[str, str, str, str, str]]:
    ctx = result["_context"]
    rows = []
    for name, r in result.items():
        if name.startswith("_"):
            continue
        if "missing" in r:
            rows.append(("queries", f"{name} ({where})", r["missing"], f"≤ {TARGET_MS:.0f} ms", ""))
            continue
        target = name != "class progress (hand-in screen)"
        rows.append(
            (
                "queries",
                f"{name}{_rows(r)} ({where}, {ctx['events']:,} events, day {ctx['day']})",
                f"{r['median_ms']:.1f} ms (max {r['max_ms']:.1f})",
                f"≤ {TARGET_MS:.0f} ms" if target else "",
                ("yes" if r["median_ms"] <= TARGET_MS else "**no**") if target else "",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_queries", description=__doc__.splitlines()[0])
    parser.add_argument("db", help="the database made by benchmarks/gen_db.py (file path or postgresql:// URL)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=QUERIES, help="time this query only (e.g. 'compliance for a term')")
    args = parser.parse_args(argv)
    result = run(args.db, args.repeat, args.only)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for row in rows_for_table(result, "SQLite" if "://" not in args.db else args.db.split("://")[0]):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
