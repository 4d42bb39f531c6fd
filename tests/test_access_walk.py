"""Every record a demo person reaches answers "not found" to everyone else, and asks a stranger to sign in.

Each demo person walks the portal from their overview. A page is private when its path names a
record (a number in the path, `?for=<person>`) or it is a staff area (the desk, the analysis). Every
private page one person reached is then asked for by every other person — 404 unless their own walk
reached it too (a representative's pages for the person they represent, an assistant's for the people
she assists) — and by a stranger, who is sent to sign in or told it is not found. Every form on a
private page is posted by every other person (404) and without a CSRF token (403).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, select

from portal import db as database
from portal.app import create_app
from portal.people.models import Person
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.crawl import DEMO_PEOPLE, crawl
from tests.demo_seed import seed_demo

STAFF_AREAS = ("/lv/desk", "/lv/analysis")
WALK_LIMIT = 400


def is_private(path: str) -> bool:
    return bool(re.search(r"/\d+(/|$|\?)", path)) or "for=" in path or path.startswith(STAFF_AREAS)


@pytest.fixture
def walker(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


def person_ids(database_url: str) -> dict[str, int]:
    engine = create_engine(database.sync_url(database_url))
    with engine.connect() as connection:
        ids = {code: id_ for id_, code in connection.execute(select(Person.id, Person.personal_code))}
    engine.dispose()
    return ids


def own(path: str, person_id: int) -> str:
    """The page as its own person asks for it: `?for=` naming oneself is one's own page."""
    return re.sub(rf"([?&])for={person_id}(&|$)", r"\1", path).rstrip("?&")


def representative_acts(response: httpx.Response) -> bool:
    """Refused as a minor's own record that her representative acts on: hers to read, not to change
    (policy.decides_for_themself), so the walk meets it on his pages and not on hers."""
    return response.status_code == 403 and translated("lv", "Your legal representative does this for you") in response.text


def test_every_private_page_and_form_is_closed_to_everyone_else(walker: TestClient, settings: Settings) -> None:
    seed_demo(settings)
    # What a stranger reaches (the start page, the portal survey open to anyone with its link) is public.
    public = set(crawl(walker, "/lv/")) | set(crawl(walker, "/lv/surveys/portal-2026"))
    opened: dict[str, set[str]] = {}
    actions: dict[str, set[str]] = {}
    for code in DEMO_PEOPLE:
        walker.cookies.clear()
        sign_in(walker, code)
        pages = crawl(walker, limit=WALK_LIMIT)
        pages = {path: page for path, page in pages.items() if path not in public}
        assert len(pages) < WALK_LIMIT, f"{code}'s walk did not finish: raise WALK_LIMIT"
        opened[code] = {path for path, page in pages.items() if page.status == 200}
        actions[code] = {form.action for path, page in pages.items() if page.status == 200 and is_private(path) for form in page.forms}
    private = {path for paths in opened.values() for path in paths if is_private(path)}
    private_actions = {action for found in actions.values() for action in found if "/sign-out" not in action}
    assert any(path.startswith("/lv/desk/cases/") for path in private) and any("for=" in path for path in private), "the walk missed the cases"

    ids = person_ids(settings.database_url)
    failures: list[str] = []
    walker.cookies.clear()
    for path in sorted(private):
        status = walker.get(path).status_code
        if status not in (303, 404):
            failures.append(f"stranger GET {path}: {status}")
    for action in sorted(private_actions):
        status = walker.post(action, data={}).status_code
        if status != 403:
            failures.append(f"POST {action} without a CSRF token: {status}")

    for code in DEMO_PEOPLE:
        walker.cookies.clear()
        sign_in(walker, code)
        token = csrf_of(walker.get("/lv/settings").text)
        for path in sorted(private - opened[code]):
            if own(path, ids[code]) != path:
                continue  # `?for=` naming oneself
            response = walker.get(path)
            if response.status_code != 404 and not representative_acts(response):
                failures.append(f"{code} GET {path}: {response.status_code}")
        for action in sorted(private_actions - actions[code]):
            if own(action, ids[code]) != action:
                continue  # `?for=` naming oneself
            response = walker.post(action, data={"csrf_token": token})
            if response.status_code != 404 and not representative_acts(response):
                failures.append(f"{code} POST {action}: {response.status_code}")
    assert not failures, "\n".join(failures)
