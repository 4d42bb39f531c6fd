"""The demo eID provider (oidc-provider-mock) on loopback, for `portal demo` and the tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import oidc_provider_mock
import werkzeug.serving

from portal.people.demo import DEMO_PEOPLE, DemoPerson


def demo_users(people: Iterable[DemoPerson] = DEMO_PEOPLE) -> list[oidc_provider_mock.User]:
    return [oidc_provider_mock.User(sub=p.personal_code, claims=p.claims) for p in people]


@contextmanager
def running_provider(host: str = "127.0.0.1", port: int = 9400) -> Iterator[str]:
    """Serve the provider in a thread; yields its issuer URL. Stops when the block ends."""
    wsgi_app = oidc_provider_mock.app(user_claims=demo_users(), require_nonce=True)
    server = werkzeug.serving.make_server(host, port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
