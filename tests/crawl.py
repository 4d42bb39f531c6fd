"""Walking the portal as a person would: from the overview, by links, collecting each page's forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.client import TestClient

# The demo people (README): recipient, parent of Marta, Marta (11), assistant, caseworker, analyst, applicant.
DEMO_PEOPLE = ("150385-11001", "020790-11000", "120215-21007", "110978-11006", "230565-11005", "300688-11000", "328673-00679")
MAX_PAGES_PER_PERSON = 120
SKIPPED_PATHS = ("/sign-out", "/static/", "/auth/")


@dataclass
class FoundForm:
    action: str
    multipart: bool
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> the values the page offers (first is its default)


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.status = 0
        self.is_html = False
        self.links: list[str] = []
        self.forms: list[FoundForm] = []
        self.html_lang: str | None = None
        # The language switch: its links as (href, hreflang, lang), and the language it marks as the page's.
        self.switch_links: list[tuple[str, str, str]] = []
        self.switch_current: str | None = None
        self._form: FoundForm | None = None
        self._select: str | None = None
        self.text: list[str] = []
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "a" and "language-switch__link" in a.get("class", "").split():
            self.switch_links.append((a.get("href", ""), a.get("hreflang", ""), a.get("lang", "")))
        elif tag == "span" and "language-switch__current" in a.get("class", "").split() and a.get("aria-current") == "true":
            self.switch_current = a.get("lang")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = FoundForm(a.get("action", ""), "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and a.get("name"):
            values = self._form.fields.setdefault(a["name"], [])
            if tag == "select":
                self._select = a["name"]
            elif a.get("type") not in ("submit",) or a.get("value"):
                values.append(a.get("value", ""))
        elif tag == "option" and self._form is not None and self._select:
            self._form.fields[self._select].append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# What a page's text must never show (issue 15): "gada." before a month (Babel's Latvian month
# pattern), a date with a two-digit year; and on the pages of figures (the desk's, the analyst's) a
# share above 100 % (elsewhere a percentage may be a zoom level: "200 %").
MONTH_AFTER_GADA = re.compile(r"gada\.\s+[a-zāčēģīķļņšūž]")
TWO_DIGIT_YEAR = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{2}(?![\d.])")
PERCENTAGE = re.compile(r"(\d[\d\u00a0\u202f]*(?:[.,]\d+)?)\s?%")


STATISTICS_PAGES = re.compile(r"^/[a-z]{2}/(desk|analysis)(/|$|\?)")


def locale_slips(text: str, shares: bool = True) -> list[str]:
    """The forms in a page's text that no Latvian or Russian state text would print; `shares`: its
    percentages are shares of a whole."""
    slips = [f"'gada.' before a month: {m.group()!r}" for m in MONTH_AFTER_GADA.finditer(text)]
    slips += [f"a two-digit year: {m.group()!r}" for m in TWO_DIGIT_YEAR.finditer(text)]
    for m in PERCENTAGE.finditer(text if shares else ""):
        value = float(re.sub(r"[\u00a0\u202f]", "", m.group(1)).replace(",", "."))
        if value > 100:
            slips.append(f"a percentage above 100: {m.group()!r}")
    return slips


def _same_site_path(page: str, href: str, lang: str) -> str | None:
    target = urlsplit(urljoin(f"http://testserver{page}", href))
    if target.netloc != "testserver" or not target.path.startswith(f"/{lang}/") or target.path.startswith(SKIPPED_PATHS):
        return None
    if any(target.path.startswith(f"/{lang}{skipped}") for skipped in SKIPPED_PATHS):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def crawl(client: TestClient, start: str = "/lv/dashboard", limit: int = MAX_PAGES_PER_PERSON) -> dict[str, PageParser]:
    """Every page reachable from the overview by links (up to `limit`), with its status and forms.

    The walk stays in the start page's language (the language switch's links lead out of it).
    Every page's text is checked for the forms locale_slips() finds."""
    lang = start.split("/")[1]
    seen: dict[str, PageParser] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        parser = PageParser()
        parser.status = response.status_code
        if response.headers.get("content-type", "").startswith("text/html"):
            parser.is_html = True
            parser.feed(response.text)
            slips = locale_slips(" ".join(parser.text), shares=bool(STATISTICS_PAGES.match(path)))
            assert not slips, (path, slips)
        seen[path] = parser
        for href in parser.links:
            target = _same_site_path(path, href, lang)
            if target and target not in seen and target not in queue:
                queue.append(target)
    return seen
