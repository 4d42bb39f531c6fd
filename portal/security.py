"""The boundary's protections: bodies within their route's limit, CSRF on every POST, the client's
address behind trusted proxies only, and the security headers on every response."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.forms import MAX_FILE_BYTES, UnreadableBody, read_body
from portal.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# A form's fields, even a page of long answers in Cyrillic (six bytes a letter once percent-encoded), stay
# well under this; a post that carries files may be that many times MAX_FILE_BYTES more (BodyLimits).
FORM_BODY_BYTES = 1024 * 1024
# Up to this much of a body is held in memory while it is checked; the rest of a larger one waits on disk.
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
REPLAY_CHUNK_BYTES = 64 * 1024

RejectCsrf = Callable[[Request], Awaitable[Response]]
UnreadableForm = Callable[[Request, Exception], Awaitable[Response]]
TooLarge = Callable[[Request, Exception], Awaitable[Response]]


class BodyTooLarge(Exception):
    """A body past its route's limit (answered with the 413 page)."""


@dataclass(frozen=True)
class FilePost:
    """A route whose posts carry files, and how many one post may carry (when `applies` to its path's parameters)."""

    route: str
    files: int
    applies: Callable[[Mapping[str, Any]], bool] = lambda params: True


class BodyLimits:
    """How large a request's body may be, by the route it is for: found once per unsafe request, before it is read."""

    def __init__(self, routes: Sequence[BaseRoute], file_posts: Sequence[FilePost]) -> None:
        self.routes = routes
        self.file_posts = {post.route: post for post in file_posts}

    def __call__(self, scope: Scope) -> int:
        found = _route_of(self.routes, scope)
        if found is not None:
            name, params = found
            post = self.file_posts.get(name)
            if post is not None and post.applies(params):
                return FORM_BODY_BYTES + post.files * MAX_FILE_BYTES
        return FORM_BODY_BYTES


def _route_of(routes: Sequence[BaseRoute], scope: Scope) -> tuple[str, Mapping[str, Any]] | None:
    """The name and path parameters of the route a request goes to, matched as Starlette's router does."""
    for route in routes:
        try:
            match, child_scope = route.matches(scope)
        except HTTPException:  # a path parameter no page has (an id past the column's range): the route's 404 says so
            return None
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            return _route_of(route.routes, {**scope, **child_scope})
        if isinstance(route, Route):
            return route.name, child_scope.get("path_params", {})
    return None


