"""create_app(settings): the whole portal as one Starlette application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import i18n
from portal.applications import journey
from portal.applications import routes as application_routes
from portal.applications import status_routes as application_status_routes
from portal.applications.documents import MAX_FILES_PER_KIND
from portal.assessment import routes as assessment_routes
from portal.casework import assessment_routes as desk_assessment_routes
from portal.casework import decision_routes as desk_decision_routes
from portal.casework import reports_routes as desk_reports_routes
from portal.casework import routes as casework_routes
from portal.cookies import SignedSessionMiddleware, cookies_of
from portal.db import Database, RequestSessionMiddleware
from portal.eid import routes as eid_routes
from portal.eid.client import create_eid_client
from portal.eid.session import IdentityMiddleware, language_of_path
from portal.forms import MAX_INT
from portal.notifications.eaddress import eaddress_sender
from portal.notifications.sms import sms_sender
from portal.pages import easy_read_routes
from portal.pages import routes as page_routes
from portal.pages.routes import LANGUAGE_COOKIE, ONE_YEAR
from portal.people import data_access_routes
from portal.policy import OwnCase, OwnHours, RepresentativeDecides
from portal.ratelimit import Limited
from portal.registers.wiring import registers_for
from portal.security import BodyLimits, CSRFMiddleware, FilePost, SecurityHeadersMiddleware, TrustedProxyMiddleware
from portal.settings import Settings
from portal.staticfiles import GZipOutsideStatic, VersionedStaticFiles
from portal.storage import FileStorage, FileUnavailable
from portal.surveys import analysis_routes
from portal.surveys import routes as survey_routes
from portal.templating import STATIC_DIR, PublicPages, create_templates, render, static_versions
from portal.timesheets import assistant_routes, report_routes
from portal.urlmap import UrlMap

log = logging.getLogger(__name__)
SESSION_COOKIE = "portal_session"


class LanguageConvertor(Convertor[str]):
    regex = "|".join(i18n.LOCALES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        if value not in i18n.LOCALES:
            raise ValueError(f"unknown language {value!r}")
        return value


class RecordIdConvertor(Convertor[int]):
    """Record ids in paths: ASCII digits within an INTEGER column; a larger number is a page that does not exist."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        number = int(value)
        if number > MAX_INT:
            raise HTTPException(404)
        return number

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("lang", LanguageConvertor())
# Every `{name:int}` in the portal's paths is a record id (or a page number): bounded like one.
register_url_convertor("int", RecordIdConvertor())


class LanguageMiddleware:
    """The page's language comes from its URL; it is remembered for `/` in a cookie."""

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = language_of_path(scope["path"])
        i18n.set_locale(lang or i18n.DEFAULT_LOCALE)
        if lang is None or cookies_of(scope).get(LANGUAGE_COOKIE) == lang:
            await self.app(scope, receive, send)
            return

        async def remember_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = Response()
                cookie.set_cookie(LANGUAGE_COOKIE, lang, max_age=ONE_YEAR, samesite="lax", secure=self.secure)
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *cookie.raw_headers[-1:]]
            await send(message)

        await self.app(scope, receive, remember_language)


def _error_lang(request: Request) -> str:
    lang = language_of_path(request.url.path) or i18n.get_locale()
    i18n.set_locale(lang)
    request.scope.setdefault("path_params", {})
    request.scope["path_params"] = {**request.scope["path_params"], "lang": lang}
    return lang


