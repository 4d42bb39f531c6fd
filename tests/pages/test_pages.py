from __future__ import annotations

import re

import pytest

from portal.app import create_app
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, sign_in

PUBLIC_PAGES = ["/", "/settings", "/accessibility", "/components", "/signed-out", "/session-ended"]


def test_healthz_needs_no_session(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({}, None, "/lv/"),
        ({"accept-language": "ru-RU,ru;q=0.9"}, None, "/ru/"),
        ({"accept-language": "ru-RU,ru;q=0.9"}, "lv", "/lv/"),
        ({"accept-language": "en"}, "ru", "/ru/"),
        ({"accept-language": "en-GB,en;q=0.9,lv;q=0.5"}, None, "/en/"),
        ({"accept-language": "en"}, "lv", "/lv/"),
        ({"accept-language": "ru"}, "en", "/en/"),
        ({"accept-language": "de, fr"}, None, "/lv/"),
    ],
)
def test_root_redirects_by_cookie_then_accept_language(client: TestClient, headers, cookie, expected) -> None:  # type: ignore[no-untyped-def]
    if cookie:
        client.cookies.set("portal_lang", cookie)
    response = client.get("/", headers=headers)
    assert response.status_code == 303 and response.headers["location"] == expected


def test_visiting_a_language_remembers_it_for_the_root(client: TestClient) -> None:
    client.get("/ru/accessibility")
    assert client.get("/").headers["location"] == "/ru/"


@pytest.mark.parametrize("lang", ["lv", "ru"])
@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_in_both_languages(client: TestClient, lang: str, page: str) -> None:
    response = client.get(f"/{lang}{page}")
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in response.text
    # The language switch goes to the same page in each other language.
    for other in ("lv", "ru", "en"):
        if other == lang:
            continue
        switch = re.search(rf'<a [^>]*hreflang="{other}"[^>]*>', response.text)
        assert switch, f"no link to {other} in the language switch"
        assert f'href="/{other}{page}"' in switch.group(0)
        assert f'lang="{other}"' in switch.group(0)


def test_sign_in_labels(client: TestClient) -> None:
    assert "Pieslēgties" in client.get("/lv/").text
    assert "Войти" in client.get("/ru/").text
    sign_in(client, "150385-11001")
    assert "Iziet" in client.get("/lv/dashboard").text
    assert "Выйти" in client.get("/ru/dashboard").text


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_unknown_pages_answer_404_in_the_language(client: TestClient, lang: str) -> None:
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    assert f'<html lang="{lang}"' in response.text


def test_an_unknown_language_prefix_is_404(client: TestClient) -> None:
    assert client.get("/de/settings").status_code == 404
    assert client.get("/EN/settings").status_code == 404


def test_a_server_error_shows_the_500_page_in_the_language(database_url: str, provider: str) -> None:
    app = create_app(make_settings(database_url, provider))

    async def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    from starlette.routing import Route

    app.router.routes.insert(0, Route("/ru/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/ru/broken")
    assert response.status_code == 500
    assert '<html lang="ru"' in response.text


def test_display_settings_are_kept_in_a_cookie_and_applied_without_javascript(client: TestClient) -> None:
    token = csrf_of(client.get("/lv/settings").text)
    response = client.post("/lv/settings", data={"csrf_token": token, "text": "larger", "contrast": "high"})
    assert response.status_code == 303 and response.headers["location"] == "/lv/settings?saved=1"
    page = client.get("/ru/")
    assert re.search(r'<html lang="ru" class="text-larger contrast-high"', page.text)
    saved = client.get("/lv/settings?saved=1").text
    assert 'value="larger" checked' in saved.replace('checked="checked"', "checked") or re.search(r'value="larger"[^>]*checked', saved)


def test_display_settings_error_state(client: TestClient) -> None:
    token = csrf_of(client.get("/lv/settings").text)
    response = client.post("/lv/settings", data={"csrf_token": token, "text": "huge"})
    assert response.status_code == 422
    assert "<title>Kļūda: " in response.text
    assert 'href="#text"' in response.text and 'href="#contrast"' in response.text
    assert response.text.count("Izvēlieties teksta lielumu") == 2  # in the summary and at the field
    assert "Izvēlieties kontrastu" in response.text
    ru = client.post("/ru/settings", data={"csrf_token": token, "text": "huge"})
    assert "<title>Ошибка: " in ru.text
    assert "Выберите размер текста" in ru.text


def test_the_boundarys_own_messages_come_in_the_pages_language() -> None:
    from portal import i18n
    from portal.forms import SENT_TWICE, Body, Form, Integer, Text

    class AgeForm(Form):
        age = Integer(minimum=0, maximum=150, invalid="-")
        name = Text(max_length=3)

    i18n.set_locale("ru")
    try:
        form = AgeForm.from_body(Body([("age", "1"), ("age", "2"), ("name", "Ольга")]))
        assert form.errors == [("age", str(SENT_TWICE)), ("name", "Текст должен содержать не более 3 символов")]
        assert str(SENT_TWICE) not in ("", "Answer this once")
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_the_gallery_exists_only_when_enabled(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, component_gallery=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/lv/components").status_code == 404


def test_dashboard_shows_the_name_in_both_languages(client: TestClient) -> None:
    sign_in(client, "020790-11000")
    assert "Jānis Kalniņš" in client.get("/lv/dashboard").text
    assert "Jānis Kalniņš" in client.get("/ru/dashboard").text
