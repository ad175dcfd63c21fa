"""New-user walk (issue 14): the highlighted entry under the safeguarding feed was the
table's one-line summary, cut at 120 characters, so a search's outcome and "parents
informed" were never readable. The entry carries its whole text for that line."""

from __future__ import annotations

import datetime as dt

from models.custody import ledger as custody
from models.custody.devices import resolve
from models.safeguarding import concerns
from tests.school import NOW, build


def test_the_highlighted_entry_has_the_whole_search(database):
    s = build()
    dev = resolve(s.codes["000001"]).device.id
    custody.confiscate(dev, s.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW)
    grounds = "Reported filming of another pupil in the toilets at break, by two witnesses"
    custody.record_search(
        dev,
        s.deputy,
        consent_by="pupil",
        witness="Mr A Khan",
        item_sought="messages",
        location="the office",
        grounds=grounds,
        found_what="an image of another pupil",
        outcome="pupil_asked_to_delete",
        parents_informed_at=NOW + dt.timedelta(minutes=30),
        parents_informed_how="phone call",
        now=NOW + dt.timedelta(hours=1),
    )
    day = NOW.date()
    [search] = [e for e in concerns.safeguarding_feed(day, day, actor=s.head) if e.kind == "search"]
    assert search.summary.endswith("…")  # the table's line is cut to fit
    assert grounds in search.detail and "pupil asked to delete" in search.detail and "phone call" in search.detail


def test_the_highlighted_entry_of_a_long_concern_is_whole(database):
    """The second trust walk: a 796-character concern was cut at 600 under the feed and in the
    trust feed's CSV 'detail', which the README calls each entry's whole text."""
    s = build()
    from models.store.tables import Pupil

    pupil = Pupil.get(Pupil.admission_no == "000001")
    what = " ".join(f"detail{i}" for i in range(80)) + " END-OF-TEXT"
    assert len(what) > 600
    concerns.raise_concern(s.oak, about_kind="pupil", what=what, category="bullying", pupil_id=pupil.id, now=NOW)
    day = NOW.date()
    [entry] = [e for e in concerns.safeguarding_feed(day, day, actor=s.head) if e.kind == "concern"]
    assert entry.detail.endswith("END-OF-TEXT") and what in entry.detail
