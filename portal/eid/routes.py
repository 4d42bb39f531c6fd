"""Sign-in with eID, sign-out, and the pages around timeouts."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuthError, StarletteOAuth2App
from authlib.oidc.core import UserInfo
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n, ratelimit
from portal.db import unit_of_work
from portal.eid import service
from portal.eid.forms import MAX_NEXT, EndOtherSessionsForm, StaySignedInForm
from portal.eid.session import (
    PERSON_ID,
    current_person,
    end_session,
    session_token,
    signed_in,
    start_session,
)
from portal.registers import service as register_service
from portal.registers.wiring import registers_of
from portal.settings import Settings
from portal.templating import render

log = logging.getLogger(__name__)

RETURN_TO = "return_to"
LOGIN_LANG = "login_lang"
_SAFE_NEXT = re.compile(rf"^/({'|'.join(i18n.LOCALES)})/[A-Za-z0-9\-_/]*(\?[A-Za-z0-9\-_=&%.]*)?$")


def safe_next(value: str | None) -> str | None:
    """Only our own pages are places to return to (no open redirect)."""
    if value and len(value) <= MAX_NEXT and _SAFE_NEXT.fullmatch(value) and "//" not in value:
        return value
    return None


def _client(request: Request) -> StarletteOAuth2App:
    return request.app.state.eid_client


def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def sign_in(request: Request) -> Response:
    lang = request.path_params["lang"]
    if request.scope.get("person") is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")) or request.app.url_path_for("dashboard", lang=lang), status_code=303)
    await ratelimit.count(request, ratelimit.SIGN_IN)
    request.session[LOGIN_LANG] = lang
    next_page = safe_next(request.query_params.get("next"))
    if next_page:
        request.session[RETURN_TO] = next_page
    else:
        request.session.pop(RETURN_TO, None)
    try:
        return await _client(request).authorize_redirect(
            request, _settings(request).eid_redirect_uri, ui_locales=lang
        )
    except (httpx.HTTPError, OAuthError, ValueError):
        log.exception("eID provider unreachable at sign-in")
        return render(request, "eid/sign_in_failed.html", {"problem": "unavailable"}, status_code=503)


async def callback(request: Request) -> Response:
    lang = request.session.get(LOGIN_LANG, i18n.DEFAULT_LOCALE)
    i18n.set_locale(lang)
    request.scope["path_params"] = {**request.path_params, "lang": lang}
    # Whatever happens below, nobody is signed in by a failed callback.
    request.session.pop(PERSON_ID, None)
    await ratelimit.count(request, ratelimit.CALLBACK)

    if request.query_params.get("error"):
        problem = "cancelled" if request.query_params["error"] == "access_denied" else "provider"
        return render(request, "eid/sign_in_failed.html", {"problem": problem}, status_code=400)
    client = _client(request)
    try:
        metadata = await client.load_server_metadata()
        service.check_response_issuer(request.query_params.get("iss"), metadata, _settings(request).eid_issuer)
        token = await client.authorize_access_token(request)
        # Authlib puts the ID token's claims, verified, under "userinfo" as a UserInfo. A plain dict there came
        # in the token response itself, unverified, and is not an ID token.
        verified = token.get("userinfo")
        id_token = verified if "id_token" in token and isinstance(verified, UserInfo) else None
        # OpenID Connect Core (5.3): a provider with a UserInfo endpoint may release claims there only (as
        # oidc-provider does for the claims a scope asks for), so it is asked whenever it exists.
        userinfo = None
        if id_token is not None and metadata.get("userinfo_endpoint"):
            userinfo = await client.userinfo(token=token)
        claims = service.claims_of(id_token, userinfo)
        identity = service.identity_from_claims(claims, _settings(request).eid_personal_code_claim)
    except service.UnusableIdentity as error:
        log.warning("eID sign-in without a usable personal code: %s", error.problem)
        return render(request, "eid/sign_in_failed.html", {"problem": "personal_code"}, status_code=400)
    except service.UnusableAnswer as error:
        log.warning("eID provider's answer refused: %s", error.problem)
        return render(request, "eid/sign_in_failed.html", {"problem": "provider"}, status_code=400)
    except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError, KeyError) as error:
        # AuthlibBaseError: OAuthError and the ID token's claims (issuer, audience, nonce, expiry); JoseError (joserfc,
        # which Authlib decodes with): its signature.
        log.warning("eID callback failed: %r", error)
        return render(request, "eid/sign_in_failed.html", {"problem": "provider"}, status_code=400)

    # The person's legal representations, from the population register: read before the unit of work,
    # so that no transaction waits for the register (a register that cannot be read changes nothing).
    registers = registers_of(request.app.state)
    population = await register_service.read_population(registers, identity.personal_code) if registers else None
    async with unit_of_work(request) as db:
        person = await service.sign_in_person(db, identity)
        await register_service.representations_at_sign_in(db, registers, person, population)
        session_key, began = await service.begin_session(db, person, token.get("id_token"), request.headers.get("user-agent", ""))
    return_to = request.session.get(RETURN_TO)
    start_session(request.session, person.id, session_key, began)
    target = safe_next(return_to) or request.app.url_path_for("dashboard", lang=person.preferred_locale or lang)
    return RedirectResponse(target, status_code=303)


async def sign_out(request: Request) -> Response:
    lang = request.path_params["lang"]
    person = request.scope.get("person")
    key = session_token(request.session)
    id_token = None
    if person is not None and key is not None:
        async with unit_of_work(request) as db:
            id_token = await service.close_session(db, person, key)
    end_session(request.session)
    signed_out_url = _settings(request).base_url.rstrip("/") + request.app.url_path_for("signed_out", lang=lang)
    client = _client(request)
    try:
        metadata = await client.load_server_metadata()
    except httpx.HTTPError:
        metadata = {}
    if person is not None and metadata.get("end_session_endpoint"):
        # End the provider's session too, then come back to our "signed out" page.
        params = {"post_logout_redirect_uri": signed_out_url, "client_id": _settings(request).eid_client_id, "ui_locales": lang}
        if id_token:
            params["id_token_hint"] = id_token
        return RedirectResponse(f"{metadata['end_session_endpoint']}?{urlencode(params)}", status_code=303)
    return RedirectResponse(signed_out_url, status_code=303)


async def signed_out(request: Request) -> Response:
    return render(request, "eid/signed_out.html")


async def session_ended(request: Request) -> Response:
    # Reached after a timeout; also by the timeout dialog's script when time runs out.
    end_session(request.session)
    request.scope["person"] = None
    reason = request.query_params.get("reason", "idle")
    next_page = safe_next(request.query_params.get("next"))
    sign_in_url = request.app.url_path_for("sign_in", lang=request.path_params["lang"])
    if next_page:
        sign_in_url += "?" + urlencode({"next": next_page})
    return render(
        request, "eid/session_ended.html", {"reason": "absolute" if reason == "absolute" else "idle", "sign_in_url": sign_in_url}
    )


@signed_in
async def session_extend(request: Request) -> Response:
    """"Stay signed in": the request itself counts as activity (IdentityMiddleware)."""
    if request.headers.get("hx-request") or request.headers.get("x-requested-with"):
        return Response(status_code=204)
    form = await StaySignedInForm.read(request)
    back = safe_next(form.return_to) if form.ok else None
    return RedirectResponse(back or request.app.url_path_for("dashboard", lang=request.path_params["lang"]), status_code=303)


@signed_in
async def sessions(request: Request) -> Response:
    """The person's signed-in sessions, and a button that ends every other one."""
    person, key = current_person(request), str(session_token(request.session))
    ended: int | None = None
    async with unit_of_work(request) as db:
        if request.method == "POST":
            await EndOtherSessionsForm.read(request)  # nothing to declare but the CSRF token, checked before
            ended = await service.end_other_sessions(db, person, key)
        found = await service.live_sessions(db, person, key, _settings(request))
    if ended is not None:
        target = request.app.url_path_for("sessions", lang=request.path_params["lang"])
        return RedirectResponse(f"{target}?{urlencode({'ended': ended})}", status_code=303)
    return render(request, "eid/sessions.html", {"sessions": found, "ended": _ended_count(request)})


def _ended_count(request: Request) -> int | None:
    value = request.query_params.get("ended", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else None


def page_routes() -> list[Route]:
    """Routes under the /{lang} prefix."""
    return [
        Route("/sign-in", sign_in, name="sign_in"),
        Route("/sign-out", sign_out, methods=["POST"], name="sign_out"),
        Route("/signed-out", signed_out, name="signed_out"),
        Route("/session-ended", session_ended, name="session_ended"),
        Route("/session/extend", session_extend, methods=["POST"], name="session_extend"),
        Route("/sessions", sessions, methods=["GET", "POST"], name="sessions"),
    ]


def root_routes() -> list[Route]:
    return [Route("/auth/callback", callback, name="eid_callback")]
