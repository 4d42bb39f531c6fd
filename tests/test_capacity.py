"""Capacity: the pool and the database's deadlines come from the settings, and a request the database
cannot serve in time is shed with a designed 503 (Retry-After, the page in the person's language),
never left hanging or answered as an unhandled error. /healthz is liveness, /readyz readiness.

Real databases throughout: the pool is exhausted by holding its only connection in the app's own
event loop, PostgreSQL's lock_timeout by a table locked from another connection, SQLite's
busy_timeout by its write lock taken from another connection.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from portal import db as portal_db
from portal import i18n
from portal.app import RETRY_AFTER_SECONDS, SESSION_COOKIE, create_app, overload
from portal.settings import Settings
from tests.casework.test_desk import make_caseworker
from tests.client import TestClient
from tests.conftest import engine_for, make_settings, provider_authorizes, sign_in

ANNA = "150385-11001"
LIGA = "230565-11005"  # made a caseworker of Rīga where a page must write
BUSY_TITLE = "The service is busy"
NOTHING_SAVED = "Your request could not be finished because the service is busy right now. Nothing was saved."


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


postgres_only = pytest.mark.usefixtures("_postgres")


@pytest.fixture
def _postgres(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("PostgreSQL only (CI runs the suite on PostgreSQL too)")


def small_pool(database_url: str, provider: str, **overrides: object) -> Settings:
    """One connection, no overflow, a one-second wait for it: a second request at once is shed."""
    values: dict[str, object] = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_seconds": 1}
    return make_settings(database_url, provider, **{**values, **overrides})


def translated(lang: str, message: str) -> str:
    with i18n.in_locale(lang):
        return i18n.gettext(message)


def assert_busy_page(response: httpx.Response, lang: str) -> None:
    assert response.status_code == 503, response.text[:500]
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["cache-control"] == "no-store"
    assert f'<html lang="{lang}"' in response.text
    assert f"<title>{translated(lang, BUSY_TITLE)} –" in response.text
    assert translated(lang, NOTHING_SAVED) in response.text


@contextmanager
def held_connection(client: TestClient) -> Iterator[AsyncConnection]:
    """The app's pool's connection, checked out in the app's own event loop until the block ends."""
    engine = client.app.state.db.engine  # type: ignore[attr-defined]

    async def check_out() -> AsyncConnection:
        return await engine.connect()

    portal: Any = client.portal
    connection: AsyncConnection = portal.call(check_out)
    try:
        yield connection
    finally:
        portal.call(connection.close)


