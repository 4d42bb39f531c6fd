"""The self-assessment at /{lang}/assessment: the task list, a page per section, its check page,
submitting a version, the result, and applying with it. HTTP only.

A representative works on a represented person's self-assessment with `?for=<person id>` on
every address; without it, the signed-in person's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n
from portal.applications import service as applications
from portal.assessment import answers as answering
from portal.assessment import presenters, service
from portal.assessment.answers import SectionStatus
from portal.assessment.definitions import Definition, Section
from portal.assessment.forms import AttachForm, read_section
from portal.assessment.models import Assessment, AssessmentStatus
from portal.assessment.scoring import score
from portal.db import unit_of_work
from portal.eid import acting
from portal.eid.acting import subject_url
from portal.eid.session import current_person, signed_in
from portal.forms import Errors, read_body
from portal.i18n import gettext as _
from portal.people.models import Person
from portal.templating import lang_url, render


def name_for(request: Request, person: Person) -> str | None:
    """The person's name when someone else answers for them: the questions then name them."""
    return None if person.id == current_person(request).id else person.full_name


async def _definition_and_answers(db: AsyncSession, person: Person) -> tuple[Definition, Assessment | None, list[Assessment], dict[str, Any]]:
    found = await service.versions(db, person.id)
    shown, answers = service.working_answers(found)
    definition = service.definition_of(shown) if shown else service.questionnaire_for(person, clock.today())
    return definition, shown, found, answers





@signed_in
async def overview(request: Request) -> Response:
    me = current_person(request)
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        definition, shown, found, answers = await _definition_and_answers(db, person)
        whose = acting.whose(request)
    draft = service.in_progress(found)
    latest = service.latest_submitted(found)
    return render(request, "assessment/overview.html", {
        "applicant": person,
        "for_other": person.id != me.id,
        "name": name_for(request, person),
        "whose": whose,
        "whose_href": lambda someone: subject_url(request, "assessment", someone),
        "definition": definition,
        "rows": presenters.section_rows(definition, answers, lambda s: subject_url(request, "assessment_section", person, section=s.id)),
        "draft": draft,
        "can_submit": draft is not None and answering.complete(definition, answers),
        "latest": latest,
        "latest_result": score(service.definition_of(latest), latest.answers) if latest and service.definition_of(latest).scored else None,
        "submitted": [a for a in found if a.status is AssessmentStatus.SUBMITTED],
        "submit_action": subject_url(request, "assessment_submit", person),
        "result_href": lambda version: subject_url(request, "assessment_result", person, id=version.id),
    })


def _section_of(definition: Definition, request: Request) -> Section:
    section = definition.section(request.path_params["section"])
    if section is None:
        raise HTTPException(404)
    return section


@signed_in
async def section_page(request: Request) -> Response:
    """One section's questions; every answer given is kept, even when another needs correcting."""
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        definition, _shown, _found, answers = await _definition_and_answers(db, person)
        section = _section_of(definition, request)
        errors: Errors = []
        values: dict[str, Any] = answers
        if request.method == "POST":
            reading = read_section(definition, section, await read_body(request), name_for(request, person))
            saved = await service.save_section(db, current_person(request), person, definition, reading.answers)
            if not reading.errors:
                return RedirectResponse(subject_url(request, "assessment_section_check", person, section=section.id), status_code=303)
            # What is stored now (another tab may have saved meanwhile), with what was typed over it.
            errors, values = reading.errors, {**saved.answers, **reading.shown}
    return render(request, "assessment/section.html", {
        "applicant": person,
        "for_other": person.id != current_person(request).id,
        "name": name_for(request, person),
        "definition": definition,
        "section": section,
        "values": values,
        "errors": errors,
        "action": subject_url(request, "assessment_section", person, section=section.id),
        "back_href": subject_url(request, "assessment", person),
        "journey": _("Self-assessment"),
    }, status_code=422 if errors else 200)


def answer_rows(definition: Definition, section: Section, answers: Mapping[str, Any], name: str | None,
                change_href: str | None = None, typed_in: str | None = None) -> list[dict[str, Any]]:
    """A section's answers in words for a summary list, with the comment under a rating; what the person
    typed is marked with the language it was typed in (`typed_in`, the version's)."""
    language = i18n.get_locale()
    rows = []
    for question in section.questions:
        answer = answers.get(question.id)
        value = presenters.answer_in_words(definition, question, answer, typed_in) or _("Not answered")
        comment = presenters.comment_in_words(answer, typed_in)
        rows.append({
            "key": question.text(language, name),
            "value": [value, comment] if comment else value,
            "href": f"{change_href}#{question.id}" if change_href else None,
            "visually_hidden": question.text(language, name),
        })
    return rows


