"""Rows an insider wrote with ``sqlite3`` whose enum-like columns hold values the kiosk
never writes (an unknown custody event kind, an unknown device state): ``kiosk audit
verify`` reports them as problems, naming the table and the row, and exits 1; it never
crashes. And the "first bad entry" it names is never past the end of the log.
"""

from __future__ import annotations

import re

import pytest

from tests.attacks.test_tamper import episode, verify  # noqa: F401  (fixtures)


def _last_seq(insider) -> int:
    return insider.rows("SELECT max(seq) FROM audit_entry")[0][0]


def _first_bad(text: str) -> int | None:
    m = re.search(r"First bad entry: (\d+)", text)
    return int(m.group(1)) if m else None


def _insert_event(episode, kind: str, *, audit_seq: int, event_id: int = 900) -> None:
    episode["insider"](
        "INSERT INTO custody_event (id, device_id, kind, at, actor_id, audit_seq) VALUES "
        f"({event_id}, {episode['dev']}, '{kind}', '2026-11-12 09:00:00', {episode['school'].office.id}, {audit_seq})"
    )


def test_an_event_of_an_unknown_kind_inserted_is_reported_not_a_crash(episode, verify):
    last = _last_seq(episode["insider"])
    _insert_event(episode, "teleported", audit_seq=last + 1)
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "Unexpected error" not in text
    assert "Table custody_event: custody event 900 has no audit entry: inserted outside the kiosk" in text
    assert "Table custody_event: custody event 900 is of a kind the kiosk never records ('teleported')" in text
    assert _first_bad(text) is None, text
    assert (
        "Error: Audit check FAILED. No entry of the log is bad: the rows named above were changed outside the kiosk."
        in text
    )


def test_an_event_of_an_unknown_kind_inserted_with_an_old_entry_number(episode, verify):
    _insert_event(episode, "teleported", audit_seq=1000000, event_id=901)
    last = _last_seq(episode["insider"])
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "custody event 901 is of a kind the kiosk never records" in text
    first = _first_bad(text)
    assert first is None or first <= last, text


def test_an_existing_event_changed_to_an_unknown_kind_is_reported(episode, verify):
    episode["insider"](f"UPDATE custody_event SET kind = 'zapped' WHERE id = {episode['search']}")
    code, text = verify(episode["url"])
    assert code == 1, text
    assert f"custody event {episode['search']} was edited outside the kiosk" in text
    assert f"custody event {episode['search']} is of a kind the kiosk never records ('zapped')" in text


def test_a_device_state_the_kiosk_never_writes_is_reported(episode, verify):
    episode["insider"](f"UPDATE device_state SET state = 'floating' WHERE device_id = {episode['dev']}")
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "Unexpected error" not in text
    assert f"Table device_state: device {episode['dev']} has a state the kiosk never records ('floating')" in text


def test_a_row_inserted_outside_the_kiosk_is_not_given_an_entry_past_the_end(episode, verify):
    """A plain hand-in inserted with the next entry number: it has no entry; the log is not 'cut short'."""
    last = _last_seq(episode["insider"])
    _insert_event(episode, "handed_in", audit_seq=last + 1, event_id=902)
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "Table custody_event: custody event 902 has no audit entry: inserted outside the kiosk" in text
    first = _first_bad(text)
    assert first is None or first <= last, text


def test_a_cut_off_tail_names_where_the_log_ends_not_an_entry_past_it(episode, verify):
    """Entries cut from the end with the head left as it was: the last line says where the log ends."""
    insider = episode["insider"]
    last = _last_seq(insider)
    insider(f"DELETE FROM audit_entry WHERE seq > {last - 2}")
    code, text = verify(episode["url"])
    assert code == 1, text
    assert f"The log is cut short: entries {last - 1}–{last} are missing from the end." in text
    assert f"The log ends at entry {last - 2}: the entries after it are missing." in text
    first = _first_bad(text)
    assert first is None or first <= last - 2, text


def test_an_event_time_that_is_not_a_time_is_reported_not_a_crash(episode, verify):
    if episode["insider"].pg:
        pytest.skip("PostgreSQL refuses text in a timestamp column: the edit does not apply")
    episode["insider"](f"UPDATE custody_event SET at = 'teatime' WHERE id = {episode['collect']}")
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "Unexpected error" not in text
    assert (
        f"Table custody_event: custody event {episode['collect']} has a time the kiosk cannot read ('teatime')" in text
    )


def test_an_entry_number_that_is_not_a_number_is_reported_not_a_crash(episode, verify):
    """SQLite keeps text put into a number column: the head's and an event's entry numbers."""
    if episode["insider"].pg:
        pytest.skip("PostgreSQL refuses text in an integer column: the edit does not apply")
    episode["insider"](
        "UPDATE audit_head SET seq = 'x' WHERE id = 1",
        f"UPDATE custody_event SET audit_seq = 'y' WHERE id = {episode['search']}",
    )
    code, text = verify(episode["url"])
    assert code == 1, text
    assert "Unexpected error" not in text
    assert "The record of the log's head names entry 'x', which is not an entry number" in text
    assert f"custody event {episode['search']} refers to entry 'y', which is not an entry number" in text
