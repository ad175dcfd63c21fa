"""New-user walk (issue 14): a paste holding an escape sequence was broken apart by
Textual's input parser: what followed the escape arrived as typed keys, before the
pasted text, so "Bob Smith<ESC>[2JX" became the name "^[2JXBob Smith", a multi-line
paste filled four fields, and pasted codes were scanned out of order. Inside a
bracketed paste, escape sequences are now removed before the parser sees them, so a
paste arrives whole, in order, as one Paste."""

from __future__ import annotations

import pytest
from textual import events

from kiosk.textual_compat import parse_input

START, END = "\x1b[200~", "\x1b[201~"


def _kinds(evs):
    return [
        (type(e).__name__, getattr(e, "text", None) if isinstance(e, events.Paste) else getattr(e, "key", None))
        for e in evs
    ]


@pytest.mark.parametrize(
    "pasted,kept",
    [
        ("Bob Smith\x1b[2JX", "Bob SmithX"),
        ("Bob\x1b]0;pwned\x07End", "BobEnd"),
        ("Bob\x1b[2J\x1b]0;pwned\x07\x1b[31mRED\nline2\nline3\t\x07\x1b[H", "BobRED\nline2\nline3\t\x07"),
        ("K9342438\nK4714972\n\x1b[2JK4165124\n", "K9342438\nK4714972\nK4165124\n"),
    ],
)
def test_a_paste_with_escape_sequences_arrives_whole_and_in_order(pasted, kept):
    evs = parse_input([START + pasted + END])
    assert _kinds(evs) == [("Paste", kept)]


def test_a_paste_split_across_reads_is_cleaned_the_same():
    data = START + "Bob\x1b[2JSmith" + END + "x"
    for cut in range(1, len(data)):
        evs = parse_input([data[:cut], data[cut:]])
        assert _kinds(evs) == [("Paste", "BobSmith"), ("Key", "x")], cut


def test_keys_outside_a_paste_are_untouched():
    assert _kinds(parse_input(["a\x1b[Ab"])) == [("Key", "a"), ("Key", "up"), ("Key", "b")]


def test_a_lone_escape_reaches_the_parser_at_once():
    """New-user walk (issue 15): the Esc key sends a lone ESC. The paste filter held it back
    as a possible start of a paste, so Esc did nothing until the next key, which then
    arrived as Alt+key (Esc, then `l` at Home did not sign out)."""
    from kiosk.textual_compat import paste_filtered

    assert paste_filtered(["\x1b", "l"]) == ["\x1b", "l"]  # passed on at once, each read as it came
    assert _kinds(parse_input(["\x1b"])) == [("Key", "escape")]
