"""The apply journey and the list of applications: HTTP only (parse, call the service, render)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n
from portal.applications import details, documents, forms, journey, service, uploads
from portal.applications.details import FormPage
from portal.applications.forms import FOR_WHOM_SELF, document_field
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import KIND_RULES, Verdict, kinds_by_age
from portal.assessment import service as assessments
from portal.db import unit_of_work
from portal.eid.session import current_actor, current_person, signed_in
from portal.forms import Errors, ascii_integer, read_body, read_fields
from portal.i18n import gettext as _
from portal.notifications.service import deliver_now
from portal.people import service as people
from portal.people.models import Person
from portal.registers import presenters as register_presenters
from portal.registers import service as registered
from portal.registers.facts import Outcome, RegisterName
from portal.registers.models import ReadStage
from portal.registers.wiring import registers_of
from portal.templating import lang_url, render
from portal.text import sort_key


def option_items(options: Any) -> list[dict[str, str | None]]:
    """Journey options as the radios macro takes them."""
    return [{"value": o.value, "text": str(o.text), "hint": str(o.hint) if o.hint else None} for o in options]


async def start(request: Request) -> Response:
    return render(request, "applications/start.html", {"kind_rules": KIND_RULES, "kind_texts": journey.KIND_TEXTS})


@signed_in
async def for_whom(request: Request) -> Response:
    """Whom the application is for: the person, or someone they legally represent.

    The representations come from the population register when it is connected: read here, before
    the unit of work, and made the portal's rows in it (registers.service.refresh_representations),
    so that a child registered to a parent yesterday is offered today, and one whose representation
    ended is not. Here, rather than only at sign-in, because this is the step where a representation
    starts something (an application in someone's name), and the register is asked once per visit to
    it, not on every sign-in of everyone. The registers about the person chosen are read the same
    way and kept with the draft (the journey's prefill and the questions it does not ask).
    """
    me = current_person(request)
    today = clock.today()
    registers = registers_of(request.app.state)
    population = await registered.read_population(registers, me.personal_code) if registers else None
    body = await read_body(request) if request.method == "POST" else None
    chosen: Person | None = None
    if body is not None and registers is not None:
        # Whom the form chose, among those the page offered (the service checks again after the refresh).
        offered = {str(person.id): person for person in current_actor(request).represented} | {FOR_WHOM_SELF: me}
        chosen = offered.get(read_fields(body, forms.for_whom_fields(list(offered))).values["answer"])
    registered_now = await registered.read_all(registers, chosen.personal_code) if registers and chosen else None
    async with unit_of_work(request) as db:
        represented = current_actor(request).represented
        if population is not None and population.found is not None:
            await registered.refresh_representations(db, me, population)
            # As they are now: another tab's refresh may have added one since this request loaded the actor.
            represented = list({r.represented_id: r.represented for r in await people.represented_people(db, me, today)}.values())
        options = [journey.Option(FOR_WHOM_SELF, _("Myself"), me.full_name)] + [
            journey.Option(str(person.id), person.full_name) for person in represented
        ]
        errors: Errors = []
        start_key = forms.new_start_key()
        if body is not None:
            readings = read_fields(body, forms.for_whom_fields([option.value for option in options]))
            start_key = forms.start_key(body) or start_key
            choice = readings.values["answer"]
            person_id = me.id if choice == FOR_WHOM_SELF else ascii_integer(choice, minimum=1)
            if not readings.errors and person_id is not None:
                try:
                    application = await service.start_draft(db, me, person_id, today, start_key)
                except service.NotFound:
                    pass  # the representation ended since the page was read
                else:
                    if registered_now is not None and chosen is not None and application.person_id == chosen.id:
                        await registered.keep(db, application.id, registered_now, ReadStage.APPLIED)
                    return RedirectResponse(lang_url(request, "apply_question", id=application.id, step="service"), status_code=303)
            errors = readings.errors or [("answer", str(forms.SELECT_WHO))]
    return render(
        request,
        "applications/for_whom.html",
        {"items": option_items(options), "has_represented": bool(represented), "errors": errors, "start_key": start_key,
         "representations_source": register_presenters.source_text(population) if population else None,
         "representations_unknown": population is not None and population.outcome is Outcome.UNKNOWN},
        status_code=422 if errors else 200,
    )


async def _municipalities(db: AsyncSession) -> dict[str, str]:
    """Code -> name in the page's language, in alphabetical order (Ā after A, as people expect)."""
    names = {m.code: m.name_ru if i18n.get_locale() == "ru" else m.name_lv for m in await people.municipalities(db)}
    return dict(sorted(names.items(), key=lambda item: sort_key(item[1])))


async def _schools(db: AsyncSession, answers: dict[str, Any]) -> dict[str, str]:
    """The schools registered in the municipality of the declared address, by name."""
    municipality = answers.get("details", {}).get("municipality", "")
    schools = await people.schools_in(db, municipality) if municipality else []
    return dict(sorted(((str(school.id), school.name) for school in schools), key=lambda item: sort_key(item[1])))


async def _draft_and_situation(
    request: Request, db: AsyncSession, *, with_municipalities: bool = False, with_schools: bool = False, locked: bool = False
) -> tuple[Application, Person, journey.Situation]:
    """The signed-in person's draft from the path; a submitted one sends them to its status page.

    `locked`: held until the request's transaction ends, for a step that changes the draft as a whole
    (submitting), so that the same step in another tab waits and then finds it done.
    """
    me = current_person(request)
    today = clock.today()
    read = service.locked_application if locked else service.visible_application
    try:
        application = await read(db, me, int(request.path_params["id"]), today)
    except service.NotFound:
        raise HTTPException(404) from None
    if application.status is not ApplicationStatus.DRAFT:
        raise AlreadySubmitted(application.id)
    person = await db.get_one(Person, application.person_id)
    uploaded = (await service.uploaded_kinds(db, [application.id]))[application.id]
    kept = await registered.kept(db, application.id)
    situation = journey.Situation(
        application.answers,
        # A new-format personal code tells no birth date; the population register does.
        journey.birth_date_of(person.personal_code) or registered.birth_date(kept),
        today,
        uploaded=uploaded,
        municipalities=await _municipalities(db) if with_municipalities else {},
        schools=await _schools(db, application.answers) if with_schools else {},
        registered=kept,
    )
    return application, person, situation


class AlreadySubmitted(Exception):
    """A page of the journey asked for an application that is no longer a draft (back button, second tab)."""

    def __init__(self, application_id: int) -> None:
        self.application_id = application_id


def _to_status_page(request: Request, application_id: int) -> Response:
    return RedirectResponse(lang_url(request, "application", id=application_id), status_code=303)


def _situation_of(situation: journey.Situation) -> Any:
    return lambda answers: replace(situation, answers=answers)


def _back_link(request: Request, situation: journey.Situation, slug: str, application_id: int) -> str:
    if request.query_params.get("change"):
        return lang_url(request, "apply_check", id=application_id)
    order = journey.steps(situation)
    if slug in order and order.index(slug) > 0:
        return lang_url(request, "apply_question", id=application_id, step=order[order.index(slug) - 1])
    return lang_url(request, "applications")


def _after(
    request: Request, situation: journey.Situation, slug: str, application_id: int, frontier: str | None = None
) -> str:
    """The next unanswered page, else the check page.

    After a change link, only the pages the change brought in are asked (those before
    `frontier`, the first page that was unanswered before the change); then the check page.
    """
    following = journey.next_step(situation, slug)
    changing = bool(request.query_params.get("change"))
    order = journey.steps(situation)
    came_with_the_change = frontier is None or (
        following in order and frontier in order and order.index(following) < order.index(frontier)
    )
    if following is None or (changing and (following == journey.RULED_OUT or not came_with_the_change)):
        return lang_url(request, "apply_check", id=application_id)
    path = lang_url(request, "apply_question", id=application_id, step=following)
    return path + "?change=1" if request.query_params.get("change") else path


def _page_context(
    request: Request, application: Application, person: Person, situation: journey.Situation, slug: str
) -> dict[str, Any]:
    return {
        "application": application,
        "applicant": person,
        "for_other": person.id != current_person(request).id,
        "back_href": _back_link(request, situation, slug, application.id),
        "change": bool(request.query_params.get("change")),
        "action": lang_url(request, "apply_question", id=application.id, step=slug)
        + ("?change=1" if request.query_params.get("change") else ""),
    }


async def _save_and_go_on(
    request: Request, db: AsyncSession, application: Application, situation: journey.Situation, slug: str, value: Any
) -> Response:
    """Keep the answer and go to the next page; raises service.Refused when the answer breaks a rule.

    The answer is merged into the draft as it is now (another tab may have saved a page since this
    one was read); submitted meanwhile, the draft is not changed and its status page is shown.
    """
    frontier = journey.next_step(situation, "")
    try:
        saved = await service.save_answer(db, current_person(request), application.id, situation.today, slug, value,
                                          lambda answers: journey.clean(answers, _situation_of(situation)))
    except service.Refused:
        raise  # a rule the answer breaks: the page says so at the field
    except service.NotAllowed:  # no longer a draft
        return _to_status_page(request, application.id)
    following = _after(request, replace(situation, answers=saved.answers), slug, application.id, frontier)
    return RedirectResponse(following, status_code=303)


@signed_in
async def question(request: Request) -> Response:
    slug = request.path_params["step"]
    async with unit_of_work(request) as db:
        try:
            application, person, situation = await _draft_and_situation(
                request, db, with_municipalities=slug == details.DETAILS.slug, with_schools=slug == details.SCHOOL.slug
            )
        except AlreadySubmitted as submitted:
            return _to_status_page(request, submitted.application_id)
        if slug not in journey.steps(situation):
            if request.method == "POST" and _is_a_step(slug):
                # A page shown before another tab changed an earlier answer, so it is no longer asked.
                return await _check_page(request, db, application, person, situation, conflict=True)
            raise HTTPException(404)
        if slug == journey.RULED_OUT:
            return await _ruled_out(request, application, person, situation)
        if slug == journey.DOCUMENTS:
            return await _documents(request, db, application, person, situation)
        if slug in journey.FORM_PAGES:
            return await _form_page(request, db, application, person, situation, journey.FORM_PAGES[slug])
        asked = journey.BY_SLUG[slug]
        options = asked.options(situation)
        value = situation.answers.get(slug)
        errors: Errors = []
        if request.method == "POST":
            readings = read_fields(await read_body(request), asked.fields(situation))
            value, errors = readings.values["answer"], readings.errors
            if not errors:
                try:
                    return await _save_and_go_on(request, db, application, situation, slug, value)
                except service.Refused as refused:
                    errors = [("answer", forms.problem_text(refused.problem))]
        context = _page_context(request, application, person, situation, slug) | {
            "question": asked,
            "value": value,
            "errors": errors,
            "items": option_items(options),
        }
        if slug == "service":
            context["not_offered"] = kinds_by_age(situation.age)[1]
            if situation.registered is not None:
                # What the registers hold, so that the person sees why those questions are not asked.
                context["registered_sections"] = register_presenters.sections(
                    situation.registered, {}, registers=(RegisterName.DISABILITY, RegisterName.EDUCATION))
        return render(request, "applications/question.html", context, status_code=422 if errors else 200)


async def _form_page(
    request: Request, db: AsyncSession, application: Application, person: Person, situation: journey.Situation, page: FormPage
) -> Response:
    value = situation.answers.get(page.slug)
    errors: Errors = []
    if request.method == "POST":
        value, errors = page.read(read_fields(await read_body(request), page.fields(situation)), situation)
        if not errors:
            return await _save_and_go_on(request, db, application, situation, page.slug, value)
    context = _page_context(request, application, person, situation, page.slug) | {
        "page": page,
        "value": value if value is not None else {},
        "errors": errors,
        "representative": current_person(request) if person.id != current_person(request).id else None,
        **details.page_context(page, situation),
    }
    return render(request, page.template, context, status_code=422 if errors else 200)


async def _documents(
    request: Request, db: AsyncSession, application: Application, person: Person, situation: journey.Situation
) -> Response:
    """One file field per document the answers call for; each good file is kept at once, whatever else fails."""
    me = current_person(request)
    required = journey.required_documents(situation)
    errors: Errors = []
    if request.method == "POST":
        readings = read_fields(await read_body(request), forms.document_fields(required))
        chosen = [(document_field(kind), kind.value, readings.values[document_field(kind)]) for kind in required]
        errors = readings.errors + await uploads.store_uploads(
            db, request.app.state.storage, me, application.id, situation.today,
            [(field, kind, upload) for field, kind, upload in chosen if upload is not None],
        )
        uploaded = (await service.uploaded_kinds(db, [application.id]))[application.id]
        situation = replace(situation, uploaded=uploaded)
        if not errors and not readings.values["action"]:
            missing = [kind for kind in required if kind.value not in uploaded]
            errors = [
                (document_field(kind), _("Upload this document: %(document)s", document=str(documents.DOCUMENT_TEXTS[kind].title)))
                for kind in missing
            ]
            if not errors:
                return RedirectResponse(_after(request, situation, journey.DOCUMENTS, application.id), status_code=303)
        if not errors:  # "upload and stay": show the page again with the new files listed
            return RedirectResponse(lang_url(request, "apply_question", id=application.id, step=journey.DOCUMENTS)
                                    + ("?change=1" if request.query_params.get("change") else ""), status_code=303)
    files = await service.documents_of(db, application)
    wrong = {field for field, _message in errors}
    items = []
    for kind in required:
        of_kind = [f for f in files if f.kind == kind.value]
        items.append({
            "kind": kind, "field": document_field(kind), "texts": documents.DOCUMENT_TEXTS[kind], "files": of_kind,
            # All its files: no field for another, unless a form sent one anyway (its error is at the field).
            "full": len(of_kind) >= documents.MAX_FILES_PER_KIND and document_field(kind) not in wrong,
        })
    context = _page_context(request, application, person, situation, journey.DOCUMENTS) | {
        "errors": errors, "required": items, "max_files": documents.MAX_FILES_PER_KIND,
    }
    return render(request, "applications/documents.html", context, status_code=422 if errors else 200)


@signed_in
async def remove_document(request: Request) -> Response:
    me = current_person(request)
    application_id = int(request.path_params["id"])
    async with unit_of_work(request) as db:
        try:
            await service.remove_document(
                db, request.app.state.storage, me, application_id, int(request.path_params["document_id"]), clock.today()
            )
        except service.NotFound:
            raise HTTPException(404) from None
        except service.NotAllowed:
            return _to_status_page(request, application_id)
    return RedirectResponse(lang_url(request, "apply_question", id=application_id, step=journey.DOCUMENTS), status_code=303)


async def _ruled_out(request: Request, application: Application, person: Person, situation: journey.Situation) -> Response:
    if request.method == "POST":
        return RedirectResponse(_after(request, situation, journey.RULED_OUT, application.id), status_code=303)
    return render(
        request,
        "applications/ruled_out.html",
        {
            "application": application,
            "eligibility": situation.eligibility,
            "back_href": _back_link(request, situation, journey.RULED_OUT, application.id),
        },
    )


def _check_rows(request: Request, application: Application, situation: journey.Situation, files: list[Any]) -> list[dict[str, Any]]:
    """Every answer in words, each with a change link that comes back to the check page."""
    return [
        {
            "key": key,
            "value": value,
            # A register's fact is not the person's to change here.
            "href": lang_url(request, "apply_question", id=application.id, step=slug) + "?change=1" if slug != journey.REGISTERED else None,
            "visually_hidden": key,
        }
        for slug, key, value in journey.summary(situation, files)
    ]


def _is_a_step(slug: str) -> bool:
    """Whether the journey ever asks this page (for someone, with some answers)."""
    return slug in journey.BY_SLUG or slug in journey.FORM_PAGES or slug in (journey.RULED_OUT, journey.DOCUMENTS)


@signed_in
async def check(request: Request) -> Response:
    async with unit_of_work(request) as db:
        try:
            application, person, situation = await _draft_and_situation(request, db, with_municipalities=True)
        except AlreadySubmitted as submitted:
            return _to_status_page(request, submitted.application_id)
        return await _check_page(request, db, application, person, situation)


async def _check_page(
    request: Request, db: AsyncSession, application: Application, person: Person, situation: journey.Situation,
    *, conflict: bool = False,
) -> Response:
    """The answers so far; with `conflict`, said to have changed since the page sent was shown."""
    if not situation.municipalities:
        situation = replace(situation, municipalities=await _municipalities(db))
    files = await service.documents_of(db, application)
    attached = await assessments.sent_with(db, application)
    latest = attached or assessments.latest_submitted(await assessments.versions(db, application.person_id))
    answered, total = journey.progress(situation)
    next_question = journey.next_step(situation, "")
    return render(
        request,
        "applications/check.html",
        {
            "application": application,
            "applicant": person,
            "for_other": person.id != current_person(request).id,
            "rows": _check_rows(request, application, situation, files),
            "answered": answered,
            "total": total,
            "complete": journey.complete(situation),
            "eligibility": situation.eligibility,
            "ruled_out": journey.ruled_out(situation),
            "unsure": situation.eligibility is not None and situation.eligibility.verdict is Verdict.UNSURE,
            "next_href": lang_url(request, "apply_question", id=application.id, step=next_question) if next_question else None,
            "self_assessment": latest,
            "assessment_href": lang_url(request, "assessment") + ("" if person.id == current_person(request).id else f"?for={person.id}"),
            "errors": [("answers", str(forms.CHANGED_SINCE_OPENED))] if conflict else [],
        },
        # 409 whoever sent it: htmx swaps it (base.html's htmx-config), a browser shows the page.
        status_code=409 if conflict else 200,
    )


@signed_in
async def submit(request: Request) -> Response:
    """Send the application. A second submit of the same draft lands on the same confirmation."""
    me = current_person(request)
    async with unit_of_work(request) as db:
        try:
            application, person, situation = await _draft_and_situation(request, db, with_municipalities=True, locked=True)
        except AlreadySubmitted as submitted:
            return RedirectResponse(lang_url(request, "application_submitted", id=submitted.application_id), status_code=303)
        if not journey.complete(situation):
            return RedirectResponse(lang_url(request, "apply_check", id=application.id), status_code=303)
        municipality = await people.municipality_by_code(db, situation.answers["details"]["municipality"])
        deciding_school = await service.deciding_school(db, application, municipality.code)

        await assessments.attach_latest_if_none(db, application)
        await service.submit(
            db, me, application.id, situation.today, municipality.id, language=i18n.get_locale(),
            school_id=deciding_school,
        )
    return RedirectResponse(
        lang_url(request, "application_submitted", id=application.id),
        status_code=303,
        background=BackgroundTask(deliver_now, request.app.state),
    )


def page_routes() -> list[Route]:
    return [
        Route("/apply", start, name="apply"),
        Route("/apply/new", for_whom, methods=["GET", "POST"], name="apply_new"),
        Route("/apply/{id:int}/check", check, name="apply_check"),
        Route("/apply/{id:int}/submit", submit, methods=["POST"], name="apply_submit"),
        Route("/apply/{id:int}/documents/{document_id:int}/remove", remove_document, methods=["POST"], name="apply_remove_document"),
        Route("/apply/{id:int}/{step}", question, methods=["GET", "POST"], name="apply_question"),
    ]
