"""Sign-in through the real OIDC redirect flow against oidc-provider-mock."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, select

from portal import db as database
from portal.app import SESSION_COOKIE, create_app
from portal.audit import AuditEvent
from portal.people.demo import DEMO_PEOPLE, DemoPerson
from portal.people.models import Person
from portal.settings import Settings
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, provider_authorizes, set_provider_user, sign_in


def people(database_url: str) -> list[Person]:
    engine = create_engine(database.sync_url(database_url))
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        rows = list(session.scalars(select(Person).order_by(Person.id)))
    engine.dispose()
    return rows


def test_the_authorization_request_uses_pkce_state_and_nonce(client: TestClient) -> None:
    response = client.get("/lv/sign-in")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://testserver/auth/callback"]
    assert query["scope"] == ["openid profile"]


def test_a_demo_person_signs_in_and_sees_their_name(client: TestClient, settings: Settings) -> None:
    before = client.cookies.get(SESSION_COOKIE)
    response = sign_in(client, "150385-11001")
    assert response.status_code == 303
    assert response.headers["location"] == "/lv/dashboard"
    assert client.cookies.get(SESSION_COOKIE) != before
    page = client.get("/lv/dashboard")
    assert page.status_code == 200
    assert "Anna Bērziņa" in page.text
    assert "Iziet" in page.text  # the sign-out control
    [anna] = people(settings.database_url)
    assert anna.personal_code == "150385-11001" and anna.given_name == "Anna"


def test_the_person_is_updated_not_duplicated_on_the_next_sign_in(client: TestClient, settings: Settings, provider: str) -> None:
    sign_in(client, "150385-11001")
    set_provider_user(provider, "PK:15038511001", {"given_name": "Anna", "family_name": "Liepa"})
    client.cookies.clear()
    sign_in(client, "PK:15038511001")
    [anna] = people(settings.database_url)
    assert anna.family_name == "Liepa"
    # Restore the demo claims for the tests that follow.
    set_provider_user(provider, "PK:15038511001", {"given_name": "Anna", "family_name": "Bērziņa"})


def test_a_new_format_code_signs_in(client: TestClient) -> None:
    assert sign_in(client, "328673-00679", lang="ru").status_code == 303
    assert "Ольга Иванова" in client.get("/ru/dashboard").text


def test_a_malformed_code_gets_a_clear_page_and_no_session(client: TestClient, provider: str) -> None:
    set_provider_user(provider, "not-a-personal-code", {"given_name": "X", "family_name": "Y"})
    response = sign_in(client, "not-a-personal-code", lang="ru")
    assert response.status_code == 400
    assert 'lang="ru"' in response.text
    assert "персональный код" in response.text
    assert client.get("/ru/dashboard").status_code == 303  # still not signed in


def test_a_missing_code_claim_gets_a_clear_page(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, eid_personal_code_claim="personal_code")
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        response = sign_in(client, "150385-11001")
        assert response.status_code == 400
        assert "personas kod" in response.text
        assert client.get("/lv/dashboard").status_code == 303
    assert people(database_url) == []


def test_the_personal_code_can_come_from_another_claim(database_url: str, provider: str) -> None:
    set_provider_user(provider, "opaque-subject-42", {"given_name": "Jānis", "family_name": "Kalniņš", "personal_code": "PNOLV-020790-11000"})
    settings = make_settings(database_url, provider, eid_personal_code_claim="personal_code", eid_scope="openid profile")
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        assert sign_in(client, "opaque-subject-42").status_code == 303
    [janis] = people(database_url)
    assert janis.personal_code == "020790-11000"


def test_cancelling_at_the_provider_signs_nobody_in(client: TestClient) -> None:
    start = client.get("/lv/sign-in")
    import httpx

    denied = httpx.post(start.headers["location"], data={"action": "deny"}, follow_redirects=False)
    callback = urlsplit(denied.headers["location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 400
    assert "Jūs nepieslēdzāties" in response.text or "nepieslēdzā" in response.text


def test_a_forged_state_is_refused(client: TestClient) -> None:
    start = client.get("/lv/sign-in")
    callback = urlsplit(provider_authorizes(start.headers["location"], "150385-11001"))
    query = parse_qs(callback.query)
    response = client.get("/auth/callback", params={"code": query["code"][0], "state": "forged"})
    assert response.status_code == 400
    assert client.get("/lv/dashboard").status_code == 303


def test_a_callback_replayed_in_another_browser_is_refused(client: TestClient, settings: Settings) -> None:
    start = client.get("/lv/sign-in")
    callback = urlsplit(provider_authorizes(start.headers["location"], "150385-11001"))
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as other_browser:
        response = other_browser.get(f"{callback.path}?{callback.query}")
        assert response.status_code == 400


def test_sign_in_returns_to_the_page_asked_for(client: TestClient) -> None:
    response = sign_in(client, "150385-11001", next_page="/lv/settings")
    assert response.headers["location"] == "/lv/settings"


def test_sign_in_never_returns_to_another_site(client: TestClient) -> None:
    response = sign_in(client, "150385-11001", next_page="//evil.example/lv/x")
    assert response.headers["location"] == "/lv/dashboard"


def test_a_person_who_prefers_russian_lands_on_russian_pages(client: TestClient, settings: Settings) -> None:
    sign_in(client, "328673-00679")
    from sqlalchemy import update

    engine = create_engine(database.sync_url(settings.database_url))
    with engine.begin() as connection:
        connection.execute(update(Person).values(preferred_locale="ru"))
    engine.dispose()
    client.cookies.clear()
    assert sign_in(client, "328673-00679").headers["location"] == "/ru/dashboard"


def test_sign_out_ends_the_portal_and_the_provider_session(client: TestClient, settings: Settings, provider: str) -> None:
    sign_in(client, "150385-11001")
    old_cookie = client.cookies.get(SESSION_COOKIE)
    page = client.get("/lv/dashboard")
    response = client.post("/lv/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == provider
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/lv/signed-out"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/lv/dashboard").status_code == 303
    # The old cookie, replayed, no longer signs anyone in.
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/lv/dashboard").status_code == 303
    engine = create_engine(database.sync_url(settings.database_url))
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    engine.dispose()
    assert actions == ["signed_in", "signed_out"]


def test_signed_out_page_is_in_the_persons_language(client: TestClient) -> None:
    page = client.get("/ru/signed-out")
    assert page.status_code == 200 and 'lang="ru"' in page.text


def test_dashboard_needs_sign_in_and_comes_back(client: TestClient) -> None:
    response = client.get("/lv/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/lv/sign-in?next=%2Flv%2Fdashboard"


def test_a_provider_without_discovery_works_from_the_endpoint_settings(database_url: str, provider: str) -> None:
    settings = make_settings(
        database_url,
        provider,
        eid_authorize_url=f"{provider}/oauth2/authorize",
        eid_token_url=f"{provider}/oauth2/token",
        eid_userinfo_url=f"{provider}/userinfo",
        eid_jwks_url=f"{provider}/jwks",
    )
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        start = client.get("/lv/sign-in")
        assert start.headers["location"].startswith(f"{provider}/oauth2/authorize?")
        callback = urlsplit(provider_authorizes(start.headers["location"], "150385-11001"))
        assert client.get(f"{callback.path}?{callback.query}").status_code == 303
        page = client.get("/lv/dashboard")
        assert "Anna Bērziņa" in page.text
        # No end-session endpoint is known: sign-out ends the portal session and stays here.
        response = client.post("/lv/sign-out", data={"csrf_token": csrf_of(page.text)})
        assert response.headers["location"] == "http://testserver/lv/signed-out"


def test_an_unreachable_provider_gets_a_clear_page(database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:9")
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        response = client.get("/ru/sign-in")
    assert response.status_code == 503
    assert 'lang="ru"' in response.text


@pytest.mark.parametrize("demo_person", DEMO_PEOPLE, ids=lambda p: p.personal_code)
def test_every_demo_person_signs_in(client: TestClient, demo_person: DemoPerson) -> None:
    lang = demo_person.preferred_locale or "lv"
    assert sign_in(client, demo_person.personal_code, lang=lang).headers["location"] == f"/{lang}/dashboard"
    page = client.get(f"/{lang}/dashboard").text
    assert f"{demo_person.given_name} {demo_person.family_name}" in page


def test_a_code_sent_with_another_providers_issuer_is_refused(client: TestClient) -> None:
    """RFC 9207: a mix-up attack hands us a code from another provider, named by its `iss`."""
    start = client.get("/lv/sign-in")
    callback = urlsplit(provider_authorizes(start.headers["location"], "150385-11001"))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    response = client.get(callback.path, params={**query, "iss": "https://other-provider.example"})
    assert response.status_code == 400
    assert client.get("/lv/dashboard").status_code == 303
