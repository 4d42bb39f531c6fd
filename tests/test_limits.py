"""Limits at the boundary: bodies within their route's limit, rate limits kept in the database, trusted proxies only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from starlette.types import Message, Scope

from portal import ratelimit
from portal.app import create_app
from portal.db import Database
from portal.security import FORM_BODY_BYTES, MAX_FILE_BYTES, TrustedProxyMiddleware
from portal.settings import Settings, SettingsError
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import make_settings

# ------------------------------------------------------------------ bodies


async def call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes, int]:
    """One request straight through the ASGI app: (status, body, how many of the chunks it read)."""
    scope: Scope = {"type": "http", "http_version": "1.1", "method": method, "path": path, "raw_path": path.encode(),
                    "query_string": b"", "root_path": "", "scheme": "http", "headers": headers,
                    "client": ("192.0.2.10", 50000), "server": ("testserver", 80)}
    read = 0

    async def receive() -> Message:
        nonlocal read
        if read >= len(chunks):
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    return start["status"], b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body"), read


FORM = [(b"content-type", b"application/x-www-form-urlencoded")]


def test_a_body_declared_too_large_is_refused_before_any_of_it_is_read(settings: Settings) -> None:
    app = create_app(settings)
    declared = [*FORM, (b"content-length", str(FORM_BODY_BYTES + 1).encode())]
    status, body, read = asyncio.run(call(app, "POST", "/ru/sign-out", declared, [b"x" * 1000]))
    assert (status, read) == (413, 0)
    assert 'lang="ru"' in body.decode() and translated("ru", "What you sent is too large") in body.decode()


def test_a_body_that_grows_past_its_limit_is_refused_as_soon_as_it_does(settings: Settings) -> None:
    app = create_app(settings)
    chunks = [b"a=" + b"x" * (256 * 1024)] * 8  # 2 MiB without a Content-Length
    status, _body, read = asyncio.run(call(app, "POST", "/lv/sign-out", FORM, chunks))
    assert status == 413 and read == 4  # the fourth chunk passes the form limit: the rest is never read


def test_a_post_with_files_may_be_as_large_as_its_files_allow(settings: Settings) -> None:
    app = create_app(settings)
    multipart = [(b"content-type", b"multipart/form-data; boundary=x")]
    twelve_megabytes = [b"x" * (1024 * 1024)] * 12
    # Over the form limit, within the upload limit: read whole (and refused for its missing CSRF token, not its size).
    status, _body, read = asyncio.run(call(app, "POST", "/lv/apply/1/documents", multipart, twelve_megabytes))
    assert (status, read) == (403, 12)
    status, _body, _read = asyncio.run(call(app, "POST", "/lv/apply/1/household", multipart, twelve_megabytes))
    assert status == 413  # another step of the same route takes no files
    too_many = [(b"content-length", str(FORM_BODY_BYTES + 5 * MAX_FILE_BYTES + 1).encode()), *multipart]
    assert asyncio.run(call(app, "POST", "/lv/applications/1/respond", too_many, []))[0] == 413


# ------------------------------------------------------------------ rate limits


def test_a_limit_holds_across_processes_and_keeps_no_address(database_url: str) -> None:
    limit = ratelimit.Limit("test", 3, 600)

    async def hits() -> list[bool]:
        first, second = Database(database_url), Database(database_url)  # two processes' pools
        allowed = []
        try:
            for database in (first, second, first, second, first):
                async with database.session() as session:
                    try:
                        await ratelimit.hit(session, limit, "key", "192.0.2.7", now=1_000_000)
                        await session.commit()
                        allowed.append(True)
                    except ratelimit.Limited as refused:
                        assert refused.retry_after_seconds == 200
                        allowed.append(False)
            async with second.session() as session:
                await ratelimit.hit(session, limit, "key", "192.0.2.8", now=1_000_000)  # another address
                # The window turns at 1_000_200: its 3 hits still count for most of the next one, less and less.
                with pytest.raises(ratelimit.Limited):
                    await ratelimit.hit(session, limit, "key", "192.0.2.7", now=1_000_201)
                await ratelimit.hit(session, limit, "key", "192.0.2.7", now=1_000_700)  # a window later: 1 + 3 x 1/6
                stored = list(await session.scalars(select(ratelimit.RateLimitHit.client)))
        finally:
            await first.dispose()
            await second.dispose()
        assert not any("192.0.2" in client for client in stored)
        return allowed

    assert asyncio.run(hits()) == [True, True, True, False, False]


def test_two_requests_at_once_cannot_both_take_the_last_place(database_url: str) -> None:
    limit = ratelimit.Limit("test", 1, 600)

    async def one(database: Database) -> bool:
        async with database.session() as session:
            try:
                await ratelimit.hit(session, limit, "key", "192.0.2.9")
                await asyncio.sleep(0.05)  # both hold their transaction open at once
                await session.commit()
                return True
            except ratelimit.Limited:
                return False

    async def both() -> list[bool]:
        first, second = Database(database_url), Database(database_url)
        try:
            return list(await asyncio.gather(one(first), one(second)))
        finally:
            await first.dispose()
            await second.dispose()

    assert sorted(asyncio.run(both())) == [False, True]


def test_starting_sign_in_is_limited_per_address_whatever_it_forwards(client: TestClient) -> None:
    for attempt in range(ratelimit.SIGN_IN.hits):
        # The test client is no trusted proxy: a forwarded address it writes is not believed.
        response = client.get("/ru/sign-in", headers={"x-forwarded-for": f"198.51.100.{attempt}"})
        assert response.status_code == 302
    refused = client.get("/ru/sign-in", headers={"x-forwarded-for": "198.51.100.200"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= ratelimit.SIGN_IN.window_seconds
    assert 'lang="ru"' in refused.text and translated("ru", "Too many attempts") in refused.text


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(database_url: str, provider: str) -> None:
    settings = make_settings(database_url, provider, trusted_proxies=("10.0.0.5",))
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False, client=("10.0.0.5", 4000)) as proxy:
        for _ in range(ratelimit.SIGN_IN.hits):
            assert proxy.get("/lv/sign-in", headers={"x-forwarded-for": "203.0.113.4"}).status_code == 302
        assert proxy.get("/lv/sign-in", headers={"x-forwarded-for": "203.0.113.4"}).status_code == 429
        assert proxy.get("/lv/sign-in", headers={"x-forwarded-for": "203.0.113.5"}).status_code == 302


def forwarded_client(trusted: tuple[str, ...], peer: str, forwarded: str) -> tuple[str, str]:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {"type": "http", "client": (peer, 1234), "scheme": "http",
             "headers": [(b"x-forwarded-for", forwarded.encode()), (b"x-forwarded-proto", b"https")]}
    asyncio.run(TrustedProxyMiddleware(app, trusted)(scope, None, None))  # type: ignore[arg-type]
    return seen["client"][0], seen["scheme"]


def test_only_a_trusted_proxy_says_who_the_client_is() -> None:
    proxies = ("10.0.0.5", "10.1.0.0/16")
    # The right-most address no trusted proxy added is the client's; what it wrote to the left is not believed.
    assert forwarded_client(proxies, "10.0.0.5", "6.6.6.6, 203.0.113.4, 10.1.2.3") == ("203.0.113.4", "https")
    assert forwarded_client(proxies, "192.0.2.1", "203.0.113.4") == ("192.0.2.1", "http")  # not a proxy of ours
    assert forwarded_client((), "10.0.0.5", "203.0.113.4") == ("10.0.0.5", "http")  # nobody's by default
    assert forwarded_client(proxies, "10.0.0.5", "10.1.0.9") == ("10.0.0.5", "https")  # only proxies: the peer stays


def test_a_trusted_proxy_must_be_an_address_or_a_network() -> None:
    with pytest.raises(SettingsError, match="PORTAL_TRUSTED_PROXIES"):
        Settings(secret_key="x", trusted_proxies=("everyone",))
    assert Settings.from_env({"PORTAL_SECRET_KEY": "x", "PORTAL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}).trusted_proxies == (
        "10.0.0.5", "10.1.0.0/16")
