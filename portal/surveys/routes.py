"""Answering a survey at /{lang}/surveys/<name>: a few questions a page, saved as you go (for the
signed-in person in their draft, for a visitor under a random token in their session), check your answers, submit
once, thanks. Switching language keeps the answers: they are values, not words. HTTP only."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n, ratelimit
from portal.cookies import cookies_of
from portal.db import unit_of_work
from portal.eid.session import current_person, signed_in
from portal.forms import Errors, read_body
from portal.people.models import Person
from portal.surveys import analysis, service
from portal.surveys import answers as answering
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.forms import read_page
from portal.templating import lang_url, render

ANSWERED_COOKIE = "survey-answered-"
# The session key of a visitor's random token, under whose hash their unfinished answers are kept (SurveyVisit).
VISIT_TOKEN = "survey_visit"


def _person(request: Request) -> Person | None:
    return request.scope.get("person")


async def _survey(request: Request, db: AsyncSession) -> Survey:
    """The survey of the path, if this person (or visitor) may answer it today; else 404."""
    survey = all_surveys().get(request.path_params["survey"])
    if survey is None or not await service.may_answer(db, survey, _person(request), clock.today()):
        raise HTTPException(404)
    return survey


def _sign_in_first(request: Request, survey: Survey) -> Response | None:
    if survey.audience != "public" and _person(request) is None:
        target = request.app.url_path_for("sign_in", lang=request.path_params["lang"])
        return RedirectResponse(f"{target}?{urlencode({'next': request.url.path})}", status_code=303)
    return None


async def _answered(request: Request, db: AsyncSession, survey: Survey) -> bool:
    person = _person(request)
    if person is not None:
        return await service.has_answered(db, survey, person)
    return cookies_of(request.scope).get(ANSWERED_COOKIE + survey.id) == "1"


async def _answers(request: Request, db: AsyncSession, survey: Survey) -> dict[str, Any]:
    person = _person(request)
    if person is not None:
        draft = await service.draft_of(db, survey, person)
        return dict(draft.answers) if draft else {}
    return await service.visit_answers(db, survey, _visit_token(request))


def _visit_token(request: Request, *, create: bool = False) -> str | None:
    token = request.session.get(VISIT_TOKEN)
    if not isinstance(token, str) and create:
        token = request.session[VISIT_TOKEN] = secrets.token_urlsafe(32)
    return token if isinstance(token, str) else None


async def _count_visitor(request: Request, limit: ratelimit.Limit) -> None:
    """A visitor's post counted against the limit for their address, in a transaction of its own: never
    written together with their answers, so that nothing in the database joins the two."""
    if _person(request) is None:
        await ratelimit.count(request, limit)


async def _keep(request: Request, db: AsyncSession, survey: Survey, given: dict[str, Any]) -> dict[str, Any]:
    """Keep a page's answers with the earlier ones; returns them all."""
    person = _person(request)
    if person is not None:
        return dict((await service.save_draft(db, survey, person, given)).answers)
    return await service.save_visit(db, survey, str(_visit_token(request, create=True)), given, clock.today())


def _kept() -> dict[str, int]:
    """The figures the privacy notice states (templates/surveys/_kept.html), from the rules themselves."""
    return {"release_batch": service.RELEASE_BATCH, "min_group": analysis.MIN_GROUP}


@signed_in
async def surveys(request: Request) -> Response:
    async with unit_of_work(request) as db:
        found = await service.open_surveys(db, current_person(request), clock.today())
    return render(request, "surveys/list.html", {"surveys": found})


async def start(request: Request) -> Response:
    async with unit_of_work(request) as db:
        survey = await _survey(request, db)
        if (redirect := _sign_in_first(request, survey)) is not None:
            return redirect
        answered = await _answered(request, db, survey)
        answers = await _answers(request, db, survey)
    return render(request, "surveys/start.html", {
        "survey": survey, "answered": answered, "started": bool(answers), **_kept(),
        "first_href": lang_url(request, "survey_page", survey=survey.id, page=answering.first_unfinished(survey, answers) or 1),
    })


