"""Issue 14, item 9: text pasted into a field keeps every line, and a terminal's escape
sequences never reach a record (shown as "^[2J" in a box; refused, with the rest of the
control characters, by the domain whichever way the text comes: kiosk or CLI)."""

from __future__ import annotations

import pytest

from models.errors import ValidationError
from models.safeguarding import concerns
from models.store.tables import Pupil
from models.text import clean_typed, line_field, text_field
from tests.school import NOW, build

ESCAPES = ["\x1b[2J", "\x1b]0;x\x07", "\x1b]0;x\x1b\\", "\x1b[31m", "\x9b2J", "\x1bc", "\x1b(B"]


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("multiline", [False, True])
def test_escape_sequences_are_removed_and_the_text_around_them_kept(escape, multiline):
    assert clean_typed(f"Seen{escape} filming", multiline=multiline) == "Seen filming"


def test_a_lone_escape_at_the_end_goes():
    assert clean_typed("Seen filming\x1b") == "Seen filming"


def test_a_free_text_field_keeps_every_line():
    assert clean_typed("one\ntwo\r\nthree\rfour", multiline=True) == "one\ntwo\nthree\nfour"


def test_a_one_line_field_keeps_every_line_joined_by_spaces():
    assert clean_typed("one\ntwo\r\nthree", multiline=False) == "one two three"


def test_tabs_and_other_spaces_become_plain_spaces_and_control_characters_go():
    assert clean_typed("a\tb\u00a0c\u200bd\x00e\x7ff\x07g") == "a b cdefg"


@pytest.mark.parametrize("text", ["x\x1b[2J\n\tz", "\x1b]0;x\x07hello\r\n\x85world", "é ü 😀 ✓"])
def test_what_comes_out_passes_the_domains_rules(text):
    assert text_field(clean_typed(text, multiline=True), "note")
    assert line_field(clean_typed(text), "name")


@pytest.mark.parametrize("escape", ESCAPES)
def test_the_domain_refuses_escape_sequences_typed_in_by_any_path(escape):
    with pytest.raises(ValidationError, match="control characters"):
        text_field(f"Seen{escape} filming", "description")
    with pytest.raises(ValidationError, match="control characters"):
        line_field(f"Ann{escape}", "name")


@pytest.mark.parametrize("escape", ["\x1b[2J", "\x1b]0;x\x07"])
def test_a_concern_with_an_escape_sequence_is_refused_and_nothing_is_recorded(database, escape):
    school = build()
    pupil = Pupil.select().first()
    with pytest.raises(ValidationError, match="control characters"):
        concerns.raise_concern(
            school.office, about_kind="pupil", pupil_id=pupil.id, what=f"Seen{escape} filming", now=NOW
        )
    assert concerns.unseen_count() == 0
    lines = concerns.raise_concern(
        school.office, about_kind="pupil", pupil_id=pupil.id, what="one\ntwo\nthree", now=NOW
    )
    assert lines.what == "one\ntwo\nthree"
