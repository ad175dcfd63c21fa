"""Issue 14, item 10: demo data never reaches paper. (The roll call with the printer
offline and the V label: tests/screens/test_printing_screens_i14.py.)"""

from __future__ import annotations

import dataclasses

from models.config import DEMO_CONFIG, load_settings
from models.store.tables import PrintJob
from printing import clear_dummy_jobs, dummy_jobs


def test_the_demo_school_never_prints_to_the_configured_printer(sqlite_db):
    from models import outbox
    from models.upkeep import demo

    settings = load_settings(str(DEMO_CONFIG))
    school = dataclasses.replace(settings, printer={**settings.printer, "url": "dummy://school"})
    clear_dummy_jobs()
    demo.create_demo(school)
    jobs = list(PrintJob.select())
    assert jobs, "the demo signs visitors in: it has slips"
    assert {j.printer_url for j in jobs} == {"dummy://demo"}
    assert {j.status for j in jobs} == {outbox.SENT}  # "printed" nowhere at once: nothing left to send
    # The school's printer, as the first `kiosk run --demo` would send to: nothing for it.
    assert outbox.send_pending(lambda *a: None, school.printer).sent == []
    assert dummy_jobs("school") == []
