"""The snapshot diagnostics read a screenshot back correctly (tests/svg_text.py)."""

from pathlib import Path

from tests.svg_text import cells, differences, text_of

FEED = Path(__file__).parent / "__snapshots__" / "test_snapshots_safeguarding" / "test_safeguarding_feed.svg"


def test_reads_the_lines_of_a_screenshot():
    lines = cells(FEED.read_text())
    assert text_of(lines[0]).strip() == "Test School  ·  Safeguarding"
    assert "Dan Brown" in text_of(lines[8])  # under the two lines of counts


def test_reports_changed_text_and_changed_style_only():
    svg = FEED.read_text()
    assert differences(svg, svg) == []
    renamed = differences(svg, svg.replace("Dan&#160;Brown", "Dan&#160;Brawn"))
    assert len(renamed) == 2 and "Dan Brown" in renamed[0] and "Dan Brawn" in renamed[1]
    plain = svg.replace("font-weight: bold }", "}")
    assert differences(svg, plain) and all("style differs" in line for line in differences(svg, plain))
