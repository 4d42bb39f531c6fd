"""The general pages: start, dashboard, display settings, accessibility statement, gallery."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n
from portal.applications import presenters as applications
from portal.assessment import service as assessments
from portal.db import Database, unit_of_work
from portal.eid.session import current_actor, signed_in
from portal.pages import tasks
from portal.pages.forms import DisplaySettingsForm
from portal.people.models import StaffRoleName
from portal.surveys import service as surveys
from portal.templating import PREFS_COOKIE, display_prefs, render

LANGUAGE_COOKIE = "portal_lang"
ONE_YEAR = 365 * 24 * 60 * 60
# Readiness: a connection from the pool and `SELECT 1` within this, or the process is not ready.
# Shorter than the pool's own deadline (PORTAL_DB_POOL_TIMEOUT_SECONDS), so a saturated pool shows.
READY_DEADLINE_SECONDS = 2.0
READY_RETRY_AFTER_SECONDS = 5

log = logging.getLogger(__name__)


async def root(request: Request) -> Response:
    lang = i18n.negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    return RedirectResponse(request.app.url_path_for("start", lang=lang), status_code=303)


async def healthz(request: Request) -> Response:
    """Liveness: the process answers. No database, so a busy database does not get it restarted."""
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    """Readiness: this process can serve pages now, i.e. it gets a database connection and an answer in time.

    A load balancer sends no one here while it answers 503. No session is read or written.
    """
    database: Database = request.app.state.db
    try:
        async with asyncio.timeout(READY_DEADLINE_SECONDS):
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (TimeoutError, SQLAlchemyError, OSError) as error:
        # The error's class only: its text may carry the database's address.
        log.warning("not ready: the database did not answer within %s s (%s)", READY_DEADLINE_SECONDS, type(error).__name__)
        return PlainTextResponse("not ready", status_code=503, headers={
            "retry-after": str(READY_RETRY_AFTER_SECONDS), "cache-control": "no-store",
        })
    return PlainTextResponse("ready", headers={"cache-control": "no-store"})


async def start(request: Request) -> Response:
    return request.app.state.public_pages.render(request, "pages/start.html")


@signed_in
async def dashboard(request: Request) -> Response:
    actor = current_actor(request)
    me = actor.person
    async with unit_of_work(request) as db:
        drafts = await applications.draft_summaries(db, actor)
        own_assessments = await assessments.versions(db, me.id)
        todo = await tasks.tasks_of(db, actor, clock.today())
        open_surveys = await surveys.open_surveys(db, me, clock.today())
    return render(request, "pages/dashboard.html", {
        "me": me, "drafts": drafts, "is_caseworker": bool(actor.desk),
        "assessment_in_progress": assessments.in_progress(own_assessments),
        "assessment_submitted": assessments.latest_submitted(own_assessments),
        "is_assistant": todo.is_assistant,
        "tasks": todo, "renew_within_days": tasks.RENEW_WITHIN_DAYS,
        # Staff see the citizen's services only when they have matters of their own (or of someone they represent).
        "citizen": not actor.is_staff or todo.has_own_matters,
        "open_surveys": open_surveys,
        "is_analyst": actor.has_role(StaffRoleName.SURVEY_ANALYST),
    })


async def display_settings(request: Request) -> Response:
    lang = request.path_params["lang"]
    if request.method == "POST":
        form = await DisplaySettingsForm.read(request)
        if form.ok:
            target = request.app.url_path_for("settings", lang=lang) + "?saved=1"
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                PREFS_COOKIE,
                f"{form.text}.{form.contrast}",
                max_age=ONE_YEAR,
                httponly=True,
                samesite="lax",
                secure=request.app.state.settings.https,
            )
            return response
        return render(
            request, "pages/settings.html", {"values": form.shown, "errors": form.errors, "saved": False}, status_code=422
        )
    return render(
        request,
        "pages/settings.html",
        {"values": display_prefs(request), "errors": [], "saved": "saved" in request.query_params},
    )


async def accessibility(request: Request) -> Response:
    return request.app.state.public_pages.render(request, "pages/accessibility.html")


async def gallery(request: Request) -> Response:
    if not request.app.state.settings.component_gallery:
        raise HTTPException(404)
    return render(request, "pages/gallery.html")


def page_routes() -> list[Route]:
    return [
        Route("/", start, name="start"),
        Route("/dashboard", dashboard, name="dashboard"),
        Route("/settings", display_settings, methods=["GET", "POST"], name="settings"),
        Route("/accessibility", accessibility, name="accessibility"),
        Route("/components", gallery, name="gallery"),
    ]


def root_routes() -> list[Route]:
    return [
        Route("/", root, name="root"),
        Route("/healthz", healthz, name="healthz"),
        Route("/readyz", readyz, name="readyz"),
    ]
