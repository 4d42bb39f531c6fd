"""Fixed work done once (issue 12, point 5): the static files' manifest and its serving, and Babel's patterns per locale.

The static files are read, hashed and compressed when the app is made (portal/staticfiles.py) and
served from memory: the encoding the browser accepts, a strong ETag and 304, HEAD, and a year's
caching only for the URL with the file's current version. The HTTP tests go through the whole app
(its middleware included: GZipMiddleware must not compress them again) unless they say otherwise.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import babel.dates
import babel.numbers
import brotli
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from portal import i18n, staticfiles
from portal.app import create_app
from portal.settings import Settings
from portal.staticfiles import GZipOutsideStatic, VersionedStaticFiles, choose_encoding, load_manifest
from portal.templating import STATIC_DIR
from tests.client import TestClient

CSS = "css/portal.css"
JS = "js/htmx.min.js"


def version(path: str) -> str:
    return load_manifest(STATIC_DIR).files[path].version


def varies_by(response: httpx.Response) -> set[str]:
    """Vary's field names (a list: GZipMiddleware repeats the name on an uncompressed answer, which means the same)."""
    return {name.strip().lower() for name in response.headers.get("vary", "").split(",") if name.strip()}


def url(path: str) -> str:
    return f"/static/{path}?v={version(path)}"


