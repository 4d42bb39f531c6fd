"""Phone numbers and e-mail addresses people type."""

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
