"""The desk's side of the self-assessment: the person's version beside the social service's own,
filled in with the same questionnaire. HTTP only; the case is reached through the desk's scope."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import audit, clock, i18n
from portal.applications.models import Application
from portal.assessment import answers as answering
from portal.assessment import presenters
from portal.assessment import service as assessments
from portal.assessment.definitions import Definition, Question
from portal.assessment.forms import read_section
from portal.assessment.models import Assessment
from portal.assessment.scoring import score
from portal.casework.guards import case_or_404, caseworkers_only
from portal.db import unit_of_work
from portal.eid.session import current_person
from portal.forms import Errors, read_body
from portal.i18n import gettext as _
from portal.templating import lang_url, render


async def desk_versions(db: AsyncSession, application: Application) -> tuple[Assessment | None, list[Assessment], Definition]:
    """The person's version sent with the case, the desk's versions, and the questionnaire they share."""
    sent = await assessments.sent_with(db, application)
    found = await assessments.versions(db, application.person_id, application.id)
    shown = found[0] if found else None
    if shown:
        definition = assessments.definition_of(shown)
    elif sent:
        definition = assessments.definition_of(sent)
    else:
        definition = assessments.questionnaire_for(application.person, clock.today())
    return sent, found, definition


def _same(question: Any, mine: Any, theirs: Any) -> bool:
    if question.kind == "rating":
        return (mine or {}).get("rating") == (theirs or {}).get("rating")
    if isinstance(mine, list) or isinstance(theirs, list):
        return sorted(mine or []) == sorted(theirs or [])
    return mine == theirs


def comparison(definition: Definition, person_answers: dict[str, Any], desk_answers: dict[str, Any], name: str,
               person_typed_in: str | None = None, desk_typed_in: str | None = None) -> list[dict[str, Any]]:
    """Per section: every question with both answers in words and whether they differ; what each side
    typed is marked with the language it was typed in."""
    language = i18n.get_locale()
    sections = []
    for section in definition.sections:
        rows = []
        for question in section.questions:
            mine, theirs = person_answers.get(question.id), desk_answers.get(question.id)

            def words(answer: Any, typed_in: str | None, question: Question = question) -> Markup:
                text = presenters.answer_in_words(definition, question, answer, typed_in) or Markup.escape(_("Not answered"))
                comment = presenters.comment_in_words(answer, typed_in)
                return Markup("{}. {}").format(text, comment) if comment else text

            answered = answering.is_answered(definition, question, theirs) and answering.is_answered(definition, question, mine)
            differs = answered and not _same(question, mine, theirs)
            rows.append({
                "id": question.id,
                "question": question.text(language, name),
                "person": words(mine, person_typed_in),
                "desk": words(theirs, desk_typed_in),
                "differs": differs,
                "compared": answered,
            })
        sections.append({"title": section.title(language, name), "id": section.id, "rows": rows})
    return sections


@caseworkers_only
async def compare(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        sent, found, definition = await desk_versions(db, application)
        audit.record(db, actor=current_person(request), subject=application.person, action=audit.AuditAction.SELF_ASSESSMENT_VIEWED,
                     detail=f"{application.reference} v{sent.number}" if sent else application.reference or "")
    person = application.person
    desk_answers = dict(found[0].answers) if found else {}
    sections = comparison(definition, sent.answers if sent else {}, desk_answers, person.full_name,
                          sent.language if sent else None, found[0].language if found else None)
    differences = [row for section in sections for row in section["rows"] if row["differs"]]
    draft = assessments.in_progress(found)
    latest = assessments.latest_submitted(found)
    return render(request, "casework/assessment.html", {
        "application": application,
        "applicant": person,
        "definition": definition,
        "sent": sent,
        "sections": sections,
        "differences": differences,
        "person_result": score(assessments.definition_of(sent), sent.answers) if sent and definition.scored else None,
        "desk_result": score(definition, desk_answers) if desk_answers and definition.scored else None,
        "rows": presenters.section_rows(definition, desk_answers,
                             lambda s: lang_url(request, "desk_assessment_section", id=application.id, section=s.id)),
        "draft": draft,
        "latest": latest,
        "may_change": assessments.desk_may_change(application),
        "can_submit": draft is not None and answering.complete(definition, desk_answers),
    })


@caseworkers_only
async def desk_section(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        case_page = lang_url(request, "desk_assessment", id=application.id)
        if not assessments.desk_may_change(application):
            return RedirectResponse(case_page, status_code=303)
        _sent, found, definition = await desk_versions(db, application)
        section = definition.section(request.path_params["section"])
        if section is None:
            raise HTTPException(404)
        person = application.person
        values: dict[str, Any] = dict(found[0].answers) if found else {}
        errors: Errors = []
        if request.method == "POST":
            reading = read_section(definition, section, await read_body(request), person.full_name)
            try:
                await assessments.save_desk_section(db, current_person(request), application, definition, reading.answers)
            except assessments.CaseClosed:
                return RedirectResponse(case_page, status_code=303)
            if not reading.errors:
                return RedirectResponse(f"{case_page}#section-{section.id}", status_code=303)
            errors, values = reading.errors, {**values, **reading.shown}
    return render(request, "assessment/section.html", {
        "applicant": person,
        "for_other": True,
        "name": person.full_name,
        "caption": _("The social service's assessment of %(name)s", name=person.full_name),
        "definition": definition,
        "section": section,
        "values": values,
        "errors": errors,
        "action": lang_url(request, "desk_assessment_section", id=application.id, section=section.id),
        "back_href": lang_url(request, "desk_assessment", id=application.id),
        "journey": _("The social service's assessment"),
    }, status_code=422 if errors else 200)


@caseworkers_only
async def desk_submit(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        # Refused, the case's page shows what is left to answer, or that the case is decided.
        with suppress(assessments.NotComplete, assessments.CaseClosed):
            await assessments.submit_desk(db, current_person(request), application)
    return RedirectResponse(lang_url(request, "desk_assessment", id=application.id), status_code=303)


def page_routes() -> list[Route]:
    return [
        Route("/desk/cases/{id:int}/assessment", compare, name="desk_assessment"),
        Route("/desk/cases/{id:int}/assessment/submit", desk_submit, methods=["POST"], name="desk_assessment_submit"),
        Route("/desk/cases/{id:int}/assessment/{section}", desk_section, methods=["GET", "POST"], name="desk_assessment_section"),
    ]


