"""oidc-provider-mock with one of its answers spoiled, for the answers the portal must refuse.

The mock runs as the demo's does (the real flow, real keys, real tokens); a WSGI layer in front of it changes
the token endpoint's or the UserInfo endpoint's JSON the way a broken or hostile provider would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import oidc_provider_mock
import werkzeug.serving
from werkzeug.wrappers import Response

from portal.eid.mock_provider import demo_users

TOKEN_PATH = "/oauth2/token"
USERINFO_PATH = "/userinfo"


class Fault(StrEnum):
    NO_ID_TOKEN = "no_id_token"  # the token response has an access token and no ID token
    CLAIMS_IN_TOKEN_RESPONSE = "claims_in_token_response"  # ... and, instead, unsigned claims under "userinfo"
    FORGED_ID_TOKEN = "forged_id_token"  # the ID token's signature does not verify
    USERINFO_OTHER_SUB = "userinfo_other_sub"  # UserInfo answers about someone else
    USERINFO_NO_SUB = "userinfo_no_sub"  # UserInfo's answer has no `sub` at all


def _spoil(fault: Fault, path: str, answer: dict[str, Any]) -> dict[str, Any]:
    if path == TOKEN_PATH and fault in (Fault.NO_ID_TOKEN, Fault.CLAIMS_IN_TOKEN_RESPONSE):
        answer.pop("id_token")
        if fault is Fault.CLAIMS_IN_TOKEN_RESPONSE:
            answer["userinfo"] = {"sub": "150385-11001", "given_name": "Anna", "family_name": "Bērziņa"}
    elif path == TOKEN_PATH and fault is Fault.FORGED_ID_TOKEN:
        header, payload, signature = answer["id_token"].split(".")
        answer["id_token"] = ".".join((header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))
    elif path == USERINFO_PATH and fault is Fault.USERINFO_OTHER_SUB:
        answer["sub"] = "020790-11000"
    elif path == USERINFO_PATH and fault is Fault.USERINFO_NO_SUB:
        answer.pop("sub")
    return answer


@dataclass
class FaultyProvider:
    """The running provider: its issuer, and the fault it has now (None: it answers as the mock does)."""

    issuer: str
    fault: Fault | None = None


def _spoiling(app: Callable[..., Iterable[bytes]], provider: FaultyProvider) -> Callable[..., Iterable[bytes]]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, fault = environ.get("PATH_INFO", ""), provider.fault
        if fault is None or path not in (TOKEN_PATH, USERINFO_PATH):
            return app(environ, start_response)
        response = Response.from_app(app, environ)
        if response.status_code == 200 and response.mimetype == "application/json":
            response.set_data(json.dumps(_spoil(fault, path, json.loads(response.get_data()))))
        return response(environ, start_response)

    return wsgi


@contextmanager
def running_faulty_provider() -> Iterator[FaultyProvider]:
    """Serve the spoiling mock in a thread on a free loopback port. Stops when the block ends."""
    provider = FaultyProvider(issuer="")
    mock = oidc_provider_mock.app(user_claims=demo_users(), require_nonce=True)
    server = werkzeug.serving.make_server("127.0.0.1", 0, _spoiling(mock, provider), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
