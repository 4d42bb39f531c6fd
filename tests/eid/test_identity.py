"""From the provider's claims to an identity: how ID token and UserInfo combine, the personal-code claim, names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.eid.service import (
    AnswerProblem,
    UnusableAnswer,
    UnusableIdentity,
    check_response_issuer,
    claims_of,
    identity_from_claims,
    usual_case,
)
from portal.people.personal_code import Problem

# What the provider sends, and what the portal shows.
NAMES = [
    ("ANNA", "Anna"),
    ("BĒRZIŅA", "Bērziņa"),
    ("JĀNIS-PĒTERIS", "Jānis-Pēteris"),
    ("ANNA MARIJA", "Anna Marija"),
    ("KALNIŅŠ", "Kalniņš"),
    ("ĢIRTS ŽUBURS", "Ģirts Žuburs"),
    ("ĶĒNIŅŠ-ĻAUDIS", "Ķēniņš-Ļaudis"),
    ("ОЛЬГА", "Ольга"),
    ("ИВАНОВА", "Иванова"),
    ("САЛТЫКОВ-ЩЕДРИН", "Салтыков-Щедрин"),
    ("ЁЛКИНА", "Ёлкина"),
    ("O'CONNOR", "O'Connor"),
    ("VAN DER BERG", "Van Der Berg"),  # capitals say nothing of "van der": each part gets a capital
    ("  ANNA  ", "Anna"),
    # Already in mixed case (or small): kept as given.
    ("Anna", "Anna"),
    ("van der Berg", "van der Berg"),
    ("McDONALD", "McDONALD"),
    ("Jānis-Pēteris", "Jānis-Pēteris"),
    ("anna", "anna"),
    ("", ""),
    ("42", "42"),
]


@pytest.mark.parametrize(("sent", "shown"), NAMES)
def test_names_in_capitals_are_shown_in_the_usual_case(sent: str, shown: str) -> None:
    assert usual_case(sent) == shown


@given(st.text(alphabet=st.sampled_from("AĀBCČDEĒFGĢHIĪJKĶLĻMNŅOPRSŠTUŪVZŽaāčēņšžАБВЁЖЩЫЬЭЮЯёжщ -'"), max_size=30))
def test_only_the_case_changes_and_once_is_enough(name: str) -> None:
    shown = usual_case(name)
    assert shown.lower() == name.strip().lower()  # the same letters, in the same order
    assert usual_case(shown) == shown  # what it gives is kept as given the next time
    if name.strip() and name == name.lower():
        assert shown == name.strip()  # small letters are never capitalised


def test_a_name_with_combining_marks_is_one_letter_per_letter() -> None:
    """"BĒRZIŅA" sent decomposed (E + combining macron) is not split at the mark: "Bērziņa", composed."""
    decomposed = unicodedata.normalize("NFD", "BĒRZIŅA")
    assert len(decomposed) > len("BĒRZIŅA")
    assert usual_case(decomposed) == "Bērziņa"


def test_identity_takes_the_names_in_the_usual_case_on_the_way_in() -> None:
    identity = identity_from_claims({"sub": "x", "nin": "15038511001", "given_name": "ANNA", "family_name": "BĒRZIŅA"}, "nin")
    assert (identity.personal_code, identity.given_name, identity.family_name) == ("150385-11001", "Anna", "Bērziņa")
    only_name = identity_from_claims({"sub": "150385-11001", "name": "ANNA BĒRZIŅA"}, "sub")
    assert (only_name.given_name, only_name.family_name) == ("Anna Bērziņa", "")


@pytest.mark.parametrize(
    ("claim", "value", "code"),
    [
        ("sub", "150385-11001", "150385-11001"),
        ("sub", "15038511001", "150385-11001"),
        ("nin", "02079011000", "020790-11000"),
        ("nin", "32867300679", "328673-00679"),
        ("serialNumber", "PNOLV-15038511001", "150385-11001"),
        ("serialNumber", "PNOLV-150385-11001", "150385-11001"),
        ("serialNumber", "pnolv-32867300679", "328673-00679"),
        ("personal_code", "PK:150385-11001", "150385-11001"),
        ("personal_code", "PK15038511001", "150385-11001"),
        ("personal_code", " 150385 11001 ", "150385-11001"),
    ],
)
def test_the_personal_code_claim_in_each_shape(claim: str, value: str, code: str) -> None:
    assert identity_from_claims({"sub": "opaque", claim: value}, claim).personal_code == code


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"sub": "opaque"}, Problem.MISSING),
        ({"sub": "opaque", "nin": ""}, Problem.MISSING),
        ({"sub": "opaque", "nin": 15038511001}, Problem.MISSING),  # not a string: a leading zero may be lost
        ({"sub": "opaque", "nin": "1503851100"}, Problem.SHAPE),
        ({"sub": "opaque", "nin": "PNOEE-38001085718"}, Problem.SHAPE),
        ({"sub": "opaque", "nin": "PASLV-AB1234567"}, Problem.SHAPE),
        ({"sub": "opaque", "nin": "１５０３８５-１１００１"}, Problem.SHAPE),  # fullwidth digits are no personal code
    ],
)
def test_a_missing_or_malformed_code_is_an_unusable_identity(claims: dict[str, object], problem: Problem) -> None:
    with pytest.raises(UnusableIdentity) as refused:
        identity_from_claims(claims, "nin")
    assert refused.value.problem is problem


ID_TOKEN = {"iss": "https://eid.example", "aud": "assistant-portal", "sub": "opaque-1", "nonce": "n", "given_name": "Anna"}


def test_the_id_tokens_claims_come_first_and_userinfo_gives_what_it_lacks() -> None:
    userinfo = {"sub": "opaque-1", "given_name": "Someone else", "family_name": "Bērziņa", "nin": "15038511001", "iss": "x"}
    claims = claims_of(ID_TOKEN, userinfo)
    assert claims["given_name"] == "Anna" and claims["iss"] == "https://eid.example"  # the ID token's
    assert claims["family_name"] == "Bērziņa" and claims["nin"] == "15038511001"  # UserInfo's, which the ID token lacks


def test_without_userinfo_the_id_token_alone() -> None:
    assert claims_of(ID_TOKEN, None) == ID_TOKEN


@pytest.mark.parametrize(
    ("id_token", "userinfo", "problem"),
    [
        (None, {"sub": "opaque-1", "nin": "15038511001"}, AnswerProblem.NO_ID_TOKEN),
        ({}, None, AnswerProblem.NO_ID_TOKEN),
        ({**ID_TOKEN, "sub": ""}, None, AnswerProblem.NO_ID_TOKEN),
        (ID_TOKEN, {"sub": "opaque-2", "nin": "15038511001"}, AnswerProblem.USERINFO_SUBJECT),
        (ID_TOKEN, {"sub": "OPAQUE-1"}, AnswerProblem.USERINFO_SUBJECT),  # exactly equal, not alike
        (ID_TOKEN, {"nin": "15038511001"}, AnswerProblem.USERINFO_SUBJECT),  # UserInfo must carry `sub`
    ],
)
def test_an_answer_that_does_not_hold_together_is_refused(
    id_token: dict[str, object] | None, userinfo: dict[str, object] | None, problem: AnswerProblem
) -> None:
    with pytest.raises(UnusableAnswer) as refused:
        claims_of(id_token, userinfo)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("received", "metadata", "refused"),
    [
        ("https://eid.example", {"issuer": "https://eid.example"}, False),
        (None, {"issuer": "https://eid.example"}, False),
        ("https://other.example", {"issuer": "https://eid.example"}, True),
        (None, {"issuer": "https://eid.example", "authorization_response_iss_parameter_supported": True}, True),
        ("https://eid.example", {"issuer": "https://eid.example", "authorization_response_iss_parameter_supported": True}, False),
    ],
)
def test_the_authorization_response_names_our_provider(received: str | None, metadata: dict[str, object], refused: bool) -> None:
    if refused:
        with pytest.raises(UnusableAnswer):
            check_response_issuer(received, metadata, "https://eid.example")
    else:
        check_response_issuer(received, metadata, "https://eid.example")
