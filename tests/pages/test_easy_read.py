"""Easy read: every page in both languages, for everyone, linked from the start page and every footer,
and linking to the normal page it explains and back to the easy-read start."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.client import TestClient
from tests.conftest import sign_in
from tests.timesheets.helpers import ANNA

EASY_READ = "/easy-read"
PAGES = ("/easy-read/service", "/easy-read/apply", "/easy-read/self-assessment", "/easy-read/monthly-hours")
# The normal page each easy-read page explains.
NORMAL = {
    EASY_READ: "/",
    "/easy-read/service": "/",
    "/easy-read/apply": "/apply",
    "/easy-read/self-assessment": "/assessment",
    "/easy-read/monthly-hours": "/reports",
}


class Links(HTMLParser):
    """The hrefs in <main> and in the footer, and every image with its alt (None when it has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.main: list[str] = []
        self.footer: list[str] = []
        self.images: list[tuple[str, str | None]] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("main", "footer"):
            self._in.append(tag)
        elif tag == "a" and self._in:
            (self.main if self._in[-1] == "main" else self.footer).append(a.get("href") or "")
        elif tag == "img":
            self.images.append((a.get("src") or "", a.get("alt")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("main", "footer") and self._in:
            self._in.pop()


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_every_easy_read_page_in_both_languages_without_signing_in(client: TestClient, lang: str) -> None:
    titles = set()
    for path in (EASY_READ, *PAGES):
        response = client.get(f"/{lang}{path}")
        assert response.status_code == 200, path
        assert f'<html lang="{lang}"' in response.text
        titles.add(re.search(r"<title>(.*?)</title>", response.text, re.S).group(1))  # type: ignore[union-attr]
        found = links_of(response.text)
        assert f"/{lang}{NORMAL[path]}" in found.main, f"{path} does not link to the normal page it explains"
        if path != EASY_READ:
            assert f"/{lang}{EASY_READ}" in found.main, f"{path} does not link back to the easy-read start"
        # Pictures beside the text: each has an alt (empty where the words beside say it all) and is served.
        pictures = [(src, alt) for src, alt in found.images if "/img/easy-read/" in src]
        assert pictures, f"{path} has no pictures"
        for src, alt in pictures:
            assert alt is not None, f"{path}: {src} has no alt"
            assert client.get(src).headers["content-type"].startswith("image/svg+xml")
    assert len(titles) == 1 + len(PAGES), "two easy-read pages share a title"


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_the_easy_read_start_links_to_every_page_and_the_start_page_and_footers_to_it(client: TestClient, lang: str) -> None:
    start = links_of(client.get(f"/{lang}{EASY_READ}").text)
    for path in PAGES:
        assert f"/{lang}{path}" in start.main, f"the easy-read start does not link to {path}"
    assert f"/{lang}{EASY_READ}" in links_of(client.get(f"/{lang}/").text).main, "the start page does not link to easy read"
    for other in ("/accessibility", "/settings", "/no-such-page", *PAGES):
        assert f"/{lang}{EASY_READ}" in links_of(client.get(f"/{lang}{other}").text).footer, f"the footer of {other}"


def test_the_normal_pages_it_links_to_open(client: TestClient) -> None:
    """Public ones for everyone; the self-assessment and the reports after signing in (before: sign in, then back)."""
    for path in sorted(set(NORMAL.values())):
        response = client.get(f"/lv{path}")
        if path in ("/assessment", "/reports"):
            assert response.status_code == 303 and response.headers["location"] == f"/lv/sign-in?next=%2Flv{path.replace('/', '%2F')}"
        else:
            assert response.status_code == 200, path
    sign_in(client, ANNA)
    for lang in ("lv", "ru"):
        page = client.get(f"/{lang}{EASY_READ}")
        assert page.status_code == 200 and 'action="/' + lang + '/sign-out"' in page.text  # her own page, signed in
        for path in sorted(set(NORMAL.values())):
            assert client.get(f"/{lang}{path}").status_code == 200, path
