from __future__ import annotations

from starlette.testclient import TestClient

from portal.app import SESSION_COOKIE, create_app
from tests.conftest import csrf_of, make_settings, sign_in


def test_a_post_without_a_token_is_refused_in_the_pages_language(client: TestClient) -> None:
    client.get("/ru/settings")
    response = client.post("/ru/settings", data={"text": "large", "contrast": "high"})
    assert response.status_code == 403
    assert 'lang="ru"' in response.text
    assert "portal_prefs" not in response.headers.get("set-cookie", "")


def test_a_post_with_another_sessions_token_is_refused(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings), base_url="http://testserver") as other:
        foreign_token = csrf_of(other.get("/lv/settings").text)
    client.get("/lv/settings")
    response = client.post("/lv/settings", data={"csrf_token": foreign_token, "text": "large", "contrast": "high"})
    assert response.status_code == 403


def test_sign_out_without_a_token_does_not_sign_out(client: TestClient) -> None:
    sign_in(client, "150385-11001")
    assert client.post("/lv/sign-out", data={}).status_code == 403
    assert client.get("/lv/dashboard").status_code == 200


def test_the_token_in_a_header_is_accepted(client: TestClient) -> None:
    token = csrf_of(client.get("/lv/settings").text)
    response = client.post("/lv/settings", data={"text": "large", "contrast": "high"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_signing_in_rotates_the_csrf_token(client: TestClient) -> None:
    before = csrf_of(client.get("/lv/settings").text)
    sign_in(client, "150385-11001")
    after = csrf_of(client.get("/lv/settings").text)
    assert before != after
    assert client.post("/lv/settings", data={"csrf_token": before, "text": "large", "contrast": "high"}).status_code == 403


def test_security_headers(client: TestClient) -> None:
    response = client.get("/lv/")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers


def test_session_cookie_flags_over_http(client: TestClient) -> None:
    cookie = client.get("/lv/settings").headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()


def test_https_base_url_makes_cookies_secure_and_adds_hsts(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, base_url="https://portal.example.lv")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get("/lv/settings")
    assert "max-age=" in response.headers["strict-transport-security"]
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "secure" in session_cookie.lower()


def test_signed_in_pages_are_not_cached(client: TestClient) -> None:
    sign_in(client, "150385-11001")
    assert client.get("/lv/dashboard").headers["cache-control"] == "no-store"


def test_settings_refuses_a_missing_secret_key_outside_the_demo() -> None:
    import pytest

    from portal.settings import Settings, SettingsError

    with pytest.raises(SettingsError):
        Settings.from_env({})
    assert Settings.from_env({}, demo=True).secret_key


def test_static_files_are_versioned_and_cached_for_good(client: TestClient) -> None:
    import re

    page = client.get("/lv/").text
    css = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', page)
    assert css, "the stylesheet URL carries a content version"
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_pages_are_compressed_when_the_browser_accepts_it(client: TestClient) -> None:
    response = client.get("/lv/accessibility", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
