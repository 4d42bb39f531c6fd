"""Fixtures shared by every test: a real database, the real eID provider, the app.

The database is SQLite unless PORTAL_TEST_DATABASE_URL names another (CI
runs the suite a second time against PostgreSQL).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from portal import db as database
from portal.app import create_app
from portal.eid.mock_provider import running_provider
from portal.settings import Settings

TEST_SECRET = "test-secret-key-for-the-suite-only"
UPLOAD_DIR = Path(tempfile.gettempdir()) / f"portal-test-uploads-{os.getpid()}"


def _reset_postgres(url: str) -> None:
    engine = create_engine(database.sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    database.upgrade(url)
    return url


# Reference data that the migrations insert and the tests keep.
KEPT_TABLES = {"municipality", "alembic_version", "hourly_rate"}  # reference data from the migrations


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no people (municipalities stay), on either backend."""
    yield
    if "database_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("database_url")
    engine = create_engine(database.sync_url(url))
    from portal.db import Base

    with engine.begin() as connection:
        # An application names its self-assessment and a desk assessment names its application.
        connection.execute(Base.metadata.tables["application"].update().values(assessment_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    with running_provider("127.0.0.1", 0) as issuer:
        yield issuer


def make_settings(database_url: str, issuer: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "eid_issuer": issuer,
        "eid_client_secret": "test-client-secret",
        "component_gallery": True,
        "upload_dir": str(UPLOAD_DIR),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, provider: str) -> Settings:
    return make_settings(database_url, provider)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def provider_authorizes(authorize_url: str, sub: str) -> str:
    """Act as the person at the eID provider: choose who signs in; returns the callback URL."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        answer = browser.post(authorize_url, data={"sub": sub})
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def sign_in(client: TestClient, sub: str, lang: str = "lv", next_page: str | None = None) -> httpx.Response:
    """The whole redirect flow: portal -> provider -> portal callback. Returns the callback's answer."""
    start = client.get(f"/{lang}/sign-in", params={"next": next_page} if next_page else None)
    assert start.status_code in (302, 303), start.text
    callback = provider_authorizes(start.headers["location"], sub)
    parts = urlsplit(callback)
    assert parts.netloc == "testserver" and parts.path == "/auth/callback", callback
    return client.get(f"{parts.path}?{parts.query}")


def set_provider_user(issuer: str, sub: str, claims: dict[str, object]) -> None:
    """Give the provider a user with the given claims (for malformed-claim tests)."""
    response = httpx.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


ROOT = Path(__file__).resolve().parent.parent
