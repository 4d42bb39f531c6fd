"""Phone numbers, e-mail addresses and dates people type."""

from __future__ import annotations

import pytest

from portal.validation import email_address, latvian_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("20123456", "+371 20123456"),
        ("20 123 456", "+371 20123456"),
        ("+371 2012 3456", "+371 20123456"),
        ("00371-67-123-456", "+371 67123456"),
        ("(+371) 26 000 000", "+371 26000000"),
        ("2012345", None),  # seven digits
        ("201234567", None),  # nine digits
        ("30123456", None),  # no Latvian number starts with 3
        ("+372 5123 4567", None),  # Estonia
        ("", None),
    ],
)
def test_latvian_phone_numbers(typed: str, stored: str | None) -> None:
    assert latvian_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("anna@example.lv", "anna@example.lv"),
        ("  ольга@пример.рф ", "ольга@пример.рф"),
        ("anna@example", None),
        ("anna example.lv", None),
        ("@example.lv", None),
        ("anna@@example.lv", None),
        ("a" * 250 + "@ex.lv", None),
    ],
)
def test_email_addresses(typed: str, stored: str | None) -> None:
    assert email_address(typed) == stored


# 20123456 with every digit after the first in the digits of another script: Arabic-Indic, Extended Arabic-Indic
# (Persian), Devanagari, Bengali, fullwidth, Mathematical bold. Python's \d matches all of them.
OTHER_SCRIPTS = {"arabic-indic": "٠١٢٣٤٥٦", "persian": "۰۱۲۳۴۵۶", "devanagari": "०१२३४५६", "bengali": "০১২৩৪৫৬",
                 "fullwidth": "０１２３４５６", "mathematical bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔"}


@pytest.mark.parametrize("rest", OTHER_SCRIPTS.values(), ids=OTHER_SCRIPTS.keys())
def test_a_phone_number_is_written_in_ascii_digits(rest: str) -> None:
    assert latvian_phone(f"2{rest}") is None
    assert latvian_phone(f"+371 2{rest}") is None
    assert latvian_phone(f"6{rest}") is None


def test_only_ascii_spaces_hyphens_and_brackets_separate_the_digits() -> None:
    # A separator of another script would let a number that is not plain ASCII be stored as one.
    assert latvian_phone("20\u00a0123\u00a0456") is None
    assert latvian_phone("20\u2009123\u2009456") is None
    assert latvian_phone("20\t123 456") == "+371 20123456"
