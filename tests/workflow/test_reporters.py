"""The one phone rule (``reporters.is_phone``): numbers as people write them, and what is none."""
import pytest

from app.workflow import reporters


@pytest.mark.parametrize("number", [
    "0812 3456 7890", "081234567890", "+62 812-3456-7890", "+6281234567890", "6281234567890",
    "(022) 123.4567", "022-1234567", "(0261) 21100", "+1 415 555 2671", "+44 20 7946 0958",
])
def test_numbers_as_people_write_them_are_phone_numbers(number):
    assert reporters.is_phone(number)


@pytest.mark.parametrize("number", [
    "2026-13-01",            # a date
    "1234 5678",             # digits, but not dialled from 0, 62 or +
    "123456",                # too short
    "0812 3456 7890 ext 5",  # words
    "Tel 12-34-56",
    "+0 812 3456 7890",      # no country code 0
    "0812+3456+7890",        # a + only in front
    "0812 3456 7890 1234 5678",    # more than 20 characters
    "+62 8123 4567 8901 2345",     # more than 15 digits
    "", "nomor saya",
])
def test_what_is_no_phone_number_is_refused(number):
    assert not reporters.is_phone(number)
