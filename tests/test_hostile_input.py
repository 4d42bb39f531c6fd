"""Hostile input to every form that every demo person reaches: nothing answers 500, nothing broken is stored.

Each demo person signs in and walks the portal from the overview (links under /lv/), as a new user
would; every POST form found is sent hostile values in each of its fields — NUL, "²", "①", "٣", 20-digit
and negative numbers, impossible dates, 20,000 characters — then with every field sent twice, with no
fields but the token, and as a body that is not UTF-8. Every record URL seen is asked for again with
ids past an INTEGER column. Afterwards no text in the database holds NUL or U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from portal.app import create_app
from portal.settings import Settings
from tests.client import TestClient
from tests.conftest import sign_in
from tests.crawl import DEMO_PEOPLE, FoundForm, crawl
from tests.demo_seed import seed_demo
from tests.hostile import stored_marks

HOSTILE = ("a\x00b", "²", "①", "٣", "12345678901234567890", "-1", "x" * 20_000, "broken \ufffd", "\x1b[2J")
IMPOSSIBLE_DATE = {"day": "30", "month": "2", "year": "2026"}
NOT_UTF8 = b"%C3%28=%FF%FE&answer=%C3%28"
PAST_INTEGER = ("2147483648", "99999999999999999999")


def _variants(form: FoundForm) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    defaults = [(name, values[0] if values else "") for name, values in form.fields.items() if name != "csrf_token"]
    for value in HOSTILE:
        yield f"every field {value[:12]!r}", [(name, value) for name, _ in defaults]
    dated = [(name, IMPOSSIBLE_DATE.get(name.rsplit("-", 1)[-1], default)) for name, default in defaults]
    if dated != defaults:
        yield "30 February", dated
    yield "every field sent twice", [pair for pair in defaults for _ in range(2)]
    yield "no fields", []


def _post(client: TestClient, form: FoundForm, token: str, pairs: list[tuple[str, str]]) -> int:
    data = [("csrf_token", token), *pairs]
    if form.multipart:
        grouped: dict[str, list[str]] = {}
        for name, value in data:
            grouped.setdefault(name, []).append(value)
        return client.post(form.action, data=grouped, files={"__part": ("empty.txt", b"", "text/plain")}).status_code
    return client.post(form.action, content=urlencode(data).encode(),
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code


@pytest.fixture
def browser_like(settings: Settings) -> Iterator[TestClient]:
    """A client that sees a 500 as a person would (a status), so that every failure is listed, not the first."""
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("code", DEMO_PEOPLE)
def test_hostile_input_to_every_form_never_answers_500_nor_stores_broken_text(browser_like: TestClient, settings: Settings, code: str) -> None:
    client = browser_like
    seed_demo(settings)
    assert sign_in(client, code).status_code in (302, 303)
    pages = crawl(client)
    paths = list(pages)
    forms = {re.sub(r"/\d+", "/N", form.action): form for parser in pages.values() for form in parser.forms
             if form.action and "/sign-out" not in form.action}
    assert forms, "the person reached no form"
    failures = []
    for form in forms.values():
        token = _csrf(client)
        for name, pairs in _variants(form):
            status = _post(client, form, token, pairs)
            if status >= 500:
                failures.append(f"{form.action} ({name}): {status}")
        response = client.post(form.action, content=NOT_UTF8 + f"&csrf_token={token}".encode(),
                               headers={"content-type": "application/x-www-form-urlencoded", "x-csrf-token": token})
        if response.status_code != 400 and response.status_code >= 500:
            failures.append(f"{form.action} (not UTF-8): {response.status_code}")
    for path in paths:
        if not re.search(r"/\d+(/|$|\?)", path):
            continue
        for number in PAST_INTEGER:
            status = client.get(re.sub(r"/\d+(?=/|$|\?)", f"/{number}", path, count=1)).status_code
            if status != 404:
                failures.append(f"GET {path} with id {number}: {status}")
    assert not failures, "\n".join(failures)
    assert stored_marks(settings.database_url) == []


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/lv/settings").text)
    assert match
    return match.group(1)


def test_a_body_that_is_not_utf8_gets_the_400_page_in_the_pages_language(client: TestClient) -> None:
    token = _csrf(client)
    for lang, title in (("lv", "Veidlapu nevarēja nolasīt"), ("ru", "Не удалось прочитать форму")):
        response = client.post(f"/{lang}/settings", content=b"text=%FF%FE&contrast=normal",
                               headers={"content-type": "application/x-www-form-urlencoded", "x-csrf-token": token})
        assert response.status_code == 400
        assert title in response.text and f'lang="{lang}"' in response.text