@contextmanager
def database_locked(database_url: str, table: str = "person") -> Iterator[None]:
    """The database as a stuck transaction leaves it, from a connection of the test's own.

    PostgreSQL: an ACCESS EXCLUSIVE lock on the table, so no one may even read it. SQLite: the
    write lock, which every transaction of the portal that may write takes when it begins
    (db._begin_sqlite_write); a read-only one (who is signed in, an overview: db.reads) waits for no one.
    """
    if is_sqlite(database_url):
        connection = sqlite3.connect(str(make_url(database_url).database), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with engine_for(database_url).connect() as pg:
        pg.execute(text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
        try:
            yield
        finally:
            pg.rollback()


@pytest.fixture
def short_sqlite_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits this long for the write lock before "database is locked" (10 s in the portal)."""
    monkeypatch.setattr(portal_db, "SQLITE_BUSY_TIMEOUT_MS", 300)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ------------------------------------------------------------------ the pool


def test_the_engine_takes_the_pool_from_the_settings(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, db_pool_size=7, db_max_overflow=2, db_pool_timeout_seconds=4)
    pool: Any = create_app(settings).state.db.engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 2, 4)


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_a_signed_in_request_without_a_free_connection_is_shed_with_503(database_url: str, provider: str, lang: str) -> None:
    """IdentityMiddleware reads the person before the route runs: the 503 comes from there, not a 500."""
    with TestClient(create_app(small_pool(database_url, provider)), follow_redirects=False) as client:
        sign_in(client, ANNA, lang)
        assert client.get(f"/{lang}/dashboard").status_code == 200
        with held_connection(client):
            started = time.monotonic()
            response = client.get(f"/{lang}/dashboard")
            waited = time.monotonic() - started
            assert client.get("/healthz").status_code == 200  # liveness needs no database
        assert_busy_page(response, lang)
        assert waited < 5, f"the request waited {waited:.1f} s for a connection (pool timeout 1 s)"
        # Once a connection is free again, the same person is served as before: nothing was ended.
        assert client.get(f"/{lang}/dashboard").status_code == 200


def test_a_route_without_a_free_connection_is_shed_with_503(database_url: str, provider: str) -> None:
    """The eID callback writes the person in the route's own unit of work: the 503 comes from the route."""
    with TestClient(create_app(small_pool(database_url, provider)), follow_redirects=False) as client:
        start = client.get("/ru/sign-in")
        callback = urlsplit(provider_authorizes(start.headers["location"], ANNA))
        client.cookies.set("portal_lang", "ru")  # the callback's language is the one the person chose
        with held_connection(client):
            response = client.get(f"{callback.path}?{callback.query}")
        assert_busy_page(response, "ru")
        assert not any(cookie.name == SESSION_COOKIE and "person_id" in (cookie.value or "") for cookie in client.cookies.jar)


def test_the_shed_request_is_no_unhandled_error_and_the_connection_stays_open(
    database_url: str, provider: str, short_sqlite_busy_timeout: None,
) -> None:
    """Through uvicorn: after a 503 the next request on the same keep-alive connection is served.

    (An unhandled error is answered by Starlette's ServerErrorMiddleware, which then raises it again;
    uvicorn logs it and closes the connection, so the client's next request on it fails.)
    """
    from tests.accessibility.conftest import serve_portal

    make_caseworker(database_url, LIGA, "riga")
    with serve_portal(database_url, provider, db_lock_timeout_ms=300) as base_url:
        with httpx.Client(base_url=base_url, follow_redirects=False, timeout=10) as browser:
            start = browser.get("/lv/sign-in")
            assert browser.get(provider_authorizes(start.headers["location"], LIGA)).status_code == 303
            cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        address = urlsplit(base_url)
        connection = http.client.HTTPConnection(str(address.hostname), address.port, timeout=10)
        try:
            with database_locked(database_url):  # the desk's queue writes (an audit event): it must wait for the lock
                connection.request("GET", "/lv/desk", headers={"Cookie": cookie})
                busy = connection.getresponse()
                busy.read()
            assert busy.status == 503 and busy.getheader("retry-after") == str(RETRY_AFTER_SECONDS)
            assert (busy.getheader("connection") or "").lower() != "close"
            connection.request("GET", "/lv/desk", headers={"Cookie": cookie})  # the same socket
            served = connection.getresponse()
            served.read()
            assert served.status == 200
        finally:
            connection.close()


# ------------------------------------------------------------------ locks and statements


def test_sqlite_database_is_locked_is_shed_with_503(
    database_url: str, provider: str, short_sqlite_busy_timeout: None,
) -> None:
    if not is_sqlite(database_url):
        pytest.skip("SQLite only: on PostgreSQL the lock timeout test below")
    make_caseworker(database_url, LIGA, "riga")
    with TestClient(create_app(make_settings(database_url, provider)), follow_redirects=False) as client:
        sign_in(client, LIGA, "lv")
        with database_locked(database_url):
            response = client.get("/lv/desk")  # it writes (an audit event): it waits for the write lock
            # What only reads (who is signed in, the overview) takes no write lock, so it waits for no writer.
            assert client.get("/lv/dashboard").status_code == 200
        assert_busy_page(response, "lv")
        assert client.get("/lv/desk").status_code == 200


@postgres_only
@pytest.mark.parametrize(("table", "where"), [("person", "IdentityMiddleware"), ("application", "the dashboard's route")])
def test_postgres_lock_timeout_is_shed_with_503_not_hanging(database_url: str, provider: str, table: str, where: str) -> None:
    lock_timeout_ms = 300
    settings = make_settings(database_url, provider, db_lock_timeout_ms=lock_timeout_ms)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        sign_in(client, ANNA, "ru")
        assert client.get("/ru/dashboard").status_code == 200
        with database_locked(database_url, table):
            started = time.monotonic()
            response = client.get("/ru/dashboard")
            waited = time.monotonic() - started
            assert client.get("/healthz").status_code == 200
        assert_busy_page(response, "ru")
        assert waited < lock_timeout_ms / 1000 + 2, f"{where} waited {waited:.1f} s behind the lock"
        assert client.get("/ru/dashboard").status_code == 200


@postgres_only
def test_postgres_connections_carry_the_statement_and_lock_timeouts(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, db_statement_timeout_ms=1234, db_lock_timeout_ms=567)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]

        async def timeouts() -> tuple[str, str]:
            async with engine.connect() as connection:
                statement = await connection.scalar(text("SHOW statement_timeout"))
                lock = await connection.scalar(text("SHOW lock_timeout"))
            return str(statement), str(lock)

        assert client.portal.call(timeouts) == ("1234ms", "567ms")  # type: ignore[union-attr]


@postgres_only
def test_postgres_statement_timeout_is_an_overload(database_url: str, provider: str) -> None:
    """A statement that runs past statement_timeout (SQLSTATE 57014) is shed like a lock wait."""
    settings = make_settings(database_url, provider, db_statement_timeout_ms=100, db_lock_timeout_ms=100)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]

        async def sleep() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(2)"))

        with pytest.raises(OperationalError) as raised:
            client.portal.call(sleep)  # type: ignore[union-attr]
    assert overload(raised.value) == "statement timeout"


