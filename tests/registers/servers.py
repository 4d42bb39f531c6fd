"""A small register server on loopback for the HTTP adapter's tests: it speaks docs/registers.md's
contract from a fixture, and can be told to fail (a status, a slow answer, a body not in the contract)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RegisterServer:
    """Facts by register and personal code; `status`, `delay` or `body` make every answer that instead."""

    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: int | None = None
    delay: float = 0.0
    body: bytes | None = None
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    base_url: str = ""


@contextmanager
def running_register_server(server: RegisterServer | None = None) -> Iterator[RegisterServer]:
    state = server or RegisterServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            asked = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append((self.path, asked))
            if state.delay:
                time.sleep(state.delay)
            parts = self.path.strip("/").split("/")
            register = parts[0] if len(parts) == 3 and parts[1:] == ["v1", "person"] else None
            if state.status is not None:
                self._answer(state.status, b'{"error": "down"}')
            elif state.body is not None:
                self._answer(200, state.body)
            elif register is None:
                self._answer(404, b"{}")
            else:
                found = state.facts.get(register, {}).get(asked.get("personal_code"))
                self._answer(200, json.dumps(found).encode()) if found is not None else self._answer(404, b"{}")

        def _answer(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout tests)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
