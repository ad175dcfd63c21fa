"""The demo school fills every safeguarding screen: issue 5's list, one of each."""

import datetime as dt

from models.config import DEMO_CONFIG, load_settings
from models.custody import ledger as custody
from models.policy import agreed
from models.reports import phones as reports
from models.safeguarding import concerns
from models.store.tables import CustodyEvent
from models.upkeep.demo import create_demo
from tests.school import NOW

TODAY = dt.date(2026, 11, 12)


def test_demo_has_one_of_each(sqlite_db):
    create_demo(load_settings(DEMO_CONFIG), now=NOW)
    pupil_ids = agreed.active_pupil_ids(TODAY)
    assert len(pupil_ids) == 1
    (pupil_id,) = pupil_ids
    expiring = agreed.ending_within(TODAY, 7)
    assert [e.subject_kind for e in expiring] == ["organisation"]
    assert agreed.active_for_visitor("Dr A Visitor", "kent educational psychology service", TODAY) is not None
    assert CustodyEvent.select().where(CustodyEvent.kind == custody.SEARCHED).exists()
    assert CustodyEvent.select().where(CustodyEvent.kind == custody.CONFISCATED_EV).exists()
    assert concerns.open_count() == 1 and concerns.unseen_count() == 1
    feed = concerns.safeguarding_feed(TODAY - dt.timedelta(days=14), TODAY)
    assert {e.kind for e in feed} == {"concern", "confiscation", "search"}
    # the pupil under the exception never handed in during the demo's history, and is not "not handed in"
    handed = (
        CustodyEvent.select()
        .join(custody.Device)
        .where((CustodyEvent.kind == custody.HANDED_IN) & (custody.Device.pupil == pupil_id))
    )
    assert not handed.exists()
    exc = agreed.active_for_pupil(pupil_id, TODAY)
    row = next(r for r in reports.class_checklist(exc.pupil.school_class.name, TODAY) if r.pupil == exc.pupil.full_name)
    assert row.status == reports.CHECK_EXCEPTION
    assert agreed.due_for_review(TODAY, 14)
