"""The signed-in identity: what the session holds, when it ends, and who is signed in.

A session is a row on the server (eid.models.WebSession) and a signed cookie that holds only its
random token, the person's id and two times. Each request by a signed-in person checks the idle and
absolute timeouts (from the cookie's times, which the signature keeps honest) and, in one query, that
the session's row has not ended (signed out, or ended from another browser), who the person is, and
their roles and representations today (policy.with_actor); the person is then on `scope["person"]`
and the policy's actor on `scope["actor"]`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import StrEnum
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal import audit, clock, i18n, policy
from portal.db import committed, request_session, separate_reads, utcnow
from portal.eid.models import WebSession
from portal.people.models import Person, StaffRoleName
from portal.settings import Settings

PERSON_ID = "person_id"
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
SESSION_TOKEN = "sid"
IDENTITY_KEYS = (PERSON_ID, SIGNED_IN_AT, LAST_SEEN, SESSION_TOKEN)
# How stale the session's row may let "last active" be: it is written at most once a minute, not on every request.
SEEN_EVERY_SECONDS = 60

# Requests that must not count as activity, nor be turned away by a timeout.
PASSIVE_PREFIXES = ("/static/", "/healthz", "/readyz")


class EndReason(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"
    REVOKED = "revoked"


def session_id(token: str) -> str:
    """The row's id for the cookie's token: the database holds only this, which signs no one in."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_token(session: dict[str, Any]) -> str | None:
    token = session.get(SESSION_TOKEN)
    return token if isinstance(token, str) else None


def start_session(session: dict[str, Any], person_id: int, token: str, signed_in_at: datetime) -> None:
    """Sign in: the cookie is cleared and then holds the new session's token and times, and a new CSRF
    token, so nothing from before sign-in carries over. The session's row (eid.service.begin_session) holds the rest."""
    session.clear()
    now = signed_in_at.timestamp()
    session.update({SESSION_TOKEN: token, "csrf": secrets.token_urlsafe(32), PERSON_ID: person_id, SIGNED_IN_AT: now, LAST_SEEN: now})


def end_session(session: dict[str, Any]) -> None:
    for key in IDENTITY_KEYS:
        session.pop(key, None)
    session["csrf"] = secrets.token_urlsafe(32)


def end_reason(session: dict[str, Any], now: float, settings: Settings) -> EndReason | None:
    if now - float(session.get(SIGNED_IN_AT, 0)) > settings.absolute_timeout_seconds:
        return EndReason.ABSOLUTE
    if now - float(session.get(LAST_SEEN, 0)) > settings.idle_timeout_seconds:
        return EndReason.IDLE
    return None


async def signed_in_actor(db: AsyncSession, session: dict[str, Any], today: date) -> tuple[policy.Actor, datetime] | None:
    """The actor of the cookie's session (the person, their roles and representations today) and when the
    session's row was last marked seen; None if it has ended. One statement (see policy.with_actor)."""
    token, person_id = session_token(session), session.get(PERSON_ID)
    if token is None or not isinstance(person_id, int):
        return None
    rows = (await db.execute(SIGNED_IN, {"session_id": session_id(token), "person_id": person_id, "today": today})).all()
    if not rows:
        return None
    person, last_seen = rows[0][0], rows[0][1]
    return await policy.actor_from_rows(db, person, today, rows), last_seen


# Sent on every signed-in request: built once, only executed (see policy.Someone).
SIGNED_IN = policy.with_actor(
    select(Person, WebSession.last_seen_at, *policy.ACTOR_COLUMNS).join(WebSession, WebSession.person_id == Person.id)
    .where(WebSession.id == bindparam("session_id"), WebSession.ended_at.is_(None), Person.id == bindparam("person_id"))
)


def language_of_path(path: str) -> str | None:
    first = path.split("/", 2)[1] if path.startswith("/") else ""
    return first if first in i18n.LOCALES else None


class IdentityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["person"] = None
        scope["actor"] = None
        session: dict[str, Any] = scope["session"]
        path: str = scope["path"]
        person_id = session.get(PERSON_ID)
        if person_id is None or path.startswith(PASSIVE_PREFIXES):
            await self.app(scope, receive, send)
            return

        now = time.time()
        reason = end_reason(session, now, self.settings)
        person: Person | None = None
        if reason is None:
            db = request_session(scope)
            await separate_reads(db)  # who is signed in: read, never written here
            found = await signed_in_actor(db, session, clock.today())
            if found is None:
                reason = EndReason.REVOKED
            else:
                actor, last_marked = found
                person, scope["actor"] = actor.person, actor
                audit.set_session(session_id(str(session_token(session)))[:32])
            await db.commit()  # ends the read: the route's own units of work begin afresh
            # The actor stays as loaded for the whole request: a unit of work that rolls back must not expire it.
            db.expunge_all()
            if found is not None and now - last_marked.timestamp() > SEEN_EVERY_SECONDS:
                async with committed(db):
                    await db.execute(update(WebSession).where(WebSession.id == session_id(str(session_token(session))))
                                     .values(last_seen_at=utcnow()))

        if reason is not None:
            end_session(session)
            lang = language_of_path(path)
            if lang and reason is not EndReason.REVOKED and not path.endswith("/session-ended"):
                # The next request after a timeout explains what happened, and
                # signing in again returns the person to where they were.
                query = {"reason": reason.value}
                if scope["method"] == "GET":
                    query["next"] = path + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
                target = f"/{lang}/session-ended?{urlencode(query)}"
                await RedirectResponse(target, status_code=303)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        scope["person"] = person
        session[LAST_SEEN] = now
        await self.app(scope, receive, send)


Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(endpoint: Endpoint) -> Endpoint:
    """Routes for signed-in people only; others are sent to sign in and brought back."""

    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if request.scope.get("person") is None:
            lang = request.path_params.get("lang", i18n.DEFAULT_LOCALE)
            target = request.app.url_path_for("sign_in", lang=lang)
            return RedirectResponse(f"{target}?{urlencode({'next': request.url.path})}", status_code=303)
        return await endpoint(request)

    return guarded


def staff_only(*roles: StaffRoleName) -> Callable[[Endpoint], Endpoint]:
    """A staff page: signed in with one of these roles. To anyone else the page does not exist (404)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @signed_in
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            if not any(current_actor(request).has_role(role) for role in roles):
                raise HTTPException(404)
            return await endpoint(request)

        return guarded

    return decorate


def current_actor(request: Request) -> policy.Actor:
    """The signed-in person with their roles and today's representations (policy.Actor)."""
    actor = request.scope.get("actor")
    if actor is None:  # only reachable from a route that forgot @signed_in
        raise PermissionError("no signed-in person")
    assert isinstance(actor, policy.Actor)
    return actor


def current_person(request: Request) -> Person:
    person = request.scope.get("person")
    if person is None:  # only reachable from a route that forgot @signed_in
        raise PermissionError("no signed-in person")
    return person
