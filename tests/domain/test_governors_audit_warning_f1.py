"""A record edited outside the kiosk (with SQL on the database file) must not be counted in
the governors' report as if it were genuine: the report made after the edit says, at the
top, that the records' check failed and the figures may include records changed outside
the kiosk. Made before the edit (or with no edit), it says nothing of the kind."""

from __future__ import annotations

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.reports import governors, governors_files
from models.store.db import db
from models.store.tables import CustodyEvent
from tests.school import NOW


def _confiscation(school) -> int:
    code = school.codes["000001"]
    custody.hand_in(code, school.office, now=NOW)
    dev = resolve(code).device.id
    custody.confiscate(dev, school.office, category="behaviour", reason="Filming", policy="MTP 6", now=NOW)
    return CustodyEvent.select().order_by(CustodyEvent.id.desc()).get().id


def _report(school):
    term = governors.resolve_term("autumn-2026", None, None)
    return governors.governors_report(term, reader=school.head, now=NOW, audit_check=True)


def test_a_report_of_genuine_records_has_no_audit_warning(school):
    _confiscation(school)
    report = _report(school)
    assert not report.audit_failed
    assert governors.AUDIT_FAILED_NOTE not in report.notes
    assert report.as_dict()["audit_failed"] is False


def test_a_row_edited_with_sql_puts_a_warning_at_the_top_of_the_report(school, tmp_path):
    event = _confiscation(school)
    db.obj.execute_sql(
        "update custody_event set grounds = 'forged', witness = 'Nobody' where id = %d" % event  # noqa: S608
    )
    report = _report(school)
    assert report.audit_failed
    assert report.notes[0] == governors.AUDIT_FAILED_NOTE
    assert "changed outside the kiosk" in governors.AUDIT_FAILED_NOTE
    as_dict = report.as_dict()
    assert as_dict["audit_failed"] is True and as_dict["notes"][0] == governors.AUDIT_FAILED_NOTE
    # The files: the page's first paragraph after the title, and the CSV's first row.
    html = governors_files.render_html(report)
    body = html.split("<body", 1)[1]
    assert body.index(governors.AUDIT_FAILED_NOTE) < body.index(governors_files.span_line(report).split(":")[0])
    first = governors_files.render_csv(report).splitlines()[1]
    assert first.startswith("warning,audit_check,all,") and "changed outside the kiosk" in first
