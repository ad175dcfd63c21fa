"""The end-of-day slip: phones not collected, with the day's audit anchor on paper.

Issue 12: "The day's anchor is printed in short form on the end-of-day slip, so the
school has a paper copy", and ``kiosk audit verify --anchor`` checks that copy.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit import anchors
from models.audit import chain as audit
from models.custody import ledger as custody
from models.errors import PermissionDenied, ValidationError
from models.reports import phones as reports
from models.store.db import close_db
from models.store.tables import AuditEntry, PrintJob
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from printing import PrinterSpec
from tests.pilot import make_app, settle, sign_in, text
from tests.school import NOW, build

LATE = dt.datetime(2026, 11, 12, 17, 5)  # London in November is UTC
PRINTER = PrinterSpec.from_url("file:///dev/null")


def _slip_text(job: PrintJob) -> str:
    return bytes(job.data).decode("cp858", errors="replace")


@pytest.fixture
def held(database, tmp_path):
    school = build()
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    return school, tmp_path / "day.anchors"


def test_the_slip_lists_the_phones_held_and_carries_the_anchor_it_wrote(held):
    school, path = held
    job_id, anchor, problem = reports.end_of_day_slip(
        school.office, printer=PRINTER, school_name="Test School", anchors_path=path, now=LATE
    )
    assert anchor is not None and problem is None
    assert anchors.last(path).seq == anchor.seq  # the same anchor is in the file
    job = PrintJob.get_by_id(job_id)
    slip = _slip_text(job)
    assert "Ava Patel" in slip and "Total still held: 1" in slip
    assert f"#{anchor.seq} {anchor.hash[:16]} at 17:05" in slip
    # one transaction: the anchor's own entry and the print job's entry, both by the office
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.seq > anchor.seq).order_by(AuditEntry.seq)]
    assert actions == ["audit.anchor", "print.enqueue"]
    assert anchors.verify(path).ok


def test_a_teacher_may_not_print_it_and_nothing_is_written(held):
    school, path = held
    before = AuditEntry.select().count()
    with pytest.raises(PermissionDenied):
        reports.end_of_day_slip(school.oak, printer=PRINTER, school_name="Test School", anchors_path=path, now=LATE)
    assert AuditEntry.select().count() == before and PrintJob.select().count() == 0
    assert not path.exists()


@pytest.mark.both_engines
def test_the_paper_anchor_is_checked_by_verify(held):
    school, path = held
    _, anchor, _ = reports.end_of_day_slip(
        school.office, printer=PRINTER, school_name="Test School", anchors_path=None, now=LATE
    )
    assert anchor is None  # no anchors file configured: the slip is printed without one
    written = anchors.write(path, actor="test", now=LATE)
    report = audit.verify()
    anchors.check_paper(report, written.short())
    assert report.ok and report.anchors_checked == 1

    report = audit.verify()
    anchors.check_paper(report, f"#{written.seq} {'0' * 16}")
    assert not report.ok
    assert f"Entry {written.seq} does not match the paper anchor" in report.problems[0]

    report = audit.verify()
    anchors.check_paper(report, f"#{written.seq + 50} {written.hash[:16]}")
    assert not report.ok and "The log is cut short: the paper anchor records entry" in report.problems[0]


@pytest.mark.parametrize("bad", ["", "1234", "#12 xyz", "#x 3f2a9c1e4b5d6a7f", "#12 3f2a"])
def test_a_mistyped_paper_anchor_is_one_plain_line(bad):
    with pytest.raises(ValidationError, match="is not an anchor: copy it from the slip"):
        anchors.parse_short(bad)


def test_kiosk_audit_verify_takes_the_anchor_from_the_slip(tmp_path, run):
    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    school = build()
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    written = anchors.write(tmp_path / "a.anchors", actor="test", now=LATE)
    close_db()
    code, out, err = run("audit", "verify", "--db", url, "--anchor", written.short() + "…")
    assert code == 0, out + err
    assert "chain intact" in out
    code, out, err = run("audit", "verify", "--db", url, "--anchor", f"#{written.seq} {'a' * 16}")
    assert code != 0 and "does not match the paper anchor" in err
    code, out, err = run("audit", "verify", "--db", url, "--anchor", "yesterday")
    assert code != 0 and "is not an anchor" in err and "Traceback" not in out + err


@pytest.mark.both_engines
async def test_f9_on_the_uncollected_screen_prints_the_slip_with_the_anchor(held):
    school, path = held
    anchors.configure(path)
    try:
        app = make_app(start="uncollected")
        async with app.run_test(size=(80, 24)) as pilot:
            app.services.clock.at = LATE
            await sign_in(pilot, "office", DEMO_PINS["office"])
            await settle(pilot)
            assert type(app.screen).__name__ == "UncollectedScreen"
            await pilot.press("f9")
            await settle(pilot)
            line = text(app, "#uncollected-updated")
            assert line.startswith("End-of-day slip queued for printing (job ")
            anchor = anchors.last(path)
            assert anchor is not None and f"Audit anchor on the slip (keep it): {anchor.short()}" in line
            # the anchor is copied from the screen: never split over two lines (80 columns)
            from tests.svg_text import cells, text_of

            rows = [text_of(r) for r in cells(app.export_screenshot()).values()]
            assert any(anchor.short() in r for r in rows), rows
            job = PrintJob.get()
            assert f"#{anchor.seq} {anchor.hash[:16]}" in _slip_text(job)
    finally:
        anchors.configure(None)


def test_an_anchors_file_that_refuses_an_anchor_does_not_stop_the_slip(held):
    """helper-33: with a bogus line in the anchors file, F9 printed nothing at all: no list
    of the phones still held at the end of the day."""
    school, path = held
    path.write_text("999999\t" + "a" * 64 + "\t2026-11-12T09:40:00Z\n")
    job_id, anchor, problem = reports.end_of_day_slip(
        school.office, printer=PRINTER, school_name="Test School", anchors_path=path, now=LATE
    )
    assert anchor is None
    assert problem.startswith(f"The anchors file {path} already anchors entry 999999")
    slip = _slip_text(PrintJob.get_by_id(job_id))
    assert "Ava Patel" in slip and "Audit anchor" not in slip


async def test_f9_with_an_anchors_file_that_refuses_still_prints_and_says_why(held):
    school, path = held
    path.write_text("999999\t" + "a" * 64 + "\t2026-11-12T09:40:00Z\n")
    anchors.configure(path)
    try:
        app = make_app(start="uncollected")
        async with app.run_test(size=(80, 24)) as pilot:
            app.services.clock.at = LATE
            await sign_in(pilot, "office", DEMO_PINS["office"])
            await settle(pilot)
            await pilot.press("f9")
            await settle(pilot)
            line = text(app, "#uncollected-updated")
            assert line.startswith("End-of-day slip queued for printing (job ")
            assert f"No audit anchor on it: The anchors file {path} already anchors entry 999999" in line
            assert PrintJob.select().count() == 1
    finally:
        anchors.configure(None)
