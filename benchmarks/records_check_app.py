"""``kiosk`` with the app's records' check back to back ("on") or not at all ("off").

For :mod:`benchmarks.bench_records_check` only: ``python benchmarks/records_check_app.py on
run --db … --config …``. With "on" the hourly check starts again half a second after the
last ended (``RECORDS_CHECK_EVERY`` = 0.5 s; the app never runs two at once), so paced scans
meet a check in progress nearly all the time; each check's start and end are written to
``$KIOSK_BENCH_CHECK_LOG`` (time.perf_counter, CLOCK_MONOTONIC on Linux: comparable with
the benchmark's own clock). Nothing else about the app is changed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    import kiosk.app as kiosk_app

    app_class = kiosk_app.KioskApp
    if mode == "off":
        app_class.check_records = lambda self: None  # type: ignore[method-assign]
    else:
        kiosk_app.RECORDS_CHECK_EVERY = 0.5
        log_path = os.environ.get("KIOSK_BENCH_CHECK_LOG")
        started, answered = app_class.check_records, app_class.records_checked

        def note(word: str) -> None:
            if log_path:
                with open(log_path, "a", encoding="ascii") as log:
                    log.write(f"{word} {time.perf_counter():.6f}\n")

        def check_records(self) -> None:
            if not self._records_checking:
                note("start")
            started(self)

        def records_checked(self, ok, at) -> None:
            note("end" if ok is not None else "none")
            answered(self, ok, at)

        app_class.check_records = check_records  # type: ignore[method-assign]
        app_class.records_checked = records_checked  # type: ignore[method-assign]
    from kiosk.cli import main as kiosk_main

    sys.exit(kiosk_main(args))


if __name__ == "__main__":
    main()
