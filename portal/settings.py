"""All configuration, read from PORTAL_* environment variables.

Nothing else in the package reads the environment: pass a Settings to
create_app() and everything follows from it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEMO_SECRET_KEY = "demo-only-secret-key-never-use-in-production"
DEFAULT_DATABASE_URL = "sqlite:///" + str(Path("var/portal.sqlite3").absolute())
DEFAULT_UPLOAD_DIR = str(Path("var/uploads").absolute())
# The state registers (portal/registers, docs/registers.md). "off": none is read and every fact is
# asked, as before they were connected; "file": the file-backed registers (the demo's, the tests');
# "http": the HTTP adapter of the registers' contract.
REGISTER_ADAPTERS = ("off", "file", "http")
DEFAULT_REGISTER_FILE = str(Path(__file__).parent / "registers" / "fixtures" / "demo.json")
# A register that has not answered in 3 s is treated as down (the person types the fact): a page
# waits at most this long for the registers, which are read at the same time.
REGISTER_TIMEOUT_SECONDS = 3.0
MAX_REGISTER_TIMEOUT_SECONDS = 30.0

# Database capacity, sized for one app process (one uvicorn worker, one event loop). A request holds
# a connection only while a unit of work is open (milliseconds), not while it renders, so 10 open
# transactions at once serve far more than 10 people at once; 5 more absorb a burst. Each process
# may open pool + overflow = 15 connections: with PostgreSQL's default max_connections of 100, six
# app processes (90) leave room for the workers and an administrator.
DB_POOL_SIZE = 10
DB_MAX_OVERFLOW = 5
# Waiting longer than this for a free connection means the process is saturated: the request is
# shed (503, "try again in a minute") instead of waiting SQLAlchemy's default 30 s while the queue
# behind it grows and a proxy gives up on it anyway.
DB_POOL_TIMEOUT_SECONDS = 3
# No page's query takes more than a fraction of a second; one running 15 s is a runaway, cut off
# before it keeps its connection for long, and before a proxy's own 30-60 s deadline.
DB_STATEMENT_TIMEOUT_MS = 15_000
# Writes hold row locks for milliseconds; a lock held for seconds is a stuck transaction or a
# migration's table lock. Waiting 5 s at most, a request is shed rather than hanging behind it.
DB_LOCK_TIMEOUT_MS = 5_000


# The capacity settings: field -> (variable, the least value allowed). No overflow (0) is a fixed
# pool; every other one must be positive (to PostgreSQL a timeout of 0 means no timeout at all).
CAPACITY_SETTINGS = {
    "db_pool_size": ("PORTAL_DB_POOL_SIZE", 1),
    "db_max_overflow": ("PORTAL_DB_MAX_OVERFLOW", 0),
    "db_pool_timeout_seconds": ("PORTAL_DB_POOL_TIMEOUT_SECONDS", 1),
    "db_statement_timeout_ms": ("PORTAL_DB_STATEMENT_TIMEOUT_MS", 1),
    "db_lock_timeout_ms": ("PORTAL_DB_LOCK_TIMEOUT_MS", 1),
}


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
    # The official e-address sender by name (portal/notifications/eaddress.py); "log" only writes to the log.
    eaddress_sender: str = "log"
    # Where uploaded documents are kept (portal/storage.py).
    upload_dir: str = DEFAULT_UPLOAD_DIR
    idle_timeout_seconds: int = 20 * 60
    idle_warning_seconds: int = 2 * 60
    absolute_timeout_seconds: int = 12 * 60 * 60
    # The database connection pool and deadlines (see DB_POOL_SIZE above, and docs/architecture.md, "Capacity").
    db_pool_size: int = DB_POOL_SIZE
    db_max_overflow: int = DB_MAX_OVERFLOW
    db_pool_timeout_seconds: int = DB_POOL_TIMEOUT_SECONDS
    db_statement_timeout_ms: int = DB_STATEMENT_TIMEOUT_MS
    db_lock_timeout_ms: int = DB_LOCK_TIMEOUT_MS
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks,
    # PORTAL_TRUSTED_PROXIES="10.0.0.5,10.1.0.0/16"); nobody's by default. See security.TrustedProxyMiddleware.
    trusted_proxies: tuple[str, ...] = ()
    # The state registers: which implementation, the file-backed one's fixture, the HTTP adapter's base URL,
    # timeout and client certificate (PEM; the key in it or in its own file). See docs/registers.md.
    register_adapter: str = "off"
    register_file: str = DEFAULT_REGISTER_FILE
    register_base_url: str = ""
    register_timeout_seconds: float = REGISTER_TIMEOUT_SECONDS
    register_client_cert: str | None = None
    register_client_key: str | None = None
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
        for name, (variable, least) in CAPACITY_SETTINGS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise SettingsError(f"{variable} must be a whole number of at least {least}, not {value!r}.")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(f"PORTAL_TRUSTED_PROXIES: {proxy!r} is not an address or a network.") from None
        if self.db_lock_timeout_ms > self.db_statement_timeout_ms:
            # A statement waiting for a lock is still running: the statement timeout would end it first.
            raise SettingsError("PORTAL_DB_LOCK_TIMEOUT_MS must not be longer than PORTAL_DB_STATEMENT_TIMEOUT_MS.")
        if self.register_adapter not in REGISTER_ADAPTERS:
            raise SettingsError(f"PORTAL_REGISTER_ADAPTER must be one of {', '.join(REGISTER_ADAPTERS)}, not {self.register_adapter!r}.")
        if self.register_adapter == "http" and urlsplit(self.register_base_url).scheme not in ("http", "https"):
            raise SettingsError("PORTAL_REGISTER_BASE_URL must be an http:// or https:// address when PORTAL_REGISTER_ADAPTER is http.")
        timeout = self.register_timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= MAX_REGISTER_TIMEOUT_SECONDS:
            raise SettingsError(f"PORTAL_REGISTER_TIMEOUT_SECONDS must be a number of seconds above 0 and at most "
                                f"{MAX_REGISTER_TIMEOUT_SECONDS:g}, not {timeout!r}.")

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

        def whole_number(name: str) -> int:
            variable = CAPACITY_SETTINGS[name][0]
            value = env.get(variable)
            if not value:
                default_value = cls.__dataclass_fields__[name].default
                assert isinstance(default_value, int)
                return default_value
            # ASCII digits only: int() would also take " 5", "+5", "1_000" and "٣".
            if not (value.isascii() and value.isdigit()):
                raise SettingsError(f"{variable} must be a whole number, not {value!r}.")
            return int(value)

        def seconds(variable: str, default_value: float) -> float:
            value = env.get(variable)
            if not value:
                return default_value
            # ASCII digits and one point only ("2.5"): float() would also take "inf", "nan" and "1e3".
            if not (value.isascii() and value.replace(".", "", 1).isdigit()):
                raise SettingsError(f"{variable} must be a number of seconds, like 3 or 2.5, not {value!r}.")
            return float(value)

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
            eaddress_sender=env.get("PORTAL_EADDRESS_SENDER") or default("eaddress_sender"),
            upload_dir=env.get("PORTAL_UPLOAD_DIR") or DEFAULT_UPLOAD_DIR,
            idle_timeout_seconds=int(env.get("PORTAL_IDLE_TIMEOUT_SECONDS") or 20 * 60),
            absolute_timeout_seconds=int(env.get("PORTAL_ABSOLUTE_TIMEOUT_SECONDS") or 12 * 60 * 60),
            db_pool_size=whole_number("db_pool_size"),
            db_max_overflow=whole_number("db_max_overflow"),
            db_pool_timeout_seconds=whole_number("db_pool_timeout_seconds"),
            db_statement_timeout_ms=whole_number("db_statement_timeout_ms"),
            db_lock_timeout_ms=whole_number("db_lock_timeout_ms"),
            trusted_proxies=tuple(part.strip() for part in env.get("PORTAL_TRUSTED_PROXIES", "").split(",") if part.strip()),
            # The demo reads the demo people's facts from the shipped fixture unless told otherwise.
            register_adapter=env.get("PORTAL_REGISTER_ADAPTER") or ("file" if demo else "off"),
            register_file=env.get("PORTAL_REGISTER_FILE") or DEFAULT_REGISTER_FILE,
            register_base_url=env.get("PORTAL_REGISTER_BASE_URL", ""),
            register_timeout_seconds=seconds("PORTAL_REGISTER_TIMEOUT_SECONDS", REGISTER_TIMEOUT_SECONDS),
            register_client_cert=optional("PORTAL_REGISTER_CLIENT_CERT"),
            register_client_key=optional("PORTAL_REGISTER_CLIENT_KEY"),
            demo=demo,
            component_gallery=demo,
        )