async def not_found(request: Request, exc: Exception) -> Response:
    _error_lang(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        return render(request, "errors/404.html", status_code=405)
    return render(request, "errors/404.html", status_code=404)


ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


def error_page(template: str, status_code: int) -> ErrorHandler:
    """An exception answered with its page, in the language of the page asked for."""

    async def handler(request: Request, exc: Exception) -> Response:
        _error_lang(request)
        return render(request, template, status_code=status_code)

    return handler


server_error = error_page("errors/500.html", 500)
unreadable_form = error_page("errors/400.html", 400)
body_too_large = error_page("errors/413.html", 413)
# The access policy's refusals (portal/policy.py), each with the page that says who does it instead.
POLICY_REFUSALS: dict[Any, ErrorHandler] = {
    RepresentativeDecides: error_page("errors/representative.html", 403),  # a minor: her representative
    OwnCase: error_page("errors/own_case.html", 403),  # a caseworker's own case: another caseworker
    OwnHours: error_page("errors/own_hours.html", 403),  # an assistant's own hours: the social service
}


async def file_unavailable(request: Request, exc: Exception) -> Response:
    """A document whose stored file is missing or altered: the person is told it cannot be opened, the operator is told why."""
    log.error("%s %s: a stored file was not handed out: %s", request.method, request.url.path, exc)
    _error_lang(request)
    return render(request, "errors/file_unavailable.html", status_code=404)


async def too_many_requests(request: Request, exc: Exception) -> Response:
    """429 with Retry-After: this address has done this too often (portal.ratelimit); nothing of the request was kept."""
    _error_lang(request)
    response: Response = render(request, "errors/429.html", status_code=429)
    if isinstance(exc, Limited):
        response.headers["retry-after"] = str(exc.retry_after_seconds)
    return response


async def csrf_rejected(request: Request) -> Response:
    _error_lang(request)
    return render(request, "errors/csrf.html", status_code=403)


# ------------------------------------------------------------------ capacity: shedding with 503

# What a client (or a person) is told to wait before trying again: long enough for a burst to pass.
RETRY_AFTER_SECONDS = 5
# PostgreSQL's SQLSTATEs for a wait the connection's deadlines ended (`lock_timeout`, `statement_timeout`).
SHED_SQLSTATES = {"55P03": "lock timeout", "57014": "statement timeout"}


def overload(error: BaseException) -> str | None:
    """Why the database could not serve the request in time, or None when the error is anything else.

    No connection came within the pool's deadline, or none could be opened; PostgreSQL cancelled a statement that waited for
    a lock or ran too long; SQLite's write lock stayed taken past its busy_timeout. Each ended a unit
    of work before it committed (`db.committed` rolls it back), so nothing of the request was saved.
    """
    if isinstance(error, PoolTimeout):
        return "no free database connection"
    if isinstance(error, DBAPIError):
        original = error.orig
        sqlstate = getattr(original, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate in SHED_SQLSTATES:
            return SHED_SQLSTATES[sqlstate]
        if getattr(original, "sqlite_errorname", None) == "SQLITE_BUSY" or str(original).startswith("database is locked"):
            return "database is locked"
        # psycopg could not open a connection (refused, unreachable, past connect_timeout): no query ran.
        if isinstance(original, psycopg.errors.ConnectionTimeout) or (
            isinstance(error, OperationalError) and str(original).startswith("connection failed")
        ):
            return "database unreachable"
    return None


async def service_busy(request: Request, reason: str) -> Response:
    """503 with Retry-After: the database is busy; the person is asked to try again in a minute."""
    _error_lang(request)
    # Neither the method and path (ids only) nor the error's text, which carries the statement's parameters.
    log.warning("shed with 503 (%s): %s %s", reason, request.method, request.url.path)
    response: Response = render(request, "errors/503.html", status_code=503)
    response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    response.headers["cache-control"] = "no-store"  # an answer for now, not for anyone's cache
    return response


class ShedOverloadMiddleware:
    """The database's overload errors become the 503 page, wherever they are raised.

    Starlette's exception handlers cover only the routes: IdentityMiddleware reads the signed-in
    person before any route runs, and an error there would reach ServerErrorMiddleware, which answers
    500 and re-raises, so uvicorn logs "Exception in ASGI application" and closes the keep-alive
    connection. This sits outside the request's database session (closed first, so the connection
    is back in the pool) and inside the language, session and security-header middleware. The error
    is answered here and goes no further; if the response had already begun, there is nothing to
    answer with and it is raised as before.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_note(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as error:
            reason = overload(error)
            if reason is None or started:
                raise
            response = await service_busy(Request(scope, receive), reason)
            await response(scope, receive, send)


# The posts that carry files, each limited to this many files of at most MAX_FILE_BYTES; every other post is a form.
FILE_POSTS = [
    FilePost("apply_question", MAX_FILES_PER_KIND, applies=lambda params: params.get("step") == journey.DOCUMENTS),
    FilePost("application_respond", MAX_FILES_PER_KIND),
]


def create_app(settings: Settings) -> Starlette:
    database = Database.for_settings(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await database.dispose()

    routes = [
        *page_routes.root_routes(),
        *eid_routes.root_routes(),
        Mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static"),
        Mount(
            "/{lang:lang}",
            routes=[*page_routes.page_routes(), *eid_routes.page_routes(), *application_routes.page_routes(),
                    *application_status_routes.page_routes(), *assessment_routes.page_routes(),
                    *casework_routes.page_routes(), *desk_decision_routes.page_routes(), *desk_assessment_routes.page_routes(),
                    *desk_reports_routes.page_routes(), *assistant_routes.page_routes(), *report_routes.page_routes(),
                    *survey_routes.page_routes(), *analysis_routes.page_routes(), *data_access_routes.page_routes(),
                    *easy_read_routes.page_routes()],
        ),
    ]
    middleware = [
        Middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies),
        # Level 6, zlib's default, for pages made per request: a 49 KB page in 0.97 ms of CPU against level 9's
        # 1.47 ms, 0.4 % larger. What is compressed once (static files, kept pages) stays at 9.
        Middleware(GZipOutsideStatic, minimum_size=500, compresslevel=6),
        Middleware(SecurityHeadersMiddleware, settings=settings),
        Middleware(
            SignedSessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=settings.absolute_timeout_seconds,
            same_site="lax",
            https_only=settings.https,
        ),
        Middleware(LanguageMiddleware, secure=settings.https),
        Middleware(ShedOverloadMiddleware),
        Middleware(RequestSessionMiddleware, database=database),
        Middleware(IdentityMiddleware, settings=settings),
        Middleware(CSRFMiddleware, reject=csrf_rejected, unreadable=unreadable_form, too_large=body_too_large,
                   limits=BodyLimits(routes, FILE_POSTS)),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={400: unreadable_form, 404: not_found, 405: not_found, 429: too_many_requests, 500: server_error,
                            Limited: too_many_requests, FileUnavailable: file_unavailable, **POLICY_REFUSALS},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    # Fixed work, done once: every named route's path, every static file's content version.
    app.state.urls = UrlMap(app.routes)
    app.state.static_versions = static_versions()
    app.state.templates = create_templates(auto_reload=settings.demo)
    app.state.public_pages = PublicPages(enabled=not settings.demo)
    app.state.templates.env.globals.update(journey.template_globals())
    app.state.eid_client = create_eid_client(settings)
    app.state.storage = FileStorage(settings.upload_dir)
    # The senders notices go by after a response (notifications.service.deliver_now), as the worker's.
    app.state.sms = sms_sender(settings.sms_sender)
    app.state.eaddress = eaddress_sender(settings.eaddress_sender)
    # Made now, so a broken fixture or client certificate stops the app from starting, not a person's application.
    app.state.registers = registers_for(settings)
    return app
