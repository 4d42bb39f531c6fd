"""The demo eID provider (oidc-provider-mock) on loopback, for `portal demo` and the tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import oidc_provider_mock
import oidc_provider_mock._app
import werkzeug.serving
from joserfc import jwk

from portal.people.demo import DEMO_PEOPLE, DemoPerson


def demo_users(people: Iterable[DemoPerson] = DEMO_PEOPLE) -> list[oidc_provider_mock.User]:
    return [oidc_provider_mock.User(sub=p.personal_code, claims=p.claims) for p in people]


# The provider's signing keys, by modulus, as joserfc keys: oidc-provider-mock hands Authlib its key as a JWK
# dict for every ID token, and importing an RSA private key checks it (about 20 ms of CPU per sign-in).
_SIGNING_KEYS: dict[str, jwk.RSAKey] = {}
_jwt_config = oidc_provider_mock._app.OpenIDCode.get_jwt_config


def _jwt_config_with_the_key_imported_once(self: object, grant: object, client: object = None) -> dict[str, object]:
    config: dict[str, object] = _jwt_config(self, grant, client)
    key = config["key"]
    if isinstance(key, dict):
        imported = _SIGNING_KEYS.get(key["n"])
        if imported is None:
            imported = _SIGNING_KEYS[key["n"]] = jwk.RSAKey.import_key(key)
        config["key"] = imported
    return config


oidc_provider_mock._app.OpenIDCode.get_jwt_config = _jwt_config_with_the_key_imported_once


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
