"""The general pages: start, dashboard, display settings, accessibility statement, gallery."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n
from portal.applications import presenters as applications
from portal.assessment import service as assessments
from portal.cookies import cookies_of
from portal.db import Database, reads, unit_of_work
from portal.eid.session import current_actor, current_person, signed_in
from portal.notifications.service import deliver_now
from portal.pages import tasks
from portal.pages.forms import ConfirmCodeForm, ContactDetailsForm, DisplaySettingsForm, code_problem, contact_problem
from portal.people import contacts
from portal.people.models import Channel, StaffRoleName
from portal.surveys import service as surveys
from portal.templating import PREFS_COOKIE, display_prefs, lang_url, render

LANGUAGE_COOKIE = "portal_lang"
ONE_YEAR = 365 * 24 * 60 * 60
# Readiness: a connection from the pool and `SELECT 1` within this, or the process is not ready.
# Shorter than the pool's own deadline (PORTAL_DB_POOL_TIMEOUT_SECONDS), so a saturated pool shows.
READY_DEADLINE_SECONDS = 2.0
READY_RETRY_AFTER_SECONDS = 5

log = logging.getLogger(__name__)


async def root(request: Request) -> Response:
    lang = i18n.negotiate(cookies_of(request.scope).get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
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
    async with reads(request) as db:  # an overview: what it shows is read, nothing is written
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


async def _contact_shown(request: Request) -> contacts.Shown | None:
    """The signed-in person's contact details for the settings page; None when nobody is signed in."""
    if request.scope.get("person") is None:
        return None
    async with unit_of_work(request) as db:
        return await contacts.shown(db, current_person(request))


async def display_settings(request: Request) -> Response:
    lang = request.path_params["lang"]
    contact = await _contact_shown(request)
    confirmed = request.query_params.get("confirmed") == "1"
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
            request, "pages/settings.html", {"values": form.shown, "errors": form.errors, "saved": False, "contact": contact},
            status_code=422,
        )
    return render(
        request,
        "pages/settings.html",
        {"values": display_prefs(request), "errors": [], "saved": "saved" in request.query_params, "contact": contact,
         "confirmed": confirmed},
    )


def _after_contact_change(request: Request, waiting: list[Channel]) -> Response:
    """To the next address that waits for its code, or back to settings; the codes go out after the response."""
    target = (lang_url(request, "contact_confirm", channel=waiting[0].value) if waiting
              else lang_url(request, "settings") + "?confirmed=1")
    return RedirectResponse(target, status_code=303, background=BackgroundTask(deliver_now, request.app.state))


@signed_in
async def contact_details(request: Request) -> Response:
    """E-mail, mobile, e-address, the channel and the language of notices; a new address gets a code to confirm it."""
    me = current_person(request)
    async with unit_of_work(request) as db:
        shown = await contacts.shown(db, me)
        values: dict[str, object] = {"email": shown.email, "phone": shown.phone, "eaddress": shown.eaddress,
                                     "channel": shown.channel, "language": shown.language}
        errors: list[tuple[str, str]] = []
        if request.method == "POST":
            form = await ContactDetailsForm.read(request)
            if form.ok:
                try:
                    waiting = await contacts.save(db, me, email=form.email, phone=form.phone, eaddress=form.eaddress,
                                                  channel=Channel(form.channel), language=form.language)
                except contacts.ContactRefused as refused:
                    for problem in refused.problems:
                        form.error(*contact_problem(problem))
                else:
                    return _after_contact_change(request, waiting)
            values, errors = dict(form.shown), form.errors
    return render(request, "pages/contact_details.html", {"values": values, "errors": errors, "prefilled": not shown.saved},
                  status_code=422 if errors else 200)


@signed_in
async def contact_confirm(request: Request) -> Response:
    """Enter the code sent to one address; or send a new one."""
    me = current_person(request)
    try:
        channel = Channel(request.path_params["channel"])
    except ValueError:
        raise HTTPException(404) from None
    async with unit_of_work(request) as db:
        waiting = await contacts.unconfirmed(db, me)
        if channel not in waiting:
            return RedirectResponse(lang_url(request, "settings"), status_code=303)
        details = await contacts.details_of(db, me)
        assert details is not None
        address = {Channel.EMAIL: details.email, Channel.SMS: details.phone, Channel.EADDRESS: details.eaddress}[channel]
        errors: list[tuple[str, str]] = []
        resent = False
        if request.method == "POST":
            form = await ConfirmCodeForm.read(request)
            if form.resend:
                with suppress(contacts.TooSoon):  # the last code is on its way; the page says a code was sent
                    await contacts.send_code(db, me, channel)
                return RedirectResponse(lang_url(request, "contact_confirm", channel=channel.value) + "?sent=1", status_code=303,
                                        background=BackgroundTask(deliver_now, request.app.state))
            if form.ok:
                outcome = await contacts.confirm(db, me, channel, form.code)
                if outcome is contacts.CodeOutcome.CONFIRMED:
                    return _after_contact_change(request, [kind for kind in waiting if kind is not channel])
                form.error("code", code_problem(outcome))
            errors = form.errors
        resent = request.query_params.get("sent") == "1"
    return render(request, "pages/contact_confirm.html",
                  {"channel": channel.value, "address": address, "errors": errors, "resent": resent,
                   "minutes": int(contacts.CODE_VALID.total_seconds() // 60)},
                  status_code=422 if errors else 200)


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
        Route("/settings/contact", contact_details, methods=["GET", "POST"], name="contact_details"),
        Route("/settings/contact/confirm/{channel}", contact_confirm, methods=["GET", "POST"], name="contact_confirm"),
        Route("/accessibility", accessibility, name="accessibility"),
        Route("/components", gallery, name="gallery"),
    ]


def root_routes() -> list[Route]:
    return [
        Route("/", root, name="root"),
        Route("/healthz", healthz, name="healthz"),
        Route("/readyz", readyz, name="readyz"),
    ]