async def page(request: Request) -> Response:
    number = int(request.path_params["page"])
    if request.method == "POST":
        await _count_visitor(request, ratelimit.PUBLIC_PAGE)
    async with unit_of_work(request) as db:
        survey = await _survey(request, db)
        if (redirect := _sign_in_first(request, survey)) is not None:
            return redirect
        if not 1 <= number <= len(survey.pages):
            raise HTTPException(404)
        if await _answered(request, db, survey):
            return RedirectResponse(lang_url(request, "survey", survey=survey.id), status_code=303)
        current = survey.pages[number - 1]
        answers = await _answers(request, db, survey)
        errors: Errors = []
        if request.method == "POST":
            reading = read_page(current, await read_body(request), answers)
            try:
                answers = await _keep(request, db, survey, reading.answers)
            except service.AlreadyAnswered:  # submitted in another tab meanwhile: its page says so
                return RedirectResponse(lang_url(request, "survey", survey=survey.id), status_code=303)
            errors = reading.errors
            if not errors:
                following = number + 1 if number < len(survey.pages) and not request.query_params.get("change") else None
                target = (lang_url(request, "survey_page", survey=survey.id, page=following) if following
                          else lang_url(request, "survey_check", survey=survey.id))
                return RedirectResponse(target, status_code=303)
            answers = {**answers, **reading.shown}
    return render(request, "surveys/page.html", {
        "survey": survey, "page": current, "number": number, "questions": answering.visible(current, answers),
        "answers": answers, "errors": errors,
        "back_href": lang_url(request, "survey_page", survey=survey.id, page=number - 1) if number > 1
        else lang_url(request, "survey", survey=survey.id),
        "action": lang_url(request, "survey_page", survey=survey.id, page=number) + ("?change=1" if request.query_params.get("change") else ""),
    }, status_code=422 if errors else 200)


async def check(request: Request) -> Response:
    async with unit_of_work(request) as db:
        survey = await _survey(request, db)
        if (redirect := _sign_in_first(request, survey)) is not None:
            return redirect
        if await _answered(request, db, survey):
            return RedirectResponse(lang_url(request, "survey", survey=survey.id), status_code=303)
        answers = await _answers(request, db, survey)
    unfinished = answering.first_unfinished(survey, answers)
    if unfinished is not None:
        return RedirectResponse(lang_url(request, "survey_page", survey=survey.id, page=unfinished), status_code=303)
    rows = [
        {"key": q.text(i18n.get_locale()), "value": answering.describe(q, answers.get(q.id)) or i18n.gettext("Not answered"),
         "href": lang_url(request, "survey_page", survey=survey.id, page=n) + f"?change=1#{q.id}", "visually_hidden": q.text(i18n.get_locale())}
        for n, p in enumerate(survey.pages, 1) for q in answering.visible(p, answers)
    ]
    return render(request, "surveys/check.html", {"survey": survey, "rows": rows, **_kept()})


async def submit(request: Request) -> Response:
    """Submit once: a second submit (back button, another tab) lands on the thanks page again."""
    await _count_visitor(request, ratelimit.PUBLIC_SUBMIT)
    async with unit_of_work(request) as db:
        survey = await _survey(request, db)
        if (redirect := _sign_in_first(request, survey)) is not None:
            return redirect
        thanks = RedirectResponse(lang_url(request, "survey_thanks", survey=survey.id), status_code=303)
        if await _answered(request, db, survey):
            return thanks
        person = _person(request)
        try:
            if person is not None:
                await service.submit(db, survey, person, i18n.get_locale(), clock.today())
            else:
                await service.submit_visit(db, survey, _visit_token(request), i18n.get_locale(), clock.today())
        except service.AlreadyAnswered:
            return thanks
        except service.Unfinished:
            return RedirectResponse(lang_url(request, "survey_check", survey=survey.id), status_code=303)
        except service.NotOpen:
            raise HTTPException(404) from None
        if person is None:
            thanks.set_cookie(ANSWERED_COOKIE + survey.id, "1", max_age=400 * 24 * 3600, httponly=True, samesite="lax",
                              secure=request.app.state.settings.https)
    if survey.anonymous or person is None:
        # After the response, in a transaction of its own: held answers become responses once enough wait.
        thanks.background = BackgroundTask(service.release_held, request.app.state.db)
    return thanks


async def thanks(request: Request) -> Response:
    survey = all_surveys().get(request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    return render(request, "surveys/thanks.html", {"survey": survey})


def page_routes() -> list[Route]:
    return [
        Route("/surveys", surveys, name="surveys"),
        Route("/surveys/{survey}", start, name="survey"),
        Route("/surveys/{survey}/check", check, name="survey_check"),
        Route("/surveys/{survey}/submit", submit, methods=["POST"], name="survey_submit"),
        Route("/surveys/{survey}/thanks", thanks, name="survey_thanks"),
        Route("/surveys/{survey}/{page:int}", page, methods=["GET", "POST"], name="survey_page"),
    ]
