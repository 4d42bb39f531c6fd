"""Latvian personal codes (personas kods): parsing, normalising, checking.

Old format DDMMYY-CNNNX: C is the century (0 = 1800s, 1 = 1900s, 2 = 2000s),
X a check digit over the first ten digits. New format since 1 July 2017:
11 digits starting 32-39, random, no check digit (PMLP). See
docs/domain.md "Personal codes" for why a provider's code gets only a
shape check: locking out a person with a valid new code is the worse error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

CHECK_WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PROVIDER_PREFIXES = ("PNOLV-", "PNOLV", "PK:", "PK")
# ASCII digits only: Python's \d takes the digits of every script ("٣", "３"), which are no personal code.
_SHAPE = re.compile(r"([0-9]{6})-?([0-9]{5})")
_NEW_FORMAT = re.compile(r"3[2-9][0-9]{9}")
_CENTURIES = {"0": 1800, "1": 1900, "2": 2000}


class Problem(StrEnum):
    MISSING = "missing"
    SHAPE = "shape"
    DATE = "date"
    CHECK_DIGIT = "check_digit"


class InvalidPersonalCode(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class PersonalCode:
    digits: str  # eleven digits, no separator

    def __str__(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    @property
    def is_new_format(self) -> bool:
        return bool(_NEW_FORMAT.fullmatch(self.digits))

    @property
    def birth_date(self) -> date | None:
        """The date of birth an old-format code carries; None for new-format codes."""
        if self.is_new_format:
            return None
        return _old_format_date(self.digits)


def _strip_provider_prefix(raw: str) -> str:
    text = raw.strip().upper().replace(" ", "")
    for prefix in _PROVIDER_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _old_format_date(digits: str) -> date | None:
    century = _CENTURIES.get(digits[6])
    if century is None:
        return None
    try:
        return date(century + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        return None


def check_digit(first_ten: str) -> int | None:
    """The old format's check digit, or None where the sum gives 10 (no valid code)."""
    total = sum(int(d) * w for d, w in zip(first_ten, CHECK_WEIGHTS, strict=True))
    result = (1101 - total) % 11
    return None if result == 10 else result


def parse(raw: str | None, *, from_provider: bool) -> PersonalCode:
    """Parse a code in any shape providers or people use.

    from_provider=True: the identity provider has verified the person, so
    only the shape is checked. Otherwise (a code a person typed) old-format
    codes must carry a real date and the right check digit.
    """
    if raw is None or not str(raw).strip():
        raise InvalidPersonalCode(Problem.MISSING)
    match = _SHAPE.fullmatch(_strip_provider_prefix(str(raw)))
    if not match:
        raise InvalidPersonalCode(Problem.SHAPE)
    code = PersonalCode(match.group(1) + match.group(2))
    if code.is_new_format:
        return code
    if code.digits[0] not in "0123" or (code.digits[0] == "3" and code.digits[1] not in "01"):
        raise InvalidPersonalCode(Problem.SHAPE)
    if from_provider:
        return code
    if _old_format_date(code.digits) is None:
        raise InvalidPersonalCode(Problem.DATE)
    if check_digit(code.digits[:10]) != int(code.digits[10]):
        raise InvalidPersonalCode(Problem.CHECK_DIGIT)
    return code


def normalise(raw: str | None, *, from_provider: bool) -> str:
    """The stored form DDMMYY-NNNNN."""
    return str(parse(raw, from_provider=from_provider))
