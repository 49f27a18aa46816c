"""Numbers typed by people or clients: tracking numbers are tested with the public pages; here
the whole numbers (ids, pages) read from query strings and forms."""
import pytest

from app.workflow.numbers import whole_number


@pytest.mark.parametrize("text, expected", [
    ("12", 12), (" 7 ", 7), ("0", 0), ("999999999", 999999999),
    ("1000000000", None),  # past the id columns' range
    ("²", None), ("١٢", None), ("１２", None),  # digits to str.isdigit, not ASCII: a 500 or another row
    ("-1", None), ("1e3", None), ("", None), (None, None), ("12a", None),
])
def test_whole_number_accepts_ascii_digits_only(text, expected):
    assert whole_number(text) == expected


def test_whole_number_keeps_to_the_digits_allowed():
    assert whole_number("123456", 6) == 123456 and whole_number("1234567", 6) is None
