"""Page weight: a page's HTML plus the same-origin CSS and JS it references.

Sizes are of the bodies as the application produced them ("raw") and as
gzip level 6 would compress them ("gzip"), the usual setting of a reverse
proxy. "served" is what actually crossed the wire when the client offered
gzip: if it equals raw, the server itself does not compress.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split() and a.get("href"):
            self.css.append(a["href"])  # type: ignore[arg-type]
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])  # type: ignore[arg-type]


@dataclass
class Part:
    raw: int = 0
    gz: int = 0
    served: int = 0

    def add(self, response: httpx.Response) -> None:
        self.raw += len(response.content)
        self.gz += len(gzip.compress(response.content, compresslevel=6))
        self.served += response.num_bytes_downloaded


@dataclass
class Weight:
    page: str
    path: str
    html: Part = field(default_factory=Part)
    css: Part = field(default_factory=Part)
    js: Part = field(default_factory=Part)
    skipped: list[str] = field(default_factory=list)  # other-origin assets, not counted
    note: str = ""

    @property
    def total(self) -> Part:
        parts = (self.html, self.css, self.js)
        return Part(sum(p.raw for p in parts), sum(p.gz for p in parts), sum(p.served for p in parts))


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url, headers={"Accept-Encoding": "gzip"})
    response.raise_for_status()
    return response


async def measure(client: httpx.AsyncClient, page: str, path: str) -> Weight:
    """The page at `path` on the client's base URL, with its stylesheets and scripts."""
    weight = Weight(page, path)
    response = await _get(client, path)
    weight.html.add(response)
    parser = _Assets()
    parser.feed(response.text)
    origin = urlsplit(str(response.url))[:2]
    for kind, hrefs in (("css", parser.css), ("js", parser.js)):
        for href in dict.fromkeys(hrefs):  # each distinct asset once, as a browser would
            url = urljoin(str(response.url), href)
            if urlsplit(url)[:2] != origin:
                weight.skipped.append(url)
                continue
            getattr(weight, kind).add(await _get(client, url))
    return weight

