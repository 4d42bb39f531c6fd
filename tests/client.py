"""The tests' HTTP client: Starlette's TestClient, with each request answered in one hop to the app.

Starlette's own transport streams every response: the app runs as a task on the client's event-loop
thread, and the request, its start, each body message and the end each cross between that thread and
the test's (eight hand-offs a page, about 3 ms of CPU, more than most pages cost the app). Here the
whole exchange runs as one call on that thread and the body comes back whole, which is what a test
reads. The app sees what a server gives it: the request's body once, then `http.disconnect` only
after the response has been sent. A test of what a server does between a response's first and last
bytes drives the app itself (tests/casework/test_payroll_stream.py, `download`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import starlette.testclient
from starlette.types import ASGIApp, Message


@dataclass
class _Answer:
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    error: Exception | None = None


async def _exchange(app: ASGIApp, scope: dict[str, Any], body: bytes) -> _Answer:
    answer = _Answer()
    sent = anyio.Event()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await sent.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            assert answer.status is None, 'Received multiple "http.response.start" messages.'
            answer.status = message["status"]
            answer.headers = [(key.decode(), value.decode()) for key, value in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            assert answer.status is not None, 'Received "http.response.body" without "http.response.start".'
            answer.body.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                sent.set()

    try:
        await app(scope, receive, send)
    except Exception as error:  # handed to the test's thread, as Starlette's transport does
        answer.error = error
    finally:
        sent.set()
    return answer


class _OneHopTransport(starlette.testclient._TestClientTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme in {"ws", "wss"}:
            return super().handle_request(request)
        port = request.url.port or {"http": 80, "https": 443}[request.url.scheme]
        headers = [] if "host" in request.headers else [(b"host", request.url.netloc)]
        headers += [(key.lower().encode(), value.encode()) for key, value in request.headers.multi_items()]
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            "path": unquote(request.url.path),
            "raw_path": request.url.raw_path.split(b"?", 1)[0],
            "root_path": self.root_path,
            "scheme": request.url.scheme,
            "query_string": request.url.query,
            "headers": headers,
            "client": self.client,
            "server": [request.url.raw_host.decode("ascii"), port],
            "state": self.app_state.copy(),
        }
        with self.portal_factory() as portal:
            answer = portal.call(_exchange, self.app, scope, request.read())
        if self.raise_server_exceptions and answer.error is not None:
            raise answer.error
        if answer.status is None:
            if self.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            answer.status, answer.headers, answer.body = 500, [], []
        body = b"" if request.method == "HEAD" else b"".join(answer.body)
        return httpx.Response(answer.status, headers=answer.headers, stream=httpx.ByteStream(body), request=request)


class TestClient(starlette.testclient.TestClient):
    __test__ = False

    def __init__(self, app: ASGIApp, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        streaming = self._transport
        assert isinstance(streaming, starlette.testclient._TestClientTransport)
        self._transport = _OneHopTransport(
            self.app, portal_factory=self._portal_factory, raise_server_exceptions=streaming.raise_server_exceptions,
            root_path=streaming.root_path, app_state=self.app_state, client=streaming.client,
        )
