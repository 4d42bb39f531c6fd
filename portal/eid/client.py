"""The OpenID Connect client for eID, configured only by PORTAL_EID_* settings."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from portal import tls
from portal.settings import Settings


def create_eid_client(settings: Settings) -> StarletteOAuth2App:
    """Discovery from the issuer, unless the endpoints are given one by one."""
    oauth = OAuth()
    endpoints: dict[str, Any] = {}
    if settings.eid_authorize_url:
        endpoints = {
            "issuer": settings.eid_issuer,
            "authorize_url": settings.eid_authorize_url,
            "access_token_url": settings.eid_token_url,
            "userinfo_endpoint": settings.eid_userinfo_url,
            "jwks_uri": settings.eid_jwks_url,
        }
    else:
        endpoints = {
            "server_metadata_url": settings.eid_issuer.rstrip("/") + "/.well-known/openid-configuration"
        }
    if settings.eid_end_session_url:
        endpoints["end_session_endpoint"] = settings.eid_end_session_url
    client = oauth.register(
        name="eid",
        client_id=settings.eid_client_id,
        client_secret=settings.eid_client_secret or None,
        client_kwargs={
            "scope": settings.eid_scope,
            "code_challenge_method": "S256",
            "timeout": 10.0,
            "verify": tls.CLIENT,
            # With no secret the client is public and authenticates with PKCE alone.
            "token_endpoint_auth_method": "client_secret_basic" if settings.eid_client_secret else "none",
        },
        **endpoints,
    )
    assert isinstance(client, StarletteOAuth2App)
    return client
