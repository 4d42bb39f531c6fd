"""Checks of what people type that more than one form needs: phone numbers and e-mail addresses (dates: forms.DateParts)."""

from __future__ import annotations

import re

# Latvian numbers have 8 digits: mobile numbers start with 2, landlines with 6 (numbering plan of
# the Public Utilities Commission). +371 or 00371 in front is the country code.
# Digits and separators are ASCII: Python's \d and \s would take any script's digits and spaces.
_LATVIAN_PHONE = re.compile(r"[26][0-9]{7}")
_PHONE_SEPARATORS = re.compile(r"[ \t\n\r\f\v\-()]")
# An address may be in any script (ольга@пример.рф); \s stays Unicode here, so no kind of space gets in.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
MAX_EMAIL_LENGTH = 254


def latvian_phone(raw: str) -> str | None:
    """The number as +371 XXXXXXXX, or None when it is not a Latvian phone number."""
    digits = _PHONE_SEPARATORS.sub("", raw)
    for prefix in ("+371", "00371"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    if not _LATVIAN_PHONE.fullmatch(digits):
        return None
    return f"+371 {digits}"


def email_address(raw: str) -> str | None:
    """The address trimmed, or None when it is not shaped like one."""
    address = raw.strip()
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.match(address):
        return None
    return address
