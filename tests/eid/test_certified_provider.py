"""Sign-in through the real redirect flow against a second, OpenID-certified provider: panva's oidc-provider.

Its ID token carries `sub` only; the names (and `nin`) are in its UserInfo response alone, so these tests fail
unless the portal asks UserInfo. Two shapes (issue 16): `sub` is the personal code; an opaque `sub` with the
code in `nin` (11 digits, no dash) and the names in capitals.

Marked `browser` like every test that needs the npm tools (tests/conftest.py): `make test` runs them;
without Node or the package they fail and name `make test-deps`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal import db as database
from portal.app import create_app
from portal.eid.models import WebSession
from portal.people.models import Person
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings
from tests.eid.certified_provider import BY_NIN, BY_NIN_RU, BY_SUB, certified_authorizes

pytestmark = pytest.mark.browser  # needs Node and node_modules/oidc-provider, as the browser tests need theirs


def portal(database_url: str, issuer: str, **settings: object) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(database_url, issuer, **settings)), base_url="http://testserver",
                    follow_redirects=False) as client:
        yield client


@pytest.fixture
def by_sub(database_url: str, certified_provider: str) -> Iterator[TestClient]:
    """The portal as configured for shape (a): the personal code is `sub` (the default)."""
    yield from portal(database_url, certified_provider)


@pytest.fixture
def by_nin(database_url: str, certified_provider: str) -> Iterator[TestClient]:
    """The portal as configured for shape (b): the personal code is `nin`, which the `nin` scope releases."""
    yield from portal(database_url, certified_provider, eid_personal_code_claim="nin", eid_scope="openid profile nin")


def sign_in_at_certified(client: TestClient, login: str, lang: str = "lv") -> str:
    """The whole flow; returns where the portal's callback sends the browser."""
    start = client.get(f"/{lang}/sign-in")
    assert start.status_code == 302, start.text
    callback = urlsplit(certified_authorizes(start.headers["location"], login))
    assert (callback.netloc, callback.path) == ("testserver", "/auth/callback"), callback
    answer = client.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def stored(database_url: str) -> tuple[list[Person], list[WebSession]]:
    engine = create_engine(database.sync_url(database_url))
    with Session(engine) as session:
        found = list(session.scalars(select(Person))), list(session.scalars(select(WebSession)))
    engine.dispose()
    return found


def id_token_claims(token: str | None) -> dict[str, object]:
    """The payload of the ID token the portal kept (read, not verified: the portal verified it at sign-in)."""
    assert token and token.count(".") == 2
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_the_sub_is_the_personal_code_and_the_names_come_from_userinfo(by_sub: TestClient, database_url: str) -> None:
    assert sign_in_at_certified(by_sub, BY_SUB) == "/lv/dashboard"
    page = by_sub.get("/lv/dashboard")
    assert page.status_code == 200 and "Anna Bērziņa" in page.text
    [anna], [session] = stored(database_url)
    assert (anna.personal_code, anna.given_name, anna.family_name) == ("150385-11001", "Anna", "Bērziņa")
    # The provider released the names from UserInfo only: the ID token has none, so the portal asked UserInfo.
    claims = id_token_claims(session.id_token)
    assert claims["sub"] == BY_SUB and not {"given_name", "family_name", "name", "nin"} & claims.keys()


def test_an_opaque_sub_with_the_code_in_nin_and_names_in_capitals(by_nin: TestClient, database_url: str) -> None:
    assert sign_in_at_certified(by_nin, BY_NIN) == "/lv/dashboard"
    page = by_nin.get("/lv/dashboard")
    assert page.status_code == 200
    assert "Jānis-Pēteris Kalniņš" in page.text and "KALNIŅŠ" not in page.text
    [janis], [session] = stored(database_url)
    assert (janis.personal_code, janis.given_name, janis.family_name) == ("020790-11000", "Jānis-Pēteris", "Kalniņš")
    claims = id_token_claims(session.id_token)
    assert claims["sub"] == BY_NIN and "nin" not in claims and "family_name" not in claims


def test_a_russian_speaker_in_capitals_with_a_new_format_code(by_nin: TestClient, database_url: str) -> None:
    assert sign_in_at_certified(by_nin, BY_NIN_RU, lang="ru") == "/ru/dashboard"
    page = by_nin.get("/ru/dashboard")
    assert page.status_code == 200 and "Ольга Иванова" in page.text and "ИВАНОВА" not in page.text
    [olga], _ = stored(database_url)
    assert olga.personal_code == "328673-00679"


def test_without_the_nin_scope_there_is_no_code_and_nobody_signs_in(database_url: str, certified_provider: str) -> None:
    """The provider releases `nin` only for its scope: asked for "openid profile" it sends none, and the portal says so."""
    for client in portal(database_url, certified_provider, eid_personal_code_claim="nin"):
        start = client.get("/lv/sign-in")
        callback = urlsplit(certified_authorizes(start.headers["location"], BY_NIN))
        answer = client.get(f"{callback.path}?{callback.query}")
        assert answer.status_code == 400 and "personas kod" in answer.text
        assert client.get("/lv/dashboard").status_code == 303
    assert stored(database_url) == ([], [])


def test_signing_out_ends_the_session_at_the_certified_provider_too(by_sub: TestClient, certified_provider: str) -> None:
    sign_in_at_certified(by_sub, BY_SUB)
    response = by_sub.post("/lv/sign-out", data={"csrf_token": csrf_of(by_sub.get("/lv/dashboard").text)})
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{certified_provider}/session/end"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/lv/signed-out"] and query["id_token_hint"]
    assert by_sub.get("/lv/dashboard").status_code == 303
