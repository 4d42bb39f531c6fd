"""Answers from the provider that the callback must refuse (OpenID Connect Core 1.0), and each shape of the
personal-code claim, through the real redirect flow against oidc-provider-mock."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from portal import db as database
from portal.app import create_app
from portal.eid.models import WebSession
from portal.people.models import Person
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import make_settings, provider_authorizes, set_provider_user
from tests.eid.faulty_provider import Fault, FaultyProvider

ANNA = "150385-11001"
PROVIDER_PROBLEM = "Something went wrong between the portal and your eID provider. Nothing has been saved. Please try again."
CODE_PROBLEM = "Your eID provider did not send us a valid Latvian personal code, so we cannot tell whose information to show."


def callback_answer(client: TestClient, sub: str, lang: str = "lv") -> object:
    start = client.get(f"/{lang}/sign-in")
    callback = urlsplit(provider_authorizes(start.headers["location"], sub))
    return client.get(f"{callback.path}?{callback.query}")


def counts(database_url: str) -> tuple[int, int]:
    engine = create_engine(database.sync_url(database_url))
    with Session(engine) as session:
        found = (int(session.scalar(select(func.count()).select_from(Person)) or 0),
                 int(session.scalar(select(func.count()).select_from(WebSession)) or 0))
    engine.dispose()
    return found


@pytest.fixture
def at_faulty(database_url: str, faulty_provider: FaultyProvider) -> Iterator[TestClient]:
    settings = make_settings(database_url, faulty_provider.issuer)
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        yield client


def test_the_unspoiled_provider_signs_in(at_faulty: TestClient, database_url: str) -> None:
    """The layer in front of the mock changes nothing by itself: the refusals below are the faults'."""
    response = callback_answer(at_faulty, ANNA)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert "Anna Bērziņa" in at_faulty.get("/lv/dashboard").text
    assert counts(database_url) == (1, 1)


@pytest.mark.parametrize("fault", list(Fault), ids=str)
@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_an_answer_that_does_not_hold_together_signs_nobody_in(
    at_faulty: TestClient, faulty_provider: FaultyProvider, database_url: str, fault: Fault, lang: str
) -> None:
    faulty_provider.fault = fault
    response = callback_answer(at_faulty, ANNA, lang)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert f'lang="{lang}"' in response.text  # type: ignore[attr-defined]
    assert translated(lang, PROVIDER_PROBLEM) in response.text  # type: ignore[attr-defined]
    assert at_faulty.get(f"/{lang}/dashboard").status_code == 303  # not signed in
    assert counts(database_url) == (0, 0)


# Each shape of the personal-code claim: the claim the setting names, and the value as the provider sends it.
# (Subjects of their own, so that the demo people's claims at the shared provider stay as they are.)
SHAPES = [
    ("sub", "240477-10007", {}, "240477-10007"),
    ("sub", "24047710007", {}, "240477-10007"),  # 11 digits, no dash
    ("sub", "PK:240477-10007", {}, "240477-10007"),
    ("nin", "opaque-nin-1", {"nin": "02079011000"}, "020790-11000"),
    ("nin", "opaque-nin-2", {"nin": "32867300679"}, "328673-00679"),  # a new-format code
    ("serialNumber", "opaque-serial-1", {"serialNumber": "PNOLV-150385-11001"}, "150385-11001"),  # Smart-ID's
    ("serialNumber", "opaque-serial-2", {"serialNumber": "PNOLV-32867300679"}, "328673-00679"),
    ("urn:lv:personas_kods", "opaque-urn-1", {"urn:lv:personas_kods": " 020790 11000 "}, "020790-11000"),
]


@pytest.mark.parametrize(("claim", "sub", "extra", "stored"), SHAPES, ids=lambda value: str(value) if isinstance(value, str) else "")
def test_each_shape_of_the_personal_code_claim_signs_in(
    database_url: str, provider: str, claim: str, sub: str, extra: dict[str, object], stored: str
) -> None:
    set_provider_user(provider, sub, {"given_name": "ANNA", "family_name": "BĒRZIŅA", **extra})
    settings = make_settings(database_url, provider, eid_personal_code_claim=claim)
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        assert callback_answer(client, sub).status_code == 303  # type: ignore[attr-defined]
        assert "Anna Bērziņa" in client.get("/lv/dashboard").text
    engine = create_engine(database.sync_url(database_url))
    with Session(engine) as session:
        [person] = session.scalars(select(Person))
        assert (person.personal_code, person.given_name, person.family_name) == (stored, "Anna", "Bērziņa")
    engine.dispose()


MALFORMED = [
    ("nin", "opaque-bad-1", {}),  # the claim is missing
    ("nin", "opaque-bad-2", {"nin": ""}),
    ("nin", "opaque-bad-3", {"nin": "1503851100"}),  # 10 digits
    ("nin", "opaque-bad-4", {"nin": 15038511001}),  # a number: a leading zero would have been lost
    ("nin", "opaque-bad-5", {"nin": "991385-11001"}),  # no such first digit
    ("serialNumber", "opaque-bad-6", {"serialNumber": "PASLV-AB1234567"}),  # a passport, not a personal code
    ("serialNumber", "opaque-bad-7", {"serialNumber": "PNOEE-38001085718"}),  # an Estonian code
    ("sub", "not-a-personal-code-at-all", {}),
]


@pytest.mark.parametrize(("claim", "sub", "extra"), MALFORMED, ids=lambda value: str(value) if isinstance(value, str) else "")
def test_a_missing_or_malformed_code_gets_the_personal_code_page(
    database_url: str, provider: str, claim: str, sub: str, extra: dict[str, object]
) -> None:
    set_provider_user(provider, sub, {"given_name": "Anna", "family_name": "Bērziņa", **extra})
    settings = make_settings(database_url, provider, eid_personal_code_claim=claim)
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        response = callback_answer(client, sub)
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert translated("lv", CODE_PROBLEM) in response.text  # type: ignore[attr-defined]
        assert client.get("/lv/dashboard").status_code == 303
    assert counts(database_url) == (0, 0)
