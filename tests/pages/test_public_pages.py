"""Pages that say the same to every visitor are rendered once per language and display preference."""

from __future__ import annotations

import re

from portal.app import create_app
from portal.settings import Settings
from portal.templating import PREFS_COOKIE
from tests.client import TestClient
from tests.conftest import sign_in
from tests.timesheets.helpers import ANNA


def token_in(html: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match
    return match.group(1)


def test_a_visitor_gets_the_kept_page_with_their_own_token(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as first, TestClient(app, base_url="http://testserver") as second:
        page = first.get("/lv/").text
        assert len(app.state.public_pages.kept) == 1
        again = second.get("/lv/").text
        assert len(app.state.public_pages.kept) == 1  # the same page, not rendered again
        assert token_in(page) != token_in(again)  # each visitor's own session token
        assert page.replace(token_in(page), "") == again.replace(token_in(again), "")
        assert "\x00" not in again


def test_each_language_and_display_preference_is_a_page_of_its_own(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        assert 'lang="ru"' in client.get("/ru/").text
        client.cookies.set(PREFS_COOKIE, "larger.high")
        larger = client.get("/lv/").text
        assert "text-larger" in larger and "contrast-high" in larger
        assert len(app.state.public_pages.kept) == 2
        client.get("/lv/?utm=anything")  # a query string is never kept: the cache cannot be filled with URLs
        assert len(app.state.public_pages.kept) == 2


def test_a_signed_in_person_gets_their_own_page(client: TestClient) -> None:
    client.get("/lv/")
    sign_in(client, ANNA)
    page = client.get("/lv/").text
    assert 'action="/lv/sign-out"' in page  # her header, with sign-out: not the visitors' kept page
