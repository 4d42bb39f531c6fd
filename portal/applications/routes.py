"""The apply journey and the list of applications: HTTP only (parse, call the service, render)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock
from portal.applications import journey, service
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import KIND_RULES, Verdict, kinds_by_age
from portal.eid.session import current_person, signed_in
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.people import service as people
from portal.people.models import Person
from portal.templating import render

FOR_WHOM_SELF = "self"

STATUS_TAGS: dict[ApplicationStatus, tuple[Any, str]] = {
    ApplicationStatus.DRAFT: (_l("Draft"), "grey"),
    ApplicationStatus.SUBMITTED: (_l("Submitted"), "blue"),
    ApplicationStatus.IN_REVIEW: (_l("In review"), "blue"),
    ApplicationStatus.INFO_REQUESTED: (_l("More information requested"), "yellow"),
    ApplicationStatus.GRANTED: (_l("Granted"), "green"),
    ApplicationStatus.REFUSED: (_l("Refused"), "red"),
    ApplicationStatus.WITHDRAWN: (_l("Withdrawn"), "grey"),
}


def option_items(options: Any) -> list[dict[str, str | None]]:
    """Journey options as the radios macro takes them."""
    return [{"value": o.value, "text": str(o.text), "hint": str(o.hint) if o.hint else None} for o in options]


def _require_journey(request: Request) -> None:
    if not request.app.state.settings.apply_journey:
        raise HTTPException(404)


def _url(request: Request, name: str, **params: Any) -> str:
    return request.app.url_path_for(name, lang=request.path_params["lang"], **params)


async def start(request: Request) -> Response:
    _require_journey(request)
    return render(request, "applications/start.html", {"kind_rules": KIND_RULES, "kind_texts": journey.KIND_TEXTS})


@signed_in
async def for_whom(request: Request) -> Response:
    _require_journey(request)
    me = current_person(request)
    today = clock.today()
    async with request.app.state.db.session() as db:
        represented = [r.represented for r in await people.represented_people(db, me, today)]
        options = [journey.Option(FOR_WHOM_SELF, _("Myself"), me.full_name)] + [
            journey.Option(str(person.id), person.full_name) for person in represented
        ]
        errors: list[tuple[str, str]] = []
        if request.method == "POST":
            async with request.form() as form:
                choice = str(form.get("answer") or "")
            if choice in {option.value for option in options}:
                person_id = me.id if choice == FOR_WHOM_SELF else int(choice)
                application = await service.start_draft(db, me, person_id, today)
                return RedirectResponse(_url(request, "apply_question", id=application.id, step="service"), status_code=303)
            errors = [("answer", _("Select who the application is for"))]
    return render(
        request,
        "applications/for_whom.html",
        {"items": option_items(options), "has_represented": bool(represented), "errors": errors},
        status_code=422 if errors else 200,
    )


async def _draft_and_situation(request: Request, db: Any) -> tuple[Application, Person, journey.Situation]:
    me = current_person(request)
    today = clock.today()
    try:
        application = await service.visible_application(db, me, int(request.path_params["id"]), today)
    except service.NotFound:
        raise HTTPException(404) from None
    if application.status is not ApplicationStatus.DRAFT:
        raise HTTPException(404)
    person = await db.get(Person, application.person_id)
    situation = journey.Situation(application.answers, journey.birth_date_of(person.personal_code), today)
    return application, person, situation


def _situation_of(situation: journey.Situation) -> Any:
    return lambda answers: journey.Situation(answers, situation.birth_date, situation.today)


def _back_link(request: Request, situation: journey.Situation, slug: str, application_id: int) -> str:
    if request.query_params.get("change"):
        return _url(request, "apply_check", id=application_id)
    order = journey.steps(situation)
    if slug in order and order.index(slug) > 0:
        return _url(request, "apply_question", id=application_id, step=order[order.index(slug) - 1])
    return _url(request, "applications")


def _after(request: Request, situation: journey.Situation, slug: str, application_id: int) -> str:
    """The next unanswered question (a changed answer can bring new ones in), else the answers so far."""
    following = journey.next_step(situation, slug)
    if following is None:
        return _url(request, "apply_check", id=application_id)
    path = _url(request, "apply_question", id=application_id, step=following)
    return path + "?change=1" if request.query_params.get("change") else path


@signed_in
async def question(request: Request) -> Response:
    _require_journey(request)
    slug = request.path_params["step"]
    async with request.app.state.db.session() as db:
        application, person, situation = await _draft_and_situation(request, db)
        if slug == journey.RULED_OUT:
            return await _ruled_out(request, application, person, situation)
        asked = journey.BY_SLUG.get(slug)
        if asked is None or not asked.applies(situation):
            raise HTTPException(404)
        options = asked.options(situation)
        value = situation.answers.get(slug)
        errors: list[tuple[str, str]] = []
        if request.method == "POST":
            async with request.form() as form:
                value = str(form.get("answer") or "")
            if value in {option.value for option in options}:
                answers = journey.clean({**situation.answers, slug: value}, _situation_of(situation))
                await service.save_answers(db, current_person(request), application.id, answers, situation.today)
                updated = journey.Situation(answers, situation.birth_date, situation.today)
                return RedirectResponse(_after(request, updated, slug, application.id), status_code=303)
            errors = [("answer", str(asked.error))]
        context = {
            "question": asked,
            "options": options,
            "value": value,
            "errors": errors,
            "application": application,
            "applicant": person,
            "items": option_items(options),
            "for_other": person.id != current_person(request).id,
            "back_href": _back_link(request, situation, slug, application.id),
            "change": bool(request.query_params.get("change")),
        }
        if slug == "service":
            context["not_offered"] = kinds_by_age(situation.age)[1]
        return render(request, "applications/question.html", context, status_code=422 if errors else 200)


async def _ruled_out(request: Request, application: Application, person: Person, situation: journey.Situation) -> Response:
    if not journey.ruled_out(situation):
        raise HTTPException(404)
    if request.method == "POST":
        return RedirectResponse(_url(request, "apply_check", id=application.id), status_code=303)
    return render(
        request,
        "applications/ruled_out.html",
        {
            "application": application,
            "eligibility": situation.eligibility,
            "back_href": _back_link(request, situation, journey.RULED_OUT, application.id),
        },
    )


@signed_in
async def check(request: Request) -> Response:
    _require_journey(request)
    async with request.app.state.db.session() as db:
        application, person, situation = await _draft_and_situation(request, db)
    rows = []
    for asked in journey.applicable(situation):
        chosen = {option.value: option.text for option in asked.options(situation)}.get(situation.answers.get(asked.slug, ""))
        rows.append(
            {
                "key": str(asked.title),
                "value": str(chosen) if chosen is not None else _("Not answered yet"),
                "href": _url(request, "apply_question", id=application.id, step=asked.slug) + "?change=1",
                "visually_hidden": str(asked.title),
            }
        )
    answered, total = journey.progress(situation)
    next_question = journey.next_step(situation, "")
    return render(
        request,
        "applications/check.html",
        {
            "application": application,
            "applicant": person,
            "for_other": person.id != current_person(request).id,
            "rows": rows,
            "answered": answered,
            "total": total,
            "eligibility": situation.eligibility,
            "unsure": situation.eligibility is not None and situation.eligibility.verdict is Verdict.UNSURE,
            "next_href": _url(request, "apply_question", id=application.id, step=next_question) if next_question else None,
        },
    )


async def _summaries(db: Any, me: Person, only_drafts: bool) -> list[dict[str, Any]]:
    """The person's applications with whom each is for and, for drafts, how much is answered."""
    today = clock.today()
    rows = await service.applications_of(db, me, today)
    people_by_id = {me.id: me} | {r.represented_id: r.represented for r in await people.represented_people(db, me, today)}
    items = []
    for application in rows:
        if only_drafts and application.status is not ApplicationStatus.DRAFT:
            continue
        person = people_by_id.get(application.person_id, me)
        situation = journey.Situation(application.answers, journey.birth_date_of(person.personal_code), today)
        items.append({"application": application, "applicant": person, "progress": journey.progress(situation)})
    return items


async def draft_summaries(db: Any, me: Person) -> list[dict[str, Any]]:
    return await _summaries(db, me, only_drafts=True)


@signed_in
async def applications(request: Request) -> Response:
    _require_journey(request)
    me = current_person(request)
    async with request.app.state.db.session() as db:
        items = await _summaries(db, me, only_drafts=False)
    return render(request, "applications/list.html", {"items": items, "me": me, "statuses": STATUS_TAGS, "kind_texts": journey.KIND_TEXTS})


def page_routes() -> list[Route]:
    return [
        Route("/apply", start, name="apply"),
        Route("/apply/new", for_whom, methods=["GET", "POST"], name="apply_new"),
        Route("/apply/{id:int}/check", check, name="apply_check"),
        Route("/apply/{id:int}/{step}", question, methods=["GET", "POST"], name="apply_question"),
        Route("/applications", applications, name="applications"),
    ]