@signed_in
async def section_check(request: Request) -> Response:
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        definition, shown, _found, answers = await _definition_and_answers(db, person)
    section = _section_of(definition, request)
    name = name_for(request, person)
    unfinished = [s for s in definition.sections
                  if answering.section_status(definition, s, answers) is not SectionStatus.COMPLETED and s.id != section.id]
    return render(request, "assessment/section_check.html", {
        "applicant": person,
        "for_other": name is not None,
        "section": section,
        "definition": definition,
        "name": name,
        "rows": answer_rows(definition, section, answers, name, subject_url(request, "assessment_section", person, section=section.id),
                            typed_in=shown.language if shown else None),
        "status": answering.section_status(definition, section, answers),
        "next_href": subject_url(request, "assessment_section", person, section=unfinished[0].id) if unfinished else None,
        "overview_href": subject_url(request, "assessment", person),
    })


@signed_in
async def submit(request: Request) -> Response:
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        try:
            version = await service.submit(db, current_person(request), person)
        except service.NotComplete:
            return RedirectResponse(subject_url(request, "assessment", person), status_code=303)
    return RedirectResponse(subject_url(request, "assessment_result", person, id=version.id), status_code=303)


async def _submitted_version(request: Request, db: AsyncSession) -> Assessment:
    try:
        return await service.submitted_assessment(db, current_person(request), request.path_params["id"], clock.today())
    except service.NotFound:
        raise HTTPException(404) from None


async def _result_page(request: Request, db: AsyncSession, version: Assessment, errors: Errors) -> Response:
    """A submitted version: the indicative result, how it was worked out, the answers, and what next."""
    me = current_person(request)
    person = me if version.person_id == me.id else await db.get(Person, version.person_id)
    assert person is not None
    drafts = await service.drafts_for(db, me, person.id, clock.today())
    newest = (await service.versions(db, person.id))[0]
    definition = service.definition_of(version)
    name = name_for(request, person)
    return render(request, "assessment/result.html", {
        "applicant": person,
        "for_other": name is not None,
        "name": name,
        "version": version,
        "is_newest": newest.id == version.id or (newest.status is AssessmentStatus.IN_PROGRESS and newest.number == version.number + 1),
        "definition": definition,
        "result": score(definition, version.answers) if definition.scored else None,
        "sections": [{"title": s.title(i18n.get_locale(), name), "rows": answer_rows(definition, s, version.answers, name, typed_in=version.language)}
                     for s in definition.sections],
        "drafts": drafts,
        "errors": errors,
        "apply_action": subject_url(request, "assessment_apply", person, id=version.id),
        "attach_action": subject_url(request, "assessment_attach", person, id=version.id),
        "overview_href": subject_url(request, "assessment", person),
    }, status_code=422 if errors else 200)


@signed_in
async def result(request: Request) -> Response:
    async with unit_of_work(request) as db:
        return await _result_page(request, db, await _submitted_version(request, db), [])


@signed_in
async def apply_with(request: Request) -> Response:
    async with unit_of_work(request) as db:
        version = await _submitted_version(request, db)
        try:
            application = await service.apply_with(db, current_person(request), version, clock.today())
        except applications.NotFound:
            raise HTTPException(404) from None
    return RedirectResponse(lang_url(request, "apply_question", id=application.id, step="service"), status_code=303)


@signed_in
async def attach(request: Request) -> Response:
    async with unit_of_work(request) as db:
        version = await _submitted_version(request, db)
        form = await AttachForm.read(request)
        if form.application is None:
            return await _result_page(request, db, version, form.errors)
        try:
            application = await service.attach(db, current_person(request), version, form.application, clock.today())
        except (service.NotFound, applications.NotFound):
            raise HTTPException(404) from None
    return RedirectResponse(lang_url(request, "apply_check", id=application.id), status_code=303)


def page_routes() -> list[Route]:
    return [
        Route("/assessment", overview, name="assessment"),
        Route("/assessment/submit", submit, methods=["POST"], name="assessment_submit"),
        Route("/assessment/versions/{id:int}", result, name="assessment_result"),
        Route("/assessment/versions/{id:int}/apply", apply_with, methods=["POST"], name="assessment_apply"),
        Route("/assessment/versions/{id:int}/attach", attach, methods=["POST"], name="assessment_attach"),
        Route("/assessment/{section}", section_page, methods=["GET", "POST"], name="assessment_section"),
        Route("/assessment/{section}/check", section_check, name="assessment_section_check"),
    ]