def fetch(client: TestClient, target: str, accept_encoding: str | None, method: str = "GET",
          **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and the bytes as they crossed the wire: httpx would undo a Content-Encoding otherwise."""
    sent = dict(headers)
    if accept_encoding is not None:
        sent["accept-encoding"] = accept_encoding
    else:
        client.headers.pop("accept-encoding", None)  # httpx offers gzip, deflate, br by default
    with client.stream(method, target, headers=sent) as response:
        return response, b"".join(response.iter_raw())


# ------------------------------------------------------------------ encodings

@pytest.mark.parametrize("path", [CSS, JS, "js/portal.js"])
def test_brotli_when_the_browser_accepts_it(client: TestClient, path: str) -> None:
    response, raw = fetch(client, url(path), "gzip, deflate, br")
    original = (STATIC_DIR / path).read_bytes()
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert varies_by(response) == {"accept-encoding"}
    assert int(response.headers["content-length"]) == len(raw) < len(original)
    assert brotli.decompress(raw) == original  # compressed once: decompressing once gives the file


def test_gzip_when_brotli_is_not_accepted_and_not_compressed_again(client: TestClient) -> None:
    response, raw = fetch(client, url(CSS), "gzip, deflate")
    assert response.headers["content-encoding"] == "gzip"  # not "gzip, gzip", nor gzip on top
    assert int(response.headers["content-length"]) == len(raw)
    assert gzip.decompress(raw) == (STATIC_DIR / CSS).read_bytes()
    assert response.headers["etag"] == f'"{version(CSS)}-gzip"'


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        (None, "identity"),  # no header: the file itself
        ("", "identity"),
        ("deflate", "identity"),
        ("identity", "identity"),
        ("br", "br"),
        ("BR", "br"),
        ("*", "br"),
        ("br;q=0.5, *;q=0.1", "br"),
        ("*;q=0", "identity"),  # nothing acceptable: still the file, not a 406
    ],
)
def test_the_encoding_follows_accept_encoding(client: TestClient, accept_encoding: str | None, expected: str) -> None:
    response, raw = fetch(client, url(CSS), accept_encoding)
    original = (STATIC_DIR / CSS).read_bytes()
    assert response.headers.get("content-encoding", "identity") == expected
    assert {"identity": lambda body: body, "br": brotli.decompress}[expected](raw) == original
    assert varies_by(response) == {"accept-encoding"}  # the identity answer depends on the header too


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "identity"),
        ("", "identity"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        (" GZip ; Q=1 ", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.8, gzip;q=0.5", "br"),
        ("br;q=0.8, gzip;q=0.9", "gzip"),  # q-values before the preference
        ("br;q=0.8, gzip;q=0.8", "br"),  # equal: br
        ("gzip;q=0.5, identity", "identity"),  # the file itself is preferred
        ("br, identity;q=0", "br"),
        ("br;q=0, gzip;q=0", "identity"),
        ("gzip;q=0, *", "br"),
        ("*;q=0.5, gzip", "gzip"),
        ("br;q=nonsense, gzip", "gzip"),  # an unreadable q is no consent
        ("br;q=2, gzip", "gzip"),  # nor is one out of range
        ("identity;q=0", "identity"),  # nothing else on offer
    ],
)
def test_negotiation_reads_q_values(header: str | None, expected: str) -> None:
    assert choose_encoding(header, ["br", "gzip"]) == expected


def test_a_file_without_compressed_forms_is_served_as_it_is(tmp_path: Path) -> None:
    """woff2 and png are compressed already; a tiny text file does not get smaller."""
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "tiny.txt").write_bytes(b"ok")
    with TestClient(Starlette(routes=[Mount("/static", VersionedStaticFiles(tmp_path))])) as client:
        for name, media_type in (("logo.png", "image/png"), ("tiny.txt", "text/plain; charset=utf-8")):
            response, raw = fetch(client, f"/static/{name}", "br, gzip")
            assert "content-encoding" not in response.headers
            assert raw == (tmp_path / name).read_bytes()
            assert response.headers["content-type"] == media_type
        assert "vary" not in fetch(client, "/static/logo.png", "br")[0].headers  # nothing to choose from


def test_content_types_carry_the_charset_of_text(client: TestClient) -> None:
    assert fetch(client, url(CSS), "br")[0].headers["content-type"] == "text/css; charset=utf-8"
    assert fetch(client, url(JS), "br")[0].headers["content-type"] == "text/javascript; charset=utf-8"


# ------------------------------------------------------------------ validators, HEAD, caching

def test_if_none_match_answers_304_for_the_same_representation(client: TestClient) -> None:
    first, _raw = fetch(client, url(JS), "br")
    etag = first.headers["etag"]
    assert etag == f'"{version(JS)}-br"'
    for if_none_match in (etag, f"W/{etag}", f'"something-else", {etag}', "*"):
        response, raw = fetch(client, url(JS), "br", **{"if-none-match": if_none_match})
        assert response.status_code == 304 and raw == b""
        assert response.headers["etag"] == etag
        assert varies_by(response) == {"accept-encoding"}
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # Another encoding is another representation, and an old version another file: both sent whole.
    assert fetch(client, url(JS), "gzip", **{"if-none-match": etag})[0].status_code == 200
    assert fetch(client, url(JS), "br", **{"if-none-match": '"000000000000-br"'})[0].status_code == 200


def test_head_sends_the_headers_of_get_without_the_body(client: TestClient) -> None:
    get, body = fetch(client, url(CSS), "br")
    head, nothing = fetch(client, url(CSS), "br", method="HEAD")
    assert head.status_code == 200 and nothing == b""
    assert int(head.headers["content-length"]) == len(body)
    for name in ("content-type", "content-encoding", "etag", "cache-control", "vary"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize(
    ("query", "cache_control"),
    [
        ("?v={current}", "public, max-age=31536000, immutable"),
        ("", "public, max-age=300"),
        ("?v=000000000000", "public, max-age=300"),  # a URL from before a deploy: other bytes now
        ("?v={current}x", "public, max-age=300"),
    ],
)
def test_only_the_current_version_is_cached_for_good(client: TestClient, query: str, cache_control: str) -> None:
    response, raw = fetch(client, f"/static/{CSS}" + query.format(current=version(CSS)), "br")
    assert response.status_code == 200
    assert response.headers["cache-control"] == cache_control
    assert brotli.decompress(raw) == (STATIC_DIR / CSS).read_bytes()


def test_every_file_a_page_links_is_served_at_its_current_version(client: TestClient) -> None:
    page = client.get("/lv/").text
    linked = re.findall(r'"/static/([\w./-]+)\?v=([0-9a-f]{12})"', page)
    assert {path for path, _v in linked} >= {CSS, JS}
    for path, linked_version in linked:
        response, raw = fetch(client, f"/static/{path}?v={linked_version}", "br")
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert brotli.decompress(raw) == (STATIC_DIR / path).read_bytes()


# ------------------------------------------------------------------ what is not a static file

@pytest.mark.parametrize("path", ["/static/css/nothing.css", "/static/css", "/static/css/", "/static/", "/static/CSS/portal.css"])
def test_unknown_paths_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")  # the portal's own 404 page


@pytest.mark.parametrize(
    "path",
    ["/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/css/%2e%2e/%2e%2e/app.py", "/static/css/..%2f..%2fsettings.py",
     "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/css\\..\\..\\app.py"],
)
def test_paths_out_of_the_static_folder_are_404(client: TestClient, path: str) -> None:
    assert (STATIC_DIR / ".." / "app.py").is_file()  # what "../app.py" would name
    response = client.get(path)
    assert response.status_code == 404
    assert "create_app" not in response.text


def test_only_get_and_head(client: TestClient, tmp_path: Path) -> None:
    for method in ("POST", "PUT", "DELETE"):  # the portal's CSRF check refuses them first
        assert client.request(method, url(CSS)).status_code == 403
    (tmp_path / "a.css").write_text("body {}")
    with TestClient(Starlette(routes=[Mount("/static", VersionedStaticFiles(tmp_path))])) as bare:
        response = bare.request("DELETE", "/static/a.css")
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


# ------------------------------------------------------------------ done once

@pytest.fixture
def compressions(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts every compression the static files do (the real functions still do the work)."""
    counts = {"br": 0, "gzip": 0}
    real_brotli, real_gzip = brotli.compress, gzip.compress

    def counted_brotli(data: bytes, **options: object) -> bytes:
        counts["br"] += 1
        return real_brotli(data, **options)

    def counted_gzip(data: bytes, **options: object) -> bytes:
        counts["gzip"] += 1
        return real_gzip(data, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(staticfiles.brotli, "compress", counted_brotli)
    monkeypatch.setattr(staticfiles.gzip, "compress", counted_gzip)
    staticfiles.precompressed.cache_clear()
    yield counts
    staticfiles.precompressed.cache_clear()  # nothing counted-but-wrong stays behind


def test_a_folder_is_read_and_compressed_once_not_per_request(tmp_path: Path, compressions: dict[str, int]) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("body { color: black; }\n" * 100)
    (tmp_path / "b.js").write_text("console.log('portal');\n" * 100)
    static = VersionedStaticFiles(tmp_path)
    assert compressions == {"br": 2, "gzip": 2}
    first = static.manifest.files["css/a.css"]

    with TestClient(Starlette(routes=[Mount("/static", static)])) as client:
        for accept_encoding in ("br", "gzip", "identity", "br", "gzip"):
            assert fetch(client, "/static/css/a.css", accept_encoding)[0].status_code == 200
        assert compressions == {"br": 2, "gzip": 2}
        # A file changed on disk after start-up is not read again: the running app serves what it hashed.
        (tmp_path / "css" / "a.css").write_text("body { color: red; }\n" * 100)
        response, raw = fetch(client, f"/static/css/a.css?v={first.version}", "br")
        assert brotli.decompress(raw) == first.bodies["identity"]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"

    # The next start (a new app) sees the change: a new version, and only the changed file compressed again.
    again = VersionedStaticFiles(tmp_path)
    assert again.manifest.files["css/a.css"].version != first.version
    assert again.manifest.files["b.js"] == static.manifest.files["b.js"]
    assert compressions == {"br": 3, "gzip": 3}


def test_making_the_app_hashes_and_compresses_once(settings: Settings, compressions: dict[str, int]) -> None:
    staticfiles._manifest.cache_clear()
    app = create_app(settings)
    compressible = [path for path in load_manifest(STATIC_DIR).files if Path(path).suffix in staticfiles.MEDIA_TYPES]
    assert len(compressible) >= 3
    assert compressions == {"br": len(compressible), "gzip": len(compressible)}
    # The static route and the templates' versions are one manifest: each file hashed once.
    mounted = next(route for route in app.routes if isinstance(route, Mount) and route.name == "static")
    assert isinstance(mounted.app, VersionedStaticFiles)
    assert app.state.static_versions == mounted.app.manifest.versions
    assert mounted.app.manifest is load_manifest(STATIC_DIR)

    with TestClient(app) as client:
        for _ in range(3):
            for accept_encoding in ("br", "gzip", None):
                fetch(client, url(CSS), accept_encoding)
                fetch(client, url(JS), accept_encoding, method="HEAD")
    assert compressions == {"br": len(compressible), "gzip": len(compressible)}
    create_app(settings)  # another app in the same process (the tests make one per test) reuses the work
    assert compressions == {"br": len(compressible), "gzip": len(compressible)}


# ------------------------------------------------------------------ GZipMiddleware and the static files

def _app_with(middleware: type[GZipMiddleware], static_dir: Path) -> Starlette:
    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("a page of the portal " * 100)

    return Starlette(
        routes=[Route("/page", page), Mount("/static", VersionedStaticFiles(static_dir))],
        middleware=[Middleware(middleware, minimum_size=500)],
    )


def test_gzip_outside_static_leaves_the_static_files_as_negotiated(tmp_path: Path) -> None:
    """Starlette's GZipMiddleware reads no q-values: for "gzip;q=0" it gzips the file the static files sent as it is.

    GZipOutsideStatic compresses every other response as before. (app.py still mounts the plain middleware:
    the change to make there is in this change's notes.)
    """
    (tmp_path / "a.css").write_text("body { color: black; }\n" * 100)
    original = (tmp_path / "a.css").read_bytes()
    with TestClient(_app_with(GZipOutsideStatic, tmp_path)) as client:
        response, raw = fetch(client, "/static/a.css", "br;q=0, gzip;q=0")
        assert "content-encoding" not in response.headers and raw == original
        assert int(response.headers["content-length"]) == len(original)
        assert fetch(client, "/page", "gzip")[0].headers["content-encoding"] == "gzip"
        response, raw = fetch(client, "/static/a.css", "gzip")
        assert response.headers["content-encoding"] == "gzip" and gzip.decompress(raw) == original
    with TestClient(_app_with(GZipMiddleware, tmp_path)) as client:  # why the subclass exists
        response, _raw = fetch(client, "/static/a.css", "br;q=0, gzip;q=0")
        assert response.headers.get("content-encoding") == "gzip"


# ------------------------------------------------------------------ Babel's patterns, once per locale

DAYS = [date(2025, 12, 20) + timedelta(days=n) for n in range(400)]
# Every hour around both of 2026's clock changes in Riga (29 March, 25 October), aware and naive (UTC).
INSTANTS = [datetime(2026, month, day, tzinfo=UTC) + timedelta(minutes=37 * n) for month, day in ((3, 28), (10, 24)) for n in range(120)]
INSTANTS += [instant.replace(tzinfo=None) for instant in INSTANTS[::7]]


def cldr(locale: str) -> str:
    """The locale Babel formats a portal language in (the portal's "en" is British English)."""
    return i18n.BABEL_NAMES.get(locale, locale)


@pytest.fixture(params=i18n.LOCALES)
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.set_locale(request.param)
    yield request.param
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_dates_are_formatted_as_babel_formats_them(locale: str) -> None:
    day_pattern = {"lv": "EEEE, d. MMMM", "ru": "EEEE, d MMMM", "en": "EEEE d MMMM"}[locale]
    for day in DAYS:
        for format in ("full", "long", "medium", "short", "d.MM.y"):
            pattern = i18n.SHORT_DATE_PATTERNS.get(locale, format) if format == "short" else format
            assert i18n.format_date(day, format) == babel.dates.format_date(day, format=pattern, locale=cldr(locale))
        month = i18n.MONTH_PATTERNS.get(locale)
        assert i18n.format_month(day) == (babel.dates.format_date(day, format=month, locale=cldr(locale)) if month
                                          else babel.dates.format_skeleton("yMMMM", day, locale=cldr(locale)))
        assert i18n.format_day(day) == babel.dates.format_date(day, format=day_pattern, locale=cldr(locale))


def test_times_are_formatted_as_babel_formats_them_in_riga(locale: str) -> None:
    for instant in INSTANTS:
        for format in ("full", "long", "medium", "short", "d.MM.y HH:mm"):
            pattern = f"{i18n.SHORT_DATE_PATTERNS[locale]} HH:mm" if format == "short" and locale in i18n.SHORT_DATE_PATTERNS else format
            expected = babel.dates.format_datetime(instant, format=pattern, tzinfo=i18n.LOCAL_TIME, locale=cldr(locale))
            assert i18n.format_datetime(instant, format) == expected


def test_numbers_and_money_are_formatted_as_babel_formats_them(locale: str) -> None:
    amounts = [0, 1, -1, 5, 99, 100, 12345, -12345, 123456789, 10**12 + 7, *range(-205, 205, 3)]
    for cents in amounts:
        assert i18n.format_money(cents) == babel.numbers.format_currency(cents / 100, "EUR", locale=cldr(locale))
    for number in [0, 1, 1.5, 1234.5, 1234567.5, -3.25, 0.3333333, 2 / 3, 10**9]:
        assert i18n.format_number(number) == babel.numbers.format_decimal(number, locale=cldr(locale))
        assert i18n.format_number(number, "#,##0.0") == babel.numbers.format_decimal(number, format="#,##0.0", locale=cldr(locale))


def test_a_formatted_cell_looks_nothing_up_again(locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per value only the pattern is applied: no skeleton matched, no currency name read (Babel does both per call)."""
    lookups: list[str] = []

    def counted(name: str, real: object) -> object:
        def lookup(*args: object, **kwargs: object) -> object:
            lookups.append(name)
            return real(*args, **kwargs)  # type: ignore[operator]

        return lookup

    monkeypatch.setattr(babel.numbers, "get_currency_name", counted("currency name", babel.numbers.get_currency_name))
    monkeypatch.setattr(babel.dates, "match_skeleton", counted("skeleton", babel.dates.match_skeleton))
    monkeypatch.setattr(babel.dates, "get_date_format", counted("date format", babel.dates.get_date_format))
    babel.numbers.format_currency(1, "EUR", locale=cldr(locale))
    babel.dates.format_datetime(INSTANTS[0], "short", locale=cldr(locale))
    assert lookups, "Babel's own functions look these up (the test can see it)"
    lookups.clear()
    for day in DAYS[:50]:
        i18n.format_date(day)
        i18n.format_month(day)
        i18n.format_day(day)
        i18n.format_money(day.toordinal())
        i18n.format_datetime(INSTANTS[day.day], "short")
    assert lookups == []
