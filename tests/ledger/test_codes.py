"""Label codes: the check digit rejects misreads before any lookup."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.custody import codes
from models.errors import InvalidCode

serials = st.integers(min_value=0, max_value=10**codes.SERIAL_DIGITS - 1)
prefixes = st.sampled_from(sorted(codes.PREFIXES))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@given(prefixes, serials)
def test_made_codes_are_valid_and_short(prefix, serial):
    code = codes.make_code(prefix, serial)
    assert len(code) == 8 and codes.is_valid(code)
    assert codes.normalise(f"  {code.lower()}\n") == code


@given(prefixes, serials, st.data())
def test_every_single_character_error_is_caught(prefix, serial, data):
    code = codes.make_code(prefix, serial)
    i = data.draw(st.integers(0, len(code) - 1))
    ch = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != code[i]))
    bad = code[:i] + ch + code[i + 1 :]
    assert not codes.is_valid(bad)
    with pytest.raises(InvalidCode):
        codes.normalise(bad)


@given(prefixes, serials, st.data())
def test_every_adjacent_swap_is_caught(prefix, serial, data):
    code = codes.make_code(prefix, serial)
    i = data.draw(st.integers(0, len(code) - 2))
    if code[i] == code[i + 1]:
        return  # swapping equal characters changes nothing
    bad = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    assert not codes.is_valid(bad)


def test_exhaustively_for_one_code():
    code = codes.make_code("K", 123456)
    for i in range(len(code)):
        for ch in ALPHABET:
            if ch != code[i]:
                assert not codes.is_valid(code[:i] + ch + code[i + 1 :])


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Nothing was scanned."),
        ("   ", "Nothing was scanned."),
        ("K12", "Invalid code 'K12': a label code is a letter and 7 digits."),
        ("X1234567", "Invalid code X1234567: no label starts with 'X'."),
        ("\x1b[31mK1\x07", "Invalid code '?[31mK1?': a label code is a letter and 7 digits."),
        # Only digits: likely a PIN typed into the wrong field (new-user walk, issue 15): not echoed.
        ("614738", "That is not a label code (a letter and 7 digits): if it was a PIN, it was not shown."),
    ],
)
def test_bad_input_messages(text, message):
    with pytest.raises(InvalidCode) as err:
        codes.normalise(text)
    assert str(err.value) == message


def test_wrong_check_digit_message():
    code = codes.make_code("K", 42)
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(InvalidCode, match="check digit is wrong"):
        codes.normalise(bad)


def test_long_input_is_shortened_in_the_message():
    with pytest.raises(InvalidCode) as err:
        codes.normalise("9" * 10_000)
    assert len(str(err.value)) < 100
