from __future__ import annotations

import pytest

from portal.app import SESSION_COOKIE, create_app
from tests.client import TestClient
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


@pytest.mark.fresh_sign_in  # a replayed sign-in would bring its own token whether or not signing in makes one
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


def test_settings_read_the_database_capacity() -> None:
    from portal.settings import Settings

    defaults = Settings.from_env({}, demo=True)
    assert (defaults.db_pool_size, defaults.db_max_overflow, defaults.db_pool_timeout_seconds) == (10, 5, 3)
    assert (defaults.db_statement_timeout_ms, defaults.db_lock_timeout_ms) == (15_000, 5_000)
    given = Settings.from_env({
        "PORTAL_DB_POOL_SIZE": "20", "PORTAL_DB_MAX_OVERFLOW": "0", "PORTAL_DB_POOL_TIMEOUT_SECONDS": "1",
        "PORTAL_DB_STATEMENT_TIMEOUT_MS": "30000", "PORTAL_DB_LOCK_TIMEOUT_MS": "30000",
    }, demo=True)
    assert (given.db_pool_size, given.db_max_overflow, given.db_pool_timeout_seconds) == (20, 0, 1)
    assert (given.db_statement_timeout_ms, given.db_lock_timeout_ms) == (30_000, 30_000)


@pytest.mark.parametrize(("variable", "value"), [
    ("PORTAL_DB_POOL_SIZE", "0"), ("PORTAL_DB_POOL_SIZE", "-1"), ("PORTAL_DB_POOL_SIZE", "ten"),
    ("PORTAL_DB_POOL_SIZE", " 5"), ("PORTAL_DB_POOL_SIZE", "1_0"), ("PORTAL_DB_POOL_SIZE", "٣"),
    ("PORTAL_DB_MAX_OVERFLOW", "-1"), ("PORTAL_DB_MAX_OVERFLOW", "2.5"),
    ("PORTAL_DB_POOL_TIMEOUT_SECONDS", "0"), ("PORTAL_DB_POOL_TIMEOUT_SECONDS", "+3"),
    ("PORTAL_DB_STATEMENT_TIMEOUT_MS", "0"), ("PORTAL_DB_STATEMENT_TIMEOUT_MS", "15s"),
    ("PORTAL_DB_LOCK_TIMEOUT_MS", "0"), ("PORTAL_DB_LOCK_TIMEOUT_MS", "20000"),  # longer than the statement timeout
])
def test_settings_refuse_a_database_capacity_that_is_not_a_whole_number_in_range(variable: str, value: str) -> None:
    from portal.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value}, demo=True)


def test_settings_refuse_a_capacity_given_in_code_out_of_range() -> None:
    from portal.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="PORTAL_DB_POOL_SIZE"):
        Settings(demo=True, db_pool_size=0)
    with pytest.raises(SettingsError, match="PORTAL_DB_POOL_TIMEOUT_SECONDS"):
        Settings(demo=True, db_pool_timeout_seconds=True)  # a bool is no number of seconds


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


# ------------------------------------------------------- a body that cannot be read is no CSRF failure

UNREADABLE_TITLE = {"lv": "Veidlapu nevarēja nolasīt", "ru": "Не удалось прочитать форму"}
CSRF_TITLE = {"lv": "Veidlapu neizdevās nosūtīt", "ru": "Не удалось отправить форму"}
BOUNDARY = "portal-test-boundary"