class CSRFMiddleware:
    """Every unsafe request must carry the session's token, in a header or as a form field.

    The body is read once here, within its route's limit (`BodyLimits`: 413 before reading what is
    declared larger, or as soon as it grows larger), held in memory only up to a megabyte and on disk
    past that, and replayed to the route, so routes read the form as usual and no route can forget the
    check. A token in the body is read by the portal's one input boundary (`read_body`), which keeps
    what it read for the route: a body it cannot read is answered by `unreadable` (the 400 page), not
    as a CSRF failure; a readable body without the right token by `reject`.
    """

    def __init__(self, app: ASGIApp, reject: RejectCsrf, unreadable: UnreadableForm, too_large: TooLarge,
                 limits: Callable[[Scope], int]) -> None:
        self.app = app
        self.reject = reject
        self.unreadable = unreadable
        self.too_large = too_large
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limits(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            await self._refuse_as_too_large(scope, send)
            return
        with SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
            size = await _spool_body(receive, spool, limit)
            if size is None:  # the client went away
                return
            if size > limit:
                await self._refuse_as_too_large(scope, send)
                return
            await self._check_and_pass_on(scope, receive, send, spool, size)

    async def _refuse_as_too_large(self, scope: Scope, send: Send) -> None:
        async def nothing() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        response = await self.too_large(Request(scope, nothing), BodyTooLarge())
        await response(scope, nothing, send)

    async def _check_and_pass_on(self, scope: Scope, receive: Receive, send: Send, spool: IO[bytes], size: int) -> None:
        request = Request(scope, _replay(spool, size))
        expected = request.session.get("csrf") if "session" in scope else None
        given = request.headers.get(CSRF_HEADER)
        # Without a token in the session no body can pass: it is refused unread.
        if expected and not given:
            try:
                form = await read_body(request)
            except UnreadableBody as error:
                response = await self.unreadable(request, error)
                await response(scope, _replay(spool, size), send)
                return
            # Sent more than once, it is the session's token only if every copy is.
            tokens = set(form.texts(CSRF_FIELD))
            given = tokens.pop() if len(tokens) == 1 else None
        if not expected or not given or not _same_token(str(expected), given):
            response = await self.reject(request)
            await response(scope, _replay(spool, size), send)
            return
        await self.app(scope, _replay(spool, size, then=receive), send)


async def _spool_body(receive: Receive, spool: IO[bytes], limit: int) -> int | None:
    """The body into the spool, stopping once it is past the limit; its size, or None if the client disconnected."""
    size = 0
    more_body = True
    while more_body:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return size
        if size > SPOOL_IN_MEMORY_BYTES:
            await run_in_threadpool(spool.write, chunk)  # on disk by now: not on the event loop
        else:
            spool.write(chunk)
        more_body = message.get("more_body", False)
    return size


def _replay(spool: IO[bytes], size: int, then: Receive | None = None) -> Receive:
    """The spooled body as a request's ASGI messages, from its start; after the last, `then` (the client's own
    receive, which tells of a disconnect) or an empty last message again."""
    offset, done = 0, False

    async def receive() -> Message:
        nonlocal offset, done
        if done:
            return await then() if then is not None else {"type": "http.request", "body": b"", "more_body": False}
        spool.seek(offset)
        chunk = spool.read(REPLAY_CHUNK_BYTES)
        offset += len(chunk)
        done = offset >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return receive


def client_address(scope: Scope) -> str:
    """The client's address as TrustedProxyMiddleware left it (the peer, or the forwarded client of a trusted proxy)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


class TrustedProxyMiddleware:
    """Behind a trusted reverse proxy, the client is the forwarded address the proxies did not add themselves.

    Only a request whose peer is one of `trusted` (settings.trusted_proxies) is read this way, and
    X-Forwarded-For is read from the right: the last address that is not a trusted proxy is the one
    that connected to them (anything left of it the client may have written). From anyone else the
    forwarded headers are ignored, so no client can choose the address its rate limit is counted by.
    """

    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.trusted = tuple(ipaddress.ip_network(proxy, strict=False) for proxy in trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted and self._is_trusted(client_address(scope)):
            headers = Headers(scope=scope)
            forwarded = [part.strip() for value in headers.getlist("x-forwarded-for") for part in value.split(",")]
            client = next((address for address in reversed(forwarded) if address and not self._is_trusted(address)), None)
            if client is not None:
                scope = {**scope, "client": (client, 0)}
            proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope = {**scope, "scheme": proto}
        await self.app(scope, receive, send)


def _same_token(expected: str, given: str) -> bool:
    """Compared as bytes: hmac refuses str with characters beyond ASCII, which a forged token may have."""
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))


def content_security_policy(settings: Settings) -> str:
    # The sign-out form redirects to the provider's end-session page, which
    # form-action governs too; nothing inline is allowed anywhere.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action 'self' {settings.eid_origin}",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """The security headers on every response that does not set its own, as bytes made once at start-up."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        headers = {
            "content-security-policy": content_security_policy(settings),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
        }
        if settings.https:
            headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
        self.headers = [(name.encode(), value.encode()) for name, value in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in self.headers if header[0] not in present]
                if b"cache-control" not in present and (b"set-cookie" in present or scope.get("person") is not None):
                    # Personal pages and session cookies are never stored by shared caches.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
