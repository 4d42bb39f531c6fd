"""A request's cookies, read once, and the signed session cookie.

Several layers read cookies (the session, the page's language, the display preferences, a
survey's "answered" mark); each `Request` would parse the Cookie header again, so the parsed
cookies are kept on the request's scope. The session cookie is Starlette's (a signed,
timestamped JSON document), with the signing key derived once at start-up instead of on every
request.
"""

from __future__ import annotations

import hmac
import json
from base64 import b64decode, b64encode
from typing import Literal

import itsdangerous
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, want_bytes
from itsdangerous.exc import BadSignature, BadTimeSignature, SignatureExpired
from starlette.middleware.sessions import Session
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PARSED = "portal.cookies"


def cookies_of(scope: Scope) -> dict[str, str]:
    """The request's cookies, parsed from its Cookie headers on first use."""
    parsed = scope.get(PARSED)
    if parsed is None:
        parsed = {}
        for name, value in scope["headers"]:
            if name == b"cookie":
                parsed.update(cookie_parser(value.decode("latin-1")))
        scope[PARSED] = parsed
    return parsed


class FixedKeySigner(itsdangerous.TimestampSigner):
    """itsdangerous's timestamped signer, with its key derived once (a hash of the salt and the secret) and the
    HMAC keyed once, not on every cookie. The same format and the same checks: `unsign_within` takes what
    itsdangerous signed, and refuses what it refuses (tests/test_cookies.py compares the two)."""

    def __init__(self, secret_key: str) -> None:
        super().__init__(secret_key)
        self._derived = {key: super(FixedKeySigner, self).derive_key(key) for key in self.secret_keys}
        self._keyed = hmac.new(self._derived[self.secret_keys[-1]], digestmod=self.digest_method)
        self._separator = want_bytes(self.sep)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        return derived if derived is not None else super().derive_key(key)

    def unsign_within(self, signed_value: str | bytes, max_age: int) -> bytes:
        """`unsign(signed_value, max_age=max_age)`, with the HMAC keyed once (one secret key: no rotation here)."""
        if len(self.secret_keys) != 1:
            return self.unsign(signed_value, max_age=max_age)
        signed = want_bytes(signed_value)
        payload, separator, signature = signed.rpartition(self._separator)
        if not separator:
            raise BadSignature(f"No {self.sep!r} found in value")
        mac = self._keyed.copy()
        mac.update(payload)
        if not hmac.compare_digest(base64_encode(mac.digest()), signature):
            raise BadSignature(f"Signature {signature!r} does not match", payload=payload)
        value, separator, stamp = payload.rpartition(self._separator)
        if not separator:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            signed_at = bytes_to_int(base64_decode(stamp))
        except Exception:  # as itsdangerous: a stamp that is no base64 integer is a malformed timestamp
            raise BadTimeSignature("Malformed timestamp", payload=value) from None
        age = self.get_timestamp() - signed_at
        if age > max_age:
            raise SignatureExpired(f"Signature age {age} > {max_age} seconds", payload=value)
        if age < 0:
            raise SignatureExpired(f"Signature age {age} < 0 seconds", payload=value)
        return value


class SignedSessionMiddleware:
    """The session in a signed cookie, as Starlette's SessionMiddleware keeps it (the same format), read from
    the cookies parsed once (`cookies_of`) and signed with a key derived once (`FixedKeySigner`).

    The cookie is written only when the session changed, and removed when it was emptied.
    """

    def __init__(self, app: ASGIApp, secret_key: str, session_cookie: str, max_age: int,
                 same_site: Literal["lax", "strict", "none"], https_only: bool) -> None:
        self.app = app
        self.signer = FixedKeySigner(secret_key)
        self.session_cookie = session_cookie
        self.max_age = max_age
        flags = f"httponly; samesite={same_site}" + ("; secure" if https_only else "")
        self.set_format = f"{session_cookie}={{data}}; path=/; Max-Age={max_age}; {flags}"
        self.clear_header = (b"set-cookie",
                             f"{session_cookie}=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; {flags}".encode())

    def _read(self, scope: Scope) -> Session | None:
        value = cookies_of(scope).get(self.session_cookie)
        if value is None:
            return None
        try:
            return Session(json.loads(b64decode(self.signer.unsign_within(value.encode(), self.max_age))))
        except (BadSignature, ValueError):  # a cookie not ours, or past its age
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self._read(scope)
        session = scope["session"] = found if found is not None else Session()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                headers = message.setdefault("headers", [])
                if session:
                    data = self.signer.sign(b64encode(json.dumps(session).encode())).decode()
                    message["headers"] = [*headers, (b"set-cookie", self.set_format.format(data=data).encode())]
                elif found is not None:
                    message["headers"] = [*headers, self.clear_header]
            if message["type"] == "http.response.start" and session.accessed:
                message["headers"] = [*message.get("headers", []), (b"vary", b"Cookie")]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
