"""A governors' term outside the kiosk's dates is refused, naming the terms it takes in plain
words (f4s6, finding 5): the same range as every date the kiosk takes (models.clock)."""

from __future__ import annotations

import pytest

from models.errors import ValidationError
from models.reports.governors import resolve_term


@pytest.mark.parametrize("text", ["spring-1999", "autumn-1999", "spring-2100", "summer-2100", "autumn-2100"])
def test_a_term_outside_the_kiosk_s_dates_is_refused_naming_the_range(text):
    with pytest.raises(ValidationError) as caught:
        resolve_term(text, None, None)
    message = str(caught.value)
    assert "spring-2000" in message and "autumn-2099" in message, message
    assert "2000 and 2100" not in message and "–" not in message, message
    assert text in message  # what was typed
    assert "\n" not in message


@pytest.mark.parametrize("text", ["spring-2000", "autumn-2099", "summer-2027"])
def test_the_first_and_last_terms_are_taken(text):
    term = resolve_term(text, None, None)
    assert term.key == text
