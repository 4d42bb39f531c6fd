"""All configuration, read from PORTAL_* environment variables.

Nothing else in the package reads the environment: pass a Settings to
create_app() and everything follows from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEMO_SECRET_KEY = "demo-only-secret-key-never-use-in-production"
DEFAULT_DATABASE_URL = "sqlite:///" + str(Path("var/portal.sqlite3").absolute())
DEFAULT_UPLOAD_DIR = str(Path("var/uploads").absolute())


class SettingsError(RuntimeError):
    """The environment does not describe a portal that can start safely."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    eid_issuer: str = "http://127.0.0.1:9400"
    eid_authorize_url: str | None = None
    eid_token_url: str | None = None
    eid_userinfo_url: str | None = None
    eid_jwks_url: str | None = None
    eid_end_session_url: str | None = None
    eid_client_id: str = "assistant-portal"
    eid_client_secret: str = ""
    eid_scope: str = "openid profile"
    eid_personal_code_claim: str = "sub"
    smtp_url: str = "smtp://127.0.0.1:8025"
    # The sender of the portal's e-mail.
    mail_from: str = "portal@asistents.example.lv"
    # The SMS sender by name (portal/notifications/sms.py); "log" only writes text messages to the log.
    sms_sender: str = "log"
    # Where uploaded documents are kept (portal/storage.py).
    upload_dir: str = DEFAULT_UPLOAD_DIR
    idle_timeout_seconds: int = 20 * 60
    idle_warning_seconds: int = 2 * 60
    absolute_timeout_seconds: int = 12 * 60 * 60
    # Demo mode allows the demo secret key and shows the component gallery.
    demo: bool = False
    # The page showing every component in every state: for the demo and the tests only.
    component_gallery: bool = False

    def __post_init__(self) -> None:
        if not self.secret_key:
            if not self.demo:
                raise SettingsError("PORTAL_SECRET_KEY must be set (only the demo has a default).")
            object.__setattr__(self, "secret_key", DEMO_SECRET_KEY)
        if self.idle_warning_seconds >= self.idle_timeout_seconds:
            raise SettingsError("The idle warning must come before the idle timeout.")

    @property
    def https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def eid_redirect_uri(self) -> str:
        return self.base_url.rstrip("/") + "/auth/callback"

    @property
    def eid_origin(self) -> str:
        """The provider's origin, allowed as a form target by the CSP (sign-out redirects there)."""
        url = urlsplit(self.eid_authorize_url or self.eid_issuer)
        return f"{url.scheme}://{url.netloc}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, *, demo: bool = False) -> Settings:
        env = os.environ if environ is None else environ

        def optional(name: str) -> str | None:
            return env.get(name) or None

        def default(name: str) -> str:
            value = cls.__dataclass_fields__[name].default
            assert isinstance(value, str)
            return value
        return cls(
            database_url=env.get("PORTAL_DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=env.get("PORTAL_SECRET_KEY", ""),
            base_url=env.get("PORTAL_BASE_URL") or default("base_url"),
            eid_issuer=env.get("PORTAL_EID_ISSUER") or default("eid_issuer"),
            eid_authorize_url=optional("PORTAL_EID_AUTHORIZE_URL"),
            eid_token_url=optional("PORTAL_EID_TOKEN_URL"),
            eid_userinfo_url=optional("PORTAL_EID_USERINFO_URL"),
            eid_jwks_url=optional("PORTAL_EID_JWKS_URL"),
            eid_end_session_url=optional("PORTAL_EID_END_SESSION_URL"),
            eid_client_id=env.get("PORTAL_EID_CLIENT_ID") or default("eid_client_id"),
            eid_client_secret=env.get("PORTAL_EID_CLIENT_SECRET", ""),
            eid_scope=env.get("PORTAL_EID_SCOPE") or default("eid_scope"),
            eid_personal_code_claim=env.get("PORTAL_EID_PERSONAL_CODE_CLAIM") or "sub",
            smtp_url=env.get("PORTAL_SMTP_URL") or default("smtp_url"),
            mail_from=env.get("PORTAL_MAIL_FROM") or default("mail_from"),
            sms_sender=env.get("PORTAL_SMS_SENDER") or default("sms_sender"),
            upload_dir=env.get("PORTAL_UPLOAD_DIR") or DEFAULT_UPLOAD_DIR,
            idle_timeout_seconds=int(env.get("PORTAL_IDLE_TIMEOUT_SECONDS") or 20 * 60),
            absolute_timeout_seconds=int(env.get("PORTAL_ABSOLUTE_TIMEOUT_SECONDS") or 12 * 60 * 60),
            demo=demo,
            component_gallery=demo,
        )