def _multipart(*parts: bytes) -> bytes:
    return b"".join(f"--{BOUNDARY}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{BOUNDARY}--\r\n".encode()


def _field(name: str, value: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()


def _post_multipart(client: TestClient, lang: str, body: bytes, boundary: str = BOUNDARY):  # type: ignore[no-untyped-def]
    return client.post(f"/{lang}/settings", content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})


def _unreadable_bodies(token: str) -> dict[str, tuple[bytes, str]]:
    long_name = b'Content-Disposition: form-data; name="file"; filename="' + b"a" * 20_000 + b'"\r\nContent-Type: text/plain\r\n\r\nhi'
    return {
        "a file name over python-multipart's header limit": (_multipart(_field("csrf_token", token), long_name), BOUNDARY),
        "a part without a name": (_multipart(_field("csrf_token", token), b"Content-Disposition: form-data\r\n\r\nx"), BOUNDARY),
        "no multipart at all": (b"csrf_token=" + token.encode() + b"&text=large", BOUNDARY),
        "a boundary that is not the body's": (_multipart(_field("csrf_token", token)), "another-boundary"),
        "a field that is not UTF-8": (_multipart(_field("csrf_token", token), b'Content-Disposition: form-data; name="text"\r\n\r\n\xff\xfe'), BOUNDARY),
    }


def test_a_body_that_cannot_be_read_gets_the_400_page_in_the_pages_language_not_the_csrf_page(client: TestClient) -> None:
    for lang in ("lv", "ru"):
        token = csrf_of(client.get(f"/{lang}/settings").text)
        for problem, (body, boundary) in _unreadable_bodies(token).items():
            response = _post_multipart(client, lang, body, boundary)
            assert response.status_code == 400, problem
            assert UNREADABLE_TITLE[lang] in response.text and f'lang="{lang}"' in response.text, problem
            assert CSRF_TITLE[lang] not in response.text, problem
        assert "portal_prefs" not in response.headers.get("set-cookie", "")


def test_a_body_of_another_type_with_the_token_in_no_header_cannot_be_read(client: TestClient) -> None:
    token = csrf_of(client.get("/ru/settings").text)
    response = client.post("/ru/settings", content=f'{{"csrf_token": "{token}"}}', headers={"content-type": "application/json"})
    assert response.status_code == 400 and UNREADABLE_TITLE["ru"] in response.text


def test_without_a_session_token_a_body_is_refused_unread(client: TestClient) -> None:
    body, boundary = _unreadable_bodies("anything")["a file name over python-multipart's header limit"]
    response = _post_multipart(client, "lv", body, boundary)
    assert response.status_code == 403 and CSRF_TITLE["lv"] in response.text


def test_a_readable_multipart_body_without_the_right_token_is_a_csrf_failure(client: TestClient) -> None:
    for lang in ("lv", "ru"):
        token = csrf_of(client.get(f"/{lang}/settings").text)
        wrong = "x" + token[1:] if token[0] != "x" else "y" + token[1:]
        for body in (
            _multipart(_field("text", "large"), _field("contrast", "high")),
            _multipart(_field("csrf_token", wrong), _field("text", "large")),
            _multipart(_field("csrf_token", token), _field("csrf_token", wrong), _field("text", "large")),  # one right, one not
            _multipart(_field("csrf_token", wrong), _field("csrf_token", token), _field("text", "large")),
            _multipart(b'Content-Disposition: form-data; name="csrf_token"; filename="token.txt"\r\n\r\n' + token.encode()),
        ):
            response = _post_multipart(client, lang, body)
            assert response.status_code == 403
            assert CSRF_TITLE[lang] in response.text and f'lang="{lang}"' in response.text


def test_a_readable_multipart_body_with_the_token_reaches_the_route(client: TestClient) -> None:
    token = csrf_of(client.get("/lv/settings").text)
    body = _multipart(_field("csrf_token", token), _field("text", "large"), _field("contrast", "high"))
    assert _post_multipart(client, "lv", body).status_code == 303


def test_a_forged_token_beyond_ascii_is_refused_not_an_error(client: TestClient) -> None:
    client.get("/lv/settings")
    assert client.post("/lv/settings", data={"csrf_token": "žēton", "text": "large", "contrast": "high"}).status_code == 403
    response = client.post("/lv/settings", data={"text": "large"}, headers={"x-csrf-token": b"\xfe\xff"})
    assert response.status_code == 403