def test_other_database_errors_are_not_shed(database_url: str) -> None:
    """Only the overloads are 503: a broken query stays an error (500), to be seen and fixed.

    (On SQLite "no such table" is an OperationalError, like "database is locked".)
    """
    with pytest.raises(DBAPIError) as raised, engine_for(database_url).connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert overload(raised.value) is None


# ------------------------------------------------------------------ liveness and readiness


def test_readyz_answers_200_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    assert client.get("/healthz").status_code == 200


def test_readyz_answers_503_when_no_connection_is_free(database_url: str, provider: str) -> None:
    """The pool's deadline (3 s here) is longer than readiness's: readiness answers at its own, 2 s."""
    settings = small_pool(database_url, provider, db_pool_timeout_seconds=3)
    with TestClient(create_app(settings)) as client:
        with held_connection(client):
            started = time.monotonic()
            response = client.get("/readyz")
            waited = time.monotonic() - started
            assert client.get("/healthz").status_code == 200
        assert response.status_code == 503
        assert response.headers["retry-after"] and response.headers["cache-control"] == "no-store"
        assert "set-cookie" not in response.headers
        assert 1.5 < waited < 2.9, f"readiness answered after {waited:.1f} s"
        assert client.get("/readyz").status_code == 200  # the cancelled wait left the pool whole


def test_readyz_answers_503_when_the_database_cannot_be_reached(provider: str) -> None:
    unreachable = f"postgresql://portal@127.0.0.1:{closed_port()}/portal"
    with TestClient(create_app(make_settings(unreachable, provider))) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    assert response.headers["retry-after"]


def test_a_signed_in_request_while_the_database_cannot_be_reached_is_shed_with_503(
    database_url: str, provider: str
) -> None:
    """Anna signed in; then the database stops answering (here: nothing listens on its port). Her next
    page is the busy page with Retry-After, in her language, not an error page."""
    with TestClient(create_app(make_settings(database_url, provider)), follow_redirects=False) as client:
        sign_in(client, ANNA, "ru")
        cookies = client.cookies
    unreachable = f"postgresql://portal@127.0.0.1:{closed_port()}/portal"
    with TestClient(create_app(make_settings(unreachable, provider)), follow_redirects=False) as down:
        down.cookies.update(cookies)
        response = down.get("/ru/dashboard")
    assert_busy_page(response, "ru")


def test_a_database_server_that_never_answers_sheds_within_the_pool_deadline(database_url: str, provider: str) -> None:
    """A server that takes the connection and never answers (a hung host, a black-holed proxy): the
    request is shed after about the pool's deadline (connect_timeout), not after the TCP stack's minutes."""
    with TestClient(create_app(make_settings(database_url, provider)), follow_redirects=False) as client:
        sign_in(client, ANNA)
        cookies = client.cookies
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        hung = f"postgresql://portal@127.0.0.1:{silent.getsockname()[1]}/portal"
        settings = make_settings(hung, provider, db_pool_timeout_seconds=2)
        with TestClient(create_app(settings), follow_redirects=False) as down:
            down.cookies.update(cookies)
            started = time.monotonic()
            response = down.get("/lv/dashboard")
            waited = time.monotonic() - started
    assert_busy_page(response, "lv")
    # libpq's connect_timeout is 2 s here; without it the wait is the TCP stack's, minutes.
    assert waited < 30, f"waited {waited:.1f} s for a connection"


# ------------------------------------------------------------------ a dropped connection


def _backend_pid(database: portal_db.Database) -> int:
    async def pid() -> int:
        async with database.engine.connect() as connection:
            return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    return asyncio.run(pid())


@postgres_only
def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_not_answered_with_an_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL (or a proxy, or a failover) ended a pooled connection: the next use pings it, finds it dead and opens another."""

    database = portal_db.Database(database_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(database)
        assert _backend_pid(database) == first, "a connection back a moment ago is taken again"
        with engine_for(database_url).connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        monkeypatch.setattr(portal_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had waited in the pool a while
        replacement = _backend_pid(database)
        assert replacement != first
    finally:
        asyncio.run(database.dispose())


@postgres_only
def test_a_connection_back_a_moment_ago_is_not_pinged_again(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A signed-in page takes a connection twice in a few milliseconds: only an idle connection is pinged."""

    database = portal_db.Database(database_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    dialect = database.engine.sync_engine.dialect
    real_ping = dialect.do_ping

    def counted_ping(connection: object) -> bool:
        pings.append(connection)
        return bool(real_ping(connection))

    monkeypatch.setattr(dialect, "do_ping", counted_ping)
    try:
        _backend_pid(database)
        assert len(pings) == 1, "a new connection is pinged"
        _backend_pid(database)
        assert len(pings) == 1, "the same connection, back a moment ago, is not"
        monkeypatch.setattr(portal_db, "PING_AFTER_IDLE_SECONDS", 0.0)
        _backend_pid(database)
        assert len(pings) == 2, "after a wait in the pool it is pinged again"
    finally:
        asyncio.run(database.dispose())
