from datetime import date

import pytest

from portal.people.personal_code import InvalidPersonalCode, Problem, check_digit, normalise, parse


@pytest.mark.parametrize(
    "raw",
    ["150385-11001", "15038511001", "PK:15038511001", "PNOLV-150385-11001", " pk:150385-11001 ", "PNOLV15038511001"],
)
def test_every_provider_shape_normalises_to_the_stored_form(raw: str) -> None:
    assert normalise(raw, from_provider=True) == "150385-11001"
    assert normalise(raw, from_provider=False) == "150385-11001"


@pytest.mark.parametrize("code", ["150385-11001", "020790-11000", "120215-21007", "110978-11006", "230565-11005", "300688-11000"])
def test_demo_old_format_codes_pass_the_full_check(code: str) -> None:
    assert str(parse(code, from_provider=False)) == code


def test_old_format_carries_the_birth_date_and_century() -> None:
    assert parse("120215-21007", from_provider=False).birth_date == date(2015, 2, 12)
    assert parse("150385-11001", from_provider=False).birth_date == date(1985, 3, 15)


def test_check_digit_follows_the_published_weights() -> None:
    # 1*1+5*6+0*3+3*7+8*9+5*10+1*5+1*8+0*4+0*2 = 187; (1101-187) % 11 = 1
    assert check_digit("1503851100") == 1


def test_a_typed_old_format_code_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidPersonalCode) as error:
        parse("150385-11002", from_provider=False)
    assert error.value.problem is Problem.CHECK_DIGIT


def test_a_typed_old_format_code_with_an_impossible_date_is_refused() -> None:
    with pytest.raises(InvalidPersonalCode) as error:
        parse("310285-11001", from_provider=False)
    assert error.value.problem is Problem.DATE


@pytest.mark.parametrize("code", ["328673-00679", "32867300679", "PK:32867300679", "399999-99999", "330000-00000"])
def test_new_format_codes_are_never_locked_out(code: str) -> None:
    parsed = parse(code, from_provider=True)
    assert parsed.is_new_format and parsed.birth_date is None
    # Typed by a person too: no check digit is verified for new-format codes.
    assert parse(code, from_provider=False) == parsed


def test_a_provider_code_is_checked_for_shape_only() -> None:
    # A wrong check digit from the provider is its word against ours: it wins.
    assert normalise("150385-11002", from_provider=True) == "150385-11002"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_missing_code(raw: str | None) -> None:
    with pytest.raises(InvalidPersonalCode) as error:
        parse(raw, from_provider=True)
    assert error.value.problem is Problem.MISSING


@pytest.mark.parametrize(
    "raw", ["1503851100", "150385-110011", "15O385-11001", "abc", "450385-11001", "300000-0000x", "15-0385-11001"]
)
def test_malformed_codes_are_refused_even_from_the_provider(raw: str) -> None:
    with pytest.raises(InvalidPersonalCode) as error:
        parse(raw, from_provider=True)
    assert error.value.problem is Problem.SHAPE


# 150385-11001 and the new-format 328673-00679 with all but the leading digits in the digits of another script:
# Arabic-Indic, Extended Arabic-Indic (Persian), Devanagari, fullwidth, Mathematical bold. Python's \d matches them all.
OTHER_SCRIPTS_CODES = (
    "15٠٣٨٥-١١٠٠١", "15۰۳۸۵-۱۱۰۰۱", "15०३८५-११००१", "15０３８５-１１００１", "15𝟎𝟑𝟖𝟓-𝟏𝟏𝟎𝟎𝟏", "PK:15٠٣٨٥١١٠٠١",
    "32٨٦٧٣-٠٠٦٧٩", "32٨٦٧٣٠٠٦٧٩", "PNOLV-32۸۶۷۳-۰۰۶۷۹", "32８６７３００６７９", "3286730067٩", "١٥٠٣٨٥-١١٠٠١",
)


@pytest.mark.parametrize("raw", OTHER_SCRIPTS_CODES)
def test_a_personal_code_is_ascii_digits_only(raw: str) -> None:
    for from_provider in (True, False):
        with pytest.raises(InvalidPersonalCode) as error:
            parse(raw, from_provider=from_provider)
        assert error.value.problem is Problem.SHAPE

