"""Pages that say the same to every visitor are rendered once per language and display preference."""

from __future__ import annotations

import gzip
import re

import pytest

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


def raw_answer(client: TestClient, path: str, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    """The answer's headers and its bytes as they crossed the wire (not decoded)."""
    with client.stream("GET", path, headers={"accept-encoding": accept_encoding}) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join(response.iter_raw())


def test_a_browser_that_takes_gzip_gets_the_kept_page_compressed_around_its_own_token(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as first, TestClient(app, base_url="http://testserver") as second:
        plain_headers, plain = raw_answer(first, "/lv/", "identity")  # rendered and kept here
        assert "content-encoding" not in plain_headers and "Accept-Encoding" in plain_headers["vary"]
        for client in (first, second):
            headers, body = raw_answer(client, "/lv/", "gzip, deflate, br")
            assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert int(headers["content-length"]) == len(body) < len(plain) / 2
            page = gzip.decompress(body)  # one whole gzip member: its CRC-32 and length checked
            _identity, again = raw_answer(client, "/lv/", "identity")
            assert page == again  # the same page as the visitor gets uncompressed, with the same token
        assert token_in(gzip.decompress(raw_answer(first, "/lv/", "gzip")[1]).decode()) == token_in(plain.decode())
        assert token_in(gzip.decompress(raw_answer(second, "/lv/", "gzip")[1]).decode()) != token_in(plain.decode())
        assert len(app.state.public_pages.kept) == 1


@pytest.mark.parametrize("path", ["/lv/", "/lv/accessibility?kept=no"])  # a kept page, and one rendered afresh
def test_gzip_refused_with_q_0_is_not_sent(settings: Settings, path: str) -> None:
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        for _ in range(2):  # /lv/ rendered, then served as kept; with a query string rendered both times
            headers, body = raw_answer(client, path, "gzip;q=0, br")
            assert "content-encoding" not in headers
            assert body.startswith(b"<!DOCTYPE html>")
