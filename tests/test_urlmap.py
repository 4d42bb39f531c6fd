"""The fixed work done once when the app is made: the URL map finds what Starlette's url_path_for
finds, for every named route; static URLs carry each file's content version."""

from __future__ import annotations

import hashlib
import re

import pytest
from starlette.routing import NoMatchFound

from portal.templating import STATIC_DIR
from tests.client import TestClient


def sample_params(pattern_names: list[str], lang: str) -> dict[str, object]:
    """A value each parameter's convertor takes: the language, a record id, a month, a slug."""
    values: dict[str, object] = {"lang": lang}
    for name in pattern_names:
        if name != "lang":
            values[name] = {"month": "2026-11", "slug": "details"}.get(name, 7)
    return values


def test_the_url_map_finds_every_named_route_as_starlette_does(client: TestClient) -> None:
    app = client.app
    urls = app.state.urls  # type: ignore[attr-defined]
    assert len(urls.names()) > 50
    for name in urls.names():
        pattern = urls._paths[name][0]
        params = re.findall(r"{(\w+)}", pattern)
        for lang in ("lv", "ru"):
            given = {key: value for key, value in sample_params(params, lang).items() if key in params}
            assert urls.path(name, **given) == app.url_path_for(name, **given), name  # type: ignore[attr-defined]


def test_the_url_map_refuses_what_starlette_refuses(client: TestClient) -> None:
    urls = client.app.state.urls  # type: ignore[attr-defined]
    with pytest.raises(NoMatchFound):
        urls.path("no_such_page", lang="lv")
    with pytest.raises(NoMatchFound):
        urls.path("report", lang="lv")  # its id is missing
    with pytest.raises(NoMatchFound):
        urls.path("dashboard", lang="lv", extra=1)
    with pytest.raises(ValueError):
        urls.path("dashboard", lang="de")  # not a language of the portal


def test_static_urls_carry_the_files_content_version(client: TestClient) -> None:
    page = client.get("/lv/").text
    found = re.findall(r'/static/(css/[\w.-]+\.css)\?v=([0-9a-f]{12})', page)
    assert found
    for path, version in found:
        assert version == hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
        assert client.get(f"/static/{path}?v={version}").status_code == 200
