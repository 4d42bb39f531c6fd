"""CSRF protection for every POST, and the security headers on every response."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.forms import UnreadableBody, read_body
from portal.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Uploads are checked per field later; this bounds what one form post may buffer.
MAX_BODY_BYTES = 50 * 1024 * 1024

RejectCsrf = Callable[[Request], Awaitable[Response]]
UnreadableForm = Callable[[Request, Exception], Awaitable[Response]]


class CSRFMiddleware:
    """Every unsafe request must carry the session's token, in a header or as a form field.

    The body is read once here and replayed to the route, so routes read the
    form as usual and no route can forget the check. A token in the body is read
    by the portal's one input boundary (`read_body`), which keeps what it read for
    the route: a body it cannot read is answered by `unreadable` (the 400 page),
    not as a CSRF failure; a readable body without the right token by `reject`.
    """

    def __init__(self, app: ASGIApp, reject: RejectCsrf, unreadable: UnreadableForm) -> None:
        self.app = app
        self.reject = reject
        self.unreadable = unreadable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return

        body = bytearray()
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more_body = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                await _plain_response(send, 413, b"Request too large")
                return

        async def replay() -> Message:
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        request = Request(scope, replay)
        expected = request.session.get("csrf") if "session" in scope else None
        given = request.headers.get(CSRF_HEADER)
        # Without a token in the session no body can pass: it is refused unread.
        if expected and not given:
            try:
                form = await read_body(request)
            except UnreadableBody as error:
                response = await self.unreadable(request, error)
                await response(scope, replay, send)
                return
            # Sent more than once, it is the session's token only if every copy is.
            tokens = set(form.texts(CSRF_FIELD))
            given = tokens.pop() if len(tokens) == 1 else None
        if not expected or not given or not _same_token(str(expected), given):
            response = await self.reject(request)
            await response(scope, replay, send)
            return

        sent = False

        async def replay_once() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay_once, send)


def _same_token(expected: str, given: str) -> bool:
    """Compared as bytes: hmac refuses str with characters beyond ASCII, which a forged token may have."""
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))


async def _plain_response(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text})


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
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": content_security_policy(settings),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
        }
        if settings.https:
            self.headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if "set-cookie" in headers or scope.get("person") is not None:
                    # Personal pages and session cookies are never stored by shared caches.
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)

